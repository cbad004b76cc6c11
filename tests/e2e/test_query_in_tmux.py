"""End to end: while a slow query runs over a large file, the real atlens in tmux still answers
its keys: a new query replaces the slow one, and q ends the program."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from tests.e2e.tmux import ATLENS, Terminal, ensure_tmux

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")

EVENTS = 100_000
#: Each event's message: 600 letters, so that a pattern over every message takes a while.
MESSAGE = 600
#: Far more than the answers need; a slow query takes many seconds over this file.
GENEROUS = 90


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A hundred thousand events, every seventh a failure, each with its own long message."""
    path = tmp_path_factory.mktemp("large") / "large.jsonl"
    rng = random.Random(18)
    letters = "abcdefghijklmnopqrstuvwxy"  # no z: the slow pattern below matches nothing
    with path.open("wb") as out:
        for seq in range(EVENTS):
            out.write(orjson.dumps({
                "eventTime": f"2026-11-20T{seq // 3600 % 24:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}.00+0000",
                "action": "iam-identity.account-serviceid.update",
                "outcome": "failure" if seq % 7 == 0 else "success",
                "severity": "normal",
                "initiator": {"id": "IBMid-1", "name": f"user-{seq % 50}@example.com"},
                "target": {"name": f"svc-{seq}"},
                "message": "".join(rng.choices(letters, k=MESSAGE)),
            }) + b"\n")
    return path


def start(large: Path) -> Terminal:
    """atlens on the large file, once every event is read."""
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(large)], width=120, height=30)
    term.wait_for(f"{EVENTS:,} events", timeout=GENEROUS)
    return term


def query(term: Terminal, text: str) -> None:
    """Type a query in the filter bar and apply it."""
    term.keys("/")
    # The query line has the focus once the footer no longer offers the table's keys.
    term.wait_until(lambda s: "a Catalog" not in s.splitlines()[-1], "the query line to take the keys", timeout=GENEROUS)
    term.keys("End", "C-u")  # the query line starts empty whatever it held
    term.wait_until(lambda s: s.splitlines()[0].startswith(" / to filter"), "the query line to be empty", timeout=GENEROUS)
    term.type_text(text)
    term.wait_until(lambda s: s.splitlines()[0].split()[0] == text, "the query being typed", timeout=GENEROUS)
    term.keys("Enter")
    # Taken: the table has the focus again (keys typed before then would go to the query line).
    term.wait_until(lambda s: "a Catalog" in s.splitlines()[-1], "the query to be taken", timeout=GENEROUS)


#: Queries that read every long message: a wildcard (which a backtracking match never finished)
#: and a regular expression (read character by character).
SLOW = ["message:*a*b*c*z*", "message:/.*a.*b.*c.*z.*/"]


@pytest.mark.parametrize("slow", SLOW)
def test_a_new_query_replaces_a_slow_one_at_once(large: Path, slow: str) -> None:
    term = start(large)
    try:
        query(term, slow)
        term.wait_for("filtering", timeout=GENEROUS)
        query(term, "outcome:failure")
        failures = len(range(0, EVENTS, 7))
        # The new query's answer comes while the slow one would still be running: the slow one
        # was cancelled, and its (empty) answer never replaces this one.
        screen = term.wait_for(f"{failures:,} of {EVENTS:,} events", timeout=GENEROUS)
        assert "Traceback" not in screen
        assert "filtering" not in term.wait_until(lambda s: "filtering" not in s, "the filtering to end", timeout=GENEROUS)
        assert f"{failures:,} of {EVENTS:,} events" in term.screen()
    finally:
        term.close()


@pytest.mark.parametrize("slow", SLOW)
def test_q_ends_the_program_during_a_slow_query(large: Path, slow: str) -> None:
    term = start(large)
    try:
        query(term, slow)
        term.wait_for("filtering", timeout=GENEROUS)
        term.keys("q")
        term.wait_until(lambda s: term.dead(), "atlens to exit on q during a slow query", timeout=GENEROUS)
        assert "Traceback" not in term.screen()
    finally:
        term.close()
