"""The store keeps rows in time order whatever order batches arrive in, and re-reads the right event."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from tui.core.decode import Batch, decode_jsonl
from tui.core.store import Store

START = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)


def at(second: float) -> str:
    return (START + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


class MemorySource:
    """A RawReader over bytes kept in memory."""

    def __init__(self) -> None:
        self.data = b""

    def read(self, offset: int, length: int) -> bytes | None:
        chunk = self.data[offset:offset + length]
        return chunk if len(chunk) == length else None

    def unavailable_reason(self) -> str:
        return "gone"


class Feed:
    """Appends batches of events to one store segment, as a reader would."""

    def __init__(self, store: Store, make_event) -> None:
        self.store = store
        self.make_event = make_event
        self.source = MemorySource()
        self.segment = store.add_segment("memory", self.source)
        self.line_no = 1
        self.count = 0

    def add(self, seconds: list[float]) -> list[str]:
        """Add one batch with events at these times; returns their actions (unique, in arrival order)."""
        names = []
        data = b""
        for s in seconds:
            name = f"svc.row{self.count}.read"
            self.count += 1
            names.append(name)
            data += orjson.dumps(self.make_event(action=name, eventTime=at(s))) + b"\n"
        batch = Batch("memory")
        decode_jsonl(batch, {}, data, len(self.source.data), self.line_no)
        self.source.data += data
        self.line_no += len(seconds)
        self.store.add(self.segment, batch)
        return names


def reference_order(store: Store) -> list[int]:
    """Rows sorted by time, ties in arrival order (a stable sort of row ids)."""
    return sorted(range(len(store)), key=lambda r: store.times[r])


def shown(store: Store) -> list[str]:
    return [store.text("action", r) for r in store.order]


@pytest.fixture
def feed(event):
    return Feed(Store(), event)


@pytest.mark.parametrize("size", [3, 300], ids=["small-batches", "large-batches"])
def test_appended_batches_stay_sorted(feed, size):
    feed.add([i for i in range(size)])
    feed.add([size + i for i in range(size)])
    assert list(feed.store.order) == reference_order(feed.store)
    assert feed.store.version == 0  # appends at the end never replace the order


@pytest.mark.parametrize("size", [3, 300], ids=["small-batches", "large-batches"])
def test_prepended_batches_come_first(feed, size):
    late = feed.add([1000 + i for i in range(size)])
    early = feed.add([i for i in range(size)])
    assert shown(feed.store) == early + late
    assert list(feed.store.order) == reference_order(feed.store)


@pytest.mark.parametrize("size", [3, 300], ids=["small-batches", "large-batches"])
def test_interleaved_batches_are_merged(feed, size):
    feed.add([2 * i for i in range(size)])
    feed.add([2 * i + 1 for i in range(size)])
    assert list(feed.store.order) == reference_order(feed.store)
    times = [feed.store.times[r] for r in feed.store.order]
    assert times == sorted(times)


def test_an_out_of_order_batch_is_sorted(feed):
    rng = random.Random(3)
    seconds = [rng.randrange(100) for _ in range(50)]
    feed.add(seconds)
    assert list(feed.store.order) == reference_order(feed.store)


def test_equal_times_keep_arrival_order(feed):
    first = feed.add([5, 5, 5])
    second = feed.add([5, 5])
    assert shown(feed.store) == first + second


def test_an_earlier_batch_that_ends_on_a_tie_goes_after_the_tied_rows(feed):
    """A new row with the same time as the first shown row arrived later: it must show after it."""
    old = feed.add([10, 20])
    new = feed.add([5, 10])
    assert shown(feed.store) == [new[0], old[0], new[1], old[1]]


def test_random_batches_always_match_a_stable_sort(feed):
    rng = random.Random(20261120)
    for _ in range(40):
        size = rng.choice([1, 2, 10, 255, 256, 400])
        base = rng.randrange(0, 5000)
        seconds = [base + rng.randrange(0, 300) for _ in range(size)]
        if rng.random() < 0.5:
            seconds.sort()
        feed.add(seconds)
        assert list(feed.store.order) == reference_order(feed.store)


def test_span_selects_since_inclusive_until_exclusive(feed):
    rng = random.Random(11)
    feed.add([rng.randrange(0, 600) for _ in range(500)])
    store = feed.store
    to_us = lambda s: (START + timedelta(seconds=s) - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    for since, until in [(None, None), (100, None), (None, 100), (100, 200), (250, 250), (700, None), (None, -1)]:
        lo, hi = store.span(None if since is None else to_us(since), None if until is None else to_us(until))
        got = [store.times[r] for r in store.order[lo:hi]]
        expected = sorted(t for t in store.times
                          if (since is None or t >= to_us(since)) and (until is None or t < to_us(until)))
        assert got == expected


def test_event_re_reads_the_right_event_from_each_file(tmp_path, event, write_lines, read_paths):
    a = [event(action=f"svc.a{i}.read", eventTime=at(2 * i), initiator={"name": f"user-a{i}"}) for i in range(20)]
    b = [event(action=f"svc.b{i}.read", eventTime=at(2 * i + 1), initiator={"name": f"user-b{i}"}) for i in range(20)]
    store = read_paths(write_lines(tmp_path / "a.log", a), write_lines(tmp_path / "b" / "b.log", b))
    originals = {e["action"]: e for e in a + b}
    assert len(store) == 40
    for row in store.order:
        record = store.event(row)
        assert record.problem == ""
        assert record.event == originals[store.text("action", row)]


def test_a_truncated_source_says_why_instead_of_showing_another_event(tmp_path, event, write_lines, read_path):
    path = write_lines(tmp_path / "at.log", [event(action=f"svc.x{i}.read", eventTime=at(i)) for i in range(5)])
    store = read_path(path)
    with open(path, "r+b") as fh:
        fh.truncate(0)
    last = store.order[-1]
    assert store.raw(last) is None
    record = store.event(last)
    assert record.event is None
    assert "truncated" in record.problem


def test_raw_returns_the_exact_line(tmp_path, event, write_lines, read_path):
    rows = [event(action=f"svc.x{i}.read", eventTime=at(i)) for i in range(3)]
    path = write_lines(tmp_path / "at.log", rows)
    store = read_path(path)
    file_lines = path.read_bytes().split(b"\n")
    for row in range(len(store)):
        assert store.raw(row) == file_lines[row]


def test_repeated_values_are_stored_once(tmp_path, event, write_lines, read_paths):
    rng = random.Random(5)
    people = ["alice@example.com", "bob@example.com", "ServiceId-1234"]
    verbs = ["iam-am.policy.create", "iam-am.policy.delete", "cloud-object-storage.object.read"]
    files = []
    written = []
    for f in range(2):
        evs = [event(action=rng.choice(verbs), outcome=rng.choice(["success", "failure"]), eventTime=at(i),
                     initiator={"name": rng.choice(people), "id": "IBMid-1"}) for i in range(1000)]
        written += evs
        files.append(write_lines(tmp_path / f"f{f}.log", evs))
    store = read_paths(*files)
    distinct = {""}
    for e in written:
        distinct |= {e["action"], e["outcome"], e["severity"], e["initiator"]["name"], e["initiator"]["id"], e["target"]["name"], e["target"]["id"]}
    assert len(store) == 2000
    assert len(store.strings) == len(distinct)
    assert len(store.strings) < 20


def test_accounting_adds_up_over_files(tmp_path, event, write_lines, read_paths):
    one = write_lines(tmp_path / "one.log", [event(), b"", b"not json", event()])
    two = write_lines(tmp_path / "two.log", [event(), b"   "])
    store = read_paths(one, two)
    assert store.accounting() == {"lines": 6, "events": 3, "event_values": 3, "errors": 1, "blank": 2, "skipped": 0}
