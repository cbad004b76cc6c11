"""`atlens query` and `atlens explain` on inputs that used to crash them, run as a real program."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]


def atlens(*args: str) -> subprocess.CompletedProcess:
    """The program of this checkout (not whichever copy is installed), as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, cwd=ROOT, env=env, timeout=120)


def event(action: str, **extra: object) -> dict:
    return {"eventTime": "2026-11-20T10:00:00.00+0000", "action": action, "outcome": "success",
            "initiator": {"id": "IBMid-1", "name": "alice@example.com"}, "target": {"id": "t1", "name": "policy-1"},
            **extra}


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr.decode(), result.stderr.decode()


def test_times_out_of_range_are_shown_as_such_and_every_event_is_printed(tmp_path):
    path = tmp_path / "t.log"
    rows = [event("svc.first.read"), event("svc.odd.one", eventTime=1e17),
            event("svc.odd.two", eventTime="0001-01-01T00:00:00+0100"), event("svc.last.read", eventTime=260_000_000_000_000)]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    table = atlens("query", str(path))
    no_traceback(table)
    assert table.returncode == 0
    lines = table.stdout.decode().splitlines()
    assert len(lines) == 4
    assert sum("(time out of range)" in line for line in lines) == 3
    out = atlens("query", str(path), "--format", "jsonl")
    no_traceback(out)
    assert [orjson.loads(line)["action"] for line in out.stdout.splitlines()] == [r["action"] for r in rows]
    explained = atlens("explain", str(path))
    no_traceback(explained)
    assert explained.returncode == 0
    assert explained.stdout.decode().count("(time out of range)") == 3
