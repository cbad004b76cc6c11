"""`atlens query`, run as the real installed program in a subprocess."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from tests.cli.helpers import ATLENS, SCRIPT, START, assert_usage_error, at, jsonl, make_event, run, shown_time, unprivileged



#: Out of file order on purpose: the output must come out sorted by eventTime.
EVENTS = [
    make_event("iam-am.policy.update", 20, requestData=json.dumps({"updateType": "rename"})),
    make_event("iam-identity.user-apikey.login", 0, dataEvent="false"),
    make_event("cloud-object-storage.object.read", 30, message="COS: read obj 東京 café", reason={"reasonCode": "404"}),
    make_event("is.load-balancer.load-balancer.listener.create", 10),
]
IN_TIME_ORDER = sorted(EVENTS, key=lambda e: e["eventTime"])
SECONDS = {"iam-am.policy.update": 20, "iam-identity.user-apikey.login": 0,
           "cloud-object-storage.object.read": 30, "is.load-balancer.load-balancer.listener.create": 10}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "activity.log"
    path.write_bytes(jsonl(EVENTS))
    return path


def test_the_program_is_found():
    # The console script is what users run; the module form must work too (see the next test).
    assert Path(ATLENS[0]).exists()


@pytest.mark.parametrize("cmd", [
    pytest.param([SCRIPT] if SCRIPT else None, id="console-script"),
    pytest.param([sys.executable, "-m", "tui.cli"], id="python-m"),
])
def test_table_lists_events_in_time_order(log, cmd):
    if cmd is None:
        pytest.skip("atlens console script is not installed beside this interpreter")
    result = run(str(log), cmd=cmd)
    assert result.returncode == 0, result.stderr.decode()
    header, *lines = result.stdout.decode().splitlines()
    assert header.split() == ["time", "(UTC)", "severity", "outcome", "action", "initiator", "target", "message"]
    assert len(lines) == len(EVENTS)
    for text, ev in zip(lines, IN_TIME_ORDER):
        assert text.startswith(shown_time(SECONDS[ev["action"]]))
        assert ev["action"] in text
    assert "東京 café" in lines[-1]
    assert result.stderr == b""


def test_jsonl_round_trips_through_stdin_byte_for_byte(log):
    first = run(str(log), "--format", "jsonl")
    assert first.returncode == 0, first.stderr.decode()
    again = run("-", "--format", "jsonl", stdin=first.stdout)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout == first.stdout
    got = [orjson.loads(x) for x in first.stdout.splitlines()]
    assert [e["action"] for e in got] == [e["action"] for e in IN_TIME_ORDER]
    # Normalised: stringified requestData parsed; strings written by the service kept as written.
    update = next(e for e in got if e["action"] == "iam-am.policy.update")
    assert update["requestData"] == {"updateType": "rename"}
    login = next(e for e in got if e["action"] == "iam-identity.user-apikey.login")
    assert login["dataEvent"] == "false"


def test_jsonl_round_trip_of_envelopes_gives_the_unwrapped_events(tmp_path):
    inner = make_event("iam-am.policy.create", 5)
    lines = [
        {"logSourceCRN": "crn:v1:x", "meta": {"serviceProviderName": "iam"}, "payload": make_event("legacy.thing.read", 1)},
        {**inner, "_line": orjson.dumps(inner).decode(), "_ts": 1790000000000, "_app": "iam"},
        {"_source": {"_line": orjson.dumps(make_event("kafka.thing.read", 3)).decode()}},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(jsonl(lines))
    first = run(str(path), "--format", "jsonl")
    again = run("-", "--format", "jsonl", stdin=first.stdout)
    assert first.returncode == again.returncode == 0
    assert again.stdout == first.stdout
    got = [orjson.loads(x) for x in first.stdout.splitlines()]
    assert [e["action"] for e in got] == ["legacy.thing.read", "kafka.thing.read", "iam-am.policy.create"]
    assert not any(k.startswith("_") or k in ("meta", "payload") for e in got for k in e)


def test_csv_has_a_header_and_parses(log):
    result = run(str(log), "--format", "csv")
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode(), newline="")))
    assert [r["action"] for r in rows] == [e["action"] for e in IN_TIME_ORDER]
    assert {"time (UTC)", "action", "outcome", "severity", "initiator", "target", "message"} <= set(rows[0])
    assert rows[0]["time (UTC)"] == shown_time(0)
    assert rows[-1]["message"] == "COS: read obj 東京 café"


def test_count(log):
    result = run(str(log), "--count")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == str(len(EVENTS))


@pytest.mark.parametrize("since, until", [(10, None), (None, 20), (10, 30), (0, 1)])
def test_since_and_until_select_a_time_window(log, since, until):
    args = []
    if since is not None:
        args += ["--since", at(since).replace(".00+0000", "Z")]
    if until is not None:
        args += ["--until", (START + timedelta(seconds=until)).isoformat()]
    result = run(str(log), "--format", "jsonl", *args)
    expected = [e["action"] for e in IN_TIME_ORDER
                if (since is None or e["eventTime"] >= at(since)) and (until is None or e["eventTime"] < at(until))]
    assert result.returncode == 0
    assert [orjson.loads(x)["action"] for x in result.stdout.splitlines()] == expected


def test_nothing_matched_exits_1(log):
    result = run(str(log), "--since", "2999-01-01")
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"Traceback" not in result.stderr


def test_missing_path(tmp_path):
    assert_usage_error(run(str(tmp_path / "nope.log")), "nope.log", "no such file")


def test_permission_denied(tmp_path, log):
    log.chmod(0)
    try:
        assert_usage_error(run(str(log), prefix=unprivileged()), "permission denied")
    finally:
        log.chmod(0o644)


def test_directory_without_logs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "README.txt").write_text("These are the audit logs of the team.\n")
    assert_usage_error(run(str(folder)), "no log files")


def test_unknown_option(log):
    assert_usage_error(run(str(log), "--colour"), "--colour")


def test_bad_since(log):
    assert_usage_error(run(str(log), "--since", "last tuesday"), "last tuesday", "15m")


def test_errors_lists_file_and_line_of_bad_lines(tmp_path):
    path = tmp_path / "bad.log"
    path.write_bytes(orjson.dumps(make_event("a.b.c", 1)) + b"\nnot json at all\n# comment\n" + orjson.dumps(make_event("d.e.f", 2)) + b"\n{\"x\": 1}\n")
    listed = run(str(path), "--errors")
    assert listed.returncode == 0
    out = listed.stdout.decode().splitlines()
    assert [line.split(" ")[0] for line in out] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    assert "comment" in out[1]

    plain = run(str(path), "--count")
    assert plain.returncode == 0
    assert plain.stdout.decode().strip() == "2"
    err = plain.stderr.decode().strip().splitlines()
    assert len(err) == 1
    assert "3 lines" in err[0] and "--errors" in err[0] and f"{path}:2" in err[0]


def test_a_clean_file_has_no_errors_to_list(log):
    result = run(str(log), "--errors")
    assert result.returncode == 1
    assert result.stdout == b""


@pytest.mark.parametrize("name", ["activity.log.gz", "activity.log", "2026-11-20T10+00_abc"])
def test_gzip_input_gives_the_same_events_as_the_plain_file(tmp_path, log, name):
    packed = tmp_path / "gz" / name
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(log.read_bytes()))
    plain = run(str(log), "--format", "jsonl")
    unpacked = run(str(packed), "--format", "jsonl")
    assert unpacked.returncode == 0, unpacked.stderr.decode()
    assert unpacked.stdout == plain.stdout
    assert unpacked.stderr == b""


def test_directory_is_read_recursively_and_prose_is_skipped(tmp_path):
    bucket = tmp_path / "bucket"
    files = {
        "us-south/2026-11-20T10/20261120T1000+00.log": [make_event("svc.one.read", 3), make_event("svc.two.read", 0)],
        "us-south/2026-11-20T11/20261120T1100+01.log": [make_event("svc.three.read", 2)],
        "eu-de/deeper/still/events.json": [make_event("svc.four.read", 1)],
    }
    for rel, evs in files.items():
        (bucket / rel).parent.mkdir(parents=True, exist_ok=True)
        (bucket / rel).write_bytes(jsonl(evs))
    (bucket / "eu-de" / "archive.gz").write_bytes(gzip.compress(jsonl([make_event("svc.five.read", 4)])))
    (bucket / "README.txt").write_text("Downloaded from COS.\nDo not edit these files by hand.\n")
    result = run(str(bucket), "--format", "jsonl")
    assert result.returncode == 0, result.stderr.decode()
    assert [orjson.loads(x)["action"] for x in result.stdout.splitlines()] == [
        "svc.two.read", "svc.four.read", "svc.three.read", "svc.one.read", "svc.five.read"]
    assert result.stderr == b""  # README.txt was not read, so it produced no error records


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_escape_sequences_in_events_cannot_reach_the_terminal(tmp_path, fmt):
    evil = make_event("svc.evil.read", 1, message="\x1b]0;owned\x07\x1b[2J [bold red]x[/] \x9b31m",
                      initiator={"name": "eve\x1b[8m", "id": "x"})
    path = tmp_path / "evil.log"
    path.write_bytes(jsonl([evil]))
    result = run(str(path), "--format", fmt)
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\\x1b]0;owned\\x07\\x1b[2J [bold red]x[/] \\x9b31m" in out
    assert "eve\\x1b[8m" in out


def test_pretty_printed_json_piped_in_is_read_as_events():
    # The shape of standard input is told from its first line, not from the empty spool.
    events = [make_event("iam-am.policy.update", s) for s in (3, 1, 2)]
    result = run("-", "--format", "jsonl", stdin=json.dumps(events, indent=2).encode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert [json.loads(line)["eventTime"] for line in result.stdout.decode().splitlines()] == [at(1), at(2), at(3)]


def test_a_saved_cloud_logs_background_query_stream_from_stdin_gives_every_event(tmp_path):
    """`curl -N .../v1/background_query/data | atlens query -`: every event of the stream, in
    time order; its framing said once as skipped, never as lines that are not events."""

    def page(*evs: dict) -> bytes:
        return b"data: " + orjson.dumps({"response": {"results": {"results": [
            {"metadata": [{"key": "applicationName", "value": "ibm-audit-event"}],
             "labels": [{"key": "subsystemname", "value": "iam-identity:"}],
             "user_data": orjson.dumps(e).decode()} for e in evs]}}})

    stream = b"\n".join([b"event: message", b'data: {"query_id": {"query_id": "q-1"}}', b"", b": keep-alive", b"",
                         page(EVENTS[0], EVENTS[1]), b"", b"event: message", page(EVENTS[2], EVENTS[3]), b""]) + b"\n"
    result = run("-", "--format", "jsonl", stdin=stream)
    assert result.returncode == 0, result.stderr
    assert [json.loads(x)["action"] for x in result.stdout.decode().splitlines()] == [e["action"] for e in IN_TIME_ORDER]
    err = result.stderr.decode()
    assert "not an event" not in err and "not events" not in err and "Traceback" not in err
    assert err.count("skipped") == 1 and "Cloud Logs" in err


def test_cloud_logs_suffixes_in_the_query_fields_and_stats(log):
    """A query and field names copied from Cloud Logs (`.keyword`, `.numeric`) mean the fields
    themselves, in -q, --fields and --stats alike, and no field is said to be missing."""
    result = run(str(log), "-q", "action.keyword:iam-* code.numeric:<300", "--fields", "action.keyword,reason.reasonCode.numeric",
                 "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout.decode()))) == [
        ["action.keyword", "reason.reasonCode.numeric"],
        ["iam-identity.user-apikey.login", "200"],
        ["iam-am.policy.update", "200"],
    ]
    assert result.stderr == b""
    stats = run(str(log), "--stats", "outcome.keyword", "--format", "csv")
    assert stats.returncode == 0, stats.stderr
    assert [row[:2] + row[4:] for row in csv.reader(io.StringIO(stats.stdout.decode()))][1:] == [["4", "0", "success"]]
    assert stats.stderr == b""


@pytest.mark.parametrize("delimiter", [b"\n", b"", b"\r\n"], ids=["kcat's newline", "no delimiter (kcat -D '')", "CRLF"])
def test_event_streams_messages_piped_from_a_kafka_consumer_are_the_events(delimiter):
    """`kcat -C ... -t TOPIC -u | atlens query -`: each Kafka message of an Activity Tracker topic
    on IBM Event Streams is one bare event; kcat writes a newline after each by default, and
    events written back to back with no delimiter are read too."""
    stream = delimiter.join(orjson.dumps(e) for e in EVENTS) + delimiter
    result = run("-", "--format", "jsonl", stdin=stream)
    assert result.returncode == 0, result.stderr
    assert [json.loads(x)["action"] for x in result.stdout.decode().splitlines()] == [e["action"] for e in IN_TIME_ORDER]
    assert result.stderr == b""
