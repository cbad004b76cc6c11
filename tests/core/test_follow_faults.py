"""Following through rotation at speed: `atlens query --follow` prints every event exactly once.

A writer process (benchmarks/rotating_writer.py, the one the fault benchmark drives) appends
events at 1,000 a second and rotates its own log every 0.2 s, between two of its writes, so each
event written is in the current file or a rotated one at every moment. The real program follows
the file, or its directory, and prints JSON lines; each event is numbered (`requestData.seq`),
so what a user would miss or see twice is counted from what it printed. The same cases at other
rates and rotation intervals, with CPU beside a baseline: `python benchmarks/run.py --only faults`.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.core.follow_helpers import REPO, end_query, jsonl_seqs, missing_and_repeated, ranges, running_query

ROTATING_WRITER = REPO / "benchmarks" / "rotating_writer.py"
#: Events in the file before following starts: once they are printed, atlens is following.
ALREADY = 5
#: Events the writer appends, and how fast: three seconds of writing, 15 rotations.
WRITTEN = 3000
RATE = 1000
EVERY = 0.2
#: The output resting this long means atlens has printed all it will: a missed change
#: notification is made up for by its own poll every second.
QUIET = 2.0


def follow_rotating(tmp_path: Path, lines: Callable[..., str], *, target: str, rotate: str,
                    reopen_after: float = 0.0, gzip_after: float | None = None) -> list[int]:
    """Follow logs/a.log (target "file") or logs/ ("directory") while the writer rotates it;
    returns the sequence numbers atlens printed, in the order printed."""
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, ALREADY + 1)))
    events = tmp_path / "events.jsonl"  # outside logs/: not something to follow
    events.write_text(lines(*range(ALREADY + 1, ALREADY + WRITTEN + 1)))
    command = [sys.executable, str(ROTATING_WRITER), str(log), "--events", str(events), "--rate", str(RATE),
               "--rotate", rotate, "--every", str(EVERY), "--reopen-after", str(reopen_after)]
    if gzip_after is not None:
        command += ["--gzip-after", str(gzip_after)]
    with running_query(str(log if target == "file" else logs), "--follow", "--format", "jsonl") as (proc, out, err):
        out.wait_count(ALREADY)
        writer = subprocess.run(command, capture_output=True, text=True, timeout=WRITTEN / RATE + 30)
        assert writer.returncode == 0, f"the writer failed: {writer.stderr}"
        out.wait_quiet(QUIET)
        errors = end_query(proc, signal.SIGINT, err)
        out.rest()
    assert "Traceback" not in errors, errors
    return jsonl_seqs(out.lines)


def assert_each_printed_once(printed: list[int]) -> None:
    """Every event written printed exactly once; the failure lists the lost and the repeated."""
    expected = range(1, ALREADY + WRITTEN + 1)
    missing, repeated = missing_and_repeated(printed, expected)
    extra = len(printed) - (len(expected) - len(missing))
    assert not missing and not repeated, (
        f"of {len(expected)} events, {len(missing)} lost: {ranges(missing)}; "
        f"{len(repeated)} printed more than once ({extra} extra lines): {ranges(repeated)}")


@pytest.mark.parametrize("target", ["file", "directory"])
def test_copy_truncate_at_speed_prints_each_event_once(tmp_path, lines, target):
    # logrotate's `copytruncate`: copy a.log to a.log.N, truncate a.log; the writer keeps its
    # O_APPEND handle and goes on at the start of the emptied file.
    assert_each_printed_once(follow_rotating(tmp_path, lines, target=target, rotate="copytruncate"))


@pytest.mark.parametrize("target", ["file", "directory"])
def test_rename_with_late_reopen_at_speed_prints_each_event_once(tmp_path, lines, target):
    # logrotate's `create`: rename a.log to a.log.N and create a new a.log; the service goes on
    # writing to the renamed file for 50 ms, until it reopens its log.
    assert_each_printed_once(follow_rotating(tmp_path, lines, target=target, rotate="rename", reopen_after=0.05))


def test_rename_then_gzip_later_prints_each_event_once(tmp_path, lines):
    # logrotate's `create` + `compress`: a.log.N, complete once the writer reopened, becomes
    # a.log.N.gz 0.1 s later. Following the directory, the archive holds events already printed
    # from a.log.N: printing them again is a repeat.
    assert_each_printed_once(follow_rotating(tmp_path, lines, target="directory", rotate="rename",
                                             reopen_after=0.05, gzip_after=0.1))


@pytest.mark.parametrize("target", ["file", "directory"])
def test_copy_truncate_then_gzip_of_the_copy_prints_each_event_once(tmp_path, lines, target):
    # logrotate's `copytruncate` + `compress`: gzip starts on a.log.N right after the truncation,
    # while the writer goes on. Events appended just before the copy may be only in a.log.N,
    # which soon exists only as a.log.N.gz.
    assert_each_printed_once(follow_rotating(tmp_path, lines, target=target, rotate="copytruncate", gzip_after=0.0))
