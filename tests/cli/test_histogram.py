"""`atlens query --histogram INTERVAL`: events per interval of time, run as the real program on real files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.helpers import assert_usage_error, jsonl, make_event, run


@pytest.fixture
def log(tmp_path):
    # Minute 0: three events, one a critical failure; minute 1: none; minute 2: six, two failures;
    # and one event with no time at all.
    events = [make_event("a.b.read", 1), make_event("a.b.read", 20),
              make_event("a.b.delete", 30, outcome="failure", severity="critical"),
              *[make_event("a.b.read", 125 + i) for i in range(4)],
              make_event("a.b.update", 130, outcome="failure"), make_event("a.b.update", 131, outcome="failure"),
              make_event("a.b.read", None)]
    path = tmp_path / "a.log"
    path.write_bytes(jsonl(events))
    return path


def test_a_line_per_interval_with_the_empty_ones(log):
    result = run(str(log), "--histogram", "1m")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["start", "(UTC)", "events", "failures", "critical"]
    rows = [line.split() for line in lines[1:4]]
    assert [r[:6] for r in rows] == [["2026-11-20", "10:00:00", "3", "1", "1", "▒██"],
                                     ["2026-11-20", "10:01:00", "0", "0", "0"],
                                     ["2026-11-20", "10:02:00", "6", "2", "0", "▒▒████"]]
    assert "▒ are failures" in lines[4]
    assert "1 event has no readable eventTime" in result.stderr.decode()


def test_csv_and_jsonl_hold_the_same_counts(log):
    rows = list(csv.reader(io.StringIO(run(str(log), "--histogram", "1m", "--format", "csv").stdout.decode())))
    assert rows == [["start (UTC)", "events", "failures", "critical"], ["2026-11-20 10:00:00", "3", "1", "1"],
                    ["2026-11-20 10:01:00", "0", "0", "0"], ["2026-11-20 10:02:00", "6", "2", "0"]]
    lines = run(str(log), "--histogram", "1h", "--format", "jsonl").stdout.decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"start": "2026-11-20T10:00:00.000Z", "events": 9, "failures": 3, "critical": 1}]


def test_a_query_and_time_bounds_choose_the_events_and_the_buckets(log):
    rows = list(csv.reader(io.StringIO(run(str(log), "--histogram", "1m", "--format", "csv", "-q", "outcome:failure",
                                           "--since", "2026-11-20T09:58:30Z", "--until", "2026-11-20T10:02:00Z").stdout.decode())))
    assert rows[1:] == [["2026-11-20 09:58:00", "0", "0", "0"], ["2026-11-20 09:59:00", "0", "0", "0"],
                        ["2026-11-20 10:00:00", "1", "1", "1"], ["2026-11-20 10:01:00", "0", "0", "0"]]


def test_nothing_matched_is_exit_status_1_and_no_table(log):
    result = run(str(log), "--histogram", "1m", "-q", "action:no.such")
    assert result.returncode == 1
    assert result.stdout == b""


@pytest.mark.parametrize("interval", ["5x", "0m", "1.5h", "soon"])
def test_an_interval_that_is_not_one_is_a_usage_error(log, interval):
    assert_usage_error(run(str(log), "--histogram", interval), "--histogram", "30s, 5m, 1h")


def test_too_many_buckets_is_a_usage_error_that_names_an_interval_that_fits(tmp_path):
    path = tmp_path / "long.log"
    path.write_bytes(jsonl([make_event("a.b.c", 0), make_event("a.b.c", 40 * 86400)]))
    err = assert_usage_error(run(str(path), "--histogram", "1s"), "3,456,001 buckets", "choose 1m or longer")
    assert "Traceback" not in err


@pytest.mark.parametrize("other", [["--stats", "action"], ["--count"], ["--fields", "action"], ["--errors"], ["--follow"]])
def test_histogram_with_another_answer_is_a_usage_error(log, other):
    assert_usage_error(run(str(log), "--histogram", "1m", *other), "--histogram")
