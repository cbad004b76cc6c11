"""s3:// benchmarks: a bucket served by a local S3-compatible server (moto, on 127.0.0.1).

- First screen of a 1M-event archive (64 Event Routing objects of ~20 MB) in the real TUI in
  tmux: process start to the first rows on screen, beside the same events as one local file.
- `--since 1h` over 30 days of hourly Event Routing objects: objects listed and fetched, list
  requests, bytes and time, pruned through the layouts against every object read (same run).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ACCOUNT = "0123456789abcdef0123456789abcdef"


class _Server:
    """moto's S3 server in a process of its own on 127.0.0.1 (as a store is another machine), and a client."""

    def __init__(self) -> None:
        import socket
        import urllib.request

        import boto3

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        os.environ.update({"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "AKIABENCHBENCHBENCH1",
                           "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_DEFAULT_REGION": "us-east-1"})
        self.client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _fill_1m(client, path: Path, objects: int = 64) -> tuple[int, int]:
    """The 1M-event file as Event Routing objects of about equal size, each named after the hour of
    its first event; returns (objects, bytes)."""
    client.create_bucket(Bucket="atlens-bench-1m")
    size = path.stat().st_size
    step = size // objects
    total = n = 0
    with open(path, "rb") as fh:
        while True:
            body = fh.read(step)
            if not body:
                break
            body += fh.readline()  # whole lines only
            first = json.loads(body[:body.index(b"\n")])["eventTime"]
            hour = datetime.strptime(first[:13], "%Y-%m-%dT%H")
            key = f"{ACCOUNT}/us-south/{hour:%Y-%m-%dT%H}/{hour:%Y-%m-%dT%H}:{n % 60:02d}+{n:02d}_{n:08x}.log"
            client.put_object(Bucket="atlens-bench-1m", Key=key, Body=body)
            total += len(body)
            n += 1
    return n, total


def bench_first_screen(path: Path, tmux_class, row_pattern) -> None:
    """Process start to first rows on screen: s3:// against the same events as a local file."""
    server = _Server()
    client = server.client
    try:
        t = time.perf_counter()
        count, size = _fill_1m(client, path)
        filled = time.perf_counter() - t
        results: dict[str, list[float | None]] = {"s3": [], "file": []}
        done: dict[str, list[float | None]] = {"s3": [], "file": []}
        for _ in range(3):
            for mode, args in (("s3", ["s3://atlens-bench-1m/"]), ("file", [str(path)])):
                term = tmux_class(args)
                results[mode].append(term.wait(lambda s: row_pattern.search(s) is not None, 30))
                done[mode].append(term.wait(lambda s: row_pattern.search(s) is not None and "fetching" not in s
                                            and "indexing" not in s and "events" in s, 180))
                term.close()
    finally:
        server.stop()

    def med(values: list[float | None]) -> str:
        got = [v for v in values if v is not None]
        return f"{statistics.median(got):.2f} s" if got else "never"

    print(f"\n## First screen of a 1M-event archive in a local S3 server ({count} Event Routing objects, "
          f"{size / 1e6:,.0f} MB; filled in {filled:.1f} s), real atlens in tmux, median of 3\n")
    print("| input | first rows on screen | everything read (progress gone) |")
    print("|---|---:|---:|")
    print(f"| `atlens s3://atlens-bench-1m/` (newest object first) | {med(results['s3'])} | {med(done['s3'])} |")
    print(f"| the same events as one local file (baseline) | {med(results['file'])} | {med(done['file'])} |")
    first = [v for v in results["s3"] if v is not None]
    print(f"\nTarget: first screen under 1 s: {'met' if first and statistics.median(first) < 1.0 else 'NOT met'}")


S3_QUERY = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from tui.core.store import Store
from tui.core.sources import Reader, resolve_inputs
from tui.core.sources.s3 import S3Settings
from tui.core.filtering import Filter
from tui.core.query import parse
from tui.core.timespec import parse_bound
since = parse_bound(sys.argv[3])
prune = sys.argv[4] == "prune"
t = time.perf_counter()
store = Store()
reader = Reader(store, resolve_inputs([sys.argv[1]]), s3=S3Settings(), since_us=since if prune else None)
reader.load(follow=False)
rows = Filter(store, parse(""), since_us=since).rows()
elapsed = time.perf_counter() - t
stats = reader.s3_inputs[0].stats
print(json.dumps({"seconds": elapsed, "objects": stats.objects, "downloaded": stats.downloaded, "bytes": stats.bytes,
                  "requests": stats.list_requests, "events": len(store), "matched": len(rows),
                  "said": [n.text for n in store.notices]}))
reader.close()
"""


def bench_since(repo: Path, routing_bucket, quick: bool) -> None:
    """`--since 1h` over 30 days of hourly objects in the bucket: pruned by the layouts, and not."""
    days, per_hour = 30, 60 if quick else 300
    server = _Server()
    client = server.client
    try:
        with tempfile.TemporaryDirectory(prefix="atlens-bucket-") as folder:
            root = Path(folder) / "bucket"
            size = routing_bucket(root, days, per_hour)
            client.create_bucket(Bucket="atlens-bench-30d")
            files = sorted(root.rglob("*.log"))
            for p in files:
                client.put_object(Bucket="atlens-bench-30d", Key=str(p.relative_to(root)), Body=p.read_bytes())
        url = "s3://atlens-bench-30d/"
        runs: dict[str, list[dict]] = {"prune": [], "all": []}
        for _ in range(3):
            for mode in runs:
                out = subprocess.run([sys.executable, "-c", S3_QUERY, url, str(repo), "1h", mode],
                                     capture_output=True, text=True, check=True).stdout
                runs[mode].append(json.loads(out))
        cli = [sys.executable, "-m", "tui.cli", "query", url, "--count"]
        env = {**os.environ, "PYTHONPATH": str(repo)}
        walls: dict[str, list[float]] = {"prune": [], "all": []}
        counts: dict[str, str] = {}
        for _ in range(3):
            # Pruned: --since. Not pruned: the same moment asked by the query itself (every object read).
            since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for mode, extra in (("prune", ["--since", since]), ("all", ["-q", f"time:>={since}"])):
                t = time.perf_counter()
                done = subprocess.run([*cli, *extra], capture_output=True, text=True, env=env, cwd=repo)
                walls[mode].append(time.perf_counter() - t)
                counts[mode] = done.stdout.strip()
    finally:
        server.stop()
    print(f"\n## `--since 1h` over a bucket in a local S3 server: {len(files)} hourly Event Routing objects "
          f"({days} days, {per_hour} events each, {size / 1e6:,.0f} MB)\n")
    print("| listing | list requests | objects fetched | MB fetched | events read | matched "
          "| fetch + read + query (median of 3) | `atlens query --count` wall (median of 3) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, label in (("prune", "pruned by the layouts (folders of the hours that can match)"),
                        ("all", "every object (no pruning)")):
        last = runs[mode][-1]
        print(f"| {label} | {last['requests']} | {last['downloaded']:,} of {len(files):,} | {last['bytes'] / 1e6:,.1f} "
              f"| {last['events']:,} | {last['matched']:,} | {statistics.median(r['seconds'] for r in runs[mode]):.2f} s "
              f"| {statistics.median(walls[mode]):.2f} s |")
    speed = statistics.median(r["seconds"] for r in runs["all"]) / statistics.median(r["seconds"] for r in runs["prune"])
    print(f"\nPruned: {speed:,.0f}x faster; said on stderr: {runs['prune'][-1]['said']}")
    if runs["prune"][-1]["matched"] != runs["all"][-1]["matched"]:
        print(f"WARNING: pruning changed the answer: {runs['prune'][-1]['matched']} against {runs['all'][-1]['matched']}")
    print(f"Command answers (--since T against -q time:>=T): pruned {counts['prune']}, every object {counts['all']}")
