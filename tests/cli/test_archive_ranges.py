"""`atlens query` over a downloaded bucket with --since/--until: the files outside the range by
their names are not opened, stderr says how many and why, and the answer is the same."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

from tests.cli.helpers import run

UTC = timezone.utc
UUID = "3f0c1e9a-5b7d-4c2e-8a1f-0123456789ab"
FIRST = datetime(2025, 6, 1, 0, tzinfo=UTC)


def bucket(root: Path, hours: int = 48) -> Path:
    """Event Routing objects, one an hour, each with an event two minutes before its hour, one at
    its start and one in its last second."""
    for h in range(hours):
        hour = FIRST + timedelta(hours=h)
        folder = root / "0123456789abcdef" / "us-south" / f"{hour:%Y-%m-%dT%H}"
        folder.mkdir(parents=True)
        events = [{"eventTime": (hour + d).strftime("%Y-%m-%dT%H:%M:%S.00+0000"), "action": f"svc.obj.h{h}-{i}",
                   "outcome": "success", "initiator": {"id": "IBMid-1"}}
                  for i, d in enumerate((timedelta(minutes=-2), timedelta(0), timedelta(minutes=59, seconds=59)))]
        (folder / f"{hour:%Y-%m-%dT%H}:05+00_{UUID}.log").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return root


def test_a_range_reads_only_its_hours_and_says_how_many_files_it_skipped(tmp_path: Path) -> None:
    root = bucket(tmp_path / "bucket")
    result = run(str(root), "--since", "2025-06-01T12:00:00Z", "--until", "2025-06-01T13:00:00Z", "--format", "jsonl")
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "Traceback" not in err
    assert err == "atlens: skipped 45 of 48 files outside the time range, by the hours in their names (Event Routing)\n"
    actions = [json.loads(line)["action"] for line in result.stdout.decode().splitlines()]
    # 11:58 is in hour 12's object; 12:58 in hour 13's; 12:59:59 in hour 12's
    assert actions == ["svc.obj.h12-1", "svc.obj.h13-0", "svc.obj.h12-2"]


def test_the_answer_is_the_same_as_reading_every_file(tmp_path: Path) -> None:
    root = bucket(tmp_path / "bucket")
    since, until = "2025-06-01T05:58:00Z", "2025-06-01T07:00:00Z"
    pruned = run(str(root), "--since", since, "--until", until, "--format", "jsonl")
    # The same files each named on the command line: a file the user names is always read.
    named = sorted(str(p) for p in root.rglob("*.log"))
    everything = run(*named, "--since", since, "--until", until, "--format", "jsonl")
    assert "skipped 45 of 48 files" in pruned.stderr.decode()
    assert everything.stderr == b""
    assert pruned.stdout == everything.stdout
    # 05:59:59 of hour 5; 05:58, 06:00 and 06:59:59 of hour 6; 06:58 of hour 7
    assert len(pruned.stdout.splitlines()) == 5


def test_without_a_range_every_file_is_read(tmp_path: Path) -> None:
    root = bucket(tmp_path / "bucket", hours=5)
    result = run(str(root), "--count")
    assert result.stdout == b"15\n"
    assert result.stderr == b""
