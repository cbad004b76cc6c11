"""Pilot tests of the detail pane (explanation, field tree, raw JSON, copying, filtering) and the compare screen."""

from __future__ import annotations

import copy
import json

import orjson
import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Tree

from catalog.explain import explain
from tests.core.reference import matches
from tui.core.query import parse
from tui.core.store import EventRecord
from tui.widgets.detail_pane import CompareScreen, DetailPane

TITLE = "iam-identity.account-serviceid.update · activity.log @ byte 1234"
LOCKED = "The resource is locked. Unlock it before you change its attributes."


def locked_update() -> dict:
    """A failed rename of a locked service ID, as IAM logs it (critical, 403, requestData.lock true)."""
    return {
        "eventTime": "2026-11-20T00:04:49.74+0000",
        "action": "iam-identity.account-serviceid.update",
        "outcome": "failure",
        "severity": "critical",
        "message": "IAM Identity Service: update account-serviceid log-shipper -failure",
        "logSourceCRN": "crn:v1:bluemix:public:iam-identity:global:a/cd613e30d8f16adf91b7584a2265b1f5:::",
        "saveServiceCopy": True,
        "dataEvent": False,
        "observer": {"name": "ActivityTracker"},
        "initiator": {"id": "IBMid-06000J1ZRG", "name": "ingrid.li@example.com",
                      "typeURI": "service/security/account/user", "credential": {"type": "token"},
                      "host": {"address": "93.184.140.3", "addressType": "IPv4", "agent": "Not Set"}},
        "target": {"id": "crn:v1:bluemix:public:iam-identity::a/cd613e30d8f16adf91b7584a2265b1f5::serviceid:ServiceId-75a89294",
                   "name": "log-shipper", "typeURI": "iam-identity/account-serviceid"},
        "reason": {"reasonCode": 403, "reasonType": "Forbidden", "reasonForFailure": LOCKED},
        "requestData": {"instance_name": "backup-agent", "prev_instance_name": "log-shipper", "lock": True,
                        "description": "Owned by platform team (CHG956501)"},
        "responseData": {"status_code": 403, "errors": [{"code": "forbidden", "message": LOCKED}]},
        "correlationId": "c1072778-06fe-47ea-8aff-4ce82adc39cb",
    }


class Host(App[None]):
    """A bare app holding one detail pane; it records the pane's requests and the notifications."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")

    def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]
        self.notes.append(message)
        super().notify(message, **kwargs)  # type: ignore[arg-type]

    @on(DetailPane.FilterRequested)
    def _on_filter(self, message: DetailPane.FilterRequested) -> None:
        assert message.control is self.query_one(DetailPane)
        self.queries.append(message.query)


def screen_text(app: App) -> str:
    """Every line of the screen as the terminal shows it (the compositor's own output)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def flat(text: str) -> str:
    """The screen's words on one line, for phrases that wrap."""
    return " ".join(text.split())


async def open_event(pilot: Pilot, event: dict | None, problem: str = "") -> DetailPane:
    pane = pilot.app.query_one(DetailPane)
    explanation = explain(event) if event is not None else None
    pane.show(EventRecord(7, event, problem), explanation, TITLE)
    pane.query_one(Tree).focus()
    await pilot.pause()
    return pane


async def cursor_to(pilot: Pilot, pane: DetailPane, path: str, key: str = "down") -> None:
    """Move the tree's cursor (down, or up with key="up"), as a user would, to a field."""
    for _ in range(200):
        if pane.field is not None and pane.field.path == path:
            return
        await pilot.press(key)
    raise AssertionError(f"no field {path} in the tree")


@pytest.mark.parametrize("size", [(100, 40), (60, 24)])
async def test_explanation_shows_summary_finding_and_fields(size: tuple[int, int]) -> None:
    app = Host()
    async with app.run_test(size=size) as pilot:
        pane = await open_event(pilot, locked_update())
        words = flat(screen_text(app))
        assert "activity.log @ byte 1234" in words
        assert "ingrid.li@example.com (user) renames a service ID" in words
        assert "SECURITY Attempt to change a locked service ID" in words
        assert "eventTime = 2026-11-20T00:04:49.74+0000" in words
        # A value too long for its line ends in "…" (the line below the tree shows it whole).
        crn_line = next(line for line in screen_text(app).splitlines() if "logSourceCRN = crn:v1:bluemix" in line)
        assert ("…" in crn_line) is (size[0] < 100)
        # The field under the cursor is explained below the tree, with what its value means here.
        await cursor_to(pilot, pane, "initiator.host.agent")
        words = flat(screen_text(app))
        assert "agent = Not Set" in words
        assert "initiator.host.agent = Not Set" in words
        assert "→ the request originates in the IBM Cloud console (UI)" in words
        assert "Where the update request comes from" in words


async def test_a_new_event_starts_at_its_first_field() -> None:
    app = Host()
    async with app.run_test(size=(60, 24)) as pilot:
        pane = await open_event(pilot, locked_update())
        await cursor_to(pilot, pane, "responseData.errors[0].message")
        later = locked_update()
        later["eventTime"] = "2026-11-20T00:09:00.00+0000"
        await open_event(pilot, later)
        assert pane.field is not None and pane.field.path == "eventTime"
        assert "eventTime = 2026-11-20T00:09:00.00+0000" in screen_text(app)


async def test_fields_named_by_a_finding_are_marked_and_explained() -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_event(pilot, locked_update())
        await cursor_to(pilot, pane, "requestData.lock")
        text = screen_text(app)
        assert "! lock = true" in text
        assert "SECURITY Attempt to change a locked service ID" in flat(text.split("─" * 20)[-1])
        # Lists of objects are walked element by element, as the catalog's notes name them.
        await cursor_to(pilot, pane, "responseData.errors[0].code")
        assert "[0] {2}" in screen_text(app)


async def test_r_shows_the_raw_json_and_back() -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_event(pilot, locked_update())
        await pilot.press("r")
        text = screen_text(app)
        assert pane.raw
        # Raw JSON stays on for the next event: the pane says so above it, and how to go back.
        assert text.splitlines()[0].strip().startswith("raw JSON (r: explained) · iam-identity.account-serviceid.update ·")
        assert text.splitlines()[1].strip() == "{"
        assert '  "eventTime": "2026-11-20T00:04:49.74+0000",' in text
        assert '    "host": {' in text
        assert "SECURITY" not in text
        await pilot.press("end")
        assert '    "lock": true,' in screen_text(app)
        await pilot.press("r")
        assert not pane.raw
        assert "SECURITY Attempt to change a locked service ID" in flat(screen_text(app))
        assert app.focused is pane.query_one(Tree)


async def test_c_copies_the_event_and_y_the_field_under_the_cursor() -> None:
    event = locked_update()
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_event(pilot, event)
        await pilot.press("c")
        assert json.loads(app.clipboard) == event
        size = len(orjson.dumps(event))
        assert app.notes[-1] == f"Copied the event ({size:,} bytes of JSON) to the clipboard with OSC 52."
        await cursor_to(pilot, pane, "initiator.host.agent")
        await pilot.press("y")
        assert app.clipboard == "Not Set"
        assert app.notes[-1] == "Copied the value of initiator.host.agent (7 characters) to the clipboard with OSC 52."
        await cursor_to(pilot, pane, "requestData.lock")
        await pilot.press("y")
        assert app.clipboard == "true"
        # On an object, y copies the whole object as JSON.
        await cursor_to(pilot, pane, "requestData", key="up")
        await pilot.press("y")
        assert json.loads(app.clipboard) == event["requestData"]


async def test_equals_and_minus_ask_for_a_filter_that_matches_the_event() -> None:
    event = locked_update()
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = await open_event(pilot, event)
        await cursor_to(pilot, pane, "initiator.host.agent")
        await pilot.press("equals_sign")
        await cursor_to(pilot, pane, "requestData.lock")
        await pilot.press("minus")
        await cursor_to(pilot, pane, "responseData.errors[0].code")
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert app.queries == ['initiator.host.agent:"Not Set"', "-requestData.lock:true", "-responseData.errors.code:forbidden"]
        raw = orjson.dumps(event)
        assert [matches(parse(q), event, raw) for q in app.queries] == [True, False, False]
        # An object has no single value to filter on: the user is told, nothing is asked.
        await pilot.press("up", "up")
        assert pane.field is not None and pane.field.branch
        await pilot.press("equals_sign")
        await pilot.pause()
        assert len(app.queries) == 3
        assert app.notes[-1].startswith("Cannot filter on responseData.errors")


async def test_an_event_that_cannot_be_read_shows_its_problem() -> None:
    app = Host()
    async with app.run_test(size=(60, 24)) as pilot:
        await open_event(pilot, None, "activity.log changed since it was read: truncated JSON")
        words = flat(screen_text(app))
        assert "This event cannot be shown: activity.log changed since it was read: truncated JSON" in words
        await pilot.press("c")
        assert app.clipboard == ""
        assert app.notes[-1] == "There is no event to copy."
        await pilot.press("r")
        assert "This event cannot be shown" in flat(screen_text(app))


async def test_hostile_content_is_shown_literally() -> None:
    event = locked_update()
    event["requestData"]["description"] = "\x1b[31mred\x1b[0m [bold]loud[/bold] \u202eevil"
    event["requestData"]["[b]key"] = "x"
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_event(pilot, event)
        await cursor_to(pilot, pane, "requestData.description")
        text = screen_text(app)
        assert "\x1b" not in text and "\u202e" not in text
        assert "description = \\x1b[31mred\\x1b[0m [bold]loud[/bold] \\u202eevil" in text
        await cursor_to(pilot, pane, 'requestData["[b]key"]')
        assert "[b]key = x" in screen_text(app)
        assert_plain(app, "[bold]loud")
        await pilot.press("r", "end")
        text = screen_text(app)
        assert '"description": "\\u001b[31mred\\u001b[0m [bold]loud[/bold] \\u202eevil"' in text
        assert '"[b]key": "x"' in text
        assert_plain(app, "[bold]loud")


def assert_plain(app: App, needle: str) -> None:
    """The text is on screen, and neither bold nor red: the log's markup and escapes styled nothing."""
    pieces = [(seg.text, seg.style) for strip in app.screen._compositor.render_strips() for seg in strip if needle in seg.text]
    assert pieces, f"{needle} is not on the screen"
    for piece, style in pieces:
        assert not (style and style.bold), (piece, style)
        assert not (style and style.color and style.color.name == "red"), (piece, style)


def updated(**request: object) -> dict:
    event = locked_update()
    event.update(outcome="success", severity="warning", message="IAM Identity Service: update account-serviceid log-shipper")
    event["reason"] = {"reasonCode": 200, "reasonType": "OK"}
    event["requestData"] = {"instance_name": "log-shipper", "prev_instance_name": "log-shipper", "lock": False,
                            "description": "Owned by platform team (CHG956501)"} | request
    event["responseData"] = {"iam_id": "iam-ServiceId-75a89294", "entity_tag": "12-3a6338ee"}
    return event


@pytest.mark.parametrize("size", [(100, 40), (60, 24)])
async def test_compare_lists_exactly_the_differing_fields(size: tuple[int, int]) -> None:
    before = updated()
    after = updated(instance_name="backup-agent", description="Renamed for the backup team")
    after["eventTime"] = "2026-11-20T00:09:12.00+0000"
    app = Host()
    async with app.run_test(size=size) as pilot:
        await app.push_screen(CompareScreen(("log-shipper update · a.log @ byte 0", before), (TITLE, after)))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert [d.path for d in screen.diffs] == ["eventTime", "requestData.instance_name", "requestData.description"]
        table = screen.query_one(DataTable)
        assert table.row_count == 3
        text = screen_text(app)
        assert "3 fields differ (3 changed)" in text
        assert "requestData.instance_name" in text or "…Data.instance_name" in text
        assert "backup-agent" in text
        # The highlighted row is shown whole below the table.
        await pilot.press("down", "down")
        words = flat(screen_text(app))
        assert "marked Owned by platform team (CHG956501)" in words
        assert "this Renamed for the backup team" in words
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


async def test_compare_pending_and_success_of_an_invitation() -> None:
    pending = {"action": "user-management.user.invite", "outcome": "pending",
               "responseData": {"resources": [{"email": "raj@example.com", "state": "PROCESSING"}]}}
    success = copy.deepcopy(pending)
    success["outcome"] = "success"
    success["responseData"]["resources"][0]["state"] = "ACTIVE"
    success["responseData"]["resources"].append({"email": "li@example.com", "state": "ACTIVE"})
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.push_screen(CompareScreen(("pending", pending), ("success", success)))
        await pilot.pause()
        text = screen_text(app)
        assert "4 fields differ (2 changed, 2 added)" in text
        for path in ("outcome", "responseData.resources[0].state", "responseData.resources[1].email"):
            assert path in text
        assert "(absent)" in text


async def test_compare_identical_events_says_so() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(CompareScreen(("a", locked_update()), ("b", locked_update())))
        await pilot.pause()
        assert "The two events are identical: no field differs." in screen_text(app)
        await pilot.press("q")
        assert not isinstance(app.screen, CompareScreen)


@pytest.mark.parametrize("depth", [300, 1000])
async def test_an_event_nested_hundreds_of_levels_deep_is_shown(depth: int) -> None:
    """orjson reads 1,024 levels of nesting and writes 255: the pane shows such an event anyway."""
    event = orjson.loads(b'{"action": "svc.deep.read", "requestData": ' + b'{"a": ' * depth + b"1" + b"}" * depth
                         + b', "responseData": ' + b"[" * depth + b"]" * depth + b"}")
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_event(pilot, event)
        assert "ran 'read' on deep of the svc service" in flat(screen_text(app))
        await pilot.press("r")
        assert '"requestData": {' in screen_text(app)
        await pilot.press("c")
        assert app.notes[-1].startswith("Copied the event")


async def test_a_key_written_twice_and_a_huge_integer_as_the_pane_shows_them() -> None:
    from tui.core.decode import read_event

    raw = (b'{"action": "iam-identity.user-apikey.login", "eventTime": "2026-11-20T10:00:00.00+0000", '
           b'"responseData": {"serial": 123456789012345678901234567890}, "action": "evil.x.y"}')
    event, duplicates = read_event(raw, 0)
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = pilot.app.query_one(DetailPane)
        pane.show(EventRecord(7, event, duplicates=duplicates), explain(event, None, duplicates), TITLE)
        await pilot.pause()
        words = flat(screen_text(app))
        assert "SECURITY Key written twice: action" in words
        assert "! action = evil.x.y" in screen_text(app)
        await pilot.press("r")
        assert '"serial": 123456789012345678901234567890' in screen_text(app)
