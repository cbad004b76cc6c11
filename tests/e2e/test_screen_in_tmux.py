"""End to end: what a user sees of the real atlens in tmux, at 80x24 (table alone) and at
160x50 (catalog, table and detail pane side by side): filtering a followed file, an event's
explanation, the catalog, quick filters from a cell, and log text that tries to drive the terminal."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import orjson
import pytest

from tests.e2e.tmux import append_from_another_process as append_events
from tests.e2e.tmux import ATLENS, REPO, Terminal, ensure_tmux

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])

#: A table row: the time (MM-DD HH:MM:SS), severity, outcome, action and initiator columns,
#: the first five at both sizes (160x50 gives the table less width than 80x24 does).
ROW = re.compile(r"\d\d-\d\d \d\d:\d\d:\d\d (\w+)\s+(\w+) (\S+) +(.{12})")


def append_from_another_process(path: Path, first: int, count: int) -> None:
    """Events svc-first onwards, each initiator (a column at both sizes) naming its number; failures 403."""
    append_events(path, first, count, initiator="user-{seq}", failure_code=403)


def rows(screen: str) -> list[tuple[str, str, str, str]]:
    """The table rows on screen: (severity, outcome, action, initiator), cut as the columns cut them."""
    return [(*m.groups()[:3], m.group(4).rstrip()) for m in map(ROW.search, screen.splitlines()) if m]


def status_line(screen: str) -> str:
    """The status line (following or paused, the counts, the filter)."""
    return next(line for line in reversed(screen.splitlines()) if "following │" in line or "paused │" in line)


def table_has_focus(screen: str) -> bool:
    """The footer lists the table's keys (End to follow) only while the table has the focus."""
    lines = screen.splitlines()
    return bool(lines) and "end Follow" in lines[-1]


def typing_in_a_box(screen: str) -> bool:
    """A text box (query line, catalog search) has the focus: its footer has no Catalog key (a)."""
    lines = screen.splitlines()
    return bool(lines) and "a Catalog" not in lines[-1]


def event_has_focus(screen: str) -> bool:
    """The opened event (full screen, or the pane beside the table) has the focus: its keys are in the footer."""
    lines = screen.splitlines()
    return bool(lines) and "c Copy event" in lines[-1]


def ready(term: Terminal, predicate, what: str) -> str:
    """Wait for the first screen and for the table to have the focus: the rows are drawn before
    the footer is, and keys typed before the table has the focus may land anywhere."""
    return term.wait_until(lambda s: predicate(s) and table_has_focus(s), what)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the service ID and API key scenario of sample_logs (15 events)."""
    path = tmp_path / "serviceids.jsonl"
    shutil.copyfile(REPO / "sample_logs" / "serviceids_apikeys.jsonl", path)
    return path


def start(size: tuple[int, int], path: Path, *, clipboard: bool = False) -> Terminal:
    assert TMUX is not None
    return Terminal(TMUX, [*ATLENS, str(path)], width=size[0], height=size[1], clipboard=clipboard)


@SIZES
def test_a_typed_query_filters_a_followed_file_and_the_events_that_arrive(tmp_path: Path, size: tuple[int, int]) -> None:
    log = tmp_path / "activity.log"
    log.touch()
    append_from_another_process(log, 0, 40)
    term = start(size, log)
    try:
        ready(term, lambda s: "40 events" in s and "user-39" in s, "the 40 events")
        term.keys("/")
        term.wait_until(typing_in_a_box, "the query line to take the keys")
        term.type_text("outcome:failure")
        # Focused, the one-line query line shows what is typed (no border drawn over it).
        term.wait_until(lambda s: s.splitlines()[0].split()[0] == "outcome:failure", "the query being typed")
        term.keys("Enter")
        screen = term.wait_for("8 of 40 events")
        status = status_line(screen)
        assert "filter: outcome:failure" in status and "following" in status
        shown = rows(screen)
        assert [r[3] for r in shown] == [f"user-{n}" for n in range(0, 40, 5)]
        assert all(r[:2] == ("critical", "failure") for r in shown)

        append_from_another_process(log, 40, 12)  # failures: 40, 45, 50
        screen = term.wait_until(lambda s: "11 of 52 events" in s and "user-50" in s, "the new failures")
        shown = rows(screen)
        assert [r[3] for r in shown] == [f"user-{n}" for n in range(0, 55, 5)]
        assert not any(f"user-{n}" in screen for n in (41, 44, 46, 49, 51))
        assert "Traceback" not in screen
    finally:
        term.close()


@SIZES
def test_an_opened_event_is_explained_in_plain_words_with_its_finding(sample: Path, size: tuple[int, int]) -> None:
    # `atlens explain sample_logs/serviceids_apikeys.jsonl --line 4`: james.okafor tries to
    # update the locked service ID terraform-deployer and is refused with 403.
    term = start(size, sample)
    try:
        ready(term, lambda s: "15 events" in s, "the 15 events")
        term.keys("Home", "Down", "Down", "Down")
        term.wait_until(lambda s: "paused" in s and "10:02:58" in s, "the cursor on the fourth event")
        term.keys("Enter")
        screen = term.wait_until(lambda s: "Attempt to change a locked service ID" in s and event_has_focus(s), "the opened event")
        assert "james.okafor@example.com (user) renames a service ID" in screen
        assert "FAILED (403" in screen
        assert "SECURITY Attempt to change a locked service ID" in screen
        assert "Someone tried to modify the" in screen
        assert "iam-identity.account-serviceid.update ·" in screen and "@ byte 4127" in screen
        assert "! outcome = failure" in screen
        term.keys("Escape")
        screen = term.wait_until(table_has_focus, "the table to take the keys again")
        assert "15 events" in status_line(screen)
        if size[0] < 140:
            assert "Attempt to change a locked service ID" not in screen  # the full-screen event closed
    finally:
        term.close()


@SIZES
def test_an_action_picked_in_the_catalog_filters_the_table(sample: Path, size: tuple[int, int]) -> None:
    term = start(size, sample)
    try:
        ready(term, lambda s: "15 events" in s, "the 15 events")
        term.keys("a")
        term.wait_until(lambda s: "search actions" in s and "▶ billing" in s and not table_has_focus(s), "the catalog")
        # The first letter moves from the tree to the search box: typed before the box has the
        # focus, each next one would replace it (focus() takes effect later), so wait for it.
        term.keys("u")
        term.wait_until(lambda s: "search actions" not in s and typing_in_a_box(s), "the search box to hold the first letter")
        term.type_text("ser-apikey.upd")
        term.wait_until(lambda s: "user-apikey.upd" in s and "user-apikey.update  4" in s, "the matching action, with its 4 events")
        term.keys("Enter")  # to the tree, on the first match
        term.wait_until(lambda s: "4 events in the inputs" in s and not typing_in_a_box(s), "the tree, on the first match")
        term.keys("Enter")  # filter the table to it
        screen = term.wait_for("4 of 15 events")
        assert "filter: action:iam-identity.user-apikey.update" in status_line(screen)
        assert screen.splitlines()[0].split()[0] == "action:iam-identity.user-apikey.update"
        shown = rows(screen)
        assert len(shown) == 4
        assert all(r[2].startswith("iam-ide") and r[2].endswith("pikey.update") for r in shown)  # cut in its middle
        assert [r[1] for r in shown] == ["success", "success", "failure", "failure"]
        screen = term.wait_until(table_has_focus, "the table to take the keys again")
        if size[0] < 140:
            assert "search actions" not in screen  # the table is back in the catalog's place
        else:
            assert "search actions" not in screen.splitlines()[1]  # the search box keeps its words
    finally:
        term.close()


@SIZES
def test_equals_on_a_highlighted_cell_filters_to_its_value(sample: Path, size: tuple[int, int]) -> None:
    term = start(size, sample)
    try:
        ready(term, lambda s: "15 events" in s, "the 15 events")
        # Up to the failure at 14:17:25, then the time, severity and outcome cells.
        term.keys("Up", "Up", "Up", "Up")
        term.wait_until(lambda s: "paused" in s, "the cursor to leave the newest event")
        term.keys("Right", "Right", "Right", "=")
        screen = term.wait_for("3 of 15 events")
        assert screen.splitlines()[0].split()[0] == "outcome:failure"  # the query, as one would type it
        assert "filter: outcome:failure" in status_line(screen)
        assert [r[:2] for r in rows(screen)] == [("critical", "failure")] * 3

        term.keys("/")
        screen = term.wait_until(typing_in_a_box, "the query line to take the keys")
        assert screen.splitlines()[0].split()[0] == "outcome:failure"  # still readable with the focus
        term.keys("Escape")
        screen = term.wait_until(table_has_focus, "the table to take the keys again")
        assert screen.splitlines()[0].split()[0] == "outcome:failure"
        assert "3 of 15 events" in status_line(screen)
        assert len(rows(screen)) == 3
    finally:
        term.close()


HOSTILE = ["\x1b[2Jwipe", "\x1b]52;c;aGk=\x07", "[bold red]x[/]", "[link=http://x]me[/link]"]


def hostile_log(path: Path) -> Path:
    def event(seq: int, name: str, target: str | None = None, message: str | None = None) -> bytes:
        return orjson.dumps({
            "action": "iam-identity.account-serviceid.update", "eventTime": f"2026-11-20T11:00:{seq:02d}.00+0000",
            "outcome": "success", "severity": "warning", "message": message or f"IAM Identity Service: update serviceid svc-{seq}",
            "initiator": {"id": "IBMid-1", "name": name, "typeURI": "service/security/account/user"},
            "target": {"name": target or f"svc-{seq}"}, "reason": {"reasonCode": 200}}) + b"\n"

    lines = [event(0, "plain-user-0"), event(1, "plain-user-1")]
    lines += [event(2 + i, name) for i, name in enumerate(HOSTILE)]
    lines += [event(6, "plain-user-6"),
              event(7, "[bold red]x[/] [link=http://x]me[/link]", target="\x1b[2J\x1b]52;c;aGk=\x07",
                    message="update \x1b[2J\x1b]52;c;aGk=\x07 [bold red]x[/]")]
    path.write_bytes(b"".join(lines))
    return path


@SIZES
def test_escape_sequences_and_markup_in_events_are_shown_literally(tmp_path: Path, size: tuple[int, int]) -> None:
    log = hostile_log(tmp_path / "hostile.log")
    # The tmux server keeps whatever OSC 52 reaches it as a paste buffer.
    term = start(size, log, clipboard=True)
    try:
        screen = ready(term, lambda s: "8 events" in s and "plain-user-6" in s, "the 8 events")
        initiators = [r[3] for r in rows(screen)]
        # The Initiator column is 12 cells: long values end in "…".
        assert initiators == ["plain-user-0", "plain-user-1", "\\x1b[2Jwipe", "\\x1b]52;c;a…", "[bold red]x…",
                              "[link=http:…", "plain-user-6", "[bold red]x…"]
        assert "\x1b" not in screen and "\x07" not in screen
        assert screen.splitlines()[0].startswith(" / to filter")  # nothing cleared the screen

        term.keys("Enter")  # the newest event, under the cursor while following
        screen = term.wait_until(lambda s: "[bold red]x[/] [link=http://x]me[/link] (user)" in s and event_has_focus(s), "the opened event")
        # The explanation names the initiator and the target as the log wrote them, and says what they hold.
        assert "\\x1b[2J\\x1b]52;c;aGk=\\x07: success (200)." in screen
        assert "SECURITY Control characters in message" in screen
        assert "! message = update \\x1b[2J\\x1b]52;c;aGk=\\x07 [bold" in screen  # marked: a finding names it
        if size[1] >= 50:  # on 24 lines the findings leave the tree room for its first fields only
            assert "├─ name = [bold red]x[/] [link=http://x]me[/link]" in screen
            assert "└─ ! name = \\x1b[2J\\x1b]52;c;aGk=\\x07" in screen
        assert "\x1b" not in screen and "\x07" not in screen
        if size[0] >= 140:
            assert "plain-user-0" in screen and "\\x1b[2Jwipe" in screen  # the table beside is still drawn
        assert term.buffers() == []  # no OSC 52 from the log reached the terminal

        # The check can see one: atlens's own copy of the event (c) arrives as a buffer, the
        # control characters in it written as JSON escapes.
        term.keys("c")
        term.wait_until(lambda s: term.buffers() != [], "the copy of the event to reach tmux's clipboard")
        (copied,) = term.buffers()
        assert orjson.loads(copied)["target"]["name"] == "\x1b[2J\x1b]52;c;aGk=\x07"
        assert "\\u001b[2J" in copied and "\x1b" not in copied and "\x07" not in copied

        term.keys("Escape")
        screen = term.wait_until(table_has_focus, "the table again")
        assert "plain-user-0" in screen and "plain-user-6" in screen
    finally:
        term.close()


@SIZES
def test_zero_width_characters_are_escaped_and_every_row_keeps_its_columns_in_line(tmp_path: Path, size: tuple[int, int]) -> None:
    # Each of these took a cell in atlens's count and none in the terminal: twelve in an initiator
    # pulled the rest of its row left, under the wrong titles.
    invisible = "\u200b\u200d\u2060\u2028\u2029\u200c\ufeff\u200b\u200d\u2060\u200c\ufeff"
    events = [{"action": "iam-identity.apikey.update", "eventTime": f"2026-11-20T10:00:0{seq}.00+0000", "outcome": "success",
               "severity": "normal", "message": f"update {seq}", "target": {"name": f"key-{seq}"},
               "initiator": {"id": "IBMid-1", "name": f"ev{invisible}e" if seq == 1 else f"user-{seq}"}}
              for seq in range(3)]
    path = tmp_path / "invisible.log"
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    term = start(size, path)
    try:
        screen = ready(term, lambda s: "3 events" in s, "the 3 events")
        titles = next(line for line in screen.splitlines() if "Time (UTC)" in line)
        lines = [line for line in screen.splitlines() if "-20 10:00:0" in line]
        assert len(lines) == 3, screen
        initiator = titles.index("Initiator")
        assert [line[initiator:initiator + 12] for line in lines] == ["user-0      ", "ev\\u200b\\u2…", "user-2      "]
        if "Target" in titles:
            assert [line[titles.index("Target"):].split()[0] for line in lines] == ["key-0", "key-1", "key-2"]
    finally:
        term.close()
