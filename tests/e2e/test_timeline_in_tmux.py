"""End to end: the real atlens in tmux, the timeline strip shown (H), follows a file that another
process appends to: the strip grows with the events, and what it drew as they came is what
drawing everything again draws."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.tmux import ATLENS, Terminal, append_from_another_process, ensure_tmux, stream_from_another_process

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "activity.log"
    path.touch()
    append_from_another_process(path, 0, 40, initiator="alice@example.com", failure_code=403)
    return path


def strip_of(screen: str, height: int) -> list[str]:
    """The strip's lines (height of them), from the one that says the bucket size, cut where it starts."""
    lines = screen.split("\n")
    top, match = next((i, m) for i, line in enumerate(lines) if (m := re.search(r" per \d+[smhd] ", line)))
    left = match.start()
    right = lines[top].find("▏", left)  # the detail pane's border, when wide
    return [line[left:right if right >= 0 else None].rstrip() for line in lines[top:top + height]]


def filled(line: str) -> int:
    return sum(char in "▁▂▃▄▅▆▇█" for char in line)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_the_strip_grows_as_another_process_appends(log: Path, size: tuple[int, int]) -> None:
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(log)], width=size[0], height=size[1])
    try:
        term.wait_for("40 events")
        term.keys("H")
        # 40 events one second apart (11:00:00 to 11:00:39): one-second buckets.
        screen = term.wait_until(lambda s: " per 1s " in s, "the strip in one-second buckets")
        height = 2 if size[1] < 40 else 4
        lines = strip_of(screen, height)
        assert lines[-1].startswith(" 11:00:00")  # one-second buckets: the time of day of the first
        assert "▲" in lines[-1] and "!" in lines[-1]  # the cursor's bucket, and the critical failures
        assert re.search(r"max 1$", lines[0])  # one event a second
        writer = stream_from_another_process(log, 40, 80, rate=40, initiator="alice@example.com")
        try:
            # 120 seconds of events no longer fit one-second buckets, nor two-second ones (61 of them
            # in the 60 or fewer cells the table leaves at either size): five-second ones.
            screen = term.wait_until(lambda s: "120 events" in s and " per 5s " in s and "max 5" in s,
                                     "the strip grown to 120 events")
        finally:
            writer.wait(timeout=30)
        lines = strip_of(screen, height)
        tallest = int(re.search(r"max (\d+)$", lines[0]).group(1))
        assert tallest > 1  # longer buckets, more events in each
        assert all(filled(line) for line in lines[:-1])
        # Every bucket holds a critical failure (every fifth event), and nothing is left of the
        # one-second buckets drawn before: the line of marks is one ! per bucket, then blank.
        assert re.fullmatch(r" 11:00:00 +!+", lines[-1]), lines[-1]
        # What the strip drew as the events came is what drawing everything again draws.
        term.keys("C-l")
        redrawn = term.wait_until(lambda s: "screen redrawn" in s, "the redraw notice")
        assert strip_of(redrawn, height) == lines
        assert "Traceback" not in redrawn
    finally:
        term.close()
