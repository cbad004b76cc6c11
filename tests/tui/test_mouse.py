"""Pilot tests of atlens used with the mouse: rows clicked, the wheel, the catalog, the keys at the
bottom, the filter bar and the columns chooser, each reached the way a user's pointer would."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import SelectionList
from textual.widgets._footer import FooterKey

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.catalog_browser import CatalogBrowser, CatalogTree
from tui.widgets.columns_screen import ColumnsScreen
from tui.widgets.event_grid import EventGrid
from tui.widgets.filter_bar import FilterBar, QueryInput
from tui.widgets.help_screen import HelpScreen
from tui.widgets.screens import DetailScreen
from tui.widgets.status_bar import StatusBar

from tests.tui.helpers import append_events, make_event, screen_text, wait_for

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"


def status(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


async def started(pilot: Pilot, app: AtlensApp, count: int) -> EventGrid:
    grid = app.query_one(EventGrid)
    await wait_for(pilot, lambda: grid.count == count, f"{count} events")
    await pilot.pause(0.1)
    return grid


async def click_key(pilot: Pilot, description: str) -> None:
    """Click the key at the bottom of the screen that says description."""
    keys = [key for key in pilot.app.screen.query(FooterKey) if key.description == description]
    assert keys, f"no key {description!r} at the bottom of {type(pilot.app.screen).__name__}"
    assert await pilot.click(keys[0])


async def wheel_up(pilot: Pilot, widget, offset: tuple[int, int]) -> None:
    """One notch of the mouse wheel, up, over widget (Pilot has no wheel of its own: the same path
    as its clicks, through the screen)."""
    await pilot._post_mouse_events([events.MouseScrollUp], widget, offset)


def shown_row(grid: EventGrid, y: int) -> int:
    """The store row drawn on line y of the table."""
    return grid.row_at(grid.scroll_offset.y + y)


async def test_a_click_puts_the_cursor_on_the_row_and_a_double_click_opens_it(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 100)
        target = shown_row(grid, 4)
        assert await pilot.click(grid, offset=(20, 4))
        assert grid.cursor_row == target
        assert "key-" + grid.store.text("action", target).rsplit(".n", 1)[1] + " " in grid.render_line(4).text
        assert not grid.following and "paused" in status(app)
        # The other row clicked twice: it opens full-screen, and the Back key closes it.
        target = shown_row(grid, 8)
        await pilot.double_click(grid, offset=(20, 8))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the event full-screen")
        await wait_for(pilot, lambda: grid.store.text("action", target) in screen_text(app), "the clicked event")
        await click_key(pilot, "Back")
        assert not isinstance(app.screen, DetailScreen)
        assert grid.cursor_row == target


async def test_in_the_wide_layout_a_click_shows_the_event_in_the_detail_pane(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await started(pilot, app, 100)
        assert app.detail.display
        target = shown_row(grid, 10)
        await pilot.click(grid, offset=(20, 10))
        assert grid.cursor_row == target
        action = grid.store.text("action", target)
        await wait_for(pilot, lambda: app.detail.title_text.startswith(action + " "), "the clicked event in the pane")


async def test_the_wheel_pauses_following_and_the_follow_key_resumes_it(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 100)
        assert grid.following and "key-99 " in grid.render_line(grid.size.height - 1).text
        await wheel_up(pilot, grid, (20, 5))
        await wheel_up(pilot, grid, (20, 5))
        assert not grid.following and "paused" in status(app)
        assert "key-99 " not in grid.render_line(grid.size.height - 1).text  # the table moved back
        append_events(log_file, [make_event(i) for i in range(100, 105)])
        await wait_for(pilot, lambda: "+5 new" in status(app), "the arrivals counted, not scrolled in")
        await click_key(pilot, "Follow")
        assert grid.following
        await wait_for(pilot, lambda: "key-104 " in grid.render_line(grid.size.height - 1).text, "the newest event")


async def test_the_catalog_opens_browses_and_filters_with_clicks(tmp_path: Path) -> None:
    log = tmp_path / "sample.log"
    log.write_bytes((SAMPLES / "serviceids_apikeys.jsonl").read_bytes())
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 15)
        await wait_for(pilot, lambda: bool(app.catalog_pane.query(CatalogBrowser)), "the catalog")
        await click_key(pilot, "Catalog")
        await wait_for(pilot, lambda: app.catalog_pane.display and not app.query_one("#table").display,
                       "the catalog in the table's place")
        tree = app.query_one(CatalogTree)
        service = next(node for node in tree.root.children if node.data and node.data.name == "iam-identity")
        # The arrow opens the service and does nothing else.
        await pilot.click(tree, offset=(0, service.line - tree.scroll_offset.y))
        await wait_for(pilot, lambda: service.is_expanded, "the service opened")
        assert app.catalog_pane.display and app.query_text == ""
        # A click on an action's name filters the table to it, and the table comes back.
        section = next(node for node in service.children if node.data.count)
        if not section.is_expanded:
            await pilot.click(tree, offset=(2, section.line - tree.scroll_offset.y))
            await wait_for(pilot, lambda: section.is_expanded, "the section opened")
        action = next(node for node in section.children if node.data.count)
        tree.scroll_to_node(action, animate=False)
        await pilot.pause()
        await pilot.click(tree, offset=(8, action.line - tree.scroll_offset.y))
        await wait_for(pilot, lambda: app.query_text == f"action:{action.data.name}", "the query of the clicked action")
        await wait_for(pilot, lambda: grid.count == action.data.count, "the table filtered to it")
        assert app.query_one("#table").display and not app.catalog_pane.display


async def test_in_the_wide_layout_a_click_in_the_catalog_filters_the_table(tmp_path: Path) -> None:
    log = tmp_path / "sample.log"
    log.write_bytes((SAMPLES / "serviceids_apikeys.jsonl").read_bytes())
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await started(pilot, app, 15)
        await wait_for(pilot, lambda: "iam-am  1" in screen_text(app), "the catalog with its counts")
        tree = app.query_one(CatalogTree)
        service = next(node for node in tree.root.children if node.data and node.data.name == "iam-am")
        await pilot.click(tree, offset=(4, service.line - tree.scroll_offset.y))  # its name
        await wait_for(pilot, lambda: app.query_text == "action:iam-am.*", "the service's query")
        await wait_for(pilot, lambda: grid.count == 1, "its one event")
        assert app.catalog_pane.display  # beside the table, it stays


async def test_a_click_on_a_key_at_the_bottom_does_what_the_key_does(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app, 100)
        await click_key(pilot, "Help")
        assert isinstance(app.screen, HelpScreen)
        await click_key(pilot, "Back")
        assert not isinstance(app.screen, HelpScreen)


async def test_a_click_in_the_filter_bar_edits_the_query(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 100)
        await pilot.click(FilterBar, offset=(10, 0))
        assert isinstance(app.focused, QueryInput)
        await pilot.press(*"key-42", "enter")
        await wait_for(pilot, lambda: grid.count == 1, "the one event with key-42")
        assert app.focused is grid  # back to the table, as with the keyboard


async def test_the_columns_are_chosen_and_applied_with_clicks(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 30)) as pilot:
        grid = await started(pilot, app, 100)
        assert "outcome" in grid.columns
        await pilot.press("C")
        assert isinstance(app.screen, ColumnsScreen)
        choices = app.screen.query_one(SelectionList)
        outcome = next(i for i in range(choices.option_count) if choices.get_option_at_index(i).value == "outcome")
        await pilot.click(choices, offset=(4, choices.gutter.top + outcome))  # untick it
        assert "outcome" not in choices.selected
        await click_key(pilot, "Apply")
        assert not isinstance(app.screen, ColumnsScreen)
        assert "outcome" not in grid.columns and "severity" in grid.columns
