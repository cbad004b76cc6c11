"""atlens benchmarks: indexing, first screen, following latency and CPU, page rendering.

Run with `make bench` (or `python benchmarks/run.py [--quick]`). Every figure is printed beside
its baselines measured in the same run: a plain Python loop that splits the lines, a loop that
orjson-parses every line, and jq and lnav where they are installed. Latencies are measured
from outside, as a user sees them: the real program runs in tmux and the screen is polled with
`capture-pane`. CPU comes from the process's own accounting (/proc/PID/stat). `--only faults`
(benchmarks/faults.py) follows a log rotated at speed and counts the events lost and repeated.
`--only archive` reads `--since 1h` from 30 days of hourly Event Routing objects, pruned by their
names and, beside it, every file read. `--only views` times the frequency view (F) and the related
events (R) beside the table's own queries. `--only s3` (benchmarks/s3bench.py) serves archives from a
local S3 server: the first screen of 1M events in objects, and `--since 1h` over 30 days of
hourly objects listed through the layouts against every object fetched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "benchmarks" / ".data"
sys.path.insert(0, str(REPO))

from tui.core import generator  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
import faults  # noqa: E402  (following through rotation: lost, repeated, CPU)
import s3bench  # noqa: E402  (s3:// buckets in a local S3 server)


# ----------------------------------------------------------------------------- data


def data_file(count: int) -> Path:
    """A generated log of count events, made once and kept in benchmarks/.data."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"events-{count}.jsonl"
    if not path.exists() or path.stat().st_size == 0:
        print(f"  generating {count:,} events into {path} …", flush=True)
        tmp = path.with_suffix(".tmp")
        generator.write_file(tmp, count, seed=1)
        tmp.rename(path)
    return path


def warm(path: Path) -> None:
    """Read the file once so that every contender starts with it in the page cache."""
    with open(path, "rb") as fh:
        while fh.read(16 << 20):
            pass


# ----------------------------------------------------------------------------- indexing


SPLIT_LOOP = """
import sys, time, resource
t = time.perf_counter(); n = 0; rest = b""
with open(sys.argv[1], "rb") as fh:
    while block := fh.read(8 << 20):
        lines = (rest + block).split(b"\\n"); rest = lines.pop(); n += len(lines)
print(time.perf_counter() - t, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0)
"""

ORJSON_LOOP = """
import sys, time, resource, orjson
t = time.perf_counter(); n = 0; rest = b""; loads = orjson.loads
with open(sys.argv[1], "rb") as fh:
    while block := fh.read(8 << 20):
        lines = (rest + block).split(b"\\n"); rest = lines.pop()
        for line in lines:
            loads(line); n += 1
print(time.perf_counter() - t, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0)
"""

ATLENS_INDEX = """
import sys, time, resource
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
t = time.perf_counter()
store = Store()
reader = Reader(store, resolve_inputs([sys.argv[1]]))
reader.load(follow=False)
elapsed = time.perf_counter() - t
assert len(store) == len(store.order)
print(elapsed, len(store), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
reader.close()
"""


def run_python(script: str, *args: str) -> tuple[float, int, int, int]:
    """Run a measuring script in a fresh interpreter: (seconds, lines, peak KB, children's peak KB)."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True).stdout
    seconds, n, rss, child = out.split()
    return float(seconds), int(n), int(rss), int(child)


def time_command(shell: str) -> float | None:
    """Wall time of a shell command, or None when it fails."""
    t = time.perf_counter()
    result = subprocess.run(shell, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    return elapsed if result.returncode == 0 else None


def bench_index(path: Path) -> None:
    warm(path)
    size_mb = path.stat().st_size / 1e6
    split = run_python(SPLIT_LOOP, str(path))
    loop = run_python(ORJSON_LOOP, str(path))
    ours = run_python(ATLENS_INDEX, str(path), str(REPO))
    print(f"\n## Index {ours[1]:,} events ({size_mb:,.0f} MB, in the page cache)\n")
    print("| contender | seconds | events/s | vs orjson loop | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    rows = [("split lines (Python)", split), ("orjson every line (Python)", loop), ("atlens index (2 worker processes)", ours)]
    for name, (sec, n, rss, child) in rows:
        mem = f"{rss / 1024:,.0f} MB" + (f" (+ workers {child / 1024:,.0f} MB each)" if child else "")
        print(f"| {name} | {sec:.2f} | {n / sec:,.0f} | {sec / loop[0]:.2f}x | {mem} |")
    if shutil.which("jq"):
        jq = time_command(f"jq -c '[.eventTime,.action,.outcome]' {shlex.quote(str(path))} > /dev/null")
        if jq:
            print(f"| jq (every line, 3 fields) | {jq:.2f} | {ours[1] / jq:,.0f} | {jq / loop[0]:.2f}x | |")
    if shutil.which("lnav"):
        ln = time_command(f"lnav -n -q {shlex.quote(str(path))} > /dev/null")
        if ln:
            print(f"| lnav -n (load and index) | {ln:.2f} | {ours[1] / ln:,.0f} | {ln / loop[0]:.2f}x | |")


# ----------------------------------------------------------------------------- Cloud Logs archives (Parquet)


#: Rows of other applications mixed into the archive, one per this many audit events.
OTHER_EVERY = 20


def archive_dir(path: Path) -> Path:
    """The events of a generated log as an IBM Cloud Logs archive (made once, kept beside it):
    cx/parquet/v1/team_id=<TEAM>/dt=/hr= by event time, two files an hour, labels and metadata as
    Cloud Logs writes them, a row of another application every OTHER_EVERY events, and a _manifest."""
    root = path.with_suffix(".archive")
    done = root / ".complete"
    if done.exists():
        return root
    import orjson
    import pyarrow as pa
    import pyarrow.parquet as pq

    print(f"  writing {path.name} as a Cloud Logs archive into {root} …", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    base = root / "cx" / "parquet" / "v1" / "team_id=0a1b2c3d"
    (base / "_manifest").mkdir(parents=True)
    (base / "_manifest" / "manifest.json").write_text('{"version": 1}\n')
    rows: dict[str, list[list[str]]] = {}
    written: list[Path] = []
    n = 0

    def flush(hour: str, final: bool) -> None:
        cols = rows.pop(hour) if final else rows[hour]
        if not cols[0]:
            return
        folder = base / f"dt={hour[:10]}" / f"hr={hour[11:13]}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table({"src_obj__event_metadata": pa.array(cols[0], pa.string()),
                          "src_obj__event_labels": pa.array(cols[1], pa.string()),
                          "src_obj__user_data": pa.array(cols[2], pa.string())})
        written.append(folder / f"{uuid.UUID(int=len(written))}.parquet")
        pq.write_table(table, written[-1], row_group_size=16384, compression="zstd")
        if not final:
            rows[hour] = [[], [], []]

    with open(path, "rb") as fh:
        for line in fh:
            n += 1
            event = orjson.loads(line)
            hour = event["eventTime"][:13]
            cols = rows.setdefault(hour, [[], [], []])
            service = event["action"].split(".")[0]
            labels = orjson.dumps({"applicationname": "ibm-audit-event", "subsystemname": f"{service}:",
                                   "computername": "", "ipaddress": "", "threadid": ""}).decode()
            metadata = orjson.dumps({"timestamp": event["eventTime"], "severity": "Info", "priorityclass": "medium",
                                     "logid": str(uuid.UUID(int=n))}).decode()
            cols[0].append(metadata)
            cols[1].append(labels)
            cols[2].append(line.rstrip(b"\n").decode())
            if n % OTHER_EVERY == 0:
                cols[0].append(metadata)
                cols[1].append('{"applicationname":"k8s-app","subsystemname":"ingress"}')
                cols[2].append('{"log":"GET /healthz 200"}')
            if len(cols[0]) >= 30_000:  # two files or more an hour, as Cloud Logs writes them
                flush(hour, False)
    for hour in list(rows):
        flush(hour, True)
    done.touch()
    return root


#: ATLENS_INDEX that also prints the CPU seconds of atlens and its workers (user + system): on a
#: machine shared with other work, wall times vary from run to run and CPU time much less.
ATLENS_INDEX_CPU = ATLENS_INDEX.replace(
    "reader.close()\n",
    "self_, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime)\n"
    "reader.close()\n")


def bench_parquet(path: Path, runs: int = 3) -> None:
    """Index the same events from a Cloud Logs archive and from JSON lines, in the same run,
    alternately, `runs` times each: the medians are printed."""
    archive = archive_dir(path)
    warm(path)
    for file in archive.rglob("*.parquet"):
        warm(file)
    results: dict[str, list[tuple[float, int, int, int, float]]] = {"JSON lines": [], "Parquet archive": []}
    for _ in range(runs):
        for name, target in (("JSON lines", path), ("Parquet archive", archive)):
            out = subprocess.run([sys.executable, "-c", ATLENS_INDEX_CPU, str(target), str(REPO)],
                                 capture_output=True, text=True, check=True).stdout.split()
            results[name].append((float(out[0]), int(out[1]), int(out[2]), int(out[3]), float(out[4])))
    size = sum(f.stat().st_size for f in archive.rglob("*.parquet")) / 1e6
    files = sum(1 for _ in archive.rglob("*.parquet"))
    print(f"\n## Index 1,000,000 events from a Cloud Logs archive ({files} Parquet files, {size:,.0f} MB, zstd, "
          f"1 row of another application per {OTHER_EVERY} events) beside the same events as JSON lines "
          f"({path.stat().st_size / 1e6:,.0f} MB); medians of {runs} alternate runs\n")
    print("| input | seconds (runs) | CPU seconds, workers included | vs JSON lines (time, CPU) | peak RSS | vs JSON lines | targets met |")
    print("|---|---:|---:|---:|---:|---:|---|")
    base = {k: statistics.median(r[i] for r in results["JSON lines"]) for i, k in enumerate(("sec", "n", "rss", "child", "cpu"))}
    for name, rows in results.items():
        sec, n, rss, child, cpu = (statistics.median(r[i] for r in rows) for i in range(5))
        mem = f"{rss / 1024:,.0f} MB" + (f" (+ workers {child / 1024:,.0f} MB each)" if child else "")
        ratio, cpu_ratio, mem_ratio = sec / base["sec"], cpu / base["cpu"], rss / base["rss"]
        met = "" if name == "JSON lines" else ("yes" if ratio <= 1.25 and mem_ratio <= 1.2 else "NO") + " (≤ 1.25x time, ≤ 1.2x RSS)"
        each = ", ".join(f"{r[0]:.1f}" for r in rows)
        print(f"| {name} ({int(n):,} events) | {sec:.2f} ({each}) | {cpu:.1f} | {ratio:.2f}x, {cpu_ratio:.2f}x | {mem} | {mem_ratio:.2f}x | {met} |")


# ----------------------------------------------------------------------------- the real program in tmux


class Tmux:
    """atlens running in a private tmux server, its screen read by capture-pane."""

    def __init__(self, args: list[str], width: int = 160, height: int = 50, program: list[str] | None = None) -> None:
        self.socket = f"atlens-bench-{uuid.uuid4().hex[:8]}"
        command = "exec env -u COLUMNS -u LINES TERM=xterm-256color " + " ".join(
            shlex.quote(a) for a in [*(program or [sys.executable, "-m", "tui.cli"]), *args])
        self.started = time.monotonic()
        self._run("new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height), "-c", str(REPO), command)
        self.pid = int(self._run("display-message", "-p", "-t", "b", "#{pane_pid}").strip())

    def _run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", "b")

    def keys(self, *keys: str) -> None:
        self._run("send-keys", "-t", "b", *keys)

    def cpu_seconds(self) -> float:
        """User + system CPU time the atlens process has used so far."""
        with open(f"/proc/{self.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def thread_cpu(self) -> dict[str, float]:
        """CPU seconds per thread of the atlens process (main, reader, watchfiles...)."""
        result: dict[str, float] = {}
        for stat in Path(f"/proc/{self.pid}/task").glob("*/stat"):
            text = stat.read_text()
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            key = "main" if stat.parent.name == str(self.pid) else f"{name}:{stat.parent.name}"
            result[key] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return result

    def wait(self, predicate, timeout: float = 60.0) -> float | None:
        """Seconds since start when predicate(screen) first held, polling as fast as tmux answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.screen()):
                return time.monotonic() - self.started
        return None

    def close(self) -> None:
        self._run("kill-server")


#: A table row: its time, in full or month-day when the table is narrow (beside the panes).
ROW = re.compile(r"(?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d")


def bench_first_screen(path: Path) -> None:
    warm(path)
    count = path.stat().st_size
    app_count = re.compile(r"│ [\d,]+ events")
    term = Tmux([str(path)])
    first = term.wait(lambda s: ROW.search(s) is not None, 30)
    # The app's own status line counts events ("│ 412 events"); the preview drawn before
    # Textual is imported says "reading…" instead (and the file's name may hold "events").
    app_first = term.wait(lambda s: app_count.search(s) is not None and ROW.search(s) is not None, 30)
    done = term.wait(lambda s: app_count.search(s) is not None and "indexing" not in s and ROW.search(s) is not None, 120)
    term.close()
    print(f"\n## First screen of a {count / 1e9:.2f} GB file, real atlens in tmux (process start to rows on screen)\n")
    print(f"- first rows on screen: {first:.2f} s" if first is not None else "- first rows never appeared")
    print(f"- first rows drawn by the Textual app: {app_first:.2f} s" if app_first is not None else "- the app never drew rows")
    print(f"- everything indexed (progress indicator gone): {done:.2f} s" if done is not None else "- indexing did not finish in 120 s")
    startup = _python_startup()
    print(f"- of which starting Python and importing Textual: {startup:.2f} s (measured alone)")


def _python_startup() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app, tui.app"], cwd=REPO, check=True)
    return time.perf_counter() - t


WRITER = """
import bisect, random, sys, time, orjson
sys.path.insert(0, sys.argv[5])
from tui.core import generator
path, rate, seconds, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
total = int(rate * seconds)
lines = []
# Live times: the new events belong after the ones already in the file, at the bottom.
for seq, event in enumerate(generator.generate_events(total, seed=3, live=True)):
    # The initiator column is shown at every width (the target is not, beside the panes).
    event["initiator"]["name"] = f"seq-{seq:07d}"
    lines.append(orjson.dumps(event) + b"\\n")
# Events come at random moments, rate a second on average (a Poisson process, seeded), as
# events of many people and services do; or evenly spaced, each on its own (the worst case
# for the work per event, and one that falls in step with the follower's polling).
if sys.argv[6] == "even":
    due_at = [(i + 1) / rate for i in range(total)]
else:
    rng = random.Random(7)
    due_at, t = [], 0.0
    for _ in range(total):
        t += rng.expovariate(rate)
        due_at.append(t)
times = []
with open(path, "ab", buffering=0) as fh:
    start = time.monotonic(); written = 0
    while written < total:
        due = bisect.bisect_right(due_at, time.monotonic() - start)
        if due > written:
            fh.write(b"".join(lines[written:due]))
            now = time.monotonic()
            times.extend([now] * (due - written))
            written = due
        if written < total:
            time.sleep(max(0.0, min(0.005, start + due_at[written] - time.monotonic())))
open(out, "w").write(orjson.dumps(times).decode())
"""

SEQ = re.compile(r"seq-(\d{7})")


#: The baseline follower: the least a Python program following the file with watchfiles (polling
#: as often as atlens) does, parsing each appended event and printing a line of it.
FOLLOWER = """
import os, sys, orjson
from watchfiles import watch
path = sys.argv[1]
count, pending = 0, b""
with open(path, "rb") as fh:
    def read():
        global count, pending
        *lines, pending = (pending + fh.read()).split(b"\\n")  # a line being written waits for its end
        for line in lines:
            event = orjson.loads(line)
            count += 1
            print(event["eventTime"], event["action"], event["initiator"].get("name", ""), flush=True)
    read()
    print(f"{count} events", flush=True)
    for _ in watch(os.path.dirname(os.path.abspath(path)), watch_filter=None, debounce=50, step=25):
        read()
"""


def bench_follow(rate: float, seconds: float, size: tuple[int, int] = (160, 50), *,
                 baseline: bool = False, arrivals: str = "random") -> dict[str, float]:
    """Follow a file another process appends to at rate; staleness of the newest row on screen.
    baseline: run the baseline follower (FOLLOWER) instead of atlens. arrivals: "random" (a
    Poisson process) or "even" (evenly spaced), see WRITER."""
    with tempfile.TemporaryDirectory(prefix="atlens-bench-") as folder:
        log = Path(folder) / "live.log"
        generator.write_file(log, 200, seed=9)
        times_file = Path(folder) / "times.json"
        term = Tmux([str(log)], *size, program=[sys.executable, "-c", FOLLOWER] if baseline else None)
        term.wait(lambda s: "200 events" in s, 30)
        time.sleep(1.0)
        cpu0, wall0 = term.cpu_seconds(), time.monotonic()
        threads0 = term.thread_cpu()
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log), str(rate), str(seconds), str(times_file), str(REPO), arrivals])
        polls: list[tuple[float, int]] = []
        while writer.poll() is None:
            screen = term.screen()
            now = time.monotonic()
            seen = [int(m) for m in SEQ.findall(screen)]
            if seen:
                polls.append((now, max(seen)))
        cpu1, wall1 = term.cpu_seconds(), time.monotonic()
        threads1 = term.thread_cpu()
        total = int(rate * seconds)
        caught_up = term.wait(lambda s: f"seq-{total - 1:07d}" in s, 30)
        # Responsiveness under load: a key press to the screen showing its effect.
        term.keys("Up")
        key_start = time.monotonic()
        paused = None
        while time.monotonic() - key_start < 10 and not baseline:
            if "paused" in term.screen():
                paused = time.monotonic() - key_start
                break
        term.close()
        writes = json.loads(times_file.read_text())
    first_seen: dict[int, float] = {}
    for t, seq in polls:
        first_seen.setdefault(seq, t)
    staleness = sorted(t - writes[seq] for t, seq in polls if seq < len(writes))
    per_event = sorted(first_seen[s] - writes[s] for s in first_seen if s < len(writes))
    cpu = 100 * (cpu1 - cpu0) / (wall1 - wall0)
    return {
        "program": "baseline follower" if baseline else "atlens",
        "rate": rate,
        "arrivals": arrivals,
        "size": f"{size[0]}x{size[1]}",
        "polls": len(polls),
        "staleness_median_ms": 1000 * statistics.median(staleness) if staleness else float("nan"),
        "staleness_p99_ms": 1000 * staleness[int(0.99 * (len(staleness) - 1))] if staleness else float("nan"),
        "event_latency_median_ms": 1000 * statistics.median(per_event) if per_event else float("nan"),
        "cpu_percent": cpu,
        "caught_up": caught_up is not None,
        "key_to_screen_ms": 1000 * paused if paused is not None else float("nan"),
        "threads": {name: 100 * (threads1[name] - threads0.get(name, 0.0)) / (wall1 - wall0)
                    for name in threads1 if threads1[name] - threads0.get(name, 0.0) > 0},
    }


def print_follow(results: list[dict[str, float]]) -> None:
    print("\n## Following a file another process appends to (real atlens in tmux, screen polled with capture-pane)\n")
    print("The baseline follower (FOLLOWER) is the least a Python program following the file with watchfiles "
          "does: it parses each event and prints a line of it. Events come at random moments (a Poisson process "
          "with the rate as its mean), or evenly spaced: each on its own, the most work per event.\n")
    print("| program | rate | arrivals | terminal | screen polls | newest row age, median | p99 | each event on screen, median | CPU (% of a core) | kept up | key to screen under load |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---|---:|")
    for r in results:
        print(f"| {r['program']} | {r['rate']:,.0f}/s | {r['arrivals']} | {r['size']} | {r['polls']:,} | {r['staleness_median_ms']:.0f} ms | {r['staleness_p99_ms']:.0f} ms "
              f"| {r['event_latency_median_ms']:.0f} ms | {r['cpu_percent']:.1f} % | {'yes' if r['caught_up'] else 'NO'} "
              f"| {r['key_to_screen_ms']:.0f} ms |")
    baselines = {(r["rate"], r["arrivals"], r["size"]): r["cpu_percent"] for r in results if r["program"] != "atlens"}
    ratios = [f"{r['rate']:,.0f}/s {r['arrivals']} {r['size']}: {r['cpu_percent'] / baselines[key]:.1f}x"
              for r in results if r["program"] == "atlens" and baselines.get(key := (r["rate"], r["arrivals"], r["size"]))]
    print("\natlens CPU over the baseline follower's, same rate, arrivals and terminal (target: under 4x): " + "; ".join(ratios))
    print("\nCPU per thread (% of a core): " + "; ".join(
        f"{r['program']} {r['rate']:,.0f}/s {r['arrivals']} {r['size']}: " + ", ".join(f"{name} {pct:.1f}" for name, pct in sorted(r["threads"].items()))
        for r in results))


def bench_idle(size: tuple[int, int] = (160, 50)) -> float:
    """CPU used by atlens following a quiet file for 10 seconds."""
    with tempfile.TemporaryDirectory(prefix="atlens-bench-") as folder:
        log = Path(folder) / "quiet.log"
        generator.write_file(log, 100, seed=4)
        term = Tmux([str(log)], *size)
        term.wait(lambda s: "100 events" in s, 30)
        time.sleep(1.0)
        cpu0, wall0 = term.cpu_seconds(), time.monotonic()
        time.sleep(10)
        cpu1, wall1 = term.cpu_seconds(), time.monotonic()
        term.close()
    return 100 * (cpu1 - cpu0) / (wall1 - wall0)


# ----------------------------------------------------------------------------- interactions


def _changed_after(term: Tmux, keys: list[str], predicate=None, timeout: float = 10.0) -> float | None:
    """Milliseconds from sending keys to a screen that differs (and satisfies predicate)."""
    before = term.screen()
    t = time.monotonic()
    term.keys(*keys)
    while time.monotonic() - t < timeout:
        screen = term.screen()
        if screen != before and (predicate is None or predicate(screen)):
            return 1000 * (time.monotonic() - t)
    return None


def bench_interactions(path: Path) -> None:
    """Key to screen at 1M events: moving the cursor, a new query on indexed fields, opening an event."""
    warm(path)
    results: dict[str, list[float]] = {"cursor": [], "page": [], "query": [], "open": []}
    term = Tmux([str(path)], 80, 24)
    try:
        if term.wait(lambda s: re.search(r"│ [\d,]+ events", s) is not None and "indexing" not in s, 300) is None:
            print("\n## Interactions: indexing did not finish")
            return
        time.sleep(1.0)
        for _ in range(15):
            for key, name in (("Up", "cursor"), ("PageUp", "page")):
                ms = _changed_after(term, [key])
                if ms is not None:
                    results[name].append(ms)
                time.sleep(0.1)
        # Queries on indexed fields, each different from the last, applied with Enter.
        queries = ["action:iam-identity.* outcome:failure", "severity:critical", "outcome:failure -severity:normal",
                   "action:cloudantnosqldb.*", "initiator:*example.org outcome:success", "code:[400 TO 499]"]
        for query in queries:
            # Each key on its own: sent together, the clearing Ctrl+U and the text arrive in one
            # read and the text is lost.
            term.keys("/")
            time.sleep(0.3)
            term.keys("C-u")
            time.sleep(0.2)
            term.keys(query)
            time.sleep(0.3)
            text = query.split()[0]
            ms = _changed_after(term, ["Enter"], lambda s, text=text: f"filter: {text}" in s and " of " in s, 30)
            if ms is not None:
                results["query"].append(ms)
            time.sleep(0.5)
        # Opening the event under the cursor (80x24: full-screen detail), then back.
        for _ in range(10):
            term.keys("Up")
            time.sleep(0.2)
            ms = _changed_after(term, ["Enter"], lambda s: "Raw JSON" in s)
            if ms is not None:
                results["open"].append(ms)
            term.keys("Escape")
            time.sleep(0.4)
    finally:
        term.close()
    print(f"\n## Interactions at {path.stat().st_size / 1e9:.2f} GB indexed (real atlens in tmux, 80x24, key sent to screen changed)\n")
    print("| interaction | median | worst | samples | target |")
    print("|---|---:|---:|---:|---|")
    for name, label, target in (("cursor", "cursor up one row", "< 50 ms"), ("page", "page up", "< 50 ms"),
                                ("query", "new query on indexed fields: matching rows shown", "< 300 ms"),
                                ("open", "open the event under the cursor", "< 50 ms")):
        values = results[name]
        if values:
            print(f"| {label} | {statistics.median(values):.0f} ms | {max(values):.0f} ms | {len(values)} | {target} |")
        else:
            print(f"| {label} | no sample | | 0 | {target} |")
    print()
    for name, values in results.items():  # in order: a slow first one is a cold start, a slow later one is not
        print(f"- {name}, in order (ms): {' '.join(f'{v:.0f}' for v in values)}")


# ----------------------------------------------------------------------------- rendering

RENDER = """
import asyncio, sys, time, random, statistics
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.app import AtlensApp
store = Store(); reader = Reader(store, resolve_inputs([sys.argv[1]])); reader.load(follow=False)
async def main():
    app = AtlensApp([], store=store)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = app.grid
        grid.sync(); await pilot.pause()
        rng = random.Random(1); samples = []
        for _ in range(50):
            grid.following = False
            grid.scroll_to(y=rng.randrange(0, grid.count - 50), animate=False, immediate=True, force=True)
            grid._strips.clear(); store._events_cache.clear()
            t = time.perf_counter()
            for y in range(grid.size.height):
                grid.render_line(y)
            samples.append(time.perf_counter() - t)
        print(statistics.median(samples) * 1000, max(samples) * 1000, grid.size.height, grid.count)
asyncio.run(main())
"""


def bench_render(path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", RENDER, str(path), str(REPO)], capture_output=True, text=True, check=True).stdout
    median, worst, rows, count = out.split()
    print(f"\n## Rendering one page of the table at {int(count):,} events (cold caches, random positions)\n")
    print(f"- {rows} rows: median {float(median):.1f} ms, worst {float(worst):.1f} ms")


# ----------------------------------------------------------------------------- the timeline strip

STRIP = """
import asyncio, sys, time, random, statistics
from array import array
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.core.timeline import ViewTimeline, histogram
from tui.app import AtlensApp
from tui.widgets.timeline_strip import ViewSpan
store = Store(); reader = Reader(store, resolve_inputs([sys.argv[1]])); reader.load(follow=False)
def ms(samples):
    return f"{statistics.median(samples) * 1000:.1f} {max(samples) * 1000:.1f}"
async def main():
    app = AtlensApp([], store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        grid, strip = app.grid, app.strip
        grid.sync(); await pilot.pause()
        await pilot.press("H"); await pilot.pause()
        order, version, lo, hi = grid.span
        span = ViewSpan(order, version, lo, hi, None, None)
        fresh = ViewTimeline(store)
        t = time.perf_counter(); fresh.update(order, version); cold = time.perf_counter() - t
        t = time.perf_counter(); histogram(store, order, strip.interval(span)); whole = time.perf_counter() - t
        # The strip for the whole view: counted (the view's rows classed already) and drawn.
        draw = []
        for _ in range(30):
            t = time.perf_counter()
            strip.histogram = strip.plan(span)[1]; strip._lines = None
            for y in range(strip.size.height):
                strip.render_line(y)
            draw.append(time.perf_counter() - t)
        # Events arriving: 100 rows appended to the view, classed alone (the others are not read again).
        grow = []
        part = array("I", order[:len(order) - 1000])
        strip.timeline.update(part, "grow")
        for k in range(10):
            part.extend(order[len(part):len(part) + 100])
            t = time.perf_counter()
            strip.timeline.update(part, "grow"); strip.timeline.histogram(strip.interval(span), 0, len(part))
            grow.append(time.perf_counter() - t)
        strip.timeline.update(order, version)
        # The table's own figure in the same run: one page drawn from cold caches.
        rng = random.Random(1); page = []
        for _ in range(30):
            grid.following = False
            grid.scroll_to(y=rng.randrange(0, grid.count - 50), animate=False, immediate=True, force=True)
            grid._strips.clear(); store._events_cache.clear()
            t = time.perf_counter()
            for y in range(grid.size.height):
                grid.render_line(y)
            page.append(time.perf_counter() - t)
        print(f"{cold * 1000:.1f}|{whole * 1000:.1f}|{ms(draw)}|{ms(grow)}|{ms(page)}|{grid.count}")
asyncio.run(main())
"""


def bench_strip(path: Path) -> None:
    """The timeline strip at 1M events: drawing it for the whole view, growing it, and the keys
    that set the time range (z, Z, b, B) from key to screen, beside the table's own figures."""
    warm(path)
    out = subprocess.run([sys.executable, "-c", STRIP, str(path), str(REPO)], capture_output=True, text=True, check=True).stdout
    cold, whole, draw, grow, page, count = out.strip().splitlines()[-1].split("|")
    print(f"\n## The timeline strip at {int(count):,} events (80x24, in process)\n")
    print("| what | median | worst | target |")
    print("|---|---:|---:|---|")
    print(f"| the strip for the whole view: counted and drawn (rows classed) | {draw.split()[0]} ms | {draw.split()[1]} ms | < 20 ms |")
    print(f"| 100 events arrive: classed and counted again | {grow.split()[0]} ms | {grow.split()[1]} ms | |")
    print(f"| the table's own: one page drawn, cold caches | {page.split()[0]} ms | {page.split()[1]} ms | |")
    print(f"\n- classing every row of the view once (a new query or order; off the event loop): {float(cold):.0f} ms")
    print(f"- timeline.histogram over the whole view from scratch (the headless --histogram way): {float(whole):.0f} ms")
    results: dict[str, list[float]] = {"z": [], "Z": [], "b": [], "B": [], "cursor": [], "page": []}
    term = Tmux([str(path)], 80, 24)
    try:
        if term.wait(lambda s: re.search(r"│ [\d,]+ events", s) is not None and "indexing" not in s, 300) is None:
            print("\n## Time range keys: indexing did not finish")
            return
        time.sleep(1.0)
        term.keys("H")
        term.wait(lambda s: " per " in s, 30)
        time.sleep(1.0)

        def strip_and_range(screen: str) -> tuple[str, str]:
            lines = screen.split("\n")
            return lines[0][-50:], "\n".join(lines[1:3])

        # The table's own keys as the keys part measures them: after PageUp the cursor is on the
        # top row, and Up scrolls the page (the screen is read as text: a cursor that moves within
        # the page changes no character).
        for _ in range(6):
            for key in ("PageUp", "Up"):
                ms = _changed_after(term, [key])
                if ms is not None:
                    results["cursor" if key == "Up" else "page"].append(ms)
                time.sleep(0.1)
        for _ in range(6):
            for key in ("z", "Z", "b", "B"):
                before = strip_and_range(term.screen())
                # Redrawn: the time range in the filter bar and the strip both changed.
                ms = _changed_after(term, [key], lambda s, before=before: all(
                    now != then for now, then in zip(strip_and_range(s), before)), 10)
                if ms is not None:
                    results[key].append(ms)
                time.sleep(0.4)
    finally:
        term.close()
    print("\n| key at 1M events (real atlens in tmux, 80x24, key sent to filter bar and strip redrawn) | median | worst | samples | target |")
    print("|---|---:|---:|---:|---|")
    for name, label, target in (("z", "z: zoom in", "< 150 ms"), ("Z", "Z: zoom out", "< 150 ms"),
                                ("b", "b: time range from the cursor's bucket", "< 150 ms"), ("B", "B: all times", "< 150 ms"),
                                ("cursor", "the table's own: cursor up one row", "< 50 ms"),
                                ("page", "the table's own: page up", "< 50 ms")):
        values = results[name]
        if values:
            print(f"| {label} | {statistics.median(values):.0f} ms | {max(values):.0f} ms | {len(values)} | {target} |")
        else:
            print(f"| {label} | no sample | | 0 | {target} |")


# ----------------------------------------------------------------------------- queries

#: The lnav format for these events (lnav does not recognise them without one): `lnav -I benchmarks/lnav`.
LNAV_CONFIG = REPO / "benchmarks" / "lnav"
#: Each external tool run is stopped after this many seconds.
TOOL_TIMEOUT = 120

QUERY_LOOP = """
import sys, time, orjson
t = time.perf_counter(); n = 0; rest = b""; loads = orjson.loads; needle = sys.argv[2].lower().encode()
with open(sys.argv[1], "rb") as fh:
    while block := fh.read(8 << 20):
        lines = (rest + block).split(b"\\n"); rest = lines.pop()
        for line in lines:
            if CONDITION:
                n += 1
print(time.perf_counter() - t, n, 0, 0)
"""

ATLENS_QUERY = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.core.filtering import Filter
from tui.core.query import parse
queries = json.loads(sys.argv[3])
t = time.perf_counter()
store = Store()
reader = Reader(store, resolve_inputs([sys.argv[1]], follow=False))
reader.load(follow=False)
result = {"index": time.perf_counter() - t, "events": len(store), "test_us": {}, "first": {}, "repeated": {}, "count": {}}
# One event at a time first, before any field path is materialised: an event that arrives
# while following is not in a materialised column yet, so its field is read from its JSON.
last = range(max(0, len(store) - 10_000), len(store))
for q in queries:
    f = Filter(store, parse(q))
    t = time.perf_counter()
    for row in last:
        f.test(row)
    result["test_us"][q] = 1e6 * (time.perf_counter() - t) / len(last)
# Then each query over everything, twice (a new Filter each time, as when the query is typed again).
for q in queries:
    for key in ("first", "repeated"):
        t = time.perf_counter()
        rows = Filter(store, parse(q)).rows()
        result[key][q] = time.perf_counter() - t
    result["count"][q] = len(rows)
# What `atlens query --count`, `--stats initiator` and `--histogram 1h` do once the file is read
# (stats: per value of an indexed column, an alias of two, with failures and first and last seen).
from tui.core.query import field_ref
from tui.core.timeline import HOUR, frequencies, histogram
answers = {
    "--count": lambda rows: len(rows),
    "--stats initiator": lambda rows: len(frequencies(store, [field_ref("initiator")], rows)),
    "--histogram 1h": lambda rows: len(histogram(store, rows, HOUR).buckets),
}
for name, answer_of in answers.items():
    for key in ("first", "repeated"):
        t = time.perf_counter()
        rows = Filter(store, parse("")).rows()
        answer = answer_of(rows)
        result[key][name] = time.perf_counter() - t
    result["count"][name] = answer
reader.close()
print(json.dumps(result))
"""


# ----------------------------------------------------------------------------- the story across events

VIEWS = """
import json, random, statistics, sys, time
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.core.filtering import Filter
from tui.core.query import field_ref, parse
from tui.core.related import related
from tui.core.timeline import frequencies
store = Store()
reader = Reader(store, resolve_inputs([sys.argv[1]], follow=False))
reader.load(follow=False)
reader.close()
result = {"events": len(store), "table": {}, "freq": {}, "related": {}}

def timed(work, times=5):
    first = None; samples = []
    for i in range(times):
        t = time.perf_counter(); answer = work(); ms = 1000 * (time.perf_counter() - t)
        if first is None: first = ms
        else: samples.append(ms)
    return first, statistics.median(samples), max(samples), answer

# The table's own figures, in the same run: a new query on indexed columns (every time a new Filter).
for q in ["action:iam-identity.*", "outcome:failure", "initiator:*example.org"]:
    first, median, worst, rows = timed(lambda q=q: Filter(store, parse(q)).rows())
    result["table"][q] = (first, median, worst, len(rows))
everything = Filter(store, parse("")).rows()
failures = Filter(store, parse("outcome:failure")).rows()
# The frequency view as F opens it (30 bars of sparkline, from 150 columns): the view's rows taken
# from the table, every value counted, the sparklines of the 1,000 most frequent.
for field, rows, name in [("action", everything, "action, every event"), ("outcome", everything, "outcome, every event"),
                          ("initiator", everything, "initiator (name, else id), every event"),
                          ("action", failures, "action, the failures")]:
    ref = field_ref(field)
    first, median, worst, found = timed(lambda ref=ref, rows=rows: frequencies(store, [ref], rows, spark_buckets=30))
    result["freq"][name] = (first, median, worst, len(found))
ref = field_ref("initiator.host.agent")
first, median, worst, found = timed(lambda: frequencies(store, [ref], everything, spark_buckets=30), times=3)
result["freq"]["initiator.host.agent (read from every event first)"] = (first, median, worst, len(found))
# Related events: the first reads correlationId and the transaction id from every event and indexes
# the columns; then one event's related ones, for events chosen at random.
rng = random.Random(1)
t = time.perf_counter(); groups = related(store, rng.randrange(len(store))); first = 1000 * (time.perf_counter() - t)
samples = []; sizes = []
for _ in range(200):
    row = rng.randrange(len(store))
    t = time.perf_counter(); groups = related(store, row); samples.append(1000 * (time.perf_counter() - t))
    sizes.append(sum(g.total for g in groups))
result["related"] = (first, statistics.median(samples), max(samples), statistics.median(sizes), len(samples))
print(json.dumps(result))
"""


def bench_views(path: Path) -> None:
    """The frequency view and the related events at 1M events, beside the table's own queries in the same run."""
    warm(path)
    out = subprocess.run([sys.executable, "-c", VIEWS, str(path), str(REPO)], capture_output=True, text=True,
                         check=True).stdout
    r = json.loads(out)
    print(f"\n## The story across events at {r['events']:,} events (in process, after indexing)\n")
    print("| what | first | median | worst | answer | target |")
    print("|---|---:|---:|---:|---:|---|")
    for q, (first, median, worst, n) in r["table"].items():
        print(f"| table: new query `{q}` | {first:.0f} ms | {median:.0f} ms | {worst:.0f} ms | {n:,} rows | (the table's own) |")
    for name, (first, median, worst, n) in r["freq"].items():
        target = "< 200 ms" if "every event first" not in name else "with progress"
        print(f"| frequency view: {name} | {first:.0f} ms | {median:.0f} ms | {worst:.0f} ms | {n:,} values | {target} |")
    first, median, worst, size, count = r["related"]
    print(f"| related events of one event ({count} at random; first: reading and indexing) | {first:.0f} ms | "
          f"{median:.1f} ms | {worst:.1f} ms | {size:,.0f} related | < 100 ms |")


def count_command(shell: str) -> tuple[float, int] | None:
    """Wall time and the last number a shell pipeline prints (bash, pipefail), or None when it
    fails; each tool in it is expected to run under `timeout TOOL_TIMEOUT`."""
    t = time.perf_counter()
    try:
        result = subprocess.run(["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, text=True,
                                timeout=TOOL_TIMEOUT + 30)
    except subprocess.TimeoutExpired:
        return None
    elapsed = time.perf_counter() - t
    numbers = re.findall(r"\d+", result.stdout)
    return (elapsed, int(numbers[-1])) if result.returncode == 0 and numbers else None


def rare_service_id(path: Path) -> str:
    """A service ID name that occurs in the file, the rarest in its first 16 MB (a needle, not hay)."""
    with open(path, "rb") as fh:
        head = fh.read(16 << 20)
    counts: dict[bytes, int] = {}
    for name in re.findall(rb"ServiceId-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", head):
        counts[name] = counts.get(name, 0) + 1
    return min(counts, key=lambda name: (counts[name], name)).decode()


def bench_query(path: Path) -> None:
    """Three queries over the 1M-event file: atlens (index once, then Filter.rows() per query)
    beside an orjson-every-line Python loop, jq (grep -ci for free text) and lnav (load + SQL),
    all on the same warm file. Counts are checked against jq's (grep's for free text)."""
    warm(path)
    needle = rare_service_id(path)
    file = shlex.quote(str(path))
    queries = [
        {"query": "action:iam-identity.* outcome:failure", "label": "indexed fields",
         "loop": '(e := loads(line)).get("action", "").startswith("iam-identity.") and e.get("outcome") == "failure"',
         "jq": 'select((.action | type == "string" and startswith("iam-identity.")) and .outcome == "failure")',
         "lnav": "action LIKE 'iam-identity.%' AND outcome = 'failure'"},
        {"query": "requestData.lock:true", "label": "field path not indexed",
         "loop": 'isinstance(r := loads(line).get("requestData"), dict) and r.get("lock") is True',
         "jq": 'select(.requestData | type == "object" and .lock == true)',
         "lnav": "json_type(requestData, '$.lock') = 'true'"},
        {"query": f'"{needle}"', "label": "free text",
         "loop": "needle in line.lower()",
         "grep": needle,
         "lnav": f"instr(lower(log_raw_text), '{needle.lower()}')"},
    ]
    ours = json.loads(subprocess.run([sys.executable, "-c", ATLENS_QUERY, str(path), str(REPO),
                                      json.dumps([q["query"] for q in queries])],
                                     capture_output=True, text=True, check=True).stdout)
    lnav_note = "" if shutil.which("lnav") else "not installed"
    for q in queries:
        q["loop_s"] = run_python(QUERY_LOOP.replace("CONDITION", q["loop"]), str(path), needle)[0]
        if "jq" in q:
            q["base"] = count_command(f"timeout {TOOL_TIMEOUT} jq -c {shlex.quote(q['jq'])} {file} | wc -l") if shutil.which("jq") else None
        else:
            q["base"] = count_command(f"timeout {TOOL_TIMEOUT} grep -ci {shlex.quote(q['grep'])} {file}")
        if not lnav_note:
            sql = f";SELECT count(*) FROM ibm_at_log WHERE {q['lnav']}"
            q["lnav_r"] = count_command(f"timeout {TOOL_TIMEOUT} lnav -I {shlex.quote(str(LNAV_CONFIG))} -n -c {shlex.quote(sql)} {file}")

    def secs(value: float | None) -> str:
        return f"{value:.2f} s" if value is not None else "failed or timed out"

    print(f"\n## Queries over {ours['events']:,} events ({path.stat().st_size / 1e9:.2f} GB, in the page cache)\n")
    print(f"atlens index, built once before the queries: {ours['index']:.2f} s. "
          "lnav loads the file on every run (load + SQL over its own JSON format, benchmarks/lnav).\n")
    print("| query | atlens first | atlens repeated | matches | orjson loop (Python) | jq (grep -ci for text) | lnav (load + SQL) | target | met |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    warnings = []
    for q in queries:
        first, repeated, count = ours["first"][q["query"]], ours["repeated"][q["query"]], ours["count"][q["query"]]
        base = q["base"]
        base_cell = secs(base[0] if base else None) + (" (grep)" if "grep" in q else "")
        if base and base[1] != count:
            warnings.append(f"WARNING: `{q['query']}`: atlens counted {count:,}, {'grep' if 'grep' in q else 'jq'} {base[1]:,}")
        if lnav_note:
            lnav_cell = f"not measured ({lnav_note})"
        else:
            lnav_cell = secs(q["lnav_r"][0] if q["lnav_r"] else None)
            if q["lnav_r"] and q["lnav_r"][1] != count:
                warnings.append(f"WARNING: `{q['query']}`: atlens counted {count:,}, lnav {q['lnav_r'][1]:,}")
        if q["label"] == "indexed fields":
            target, met = "< 0.2 s", first < 0.2
        elif q["label"] == "field path not indexed":
            limit = 1.5 * q["loop_s"]
            target, met = f"first ≤ 1.5x loop ({limit:.2f} s), repeated < 0.2 s", first <= limit and repeated < 0.2
        else:
            target, met = "< 1 s", first < 1.0
        print(f"| `{q['query']}` ({q['label']}) | {first:.3f} s | {repeated:.3f} s | {count:,} | {q['loop_s']:.2f} s "
              f"| {base_cell} | {lnav_cell} | {target} | {'yes' if met else 'NO'} |")
    for name, what in (("--count", "events"), ("--stats initiator", "distinct initiators"), ("--histogram 1h", "hours")):
        first, repeated = ours["first"][name], ours["repeated"][name]
        met = "yes" if first < 0.5 else "NO"
        print(f"| `atlens query {name}` (after reading) | {first:.3f} s | {repeated:.3f} s | {ours['count'][name]:,} {what} "
              f"| | | | < 0.5 s | {met} |")
    tests = ours["test_us"]
    worst = max(tests, key=tests.get)
    mean = statistics.mean(tests.values())
    print(f"| a new event tested against the active query (`Filter.test`, last 10,000 rows) "
          f"| mean {mean:.1f} µs, worst {tests[worst]:.1f} µs (`{worst}`) | | | | | | < 1 ms | {'yes' if tests[worst] < 1000 else 'NO'} |")
    print("\nPer query, one event: " + "; ".join(f"`{q}` {us:.1f} µs" for q, us in tests.items()))
    for line in warnings:
        print(line)


# ----------------------------------------------------------------------------- archives by name


ARCHIVE_QUERY = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.core.filtering import Filter
from tui.core.query import parse
from tui.core.timespec import parse_bound
since = parse_bound(sys.argv[3])
prune = sys.argv[4] == "prune"
t = time.perf_counter()
store = Store()
reader = Reader(store, resolve_inputs([sys.argv[1]]), since_us=since if prune else None)
reader.load(follow=False)
rows = Filter(store, parse(""), since_us=since).rows()
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "opened": len(reader.tails), "listed": reader.listed or len(reader.tails),
                  "events": len(store), "matched": len(rows), "said": [n.text for n in store.notices]}))
reader.close()
"""


def routing_bucket(root: Path, days: int, per_hour: int) -> int:
    """A downloaded Event Routing bucket: one object an hour for days, the last hour being this one,
    each holding per_hour generated events spread over its hour; returns its size in bytes."""
    import orjson
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    events = generator.generate_events(days * 24 * per_hour, seed=3)
    size = 0
    for h in range(days * 24):
        hour = now - timedelta(hours=days * 24 - 1 - h)
        folder = root / "0123456789abcdef" / "us-south" / f"{hour:%Y-%m-%dT%H}"
        folder.mkdir(parents=True)
        lines = []
        for i in range(per_hour):
            event = next(events)
            event["eventTime"] = (hour + timedelta(seconds=3600 * i / per_hour)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4] + "+0000"
            lines.append(orjson.dumps(event))
        path = folder / f"{hour:%Y-%m-%dT%H}:{(h * 7) % 60:02d}+00_{uuid.UUID(int=h)}.log"
        path.write_bytes(b"\n".join(lines) + b"\n")
        size += path.stat().st_size
    return size


def bench_archive(quick: bool) -> None:
    """`--since 1h` over 30 days of hourly Event Routing objects: the files opened and the time,
    with pruning by object name and without it (the same query reading every file), in one run."""
    days, per_hour = 30, 60 if quick else 300
    with tempfile.TemporaryDirectory(prefix="atlens-bucket-") as folder:
        root = Path(folder) / "bucket"
        size = routing_bucket(root, days, per_hour)
        files = sorted(str(p) for p in root.rglob("*.log"))
        for name in files:
            warm(Path(name))
        runs: dict[str, list[dict]] = {"prune": [], "all": []}
        for _ in range(3):
            for mode in runs:
                out = subprocess.run([sys.executable, "-c", ARCHIVE_QUERY, str(root), str(REPO), "1h", mode],
                                     capture_output=True, text=True, check=True).stdout
                runs[mode].append(json.loads(out))
        # The whole command as a user runs it: the directory (pruned), and every file named (never pruned).
        cli = [sys.executable, "-m", "tui.cli", "query", "--since", "1h", "--count"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        walls: dict[str, list[float]] = {"prune": [], "all": []}
        counts: dict[str, str] = {}
        for _ in range(3):
            for mode, inputs in (("prune", [str(root)]), ("all", files)):
                t = time.perf_counter()
                done = subprocess.run([*cli, *inputs], capture_output=True, text=True, env=env, cwd=REPO)
                walls[mode].append(time.perf_counter() - t)
                counts[mode] = done.stdout.strip()
    print(f"\n## `--since 1h` over a downloaded bucket: {len(files)} hourly Event Routing objects "
          f"({days} days, {per_hour} events each, {size / 1e6:,.0f} MB, in the page cache)\n")
    print("| reading | files opened | events read | matched | read + query (median of 3) | `atlens query --count` wall (median of 3) |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, label in (("prune", "directory, pruned by object name"), ("all", "every file read (no pruning)")):
        last = runs[mode][-1]
        print(f"| {label} | {last['opened']:,} of {len(files):,} | {last['events']:,} | {last['matched']:,} "
              f"| {statistics.median(r['seconds'] for r in runs[mode]):.3f} s | {statistics.median(walls[mode]):.2f} s |")
    speed = statistics.median(r["seconds"] for r in runs["all"]) / statistics.median(r["seconds"] for r in runs["prune"])
    print(f"\nPruned: {speed:,.0f}x faster to read and query; said on stderr: {runs['prune'][-1]['said']}")
    if runs["prune"][-1]["matched"] != runs["all"][-1]["matched"] or counts["prune"] != counts["all"]:
        print(f"WARNING: pruning changed the answer: {runs['prune'][-1]['matched']} against {runs['all'][-1]['matched']} "
              f"(command: {counts['prune']} against {counts['all']})")


# ----------------------------------------------------------------------------- detections

DETECT = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.core.filtering import Filter
from tui.core.detect import Detector, load_rules
mode = sys.argv[3]
store = Store()
reader = Reader(store, resolve_inputs([sys.argv[1]], follow=False))
reader.load(follow=False)
t = time.perf_counter()
rules = load_rules()
result = {"events": len(store), "load": time.perf_counter() - t, "rules": len(rules.rules), "correlations": len(rules.correlations)}
if mode == "test":
    # Every rule against one arriving event (before any field is materialised, as while following).
    detector = Detector(store, rules)
    last = range(max(0, len(store) - 10_000), len(store))
    t = time.perf_counter()
    alerts = sum(len(detector.test(row)) for row in last)
    result["test_us"] = 1e6 * (time.perf_counter() - t) / len(last)
    result["alerts"] = alerts
elif mode == "sweep":
    t = time.perf_counter()
    result["alerts"] = len(Detector(store, rules).sweep())
    result["seconds"] = time.perf_counter() - t
else:
    # Each rule's query one after the other, as `atlens query` would run them (a fresh store).
    t = time.perf_counter()
    result["matched"] = sum(len(Filter(store, rule.node).rows()) for rule in rules.rules)
    result["seconds"] = time.perf_counter() - t
print(json.dumps(result))
"""


def bench_detect(path: Path) -> None:
    """The built-in rule pack over an indexed store, against each rule's query run alone, and per arriving event."""
    warm(path)
    runs = {}
    for mode in ("each", "sweep", "test"):
        out = subprocess.run([sys.executable, "-c", DETECT, str(path), str(REPO), mode],
                             capture_output=True, text=True, check=True).stdout
        runs[mode] = json.loads(out)
    first = runs["sweep"]
    print(f"\n## Detections: the built-in pack ({first['rules']} rules, {first['correlations']} correlations) "
          f"over {first['events']:,} indexed events\n")
    print(f"- loading the rules (pySigma): {first['load']:.2f} s")
    print(f"- sweep, every rule and correlation: {runs['sweep']['seconds']:.2f} s ({runs['sweep']['alerts']:,} alerts)")
    print(f"- each rule's query one after the other: {runs['each']['seconds']:.2f} s ({runs['each']['matched']:,} matches)")
    print(f"- every rule against one arriving event: {runs['test']['test_us']:.0f} µs per event, mean of 10,000")


# ----------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k events only, shorter follow runs, fault cases at 2,000/s only")
    every_part = ["index", "parquet", "screen", "render", "follow", "idle", "query", "keys", "views", "strip", "faults", "archive", "s3", "detect"]
    parser.add_argument("--only", action="append", choices=every_part, help="run only these parts (repeatable)")
    args = parser.parse_args()
    parts = set(args.only or every_part)
    # The fault cases read the program's printed lines, not its screen: they run without tmux.
    if parts & {"screen", "follow", "idle", "keys", "strip"} and not shutil.which("tmux"):
        print("tmux is needed for the screen measurements: apt-get install tmux", file=sys.stderr)
        return 2
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    print(f"# atlens benchmarks ({os.cpu_count()} cores, Python {sys.version.split()[0]})")
    if "index" in parts:
        for count in sizes:
            bench_index(data_file(count))
    if "parquet" in parts:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            print("\n## Cloud Logs archives: not measured (pyarrow is not installed: pip install 'atlens[archives]')")
        else:
            bench_parquet(data_file(sizes[-1]))
    if parts & {"screen", "render"}:
        big = data_file(sizes[-1])
        if "screen" in parts:
            bench_first_screen(big)
        if "render" in parts:
            bench_render(big)
    if "follow" in parts:
        seconds = 4 if args.quick else 10
        slow = 2 * seconds  # a few hundred events: CPU time is counted in hundredths of a second
        print_follow([bench_follow(20, slow, (80, 24), baseline=True), bench_follow(20, slow, (80, 24)),
                      bench_follow(20, slow, (80, 24), baseline=True, arrivals="even"),
                      bench_follow(20, slow, (80, 24), arrivals="even"),
                      bench_follow(20, slow, baseline=True), bench_follow(20, slow),
                      bench_follow(2000, seconds, baseline=True), bench_follow(2000, seconds),
                      bench_follow(20000, seconds / 2)])
    if "idle" in parts:
        print(f"\n## Idle: following a quiet file\n\n- atlens CPU: {bench_idle((80, 24)):.2f} % of a core at 80x24, "
              f"{bench_idle():.2f} % at 160x50")
    if "keys" in parts:
        bench_interactions(data_file(sizes[-1]))
    if "strip" in parts:
        bench_strip(data_file(sizes[-1]))
    if "query" in parts:
        bench_query(data_file(sizes[-1]))
    if "views" in parts:
        bench_views(data_file(sizes[-1]))
    if "faults" in parts:
        faults.bench_faults(args.quick)
    if "archive" in parts:
        bench_archive(args.quick)
    if "s3" in parts:
        s3bench.bench_first_screen(data_file(sizes[-1]), Tmux, ROW)
        s3bench.bench_since(REPO, routing_bucket, args.quick)
    if "detect" in parts:
        bench_detect(data_file(sizes[-1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
