"""End to end: the real atlens in tmux, around the events rather than the table: the detail pane
while a stream flows, the full-screen event view, the list of bad lines, and the query line
when keys arrive all at once (as a slow SSH link delivers them)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.e2e.tmux import ATLENS, REPO, Terminal, ensure_tmux, stream_from_another_process

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")

#: The title the detail pane gives a streamed event: its action, file and byte offset.
STREAMED_TITLE = re.compile(r"iam-identity\.account-serviceid\.update · live\.log @ byte (\d+)")


def side_pane(screen: str) -> str:
    """The text of the detail pane beside the table (right of the table's edge), its lines joined by spaces."""
    return " ".join(line.split("▏", 1)[1].strip() for line in screen.splitlines() if "▏" in line)


def explained_offset(screen: str) -> int | None:
    """The byte offset of the streamed event the detail pane explains, None if it explains none."""
    found = STREAMED_TITLE.search(side_pane(screen))
    return int(found.group(1)) if found else None


def test_following_a_steady_stream_the_detail_pane_explains_the_newest_events_as_they_come(tmp_path: Path) -> None:
    # The stream flows before atlens starts and never rests: the pane beside the table must
    # still explain an event (not "No event selected"), and move on to newer ones by itself.
    assert TMUX is not None
    log = tmp_path / "live.log"
    log.touch()
    writer = stream_from_another_process(log, 0, 400, rate=20)
    term = Terminal(TMUX, [*ATLENS, "live.log"], width=160, height=50, cwd=tmp_path)
    try:
        screen = term.wait_until(lambda s: explained_offset(s) is not None, "an event of the stream explained", timeout=15)
        assert "No event selected" not in screen
        assert "following │" in screen
        first = explained_offset(screen)
        assert first is not None
        screen = term.wait_until(lambda s: (explained_offset(s) or 0) > first, "a newer event explained while the stream flows", timeout=15)
        assert "following │" in screen
        assert writer.poll() is None, "the stream ended before the pane moved on: the test proves nothing"
    finally:
        writer.kill()
        writer.wait()
        term.close()


def status_line(screen: str) -> str:
    """The status line (following or paused, the counts, the filter)."""
    return next(line for line in reversed(screen.splitlines()) if "following │" in line or "paused │" in line)


def typing_in_a_box(screen: str) -> bool:
    """A text box (the query line) has the focus: its footer has no Catalog key (a)."""
    lines = screen.splitlines()
    return bool(lines) and "a Catalog" not in lines[-1]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_ctrl_u_a_query_and_enter_arriving_in_one_read_apply_the_typed_query(tmp_path: Path, size: tuple[int, int]) -> None:
    # Over a slow SSH link keys come in bursts: clearing the line, the new query and Enter
    # arrive in one read. The query typed must be the one applied, not the cleared line.
    assert TMUX is not None
    log = tmp_path / "serviceids.jsonl"
    log.write_bytes((REPO / "sample_logs" / "serviceids_apikeys.jsonl").read_bytes())
    term = Terminal(TMUX, [*ATLENS, str(log)], width=size[0], height=size[1])
    try:
        term.wait_until(lambda s: "15 events" in s and "end Follow" in s.splitlines()[-1], "the 15 events, the table taking the keys")
        term.keys("/")
        term.wait_until(typing_in_a_box, "the query line to take the keys")
        term.type_text("severity:critical\r")
        term.wait_until(lambda s: "filter: severity:critical" in status_line(s) and "end Follow" in s.splitlines()[-1],
                        "a first query applied, the table taking the keys again")
        term.keys("/")
        term.wait_until(typing_in_a_box, "the query line to take the keys again")
        term.type_text("\x15outcome:failure\r")  # one send-keys: the keys reach atlens together, in one read
        screen = term.wait_until(lambda s: "filter:" not in status_line(s) or "filter: outcome:failure" in status_line(s)
                                 and " of 15 events" in status_line(s), "a query applied")
        assert "filter: outcome:failure" in status_line(screen), status_line(screen)
    finally:
        term.close()


def test_slash_a_query_and_enter_arriving_in_one_read_filter_the_table(tmp_path: Path) -> None:
    # From the table, `/`, the query and Enter in one read: the keys after `/` must reach the
    # query line (not the table, whose keys they also are), and Enter apply it (not open an event).
    assert TMUX is not None
    log = tmp_path / "serviceids.jsonl"
    log.write_bytes((REPO / "sample_logs" / "serviceids_apikeys.jsonl").read_bytes())
    term = Terminal(TMUX, [*ATLENS, str(log)], width=80, height=24)
    try:
        term.wait_until(lambda s: "15 events" in s and "end Follow" in s.splitlines()[-1], "the 15 events, the table taking the keys")
        term.type_text("/outcome:failure\r")  # one send-keys: the keys reach atlens together, in one read
        screen = term.wait_until(
            lambda s: any("filter: outcome:failure" in line and "3 of 15 events" in line for line in s.splitlines())
            and "end Follow" in s.splitlines()[-1], "the 3 failures of the 15 events, the table taking the keys again")
        assert sum(" failure " in line for line in screen.splitlines()) == 3, screen  # the rows shown
    finally:
        term.close()


#: What the field line under the tree says of eventTime, the first field of every sample event.
EVENT_TIME_MEANING = "When the event happened"


def event_view(term: Terminal, log: Path) -> str:
    """Open the oldest event of log full screen (80x24: no room beside the table); its screen."""
    term.wait_until(lambda s: "15 events" in s and "end Follow" in s.splitlines()[-1], "the 15 events, the table taking the keys")
    term.keys("Home")
    term.wait_until(lambda s: "paused" in s, "the cursor on the oldest event")
    term.keys("Enter")
    return term.wait_until(lambda s: EVENT_TIME_MEANING in s and "c Copy event" in s.splitlines()[-1], "the event full screen")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the service ID and API key scenario of sample_logs (15 events)."""
    path = tmp_path / "serviceids.jsonl"
    path.write_bytes((REPO / "sample_logs" / "serviceids_apikeys.jsonl").read_bytes())
    return path


def test_j_and_k_move_through_the_fields_of_the_full_screen_event_like_the_arrows(sample: Path) -> None:
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(sample)], width=80, height=24)
    try:
        event_view(term, sample)
        term.keys("j")
        screen = term.wait_until(lambda s: EVENT_TIME_MEANING not in s, "j to move to the next field")
        assert "action = iam-identity.account-serviceid.update" in screen
        term.keys("k")
        term.wait_for(EVENT_TIME_MEANING)
        term.keys("r")
        term.wait_for('"eventTime"')
        for gone in ("{", '"eventTime"'):  # the raw JSON scrolls a line at a time
            term.keys("j")
            screen = term.wait_until(lambda s, gone=gone: not any(line.strip().startswith(gone) for line in s.splitlines()),
                                     f"j to scroll {gone} off the raw JSON")
        assert "Traceback" not in screen
    finally:
        term.close()


def settled(term: Terminal) -> list[list[tuple[str, tuple]]]:
    """The screen cell by cell once two captures a moment apart agree (the last repaint done)."""
    last = term.cells()
    for _ in range(100):
        time.sleep(0.2)
        now = term.cells()
        if now == last:
            return now
        last = now
    return last


def test_tab_in_the_full_screen_event_shows_where_the_keys_go(sample: Path) -> None:
    # Tab gives the keys to the field line under the tree (to scroll a long meaning): it must
    # look different then, or the arrows seem to stop working for no reason.
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(sample)], width=80, height=24)
    try:
        lines = event_view(term, sample).splitlines()
        below = next(i for i, line in enumerate(lines) if line.startswith("────"))
        field_line = slice(below, below + 3)  # its top edge and first lines
        unfocused = settled(term)[field_line]
        term.keys("Tab")
        term.wait_until(lambda s: term.cells()[field_line] != unfocused, "the field line to look focused", timeout=5)
        term.keys("BTab")
        term.wait_until(lambda s: term.cells()[field_line] == unfocused, "the field line to look as before", timeout=5)
    finally:
        term.close()


def test_the_full_screen_event_says_when_it_shows_raw_json_and_how_to_go_back(sample: Path) -> None:
    # Raw JSON stays on from one event to the next (reading the JSON of several events in a
    # row); the view says so each time, with the key that gives the explanation back.
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(sample)], width=80, height=24)
    try:
        event_view(term, sample)
        term.keys("r")
        screen = term.wait_for('"eventTime": "2026-11-03T09:03:12.27+0000"')
        assert "raw JSON (r: explained)" in screen
        term.keys("Escape")
        term.wait_until(lambda s: "end Follow" in s.splitlines()[-1], "the table taking the keys again")
        term.keys("Down")
        term.wait_until(lambda s: "paused" in s, "the cursor on the second event")
        term.keys("Enter")
        screen = term.wait_for('"eventTime": "2026-11-03T09:26:40.91+0000"')
        assert "raw JSON (r: explained)" in screen
        term.keys("r")
        screen = term.wait_for(EVENT_TIME_MEANING)
        assert "raw JSON (r: explained)" not in screen
    finally:
        term.close()
