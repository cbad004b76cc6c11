"""What the following tests share: waiting with a deadline, numbered events, and `atlens query
--follow` run as a real process whose printed lines are collected as they come."""

from __future__ import annotations

import json
import queue
import select
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

import pytest

from tui.core.sources import Reader
from tui.core.store import Store

REPO = Path(__file__).resolve().parents[2]
#: The longest any single condition is waited for.
WAIT = 10.0
_BASE_TIME = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def wait_for(predicate: Callable[[], bool], what: Callable[[], str] | str, timeout: float = WAIT) -> None:
    """Poll predicate until it holds; fail the test saying what was awaited and what was seen."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout:.0f} s still waiting for {what() if callable(what) else what}")
        time.sleep(0.01)


def event_time(seq: int) -> str:
    """The eventTime of event number seq: one millisecond apart, in the documented form."""
    t = _BASE_TIME + timedelta(milliseconds=seq)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def seq_of_action(action: str) -> int:
    """The sequence number carried by an action `svc.obj.n<seq>`."""
    return int(action.rsplit(".n", 1)[1])


def ranges(seqs: list[int]) -> str:
    """A short picture of a sequence: runs of consecutive numbers as a-b."""
    if not seqs:
        return "[]"
    parts: list[str] = []
    start = prev = seqs[0]
    for s in seqs[1:] + [None]:  # type: ignore[list-item]
        if s is not None and s == prev + 1:
            prev = s
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if s is not None:
            start = prev = s
    return f"[{', '.join(parts)}] ({len(seqs)} events)"


def missing_and_repeated(printed: list[int], expected: Iterable[int]) -> tuple[list[int], list[int]]:
    """Events expected but never printed, and events printed more than once (each listed once)."""
    counts = Counter(printed)
    missing = sorted(set(expected) - counts.keys())
    repeated = sorted(seq for seq, n in counts.items() if n > 1)
    return missing, repeated


class OutputLines:
    """Lines a subprocess prints, collected by a thread so they can be awaited with a deadline."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for text in stream:
            self._queue.put(text)
        self._queue.put(None)

    def wait_count(self, n: int) -> list[str]:
        """Wait until n lines were printed; returns all lines so far."""
        deadline = time.monotonic() + WAIT
        while len(self.lines) < n:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"after {WAIT:.0f} s, {len(self.lines)} lines printed of {n}: {self.lines[-3:]}")
            if item is None:
                pytest.fail(f"the program ended after {len(self.lines)} lines of {n}")
            self.lines.append(item)
        return self.lines

    def wait_quiet(self, quiet: float, timeout: float = 3 * WAIT) -> list[str]:
        """Wait until nothing more has been printed for `quiet` seconds; returns all lines so far.

        For a stream whose end is not known: events lost never come, and a repeat may come late,
        so the only sign that everything has arrived is the output resting.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                item = self._queue.get(timeout=quiet)
            except queue.Empty:
                return self.lines
            if item is None:
                pytest.fail(f"the program ended after {len(self.lines)} lines: {self.lines[-3:]}")
            self.lines.append(item)
            if time.monotonic() > deadline:
                pytest.fail(f"the output was still growing after {timeout:.0f} s ({len(self.lines)} lines)")

    def rest(self) -> str:
        """Everything printed, once the stream has ended (the process exited)."""
        while not self._ended:
            try:
                item = self._queue.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"the output did not end within {WAIT:.0f} s")
            if item is None:
                self._ended = True
            else:
                self.lines.append(item)
        return "".join(self.lines)


def jsonl_seqs(printed: list[str]) -> list[int]:
    """Sequence numbers of events printed by `atlens query --format jsonl`."""
    return [json.loads(text)["requestData"]["seq"] for text in printed]


def start_query(*args: str, stdin: int | None = None, prefix: list[str] | None = None,
                env: dict[str, str] | None = None, preexec: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    """`atlens query ARGS` as a real process (prefix: a command to run it under, as setpriv;
    preexec: run in the child before atlens starts, as setting a resource limit)."""
    return subprocess.Popen([*(prefix or []), sys.executable, "-m", "tui.cli", "query", *args], cwd=REPO, text=True,
                            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=preexec)


def end_query(proc: subprocess.Popen[str], sig: int, err: OutputLines) -> str:
    """Stop the program with a signal; returns what it wrote on stderr."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"atlens did not exit within {WAIT:.0f} s of signal {sig}: {err.rest()}")
    return err.rest()


@contextmanager
def running_query(*args: str, stdin: int | None = None, prefix: list[str] | None = None, env: dict[str, str] | None = None,
                  preexec: Callable[[], None] | None = None) -> Iterator[tuple[subprocess.Popen[str], OutputLines, OutputLines]]:
    """`atlens query ARGS` running (see start_query), with its output and errors read as lines;
    killed if still running at the end."""
    proc = start_query(*args, stdin=stdin, prefix=prefix, env=env, preexec=preexec)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        yield proc, OutputLines(proc.stdout), OutputLines(proc.stderr)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


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
