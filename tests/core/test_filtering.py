"""The fast paths of `tui.core.filtering` agree with a plain reference evaluator on every event.

The reference (tests/core/reference.py) parses each event and walks the query tree with the value
semantics of `tui.core.query`. `Filter.rows()` (columns, materialised fields, raw-byte scans, in
worker processes or not) and `Filter.test(row)` (one row, as while following) must give exactly
the rows it gives, in time order, over real files of every input shape.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.conftest import event, read_paths
from tests.core.reference import matches, reference_rows
from tui.core import filtering
from tui.core.filtering import Filter
from tui.core.generator import generate_events
from tui.core.query import QuerySyntaxError, parse
from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
US = 1_000_000


def dumps(value: object) -> bytes:
    """Compact JSON as a service writes it (UTF-8, integers beyond 64 bits allowed)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def stamp(seconds: float) -> str:
    """An eventTime in the documented form, `seconds` after T0."""
    t = T0 + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 10000:02d}+0000"


def t_us(seconds: float) -> int:
    return int((T0 + timedelta(seconds=seconds)).timestamp() * US)


def base(seconds: float, **overrides: object) -> dict:
    """A realistic CADF event at T0 + seconds; keyword overrides replace fields (None removes)."""
    return event(**{"eventTime": stamp(seconds), **overrides})


def with_path(ev: dict, path: tuple[str, ...], value: object) -> dict:
    """A copy of ev with the value at a dotted path set (a missing sentinel removes it)."""
    ev = copy.deepcopy(ev)
    node = ev
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if value is MISSING:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return ev


MISSING = object()


# ----------------------------------------------------------------------------- awkward events


def awkward_events(t: float) -> list[dict]:
    """Events whose values are what real logs do to a careful reader (INPUT_FORMATS.md)."""
    out: list[dict] = []

    def add(ev: dict) -> None:
        out.append(ev)

    s = t
    for code in ("404", 404.0, "404.0", 1e23, 99999999999999999999, 70000, -5, "-5", " 404", "abc", True, None, 0, "", [403, 404]):
        s += 1
        add(with_path(base(s, outcome="failure", severity="warning"), ("reason", "reasonCode"), code))
    s += 1
    add(with_path(base(s), ("reason", "reasonCode"), MISSING))
    s += 1
    add(base(s, reason=None))
    s += 1
    add(base(s, reason="Forbidden"))
    s += 1
    add(base(s, reason={}))
    for flag in ("true", "TRUE", "false", "True", 1, None):
        s += 1
        add(base(s, dataEvent=flag, saveServiceCopy=flag if flag is not None else "false"))
    s += 1
    add(base(s, initiator=None, message="no initiator at all"))
    s += 1
    add(with_path(base(s), ("initiator", "name"), None))
    s += 1
    add(with_path(base(s), ("initiator", "name"), 42))
    s += 1
    add(with_path(base(s), ("initiator", "id"), ""))
    s += 1
    add(base(s, initiator=[{"name": "list-alice@example.com", "id": "IBMid-LIST"}, {"name": "list-bob"}]))
    s += 1
    add(base(s, initiator="a string initiator"))
    s += 1
    add(with_path(base(s), ("target", "name"), MISSING))
    s += 1
    add(base(s, target="crn:v1:bluemix:public:iam-identity::a/0123456789abcdef::apikey:ApiKey-1"))
    s += 1
    add(base(s, target={"id": 12345, "name": True}))
    s += 1
    add(base(s, target={"id": {"nested": "object"}, "name": ["my-key", "other-key"]}))
    for action in (404, True, None, "", "IAM-Identity.User-APIKey.LOGIN", "is.load-balancer.load-balancer.listener.create"):
        s += 1
        ev = base(s)
        if action is None:
            ev.pop("action")
        else:
            ev["action"] = action
        add(ev)
    s += 1
    add(base(s, outcome="SUCCESS", severity="Critical"))
    s += 1
    add(base(s, outcome=None, severity=None))
    s += 1
    add(base(s, outcome="", severity=404))
    s += 1
    add(base(s, requestData={"roles": [{"name": "Administrator", "id": 1}, {"name": "Viewer", "id": "2"}],
                             "nested": [[{"name": "deep"}], {"name": "shallow"}], "tags": ["prod", "PCI", 7]}))
    s += 1
    add(base(s, requestData={"roles": {"name": "Editor"}}))
    s += 1
    add(base(s, requestData={"token.account.bss": "0123456789abcdef", "token": {"account": {"bss": "nested-bss"}},
                             "key with space": "spaced value"}))
    s += 1
    add(base(s, requestData=json.dumps({"stringified": "yes", "roles": [{"name": "Operator"}], "count": 5})))
    s += 1
    add(base(s, requestData="not json {", responseData="[1, 2, \"three\"]"))
    s += 1
    add(base(s, responseData={"keyState": 1, "status": "404", "ratio": 0.5, "big": 12345678901234567890}))
    s += 1
    add(base(s, responseData={"keyState": "1", "status": 404, "ratio": "0.50"}))
    s += 1
    add(base(s, message='He said "héllo wörld" to José Müller',
             initiator={"id": "IBMid-UNICODE", "name": "José Müller", "host": {"address": "10.0.0.1, 10.0.0.2", "agent": "Ünïcode/1.0"}}))
    s += 1
    add(base(s, message="ÅNGSTRÖM STRASSE straße ǅ"))
    s += 1
    add(base(s, message='quotes \\"escaped\\" and a backslash \\ here', target={"id": "t-quote", "name": 'name with "quotes"'}))
    s += 1
    add(base(s, message="tab\there and newline\nthere", initiator={"id": "IBMid-CTRL", "name": "ctrl\u0001char"}))
    s += 1
    add(base(s, message="ALICE@EXAMPLE.COM in capitals", initiator={"id": "ibmid-270000abcd", "name": "ALICE@Example.com"}))
    s += 1
    add(base(s, message="wildcards * and ? in text", target={"id": "t-star", "name": "star*name?"}))
    s += 1
    add(base(s, eventTime=None, message="an event with no time"))
    s += 1
    add(base(s, eventTime="2026-11-20T00:10:00Z", message="a Z time"))
    s += 1
    add(base(s, eventTime="2026-11-20 00:10:01.123456", message="a zoneless time"))
    s += 1
    add(base(s, logSourceCRN="iam-identity:global:a/abc:undefined:0", correlationId=None, corelationId="misspelled"))
    return out


def envelope_lines(t: float) -> list[bytes]:
    """Lines of every envelope INPUT_FORMATS.md describes, one or more events each."""
    e1 = base(t + 1, action="envelope.logdna.export", message="exported by logdna")
    e2 = base(t + 2, action="envelope.logdna.source", message="streamed to kafka")
    e3 = base(t + 3, action="envelope.legacy.payload", logSourceCRN=None)
    e4 = base(t + 4, action="envelope.logger.line")
    e5 = base(t + 5, action="envelope.cloudlogs.first")
    e6 = base(t + 6, action="envelope.cloudlogs.second")
    e7 = base(t + 7, action="envelope.openstack", eventTime="2026-11-20 00:20:07.000000")
    e8 = base(t + 8, action="envelope.array.first")
    e9 = base(t + 9, action="envelope.array.second", reason={"reasonCode": "503"})
    e10 = base(t + 10, action="envelope.logger.string")
    lines = [
        dumps({**e1, "_line": dumps(e1).decode(), "_ts": 1790000000000, "_app": "iam-identity",
                      "_host": "envhost-logdna", "_file": "/var/log/at/iam.log", "_logtype": "json"}),
        dumps({"_source": {"_host": "envhost-kafka", "_logtype": "json", "_file": "f",
                                  "_line": dumps(e2).decode(), "_ts": 1790000000000}}),
        dumps({"logSourceCRN": "crn:v1:bluemix:public:legacy:us-south:a/abc:inst::", "saveServiceCopy": True,
                      "meta": {"serviceProviderName": "envmeta-provider"}, "payload": e3}),
        dumps({"Time": "2026-11-21T00:00:00.123456789Z", "level": "info", "line": e4, "Hostname": "envhost-pod"}),
        b"data: " + dumps({"result": {"results": [
            {"metadata": [{"key": "applicationName", "value": "ibm-audit-event"}],
             "labels": [{"key": "subsystemName", "value": "envlabel-subsystem"}],
             "user_data": dumps(e).decode()} for e in (e5, e6)]}}),
        dumps({"event_type": "identity.authenticate", "message_id": "m-1", "payload": e7,
                      "priority": "INFO", "publisher_id": "identity.envpublisher", "timestamp": "2026-11-20 00:20:07.000000"}),
        dumps([e8, {"not": "an event"}, e9]),
        dumps({"Time": "2026-11-21T00:00:00Z", "line": dumps(e10).decode(), "Hostname": "envhost-pod2"}),
        json.dumps(base(t + 11, action="envelope.ascii.escaped", message="h\u00e9llo escaped as \\u00e9")).encode(),
        b"# a comment line, not an event",
        b"",
    ]
    return lines


def generated(count: int, seed: int) -> list[dict]:
    return list(generate_events(count, seed=seed))


def pretty(events: list[dict], indent: int = 2) -> bytes:
    return b"".join(json.dumps(e, indent=indent, ensure_ascii=False).encode() + b"\n" for e in events)


read_store = read_paths


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Store:
    """A realistic mixed log: generated events, awkward events and envelopes in six files of every shape."""
    d = tmp_path_factory.mktemp("mixed")
    gen = generated(400, seed=7)
    awkward = awkward_events(1800)
    # Plain JSON lines: generated events with the awkward ones spread among them.
    lines: list[bytes] = []
    for i, ev in enumerate(gen[:250]):
        lines.append(dumps(ev))
        if i % 4 == 0 and awkward:
            lines.append(dumps(awkward.pop(0)))
    lines.extend(dumps(ev) for ev in awkward)
    (d / "plain.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (d / "envelopes.log").write_bytes(b"\n".join(envelope_lines(1200)) + b"\n")
    # A JSON array on one line (rows share a line), and a pretty-printed array.
    (d / "array.json").write_bytes(dumps(gen[250:290] + awkward_events(2400)[:12]))
    (d / "pretty-array.json").write_bytes(json.dumps(gen[290:320] + awkward_events(2500)[12:24], indent=4).encode())
    # Concatenated pretty-printed objects.
    (d / "pretty.json").write_bytes(pretty(gen[320:350] + awkward_events(2600)[24:40]))
    # gzip JSON lines.
    (d / "archive.json.gz").write_bytes(gzip.compress(b"".join(dumps(e) + b"\n" for e in gen[350:] + awkward_events(2700)[40:])))
    store = read_store(d)
    assert len(store.segments) == 6
    return store


def agree(store: Store, query: str, since_us: int | None = None, until_us: int | None = None) -> list[int]:
    """Assert rows() and test() give the reference's rows; returns them."""
    node = parse(query)
    expected = reference_rows(store, node, since_us, until_us)
    # test(row) first without materialised columns (each row on its event), then rows(), then
    # test(row) again with the columns rows() made.
    store.field_columns.clear()
    one = Filter(store, node, since_us=since_us, until_us=until_us)
    assert [r for r in store.order if one.test(r)] == expected, f"test() disagrees on {query!r}"
    bulk = Filter(store, node, since_us=since_us, until_us=until_us)
    assert list(bulk.rows()) == expected, f"rows() disagrees on {query!r}"
    assert [r for r in store.order if bulk.test(r)] == expected, f"test() after rows() disagrees on {query!r}"
    return expected


# ----------------------------------------------------------------------------- 1. hand-picked queries

HAND_PICKED = [
    "",
    "*",
    # indexed string columns
    "action:iam-identity.user-apikey.login",
    "action:IAM-IDENTITY.USER-APIKEY.LOGIN",
    "action:iam-identity.*",
    "action:*.login",
    "action:is.load-balancer.*.create",
    "action:404",
    "action:true",
    "action:\"\"",
    "_exists_:action",
    "NOT _exists_:action",
    "outcome:success",
    "outcome:failure",
    "-outcome:success",
    "outcome:\"\"",
    "_exists_:outcome",
    "severity:critical",
    "severity:404",
    "severity:[critical TO normal]",
    "severity:{critical TO normal}",
    "initiator.name:alice@example.com",
    "initiator.name:\"José Müller\"",
    "initiator.name:josé*",
    "initiator.name:42",
    "initiator.name:list-alice@example.com",
    "initiator.name:*",
    "_exists_:initiator.name",
    "NOT _exists_:initiator",
    "initiator.id:ibmid-270000abcd",
    "initiator.id:\"\"",
    "initiator:alice@example.com",
    "initiator:IBMid-270000ABCD",
    "initiator:*example.com",
    "user:alice*",
    "target.name:my-key",
    "target.name:\"name with \\\"quotes\\\"\"",
    "target.name:star\\*name\\?",
    "target.name:star*",
    "target.name:true",
    "target.id:12345",
    "target.id:\"12345.0\"",
    "target:my-key",
    "target:crn*",
    "_exists_:target.name",
    "_exists_:target",
    # reason.reasonCode: a small-int column with awkward values beside it
    "reason.reasonCode:404",
    "reason.reasonCode:404.0",
    "code:\"404\"",
    "code:200",
    "code:-5",
    "code:70000",
    "code:1e23",
    "code:99999999999999999999",
    "code:abc",
    "code:true",
    "code:0",
    "code:\"\"",
    "code:4*",
    "code:*0",
    "code:[400 TO 499]",
    "code:{400 TO 499}",
    "code:[400 TO *]",
    "code:>=500",
    "code:>404",
    "code:<0",
    "code:<=200",
    "code:[a TO z]",
    "code:[\" \" TO 5]",
    "_exists_:code",
    "NOT _exists_:reason.reasonCode",
    "_exists_:reason",
    # other paths, materialised
    "dataEvent:true",
    "dataEvent:TRUE",
    "dataEvent:false",
    "dataEvent:1",
    "saveServiceCopy:false",
    "_exists_:dataEvent",
    "requestData.roles.name:administrator",
    "requestData.roles.name:Viewer",
    "requestData.roles.name:editor",
    "requestData.roles.name:operator",
    "requestData.roles.id:2",
    "requestData.roles.id:[1 TO 2]",
    "requestData.nested.name:shallow",
    "requestData.nested.name:deep",
    "requestData.tags:pci",
    "requestData.tags:7",
    "requestData[\"token.account.bss\"]:0123456789abcdef",
    "requestData.token.account.bss:nested-bss",
    "requestData.token.account.bss:0123456789abcdef",
    "requestData[\"key with space\"]:\"spaced value\"",
    "requestData.stringified:yes",
    "requestData.count:5",
    "requestData:\"not json {\"",
    "responseData:three",
    "responseData:2",
    "responseData.keyState:1",
    "responseData.keyState:1.0",
    "responseData.status:404",
    "responseData.ratio:0.5",
    "responseData.ratio:[0.1 TO 0.6]",
    "responseData.big:12345678901234567890",
    "responseData.big:>1e19",
    "responseData.update.updateType:*accept*",
    "message:\"He said \\\"héllo wörld\\\" to José Müller\"",
    "message:*straße*",
    "message:*STRASSE*",
    "agent:curl*",
    "agent:ünïcode*",
    "ip:192.0.2.10",
    "ip:\"10.0.0.1, 10.0.0.2\"",
    "ip:[192.0.2.0 TO 192.0.2.99]",
    "initiator.host.addressType:ipv4",
    "reason.reasonType:forbidden",
    "reason:Forbidden",
    "time:[2026-11-20T00:10 TO 2026-11-20T00:30]",
    "eventTime:2026*",
    "_exists_:eventTime",
    "corelationId:misspelled",
    "_exists_:correlationId",
    "observer.name:activitytracker",
    "missing.path:x",
    "_exists_:missing.path",
    "NOT missing.path:x",
    "_line:*",
    "_host:envhost-logdna",
    "meta.serviceProviderName:envmeta-provider",
    # free text
    "alice",
    "ALICE",
    "\"alice@example.com\"",
    "envhost-logdna",
    "envhost-kafka",
    "envmeta-provider",
    "envlabel-subsystem",
    "envpublisher",
    "\"said \\\"héllo\"",
    "héllo",
    "HÉLLO",
    "wörld",
    "\"h\\\\u00e9llo\"",
    "\\\"escaped\\\\\\\"",
    "\"escaped\\\\\"",
    "Ångström",
    "ÅNGSTRÖM",
    "straße",
    "\"newline\\\\nthere\"",
    "\"tab\\\\there\"",
    "\"to José\"",
    "log*",
    "*login",
    "al?ce",
    "iam-identity.user-*.login",
    "\"wildcards * and ? in text\"",
    "wildcards \\* and",
    "}*{",
    "true*}",
    "\"}, {\"",
    "\"\"",
    "1*\"",
    # combinations
    "alice AND outcome:failure",
    "alice OR code:404",
    "NOT alice",
    "-alice -outcome:success",
    "(action:iam-identity.* OR action:iam-am.*) AND NOT outcome:success",
    "initiator:alice* AND (code:[400 TO 499] OR severity:critical) AND NOT requestData.roles.name:viewer",
    "user-management OR envhost-kafka OR requestData[\"token.account.bss\"]:*",
    "NOT (NOT dataEvent:true OR _exists_:initiator.name)",
    "action:(*.login OR *.logout) AND -target:my-key",
    "code:(404 OR 403 OR \"503\")",
    # Lucene's regular expressions, everything, time ranges compared as times
    "initiator.name:/.*@example\\.(com|org)/",
    "user:/[a-c].*/",
    "action:/iam-identity\\..*&~(.*login)/",
    "code:/<400-499>/",
    "reason:/<400-499>|.*forbid.*/",
    "message:/.*/",
    "requestData.roles.name:/admin.*/",
    "target:/~(my-.*)/",
    "dataEvent:/t.*/",
    "*:*",
    "*:* AND NOT outcome:success",
    "time:[2026-11-20T00:10:00Z TO 2026-11-20T00:30:00+00:00]",
    "time:{2026-11-20T01:10:00+01:00 TO *}",
    "eventTime:<2026-11-20T00:20",
    "NOT NOT NOT outcome:success",
    "responseData.keyState:(1 OR 2) OR requestData.roles.name:(administrator viewer)",
]


@pytest.mark.parametrize("query", HAND_PICKED)
def test_hand_picked_queries_agree_with_the_reference(mixed, query):
    agree(mixed, query)


def test_queries_find_what_they_should(mixed):
    """A few anchors, so that agreeing with the reference is not agreeing on nothing."""
    def actions(query: str) -> set[str]:
        return {mixed.event(r).event.get("action") for r in agree(mixed, query)}

    assert len(agree(mixed, "")) == len(mixed)
    assert actions("envhost-logdna") == {"envelope.logdna.export"}  # only in the LogDNA envelope
    assert actions("envhost-kafka") == {"envelope.logdna.source"}
    assert actions("envlabel-subsystem") == {"envelope.cloudlogs.first", "envelope.cloudlogs.second"}
    assert agree(mixed, "_host:envhost-logdna") == []  # the envelope's keys are not the event's fields
    assert agree(mixed, "\"said \\\"héllo\"")
    assert agree(mixed, "héllo") == agree(mixed, "\"said \\\"héllo\"")  # the \u00e9 spelling is not the text as logged
    assert agree(mixed, "requestData[\"token.account.bss\"]:0123456789abcdef")
    assert agree(mixed, "requestData.roles.name:administrator")
    assert agree(mixed, "requestData.roles.name:operator")  # in stringified requestData
    codes = {repr(mixed.event(r).event["reason"]["reasonCode"]) for r in agree(mixed, "code:\"404\"")}
    assert codes == {"'404'", "404.0", "'404.0'", "[403, 404]"} | ({"404"} & codes)
    # Every row of the one-line JSON array is found by free text, not only the first on the line.
    array_seg = next(i for i, seg in enumerate(mixed.segments) if seg.name.endswith("/array.json"))
    array_rows = [r for r in mixed.order if mixed.segment[r] == array_seg]
    assert len(array_rows) > 10
    assert set(array_rows) <= set(agree(mixed, "eventTime"))
    # Lucene's everything is every event; a pattern finds what the equivalent wildcard finds
    assert agree(mixed, "*:*") == agree(mixed, "")
    assert agree(mixed, r"initiator.name:/.*@example\.com/") == agree(mixed, "initiator.name:*@example.com")
    assert agree(mixed, r"initiator.name:/.*@example\.com/")
    assert agree(mixed, "code:/<400-499>/") == agree(mixed, "code:[400 TO 499] AND code:/[0-9]+/")


def test_time_bounds_agree(mixed):
    times = sorted(mixed.times[r] for r in mixed.order)
    lo, hi = times[len(times) // 5], times[3 * len(times) // 4]
    for query in ("", "alice", "code:[400 TO 499]", "requestData.roles.name:*", "NOT outcome:success", "-envhost-logdna"):
        agree(mixed, query, since_us=lo)
        agree(mixed, query, until_us=hi)
        agree(mixed, query, since_us=lo, until_us=hi)
        agree(mixed, query, since_us=hi, until_us=lo)


# ----------------------------------------------------------------------------- 2. properties

NAMES = ["alice@example.com", "ALICE@Example.com", "bob", "José Müller", "ServiceId-1234", "x y", 'q"uote', "a\\b", "", "404"]
IDS = ["IBMid-270000ABCD", "ibmid-270000abcd", "iam-ServiceId-1234", "crn:v1:bluemix:public:iam::a/1::key:K-1", "12345", ""]
ACTIONS = ["iam-identity.user-apikey.login", "iam-am.policy.create", "IAM-AM.Policy.Create", "is.vpc.vpc.delete", "404", "a.b"]
WORDS = ["alpha", "Beta", "gamma", "dëlta", "ÉPSILON", "zeta-1", "eta.7", "theta_9", "404", "true"]


def _scalar():
    return st.one_of(
        st.sampled_from(["404", "200", "true", "TRUE", "false", "abc", "", " 404", "-5", "0.5", "1e3", "ümlaut", "X*Y"]),
        st.sampled_from([404, 200, 0, -5, 70000, 404.0, 0.5, 1e23, 99999999999999999999, True, False, None]),
    )


def _value(depth: int = 0):
    if depth >= 2:
        return _scalar()
    return st.one_of(
        _scalar(),
        st.lists(_scalar(), max_size=3),
        st.lists(st.fixed_dictionaries({"name": st.sampled_from(NAMES + WORDS)}, optional={"id": _scalar()}), max_size=3),
        st.dictionaries(st.sampled_from(["name", "id", "roles", "k.dot", "n"]), st.deferred(lambda: _value(depth + 1)), max_size=3),
    )


@st.composite
def awkward_event(draw, index: int = 0) -> dict:
    """A realistic event, then a few of its values replaced by what real logs do."""
    ev = base(draw(st.integers(0, 3600)),
              action=draw(st.sampled_from(ACTIONS)),
              outcome=draw(st.sampled_from(["success", "failure", "SUCCESS", "pending"])),
              severity=draw(st.sampled_from(["normal", "warning", "critical"])),
              message=" ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))))
    ev["initiator"]["name"] = draw(st.sampled_from(NAMES))
    ev["initiator"]["id"] = draw(st.sampled_from(IDS))
    ev["target"]["name"] = draw(st.sampled_from(NAMES + WORDS))
    ev["reason"]["reasonCode"] = draw(st.sampled_from([200, 201, 400, 403, 404, 500, 503]))
    ev["requestData"] = draw(st.dictionaries(st.sampled_from(["roles", "token.account.bss", "flag", "count", "name"]),
                                             _value(), max_size=3))
    paths = [("action",), ("outcome",), ("severity",), ("initiator",), ("initiator", "name"), ("initiator", "id"),
             ("target",), ("target", "name"), ("target", "id"), ("reason",), ("reason", "reasonCode"),
             ("dataEvent",), ("responseData", "keyState"), ("eventTime",)]
    for path in draw(st.lists(st.sampled_from(paths), max_size=4, unique=True)):
        if path == ("eventTime",):
            ev = with_path(ev, path, MISSING)
        else:
            ev = with_path(ev, path, draw(st.one_of(st.just(MISSING), _value(1))))
    return ev


FIELDS = ["action", "outcome", "severity", "initiator.name", "initiator.id", "target.name", "target.id",
          "reason.reasonCode", "initiator", "target", "code", "agent", "ip", "user", "dataEvent",
          "requestData.roles.name", "requestData.roles", "requestData[\"token.account.bss\"]", "requestData.name",
          "requestData.roles.id", "responseData.keyState", "message", "reason", "missing.path"]
SPECIAL = set(' \t\n"\\():[]{}<>*?!+-^~/') | {"'"}


def bare(text: str) -> str:
    """A word as typed bare: every character the parser treats specially escaped."""
    return "".join("\\" + ch if ch in SPECIAL or ch.isspace() else ch for ch in text)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


TEXTS = NAMES + IDS + ACTIONS + WORDS + ["404", "-5", "0.5", "1e3", "1e23", "true", "TRUE", "abc", "ümlaut", "X*Y", "70000"]


CODES = ["200", "201", "400", "403", "404", "500", "503", "-5", "70000", "0.5", "1e23", "abc", "true"]
#: The values each field is likely to hold, so that most clauses match some events and not others.
FIELD_TEXTS = {
    "action": ACTIONS, "initiator.name": NAMES, "user": NAMES, "initiator.id": IDS, "initiator": NAMES + IDS,
    "target.name": NAMES + WORDS, "target.id": IDS, "target": NAMES + WORDS + IDS,
    "reason.reasonCode": CODES, "code": CODES, "outcome": ["success", "failure", "SUCCESS", "pending"],
    "severity": ["normal", "warning", "critical"], "message": WORDS, "requestData.roles.name": NAMES + WORDS,
    "requestData.name": NAMES + WORDS, "agent": ["curl/8.5.0", "curl"], "ip": ["192.0.2.10"],
}


@st.composite
def value_text(draw, pool: list[str] | None = None) -> str:
    """A value as typed: one that occurs, a near miss, a wildcard, quoted or bare."""
    text = draw(st.sampled_from(pool if pool and draw(st.integers(0, 9)) < 7 else TEXTS))
    kind = draw(st.sampled_from(["as is", "upper", "lower", "prefix", "suffix", "wild-prefix", "wild-suffix", "wild-middle", "quoted", "number"]))
    if kind == "upper":
        return bare(text.upper()) if text else '""'
    if kind == "lower":
        return bare(text.lower()) if text else '""'
    if kind == "prefix" and len(text) > 1:
        return bare(text[:-1])
    if kind == "suffix" and len(text) > 1:
        return bare(text[1:])
    if kind == "wild-prefix" and text:
        return bare(text[: max(1, len(text) // 2)]) + "*"
    if kind == "wild-suffix" and text:
        return "*" + bare(text[len(text) // 2:])
    if kind == "wild-middle" and len(text) > 2:
        return bare(text[0]) + "?" + bare(text[2:-1]) + "*"
    if kind == "number":
        return draw(st.sampled_from(["404", "404.0", "200", "-5", "0", "70000", "1e23", "0.5", "true", "false"]))
    return quoted(text) if kind == "quoted" or not text else bare(text)


@st.composite
def bound(draw) -> str:
    return draw(st.one_of(st.sampled_from(["*", "0", "200", "400", "404", "499", "500", "-10", "1e30", "0.5"]),
                          st.sampled_from(TEXTS).map(lambda t: quoted(t))))


@st.composite
def clause(draw) -> str:
    field = draw(st.sampled_from(FIELDS))
    kind = draw(st.sampled_from(["match", "match", "match", "range", "compare", "exists", "text", "text", "star"]))
    if kind == "match":
        return f"{field}:{draw(value_text(FIELD_TEXTS.get(field)))}"
    if kind == "range":
        lo, hi = draw(bound()), draw(bound())
        text = f"{field}:{draw(st.sampled_from('[{'))}{lo} TO {hi}{draw(st.sampled_from(']}'))}"
        try:
            parse(text)
        except QuerySyntaxError:  # no value lies between the bounds (an error): the other way round
            text = f"{field}:[{hi} TO {lo}]"
        return text
    if kind == "compare":
        b = draw(bound())
        return f"{field}:{draw(st.sampled_from(['>', '>=', '<', '<=']))}{b}"
    if kind == "exists":
        return f"_exists_:{field}"
    if kind == "star":
        return f"{field}:*"
    # free text: a word or phrase from the values, a fragment of one, or a wildcard word
    text = draw(st.sampled_from(TEXTS + ["alice", "example", "login", "success", "roles", "\"name\":", "iam-identity"]))
    form = draw(st.sampled_from(["quoted", "bare", "fragment", "wild"]))
    if form == "fragment" and len(text) > 2:
        i = draw(st.integers(0, len(text) - 2))
        text = text[i:i + draw(st.integers(1, len(text) - i))]
    if form == "wild" and text:
        return bare(text[: max(1, len(text) // 2)]) + draw(st.sampled_from(["*", "?", "*a", "?e*"]))
    if not text.strip() or form == "quoted" or not any(ch.isalnum() for ch in text):
        return quoted(text)
    return bare(text)


def query_text(max_depth: int = 3):
    return st.recursive(
        clause(),
        lambda children: st.one_of(
            st.tuples(children, st.sampled_from([" AND ", " OR ", " ", " && ", " || "]), children).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            st.tuples(children, st.sampled_from([" AND ", " OR ", " "]), children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
            children.map(lambda c: f"NOT {c}"),
            children.map(lambda c: f"-{c}" if not c.startswith("-") else f"NOT {c}"),
        ),
        max_leaves=6,
    )


SHAPES = ["jsonl", "array-line", "pretty", "pretty-array", "gzip", "two-files", "envelopes"]


def write_shape(folder: Path, shape: str, events: list[dict]) -> list[Path]:
    """Write events as one input shape; returns the paths to read."""
    if shape == "jsonl":
        p = folder / "log.jsonl"
        p.write_bytes(b"".join(dumps(e) + b"\n" for e in events))
        return [p]
    if shape == "array-line":
        p = folder / "log.json"
        p.write_bytes(dumps(events))
        return [p]
    if shape == "pretty":
        p = folder / "log.json"
        p.write_bytes(pretty(events))
        return [p]
    if shape == "pretty-array":
        p = folder / "log.json"
        p.write_bytes(json.dumps(events, indent=1, ensure_ascii=False).encode())
        return [p]
    if shape == "gzip":
        p = folder / "log.json.gz"
        p.write_bytes(gzip.compress(b"".join(dumps(e) + b"\n" for e in events)))
        return [p]
    if shape == "two-files":
        a, b = folder / "a.jsonl", folder / "b.json"
        a.write_bytes(b"".join(dumps(e) + b"\n" for e in events[::2]))
        b.write_bytes(pretty(events[1::2]))
        return [a, b]
    # envelopes: each event in a different wrapper, with LogDNA keys that hold text too
    p = folder / "env.log"
    out = []
    for i, e in enumerate(events):
        k = i % 4
        if k == 0:
            out.append(dumps({**e, "_line": dumps(e).decode(), "_ts": 1790000000000, "_host": "alpha-host"}))
        elif k == 1:
            out.append(dumps({"_source": {"_line": dumps(e).decode(), "_host": "beta-host"}}))
        elif k == 2:
            out.append(b"data: " + dumps({"result": {"results": [{"user_data": dumps(e).decode()}]}}))
        else:
            out.append(dumps({"payload": e, "meta": {"x": "gamma"}, "saveServiceCopy": False}))
    p.write_bytes(b"\n".join(out) + b"\n")
    return [p]


#: More examples for a longer hunt: ATLENS_FILTER_EXAMPLES=2000 pytest tests/core/test_filtering.py
EXAMPLES = int(os.environ.get("ATLENS_FILTER_EXAMPLES", "60"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events=st.lists(awkward_event(), min_size=1, max_size=14), shape=st.sampled_from(SHAPES),
       queries=st.lists(query_text(), min_size=1, max_size=6), bounds=st.tuples(st.none() | st.integers(0, 3600), st.none() | st.integers(0, 3600)))
def test_generated_queries_over_generated_events_agree(events, shape, queries, bounds):
    since = None if bounds[0] is None else t_us(bounds[0])
    until = None if bounds[1] is None else t_us(bounds[1])
    with tempfile.TemporaryDirectory(prefix="atlens-filter-") as folder:
        paths = write_shape(Path(folder), shape, events)
        store = read_store(*paths)
        assert len(store) == len(events)
        for query in queries:
            node = parse(query)
            for lo, hi in ((None, None), (since, until)):
                expected = reference_rows(store, node, lo, hi)
                bulk = Filter(store, node, since_us=lo, until_us=hi)
                assert list(bulk.rows()) == expected, query
                assert [r for r in store.order if bulk.test(r)] == expected, query
                store.field_columns.clear()
                one = Filter(store, node, since_us=lo, until_us=hi)
                assert [r for r in store.order if one.test(r)] == expected, query


# ----------------------------------------------------------------------------- 3. worker processes


def interleaved_store(folder: Path, rounds: int, per_round: int) -> tuple[Store, Reader, list[Path]]:
    """Three files appended to in turns and read after each turn: rows of the segments interleave."""
    files = [folder / "one.jsonl", folder / "two.jsonl", folder / "three.jsonl"]
    for f in files:
        f.write_bytes(b"")
    store = Store()
    reader = Reader(store, resolve_inputs([str(f) for f in files]), parallel=False)
    reader.load(follow=False)
    gen = iter(generated(rounds * per_round * 3, seed=11))
    awkward = awkward_events(5000)
    k = 0
    for r in range(rounds):
        for i, f in enumerate(files):
            batch = [next(gen) for _ in range(per_round)]
            if awkward:
                batch.insert(k % per_round, awkward.pop())
            k += 1
            with open(f, "ab") as fh:
                fh.write(b"".join(dumps(e) + b"\n" for e in batch))
            reader.poll_all(rescan=False)
    return store, reader, files


POOL_QUERIES = [
    "requestData.roles.name:*",
    "requestData.account_id:*",
    "responseData.keyState:1 OR dataEvent:true",
    "requestData[\"token.account.bss\"]:* OR NOT requestData.iam_id:ibmid*",
    "initiator.credential.type:apikey AND code:[200 TO 299]",
    "message:*login* OR correlationId:5a0c*",
]


def test_materialised_fields_in_worker_processes_agree(tmp_path, monkeypatch):
    store, reader, _ = interleaved_store(tmp_path, rounds=4, per_round=25)
    try:
        segments = [store.segment[r] for r in range(len(store))]
        assert len(set(segments)) == 3 and sum(a != b for a, b in pairwise(segments)) >= 6
        monkeypatch.setattr(filtering, "_CHUNK_ROWS", 37)
        jobs: list[int] = []
        from tui.core import workers

        class CountingPool(workers.WorkerPool):
            def run(self, jobs_in):
                jobs_in = list(jobs_in)
                jobs.append(len(jobs_in))
                assert self._procs and all(p.pid != os.getpid() for p in self._procs)
                return super().run(jobs_in)

        monkeypatch.setattr(workers, "WorkerPool", CountingPool)
        assert "WorkerPool" not in vars(filtering)  # imported where used, so the patch above reaches it
        for query in POOL_QUERIES:
            node = parse(query)
            store.field_columns.clear()
            f = Filter(store, node)
            f.pool_from_rows = 10
            assert list(f.rows()) == reference_rows(store, node), query
            assert [r for r in store.order if f.test(r)] == reference_rows(store, node), query
        assert jobs and max(jobs) > 3  # several jobs, some split across segments, ran in workers
    finally:
        reader.close()


def test_free_text_in_worker_processes_agrees(tmp_path, monkeypatch):
    gen = generated(1500, seed=3)
    awkward = awkward_events(9000)
    lines = [dumps(e) for e in gen]
    for i, e in enumerate(awkward):
        lines.insert(1 + i * 29, dumps(e))
    (tmp_path / "big.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (tmp_path / "array.json").write_bytes(dumps(awkward_events(9500)))
    (tmp_path / "pretty.json").write_bytes(pretty(awkward_events(9600) + gen[:40]))
    store = read_store(tmp_path)
    monkeypatch.setattr(filtering, "_TEXT_CHUNK", 16 << 10)
    size = os.path.getsize(tmp_path / "big.jsonl")
    assert size > 10 * filtering._TEXT_CHUNK
    calls: list[int] = []
    real = filtering._line_bounds

    def counting(path, end, step):
        bounds = real(path, end, step)
        calls.append(len(bounds))
        return bounds

    monkeypatch.setattr(filtering, "_line_bounds", counting)
    for query in ("alice", "ALICE", "\"said \\\"héllo\"", "iam-identity.user-*.login", "log?n", "NOT example.com",
                  "straße OR envhost", "\"\"", "}*{", "true*}", "\"2026-11-20T00\"", "192.0.2.10"):
        node = parse(query)
        expected = reference_rows(store, node)
        assert list(Filter(store, node).rows()) == expected, query
    assert calls and max(calls) > 5


# ----------------------------------------------------------------------------- 4. following


def test_rows_added_later_are_answered_alike_and_columns_extend(tmp_path):
    files = [tmp_path / "live.jsonl", tmp_path / "other.json"]
    gen = generated(120, seed=5)
    files[0].write_bytes(b"".join(dumps(e) + b"\n" for e in gen[:40]))
    files[1].write_bytes(pretty(awkward_events(100)[:10]))
    store = Store()
    reader = Reader(store, resolve_inputs([str(f) for f in files]), parallel=False)
    try:
        reader.load(follow=True)
        queries = ["requestData.roles.name:* OR requestData.account_id:*", "alice OR code:[400 TO 499]",
                   "NOT initiator.name:*example.com", "requestData[\"token.account.bss\"]:* OR responseData.keyState:1"]
        filters = {q: Filter(store, parse(q)) for q in queries}
        for q, f in filters.items():
            assert list(f.rows()) == reference_rows(store, parse(q))
        path = ("requestData", "roles", "name")
        assert len(store.field_columns[path]) == len(store)
        before = len(store)
        # New events arrive in both files, some older than those already read.
        with open(files[0], "ab") as fh:
            fh.write(b"".join(dumps(e) + b"\n" for e in gen[40:] + awkward_events(30)[10:30]))
        with open(files[1], "ab") as fh:
            fh.write(pretty(awkward_events(200)[30:]))
        assert reader.poll_all(rescan=False) > 0
        new_rows = range(before, len(store))
        assert len(new_rows) > 50
        assert len(store.field_columns[path]) == before  # not extended until asked
        for q, f in filters.items():
            node = parse(q)
            expected = reference_rows(store, node)
            # The filter built before the rows came answers them one by one...
            assert [r for r in new_rows if f.test(r)] == [r for r in new_rows if matches(node, store.event(r).event, store.raw(r))]
            # ...and a fresh rows() over everything agrees, extending the materialised columns.
            assert list(f.rows()) == expected
            assert list(Filter(store, node).rows()) == expected
            assert [r for r in store.order if f.test(r)] == expected
        assert len(store.field_columns[path]) == len(store)
    finally:
        reader.close()


# ----------------------------------------------------------------------------- 5. free text specifics


def test_phrase_with_a_quote_and_non_ascii_word(tmp_path):
    p = tmp_path / "q.jsonl"
    evs = [base(1, message='He said "héllo wörld" loudly'), base(2, message="He said héllo wörld"),
           base(3, message='HE SAID "HÉLLO WÖRLD"'), base(4, message='he said "hello world"')]
    p.write_bytes(b"".join(dumps(e) + b"\n" for e in evs) + json.dumps(base(5, message='He said "héllo"')).encode() + b"\n")
    store = read_store(p)
    # Case-insensitive for ASCII letters only; the \u00e9 spelling (row 4) is not the text as logged.
    assert agree(store, '"said \\"héllo wörld\\""') == [0]
    assert agree(store, '"SAID \\"héllo"') == [0]
    assert agree(store, '"\\"HÉLLO"') == [2]
    assert agree(store, 'héllo') == [0, 1]
    # A typed backslash is a backslash of the text, searched as JSON writes it (\\\\), so typing the
    # escape does not find the escaped spelling either.
    assert agree(store, '"said \\"h\\\\u00e9llo\\""') == []


def test_text_only_in_an_envelope_field(tmp_path):
    e = base(1, action="only.in.envelope")
    lines = [dumps({**e, "_line": dumps(e).decode(), "_ts": 1, "_host": "Envelope-Only-Host"}),
             dumps({"_source": {"_line": dumps(base(2)).decode(), "_host": "kafka-only-host"}}),
             dumps(base(3))]
    p = tmp_path / "e.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    store = read_store(p)
    assert agree(store, "envelope-only-host") == [0]
    assert agree(store, "kafka-only-host") == [1]
    assert agree(store, "_host:envelope-only-host") == []
    assert agree(store, "NOT *-only-host") == [2]


def test_every_row_of_a_one_line_array_is_found_by_free_text(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(dumps([base(i, action=f"svc.thing{i}.read") for i in range(5)]))
    store = read_store(p)
    assert agree(store, "alice") == [0, 1, 2, 3, 4]
    assert agree(store, "svc.thing3.read") == [3]
    assert agree(store, "svc.thing*.read") == [0, 1, 2, 3, 4]


def test_text_with_undecodable_bytes_from_the_command_line(mixed):
    """argv with bytes that are not UTF-8 reaches the query as lone surrogates: no crash, same answer."""
    agree(mixed, "alice\udcff")
    agree(mixed, "alice\udcff OR code:404")


# ----------------------------------------------------------------------------- sources that moved


@pytest.mark.parametrize("pool", [False, True], ids=["inline", "workers"])
def test_rotated_and_deleted_files_are_searched_in_their_own_bytes(tmp_path, monkeypatch, pool):
    """A file renamed away (and then deleted) keeps its rows: queries read the bytes those rows
    came from, not whatever file now has its name."""
    live = tmp_path / "live.log"

    def batch(tag: str, start: float, count: int) -> bytes:
        return b"".join(dumps(base(start + i, action=f"svc.{tag}{i}.read", message=f"{tag} message {i}",
                                   requestData={"k": f"{tag}{i}", "roles": [{"name": tag}]})) + b"\n" for i in range(count))

    live.write_bytes(batch("old", 0, 30))
    store = Store()
    reader = Reader(store, resolve_inputs([str(live)]), parallel=False)
    try:
        reader.load(follow=True)
        os.rename(live, tmp_path / "live.log.1")
        live.write_bytes(batch("NEW", 100, 30))
        reader.poll_all()
        assert len(store) == 60 and len(store.segments) == 2
        if pool:
            monkeypatch.setattr(filtering, "_CHUNK_ROWS", 7)
            monkeypatch.setattr(filtering, "_TEXT_CHUNK", 256)
            monkeypatch.setattr(Filter, "pool_from_rows", 5)
        queries = ["requestData.k:old1", "old1", "requestData.k:new1", "new1", "requestData.roles.name:old",
                   "\"old message 2\"", "old message*", "NOT requestData.k:new*"]
        for query in queries:
            store.field_columns.clear()
            agree(store, query)
        os.unlink(tmp_path / "live.log.1")
        reader.poll_all()
        for query in queries:
            store.field_columns.clear()
            agree(store, query)
        assert len(agree(store, "requestData.roles.name:old")) == 30
        assert len(agree(store, "\"old message\"")) == 30
    finally:
        reader.close()


def test_gzip_rows_are_searched_after_the_reader_is_closed(tmp_path):
    """The decompressed spool goes away with the reader; the store's rows stay searchable."""
    p = tmp_path / "a.json.gz"
    p.write_bytes(gzip.compress(b"".join(dumps(e) + b"\n" for e in generated(50, seed=2) + awkward_events(300))))
    store = read_store(p)  # closes the reader
    for query in ("requestData.roles.name:*", "alice", "code:404 OR requestData[\"token.account.bss\"]:*"):
        assert agree(store, query)


def test_cloud_logs_suffixes_answer_as_the_field_and_indexed_ones_from_the_index(tmp_path):
    """`.keyword`/`.numeric` give the rows the field itself gives; on an indexed field no event
    is parsed (no field column is built); a real key named `keyword` is reached by ["keyword"]."""
    evs = [base(0, action="iam-identity.apikey.create", reason={"reasonCode": 201}),
           base(1, action="iam-identity.apikey.delete", outcome="failure", reason={"reasonCode": 403}),
           base(2, action="billing.account.update", reason={"reasonCode": "404"}),
           base(3, action="iam-am.policy.update", requestData={"keyword": "needle"}, initiator={"id": "IBMid-9"})]
    path = tmp_path / "at.log"
    path.write_bytes(b"".join(dumps(e) + b"\n" for e in evs))
    store = read_paths(path)
    for typed, meant in [("action.keyword:iam-identity.*", "action:iam-identity.*"),
                         ("reason.reasonCode.numeric:[400 TO 499]", "reason.reasonCode:[400 TO 499]"),
                         ("code.numeric:>=400", "code:>=400"),
                         ("_exists_:initiator.name.keyword", "_exists_:initiator.name"),
                         ("outcome.keyword:failure OR target.name.keyword:my-key", "outcome:failure OR target.name:my-key")]:
        store.field_columns.clear()
        assert list(Filter(store, parse(typed)).rows()) == list(Filter(store, parse(meant)).rows()), typed
        assert store.field_columns == {}, f"{typed} parsed events instead of using the index"
    assert [store.text("action", r) for r in Filter(store, parse('requestData["keyword"]:needle')).rows()] == ["iam-am.policy.update"]
    assert list(Filter(store, parse("requestData.keyword:needle")).rows()) == []
    assert agree(store, "requestData.keyword:needle OR action.keyword:billing.*") == agree(store, "action:billing.*")
