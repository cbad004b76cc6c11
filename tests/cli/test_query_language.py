"""`atlens query -q`, `--fields` and `--stats`, run as the real program on real files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from tests.cli.helpers import assert_usage_error
from tests.cli.test_query import jsonl, make_event, run

EVENTS = [
    make_event("iam-identity.serviceid.update", 1, outcome="failure", severity="critical",
               initiator={"id": "IBMid-2", "name": "bob@example.com", "host": {"address": "198.51.100.7", "agent": "IBM Cloud CLI 2.29.1 / linux"}},
               reason={"reasonCode": "403"}, requestData={"lock": "true", "token.account.bss": "acct-9"}),
    make_event("iam-identity.serviceid.update", 2, outcome="success",
               initiator={"id": "IBMid-1", "name": "alice@example.com", "host": {"address": "192.0.2.1", "agent": "IBM Cloud CLI"}},
               requestData={"lock": False}),
    make_event("iam-identity.user-apikey.login", 3, outcome="failure", severity="warning",
               initiator={"id": "IBMid-2", "name": "bob@example.com", "host": {"address": "198.51.100.7"}},
               reason={"reasonCode": 401}, message="Login failed for ServiceId-1234"),
    make_event("iam-am.policy.update", 4, reason={"reasonCode": 200}),
    make_event("iam-identity.user-apikey.login", 5, outcome="failure", severity="warning",
               initiator={"id": "iam-ServiceId-1234", "host": {"address": "203.0.113.9"}},
               reason={"reasonCode": 401}),
]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "activity.log"
    path.write_bytes(jsonl(EVENTS))
    return path


def actions_and_seconds(result) -> list[tuple[str, int]]:
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    return [(e["action"], int(e["eventTime"][17:19])) for e in events]


@pytest.mark.parametrize(("query", "seconds"), [
    ("action:iam-identity.* outcome:failure", [1, 3, 5]),
    ("action:iam-identity.* AND NOT outcome:failure", [2]),
    ("-severity:normal", [1, 3, 5]),
    ("requestData.lock:true", [1]),  # the string "true" counts as true
    ("requestData.lock:false", [2]),
    ('requestData["token.account.bss"]:ACCT-9', [1]),  # case-insensitive, key with a dot
    ("code:[400 TO 499]", [1, 3, 5]),  # "403" compares as a number
    ("code:>=402", [1]),
    ('agent:"IBM Cloud CLI"', [2]),  # whole value: the versioned agent is not this one
    ("agent:*CLI*", [1, 2]),
    ("initiator:bob@example.com", [1, 3]),
    ("initiator:*servicei*", [5]),  # initiator means name or id
    ("_exists_:initiator.name", [1, 2, 3, 4]),
    ("servicei", [1, 2, 3, 5]),  # free text, any case: in the action, the message, the initiator
    ('"ServiceId-1234"', [3, 5]),
    ("ip:198.51.100.7 OR ip:203.0.113.9", [1, 3, 5]),
    ("(severity:warning OR severity:critical) -code:401", [1]),
])
def test_queries_select_the_events_a_user_expects(log, query, seconds):
    result = run(str(log), "-q", query, "--format", "jsonl")
    assert [s for _, s in actions_and_seconds(result)] == seconds


def test_nothing_matched_exits_1_and_prints_nothing(log):
    result = run(str(log), "-q", "action:no.such.action")
    assert result.returncode == 1
    assert result.stdout == b""


@pytest.mark.parametrize(("query", "column", "words"), [
    ("action:(iam-identity.*", 7, ['")"']),  # at the parenthesis left open
    ('initiator.name:"bob', 15, ["quote"]),  # at the quote never closed
    ("outcome:failure AND", 19, ['after "AND"']),  # at the end, where a term was expected
    ("code:[400 TO]", 12, ["upper bound"]),  # at the "]" that came too early
    ("action:", 7, ['value after "action:"']),
])
def test_a_bad_query_shows_where_it_went_wrong(log, query, column, words):
    result = run(str(log), "-q", query)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "atlens: bad query:"
    assert lines[1] == "  " + query
    assert lines[2] == "  " + " " * column + "^"
    for word in words:
        assert word in lines[3], err


def test_the_caret_points_at_the_unclosed_parenthesis(log):
    err = run(str(log), "-q", "outcome:failure (action:a OR b").stderr.decode().splitlines()
    assert err[2] == "  " + " " * len("outcome:failure ") + "^"


def test_fields_as_a_table(log):
    result = run(str(log), "-q", "outcome:failure", "--fields", "action,initiator,code,requestData.lock")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["action", "initiator", "code", "requestData.lock"]
    assert [line.split() for line in lines[1:]] == [
        ["iam-identity.serviceid.update", "bob@example.com", "403", "true"],
        ["iam-identity.user-apikey.login", "bob@example.com", "401"],
        ["iam-identity.user-apikey.login", "iam-ServiceId-1234", "401"],
    ]


def test_fields_as_csv_and_jsonl_keep_values(log):
    rows = list(csv.reader(io.StringIO(run(str(log), "--fields", "action,code", "--format", "csv", "-q", "code:401").stdout.decode())))
    assert rows == [["action", "code"], ["iam-identity.user-apikey.login", "401"], ["iam-identity.user-apikey.login", "401"]]
    out = run(str(log), "--fields", "code,requestData.lock,initiator.name", "--format", "jsonl", "-q", "action:iam-identity.serviceid.update")
    assert [json.loads(line) for line in out.stdout.decode().splitlines()] == [
        {"code": "403", "requestData.lock": "true", "initiator.name": "bob@example.com"},
        {"code": 200, "requestData.lock": False, "initiator.name": "alice@example.com"},
    ]


def test_stats_counts_per_value_most_frequent_first(log):
    result = run(str(log), "-q", "outcome:failure", "--stats", "initiator")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["count", "share", "failures", "first", "seen", "last", "seen", "initiator"]
    assert [line.split() for line in lines[1:]] == [
        ["2", "66.7%", "2", "2026-11-20", "10:00:01", "2026-11-20", "10:00:03", "bob@example.com"],
        ["1", "33.3%", "1", "2026-11-20", "10:00:05", "2026-11-20", "10:00:05", "iam-ServiceId-1234"],
    ]


def test_stats_say_the_failures_and_when_each_value_was_first_and_last_seen(log):
    out = run(str(log), "--stats", "action", "--format", "csv").stdout.decode()
    assert list(csv.reader(io.StringIO(out))) == [
        ["count", "failures", "first seen (UTC)", "last seen (UTC)", "action"],
        ["2", "1", "2026-11-20 10:00:01.000", "2026-11-20 10:00:02.000", "iam-identity.serviceid.update"],
        ["2", "2", "2026-11-20 10:00:03.000", "2026-11-20 10:00:05.000", "iam-identity.user-apikey.login"],
        ["1", "0", "2026-11-20 10:00:04.000", "2026-11-20 10:00:04.000", "iam-am.policy.update"],
    ]


def test_stats_over_two_fields_counts_pairs(log):
    out = run(str(log), "--stats", "action", "--stats", "outcome", "--format", "jsonl").stdout.decode()
    assert [json.loads(line) for line in out.splitlines()] == [
        {"count": 2, "failures": 2, "first_seen": "2026-11-20T10:00:03.000Z", "last_seen": "2026-11-20T10:00:05.000Z",
         "action": "iam-identity.user-apikey.login", "outcome": "failure"},
        {"count": 1, "failures": 0, "first_seen": "2026-11-20T10:00:04.000Z", "last_seen": "2026-11-20T10:00:04.000Z",
         "action": "iam-am.policy.update", "outcome": "success"},
        {"count": 1, "failures": 1, "first_seen": "2026-11-20T10:00:01.000Z", "last_seen": "2026-11-20T10:00:01.000Z",
         "action": "iam-identity.serviceid.update", "outcome": "failure"},
        {"count": 1, "failures": 0, "first_seen": "2026-11-20T10:00:02.000Z", "last_seen": "2026-11-20T10:00:02.000Z",
         "action": "iam-identity.serviceid.update", "outcome": "success"},
    ]


def test_stats_of_a_field_some_events_lack(log):
    out = run(str(log), "--stats", "requestData.lock", "--format", "csv").stdout.decode()
    assert [row[:2] + row[4:] for row in csv.reader(io.StringIO(out))] == [
        ["count", "failures", "requestData.lock"], ["3", "2", ""], ["1", "0", "false"], ["1", "1", "true"]]


def test_help_lists_the_short_field_names():
    result = run("--help")
    text = result.stdout.decode()
    for line in ("initiator.name or initiator.id", "initiator.host.agent", "initiator.host.address", "reason.reasonCode"):
        assert line in text


@pytest.mark.parametrize("args", [
    ["--stats", "action", "--count"],
    ["--fields", ",,"],
    ["--fields", "a..b"],
])
def test_option_mistakes_are_usage_errors(log, args):
    assert_usage_error(run(str(log), *args))


def test_jsonl_cannot_carry_terminal_controls(tmp_path):
    path = tmp_path / "hostile.log"
    path.write_bytes(jsonl([make_event("x.y.z", 1, message="a\u009b31mred\u202eevil")]))
    out = run(str(path), "--format", "jsonl").stdout
    assert "\u009b".encode() not in out and "\u202e".encode() not in out
    assert json.loads(out)["message"] == "a\u009b31mred\u202eevil"


def test_stats_as_jsonl_cannot_carry_terminal_controls(tmp_path):
    path = tmp_path / "hostile.log"
    path.write_bytes(jsonl([make_event("x.y.z", 1, initiator={"name": "eve\u009b2J\u202e"})]))
    out = run(str(path), "--stats", "initiator", "--format", "jsonl").stdout
    assert "\u009b".encode() not in out and "\u202e".encode() not in out
    assert json.loads(out)["initiator"] == "eve\u009b2J\u202e"
