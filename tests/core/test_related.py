"""Related events, checked against a straightforward reading of every event: generated ones (with
requests that share their ids) and the sample logs."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from tests.core.conftest import event, line, read_path, read_paths
from tui.core import generator
from tui.core.decode import parse_time_us
from tui.core.filtering import Filter
from tui.core.people import identity_texts
from tui.core.query import parse
from tui.core.related import LISTED, WINDOW_US, related

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "sample_logs").glob("*.jsonl"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


_READ: dict[int, tuple] = {}


def _read(store) -> tuple:
    """Every event parsed, its time, and its initiator's identity (once per store)."""
    if id(store) not in _READ:
        evs = [store.event(r).event or {} for r in range(len(store))]
        _READ[id(store)] = (store, evs, [parse_time_us(e.get("eventTime")) for e in evs],
                            identity_texts(store, range(len(store))))
    return _READ[id(store)][1:]


def reference(store, row: int, window_us: int = WINDOW_US) -> dict[str, tuple[int, ...]]:
    """Each reason's other rows in time order, read from every event one by one."""
    n = len(store)
    evs, times, labels = _read(store)

    def ordered(rows):
        return tuple(sorted(rows, key=lambda r: (store.times[r], r)))

    me = evs[row]
    out: dict[str, tuple[int, ...]] = {}
    corr = _text(me.get("correlationId"))
    if corr:
        out["same correlationId"] = ordered(r for r in range(n) if r != row and evs[r].get("correlationId") == corr)
    req = me.get("requestData")
    xgt = _text(req.get("X-Global-Transaction-Id")) if isinstance(req, dict) else ""
    if xgt:
        out["same X-Global-Transaction-Id"] = ordered(
            r for r in range(n) if r != row and isinstance(evs[r].get("requestData"), dict)
            and evs[r]["requestData"].get("X-Global-Transaction-Id") == xgt)
    target = me.get("target") if isinstance(me.get("target"), dict) else {}
    key = "id" if _text(target.get("id")) else "name"
    mine = _text(target.get(key))
    if mine:
        same = [r for r in range(n) if isinstance(evs[r].get("target"), dict) and evs[r]["target"].get(key) == mine]
        out["same target"] = ordered(r for r in same if r != row)
        peers = ordered(r for r in same if evs[r].get("action") == me.get("action"))
        at = peers.index(row)
        pending = [str(evs[r].get("outcome", "")).lower() == "pending" for r in peers]
        if pending[at] and at + 1 < len(peers) and not pending[at + 1]:
            out["the event that closes this pending request"] = (peers[at + 1],)
        if not pending[at] and at > 0 and pending[at - 1]:
            out["the pending request this event closes"] = (peers[at - 1],)
    if times[row] is not None:
        if labels[row]:
            out[f"same initiator within {window_us / 60_000_000:g} minutes"] = ordered(
                r for r in range(n) if r != row and labels[r] == labels[row] and times[r] is not None
                and abs(times[r] - times[row]) <= window_us)
    return {why: rows for why, rows in out.items() if rows}


def found(store, row: int) -> dict[str, tuple[int, ...]]:
    groups = related(store, row, listed=None)
    assert all(g.total == len(g.rows) for g in groups)
    return {g.why: g.rows for g in groups}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """3,000 generated events, and requests whose events share a correlationId or a transaction id."""
    path = tmp_path_factory.mktemp("related") / "gen.log"
    generator.write_file(path, 3_000, seed=5)
    events = [orjson.loads(raw) for raw in path.read_bytes().splitlines()]
    rng = random.Random(7)
    extra = []
    for k in range(40):
        base = dict(rng.choice(events))
        base["correlationId"] = f"corr-{k % 13}"
        base["requestData"] = {"X-Global-Transaction-Id": f"txn-{k % 7}"}
        extra.append(base)
    with open(path, "ab") as fh:
        fh.write(b"".join(line(e) for e in extra))
    return read_path(path)


def test_groups_match_a_reading_of_every_event(generated):
    store = generated
    rng = random.Random(1)
    rows = rng.sample(range(len(store)), 40) + list(range(len(store) - 40, len(store)))
    # And every pending event with the one that closes it.
    rows += list(Filter(store, parse("outcome:pending")).rows())[:20]
    for row in rows:
        assert found(store, row) == reference(store, row), row


def test_pending_requests_are_paired_with_the_event_that_closes_them(generated):
    store = generated
    pending = list(Filter(store, parse("outcome:pending")).rows())
    assert pending
    closed = 0
    for row in pending:
        groups = {g.why: g for g in related(store, row)}
        closing = groups.get("the event that closes this pending request")
        if closing is None:
            continue
        closed += 1
        (other,) = closing.rows
        assert store.text("outcome", other) != "pending"
        assert store.times[other] >= store.times[row]
        back = {g.why: g.rows for g in related(store, other)}
        assert back["the pending request this event closes"] == (row,)
    assert closed >= len(pending) // 2


def test_the_sample_logs_match_a_reading_of_every_event():
    store = read_paths(*SAMPLES)
    for row in range(len(store)):
        assert found(store, row) == reference(store, row), (row, store.text("action", row))


def test_a_group_lists_the_events_nearest_in_time_and_counts_them_all(tmp_path):
    events = [event(eventTime=f"2026-11-20T10:{m:02d}:00Z", correlationId="same") for m in range(30)]
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(line(e) for e in events))
    store = read_path(path)
    middle = store.order[10]
    (corr,) = [g for g in related(store, middle, listed=6) if g.why == "same correlationId"]
    assert corr.total == 29
    assert [store.times[r] for r in corr.rows] == sorted(store.times[r] for r in corr.rows)
    minutes = sorted((store.times[r] - store.times[middle]) // 60_000_000 for r in corr.rows)
    assert minutes == [-3, -2, -1, 1, 2, 3]
    assert corr.query == "correlationId:same"
    assert len(Filter(store, parse(corr.query)).rows()) == 30


def test_an_event_with_nothing_in_common_has_no_group(tmp_path):
    events = [event(eventTime="2026-11-20T10:00:00Z", correlationId="a", requestData={},
                    target={"id": "t1", "name": "one"}),
              event(eventTime="2026-11-20T12:00:00Z", correlationId="b", requestData={},
                    target={"id": "t2", "name": "two"}, initiator={"id": "IBMid-2", "name": "bob@example.com"})]
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(line(e) for e in events))
    store = read_path(path)
    assert related(store, 0) == [] and related(store, 1) == []
    assert LISTED >= 50


def test_events_stored_after_the_index_was_built_are_found_too(tmp_path):
    from tui.core.sources import Reader, resolve_inputs

    first, second = tmp_path / "a.log", tmp_path / "b.log"
    generator.write_file(first, 800, seed=11)
    events = [orjson.loads(raw) for raw in first.read_bytes().splitlines()]
    # Later events of the same targets and requests, some sorting before the first file's last ones.
    later = [dict(e, correlationId=f"c-{k % 5}") for k, e in enumerate(events[::7])]
    second.write_bytes(b"".join(line(e) for e in later))
    store = read_path(first)
    for row in range(0, len(store), 50):
        related(store, row)  # the indexes are built over the first file
    reader = Reader(store, resolve_inputs([str(second)]))
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    assert len(store) == len(events) + len(later)
    for row in list(range(0, len(events), 37)) + list(range(len(events), len(store), 3)):
        assert found(store, row) == reference(store, row), row
