"""Following through rotation at speed: events lost and repeated, and CPU beside a baseline.

Run with `python benchmarks/run.py --only faults [--quick]`, or this file on its own
(`python benchmarks/faults.py [--quick]`). Each case starts `atlens query PATH --follow --format
jsonl` on a file (or its directory), then a writer process (benchmarks/rotating_writer.py) that
appends events at a steady rate and rotates its own log between two of its writes, so every
event written is in some file at every moment: whatever is not printed is lost by the follower,
whatever is printed twice is repeated by it. Events are numbered (`requestData.seq`) and counted
from what is printed. After the writer stops, the follower has until its output rests for 2 s to
catch up, then gets SIGINT. Targets: 0 lost, 0 repeated.

Beside atlens, in the same run and against the same writer, the baseline follower: the least a
Python program does to follow one file as `tail -F` does (watchfiles, orjson, a JSON line
printed per event; on truncation it starts again at the top, on a new file at the path it
finishes the old one and opens the new). Its CPU is the yardstick; its own losses show what
`tail -F`-style following gives up.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tui.core import generator  # noqa: E402

ROTATING_WRITER = REPO / "benchmarks" / "rotating_writer.py"
#: Events in the log before following starts; once they are printed, the follower is following.
ALREADY = 100
#: The output resting this long means the follower has printed all it will (atlens polls every
#: second anyway, in case a change notification was missed).
QUIET = 2.0
#: Longest wait for a follower to start, or to come to rest after the writer stopped.
PATIENCE = 60.0
#: Rename rotation: how long the writer goes on writing to the renamed file before it reopens.
REOPEN_AFTER = 0.05

#: The baseline: a Python program following one file as `tail -F` does, doing the least work per
#: event that atlens does too (parse it, print it as a JSON line).
ROTATING_FOLLOWER = """
import os, sys, orjson
from watchfiles import watch
path = sys.argv[1]
out = sys.stdout.buffer
fh = open(path, "rb")
pending = b""

def read():
    global pending
    *lines, pending = (pending + fh.read()).split(b"\\n")  # a line being written waits for its end
    for line in lines:
        try:
            out.write(orjson.dumps(orjson.loads(line)) + b"\\n")
        except orjson.JSONDecodeError:
            pass  # read from the middle of a file truncated and grown again: tail -F prints garbage
    out.flush()

def check():
    global fh, pending
    read()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_ino != os.fstat(fh.fileno()).st_ino:
        # Replaced (renamed away and created again): the old file was read to its end just above;
        # what its writer adds to it from now on is not read (as with tail -F).
        fh.close()
        fh, pending = open(path, "rb"), b""
        read()
    elif st.st_size < fh.tell():
        # Truncated: start again at the top; what was appended since the last read is lost.
        fh.seek(0)
        pending = b""
        read()

check()
for _ in watch(os.path.dirname(os.path.abspath(path)), watch_filter=None, debounce=50, step=25,
               rust_timeout=1000, yield_on_timeout=True):
    check()
"""


@dataclass(frozen=True, slots=True)
class Case:
    """One way of rotating, at one rate, with atlens following the file or its directory."""

    rotate: str  # "copytruncate", "rename" or "none" (the control: appends only)
    target: str  # "file" or "directory"
    rate: int
    every: float
    gzip_after: float | None = None

    @property
    def label(self) -> str:
        """How the table names the rotation."""
        if self.rotate == "none":
            return "none (control: appends only)"
        if self.rotate == "copytruncate":
            text = "copy-truncate"
            if self.gzip_after is not None:
                text += ", gzip of the copy right after" if self.gzip_after == 0 else f", gzip {self.gzip_after:g} s later"
        else:
            text = f"rename + create, reopen {REOPEN_AFTER * 1000:.0f} ms later"
            if self.gzip_after is not None:
                text += f", gzip {self.gzip_after:g} s after reopening"
        return text

    def writer_options(self) -> list[str]:
        """The rotating writer's options for this case."""
        options = ["--rate", str(self.rate), "--rotate", self.rotate, "--every", str(self.every)]
        if self.rotate == "rename":
            options += ["--reopen-after", str(REOPEN_AFTER)]
        if self.gzip_after is not None:
            options += ["--gzip-after", str(self.gzip_after)]
        return options


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one follower printed of one case, and what it cost."""

    written: int
    printed: int
    lost: int
    repeated: int  # lines printed beyond the first of their event
    cpu_percent: float
    lag: float  # seconds from the writer's end to the follower's last line
    writer_seconds: float
    trouble: str  # a traceback or a follower that would not start or rest, else ""


def cases(quick: bool) -> list[Case]:
    """The cases measured: a control, each rotation at each rate every 0.5 s, harder ones every 0.1 s."""
    rates = [2000] if quick else [500, 2000, 5000]
    hard = [2000] if quick else [2000, 5000]
    # The control: without rotation both followers must print everything once, or the harness
    # itself is wrong.
    result: list[Case] = [Case("none", target, rates[-1], 0.5) for target in ("file", "directory")]
    for rotate in ("copytruncate", "rename"):
        for target in ("file", "directory"):
            result += [Case(rotate, target, rate, 0.5) for rate in rates]
            result += [Case(rotate, target, rate, 0.1) for rate in hard]
    # logrotate's `compress`: rotated files become .gz, in the same directory.
    result += [Case("rename", "directory", rate, 0.5, gzip_after=0.2) for rate in rates]
    for target in ("file", "directory"):
        result += [Case("copytruncate", target, rate, 0.5, gzip_after=0.0) for rate in rates]
    return result


def event_lines(first: int, count: int, rate: int, base: datetime) -> bytes:
    """count realistic events numbered from first (requestData.seq), 1/rate s apart from base."""
    parts: list[bytes] = []
    for i, event in enumerate(generator.generate_events(count, seed=first, live=False)):
        seq = first + i
        t = base + timedelta(seconds=seq / rate)
        # Times as the service would stamp them: the first event of each rotated file differs
        # from the others' first events, as atlens's recognition of rotated copies expects.
        event["eventTime"] = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"
        request = event.get("requestData")
        event["requestData"] = {**(request if isinstance(request, dict) else {}), "seq": seq}
        parts.append(orjson.dumps(event) + b"\n")
    return b"".join(parts)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Printed:
    """The sequence numbers a follower prints, read by a thread as they come."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.seqs: list[int] = []
        self.unreadable = 0
        self.last = time.monotonic()  # when the output last grew
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            try:
                self.seqs.append(orjson.loads(line)["requestData"]["seq"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                self.unreadable += 1
            self.last = time.monotonic()

    def wait_count(self, n: int, timeout: float) -> bool:
        """Whether n events were printed within timeout seconds."""
        deadline = time.monotonic() + timeout
        while len(self.seqs) < n:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """Whether the output rested for `quiet` seconds within timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() - self.last < quiet:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def join(self) -> None:
        """Wait for the stream to end (the process exited)."""
        self._thread.join(10)


def run_case(case: Case, events: Path, *, baseline: bool) -> Outcome:
    """Follow one case with atlens (or the baseline follower); count what it printed."""
    with tempfile.TemporaryDirectory(prefix="atlens-faults-") as folder:
        logs = Path(folder) / "logs"
        logs.mkdir()
        log = logs / "a.log"
        log.write_bytes(event_lines(0, ALREADY, case.rate, datetime.now(timezone.utc) - timedelta(seconds=60)))
        if baseline:
            command = [sys.executable, "-c", ROTATING_FOLLOWER, str(log)]
        else:
            target = log if case.target == "file" else logs
            command = [sys.executable, "-m", "tui.cli", "query", str(target), "--follow", "--format", "jsonl"]
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        printed = Printed(proc.stdout)
        errors: list[bytes] = []
        threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True).start()  # type: ignore[union-attr]
        trouble = ""
        writer_seconds = lag = cpu = 0.0
        try:
            if not printed.wait_count(ALREADY, PATIENCE):
                trouble = f"printed {len(printed.seqs)} of the {ALREADY} events already there"
            else:
                time.sleep(0.5)  # settled: starting up is not counted in its CPU
                cpu0, wall0 = cpu_seconds(proc.pid), time.monotonic()
                writer = subprocess.run([sys.executable, str(ROTATING_WRITER), str(log), "--events", str(events),
                                         *case.writer_options()], capture_output=True, text=True, check=True)
                cpu1, wall1 = cpu_seconds(proc.pid), time.monotonic()
                writer_seconds = orjson.loads(writer.stdout)["seconds"]
                cpu = 100 * (cpu1 - cpu0) / (wall1 - wall0)
                if not printed.wait_quiet(QUIET, PATIENCE):
                    trouble = f"still printing {PATIENCE:.0f} s after the writer stopped"
                lag = max(0.0, printed.last - wall1)
        finally:
            proc.send_signal(signal.SIGINT)  # Ctrl-C, as a user ends it
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                trouble = trouble or "did not exit within 10 s of SIGINT"
            printed.join()
    stderr = b"".join(errors).decode(errors="replace")
    if not baseline and "Traceback" in stderr:
        trouble = trouble or "traceback: " + stderr.strip().splitlines()[-1]
    written = ALREADY + sum(1 for _ in open(events, "rb"))
    counts = Counter(printed.seqs)
    return Outcome(written=written, printed=len(printed.seqs), lost=sum(1 for s in range(written) if s not in counts),
                   repeated=sum(n - 1 for n in counts.values() if n > 1), cpu_percent=cpu, lag=lag,
                   writer_seconds=writer_seconds, trouble=trouble)


def bench_faults(quick: bool) -> None:
    """Every case, atlens beside the baseline; prints the table."""
    seconds = 2 if quick else 4
    print(f"\n## Following through rotation at speed ({seconds} s of writing per case, "
          f"`atlens query PATH --follow --format jsonl`)\n", flush=True)
    print("The writer rotates its own log between two of its writes, so every event is always in some file: "
          "lost and repeated are the follower's. Target: 0 lost, 0 repeated. The baseline follows the file as "
          "`tail -F` does (see benchmarks/faults.py); it runs against the same writer, and once for both atlens "
          "targets. CPU is % of a core while the writer writes; caught up: from the writer's end to the last line "
          "printed.\n")
    print("| rotation | atlens follows | rate | rotate every | written | printed | lost | repeated | caught up after "
          "| atlens CPU | baseline CPU | atlens / baseline | baseline lost | baseline repeated |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base_time = datetime.now(timezone.utc)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="atlens-faults-events-") as folder:
        event_files: dict[int, Path] = {}
        baselines: dict[tuple[str, int, float, float | None], Outcome] = {}
        for case in cases(quick):
            if case.rate not in event_files:
                event_files[case.rate] = Path(folder) / f"events-{case.rate}.jsonl"
                event_files[case.rate].write_bytes(event_lines(ALREADY, case.rate * seconds, case.rate, base_time))
            events = event_files[case.rate]
            # The baseline follows the file whatever atlens follows: measured once per writer set-up.
            key = (case.rotate, case.rate, case.every, case.gzip_after)
            if key not in baselines:
                baselines[key] = run_case(case, events, baseline=True)
            base = baselines[key]
            ours = run_case(case, events, baseline=False)
            ratio = f"{ours.cpu_percent / base.cpu_percent:.1f}x" if base.cpu_percent > 0 else "n/a"
            every = f"{case.every:g} s" if case.rotate != "none" else "never"
            print(f"| {case.label} | {case.target} | {case.rate:,}/s | {every} | {ours.written:,} | {ours.printed:,} "
                  f"| {ours.lost:,} | {ours.repeated:,} | {ours.lag:.2f} s | {ours.cpu_percent:.1f} % | {base.cpu_percent:.1f} % "
                  f"| {ratio} | {base.lost:,} | {base.repeated:,} |", flush=True)
            for who, outcome in (("atlens", ours), ("baseline", base)):
                if outcome.trouble:
                    notes.append(f"- {case.label}, {case.target}, {case.rate}/s every {case.every:g} s: {who} {outcome.trouble}")
                # The writer falling behind its schedule would make the rate in the table untrue.
                if outcome.writer_seconds > 1.1 * seconds:
                    notes.append(f"- {case.label}, {case.target}, {case.rate}/s: the writer took {outcome.writer_seconds:.1f} s "
                                 f"for {seconds} s of events ({who} run)")
    for note in dict.fromkeys(notes):
        print(note)


def main() -> int:
    """`python benchmarks/faults.py [--quick]`."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 events/s only, 2 s per case")
    args = parser.parse_args()
    print(f"# atlens fault benchmark ({os.cpu_count()} cores, Python {sys.version.split()[0]})")
    bench_faults(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
