"""End to end: in a real 80x24 terminal, a field no event has is said under the query line."""

from __future__ import annotations

import pytest

from tests.e2e.test_screen_in_tmux import ready, typing_in_a_box
from tests.e2e.tmux import ATLENS, REPO, Terminal, ensure_tmux

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")


def test_a_misspelt_field_is_said_under_the_query_line_and_the_count_stays_honest() -> None:
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(REPO / "sample_logs")], width=80, height=24)
    try:
        ready(term, lambda s: "128 events" in s, "the sample events")
        term.keys("/")
        term.wait_until(typing_in_a_box, "the query line to take the keys")
        term.type_text("outcom:failure")
        term.wait_until(lambda s: s.splitlines()[0].split()[0] == "outcom:failure", "the query being typed")
        term.keys("Enter")
        screen = term.wait_for("did you mean", timeout=30)
        lines = screen.splitlines()
        assert lines[0].strip().startswith("outcom:failure")
        assert lines[1].strip() == "no event has `outcom`; did you mean `outcome`?"
        assert "0 of 128 events" in term.wait_for("0 of 128 events")
        # The field meant: the line goes, and the table shows the failures.
        ready(term, lambda s: "filter: outcom:" in s, "the table to take the keys again")
        term.keys("/")
        term.wait_until(typing_in_a_box, "the query line to take the keys")
        term.keys("C-u")  # the cursor is at the end of the line: this empties it
        term.type_text("outcome:failure")
        term.wait_until(lambda s: s.splitlines()[0].split()[0] == "outcome:failure", "the query being typed")
        term.keys("Enter")
        screen = term.wait_until(lambda s: "filter: outcome:failure" in s and "filtering" not in s,
                                 "the corrected query answered", timeout=30)
        assert "no event has" not in screen
        assert " 0 of 128 events" not in screen and "of 128 events" in screen
        assert "Traceback" not in screen
    finally:
        term.close()
