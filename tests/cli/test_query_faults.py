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
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, cwd=ROOT, env=env, timeout=120,
                          check=False)


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
    header, *lines = table.stdout.decode().splitlines()
    assert header.startswith("time (UTC)")
    assert len(lines) == 4
    assert sum("(time out of range)" in line for line in lines) == 3
    out = atlens("query", str(path), "--format", "jsonl")
    no_traceback(out)
    assert [orjson.loads(line)["action"] for line in out.stdout.splitlines()] == [r["action"] for r in rows]
    explained = atlens("explain", str(path))
    no_traceback(explained)
    assert explained.returncode == 0
    assert explained.stdout.decode().count("(time out of range)") == 3


def test_events_nested_hundreds_of_levels_deep_are_printed_and_explained(tmp_path):
    """orjson reads 1,024 levels but writes 255: every event that was read must still come out."""
    lines = []
    for depth in (300, 1000):
        lines.append(b'{"action": "svc.deep%d.read", "eventTime": "2026-11-20T10:00:0%d.00+0000", "requestData": '
                     % (depth, depth // 1000) + b'{"a": ' * depth + b"1" + b"}" * depth + b"}")
        lines.append(b'{"action": "svc.list%d.read", "eventTime": "2026-11-20T10:00:0%d.50+0000", "responseData": '
                     % (depth, depth // 1000) + b"[" * depth + b'"x"' + b"]" * depth + b"}")
    lines.append(orjson.dumps(event("svc.after.read", eventTime="2026-11-20T10:00:05.00+0000")))
    path = tmp_path / "deep.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = atlens("query", str(path), "--format", "jsonl")
    no_traceback(out)
    assert out.returncode == 0
    printed = out.stdout.splitlines()
    assert len(printed) == 5
    # Each printed line is the event as it was written (compared as text: comparing values that
    # deep would itself run out of stack).
    assert printed == [line.replace(b'": ', b'":').replace(b', "', b',"') for line in lines]
    explained = atlens("explain", str(path))
    no_traceback(explained)
    assert explained.returncode == 0
    text = explained.stdout.decode()
    assert all(f"svc.{kind}{depth}.read" in text for kind in ("deep", "list") for depth in (300, 1000))
    as_json = atlens("explain", str(path), "--format", "json")
    no_traceback(as_json)
    assert len(as_json.stdout.splitlines()) == 5


BIG = 123456789012345678901234567890


def test_integers_beyond_64_bits_come_out_exactly(tmp_path):
    path = tmp_path / "big.log"
    text = (b'{"action": "svc.big.read", "eventTime": "2026-11-20T10:00:00.00+0000", "responseData": {"serial": '
            + str(BIG).encode() + b', "low": -9223372036854775809, "fine": 18446744073709551615, "ratio": 0.5}}\n')
    path.write_bytes(text)
    out = atlens("query", str(path), "--format", "jsonl")
    no_traceback(out)
    assert out.stdout == (b'{"action":"svc.big.read","eventTime":"2026-11-20T10:00:00.00+0000","responseData":{"serial":'
                          + str(BIG).encode() + b',"low":-9223372036854775809,"fine":18446744073709551615,"ratio":0.5}}\n')
    explained = atlens("explain", str(path), "--all-fields")
    no_traceback(explained)
    assert f"responseData.serial = {BIG}" in explained.stdout.decode()


def test_a_key_written_twice_is_a_security_finding(tmp_path):
    path = tmp_path / "dup.log"
    path.write_bytes(b'{"action": "iam-identity.user-apikey.login", "eventTime": "2026-11-20T10:00:00.00+0000", '
                     b'"outcome": "success", "action": "evil.x.y"}\n'
                     + orjson.dumps(event("svc.plain.read")) + b"\n")
    out = atlens("query", str(path), "--format", "jsonl")
    no_traceback(out)
    assert [orjson.loads(line)["action"] for line in out.stdout.splitlines()] == ["evil.x.y", "svc.plain.read"]
    explained = atlens("explain", str(path), "--line", "1")
    no_traceback(explained)
    text = " ".join(explained.stdout.decode().split())
    assert "[security] Key written twice: action" in text
    assert '"iam-identity.user-apikey.login" and "evil.x.y"' in text
    assert "two readers of this event may disagree" in text
    as_json = atlens("explain", str(path), "--format", "json")
    findings = [orjson.loads(line)["findings"] for line in as_json.stdout.splitlines()]
    assert [f["title"] for f in findings[0] if f["level"] == "security"] == ["Key written twice: action"]
    assert not any(f["level"] == "security" for f in findings[1])
