"""What every command-line test checks the same way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest


def assert_usage_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """Exit status 2, one line on stderr that says what is wrong, nothing on stdout, no traceback."""
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


ROOT = Path(__file__).resolve().parents[2]
SCRIPT = shutil.which("atlens", path=os.path.dirname(sys.executable))
#: The console script installed beside this interpreter, else the module.
ATLENS = [SCRIPT] if SCRIPT else [sys.executable, "-m", "tui.cli"]
START = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)


def at(second: int) -> str:
    return (START + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.00+0000")


def shown_time(second: int) -> str:
    """How the table and csv show that time."""
    return (START + timedelta(seconds=second)).strftime("%Y-%m-%d %H:%M:%S.000")


def make_event(action: str, second: int | None, **extra: object) -> dict:
    ev = {
        "action": action,
        "outcome": "success",
        "severity": "normal",
        "message": f"{action.split('.')[0]}: {action} done",
        "initiator": {"id": "IBMid-1", "name": "alice@example.com", "host": {"address": "192.0.2.1"}},
        "target": {"id": "crn:v1:bluemix:public:iam::a/1::policy:p1", "name": "policy-1"},
        "reason": {"reasonCode": 200},
        "observer": {"name": "ActivityTracker"},
    }
    if second is not None:
        ev["eventTime"] = at(second)
    ev.update(extra)
    return ev


def jsonl(events: list[dict]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def run(*args: str, stdin: bytes | None = None, cmd: list[str] | None = None, cwd: Path | None = None,
        prefix: list[str] | None = None, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """`atlens query ARGS` as a real process (prefix: a command to run it under, as setpriv)."""
    return subprocess.run([*(prefix or []), *(cmd or ATLENS), "query", *args], input=stdin, capture_output=True,
                          cwd=cwd or ROOT, timeout=timeout, env=env)


def unprivileged() -> list[str]:
    """A prefix that runs a command unable to read what file modes forbid: nothing for a user
    that is not root; for root, setpriv without the capabilities that override file modes."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a mode 000 file would still be readable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
