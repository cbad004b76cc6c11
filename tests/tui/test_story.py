"""Pilot tests of the story across events: the frequency view (F), the person view (p) and the
related events (R), each from the key to the table filtered or moved."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.detail_pane import DetailPane
from tui.widgets.event_grid import EventGrid
from tui.widgets.frequencies import FieldScreen, FrequencyScreen
from tui.widgets.person import PersonScreen
from tui.widgets.related import NONE_TEXT, RelatedScreen
from tui.widgets.screens import DetailScreen

from tests.tui.helpers import append_events, make_event, screen_text, wait_for
from tests.tui.test_table import status_text


def story_event(seq: int) -> dict:
    """Events of three people: alice (every third, half of hers failed), bob, and service IDs;
    every fifth shares a correlationId with its neighbours."""
    fields: dict = {"correlationId": f"corr-{seq // 5}" if seq % 5 == 0 or seq % 5 == 1 else f"corr-own-{seq}"}
    if seq % 3 == 0:
        fields["initiator"] = {"id": "IBMid-1", "name": "alice@example.com",
                               "typeURI": "service/security/account/user", "credential": {"type": "token"},
                               "host": {"agent": "Not Set" if seq % 2 else "IBM Cloud CLI 2.29.1",
                                        "address": f"192.0.2.{seq % 4}"}}
        fields["action"] = "iam-identity.user-apikey.create" if seq % 2 else "iam-groups.group.update"
        if seq % 6 == 0:
            fields["outcome"] = "failure"
    elif seq % 3 == 1:
        fields["initiator"] = {"id": "IBMid-2", "name": "bob@example.com", "host": {"agent": "curl/8"}}
    return make_event(seq, **fields)


def story_log(tmp_path: Path, count: int = 60) -> Path:
    path = tmp_path / "activity.log"
    append_events(path, [story_event(i) for i in range(count)])
    return path


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[cell.plain.strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def loaded_app(pilot, app: AtlensApp, count: int = 60) -> EventGrid:
    grid = app.query_one(EventGrid)
    await wait_for(pilot, lambda: grid.count == count and len(app.store) == count, f"{count} events")
    return grid


# ----------------------------------------------------------------------------- F: frequencies


async def test_f_counts_the_highlighted_column_and_enter_keeps_only_a_value(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        await pilot.press("l", "l", "l")  # time, severity, outcome
        assert grid.cursor_column == "outcome"
        await pilot.press("F")
        screen = app.screen
        assert isinstance(screen, FrequencyScreen) and screen.field == "outcome"
        await wait_for(pilot, lambda: screen.found is not None, "the values counted")
        rows = table_rows(screen)
        assert [r[0] for r in rows] == ["success", "failure"]
        assert [r[1] for r in rows] == ["50", "10"]
        assert rows[1][2] == "16.7%" and rows[1][3] == "10"
        assert all(cell.strip() for cell in rows[0][4:])  # first, last seen and the sparkline
        assert "Frequencies of outcome · 60 events · 2 values" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: grid.count == 10, "only the failures")
        assert app.query_text == "outcome:failure"
        assert "filter: outcome:failure" in status_text(app)


async def test_minus_in_the_frequencies_hides_a_value(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        await pilot.press("l", "l", "l", "l", "l")  # ... action, initiator
        assert grid.cursor_column == "initiator"
        await pilot.press("F")
        screen = app.screen
        await wait_for(pilot, lambda: screen.found is not None, "the values counted")
        assert [r[0] for r in table_rows(screen)][:2] == ["alice@example.com", "bob@example.com"]
        await pilot.press("minus")
        await wait_for(pilot, lambda: grid.count == 40, "alice's events hidden")
        assert app.query_text == "-initiator:alice@example.com"


async def test_f_without_a_cell_asks_for_a_field_with_completion(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        await pilot.press("F")
        assert isinstance(app.screen, FieldScreen)
        box = app.screen.query_one(Input)
        await pilot.press(*"initiator.host.ag")
        await wait_for(pilot, lambda: box._suggestion == "initiator.host.agent", "the field completed")
        await pilot.press("right", "enter")
        screen = app.screen
        assert isinstance(screen, FrequencyScreen) and screen.field == "initiator.host.agent"
        await wait_for(pilot, lambda: screen.found is not None, "the agents counted")
        counts = {r[0]: r[1] for r in table_rows(screen)}
        assert counts == {"IBM Cloud CLI": "20", "curl/8": "20", "IBM Cloud CLI 2.29.1": "10", "Not Set": "10"}
        await pilot.press("escape")
        assert app.screen is app.main_screen and grid.count == 60 and app.query_text == ""
        # A field no event has is said, not shown as one empty value alone.
        await pilot.press("F")
        await pilot.press(*"requestData.nothing", "enter")
        screen = app.screen
        await wait_for(pilot, lambda: screen.found is not None, "the field read")
        assert "no event in the view has requestData.nothing" in screen_text(app)


async def test_f_in_the_detail_pane_counts_the_highlighted_field(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(80, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the event full-screen")
        pane = app.screen.query_one(DetailPane)
        await wait_for(pilot, lambda: pane.field is not None, "the field tree")
        tree = pane.query_one("#detail-tree")
        # Down to correlationId.
        for _ in range(30):
            if pane.field is not None and pane.field.path == "correlationId":
                break
            await pilot.press("down")
        assert pane.field.path == "correlationId"
        await pilot.press("F")
        screen = app.screen
        assert isinstance(screen, FrequencyScreen) and screen.field == "correlationId"
        await wait_for(pilot, lambda: screen.found is not None, "the values counted")
        assert table_rows(screen)[0][:2] == ["corr-0", "2"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: grid.count == 2, "the events of corr-0")
        assert app.screen is app.main_screen
        assert app.query_text == "correlationId:corr-0"
        del tree


async def test_f_and_r_in_the_detail_pane_beside_the_table(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(160, 40)) as pilot:
        grid = await loaded_app(pilot, app)
        await wait_for(pilot, lambda: app.detail.display and app.detail.record is not None, "the side pane")
        await pilot.press("up", "enter")  # event 58: the pane beside the table takes the keys
        pane = app.detail
        await wait_for(pilot, lambda: pane.record is not None and pane.record.row == grid.cursor_row, "its event")
        for _ in range(30):
            if pane.field is not None and pane.field.path == "initiator.host.agent":
                break
            await pilot.press("down")
        assert pane.field.path == "initiator.host.agent"
        await pilot.press("F")
        screen = app.screen
        assert isinstance(screen, FrequencyScreen) and screen.field == "initiator.host.agent"
        await wait_for(pilot, lambda: screen.found is not None, "the agents counted")
        await pilot.press("escape")
        assert app.screen is app.main_screen
        pane.focus_content()
        await pilot.press("R")
        related_screen = app.screen
        assert isinstance(related_screen, RelatedScreen) and related_screen.row == pane.record.row
        await wait_for(pilot, lambda: related_screen.groups is not None, "the related events")
        assert [g.why for g in related_screen.groups][0] == "same initiator within 5 minutes"


# ----------------------------------------------------------------------------- p: a person


async def test_p_shows_the_person_of_the_event_and_enter_filters_to_them_and_the_line(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        await pilot.press("up", "up")  # event 57: alice's
        assert app.store.text("initiator_name", grid.cursor_row) == "alice@example.com"
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PersonScreen)
        await wait_for(pilot, lambda: screen.found is not None, "the person counted")
        text = screen_text(app)
        assert "Person alice@example.com · 20 events, 10 failed" in text
        assert "also IBMid-1" in text
        rows = table_rows(screen)
        assert rows[0][:3] == ["all", "every event", "20"]
        assert ["action", "iam-groups.group.update", "10", "10"] == rows[1][:4]
        assert {r[1] for r in rows if r[0] == "address"} == {"192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"}
        agents = {r[1] for r in rows if r[0] == "agent"}
        assert agents == {"UI, token: Not Set", "CLI, token: IBM Cloud CLI 2.29.1"}
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: grid.count == 10, "alice's group updates")
        assert app.query_text == 'identity:alice@example.com action:iam-groups.group.update'


async def test_p_on_a_value_of_the_initiator_frequencies_opens_that_person(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        await pilot.press("l", "l", "l", "l", "l", "F")  # the initiator column
        screen = app.screen
        await wait_for(pilot, lambda: screen.found is not None, "the initiators counted")
        await pilot.press("down", "p")  # bob
        person = app.screen
        assert isinstance(person, PersonScreen)
        await wait_for(pilot, lambda: person.found is not None, "bob counted")
        assert person.found.label == "bob@example.com" and person.found.events == 20
        await pilot.press("enter")  # every event of his
        await wait_for(pilot, lambda: grid.count == 20, "bob's events")
        assert app.query_text == "identity:bob@example.com"
        assert app.screen is app.main_screen


# ----------------------------------------------------------------------------- R: related events


async def test_r_lists_related_events_by_why_and_enter_moves_the_cursor_to_one(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        for _ in range(8):
            await pilot.press("up")  # event 51, alice's: corr-10, shared with 50
        row = grid.cursor_row
        assert app.store.text("action", row) == "iam-identity.user-apikey.create"
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, RelatedScreen)
        await wait_for(pilot, lambda: screen.groups is not None, "the related events")
        whys = [g.why for g in screen.groups]
        assert whys[0] == "same correlationId" and "same initiator within 5 minutes" in whys
        text = screen_text(app)
        assert "same correlationId corr-10 · 1 event\n" in text + "\n" or "same correlationId corr-10 · 1 event " in text
        assert "serviceid-apikey.n50" in text
        assert "same initiator within 5 minutes alice@example.com · 19 events" in text
        # The cursor starts on the first event (under the first heading); Enter goes to it.
        await pilot.press("enter")
        assert app.screen is app.main_screen
        assert app.store.text("action", grid.cursor_row).endswith("n50")


async def test_going_to_a_related_event_a_query_hides_clears_the_query_and_says_so(tmp_path: Path) -> None:
    app = AtlensApp([InputSpec(str(story_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = await loaded_app(pilot, app)
        app.apply_query("action:*n50")
        await wait_for(pilot, lambda: grid.count == 1, "the one event")
        assert app.store.text("action", grid.cursor_row).endswith("n50")
        await pilot.press("R")
        screen = app.screen
        await wait_for(pilot, lambda: screen.groups is not None, "the related events")
        await pilot.press("enter")
        assert app.query_text == ""
        assert app.store.text("action", grid.cursor_row) == "iam-identity.user-apikey.create"
        assert app.store.times[grid.cursor_row] == app.store.times[app.store.order[51]]
        assert "hid that event: cleared" in status_text(app)


async def test_an_event_with_no_related_one_says_so(tmp_path: Path) -> None:
    path = tmp_path / "activity.log"
    append_events(path, [make_event(0, correlationId="a"),
                         make_event(2000, correlationId="b", initiator={"id": "IBMid-9", "name": "zed@example.com"})])
    app = AtlensApp([InputSpec(str(path), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded_app(pilot, app, 2)
        await pilot.press("R")
        screen = app.screen
        await wait_for(pilot, lambda: screen.groups is not None, "the related events")
        assert screen.groups == []
        assert "No related events" in screen_text(app)
        assert NONE_TEXT.startswith("No related events")
        await pilot.press("enter")
        assert app.screen is screen  # nothing to go to
        await pilot.press("escape")
        assert app.screen is app.main_screen
