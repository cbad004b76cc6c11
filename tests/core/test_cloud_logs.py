"""IBM Cloud Logs query results saved as they arrive (server-sent events), written to real files
and read back as `atlens` reads them: every event of both result forms, and every other line of
the stream accounted for as skipped, never as a bad line."""

from __future__ import annotations

import orjson
import pytest

from tui.core.sources import Reader, resolve_inputs
from tui.core.sources.ranges import index_range
from tui.core.store import Store


def item(event: dict) -> dict:
    """One Cloud Logs result: the event as a JSON string beside its metadata and labels."""
    return {"metadata": [{"key": "applicationName", "value": "ibm-audit-event"},
                         {"key": "severity", "value": "Info"}],
            "labels": [{"key": "applicationname", "value": "ibm-audit-event"},
                       {"key": "subsystemname", "value": "iam-identity:"}],
            "user_data": orjson.dumps(event).decode()}


def query_result(*evs: dict) -> bytes:
    """A `data:` line of the query endpoint (`POST /v1/query`)."""
    return b"data: " + orjson.dumps({"result": {"results": [item(e) for e in evs]}})


def background_result(*evs: dict) -> bytes:
    """A `data:` line of a background query's data stream (`/v1/background_query/data`)."""
    return b"data: " + orjson.dumps({"response": {"results": {"results": [item(e) for e in evs]}}})


@pytest.fixture
def five(event):
    """Five distinct events, a second apart."""
    return [event(action=f"iam-identity.apikey.n{k}", eventTime=f"2026-11-20T10:00:0{k}.00+0000") for k in range(5)]


def bare(shown: list[dict]) -> list[dict]:
    """The events without the Cloud Logs labels and metadata atlens keeps beside them; checks
    that each kept them, as the item above gave them."""
    out = []
    for event in shown:
        assert event["labels"] == {"applicationname": "ibm-audit-event", "subsystemname": "iam-identity:"}
        assert event["metadata"] == {"applicationName": "ibm-audit-event", "severity": "Info"}
        out.append({k: v for k, v in event.items() if k not in ("labels", "metadata")})
    return out


def read_with_notices(path) -> tuple[Store, list[str]]:
    store = Store()
    said: list[str] = []
    reader = Reader(store, resolve_inputs([str(path)]), on_status=lambda notice: said.append(notice.text), parallel=False)
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    return store, said


def test_background_query_stream_gives_every_event_and_skips_its_framing(tmp_path, five, events):
    """A saved background-query stream as curl writes it: SSE fields, keep-alives, the query
    id, blank lines between messages, results in both forms. Every event is read; the rest is
    counted as skipped and said once, never as lines that are not events."""
    stream = [
        b"event: message",
        b'data: {"query_id": {"query_id": "7f3b9c2e-1a2b-4c5d-8e9f-0a1b2c3d4e5f"}}',
        b"",
        b": keep-alive",
        b"",
        b"id: 1",
        b"event: message",
        background_result(five[3], five[1]),
        b"",
        b"retry: 3000",
        b"data: " + orjson.dumps({"response": {"results": {"results": []}}}),
        b"",
        b"event: message",
        query_result(five[0]),
        b"",
        background_result(five[4], five[2]),
        b":",
        b"data:",
        b"",
    ]
    path = tmp_path / "background.sse"
    path.write_bytes(b"\n".join(stream) + b"\n")
    store, said = read_with_notices(path)
    assert bare(events(store)) == five
    assert store.errors == []
    acc = store.accounting()
    assert acc["lines"] == len(stream)
    assert acc["event_values"] == 3
    assert acc["blank"] == 6
    # event:, the query id, : keep-alive, id:, event:, retry:, the empty page, event:, :, data:
    assert acc["skipped"] == 10
    assert acc["lines"] == acc["event_values"] + acc["errors"] + acc["blank"] + acc["skipped"]
    skipped = [text for text in said if "skipped" in text]
    assert len(skipped) == 1 and "background.sse" in skipped[0] and "Cloud Logs" in skipped[0]


def test_each_event_of_a_background_result_comes_back_from_its_line(tmp_path, five, events):
    path = tmp_path / "background.sse"
    path.write_bytes(background_result(five[1], five[0]) + b"\n\n" + background_result(five[2]) + b"\n")
    store, _ = read_with_notices(path)
    assert bare(events(store)) == five[:3]
    first_line = sorted(store.event(r).event["action"] for r in range(len(store)) if store.offsets[r] == 0)
    assert first_line == [five[0]["action"], five[1]["action"]]


def test_a_stream_without_framing_says_nothing_about_skipping(tmp_path, five):
    path = tmp_path / "query.sse"
    path.write_bytes(query_result(*five) + b"\n")
    store, said = read_with_notices(path)
    assert len(store) == 5 and store.accounting()["skipped"] == 0
    assert not [text for text in said if "skipped" in text]


def test_warning_and_error_messages_of_the_query_are_said_with_their_text(tmp_path, five, events):
    """A warning (results limited) or an error (the query stopped) says the answer may be
    incomplete: each is a record a user sees, with what Cloud Logs said, not a silent skip."""
    path = tmp_path / "query.sse"
    warning = {"warning": {"result_limit_warning": {"warning_message": "Results are limited to 2000 rows"}}}
    failure = {"error": {"message": "query timed out", "code": {"rate_limit_reached": {}}}}
    path.write_bytes(b"\n".join([query_result(five[0]), b"data: " + orjson.dumps(warning),
                                 b"data: " + orjson.dumps(failure)]) + b"\n")
    store, _ = read_with_notices(path)
    assert bare(events(store)) == five[:1]
    reasons = [e.reason for e in store.errors]
    assert len(reasons) == 2
    assert "Cloud Logs" in reasons[0] and "warning" in reasons[0] and "limited to 2000 rows" in reasons[0]
    assert "Cloud Logs" in reasons[1] and "error" in reasons[1] and "query timed out" in reasons[1]


def test_a_stream_read_in_ranges_counts_as_when_read_whole(tmp_path, five):
    """A large file is indexed by worker processes, a byte range each: the framing of the
    stream is skipped the same whichever range its lines fall in."""
    lines = []
    for k in range(40):
        lines += [b"event: message", background_result(five[k % 5]), b"", b": keep-alive"]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "big.sse"
    path.write_bytes(data)
    middle = data.index(b"\n", len(data) // 2) + 1
    whole = index_range(str(path), "big.sse", 0, len(data), final=True)
    first = index_range(str(path), "big.sse", 0, middle, final=False)
    second = index_range(str(path), "big.sse", middle, len(data), final=True)
    assert whole.errors == first.errors == second.errors == []
    assert (len(whole), whole.event_values, whole.skipped, whole.blank) == (40, 40, 80, 40)
    assert (len(first) + len(second), first.skipped + second.skipped, first.lines + second.lines) == (40, 80, whole.lines)


def test_results_that_are_not_events_are_said_beside_the_events_of_their_page(tmp_path, five, events):
    """A query over every log (not only `ibm-audit-event`) saves application logs beside the
    audit events: the events are read, and the page is one record naming what is not an event."""
    app_log = {"metadata": [{"key": "applicationName", "value": "my-app"}], "labels": [],
               "user_data": "GET /healthz 200"}
    page = {"response": {"results": {"results": [item(five[1]), app_log, item(five[0])]}}}
    path = tmp_path / "all.sse"
    path.write_bytes(b"data: " + orjson.dumps(page) + b"\n")
    store, _ = read_with_notices(path)
    assert bare(events(store)) == five[:2]
    (error,) = store.errors
    assert "result 2" in error.reason and "not JSON" in error.reason
    assert sorted(store.event(r).event["action"] for r in range(len(store))) == [five[0]["action"], five[1]["action"]]
