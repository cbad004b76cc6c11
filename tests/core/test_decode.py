"""Every input shape of INPUT_FORMATS.md, written to a real file and read back as `atlens` reads it."""

from __future__ import annotations

import json
import random
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.decode import MAX_VALUE_BYTES, as_bool, as_int, normalise

UTC = timezone.utc


def us(dt: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (the expected value, computed independently)."""
    return (dt - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def at(second: int) -> str:
    """An eventTime in the documented form, `second` seconds after 2026-11-20T10:00:00Z."""
    t = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC) + timedelta(seconds=second)
    return t.strftime("%Y-%m-%dT%H:%M:%S.00+0000")


@pytest.fixture
def three(event):
    """Three distinct events, written out of time order (b, a, c)."""
    a = event(action="iam-am.policy.create", eventTime=at(1), initiator={"name": "alice", "id": "IBMid-A"})
    b = event(action="iam-identity.apikey.delete", eventTime=at(0), outcome="failure", severity="critical")
    c = event(action="is.load-balancer.load-balancer.listener.create", eventTime=at(2), target={"id": "r006-1"})
    return [a, b, c]


def by_time(evs: list[dict]) -> list[dict]:
    return sorted(evs, key=lambda e: e["eventTime"])


# ----------------------------------------------------------------------------- plain event lines


def test_json_lines_are_read_in_time_order_with_every_field(tmp_path, three, write_lines, read_path, actions, events):
    path = write_lines(tmp_path / "at.log", [three[1], three[0], three[2]])
    store = read_path(path)
    assert actions(store) == [e["action"] for e in by_time(three)]
    assert events(store) == by_time(three)
    assert [store.times[r] for r in store.order] == [
        us(datetime(2026, 11, 20, 10, 0, s, tzinfo=UTC)) for s in (0, 1, 2)
    ]
    assert store.errors == []


def test_crlf_line_endings_leave_no_carriage_return_in_events(tmp_path, three, write_lines, read_path, events):
    path = write_lines(tmp_path / "windows.log", three, newline=b"\r\n")
    store = read_path(path)
    assert events(store) == by_time(three)
    assert store.errors == []


def test_utf8_bom_on_json_lines_does_not_cost_the_first_event(tmp_path, three, read_path, events, line):
    path = tmp_path / "bom.log"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(line(e) for e in three))
    store = read_path(path)
    assert events(store) == by_time(three)
    assert store.errors == []


@pytest.mark.parametrize("shape", ["pretty objects", "array"])
def test_utf8_bom_before_multi_line_json(tmp_path, three, read_path, events, shape):
    path = tmp_path / "bom-pretty.json"
    if shape == "array":
        body = json.dumps(three, indent=2).encode()
    else:
        body = b"\n".join(orjson.dumps(e, option=orjson.OPT_INDENT_2) for e in three)
    path.write_bytes(b"\xef\xbb\xbf" + body + b"\n")
    store = read_path(path)
    assert events(store) == by_time(three)
    assert store.errors == []


def test_concatenated_objects_on_one_line_are_each_an_event(tmp_path, three, read_path, events, line):
    """`{...}{...}` on one line: each object is an event, re-read from its own bytes.

    README promises concatenated objects; a line holding several values counts once in the
    accounting (here as a line with events).
    """
    path = tmp_path / "concat.log"
    second, third = orjson.dumps(three[1]), orjson.dumps(three[2])
    path.write_bytes(line(three[0]) + second + b" " + third + b"\n")
    store = read_path(path)
    assert events(store) == by_time(three)
    assert store.errors == []
    start = len(line(three[0]))
    assert sorted((store.offsets[r], store.lengths[r]) for r in range(len(store)) if store.offsets[r]) == [
        (start, len(second)), (start + len(second) + 1, len(third))]
    acc = store.accounting()
    assert (acc["lines"], acc["event_values"], acc["errors"], acc["blank"]) == (2, 2, 0, 0)


# ----------------------------------------------------------------------------- multi-line JSON


def _pretty(obj: object, style: str) -> bytes:
    if style == "2 spaces":
        return json.dumps(obj, indent=2).encode()
    if style == "4 spaces":
        return json.dumps(obj, indent=4).encode()
    if style == "tabs":
        return json.dumps(obj, indent="\t").encode()
    assert style == "blank line between lines"
    return json.dumps(obj, indent=2).replace("\n", "\n\n").encode()


@pytest.mark.parametrize("style", ["2 spaces", "4 spaces", "tabs", "blank line between lines"])
def test_concatenated_pretty_printed_objects(tmp_path, three, read_path, events, style):
    path = tmp_path / "pretty.json"
    path.write_bytes(b"\n".join(_pretty(e, style) for e in three) + b"\n")
    store = read_path(path)
    assert events(store) == by_time(three)
    assert store.errors == []


@pytest.mark.parametrize("style", ["pretty", "one line"])
def test_json_array_of_events(tmp_path, three, read_path, events, style):
    data = json.dumps(three, indent=2) if style == "pretty" else json.dumps(three)
    path = tmp_path / "array.json"
    path.write_text(data)
    store = read_path(path)
    assert events(store) == by_time(three)
    assert store.errors == []


@pytest.mark.parametrize("style", ["pretty", "one line without newline"])
def test_a_file_holding_a_single_object(tmp_path, event, read_path, events, style):
    one = event(action="cloud-object-storage.bucket-acl.set")
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one, indent=2) if style == "pretty" else json.dumps(one))
    store = read_path(path)
    assert events(store) == [one]
    assert store.errors == []


def test_array_rows_are_re_read_individually(tmp_path, three, read_path):
    """Every row of a one-line array re-reads its own element, not the first one."""
    path = tmp_path / "array.json"
    path.write_text(json.dumps(three))
    store = read_path(path)
    for row in range(len(store)):
        assert store.event(row).event["action"] == store.text("action", row)


# ----------------------------------------------------------------------------- envelopes


def test_legacy_payload_envelope_gives_the_payload_with_the_envelope_crn(tmp_path, event, write_lines, read_path, events):
    inner = event(logSourceCRN=None, saveServiceCopy=None)
    envelope = {
        "logSourceCRN": "crn:v1:bluemix:public:cloudantnosqldb:us-south:a/abc:inst::",
        "saveServiceCopy": True,
        "meta": {"serviceProviderName": "cloudantnosqldb", "serviceProviderRegion": "ng", "userAccountIds": ["abc"]},
        "payload": inner,
    }
    store = read_path(write_lines(tmp_path / "legacy.log", [envelope]))
    [got] = events(store)
    assert got == {**inner, "logSourceCRN": envelope["logSourceCRN"], "saveServiceCopy": True}
    assert "meta" not in got and "payload" not in got


def test_legacy_payload_keeps_its_own_crn_over_the_envelopes(tmp_path, event, write_lines, read_path, events):
    inner = event()
    envelope = {"logSourceCRN": "crn:v1:other", "meta": {}, "payload": inner}
    [got] = events(read_path(write_lines(tmp_path / "legacy.log", [envelope])))
    assert got["logSourceCRN"] == inner["logSourceCRN"]


def test_legacy_meta_without_payload(tmp_path, event, write_lines, read_path, actions):
    legacy = {**event(action="cloudantnosqldb.any-document.read", eventTime=at(5)),
              "meta": {"serviceProviderName": "cloudantnosqldb", "userAccountIds": ["abc"]}}
    store = read_path(write_lines(tmp_path / "legacy.log", [legacy]))
    assert actions(store) == ["cloudantnosqldb.any-document.read"]
    assert store.times[0] == us(datetime(2026, 11, 20, 10, 0, 5, tzinfo=UTC))
    assert store.event(0).event["initiator"] == legacy["initiator"]
    assert store.errors == []


def test_logdna_export_drops_logdna_keys(tmp_path, three, write_lines, read_path, events):
    rows = [{**e, "_line": orjson.dumps(e).decode(), "_ts": 1790000000000 + i, "_app": "iam-identity",
             "_host": "iam", "_file": "/var/log/at/iam.log", "_logtype": "json", "_lid": f"lid{i}",
             "_ip": "10.0.0.1", "_account": "abc"} for i, e in enumerate(three)]
    store = read_path(write_lines(tmp_path / "export.jsonl", rows))
    got = events(store)
    assert got == by_time(three)
    assert not any(k.startswith("_") for e in got for k in e)


def test_logdna_source_wrapper_with_escaped_line(tmp_path, three, write_lines, read_path, events):
    rows = [{"_source": {"_host": "iam", "_logtype": "json", "_file": "f", "_line": orjson.dumps(e).decode(),
                         "_ts": 1790000000000}} for e in three]
    assert "\\\"" in orjson.dumps(rows[0]).decode()  # the event really is an escaped string
    store = read_path(write_lines(tmp_path / "kafka.jsonl", rows))
    assert events(store) == by_time(three)
    assert store.errors == []


@pytest.mark.parametrize("as_string", [False, True], ids=["line-object", "line-string"])
def test_logger_envelope_time_line_hostname(tmp_path, three, write_lines, read_path, events, as_string):
    rows = [{"Time": "2026-11-21T00:00:00.123456789Z", "level": "info",
             "line": orjson.dumps(e).decode() if as_string else e,
             "Hostname": "pod-1", "AdditionalContext": {"k": "v"}} for e in three]
    store = read_path(write_lines(tmp_path / "logger.log", rows))
    assert events(store) == by_time(three)
    # The event's own eventTime orders the rows, not the logger's Time.
    assert store.times[store.order[0]] == us(datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC))


def test_cloud_logs_query_results_two_events_in_one_line(tmp_path, three, read_path, events):
    def result(*evs: dict) -> bytes:
        return b"data: " + orjson.dumps({"result": {"results": [
            {"metadata": [{"key": "applicationName", "value": "ibm-audit-event"}],
             "labels": [{"key": "subsystemName", "value": "iam-identity:"}],
             "user_data": orjson.dumps(e).decode()} for e in evs]}}) + b"\n"

    path = tmp_path / "query.sse"
    path.write_bytes(result(three[2], three[0]) + b"\n" + result(three[1]))
    store = read_path(path)
    # Each event keeps the result's labels and metadata beside its own fields, as objects.
    envelope = {"labels": {"subsystemName": "iam-identity:"}, "metadata": {"applicationName": "ibm-audit-event"}}
    assert events(store) == [{**e, **envelope} for e in by_time(three)]
    # Both events of the first line come back from the same bytes, each as itself.
    first_line_rows = [r for r in range(len(store)) if store.offsets[r] == 0]
    assert sorted(store.event(r).event["action"] for r in first_line_rows) == sorted([three[2]["action"], three[0]["action"]])
    assert store.errors == []


def test_cloud_logs_labels_and_metadata_stay_with_the_event_unless_it_has_its_own(tmp_path, event, read_path, events):
    own = event(action="svc.obj.own", labels={"team": "blue"})
    plain = event(action="svc.obj.plain", eventTime=at(5))
    results = {"result": {"results": [
        {"metadata": [{"key": "severity", "value": "Info"}, {"key": "logid", "value": "L-1"}],
         "labels": [{"key": "applicationname", "value": "ibm-audit-event"},
                    {"key": "subsystemname", "value": "cloudantnosqldb:1234"}],
         "user_data": orjson.dumps(e).decode()} for e in (own, plain)]}}
    # A result item on its own (a saved `.result.results[]`), labels and metadata as objects.
    item = {"user_data": event(action="svc.obj.item", eventTime=at(9)), "labels": {"applicationname": "ibm-audit-event"},
            "metadata": {"severity": "Warning"}}
    path = tmp_path / "results.sse"
    path.write_bytes(b"data: " + orjson.dumps(results) + b"\n" + orjson.dumps(item) + b"\n")
    got = {e["action"]: e for e in events(read_path(path))}
    assert got["svc.obj.own"]["labels"] == {"team": "blue"}  # the event's own key wins
    assert got["svc.obj.own"]["metadata"] == {"severity": "Info", "logid": "L-1"}
    assert got["svc.obj.plain"]["labels"] == {"applicationname": "ibm-audit-event", "subsystemname": "cloudantnosqldb:1234"}
    assert got["svc.obj.item"]["labels"] == {"applicationname": "ibm-audit-event"}
    assert got["svc.obj.item"]["metadata"] == {"severity": "Warning"}


def test_openstack_notification_payload_with_zoneless_time(tmp_path, event, write_lines, read_path, events):
    cadf = event(action="authenticate/logon", eventTime="2024-03-05 06:07:08.123456", observer={"id": "target"})
    note = {"event_type": "identity.authenticate", "message_id": "b6f3-11", "payload": cadf,
            "priority": "INFO", "publisher_id": "identity.keystone-1", "timestamp": "2024-03-05 06:07:08.223344"}
    store = read_path(write_lines(tmp_path / "keystone.log", [note]))
    assert events(store) == [cadf]
    assert store.times[0] == us(datetime(2024, 3, 5, 6, 7, 8, 123456, tzinfo=UTC))


# ----------------------------------------------------------------------------- normalisation


def test_stringified_request_and_response_data_are_parsed(tmp_path, event, write_lines, read_path):
    request = {"token.account.bss": "abc", "updateType": "rename", "newValue": "b"}
    response = {"keyState": 1}
    legacy = event(requestData=json.dumps(request), responseData=json.dumps(response))
    store = read_path(write_lines(tmp_path / "at.log", [legacy]))
    got = store.event(0).event
    assert got["requestData"] == request
    assert got["responseData"] == response
    assert got["requestData"]["token.account.bss"] == "abc"


def test_a_stringified_field_that_is_not_json_stays_as_written(event):
    raw = event(requestData="{not json")
    assert normalise(raw)["requestData"] == "{not json"


def test_strings_for_booleans_and_numbers_are_kept_but_usable(tmp_path, event, write_lines, read_path):
    written = event(dataEvent="true", reason={"reasonCode": "404", "reasonType": "Not Found"})
    store = read_path(write_lines(tmp_path / "at.log", [written]))
    got = store.event(0).event
    assert got["dataEvent"] == "true"  # an auditor sees exactly what the service wrote
    assert got["reason"]["reasonCode"] == "404"
    assert as_bool(got["dataEvent"]) is True
    assert as_int(got["reason"]["reasonCode"]) == 404
    assert store.reason[0] == 404


@pytest.mark.parametrize("value, expected", [("true", True), ("FALSE", False), (True, True), ("yes", None), (1, None)])
def test_as_bool(value, expected):
    assert as_bool(value) is expected


@pytest.mark.parametrize("value, expected", [("200", 200), (" 404 ", 404), (500, 500), (401.0, 401), ("-1", -1),
                                             ("2xx", None), (True, None), (None, None), (1.5, None)])
def test_as_int(value, expected):
    assert as_int(value) == expected


# ----------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize("text, expected", [
    ("2017-10-19T19:07:50.32+0000", datetime(2017, 10, 19, 19, 7, 50, 320000, tzinfo=UTC)),
    ("2017-10-19T19:07:50+00:00", datetime(2017, 10, 19, 19, 7, 50, tzinfo=UTC)),
    ("2017-10-19T19:07:50Z", datetime(2017, 10, 19, 19, 7, 50, tzinfo=UTC)),
    ("2017-10-19T19:07:50.123456Z", datetime(2017, 10, 19, 19, 7, 50, 123456, tzinfo=UTC)),
    ("2017-10-19T19:07:50.123456789Z", datetime(2017, 10, 19, 19, 7, 50, 123456, tzinfo=UTC)),
    ("2017-10-19 19:07:50.123456", datetime(2017, 10, 19, 19, 7, 50, 123456, tzinfo=UTC)),
    ("2017-10-19T21:07:50.32+0200", datetime(2017, 10, 19, 21, 7, 50, 320000, tzinfo=timezone(timedelta(hours=2)))),
    ("2017-10-19T14:07:50.32-05:00", datetime(2017, 10, 19, 14, 7, 50, 320000, tzinfo=timezone(timedelta(hours=-5)))),
    ("2017-10-19T19:37:50+05:30", datetime(2017, 10, 19, 19, 37, 50, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
    (1508440070320, datetime(2017, 10, 19, 19, 7, 50, 320000, tzinfo=UTC)),
])
def test_event_time_forms(tmp_path, event, write_lines, read_path, text, expected):
    store = read_path(write_lines(tmp_path / "t.log", [event(eventTime=text)]))
    assert store.has_time(0)
    assert store.times[0] == us(expected)


def test_events_without_time_keep_file_order_and_are_flagged(tmp_path, event, write_lines, read_path, actions):
    rows = [event(action="svc.untimed.first", eventTime=None),
            event(action="svc.timed.one", eventTime=at(10)),
            event(action="svc.untimed.second", eventTime=None),
            event(action="svc.untimed.third", eventTime="not a time"),
            event(action="svc.timed.two", eventTime=at(20)),
            event(action="svc.untimed.last", eventTime=None)]
    store = read_path(write_lines(tmp_path / "t.log", rows))
    assert actions(store) == [e["action"] for e in rows]
    flags = {store.text("action", r): store.has_time(r) for r in range(len(store))}
    assert flags == {e["action"]: e["action"].startswith("svc.timed") for e in rows}


# ----------------------------------------------------------------------------- several inputs


def test_two_files_are_merged_by_event_time(tmp_path, event, write_lines, read_paths, actions):
    odd = [event(action=f"svc.odd.e{s}", eventTime=at(s)) for s in (1, 3, 5, 7)]
    even = [event(action=f"svc.even.e{s}", eventTime=at(s)) for s in (0, 2, 4, 6, 8)]
    store = read_paths(write_lines(tmp_path / "b.log", even), write_lines(tmp_path / "a.log", odd))
    expected = [e["action"] for e in sorted(odd + even, key=lambda e: e["eventTime"])]
    assert actions(store) == expected
    # Each row is re-read from its own file.
    assert [store.event(r).event["action"] for r in store.order] == expected


def test_newest_first_logdna_export_comes_out_oldest_first(tmp_path, event, write_lines, read_path, actions):
    evs = [event(action=f"svc.obj.v{s}", eventTime=at(s)) for s in range(6)]
    newest_first = [{**e, "_line": orjson.dumps(e).decode(), "_ts": 1790000000000 + i} for i, e in enumerate(reversed(evs))]
    store = read_path(write_lines(tmp_path / "export.jsonl", newest_first))
    assert actions(store) == [e["action"] for e in evs]


# ----------------------------------------------------------------------------- error records

HUGE_LINE = b'{"action": "x", "message": "' + b"a" * (MAX_VALUE_BYTES + 1) + b'"}'
#: (id, line, what the error's reason must say)
BAD_SAMPLES = [
    ("bad-json", b'{"action": "iam.x", eventTime: 2024}', "invalid JSON"),
    ("truncated", b'{"action": "iam-am.policy.create", "eventTime": "2026-11-', "truncated"),
    ("hash-comment", b"# exported 2026-11-20", "comment"),
    ("slash-comment", b'// {"action": "x"}', "comment"),
    ("number", b"42", "not a JSON object but a number"),
    ("string", b'"iam-am.policy.create"', "not a JSON object but a string"),
    ("array-of-numbers", b"[1, 2, 3]", "no event"),
    ("huge-line", HUGE_LINE, "too large"),
    ("deep-nesting", b"[" * 1100 + b"]" * 1100, "too deeply nested"),
    ("latin-1", b'{"action": "caf\xe9", "eventTime": "2026-11-20T10:00:00Z"}', "invalid UTF-8"),
    ("no-event-key", b'{"level": "info", "msg": "server started"}', "not an audit event"),
    ("envelope-string-not-json", b'{"_source": {"_line": "kernel: eth0 up"}}', "not JSON"),
]


@pytest.mark.parametrize("bad, reason", [pytest.param(b, r, id=i) for i, b, r in BAD_SAMPLES])
def test_each_bad_line_becomes_one_error_record(tmp_path, event, line, read_path, actions, bad, reason):
    before = line(event(action="svc.good.before", eventTime=at(0)))
    after = line(event(action="svc.good.after", eventTime=at(1)))
    path = tmp_path / "mixed.log"
    path.write_bytes(before + bad + b"\n" + after)
    store = read_path(path)
    assert actions(store) == ["svc.good.before", "svc.good.after"]
    [error] = store.errors
    assert (error.source, error.line, error.offset) == (str(path), 2, len(before))
    assert reason in error.reason
    assert error.describe().startswith(f"{path}:2 ")
    assert len(error.excerpt) < 200  # a huge line is not copied whole into the message


@pytest.mark.parametrize("cut", [
    pytest.param(b'{\n  "action": "svc.cut.one",\n  "eventTime": "2026-11-20T10:00:00Z",\n', id="between-fields"),
    pytest.param(b'{\n  "action": "svc.cut.one",\n  "message": "cut in the middle of a str', id="inside-a-string"),
    pytest.param(b'{\n  "action": "svc.cut.one",\n  "initiator": {\n    "name": "al', id="inside-nested"),
])
def test_truncated_pretty_object_does_not_hide_the_next_one(tmp_path, event, read_path, events, cut):
    good = event(action="svc.whole.two")
    path = tmp_path / "pretty.json"
    path.write_bytes(cut + b"\n" + json.dumps(good, indent=2).encode() + b"\n")
    store = read_path(path)
    assert events(store) == [good]
    [error] = store.errors
    assert (error.line, error.offset) == (1, 0)
    assert "truncated" in error.reason
    # The good object is found at its real position.
    assert store.offsets[0] == len(cut) + 1


def test_hostile_json_lines_file_accounts_for_every_line(tmp_path, event, read_path):
    rng = random.Random(20261120)
    bad_kinds = [b for _, b, _ in BAD_SAMPLES]
    lines: list[bytes] = []
    good_lines: dict[int, str] = {}
    bad_lines: set[int] = set()
    blank = 0
    huge_used = False
    for n in range(1, 201):
        roll = rng.random()
        if roll < 0.55:
            action = f"svc.obj{n}.{rng.choice(['create', 'read', 'delete'])}"
            lines.append(orjson.dumps(event(action=action, eventTime=at(rng.randrange(3600)))))
            good_lines[n] = action
        elif roll < 0.65:
            lines.append(rng.choice([b"", b"   ", b"\t", b" \r"]))
            blank += 1
        else:
            kind = rng.choice(bad_kinds)
            if len(kind) > MAX_VALUE_BYTES:
                if huge_used:
                    kind = b"{oops"
                huge_used = True
            lines.append(kind)
            bad_lines.add(n)
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "hostile.log"
    path.write_bytes(data)
    store = read_path(path)
    acc = store.accounting()
    assert acc["lines"] == data.count(b"\n") == 200
    assert acc["lines"] == acc["event_values"] + acc["errors"] + acc["blank"] + acc["skipped"]
    assert acc["blank"] == blank
    assert sorted(store.text("action", r) for r in range(len(store))) == sorted(good_lines.values())
    assert {e.line for e in store.errors} == bad_lines
    # Each error's offset is the start of its line in the file.
    starts = {}
    pos = 0
    for n, raw in enumerate(lines, 1):
        starts[n] = pos
        pos += len(raw) + 1
    assert all(e.offset == starts[e.line] for e in store.errors)


def test_hostile_multi_line_file_every_value_is_an_event_or_an_error(tmp_path, event, read_path):
    rng = random.Random(7)
    parts: list[bytes] = []
    good = 0
    values = 0
    for n in range(60):
        roll = rng.random()
        if roll < 0.5:
            parts.append(json.dumps(event(action=f"svc.obj{n}.read", eventTime=at(n)), indent=rng.choice([2, 4, "\t"])).encode())
            good += 1
        elif roll < 0.6:
            parts.append(json.dumps({"level": "info", "note": n}, indent=2).encode())
        elif roll < 0.7:
            parts.append(b"# a comment line")
        elif roll < 0.8:
            parts.append(b"plain text that is not json")
        elif roll < 0.9:
            # A writer killed mid-value; the next writer starts a new object on the next line
            # (a cut value runs until a line that starts with `{`).
            parts.append(b'{\n  "action": "svc.cut.x",\n  "message": "cut he')
            parts.append(json.dumps(event(action=f"svc.after-cut{n}.read", eventTime=at(n)), indent=2).encode())
            good += 1
            values += 1
        else:
            parts.append(b'{"action": broken}')
        values += 1
    data = b"{\n" + b'  "action": "svc.first.read",\n  "eventTime": "2026-11-20T09:00:00Z"\n}\n' + b"\n".join(parts) + b"\n"
    path = tmp_path / "hostile.json"
    path.write_bytes(data)
    store = read_path(path)
    assert len(store) == good + 1
    assert len(store) + len(store.errors) == values + 1
    assert all(store.event(r).event is not None for r in range(len(store)))


# ----------------------------------------------------------------------------- property


_event_lines = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10_000).map(lambda i: ("event", i)),
        st.binary(max_size=80).map(lambda b: ("garbage", b)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_event_lines)
def test_garbage_never_raises_and_every_valid_event_line_is_found(event, read_path, items):
    first = event(action="svc.first.read", eventTime=at(0))
    chunks = [orjson.dumps(first)]
    expected = ["svc.first.read"]
    for kind, value in items:
        if kind == "event":
            action = f"svc.obj.v{value}"
            chunks.append(orjson.dumps(event(action=action, eventTime=at(value))))
            expected.append(action)
        else:
            chunks.append(value)  # may hold newlines, NULs, invalid UTF-8, stray quotes and brackets
    data = b"\n".join(chunks) + b"\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.log"
        path.write_bytes(data)
        store = read_path(path)
        found = [store.text("action", r) for r in range(len(store))]
        for action in expected:
            assert action in found
        acc = store.accounting()
        assert acc["lines"] == data.count(b"\n") == acc["event_values"] + acc["errors"] + acc["blank"] + acc["skipped"]
