"""Pilot tests of the live event table: newest at the bottom, following, pausing, new-event count."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.geometry import Region
from textual.widget import Widget

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets import direct, event_grid
from tui.widgets.event_grid import EventGrid
from tui.widgets.screens import DetailScreen, ErrorsScreen
from tui.widgets.status_bar import StatusBar

from tests.tui.helpers import append_events, make_event, screen_text, wait_for


def screen_lines(grid: EventGrid) -> list[str]:
    """The text of every visible table line, as the user sees it."""
    return [grid.render_line(y).text for y in range(grid.size.height)]


def status_text(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


async def test_newest_event_is_at_the_bottom_and_selected(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(130, 30)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        lines = [line for line in screen_lines(grid) if line.strip()]
        assert "key-99 " in lines[-1]
        assert "key-98 " in lines[-2]
        assert grid.store.text("action", grid.cursor_row) == "iam-identity.serviceid-apikey.n99"
        assert "100 events" in status_text(app)
        assert "following" in status_text(app)


async def test_appended_events_appear_while_following(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "the first 100 events")
        append_events(log_file, [make_event(i) for i in range(100, 130)])
        await wait_for(pilot, lambda: grid.count == 130, "30 appended events")
        await wait_for(pilot, lambda: "key-129 " in screen_lines(grid)[-1], "the newest event on the last line")
        assert grid.following


def service_event(seq: int) -> dict:
    """An event whose target is svc-seq; every fifth is a critical failure, which the catalog marks •."""
    failed = seq % 5 == 0
    return make_event(seq, action="iam-identity.account-serviceid.update", outcome="failure" if failed else "success",
                      severity="critical" if failed else "normal", target={"name": f"svc-{seq}"},
                      eventTime=f"2026-11-20T11:00:{seq:02d}.00+0000")


async def test_marks_of_rows_drawn_as_they_arrived_come_no_later_than_those_of_newer_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows written straight to the terminal wait for their findings marks (MARK_DELAY); rows
    # Textual paints get theirs at once. When a pass falls back to Textual's paint (a notification
    # on screen, say), the rows still waiting must be marked in the same picture: a newer failure
    # marked above an older one left bare looked like a row without findings.
    log = tmp_path / "activity.log"
    append_events(log, [service_event(seq) for seq in range(40)])
    monkeypatch.setattr(event_grid, "MARK_DELAY", 60.0)  # no timer marks them while the test looks
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 40, "the first 40 events")
        await pilot.pause()
        written: list[str] = []

        def direct_region(widget: Widget) -> Region | None:
            return widget.content_region if widget is grid else None

        monkeypatch.setattr(direct, "direct_region", direct_region)
        monkeypatch.setattr(direct, "write", lambda widget, pieces: written.extend(pieces))
        append_events(log, [service_event(seq) for seq in range(40, 45)])
        await wait_for(pilot, lambda: grid.count == 45, "5 events drawn as they arrive")
        assert any("svc-44" in piece for piece in written)
        assert not any("svc-40" in piece and "•" in piece for piece in written)  # its mark waits

        monkeypatch.setattr(direct, "direct_region", lambda widget: None)  # Textual paints
        append_events(log, [service_event(seq) for seq in range(45, 50)])
        await wait_for(pilot, lambda: grid.count == 50, "5 events painted by Textual")
        await pilot.pause()
        shown = {seq: line for line in screen_text(app).splitlines() for seq in (40, 45) if f"svc-{seq}" in line}
        assert "•11-20 11:00:45" in shown[45]
        assert "•11-20 11:00:40" in shown[40]


async def test_scrolling_up_pauses_and_counts_new_events_until_end(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "the first 100 events")
        await pilot.press("up", "up")
        assert not grid.following
        selected = grid.cursor_row
        assert grid.store.text("action", selected).endswith("n97")
        append_events(log_file, [make_event(i) for i in range(100, 112)])
        await wait_for(pilot, lambda: grid.count == 112, "12 appended events")
        await wait_for(pilot, lambda: "+12 new" in status_text(app), "the new-event counter")
        assert "paused" in status_text(app)
        # Paused: the selection stays where the user left it, the new rows are not scrolled in.
        assert grid.cursor_row == selected
        assert "key-111 " not in "".join(screen_lines(grid))
        await pilot.press("end")
        assert grid.following
        assert grid.new_while_paused == 0
        await wait_for(pilot, lambda: "key-111 " in screen_lines(grid)[-1], "the newest event on the last line after End")
        assert "following" in status_text(app)


async def test_event_strings_cannot_inject_escapes_or_markup(tmp_path: Path) -> None:
    path = tmp_path / "hostile.log"
    append_events(path, [make_event(1, action="evil.\x1b[2Jclear.screen", message="[red]x[/] \x1b]52;c;aGk=\x07",
                                    initiator={"name": "[link=x]me[/]"})])
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=(139, 24)) as pilot:  # the table alone, every column shown
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 1, "the hostile event")
        text = "".join(screen_lines(grid))
        assert "\x1b" not in text and "\x07" not in text
        assert "evil.\\x1b[2Jclear.screen" in text
        assert "[link=x]me[/]" in text
        assert "[red]x[/]" in text


async def test_zero_width_characters_are_shown_escaped_and_the_row_lines_up(tmp_path: Path) -> None:
    # Each takes a cell in atlens's count and none on the screen: twelve of them pulled the rest
    # of their row eleven cells left, and the detail pane drew text over text.
    invisible = "\u200b\u200d\u2060\u2028\u2029\u200c\ufeff\u200b\u200d\u2060\u200c\ufeff"
    path = tmp_path / "invisible.log"
    append_events(path, [make_event(1), make_event(2, initiator={"name": f"eve{invisible}"}), make_event(3)])
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=(139, 24)) as pilot:  # the table alone, every column shown
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 3, "the three events")
        lines = screen_text(app).split("\n")  # not splitlines(): U+2028 is not the end of a screen line
        rows = {target: next(line for line in lines if f" {target} " in line) for target in ("key-1", "key-2", "key-3")}
        # Where the target's cell starts, in terminal cells, is the same on every row.
        assert len({cell_len(line[:line.index(f" {target} ")]) for target, line in rows.items()}) == 1, rows
        assert "eve\\u200b\\u200d" in rows["key-2"]
        await pilot.resize_terminal(160, 50)
        await pilot.press("up")
        await wait_for(pilot, lambda: app.detail.title_text.startswith("iam-identity.serviceid-apikey.n2 "), "the event explained")
        # The detail pane (the table's column is too narrow for this much) names the initiator escaped.
        await wait_for(pilot, lambda: "eve\\u200b\\u200d\\u2060\\u2028\\u2029" in screen_text(app), "the escapes in the detail pane")


async def test_lines_that_are_not_events_are_counted_and_listed(log_file: Path) -> None:
    with open(log_file, "ab") as fh:
        fh.write(b"this is not json\n{\"no\": \"event keys\"}\n")
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(160, 30)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100 and len(app.store.errors) == 2, "events and 2 error records")
        await wait_for(pilot, lambda: "2 bad lines (e)" in status_text(app), "the error count in the status line")
        await pilot.press("e")
        assert isinstance(app.screen, ErrorsScreen)
        table = app.screen.query_one("#errors-table")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        # File and line first (the folders shortened where they do not fit), then why.
        assert rows[0][0].endswith(f"{log_file.name}:101")
        assert "invalid JSON" in rows[0][1]
        assert rows[1][0].endswith(f"{log_file.name}:102") and "not an audit event" in rows[1][1]
        # The highlighted line whole under the list.
        assert f"{log_file}:101" in str(app.screen.query_one("#errors-line").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorsScreen)


async def test_enter_opens_the_full_event_read_again_from_the_file(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 40)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await pilot.press("up", "enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("r")  # the raw JSON
        shown = str(app.screen.query_one("#detail-json").render())
        assert '"name": "key-98"' in shown
        assert '"reasonCode": 200' in shown


async def test_an_opened_event_is_explained_above_its_json(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "sample_logs" / "serviceids_apikeys.jsonl"
    locked_failure = sample.read_text().splitlines()[3]  # line 4: update of a locked service ID, refused
    log = tmp_path / "one.jsonl"
    log.write_text(locked_failure + "\n")
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(100, 40)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 1, "the event")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        said = str(app.screen.query_one("#detail-summary").render())
        assert "FAILED (403 Forbidden)" in said
        assert "SECURITY" in said and "locked service ID" in said
        assert "IBM Cloud CLI" in said
        await pilot.press("r")
        assert '"reasonCode": 403' in str(app.screen.query_one("#detail-json").render())
