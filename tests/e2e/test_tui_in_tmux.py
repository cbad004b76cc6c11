"""End to end: the real atlens in tmux follows a file that another process appends to."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.tmux import append_from_another_process as append_events
from tests.e2e.tmux import ATLENS, Terminal, ensure_tmux

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")


def append_from_another_process(path: Path, first: int, count: int) -> None:
    """Events svc-first onwards, all from alice@example.com; failures with reason code 200."""
    append_events(path, first, count, initiator="alice@example.com", failure_code=200)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "activity.log"
    path.touch()
    append_from_another_process(path, 0, 40)
    return path


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_follows_pauses_and_resumes_in_a_real_terminal(log: Path, size: tuple[int, int]) -> None:
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(log)], width=size[0], height=size[1])
    try:
        term.wait_for("40 events")
        screen = term.wait_for("svc-39")
        assert "following" in screen
        assert "Traceback" not in screen

        append_from_another_process(log, 40, 15)
        screen = term.wait_for("55 events")
        term.wait_for("svc-54")

        term.keys("Up", "Up")
        term.wait_for("paused")
        append_from_another_process(log, 55, 7)
        screen = term.wait_for("+7 new")
        assert "svc-61" not in screen  # paused: the screen does not jump to new events

        term.keys("End")
        screen = term.wait_until(lambda s: "following" in s and "svc-61" in s, "following again with the newest event")
        assert "+7 new" not in screen

        term.keys("q")
        term.wait_until(lambda s: term.dead(), "atlens to exit on q")
        assert "Traceback" not in term.screen()
    finally:
        term.close()


@pytest.mark.parametrize(("size", "env"), [
    ((80, 24), {}), ((160, 50), {}),
    ((80, 24), {"TERM": "xterm", "COLORTERM": ""}), ((80, 24), {"NO_COLOR": "1"}),
], ids=["80x24", "160x50", "16-colours", "no-colour"])
def test_rows_arriving_while_following_look_exactly_like_a_full_repaint(log: Path, size: tuple[int, int], env: dict[str, str]) -> None:
    # Arrivals are drawn by scrolling the table's lines in the terminal and drawing only the
    # new rows, and the status line's counts are written straight to it: what that leaves on
    # screen, colours, cursor and findings marks included, must be what drawing everything
    # again from the store (Ctrl+L) draws.
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(log)], width=size[0], height=size[1], env=env)
    try:
        term.wait_for("svc-39")
        append_from_another_process(log, 40, 3)  # fewer rows than the screen holds: no scrolling yet at 160x50
        term.wait_for("svc-42")
        append_from_another_process(log, 43, 30)  # one at a time, 10 ms apart
        term.wait_until(lambda s: "svc-72" in s and "73 events" in s, "the newest row and the count")
        # Rows drawn as they arrive get their findings mark a moment later: the failures (every
        # fifth row) are marked •, up to the newest one.
        term.wait_for("•11-20 11:01:10")  # svc-70
        if size[0] >= 140:
            # Beside the table, the catalog counts the events of each service (every 2 s), written
            # straight to the terminal like the rows.
            term.wait_for("iam-identity  73")
        before = term.cells()
        term.keys("C-l")
        term.wait_until(lambda s: "screen redrawn" in s, "the redraw notice")
        after = term.cells()
        text = ["".join(char for char, _ in line) for line in after]
        status = next(i for i, line in enumerate(text) if "screen redrawn" in line)
        assert len(before) == len(after) == size[1]
        # Everything but the end of the status line (which now carries the notice) is unchanged.
        differ = [(i, "".join(c for c, _ in before[i]), "".join(c for c, _ in after[i]),
                   next(((x, b, a) for x, (b, a) in enumerate(zip(before[i], after[i])) if b != a), None))
                  for i in range(size[1]) if i != status and before[i] != after[i]]
        assert not differ, differ
        counts = text[status].index("73 events") + len("73 events")
        assert before[status][:counts] == after[status][:counts]
        assert any("svc-72" in line for line in text)
    finally:
        term.close()


def test_opens_an_event_and_lists_bad_lines(log: Path) -> None:
    assert TMUX is not None
    with open(log, "ab") as fh:
        fh.write(b"garbage that is not JSON\n")
    term = Terminal(TMUX, [*ATLENS, str(log)], width=120, height=30)
    try:
        term.wait_for("1 bad line (e)")
        term.keys("Enter")
        # The explanation comes first, then the event's fields as a tree.
        screen = term.wait_for("renames a service ID")
        assert "— svc-39: success" in screen
        assert "name = svc-39" in screen
        term.keys("r")
        term.wait_for('"name": "svc-39"')  # the JSON, re-read from the file
        term.keys("Escape")
        # A key sent right after Escape would arrive as Alt+key, as in any terminal.
        term.wait_until(lambda s: '"name": "svc-39"' not in s, "the event view to close")
        term.keys("e")
        screen = term.wait_for("garbage that is not JSON")
        assert "41" in screen  # the line number of the bad line
    finally:
        term.close()


def test_missing_path_gives_a_one_line_message_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run([*ATLENS, str(tmp_path / "nope.log")], capture_output=True, text=True, timeout=30,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 2
    assert result.stderr.strip() == f"atlens: {tmp_path / 'nope.log'}: no such file or directory"
    assert "Traceback" not in result.stderr


def test_reads_events_piped_on_stdin_while_keys_come_from_the_terminal(log: Path, tmp_path: Path) -> None:
    assert TMUX is not None
    more = tmp_path / "more.log"
    more.touch()
    append_from_another_process(more, 40, 5)
    python = " ".join(ATLENS)
    go_on = tmp_path / "go-on"
    # The rest is written once the first events are on screen: however slowly atlens starts,
    # they arrive while it follows standard input.
    pipeline = f"(cat {log}; while [ ! -e {go_on} ]; do sleep 0.05; done; cat {more}; sleep 60) | {python} -"
    term = Terminal(TMUX, ["sh", "-c", pipeline], width=120, height=30)
    try:
        term.wait_for("40 events")
        go_on.touch()
        screen = term.wait_for("45 events")
        assert "svc-44" in screen and "<stdin>" in screen
        term.keys("Up")
        term.wait_for("paused")  # the keyboard works although stdin is the pipe
        term.keys("q")
        # The writer side of the pipe is still sleeping, so the pane stays: atlens has left
        # the screen when its table is gone.
        screen = term.wait_until(lambda s: "45 events" not in s, "atlens to leave the screen on q")
        assert "Traceback" not in screen
    finally:
        term.close()


@pytest.mark.parametrize("how", ["terminal closed (SIGHUP)", "SIGTERM"])
def test_decompressed_copies_are_removed_when_the_screen_is_ended_by_a_signal(tmp_path: Path, how: str) -> None:
    assert TMUX is not None
    import gzip
    import os
    import signal
    import time

    archive = tmp_path / "old.log.gz"
    plain = tmp_path / "plain.log"
    append_from_another_process(plain, 0, 30)
    archive.write_bytes(gzip.compress(plain.read_bytes()))
    spools = tmp_path / "tmp"
    spools.mkdir()
    term = Terminal(TMUX, [*ATLENS, str(archive)], width=100, height=24, env={"TMPDIR": str(spools)})
    try:
        term.wait_for("30 events")
        made = list(spools.iterdir())
        assert len(made) == 1 and oct(made[0].stat().st_mode & 0o777) == "0o700", made
        if how == "SIGTERM":
            pid = int(term._tmux("display-message", "-p", "-t", term.session, "#{pane_pid}").strip())
            os.kill(pid, signal.SIGTERM)
        else:
            term.close()  # the terminal goes away: the program gets SIGHUP
        deadline = time.monotonic() + 10
        while any(spools.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(spools.iterdir()), f"left behind after {how}: {list(spools.rglob('*'))}"
        if how == "SIGTERM":
            screen = term.wait_until(lambda s: "30 events" not in s, "atlens to leave the screen")
            assert "Traceback" not in screen
    finally:
        term.close()


def test_closing_the_terminal_ends_atlens_every_time(tmp_path: Path) -> None:
    """An SSH link that drops closes the terminal: atlens must end, not follow on forever unseen.

    The terminal going away sends SIGHUP and SIGCONT together; the second made Textual start
    another keyboard thread beside the first, and about one close in three then left atlens
    waiting for a thread that never ended. Five closes in a row catch it."""
    assert TMUX is not None
    import os
    import time

    log = tmp_path / "live.log"
    append_from_another_process(log, 0, 20)
    left: list[int] = []
    for _ in range(5):
        term = Terminal(TMUX, [*ATLENS, str(log)], width=100, height=24)
        try:
            term.wait_for("20 events")
            pid = int(term._tmux("display-message", "-p", "-t", term.session, "#{pane_pid}").strip())
        finally:
            term.close()  # the terminal goes away
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.05)
        if os.path.exists(f"/proc/{pid}"):
            left.append(pid)
            os.kill(pid, 9)
    assert not left, f"{len(left)} of 5 closes left atlens running"


def test_a_stopped_atlens_comes_back_on_sigcont(tmp_path: Path) -> None:
    """SIGTSTP (a job stopped from outside) then SIGCONT brings the screen back, keys working.
    Resuming used the keyboard thread's wake-up pipe after stopping had closed it: a traceback."""
    assert TMUX is not None
    import os
    import signal
    import time

    log = tmp_path / "live.log"
    append_from_another_process(log, 0, 20)
    term = Terminal(TMUX, [*ATLENS, str(log)], width=100, height=24)
    try:
        term.wait_for("20 events")
        pid = int(term._tmux("display-message", "-p", "-t", term.session, "#{pane_pid}").strip())
        # atlens leaves the screen and stops; tmux itself continues a pane's process that stops
        # (so the stop may be over before it could be seen), and SIGCONT is sent as a shell's fg would.
        os.kill(pid, signal.SIGTSTP)
        time.sleep(0.5)
        os.kill(pid, signal.SIGCONT)
        term.wait_for("20 events")
        term.keys("Up")
        screen = term.wait_for("paused")
        assert "Traceback" not in screen and "Error" not in screen
    finally:
        term.close()
