"""A service writing its audit log at a steady rate and rotating it itself, as logrotate would.

Used by the fault benchmark (benchmarks/faults.py) and the fault tests
(tests/core/test_follow_faults.py), and runnable by hand to reproduce a case:

    python benchmarks/rotating_writer.py logs/a.log --events events.jsonl --rate 2000 \\
        --rotate copytruncate --every 0.1 --gzip-after 0

It writes the lines of --events (one event per line), evenly spaced at --rate a second, each
batch of due lines in one write(2) through an O_APPEND handle, as loggers do. Every --every
seconds it rotates the log between two of its own writes, so that every event written is, at
every moment, in the current file or in a rotated one: an event a follower misses or repeats is
the follower's doing. (A copy-truncate done by another process, as logrotate does it, loses the
events written between the copy and the truncation; that loss would be logrotate's.)

Rotated files get a new name each time, LOG.1, LOG.2, ... (as with logrotate's `dateext`), so
no rotated file is ever renamed again. When it is done it prints one JSON line: how many events
it wrote, how many rotations, and how long writing took.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: Compresses like `gzip FILE` (FILE.gz written, then FILE removed) where gzip is not installed.
GZIP_FALLBACK = """
import gzip, os, shutil, sys
with open(sys.argv[1], "rb") as src, gzip.open(sys.argv[1] + ".gz", "wb") as dst:
    shutil.copyfileobj(src, dst)
os.unlink(sys.argv[1])
"""

#: Longest sleep between two looks at the clock: small against the gaps between events at the
#: rates measured, so writes stay evenly spaced.
TICK = 0.002


@dataclass
class Pending:
    """A rotated file waiting to be compressed, and when to start."""

    path: str
    at: float


def gzip_command(path: str) -> list[str]:
    """The command that compresses path as logrotate's `compress` does (FILE.gz, FILE removed)."""
    if shutil.which("gzip"):
        return ["gzip", path]
    return [sys.executable, "-c", GZIP_FALLBACK, path]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options; the timings are checked against each other."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", help="the log file written (created if missing)")
    parser.add_argument("--events", required=True, help="file of JSON lines to write, in order")
    parser.add_argument("--rate", type=float, required=True, help="events a second, evenly spaced")
    parser.add_argument("--rotate", choices=("none", "copytruncate", "rename"), default="none",
                        help="copytruncate: copy LOG to LOG.n, truncate LOG; rename: rename LOG to LOG.n, create LOG")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between rotations")
    parser.add_argument("--reopen-after", type=float, default=0.0,
                        help="rename: seconds the writer goes on writing to the renamed file before it reopens LOG "
                             "(a service reopens its log when logrotate's postrotate signals it)")
    parser.add_argument("--gzip-after", type=float, default=None,
                        help="compress each rotated file (gzip, FILE.gz replaces FILE) this many seconds after it is "
                             "complete: after the truncation (copytruncate) or after the writer reopened (rename)")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.every <= 0:
        parser.error("--rate and --every must be positive")
    if args.rotate == "rename" and args.reopen_after >= args.every:
        # The writer would still be on the file renamed away when the next rotation comes.
        parser.error("--reopen-after must be shorter than --every")
    return args


class RotatingWriter:
    """Writes the lines on schedule and rotates between writes."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.log = args.log
        self.lines = Path(args.events).read_bytes().splitlines(keepends=True)
        self.handle: BinaryIO = open(self.log, "ab", buffering=0)
        #: rename: the handle still on the renamed file, until the writer reopens LOG
        self.old: BinaryIO | None = None
        self.old_path = ""
        self.reopen_at = 0.0
        self.rotations = 0
        self.pending: list[Pending] = []
        self.compressing: list[subprocess.Popen[bytes]] = []

    def run(self) -> dict[str, float]:
        """Write every line; returns what was done (printed as JSON by main)."""
        rate, every = self.args.rate, self.args.every
        total = len(self.lines)
        start = time.monotonic()
        next_rotation = start + every if self.args.rotate != "none" else float("inf")
        written = 0
        while written < total:
            now = time.monotonic()
            # Event i is due (i + 1) / rate seconds after the start.
            due = min(total, int((now - start) * rate))
            if due > written:
                (self.old or self.handle).write(b"".join(self.lines[written:due]))
                written = due
            if written == total:
                break  # no rotation after the last event: the log ends in the current file
            # Rotations, reopening and compressing, each between two writes.
            if now >= next_rotation:
                self.rotate(now)
                next_rotation += every
            if self.old is not None and now >= self.reopen_at:
                self.reopen(now)
            self.start_compressing(now)
            wake = min([start + (written + 1) / rate, next_rotation, *(p.at for p in self.pending),
                        *([self.reopen_at] if self.old is not None else [])])
            time.sleep(min(TICK, max(0.0, wake - time.monotonic())))
        elapsed = time.monotonic() - start
        # Whatever was scheduled still happens, so the files end as they would in service.
        if self.old is not None:
            self.reopen(time.monotonic())
        while self.pending:
            time.sleep(max(0.0, min(p.at for p in self.pending) - time.monotonic()))
            self.start_compressing(time.monotonic())
        for proc in self.compressing:
            if proc.wait() != 0:
                raise SystemExit(f"compressing failed: {proc.args}")
        self.handle.close()
        return {"written": written, "rotations": self.rotations, "seconds": elapsed}

    def rotate(self, now: float) -> None:
        """One rotation, done between two writes."""
        self.rotations += 1
        rotated = f"{self.log}.{self.rotations}"
        if self.args.rotate == "copytruncate":
            shutil.copyfile(self.log, rotated)
            os.truncate(self.log, 0)  # the O_APPEND handle writes at the new end, 0
            self.compress_later(rotated, now)
            return
        # logrotate's `create`: rename, then create the new, empty log at once; the service
        # goes on writing to the renamed file until it reopens its log.
        os.rename(self.log, rotated)
        open(self.log, "ab").close()
        self.old, self.old_path = self.handle, rotated
        self.reopen_at = now + self.args.reopen_after
        if self.args.reopen_after <= 0:
            self.reopen(now)

    def reopen(self, now: float) -> None:
        """The service reopens its log: the renamed file is complete from now on."""
        assert self.old is not None
        self.old.close()
        self.old = None
        self.handle = open(self.log, "ab", buffering=0)
        self.compress_later(self.old_path, now)

    def compress_later(self, path: str, now: float) -> None:
        """Schedule compressing a complete rotated file, when compression is asked for."""
        if self.args.gzip_after is not None:
            self.pending.append(Pending(path, now + self.args.gzip_after))

    def start_compressing(self, now: float) -> None:
        """Start gzip for the rotated files whose time has come; it runs beside the writes, as
        logrotate's does beside the service."""
        for item in [p for p in self.pending if p.at <= now]:
            self.pending.remove(item)
            self.compressing.append(subprocess.Popen(gzip_command(item.path)))


def main(argv: list[str] | None = None) -> int:
    """Run the writer; print its report as one JSON line."""
    report = RotatingWriter(parse_args(argv)).run()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
