"""The story across events: events per time bucket (failures and critical apart), and how often each value of a field comes, with its failures and when it was first and last seen.

Both work over a view: the row ids a query selects, in time order (`Filter.rows`, `QueryView.order`).
Counting is done by C loops over one byte per row (`bytes.count`, `translate`, `Counter`,
`dict(zip(...))`), never a Python statement per event: a million events are bucketed in tens of
milliseconds. Failures and critical events are what `outcome:failure` and `severity:critical`
select, so the figures always agree with the query a user types to see them.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from itertools import compress
from typing import Callable, Sequence

from .decode import FLAG_NO_TIME
from .filtering import Filter, byte_codes, exact_codes, field_texts, gather, view_runs
from .query import FieldRef, parse
from .store import Store
from .timespec import TimeSpecError

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
#: Bucket sizes a fitted histogram chooses from, finest first: the steps a clock reader expects.
INTERVALS = (SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
             MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
             HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, WEEK, 2 * WEEK, 4 * WEEK)
#: Buckets one histogram may hold: --histogram 1s over a month would print 2.6 million lines.
MAX_BUCKETS = 100_000
#: Weeks start on Monday (the epoch, 1970-01-01, was a Thursday).
_MONDAY = 4 * DAY

_FAILURE = parse("outcome:failure")
_CRITICAL = parse("severity:critical")
_UNTIMED = bytes(1 if b & FLAG_NO_TIME else 0 for b in range(256))
# A row's kind is one byte: 1 failure, 2 critical, 4 no time. These pick the timed rows of each sort.
_TIMED = bytes(0 if k & 4 else 1 for k in range(256))
_FAILED = bytes(k & 1 for k in range(256))
_TIMED_FAILURE = bytes(1 if k & 1 and not k & 4 else 0 for k in range(256))
_TIMED_CRITICAL = bytes(1 if k & 2 and not k & 4 else 0 for k in range(256))

_INTERVAL = re.compile(r"^\s*(\d+)\s*(s|sec|m|min|h|d|w)\s*$", re.I)
_UNIT = {"s": SECOND, "sec": SECOND, "m": MINUTE, "min": MINUTE, "h": HOUR, "d": DAY, "w": WEEK}


@dataclass(frozen=True, slots=True)
class Bucket:
    """One interval of time and the events of the view in it."""

    start_us: int
    events: int
    failures: int
    critical: int


@dataclass(frozen=True, slots=True)
class Histogram:
    """Events per bucket from the first bucket to the last, empty ones included."""

    interval_us: int
    buckets: tuple[Bucket, ...]
    #: events of the view with no readable eventTime: in no bucket
    untimed: int


class TooManyBuckets(ValueError):
    """The interval asked for cuts the time range into more than MAX_BUCKETS buckets."""

    def __init__(self, count: int, suggestion: int) -> None:
        super().__init__(f"{count:,} buckets")
        #: how many buckets it would take
        self.count = count
        #: the finest interval of INTERVALS that fits
        self.suggestion = suggestion


def parse_interval(text: str) -> int:
    """Microseconds of a bucket size as users type it: `30s`, `5m`, `1h`, `1d`, `1w`."""
    m = _INTERVAL.match(text)
    if not m or int(m.group(1)) == 0:
        raise TimeSpecError(f"{text!r} is not an interval: use a whole number and a unit, as in 30s, 5m, 1h, 1d or 1w")
    return int(m.group(1)) * _UNIT[m.group(2).lower()]


def interval_text(us: int) -> str:
    """A bucket size as a user would type it: `5m`, `1h`, `7d`."""
    for unit, name in ((DAY, "d"), (HOUR, "h"), (MINUTE, "m"), (SECOND, "s")):
        if us % unit == 0:
            return f"{us // unit}{name}"
    return f"{us}us"


def fit_interval(span_us: int, slots: int) -> int:
    """The finest interval of INTERVALS whose buckets over span_us fit in slots (the coarsest when none does)."""
    for interval in INTERVALS:
        if _buckets_over(span_us, interval) <= slots:
            return interval
    return INTERVALS[-1]


def _buckets_over(span_us: int, interval: int) -> int:
    """The most buckets a span can touch, wherever it starts."""
    return span_us // interval + 2


def bucket_start(t_us: int, interval: int) -> int:
    """The start of the bucket holding t: a multiple of the interval since the epoch (UTC), weeks from Monday."""
    origin = _MONDAY if interval % WEEK == 0 else 0
    return t_us - (t_us - origin) % interval


def histogram(store: Store, rows: Sequence[int], interval_us: int, *,
              since_us: int | None = None, until_us: int | None = None) -> Histogram:
    """Events per bucket of interval_us for a view's rows (in time order).

    The buckets run from the one holding since_us (else the first event) to the one holding
    the moment before until_us (else the last event). Raises TooManyBuckets beyond MAX_BUCKETS.
    """
    kinds = _kinds(store, len(store))
    seq = bytes(map(kinds.__getitem__, rows))
    return _count_buckets(store.times, rows, seq.translate(_TIMED), seq.translate(_TIMED_FAILURE),
                          seq.translate(_TIMED_CRITICAL), 0, len(rows), interval_us, since_us, until_us)


def _count_buckets(times: Sequence[int], order: Sequence[int], timed: Sequence[int], failures: Sequence[int],
                   critical: Sequence[int], lo: int, hi: int, interval_us: int,
                   since_us: int | None, until_us: int | None) -> Histogram:
    """The histogram of the rows at positions lo..hi of order (in time order), given one byte per
    position (1 or 0) for: timed, a timed failure, a timed critical event (bytes or bytearrays)."""
    untimed = (hi - lo) - timed.count(1, lo, hi)
    first_pos, last_pos = timed.find(1, lo, hi), timed.rfind(1, lo, hi)
    low = since_us if since_us is not None else (times[order[first_pos]] if first_pos >= 0 else None)
    high = until_us - 1 if until_us is not None else (times[order[last_pos]] if last_pos >= 0 else None)
    if low is None or high is None or high < low:
        return Histogram(interval_us, (), untimed)
    first, last = bucket_start(low, interval_us), bucket_start(high, interval_us)
    count = (last - first) // interval_us + 1
    if count > MAX_BUCKETS:
        suggestion = next((i for i in INTERVALS if _buckets_over(high - low, i) <= MAX_BUCKETS), INTERVALS[-1])
        raise TooManyBuckets(count, suggestion)
    key = times.__getitem__
    buckets = []
    at = bisect_left(order, first, lo, hi, key=key)
    for start in range(first, last + 1, interval_us):
        end = bisect_left(order, start + interval_us, at, hi, key=key)
        buckets.append(Bucket(start, timed.count(1, at, end), failures.count(1, at, end), critical.count(1, at, end)))
        at = end
    return Histogram(interval_us, tuple(buckets), untimed)


def _kinds(store: Store, n: int) -> bytes:
    """For rows 0..n, one byte each: 1 a failure, 2 critical, 4 no readable time (added together)."""
    if not n:
        return b""
    failure = int.from_bytes(Filter(store, _FAILURE).mask(n), "little")
    critical = int.from_bytes(Filter(store, _CRITICAL).mask(n), "little")
    untimed = int.from_bytes(store.flags[:n].tobytes().translate(_UNTIMED), "little")
    # Each byte of the three is 0 or 1: shifted by a bit or two it never carries into the next.
    return (failure | critical << 1 | untimed << 2).to_bytes(n, "little")


#: More new rows than this at once are classed by a pass over the columns (as a scan does), not one by one.
EXTEND_AT_MOST = 5_000
#: Rows of a view classed in one go (see ViewTimeline.update).
CLASS_CHUNK = 1 << 16


class ViewTimeline:
    """A view's rows (its order, in time order) kept as one kind byte each while the view grows,
    so that its events per bucket, at any interval and over any span of it, cost a few passes of
    `bytes.count` instead of a reading of every row (the timeline strip, redrawn as events arrive).

    `update` takes the view's order and version: rows appended to the same order are classed
    alone; another order, or a new version (rows inserted), is classed anew. Thread-safe: the
    strip counts off the event loop.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._order: Sequence[int] | None = None
        self._version: object = None
        #: kind byte per store row (see _kinds), for rows below its length
        self._store_kinds = bytearray()
        self._timed = bytearray()
        self._failures = bytearray()
        self._critical = bytearray()

    def current(self, order: Sequence[int], version: object) -> bool:
        """Whether `update` for this order would only class a few appended rows (a count is cheap)."""
        return order is self._order and version == self._version and len(order) - len(self._timed) <= EXTEND_AT_MOST

    @property
    def covered(self) -> int:
        """Positions of the view's order classed so far."""
        return len(self._timed)

    def update(self, order: Sequence[int], version: object) -> int:
        """Class the view's rows not classed yet; returns how many were."""
        with self._lock:
            if order is not self._order or version != self._version:
                self._order, self._version = order, version
                self._timed, self._failures, self._critical = bytearray(), bytearray(), bytearray()
            start, end = len(self._timed), len(order)
            if end <= start:
                return 0
            kinds = self._kinds_for(max(order[start:end]) + 1)
            # In chunks: each is one C loop that holds the interpreter, and the screen's thread
            # gets its turn between them.
            for at in range(start, end, CLASS_CHUNK):
                seq = bytes(map(kinds.__getitem__, order[at:min(end, at + CLASS_CHUNK)]))
                self._timed += seq.translate(_TIMED)
                self._failures += seq.translate(_TIMED_FAILURE)
                self._critical += seq.translate(_TIMED_CRITICAL)
            return end - start

    def _kinds_for(self, n: int) -> bytearray:
        """Kind bytes of store rows below n at least: rows added since last time classed one by one
        when they are few, all of them by the columns otherwise."""
        kinds = self._store_kinds
        have = len(kinds)
        if n <= have:
            return kinds
        if have == 0 or n - have > EXTEND_AT_MOST:
            self._store_kinds = kinds = bytearray(_kinds(self.store, n))
            return kinds
        failure, critical = Filter(self.store, _FAILURE).test, Filter(self.store, _CRITICAL).test
        flags = self.store.flags
        kinds.extend(failure(row) | critical(row) << 1 | (4 if flags[row] & FLAG_NO_TIME else 0) for row in range(have, n))
        return kinds

    def bounds(self, lo: int, hi: int) -> tuple[int, int] | None:
        """The times of the first and last timed rows at positions lo..hi (None: none has a time)."""
        with self._lock:
            order, timed = self._order, self._timed
            hi = min(hi, len(timed))
            first, last = timed.find(1, lo, hi), timed.rfind(1, lo, hi)
            if first < 0 or order is None:
                return None
            times = self.store.times
            return times[order[first]], times[order[last]]

    def histogram(self, interval_us: int, lo: int, hi: int, *,
                  since_us: int | None = None, until_us: int | None = None) -> Histogram:
        """Events per bucket for the view's rows at positions lo..hi: what `histogram` gives for
        those rows and bounds. Raises TooManyBuckets beyond MAX_BUCKETS."""
        with self._lock:
            order = self._order
            timed, failures, critical = self._timed, self._failures, self._critical
            hi = min(hi, len(timed))
            if order is None or hi <= lo:
                return Histogram(interval_us, (), 0)
            return _count_buckets(self.store.times, order, timed, failures, critical, lo, hi,
                                  interval_us, since_us, until_us)


# ----------------------------------------------------------------------------- frequencies


@dataclass(frozen=True, slots=True)
class Frequency:
    """A value of the fields (one text per field) and the events of the view that have it."""

    values: tuple[str, ...]
    count: int
    failures: int
    #: the first and last eventTime among them (None: none has a readable time)
    first_us: int | None
    last_us: int | None
    #: events with the value per bucket of the spark range (see frequencies' spark arguments); () when not asked
    spark: tuple[int, ...] = ()


#: Up to this many values of a column kept as bytes are counted value by value (bytes.count), more by a Counter.
_FEW_VALUES = 32
#: A sparkline's levels, lowest first: a bucket with no event is a space, one with any a bar.
SPARK_BARS = "▁▂▃▄▅▆▇█"


def spark_text(counts: Sequence[int], scale: int | None = None) -> str:
    """Counts per bucket as a row of ▁▂▃▄▅▆▇█, the highest (or scale) a full bar; no event is a space."""
    top = scale if scale is not None else max(counts, default=0)
    if top <= 0:
        return " " * len(counts)
    bars = SPARK_BARS
    return "".join(bars[min(7, (8 * c - 1) // top)] if c > 0 else " " for c in counts)


def spark_range(store: Store, rows: Sequence[int], buckets: int, *, since_us: int | None = None,
                until_us: int | None = None) -> tuple[int, int] | None:
    """The start and the width of the buckets a sparkline cuts a view's time range into: from since_us
    (else the view's first timed event) to until_us (else just after its last); None when no event has a time."""
    flags, times = store.flags, store.times
    low, high = since_us, until_us
    if low is None:
        low = next((times[r] for r in rows if not flags[r] & FLAG_NO_TIME), None)
    if high is None:
        high = next((times[r] + 1 for r in reversed(rows) if not flags[r] & FLAG_NO_TIME), None)
    if low is None or high is None or high <= low or buckets <= 0:
        return None
    return low, -(-(high - low) // buckets)


def frequencies(store: Store, refs: Sequence[FieldRef], rows: Sequence[int], *,
                texts: Sequence[Sequence[str]] | None = None, spark_buckets: int = 0, spark_top: int = 1000,
                since_us: int | None = None, until_us: int | None = None) -> list[Frequency]:
    """Each value (or combination of values) of the fields over a view's rows (in time order),
    most frequent first: the texts `field_texts` gives, counted by column codes where the store
    keeps the fields exactly. texts: each field's text per row, when the caller has them in
    another form (the event time as the table shows it).

    spark_buckets: cut the view's time range (since_us..until_us, else its first to its last event)
    into this many buckets and count the events of each of the spark_top most frequent values in
    each (Frequency.spark): one pass over the view, a Counter per bucket, whatever the values.
    """
    if texts is None and len(refs) == 1:
        coded = byte_codes(store, refs[0], rows)
        if coded is not None:
            return _frequencies_of_bytes(store, rows, *coded, spark_buckets, spark_top, since_us, until_us)
    n = len(store)
    exact = None if texts is not None else exact_codes(store, refs, rows)
    if exact is not None:
        per_field, readers = exact
    else:
        per_field = list(texts) if texts is not None else [field_texts(store, ref, rows) for ref in refs]
        readers = [str] * len(refs)
    keys: Sequence[object] = per_field[0] if len(per_field) == 1 else list(zip(*per_field))
    counts = Counter(keys)
    kinds = gather(_kinds(store, n), rows, view_runs(store, rows))
    failures = Counter(compress(keys, kinds.translate(_FAILED)))
    timed = kinds.translate(_TIMED)
    timed_keys, timed_rows = list(compress(keys, timed)), list(compress(rows, timed))
    # Rows are in time order: the last row of a key is its latest, the first its earliest.
    last = dict(zip(timed_keys, timed_rows))
    first = dict(zip(reversed(timed_keys), reversed(timed_rows)))
    times = store.times
    single = len(refs) == 1
    out = []
    for key, count in counts.items():
        parts = (key,) if single else key
        values = tuple(read(part) for read, part in zip(readers, parts))
        row_first, row_last = first.get(key), last.get(key)
        out.append((Frequency(values, count, failures[key],
                              times[row_first] if row_first is not None else None,
                              times[row_last] if row_last is not None else None), key))
    out.sort(key=lambda pair: (-pair[0].count, pair[0].values))
    span = spark_range(store, rows, spark_buckets, since_us=since_us, until_us=until_us) if spark_buckets else None
    if span is None:
        return [f for f, _ in out]
    per_bucket = _bucket_counts(times, timed_keys, timed_rows, span[0], span[1], spark_buckets)
    top = out[:spark_top]
    sparked = [replace(f, spark=tuple(bucket[key] for bucket in per_bucket)) for f, key in top]
    return sparked + [f for f, _ in out[spark_top:]]


def _frequencies_of_bytes(store: Store, rows: Sequence[int], seq: bytes, read: Callable[[int], str], spark_buckets: int,
                          spark_top: int, since_us: int | None, until_us: int | None) -> list[Frequency]:
    """frequencies of a field the store keeps as one byte per row (at most 256 values): counted by
    Counter over bytes and found by find/rfind (memchr), never a Python statement per event."""
    kinds = gather(_kinds(store, len(store)), rows, view_runs(store, rows))
    failures = Counter(compress(seq, kinds.translate(_FAILED)))
    timed_mask = kinds.translate(_TIMED)
    if timed_mask.count(0):
        timed_seq, timed_rows = bytes(compress(seq, timed_mask)), list(compress(rows, timed_mask))
    else:
        timed_seq, timed_rows = seq, rows
    times = store.times
    span = spark_range(store, rows, spark_buckets, since_us=since_us, until_us=until_us) if spark_buckets else None
    per_bucket: list[Counter] = []
    bounds: list[int] = []
    if span is not None:
        start, width = span
        key = times.__getitem__
        bounds = [bisect_left(timed_rows, start + i * width, key=key) for i in range(spark_buckets + 1)]
        whole = timed_seq is seq and bounds[0] == 0 and bounds[-1] == len(seq)
    else:
        whole = False
    # A few values are counted by bytes.count (a C loop over the bytes per value), many by one Counter.
    present = [code for code in range(256) if seq.find(bytes((code,))) >= 0] if len(seq) > 50_000 else sorted(set(seq))
    few = len(present) <= _FEW_VALUES
    if span is not None:
        if few:
            per_bucket = [Counter({code: timed_seq.count(bytes((code,)), bounds[i], bounds[i + 1]) for code in present})
                          for i in range(spark_buckets)]
        else:
            per_bucket = [Counter(timed_seq[bounds[i]:bounds[i + 1]]) for i in range(spark_buckets)]
    if whole:  # every row is in a bucket: the buckets add up to the counts
        counts: Counter = Counter()
        for bucket in per_bucket:
            counts.update(bucket)
    elif few:
        counts = Counter({code: seq.count(bytes((code,))) for code in present})
    else:
        counts = Counter(seq)
    out = []
    for code, count in counts.items():
        if not count:
            continue
        byte = bytes((code,))
        first, last = timed_seq.find(byte), timed_seq.rfind(byte)
        out.append((Frequency((read(code),), count, failures[code],
                              times[timed_rows[first]] if first >= 0 else None,
                              times[timed_rows[last]] if last >= 0 else None), code))
    out.sort(key=lambda pair: (-pair[0].count, pair[0].values))
    if span is None:
        return [f for f, _ in out]
    sparked = [replace(f, spark=tuple(bucket[code] for bucket in per_bucket)) for f, code in out[:spark_top]]
    return sparked + [f for f, _ in out[spark_top:]]


def _bucket_counts(times: Sequence[int], keys: Sequence[object], rows: Sequence[int], start: int, width: int,
                   buckets: int) -> list[Counter]:
    """For each of buckets intervals of width from start, how many of the (time-ordered) rows in it have each key."""
    key = times.__getitem__
    out = []
    lo = bisect_left(rows, start, key=key)
    for i in range(buckets):
        hi = bisect_left(rows, start + (i + 1) * width, lo, key=key)
        out.append(Counter(keys[lo:hi]))
        lo = hi
    return out


# ----------------------------------------------------------------------------- people


#: The fields a person's view counts, besides their actions.
ADDRESS = "initiator.host.address"
AGENT = "initiator.host.agent"
CREDENTIAL = "initiator.credential.type"
INITIATOR_TYPE = "initiator.typeURI"


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent a person came with, how (agent_kind: "CLI, API key"), and their events with it."""

    agent: str
    kind: str
    frequency: Frequency


@dataclass(frozen=True, slots=True)
class Person:
    """What one identity did over a view: its names and ids, actions, addresses and agents."""

    label: str
    #: every name and id of the identity, the one it is called by first
    members: tuple[str, ...]
    #: the query that finds the identity's events (identity:"…")
    query: str
    events: int
    failures: int
    first_us: int | None
    last_us: int | None
    #: events per bucket of the time range (see frequencies' spark arguments)
    spark: tuple[int, ...]
    actions: tuple[Frequency, ...]
    addresses: tuple[Frequency, ...]
    agents: tuple[Agent, ...]


def person(store: Store, label: str, *, since_us: int | None = None, until_us: int | None = None,
           spark_buckets: int = 0, progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> Person:
    """The identity a name or id belongs to, and what its events say: actions, addresses (initiator.host.address),
    agents (with how they came: UI, CLI, API key, trusted profile, service ID), first and last seen.

    Counts every event of the identity within since_us..until_us (not only a query's): the person's
    whole story. The addresses and agents are read once from every event (materialised, with progress).
    """
    from catalog.explain import agent_kind  # the catalog package imports core: not at import time

    from . import people
    from .filtering import materialise
    from .query import field_ref, quote_value

    found = people.identities(store)
    code = store.string_id(label)
    members = tuple(found.members(code)) if code is not None else ()
    name = found.label(code) if code is not None and members else label
    query = f"identity:{quote_value(name)}"
    rows = Filter(store, parse(query), since_us=since_us, until_us=until_us).rows(cancelled=cancelled)
    refs = {text: field_ref(text) for text in (ADDRESS, AGENT, CREDENTIAL, INITIATOR_TYPE)}
    materialise(store, [path for ref in refs.values() for path in ref.paths], progress=progress, cancelled=cancelled)
    spark_args = dict(spark_buckets=spark_buckets, since_us=since_us, until_us=until_us)
    whole = frequencies(store, [field_ref("identity")], rows, **spark_args)
    total = whole[0] if whole else Frequency((name,), 0, 0, None, None)
    actions = frequencies(store, [field_ref("action")], rows, **spark_args)
    addresses = frequencies(store, [refs[ADDRESS]], rows, **spark_args)
    ways = frequencies(store, [refs[AGENT], refs[CREDENTIAL], refs[INITIATOR_TYPE]], rows, **spark_args)
    # One line per agent: its credentials and types summed, called by the kind most of its events say.
    agents: dict[str, list] = {}
    for way in ways:
        agent, credential, type_uri = way.values
        kind = agent_kind(agent, credential, type_uri)
        entry = agents.get(agent)
        if entry is None:
            agents[agent] = [kind, way]
        else:
            entry[1] = _merged(entry[1], way)
    return Person(name, members or (name,), query, total.count, total.failures, total.first_us, total.last_us,
                  total.spark, tuple(actions), tuple(addresses),
                  tuple(Agent(agent, kind, replace(way, values=(agent,)))
                        for agent, (kind, way) in sorted(agents.items(), key=lambda item: (-item[1][1].count, item[0]))))


def _merged(a: Frequency, b: Frequency) -> Frequency:
    """Two frequencies of one value counted together."""
    firsts = [t for t in (a.first_us, b.first_us) if t is not None]
    lasts = [t for t in (a.last_us, b.last_us) if t is not None]
    spark = tuple(x + y for x, y in zip(a.spark, b.spark)) if a.spark and b.spark else a.spark or b.spark
    return Frequency(a.values, a.count + b.count, a.failures + b.failures, min(firsts, default=None),
                     max(lasts, default=None), spark)
