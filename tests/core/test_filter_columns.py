"""Indexed fields answered from byte codes of the store's columns, and matching rows taken in time
order run by run, give exactly the rows a plain evaluation of every event gives.

Over several files (one large file read in chunks, newest part first), ties, events out of
order, columns with more distinct values than a byte codes, and rows that arrive between two
queries, while a query runs, or while queries run in other threads.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from tests.core.conftest import event, read_paths
from tests.core.reference import reference_rows
from tui.core.sources import reader as sources  # where the thresholds of the first read live
from tui.core.filtering import Filter
from tui.core.generator import generate_events
from tui.core.query import parse
from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store

DAY0 = datetime(2026, 11, 20, tzinfo=UTC)

#: Queries on indexed fields only: few and many matches, AND, OR, NOT, a range on reason codes,
#: and target names (more distinct values than a byte codes).
QUERIES = [
    "outcome:success",
    "outcome:failure -severity:normal",
    "action:cloudantnosqldb.* OR severity:critical",
    "NOT action:iam-identity.*",
    "initiator:*example.org outcome:success",
    "code:[200 TO 201]",
    "-code:200",
    "target.name:*",
]


def lines(events) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 10000:02d}+0000"


def generated(count: int, seed: int, start: datetime = DAY0) -> list[dict]:
    return list(generate_events(count, seed=seed, start=start))


def agree(store: Store, query: str, since_us: int | None = None, until_us: int | None = None) -> list[int]:
    """Assert a new Filter's rows() gives the reference's rows, in time order; returns them."""
    node = parse(query)
    expected = reference_rows(store, node, since_us, until_us)
    got = list(Filter(store, node, since_us=since_us, until_us=until_us).rows())
    assert got == expected, (query, since_us, until_us)
    return expected


def follow(*paths) -> tuple[Store, Reader]:
    store = Store()
    reader = Reader(store, resolve_inputs([str(p) for p in paths]), parallel=False)
    reader.load(follow=True)
    return store, reader


def live_and_older(tmp_path, seed: int, live_count: int, older_count: int):
    """A file of today's events and one of the day before, both followed: (live, older, store, reader)."""
    live, older = tmp_path / "live.jsonl", tmp_path / "older.jsonl"
    live.write_bytes(lines(generated(live_count, seed=seed)))
    older.write_bytes(lines(generated(older_count, seed=seed + 1, start=DAY0 - timedelta(days=1))))
    return (live, older, *follow(live, older))


def append(path, events: list[dict], reader: Reader) -> None:
    with open(path, "ab") as fh:
        fh.write(lines(events))
    assert reader.poll_all(rescan=False) == len(events)


# ----------------------------------------------------------------------------- what is stored


@pytest.mark.parametrize("shuffled", [False, True], ids=["files-in-runs", "with-a-shuffled-file"])
def test_queries_over_several_files_agree(tmp_path, monkeypatch, shuffled):
    """A large file read in chunks, a file from the day before, events that tie with one of the
    large file's times and, shuffled, a file of events in random time order."""
    monkeypatch.setattr(sources, "PARALLEL_THRESHOLD", 64 * 1024)
    monkeypatch.setattr(sources, "TAIL_FIRST_BYTES", 16 * 1024)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 64 * 1024)
    big = generated(2400, seed=21)
    (tmp_path / "big.jsonl").write_bytes(lines(big))
    (tmp_path / "yesterday.jsonl").write_bytes(lines(generated(400, seed=22, start=DAY0 - timedelta(days=1))))
    tie = big[1200]["eventTime"]
    (tmp_path / "ties.jsonl").write_bytes(lines({**e, "eventTime": tie} for e in generated(40, seed=23)))
    if shuffled:
        rng = random.Random(24)
        (tmp_path / "shuffled.jsonl").write_bytes(
            lines({**e, "eventTime": rng.choice(big)["eventTime"]} for e in generated(300, seed=25)))
    store = read_paths(tmp_path, parallel=True)
    assert store.version > 10  # the large file's chunks went in before its end, read first
    times = sorted(store.times)
    third, two_thirds = times[len(times) // 3], times[2 * len(times) // 3]
    ties = next(i for i, seg in enumerate(store.segments) if seg.name.endswith("ties.jsonl"))
    tie_us = store.times[store.segment.index(ties)]
    bounds = [(None, None), (third, None), (None, two_thirds), (third, two_thirds), (tie_us, tie_us + 1), (two_thirds, third)]
    for query in QUERIES:
        for since, until in bounds:
            agree(store, query, since, until)
    assert len(agree(store, "outcome:success", tie_us, tie_us + 1)) >= 40
    # What the scenario is for: an order of a few runs, or one too fragmented for runs.
    runs = store.order_runs[2]
    assert runs is None if shuffled else 2 < len(runs) < 10


def test_a_column_with_more_values_than_a_byte_codes(tmp_path):
    """Actions and reason codes go past 256 distinct values only in rows that arrive after a first query."""
    path = tmp_path / "many.jsonl"

    def batch(first: int, count: int, at: datetime) -> list[dict]:
        return [event(action=f"svc.thing{i}.read", eventTime=stamp(at + timedelta(seconds=i)),
                      outcome="success" if i % 3 else "failure", reason={"reasonCode": 100 + i, "reasonType": "x"})
                for i in range(first, first + count)]

    path.write_bytes(lines(batch(0, 200, DAY0)))
    store, reader = follow(path)
    try:
        queries = ["action:svc.thing1*", "code:[150 TO 350]", "action:svc.* -code:[120 TO 130]", "outcome:failure",
                   "NOT action:svc.thing2*"]
        for query in queries:
            agree(store, query)
        append(path, batch(200, 150, DAY0 - timedelta(hours=1)), reader)
        for query in queries:
            agree(store, query)
        assert len(agree(store, "action:svc.thing3*")) == 1 + 10 + 50  # thing3, thing30-39, thing300-349
        assert len(agree(store, "code:[300 TO 449]")) == 150
    finally:
        reader.close()


# ----------------------------------------------------------------------------- rows that arrive


def test_rows_that_arrive_after_a_query_are_found_by_the_next(tmp_path):
    """Later events (appended to the order) and older ones (put in the middle of it), in turns."""
    live, older, store, reader = live_and_older(tmp_path, 31, 600, 300)
    try:
        for query in QUERIES:
            agree(store, query)
        # Later events twice in a row, so that the rows of the second turn go on from the first's.
        for turn, later in enumerate([True, True, False, True, True, False]):
            version = store.version
            if later:
                append(live, generated(200, seed=33 + turn, start=DAY0 + timedelta(hours=2 + turn)), reader)
                assert store.version == version  # appended at the end of the order
            else:
                append(older, generated(200, seed=33 + turn, start=DAY0 - timedelta(hours=12 - turn)), reader)
                assert store.version > version
            for query in QUERIES:
                agree(store, query)
    finally:
        reader.close()


def test_rows_added_while_a_query_runs(tmp_path):
    """Between the leaves of a query, rows arrive and another query runs to the end: each answers
    over the rows there were when it started."""
    live, older, store, reader = live_and_older(tmp_path, 41, 600, 300)
    try:
        agree(store, "outcome:success")  # codes and runs cached for the first rows
        node, other = parse("outcome:success action:cloudantnosqldb.* OR severity:warning"), parse("-severity:normal")
        seen: list[tuple[list[int], list[int]]] = []
        calls = 0

        def meanwhile() -> bool:
            """Asked before each node of the query: rows arrive, older and later ones in turns."""
            nonlocal calls
            calls += 1
            if calls % 2:
                append(older, generated(50, seed=43 + calls, start=DAY0 - timedelta(hours=calls)), reader)
            else:
                append(live, generated(50, seed=43 + calls, start=DAY0 + timedelta(hours=3 + calls)), reader)
            if calls == 3:
                seen.append((list(Filter(store, other).rows()), reference_rows(store, other)))
            return False

        first = Filter(store, node)
        rows = list(first.rows(cancelled=meanwhile))
        assert calls > 3 and first.scanned == 900
        assert rows == [r for r in reference_rows(store, node) if r < first.scanned]
        assert seen[0][0] == seen[0][1]
        for query in QUERIES:
            agree(store, query)
    finally:
        reader.close()


def test_queries_in_threads_while_rows_arrive(tmp_path):
    """Two threads answer queries over and over while the reader adds rows, later and earlier ones."""
    live, older, store, reader = live_and_older(tmp_path, 51, 300, 100)
    answers: list[tuple[str, int, list[int]]] = []
    done = threading.Event()

    def ask(queries: list[str]) -> None:
        while not done.is_set():
            for query in queries:
                f = Filter(store, parse(query))
                rows = list(f.rows())
                answers.append((query, f.scanned, rows))

    with ThreadPoolExecutor(2) as pool:
        asking = [pool.submit(ask, QUERIES[i::2]) for i in range(2)]
        try:
            for turn in range(30):
                later = turn % 3 != 0
                start = DAY0 + timedelta(hours=1 + turn) if later else DAY0 - timedelta(hours=1 + turn)
                append(live if later else older, generated(60, seed=53 + turn, start=start), reader)
        finally:
            done.set()
            reader.close()
        for future in asking:
            future.result()  # a query that failed in its thread fails the test
    expected = {query: reference_rows(store, parse(query)) for query in QUERIES}
    assert len({scanned for _, scanned, _ in answers}) > 5  # the queries saw the store at many sizes
    for query, scanned, rows in answers:
        assert rows == [r for r in expected[query] if r < scanned], query
