"""`atlens query` says on stderr which fields it was given that no event has, and what was meant."""

from __future__ import annotations

import csv
import io
import signal

import orjson
import pytest

from tests.cli.helpers import ROOT, jsonl, make_event, run
from tests.core.follow_helpers import end_query, running_query

SAMPLES = str(ROOT / "sample_logs")


def field_lines(stderr: bytes) -> list[str]:
    """The lines of stderr about fields (the sample logs also hold lines that are not events)."""
    text = stderr.decode()
    assert "Traceback" not in text
    return [line for line in text.splitlines() if "no event has" in line]


def test_a_misspelt_field_in_the_query_is_said_and_nothing_matches():
    result = run(SAMPLES, "-q", "outcom:failure")
    assert result.returncode == 1  # as for any query that matches nothing
    assert result.stdout == b""
    assert field_lines(result.stderr) == ["atlens: no event has `outcom`; did you mean `outcome`?"]


def test_a_field_some_event_has_is_not_said():
    result = run(SAMPLES, "-q", "requestData.lock:true OR outcome:failure", "--count")
    assert result.returncode == 0
    assert int(result.stdout) > 0
    assert field_lines(result.stderr) == []


def test_a_field_only_negated_is_said_though_every_event_matches():
    result = run(SAMPLES, "-q", "-severty:critical", "--count")
    assert result.returncode == 0
    assert result.stdout.strip() == b"128"
    assert field_lines(result.stderr) == ["atlens: no event has `severty`; did you mean `severity`?"]


def test_stats_of_a_field_no_event_has_says_so():
    result = run(SAMPLES, "--stats", "hour")
    assert result.returncode == 0
    assert "(none)" in result.stdout.decode()  # every event counted under "no value", and said why
    assert field_lines(result.stderr) == ["atlens: no event has `hour`"]


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_printed_fields_no_event_has_are_said_once_each(fmt):
    result = run(SAMPLES, "--fields", "action,nosuch.field,severty,nosuch.field", "--format", fmt)
    assert result.returncode == 0
    assert field_lines(result.stderr) == ["atlens: no event has `nosuch.field`",
                                          "atlens: no event has `severty`; did you mean `severity`?"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout.decode(), newline="")))
        assert len(rows) == 128 and all(row["nosuch.field"] == "" for row in rows)
    elif fmt == "jsonl":
        assert all(orjson.loads(line)["nosuch.field"] is None for line in result.stdout.splitlines())


def test_the_query_and_the_printed_fields_are_said_together_each_once():
    result = run(SAMPLES, "-q", "_exists_:actor", "--fields", "actor,action")
    assert result.returncode == 1
    assert field_lines(result.stderr) == ["atlens: no event has `actor`; did you mean `action`?"]


def test_a_field_name_from_the_log_is_escaped(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(orjson.dumps({"action": "iam-am.policy.create", "eventTime": "2026-11-20T10:00:00.00+0000"}) + b"\n")
    # ESC 7 (save the cursor): a control sequence without "[", which a field cannot hold outside a ["key"].
    result = run(str(log), "-q", "a\x1b7b:1")
    assert result.returncode == 1
    assert field_lines(result.stderr) == ["atlens: no event has `a\\x1b7b`"]


def test_following_says_it_at_once_and_still_prints_later_events_that_have_the_field(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(jsonl([make_event("iam-am.policy.create", 0)]))
    with running_query(str(log), "-q", "requestData.shard:7", "--follow", "--format", "jsonl") as (proc, out, err):
        assert err.wait_count(1) == ["atlens: no event has `requestData.shard`\n"]
        with open(log, "ab") as fh:
            fh.write(jsonl([make_event("iam-am.policy.update", 1, requestData={"shard": 7})]))
        assert [orjson.loads(line)["action"] for line in out.wait_count(1)] == ["iam-am.policy.update"]
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors
