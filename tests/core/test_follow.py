"""Following live inputs: real files written by another process, real watchfiles notifications.

Every test starts the Reader's own follow loop in a thread, drives a separate writer process
(append, flush, copy, truncate, rename, delete) and waits, with a deadline, for what a user
would see: each event in the store once, none lost, in time order.
"""

from __future__ import annotations

import gzip
import json
import select
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pytest

from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store

from tests.core.follow_helpers import (
    WAIT,
    end_query,
    jsonl_seqs,
    ranges,
    running_query,
    seq_of_action,
    wait_for,
)


# The writer: another process, as a service writing its audit log is. It reads one JSON list of
# steps per line on stdin, runs them back to back and answers "ok", so a test can make several
# file operations happen in one quick step, or wait for the follower between two of them.
WRITER = r'''
import gzip, json, os, shutil, sys, time

handles = {}

def handle(name):
    # A path written without "open" gets an append handle of its own (O_APPEND, as loggers use).
    if name not in handles:
        handles[name] = open(name, "ab", buffering=0)
    return handles[name]

for request in sys.stdin:
    for op, *args in json.loads(request):
        if op == "write":          # one unbuffered write(2) to a path or a named handle
            handle(args[0]).write(args[1].encode())
        elif op == "open":         # a named handle: it stays on the same file across a rename
            handles[args[0]] = open(args[1], "ab", buffering=0)
        elif op == "close":
            handles.pop(args[0]).close()
        elif op == "pause":
            time.sleep(args[0])
        elif op == "copy":         # cp SRC DST
            shutil.copyfile(args[0], args[1])
        elif op == "truncate":     # truncate -s 0 PATH
            os.truncate(args[0], 0)
        elif op == "rename":       # mv SRC DST
            os.rename(args[0], args[1])
        elif op == "delete":       # rm PATH
            os.unlink(args[0])
        elif op == "mkdir":
            os.makedirs(args[0], exist_ok=True)
        elif op == "gzip":         # a .gz file written in two parts, like a download in progress
            data = gzip.compress(args[1].encode())
            with open(args[0], "wb", buffering=0) as fh:
                fh.write(data[: len(data) // 2])
                time.sleep(args[2])
                fh.write(data[len(data) // 2 :])
        else:
            raise SystemExit(f"unknown step {op}")
    sys.stdout.write("ok\n")
    sys.stdout.flush()
'''


# ----------------------------------------------------------------------------- helpers


class Writer:
    """A writer process driven step by step."""

    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", WRITER], cwd=cwd, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, *steps: Iterable[object]) -> None:
        """Run steps in the writer, one right after the other; return when it has done them all."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([list(s) for s in steps]) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], WAIT)
        answer = self.proc.stdout.readline() if ready else ""
        if answer != "ok\n":
            self.proc.kill()
            _, err = self.proc.communicate(timeout=5)
            pytest.fail(f"writer did not finish {steps!r}: {err.strip() or 'no answer'}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=5)


@dataclass
class Following:
    """A Reader following its inputs in its own thread, as the TUI runs it."""

    store: Store
    reader: Reader
    messages: list[str]
    stop: threading.Event
    thread: threading.Thread
    crashed: list[BaseException] = field(default_factory=list)

    def seqs(self) -> list[int]:
        """The events' sequence numbers in the store's time order (what the table shows)."""
        order = list(self.store.order)
        return [seq_of_action(self.store.text("action", row)) for row in order]

    def wait_seqs(self, expected: list[int]) -> None:
        """Wait until the store holds exactly these events, in this order."""
        wait_for(lambda: self.seqs() == expected,
                 lambda: f"events {ranges(expected)}; the store has {ranges(self.seqs())}")

    def wait_message(self, *words: str) -> str:
        """Wait for a status message containing every word; returns it."""
        def found() -> str | None:
            return next((m for m in list(self.messages) if all(w in m for w in words)), None)
        wait_for(lambda: found() is not None, lambda: f"a status message with {words}; got {self.messages}")
        return found() or ""

    def check_reread(self) -> None:
        """Every row's full event, re-read from its source by offset, is the event the row shows."""
        for row in list(self.store.order):
            record = self.store.event(row)
            assert record.event is not None, f"row {row}: {record.problem}"
            assert record.event["requestData"]["seq"] == seq_of_action(self.store.text("action", row))

    def check_healthy(self, *, events: int) -> None:
        """Still following, no error records, and the accounting counts each event once."""
        assert self.thread.is_alive(), f"the follower stopped: {self.crashed}"
        assert self.store.errors == [], [e.describe() for e in self.store.errors]
        assert self.store.accounting()["events"] == events


def write_one_by_one(w, f: Following, target: str, lines, seqs: tuple[int, ...]) -> None:
    """Append events one at a time, each waited for: a late duplicate of an earlier event
    (a rotated copy read again) would show up before the test's final checks."""
    for seq in seqs:
        w.run(["write", target, lines(seq)])
        f.wait_seqs(list(range(1, seq + 1)))


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Callable[[], Writer]]:
    """writer() -> a new writer process (killed at the end of the test)."""
    started: list[Writer] = []

    def start() -> Writer:
        w = Writer(tmp_path)
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()


@pytest.fixture
def follow() -> Iterator[Callable[..., Following]]:
    """follow(*inputs) -> a Reader that has loaded the inputs and follows them in a thread."""
    started: list[Following] = []

    def start(*inputs: Path | str) -> Following:
        store = Store()
        messages: list[str] = []
        reader = Reader(store, resolve_inputs([str(i) for i in inputs], follow=True), on_status=lambda notice: messages.append(notice.text))
        reader.load(follow=True)
        stop = threading.Event()
        crashed: list[BaseException] = []

        def run() -> None:
            try:
                reader.follow(stop)
            except BaseException as exc:  # reported by the test, not lost in a thread
                crashed.append(exc)
                raise

        thread = threading.Thread(target=run, name="test-follow", daemon=True)
        thread.start()
        following = Following(store, reader, messages, stop, thread, crashed)
        started.append(following)
        return following

    yield start
    for f in started:
        f.stop.set()
        f.thread.join(5)
        f.reader.close()
    for f in started:
        assert not f.thread.is_alive(), "the follower did not stop within 5 s of being asked to"
        assert not f.crashed, f"the follower crashed: {f.crashed!r}"


# ----------------------------------------------------------------------------- appends


def test_appended_events_appear_once_in_order(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2))
    f = follow(log)
    assert f.seqs() == [1, 2]
    w = writer()
    for burst in ([3], list(range(4, 12)), list(range(12, 31)), list(range(31, 51))):
        w.run(["write", str(log), lines(*burst)])
    f.wait_seqs(list(range(1, 51)))
    f.check_healthy(events=50)
    f.check_reread()


def test_line_written_in_two_writes_is_read_once_whole(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1))
    f = follow(log)
    w = writer()
    for seq in (2, 3, 4):
        text = lines(seq)
        half = len(text) // 2
        w.run(["write", str(log), text[:half]], ["pause", 0.3], ["write", str(log), text[half:]])
    f.wait_seqs([1, 2, 3, 4])
    f.check_healthy(events=4)
    assert f.store.accounting()["lines"] == 4
    f.check_reread()


def test_partial_last_line_at_open_stays_pending_until_completed(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    four = lines(4)
    log.write_text(lines(1, 2, 3) + four[:40])
    f = follow(log)
    assert f.seqs() == [1, 2, 3]
    assert f.store.errors == []
    w = writer()
    w.run(["write", str(log), four[40:] + lines(5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    f.check_healthy(events=5)
    f.check_reread()


# ----------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("target", ["file", "directory"])
def test_copy_truncate_rotation_loses_and_repeats_nothing(tmp_path, lines, writer, follow, target):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, 6)))
    f = follow(log if target == "file" else logs)
    w = writer()
    w.run(["write", str(log), lines(*range(6, 11))])
    f.wait_seqs(list(range(1, 11)))
    # Events the follower has not read yet are appended, then copied away and truncated at once:
    # they survive only in the copy.
    w.run(["write", str(log), lines(*range(11, 16))],
          ["copy", str(log), str(logs / "a.log.1")], ["truncate", str(log)],
          ["write", str(log), lines(*range(16, 21))])
    f.wait_seqs(list(range(1, 21)))
    # A second rotation, to another copy.
    w.run(["write", str(log), lines(*range(21, 24))],
          ["copy", str(log), str(logs / "a.log.2")], ["truncate", str(log)],
          ["write", str(log), lines(24)])
    f.wait_seqs(list(range(1, 25)))
    # Two more events, one at a time: any late repeat of a copy would be in by then.
    write_one_by_one(w, f, str(log), lines, (25, 26))
    f.check_healthy(events=26)
    f.check_reread()
    f.wait_message("a.log was truncated")


@pytest.mark.parametrize("target", ["file", "directory"])
def test_rename_and_recreate_rotation_loses_and_repeats_nothing(tmp_path, lines, writer, follow, target):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, 6)))
    f = follow(log if target == "file" else logs)
    w = writer()
    w.run(["open", "old", str(log)], ["write", "old", lines(*range(6, 11))])
    f.wait_seqs(list(range(1, 11)))
    # logrotate's `create`: rename, create the new file; the service still has the old one open.
    w.run(["write", "old", lines(*range(11, 14))],
          ["rename", str(log), str(logs / "a.log.1")],
          ["open", "new", str(log)], ["write", "new", lines(14)])
    f.wait_seqs(list(range(1, 15)))
    # The follower is on the new file now; the service writes to the old one until it reopens.
    w.run(["write", "old", lines(*range(15, 18))], ["close", "old"],
          ["write", "new", lines(*range(18, 21))])
    f.wait_seqs(list(range(1, 21)))
    write_one_by_one(w, f, "new", lines, (21, 22))
    f.check_healthy(events=22)
    f.check_reread()


# ----------------------------------------------------------------------------- new and deleted files


def test_new_files_in_followed_directory_and_glob_are_picked_up(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(lines(1))
    matched = tmp_path / "glob"
    matched.mkdir()
    (matched / "x.log").write_text(lines(2))
    f = follow(logs, str(matched / "*.log"))
    assert f.seqs() == [1, 2]
    w = writer()
    w.run(["write", str(logs / "b.log"), lines(3)])
    f.wait_seqs([1, 2, 3])
    w.run(["mkdir", str(logs / "sub" / "deeper")], ["write", str(logs / "sub" / "deeper" / "c.json"), lines(4)])
    f.wait_seqs([1, 2, 3, 4])
    # A file the glob does not match is not read; one it matches is.
    w.run(["write", str(matched / "skip.txt"), lines(99)], ["write", str(matched / "y.log"), lines(5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    w.run(["write", str(logs / "sub" / "deeper" / "c.json"), lines(6)], ["write", str(matched / "y.log"), lines(7)])
    f.wait_seqs([1, 2, 3, 4, 5, 6, 7])
    f.check_healthy(events=7)
    f.check_reread()
    assert any("b.log" in m for m in f.messages), f.messages


def test_deleted_file_keeps_its_events_and_is_read_again_when_recreated(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2))
    f = follow(log)
    w = writer()
    w.run(["write", str(log), lines(3)], ["close", str(log)])
    f.wait_seqs([1, 2, 3])
    w.run(["delete", str(log)])
    f.wait_message("a.log", "deleted")
    assert f.thread.is_alive()
    assert f.seqs() == [1, 2, 3]
    f.check_reread()  # the detail pane can still open them
    w.run(["write", str(log), lines(4, 5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    w.run(["write", str(log), lines(6)])
    f.wait_seqs([1, 2, 3, 4, 5, 6])
    f.check_healthy(events=6)
    f.check_reread()


def test_gzip_in_followed_directory_is_read_once(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(lines(1))
    (logs / "old.json.gz").write_bytes(gzip.compress(lines(2, 3).encode()))
    f = follow(logs)
    assert f.seqs() == [1, 2, 3]
    w = writer()
    # An archive arriving while the directory is followed, written in two parts.
    w.run(["gzip", str(logs / "new.json.gz"), lines(4, 5, 6), 0.3])
    f.wait_seqs([1, 2, 3, 4, 5, 6])
    write_one_by_one(w, f, str(logs / "a.log"), lines, (7, 8, 9))
    f.check_healthy(events=9)
    f.check_reread()


# ----------------------------------------------------------------------------- merging


def test_events_arriving_in_two_files_at_once_are_merged_in_time_order(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    b, c = logs / "b.log", logs / "c.log"
    b.write_text(lines(2))
    c.write_text(lines(1))
    f = follow(b, c)
    assert f.seqs() == [1, 2]
    w = writer()
    seq = 3
    for burst in range(5):
        steps = []
        for _ in range(8):
            # Even numbers to b.log, odd to c.log, written interleaved as two services would.
            steps.append(["write", str(b if seq % 2 == 0 else c), lines(seq)])
            seq += 1
        w.run(*steps)
    f.wait_seqs(list(range(1, seq)))
    times = [f.store.times[row] for row in f.store.order]
    assert times == sorted(times)
    f.check_healthy(events=seq - 1)


# ----------------------------------------------------------------------------- the command line


def test_query_follow_streams_stdin_as_it_arrives(lines):
    with running_query("-", "--follow", "--format", "jsonl", stdin=subprocess.PIPE) as (proc, out, err):
        assert proc.stdin is not None
        for seq in range(1, 6):
            text = lines(seq)
            # Each event in two writes, as a pipe may deliver a line in pieces.
            proc.stdin.write(text[:50])
            proc.stdin.flush()
            proc.stdin.write(text[50:])
            proc.stdin.flush()
            assert jsonl_seqs(out.wait_count(seq)) == list(range(1, seq + 1))
        proc.stdin.close()
        errors = end_query(proc, signal.SIGTERM, err)
    assert "Traceback" not in errors, errors
    assert jsonl_seqs(out.lines) == [1, 2, 3, 4, 5]


def test_query_follow_prints_events_appended_to_a_file(tmp_path, lines, writer):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2, 3))
    with running_query(str(log), "--follow", "--format", "jsonl") as (proc, out, err):
        assert jsonl_seqs(out.wait_count(3)) == [1, 2, 3]
        w = writer()
        for burst in ([4], [5, 6, 7], list(range(8, 13))):
            w.run(["write", str(log), lines(*burst)])
            assert jsonl_seqs(out.wait_count(burst[-1])) == list(range(1, burst[-1] + 1))
        # Ctrl-C, as a user ends it.
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors
    assert jsonl_seqs(out.lines) == list(range(1, 13))


def test_query_follow_prints_only_arriving_events_that_match(tmp_path, lines, writer):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2, 3))
    # requestData.seq is not an indexed field: it is materialised for the events read, and each
    # arriving event is tested on its own.
    query = "requestData.seq:(2 OR 5 OR 9) OR action:svc.obj.n11"
    with running_query(str(log), "--follow", "--format", "jsonl", "-q", query) as (proc, out, err):
        assert jsonl_seqs(out.wait_count(1)) == [2]
        w = writer()
        w.run(["write", str(log), lines(4, 5, 6)])
        assert jsonl_seqs(out.wait_count(2)) == [2, 5]
        w.run(["write", str(log), lines(*range(7, 13))])
        assert jsonl_seqs(out.wait_count(4)) == [2, 5, 9, 11]
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors
    assert jsonl_seqs(out.lines) == [2, 5, 9, 11]
