"""Pilot tests of the event table's own features: the time zone, chosen columns, the cell cursor,
quick filters from a cell, the marks of events with findings, and the jump keys.

The grid is hosted alone (with its header) in a small app over a store read from a real file,
so what is asserted is the grid's, whatever the app around it does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.containers import Vertical

from catalog import explain, loader
from tests.conftest import CET
from tests.core.conftest import read_paths
from tests.tui.helpers import append_events, make_event, wait_for
from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.core.store import Store
from tui.widgets.columns_screen import ColumnsScreen
from tui.widgets.event_grid import ColumnHeader, EventGrid

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"


class GridApp(App):
    """An EventGrid and its header, nothing else."""

    def __init__(self, store: Store, **grid_options: object) -> None:
        super().__init__()
        self.store = store
        self.grid_options = grid_options
        self.filters: list[EventGrid.QuickFilter] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ColumnHeader()
            yield EventGrid(self.store, **self.grid_options)

    def on_mount(self) -> None:
        grid = self.query_one(EventGrid)
        grid.focus()
        grid.sync()

    @on(EventGrid.QuickFilter)
    def _quick_filter(self, message: EventGrid.QuickFilter) -> None:
        self.filters.append(message)


def lines(grid: EventGrid) -> list[str]:
    return [grid.render_line(y).text for y in range(grid.size.height)]


def header(app: App) -> str:
    return app.query_one(ColumnHeader).render_line(0).text


def cursor_line(grid: EventGrid) -> str:
    return grid.render_line(grid.cursor - grid.scroll_offset.y).text


def cell_text(grid: EventGrid) -> str:
    """The text drawn in the highlighted cell's style on the cursor line (what stands out)."""
    strip = grid.render_line(grid.cursor - grid.scroll_offset.y)
    cell_style = grid.get_component_rich_style("event-grid--cell", partial=True)
    return "".join(s.text for s in strip if s.style is not None and s.style.reverse and cell_style.reverse)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    path = tmp_path / "activity.log"
    append_events(path, [make_event(i) for i in range(60)])
    return read_paths(path)


# ----------------------------------------------------------------------------- time zone


async def test_local_time_changes_the_rows_and_the_title(store: Store, time_zone) -> None:
    time_zone(CET)
    app = GridApp(store)
    async with app.run_test(size=(250, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        assert header(app).startswith(" Time (UTC)  ")
        assert cursor_line(grid).startswith(" 2026-11-20 10:00:59.000 ")
        grid.set_local_time(True)
        await pilot.pause()
        assert grid.local_time
        assert header(app).startswith(" Time (local)                  Severity")
        assert cursor_line(grid).startswith(" 2026-11-20 11:00:59.000+01:00 normal ")
        grid.set_local_time(False)
        await pilot.pause()
        assert cursor_line(grid).startswith(" 2026-11-20 10:00:59.000 normal ")
        assert header(app).startswith(" Time (UTC)")


# ----------------------------------------------------------------------------- columns


async def test_chosen_columns_are_drawn_in_order_under_their_titles(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        grid.set_columns(["code", "action", "initiator_id", "target_id"])
        await pilot.pause()
        assert grid.columns == ("code", "action", "initiator_id", "target_id")
        title, row = header(app), cursor_line(grid)
        assert title.split() == ["Code", "Action", "Initiator", "ID", "Target", "ID"]
        assert row.index("200") == title.index("Code")
        assert row.index("iam-identity.serviceid-apikey.n59") == title.index("Action")
        assert row.index("iam-ServiceId-59") == title.index("Initiator ID")
        assert row.index("crn:v1:bluemix") == title.index("Target ID")
        with pytest.raises(ValueError):
            grid.set_columns(["time", "agent"])
        with pytest.raises(ValueError):
            grid.set_columns([])
        grid.set_columns(None)
        await pilot.pause()
        assert header(app).split()[:3] == ["Time", "(UTC)", "Severity"]


async def test_the_columns_screen_returns_the_chosen_keys_or_nothing(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        grid = app.query_one(EventGrid)
        results: list[tuple[str, ...] | None] = []
        app.push_screen(ColumnsScreen(grid.columns), results.append)
        await pilot.pause()
        # The list is in catalog order: time, severity, outcome, action, initiator, initiator ID,
        # target, target ID, code, message. Untick severity, tick code.
        await pilot.press("down", "space", "down", "down", "down", "down", "down", "down", "down", "space", "enter")
        await wait_for(pilot, lambda: results, "the screen to close")
        assert results == [("time", "outcome", "action", "initiator", "target", "code", "message")]
        app.push_screen(ColumnsScreen(grid.columns), results.append)
        await pilot.pause()
        await pilot.press("space", "escape")
        await wait_for(pilot, lambda: len(results) == 2, "the screen to close")
        assert results[1] is None


async def test_the_columns_screen_refuses_no_column_at_all(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        results: list[tuple[str, ...] | None] = []
        app.push_screen(ColumnsScreen(("time",)), results.append)
        await pilot.pause()
        await pilot.press("space", "enter")
        await pilot.pause()
        assert not results and isinstance(app.screen, ColumnsScreen)
        await pilot.press("space", "enter")
        await wait_for(pilot, lambda: results, "the screen to close")
        assert results == [("time",)]


# ----------------------------------------------------------------------------- the cell cursor


async def test_no_cell_stands_out_until_the_user_moves_to_one(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(160, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        before = lines(grid)
        assert grid.cursor_column is None and grid.cell_value() is None
        assert cell_text(grid) == ""
        await pilot.press("right")
        assert grid.cursor_column == "time"
        assert not grid.following  # the cell is on this event: arriving ones must not move it
        assert cell_text(grid).strip() == "2026-11-20 10:00:59"
        await pilot.press("l", "l", "l")
        assert grid.cursor_column == "action"
        assert cell_text(grid).strip() == "iam-identity.serviceid-apikey.n59"
        assert lines(grid) == before  # the text is the same: only the style of one cell changed
        await pilot.press("h")
        assert grid.cursor_column == "outcome"
        await pilot.press("left", "left", "left", "left")
        assert grid.cursor_column == "time"  # it stops at the first column
        await pilot.press("up")
        assert grid.cursor_column == "time"  # the cell stays in its column on another row
        assert cell_text(grid).strip() == "2026-11-20 10:00:58"
        await pilot.press("escape")
        assert grid.cursor_column is None and cell_text(grid) == ""


async def test_escape_goes_on_to_the_app_when_no_cell_is_highlighted(store: Store) -> None:
    class EscapeApp(GridApp):
        BINDINGS = [("escape", "escaped", "Escape")]
        escaped = 0

        def action_escaped(self) -> None:
            self.escaped += 1

    app = EscapeApp(store)
    async with app.run_test(size=(160, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        await pilot.press("right", "escape")
        assert grid.cursor_column is None and app.escaped == 0
        await pilot.press("escape")
        assert app.escaped == 1


async def test_left_first_goes_to_the_last_column_and_following_clears_the_cell(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(160, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        await pilot.press("left")
        assert grid.cursor_column == "message"
        await pilot.press("end")
        assert grid.following and grid.cursor_column is None
        assert cell_text(grid) == ""


async def test_a_click_highlights_the_cell_under_the_pointer(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(160, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        x = header(app).index("Action") + 3
        await pilot.click(EventGrid, offset=(x, 5))
        assert not grid.following
        assert grid.cursor_column == "action"
        assert cell_text(grid).strip() == grid.store.text("action", grid.cursor_row)
        assert grid.cell_value() == ("action", grid.store.text("action", grid.cursor_row))


async def test_a_narrower_table_keeps_the_cell_on_a_shown_column(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(160, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        await pilot.press("left")
        assert grid.cursor_column == "message"
        await pilot.resize_terminal(80, 20)
        await pilot.pause()
        assert grid.cursor_column == "target"  # the message no longer fits
        assert cell_text(grid).strip() == "key-59"


# ----------------------------------------------------------------------------- quick filters


async def test_equals_and_minus_ask_to_keep_or_hide_the_cells_value(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(160, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        await pilot.press("equals_sign")
        assert app.filters == []  # no cell chosen yet: nothing asked, the user is told why
        await pilot.press("up", "right", "right", "right", "right", "equals_sign")
        assert [(m.field, m.value, m.exclude, m.control) for m in app.filters] == [
            ("action", "iam-identity.serviceid-apikey.n58", False, grid)]
        await pilot.press("right", "minus")
        assert (app.filters[-1].field, app.filters[-1].value, app.filters[-1].exclude) == \
            ("initiator.name", "ServiceId-58", True)
        await pilot.press("right", "right", "right", "minus")  # past the target: the message
        assert (app.filters[-1].field, app.filters[-1].value) == ("message", "IAM Identity Service: login serviceid-apikey n58")


async def test_the_value_of_a_cut_cell_is_the_whole_logged_value(tmp_path: Path) -> None:
    hostile = 'evil "quoted" \\ value\x1b[2J' + "x" * 80
    path = tmp_path / "hostile.log"
    append_events(path, [make_event(1, action=hostile)])
    app = GridApp(read_paths(path))
    async with app.run_test(size=(100, 10)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        await pilot.press("right", "right", "right", "right")
        assert grid.cursor_column == "action"
        assert "\\x1b[2J" in cell_text(grid) and cell_text(grid).rstrip().endswith("…")
        assert grid.cell_value() == ("action", hostile)


# ----------------------------------------------------------------------------- marks


async def test_events_with_findings_are_marked_at_the_left() -> None:
    store = read_paths(SAMPLES / "serviceids_apikeys.jsonl")
    catalog = loader.default()
    levels = {row: explain(store.event(row).event, catalog).level for row in range(len(store))}
    app = GridApp(store)
    async with app.run_test(size=(160, len(store) + 2)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        shown = lines(grid)
        assert {"!", "•"} <= {line[0] for line in shown[:grid.count]}
        for index in range(grid.count):
            level = levels[grid.row_at(index)]
            assert shown[index][0] == {"security": "!", "notable": "•"}.get(level, " "), index
        security = next(i for i in range(grid.count) if shown[i][0] == "!")
        strip = grid.render_line(security)
        first = next(iter(strip))
        assert first.style.color == grid.get_component_rich_style("event-grid--mark-security").color


async def test_no_catalog_no_marks() -> None:
    app = GridApp(read_paths(SAMPLES / "serviceids_apikeys.jsonl"), catalog=None)
    async with app.run_test(size=(160, 30)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        assert all(line[0] == " " for line in lines(grid))


# ----------------------------------------------------------------------------- jump keys


async def test_g_goes_to_the_oldest_and_shift_g_to_the_newest(store: Store) -> None:
    app = GridApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        grid = app.query_one(EventGrid)
        await pilot.pause()
        await pilot.press("g")
        assert grid.cursor == 0 and not grid.following
        assert "key-0 " in cursor_line(grid)
        await pilot.press("G")
        assert grid.cursor == grid.count - 1 and grid.following
        assert "key-59 " in cursor_line(grid)


async def test_shift_g_follows_again_in_the_app(tmp_path: Path) -> None:
    path = tmp_path / "activity.log"
    append_events(path, [make_event(i) for i in range(100)])
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await pilot.press("g")
        assert grid.cursor == 0 and not grid.following
        await pilot.press("G")
        assert grid.following and grid.cursor == 99
