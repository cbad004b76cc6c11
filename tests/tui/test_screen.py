"""Pilot tests of the whole screen: the layouts, the detail pane beside or over the table, the
catalog tied to the table, the filter bar, marking and comparing, help."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from tui.app import AtlensApp
from tui.core.present import MARKS
from tui.core.sources import InputSpec
from tui.widgets.catalog_browser import CatalogBrowser
from tui.widgets.detail_pane import CompareScreen
from tui.widgets.event_grid import EventGrid
from tui.widgets.filter_bar import FilterBar
from tui.widgets.help_screen import HelpScreen
from tui.widgets.columns_screen import ColumnsScreen
from tui.widgets.screens import DetailScreen, ErrorsScreen
from tui.widgets.status_bar import StatusBar

from tests.tui.helpers import append_events, make_event, screen_text, wait_for

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"


def status(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


def shown(app: AtlensApp) -> list[str]:
    """The ids of the panes of the main area that are on screen."""
    return [w.id for w in app.query("#main > *") if w.display]


async def started(pilot, app: AtlensApp, count: int) -> EventGrid:
    grid = app.query_one(EventGrid)
    await wait_for(pilot, lambda: grid.count == count, f"{count} events")
    return grid


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", "/": "slash", "-": "minus", ":": "colon", "*": "asterisk", ".": "full_stop",
                         "(": "left_parenthesis", ")": "right_parenthesis", '"': "quotation_mark"}.get(c, c) for c in text])


@pytest.fixture
def sample_log(tmp_path: Path) -> Path:
    """The service ID and API key scenarios of the sample logs, in one file."""
    path = tmp_path / "sample.log"
    path.write_bytes((SAMPLES / "serviceids_apikeys.jsonl").read_bytes())
    return path


async def test_wide_terminal_shows_catalog_table_and_detail_together(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        await started(pilot, app, 100)
        await wait_for(pilot, lambda: app.catalog_pane.query(CatalogBrowser), "the catalog")
        assert shown(app) == ["catalog-pane", "table", "detail"]
        # The detail pane explains the event under the cursor, and follows it.
        await wait_for(pilot, lambda: "key-99" in screen_text(app).split("\n")[3] or "n99 ·" in screen_text(app), "the newest event explained")
        await pilot.press("up", "up")
        await wait_for(pilot, lambda: app.detail.title_text.startswith("iam-identity.serviceid-apikey.n97 "), "the detail of the row under the cursor")
        assert "filter" in screen_text(app).split("\n")[0]  # the filter bar on top
        assert "paused" in status(app)


async def test_following_a_steady_stream_the_detail_pane_explains_the_newest_at_a_calm_pace(log_file: Path) -> None:
    # Text replaced at the rate events arrive cannot be read, and a pane that waits for the
    # stream to rest explains nothing while it flows: it explains the newest event about once a
    # second, and the newest of all once the stream ends.
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await started(pilot, app, 100)
        await wait_for(pilot, lambda: app.detail.title_text.startswith("iam-identity.serviceid-apikey.n99 "), "the newest event explained")
        titles: list[str] = []
        show = app.detail.show
        app.detail.show = lambda record, explanation, title: (titles.append(title), show(record, explanation, title))[1]
        for seq in range(100, 160):
            append_events(log_file, [make_event(seq)])
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: grid.count == 160, "the 60 new events in the table")
        assert any(".n1" in title for title in titles), "nothing explained while the stream flowed"
        assert len(titles) <= 20, titles  # not one explanation per event
        await wait_for(pilot, lambda: app.detail.title_text.startswith("iam-identity.serviceid-apikey.n159 "), "the newest explained after the stream")


async def test_the_detail_pane_explains_the_newest_event_when_the_terminal_grows_wide(log_file: Path) -> None:
    # Events that arrived while the pane was hidden (a narrow terminal, or before the first
    # layout found the terminal wide) are explained as soon as it comes into view.
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app, 100)
        assert shown(app) == ["table"]
        await pilot.resize_terminal(160, 50)
        await wait_for(pilot, lambda: "detail" in shown(app), "the detail pane beside the table")
        await wait_for(pilot, lambda: app.detail.title_text.startswith("iam-identity.serviceid-apikey.n99 "),
                       "the newest event explained without a key", timeout=3)


async def test_narrow_terminal_gives_the_table_the_width_and_opens_events_full_screen(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app, 100)
        assert shown(app) == ["table"]
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        assert "iam-identity.serviceid-apikey.n99" in text
        assert "key-99" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)
        # The catalog takes the table's place, and Escape gives it back.
        await pilot.press("a")
        await wait_for(pilot, lambda: shown(app) == ["catalog-pane"], "the catalog instead of the table")
        await pilot.press("escape")
        assert shown(app) == ["table"]
        assert isinstance(app.focused, EventGrid)


async def test_brackets_hide_and_show_the_catalog_and_the_detail_pane(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await started(pilot, app, 100)
        await wait_for(pilot, lambda: app.catalog_pane.query(CatalogBrowser), "the catalog")
        await wait_for(pilot, lambda: "] Detail pane" in screen_text(app).split("\n")[-1], "the pane keys offered")
        assert "[ Catalog pane" in screen_text(app).split("\n")[-1]
        # The detail pane goes: the table takes its room, and every column fits again.
        await pilot.press("right_square_bracket")
        assert shown(app) == ["catalog-pane", "table"]
        await wait_for(pilot, lambda: "Target" in screen_text(app).split("\n")[1], "the Target column")
        assert grid.hidden_columns == ()
        assert "detail pane hidden" in status(app)
        await pilot.press("left_square_bracket")
        assert shown(app) == ["table"] and isinstance(app.focused, EventGrid)
        # Without the pane, Enter shows the event full-screen, as on a narrow terminal.
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape", "up")
        await pilot.press("left_square_bracket", "right_square_bracket")
        assert shown(app) == ["catalog-pane", "table", "detail"]
        assert isinstance(app.focused, EventGrid)  # showing a pane leaves the keys with the table
        await wait_for(pilot, lambda: app.detail.title_text.startswith("iam-identity.serviceid-apikey.n98 "),
                       "the pane explains the event under the cursor")
        await wait_for(pilot, lambda: "no room for Target, Message" in status(app), "the columns without room named")
        # From inside the detail pane, ] hides it and gives the keys back to the table.
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.detail.has_focus_within, "the keys in the detail pane")
        await pilot.press("right_square_bracket")
        assert shown(app) == ["catalog-pane", "table"] and isinstance(app.focused, EventGrid)
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app, 100)
        assert "Detail pane" not in screen_text(app).split("\n")[-1]  # no panes beside the table to hide
        await pilot.press("right_square_bracket")
        assert "detail pane from 140 columns" in status(app) and shown(app) == ["table"]
        await pilot.press("left_square_bracket")  # the catalog, in the table's place
        await wait_for(pilot, lambda: shown(app) == ["catalog-pane"], "the catalog instead of the table")


async def key_line_says_every_key(pilot, app: AtlensApp) -> None:
    """The last line names every key the screen's footer offers, whole, and the palette hint."""
    await wait_for(pilot, lambda: screen_text(app).split("\n")[-1].strip(), "the key line")
    line = screen_text(app).split("\n")[-1]
    offered = {b.description for key, (_node, b, _on, _tip) in app.screen.active_bindings.items()
               if b.show and key != app.COMMAND_PALETTE_BINDING}
    assert offered, "the screen offers keys"
    for description in offered:
        assert f"{description} " in line + " ", f"{description!r} cut from the key line {line!r}"
    if app.COMMAND_PALETTE_BINDING in app.screen.active_bindings:
        assert line.rstrip().endswith("palette"), line


@pytest.mark.parametrize("width", [80, 81, 100, 160])
async def test_every_screen_names_all_its_keys_at_80_columns(log_file: Path, width: int) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(width, 24)) as pilot:
        await started(pilot, app, 100)
        await key_line_says_every_key(pilot, app)
        screens = [(["m", "up", "d"], CompareScreen), (["question_mark"], HelpScreen), (["e"], ErrorsScreen),
                   (["C"], ColumnsScreen)] + ([(["enter"], DetailScreen)] if width < 140 else [])  # wide: beside the table
        for keys, screen in screens:
            await pilot.press(*keys)
            await wait_for(pilot, lambda: isinstance(app.screen, screen), screen.__name__)
            await key_line_says_every_key(pilot, app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, screen), f"{screen.__name__} closed")
        if width >= 140:  # the detail pane beside the table, with the keys, offers its own and the app's
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.detail.has_focus_within, "the detail pane")
            await key_line_says_every_key(pilot, app)
            await pilot.press("escape")
        await pilot.press("a")  # the catalog in the table's place offers its own keys
        await wait_for(pilot, lambda: shown(app) == ["catalog-pane"] if width < 140 else app.catalog_pane.has_focus_within,
                       "the catalog")
        await key_line_says_every_key(pilot, app)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_a_cut_action_still_says_what_was_done(tmp_path: Path, size: tuple[int, int]) -> None:
    # At 80 columns, and beside the panes, the action was cut at its end: update, create and
    # delete all read `iam-identity.accoun…`.
    path = tmp_path / "settings.log"
    verbs = ("update", "create", "delete")
    append_events(path, [make_event(i, action=f"iam-identity.account-settings.{verb}") for i, verb in enumerate(verbs)])
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=size) as pilot:
        grid = await started(pilot, app, 3)
        table = [line[grid.region.x:grid.region.right] for line in screen_text(app).split("\n")]
        for verb, seq in zip(verbs, range(3)):
            row = next(line for line in table if f"10:00:0{seq}" in line)
            assert "iam-ide" in row and f"ings.{verb} " in row, row
            assert "iam-identity.account-settings.update" not in row  # the column is narrower than the action


async def test_columns_without_room_beside_the_panes_are_said_in_the_titles_and_the_columns_dialog(log_file: Path) -> None:
    # Beside the catalog and the detail pane the Target and the Message went without a word, while
    # the columns dialog showed them ticked as if they were there.
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await started(pilot, app, 100)
        shown = [title for title in ("Target", "Message") if title in screen_text(app).split("\n")[1]]
        assert shown == [] and grid.hidden_columns == ("target", "message")
        titles = app.query_one("#header").render_line(0).text
        assert titles.rstrip().endswith("+2"), titles
        await pilot.press("C")
        assert isinstance(app.screen, ColumnsScreen)
        dialog = screen_text(app)
        for title in ("Target", "Message"):
            assert f"{title} (no room)" in dialog
        for title in ("Time", "Action", "Initiator"):
            assert f"{title} (no room)" not in dialog and title in dialog
        await pilot.press("enter")  # the same columns, applied: the status line says which have no room
        await wait_for(pilot, lambda: "no room for Target, Message" in status(app), "what has no room said")


async def test_picking_an_action_in_the_catalog_filters_the_table(sample_log: Path) -> None:
    app = AtlensApp([InputSpec(str(sample_log), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count > 0 and app.catalog_pane.query(CatalogBrowser), "events and the catalog")
        total = grid.count
        browser = app.catalog_pane.query_one(CatalogBrowser)
        # Counts of the events seen, per service, are on the tree.
        await wait_for(pilot, lambda: "iam-identity  " in screen_text(app), "the iam-identity service with its count")
        await pilot.press("a")  # to the catalog
        assert app.focused is browser.query_one("#catalog-tree")
        await type_text(pilot, "serviceid.update")
        await pilot.press("enter")  # from the search to the first match
        await pilot.press("enter")  # filter to it
        await wait_for(pilot, lambda: app.query_text.startswith("action:"), "the query from the catalog")
        await wait_for(pilot, lambda: 0 < grid.count < total, "the table filtered")
        action = app.query_text.split(":", 1)[1]
        assert all(grid.store.text("action", grid.row_at(i)) == action for i in range(grid.count))
        assert app.query_one(FilterBar).input.value == app.query_text  # the user sees the syntax
        assert f"of {total} events" in status(app)


async def test_a_bad_query_points_at_the_error_and_keeps_the_rows(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 100)
        await pilot.press("slash")
        await type_text(pilot, "target.name:key-5*")
        await pilot.press("enter")
        await wait_for(pilot, lambda: grid.count == 11, "key-5 and key-50..59")
        await pilot.press("slash")
        await type_text(pilot, " (outcome:")
        await pilot.press("enter")
        text = screen_text(app)
        assert "^ " in text and "expected" in text  # the caret line under the query
        assert grid.count == 11  # the previous result stays on screen
        assert app.query_one(FilterBar).has_focus_within
        # History: Escape abandons the edit; Up brings back the query applied before.
        await pilot.press("escape")
        assert app.query_one(FilterBar).input.value == "target.name:key-5*"
        await pilot.press("slash")
        await pilot.press("ctrl+u")  # clear the line
        await type_text(pilot, "outcome:failure")
        await pilot.press("enter")
        await wait_for(pilot, lambda: grid.count == 0 or app.query_text == "outcome:failure", "the second query")
        await pilot.press("slash", "up")
        assert app.query_one(FilterBar).input.value == "outcome:failure"
        await pilot.press("up")
        assert app.query_one(FilterBar).input.value == "target.name:key-5*"


async def test_slash_is_typed_in_the_query_line_and_opens_nothing_over_another_screen(log_file: Path) -> None:
    # `/` opens the query line before the keys read with it are handed on (a priority key): in
    # the line it stays a character of the query, and over the help it must not take the focus
    # behind the help, which closing the help would reveal.
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 100)
        await pilot.press("slash")
        await type_text(pilot, "target.name:key/5")
        assert app.filter_bar.input.value == "target.name:key/5"
        await pilot.press("escape")
        await wait_for(pilot, lambda: grid.has_focus, "the table")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help closed")
        assert grid.has_focus
        assert not app.filter_bar.input.has_focus


async def test_query_given_at_start_filters_from_the_first_screen(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")], initial_query="target.name:(key-1 OR key-2)")
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 2 and app.store and len(app.store) == 100, "the two matching events")
        assert "2 of 100 events" in status(app)
        assert app.query_one(FilterBar).input.value == "target.name:(key-1 OR key-2)"


async def test_a_field_of_the_detail_pane_filters_the_table(sample_log: Path) -> None:
    app = AtlensApp([InputSpec(str(sample_log), "file")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count > 0, "events")
        await pilot.press("enter")  # into the detail pane
        await wait_for(pilot, lambda: app.detail.field is not None, "a field under the cursor")
        field = app.detail.field
        await pilot.press("equals_sign")
        await wait_for(pilot, lambda: app.query_text != "", "a query from the field")
        assert field.path.split("[")[0].split(".")[0] in app.query_text
        await wait_for(pilot, lambda: not app._scan_pending, "the scan")
        assert grid.count >= 1


async def test_mark_then_compare_lists_the_fields_that_differ(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot, app, 100)
        await pilot.press("d")  # nothing marked: said so, nothing opens
        assert "mark an event first" in status(app)
        await pilot.press("m", "up", "d")
        assert isinstance(app.screen, CompareScreen)
        paths = [d.path for d in app.screen.diffs]
        assert "target.name" in paths and "eventTime" in paths and "action" in paths
        assert "outcome" not in paths and "severity" not in paths
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


async def test_help_lists_the_keys_of_every_part(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(100, 80)) as pilot:  # tall enough to read it all at once
        await started(pilot, app, 100)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = screen_text(app)
        for heading in ("Everywhere", "Event table", "Filter bar", "Catalog", "Detail pane"):
            assert heading in keys
        for said in ("Filter", "Raw JSON", "Compare with mark", "Follow", "Hide or show the detail pane"):
            assert said in keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_and_readme_say_what_the_marks_at_the_left_of_the_rows_mean(log_file: Path) -> None:
    said = {"!": "security finding", "•": "notable finding", "◆": "marked"}
    assert set(said) == set(MARKS.values())
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for mark, meaning in said.items():
        assert re.search(rf"^\| `{re.escape(mark)}` \|[^\n]*{meaning}", readme, re.MULTILINE), mark
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(100, 80)) as pilot:
        await started(pilot, app, 100)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        # Below the keys of every view: the user scrolls down to it.
        app.screen.query_one("#help-marks").scroll_visible(animate=False, top=True)
        await pilot.pause(0.1)
        lines = screen_text(app).split("\n")
        for mark, meaning in said.items():
            assert any(re.search(rf"│ {re.escape(mark)}\s.*{meaning}", line) for line in lines), mark
        assert any(re.search(r"│ \+2\s.*no room", line) for line in lines)  # the count at the right of the titles


async def test_hostile_strings_stay_literal_in_the_detail_pane_and_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "hostile.log"
    append_events(path, [make_event(1, action="evil.\x1b[2Jclear[bold]x[/bold]", message="[red]boom[/red] \x1b]52;c;aGk=\x07",
                                    initiator={"name": "[link=http://x]me[/link]\x1b[31m"})])
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: app.grid.count == 1 and app.catalog_pane.query(CatalogBrowser), "the hostile event")
        await wait_for(pilot, lambda: "[red]boom[/red]" in screen_text(app), "the message in the detail pane")
        await wait_for(pilot, lambda: "Not in the catalog" in screen_text(app), "the unknown action in the catalog")
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "[link=http://x]me[/link]\\x1b[31m" in text
        assert "evil.\\x1b[2Jclear[bold]x[/bold]" in text


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
async def test_the_bad_lines_list_shows_the_file_and_line_of_each_at_every_width(tmp_path: Path, size: tuple[int, int]) -> None:
    # Logs kept by date under long folder names: the file's name and the line number are what
    # the user needs to go and look, even where the folders must be shortened.
    folder = tmp_path / "cloud-object-storage-archive-us-south" / "activity-tracker" / "2026" / "11" / "20"
    folder.mkdir(parents=True)
    path = folder / "audit-events-account-1234567890.log"
    append_events(path, [make_event(i) for i in range(10)])
    with open(path, "ab") as fh:
        fh.write(b"this is not json\n" + orjson.dumps({"no": "event keys"}) + b"\n")
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: len(app.store.errors) == 2, "the two bad lines read")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen), "the bad lines list")
        await pilot.pause()
        text = screen_text(app)
        for line in (11, 12):
            assert f"audit-events-account-1234567890.log:{line}" in text, text
        assert "this is not json" in text  # what the line said stays on screen too
