"""The event index: compact columns per event, kept in time order, with the raw event re-read on demand."""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain, islice
from operator import le
from typing import Protocol

from .decode import FLAG_NO_TIME, Batch, DuplicateKey, ErrorRecord, read_event

#: Column names a Batch and the Store share, holding ids into the string table.
STRING_COLUMNS = ("action", "outcome", "severity", "initiator_name", "initiator_id", "target_name", "target_id")


class RawReader(Protocol):
    """Where the bytes of a segment can be read again."""

    def read(self, offset: int, length: int) -> bytes | None:
        """The bytes at offset, or None when they can no longer be read."""

    def unavailable_reason(self) -> str:
        """Why read returns None (file truncated, deleted...)."""


@dataclass(slots=True)
class Segment:
    """One stretch of input whose offsets mean the same bytes: a file, or a file between two truncations."""

    name: str
    reader: RawReader
    kind: str = "file"
    #: rows may share a line or span several (pretty-printed values, arrays): a text search
    #: looks at each row's own bytes. Set when the file starts as multi-line JSON, or once
    #: such rows are read.
    multiline: bool = False
    lines: int = 0
    blank: int = 0
    events: int = 0
    #: lines that gave events (see decode.Batch)
    event_values: int = 0
    errors: int = 0
    #: lines of error records beyond their first (a value over several lines that is not an event)
    joined_error_lines: int = 0


@dataclass(frozen=True, slots=True)
class EventRecord:
    """The full event of a row as re-read from its source, or why it could not be."""

    row: int
    event: dict | None
    problem: str = ""
    #: keys written more than once in the event (or its envelope): two readers of it may disagree
    duplicates: tuple[DuplicateKey, ...] = ()


class Store:
    """All events read so far: columns in arrival order, plus `order`, the row ids in time order.

    One thread adds (the reader); any thread may read. Readers take `order` once and use that
    array: appends extend it in place, any other change replaces it and bumps `version`.
    """

    def __init__(self) -> None:
        self.strings: list[str] = [""]
        self._string_ids: dict[str, int] = {"": 0}
        self.times = array("q")
        self.flags = array("B")
        self.action = array("I")
        self.outcome = array("I")
        self.severity = array("I")
        self.initiator_name = array("I")
        self.initiator_id = array("I")
        self.target_name = array("I")
        self.target_id = array("I")
        self.reason = array("h")
        self.segment = array("I")
        self.offsets = array("q")
        self.lengths = array("I")
        self.subs = array("H")
        self.order = array("I")
        #: bumped whenever `order` changes other than by appending at the end
        self.version = 0
        self.segments: list[Segment] = []
        self.errors: list[ErrorRecord] = []
        #: field paths materialised for queries (filtering.FieldColumn), kept as the store grows
        self.field_columns: dict = {}
        #: per segment, (row count, its rows sorted by offset, their offsets): maps text hits to rows
        self.segment_rows: dict[int, tuple[int, array, array]] = {}
        #: per string column (and "reason"), its values as one byte per row (filtering.ColumnCodes)
        self.column_codes: dict = {}
        #: (version, length, runs): `order` as runs of consecutive row ids (filtering.order_runs)
        self.order_runs: tuple[int, int, list[tuple[int, int]] | None] | None = None
        self._events_cache: OrderedDict[int, EventRecord] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.offsets)

    # ------------------------------------------------------------------ writing

    def add_segment(self, name: str, reader: RawReader, kind: str = "file") -> int:
        """Register a source segment; returns its id for `add`."""
        self.segments.append(Segment(name, reader, kind))
        return len(self.segments) - 1

    def intern(self, text: str) -> int:
        """The id of a string in the shared table."""
        sid = self._string_ids.get(text)
        if sid is None:
            sid = self._string_ids[text] = len(self.strings)
            self.strings.append(text)
        return sid

    def add(self, segment_id: int, batch: Batch, *, with_errors: bool = True) -> int:
        """Add a batch's events and error records; returns the number of events added."""
        n = len(batch)
        seg = self.segments[segment_id]
        seg.lines += batch.lines
        seg.blank += batch.blank
        seg.events += n
        seg.event_values += batch.event_values
        seg.joined_error_lines += batch.joined_error_lines
        if batch.multiline:
            seg.multiline = True
        if with_errors and batch.errors:
            self.add_errors(segment_id, batch.errors)
        if not n:
            return 0
        remap = [self.intern(s) for s in batch.strings]
        get = remap.__getitem__
        with self._lock:
            start = len(self.offsets)
            for name in STRING_COLUMNS:
                getattr(self, name).extend(array("I", map(get, getattr(batch, name))))
            self.times.extend(batch.times)
            self.flags.extend(batch.flags)
            self.reason.extend(batch.reason)
            self.offsets.extend(batch.offsets)
            self.lengths.extend(batch.lengths)
            self.subs.extend(batch.subs)
            self.segment.extend(array("I", [segment_id]) * n)
            self._place(start, start + n)
        return n

    def add_errors(self, segment_id: int, errors: list[ErrorRecord]) -> None:
        """Record lines that are not events."""
        self.segments[segment_id].errors += len(errors)
        self.errors.extend(errors)

    def _place(self, start: int, end: int) -> None:
        """Put rows start..end into `order`, keeping it sorted by time (stable)."""
        times = self.times
        key = times.__getitem__
        new_times = times[start:end]
        if all(map(le, new_times, islice(new_times, 1, None))):
            new = array("I", range(start, end))
        else:
            new = array("I", sorted(range(start, end), key=key))
        order = self.order
        if not order or key(new[0]) >= key(order[-1]):
            order.extend(new)
            return
        # A sorted run that fits in one gap of the order (an older chunk of a file indexed
        # newest part first, or a file older than those already read) goes in with one memmove.
        # bisect_right puts it after rows of equal time, which arrived earlier (ties keep
        # arrival order); its last row must be strictly earlier than the row it goes before.
        pos = bisect_right(order, key(new[0]), key=key)
        if key(new[-1]) < key(order[pos]):
            order[pos:pos] = new
        elif len(new) < 256:
            for row in new:
                order.insert(bisect_right(order, key(row), key=key), row)
        else:
            # Both runs are sorted: Timsort merges them in linear time.
            self.order = array("I", sorted(chain(order, new), key=key))
        self.version += 1

    # ------------------------------------------------------------------ reading

    def text(self, column: str, row: int) -> str:
        """The string of a string column for a row."""
        return self.strings[getattr(self, column)[row]]

    def has_time(self, row: int) -> bool:
        """Whether the row's event carried a readable eventTime."""
        return not self.flags[row] & FLAG_NO_TIME

    def raw(self, row: int) -> bytes | None:
        """The raw bytes of the row's line or value, re-read from its source."""
        seg = self.segments[self.segment[row]]
        return seg.reader.read(self.offsets[row], self.lengths[row])

    def event(self, row: int, *, keep: bool = True) -> EventRecord:
        """The full, normalised event of a row (parsed on demand, recent ones cached), read
        exactly: integers of any size, and keys written twice said (decode.read_event).

        keep=False reads without caching: for a caller that keeps what it needs (the grid keeps
        the drawn row), so a stream of new rows does not fill the cache with parsed events that
        the garbage collector must then walk.
        """
        cache = self._events_cache
        hit = cache.get(row)
        if hit is not None:
            cache.move_to_end(row)
            return hit
        seg = self.segments[self.segment[row]]
        raw = seg.reader.read(self.offsets[row], self.lengths[row])
        if raw is None:
            record = EventRecord(row, None, seg.reader.unavailable_reason())
        else:
            found, duplicates = read_event(raw, self.subs[row])
            if type(found) is str:
                record = EventRecord(row, None, f"{seg.name} changed since it was read: {found}")
            else:
                record = EventRecord(row, found, duplicates=duplicates)
        if not keep:
            return record
        cache[row] = record
        if len(cache) > 512:
            cache.popitem(last=False)
        return record

    def span(self, since_us: int | None = None, until_us: int | None = None, order: array | None = None) -> tuple[int, int]:
        """Positions [lo, hi) of `order` whose times fall in [since, until)."""
        order = self.order if order is None else order
        key = self.times.__getitem__
        lo = 0 if since_us is None else bisect_left(order, since_us, key=key)
        hi = len(order) if until_us is None else bisect_left(order, until_us, key=key)
        return lo, max(lo, hi)

    def within(self, row: int, since_us: int | None, until_us: int | None) -> bool:
        """Whether a row's time falls in [since, until), the bounds `span` uses."""
        t = self.times[row]
        return (since_us is None or t >= since_us) and (until_us is None or t < until_us)

    def forget_cached(self, segment_id: int) -> None:
        """Drop cached events of a segment whose bytes changed (for example, rotated away)."""
        seg_col = self.segment
        for row in [r for r in self._events_cache if seg_col[r] == segment_id]:
            del self._events_cache[row]

    def accounting(self) -> dict[str, int]:
        """Totals over all segments: lines read, events, lines that gave events, lines of error
        records, blank lines. Every line read is one of the last three: lines = event_values +
        errors + blank (an error record over several lines counts each of them)."""
        totals = {"lines": 0, "events": 0, "event_values": 0, "errors": 0, "blank": 0}
        for seg in self.segments:
            totals["lines"] += seg.lines
            totals["events"] += seg.events
            totals["event_values"] += seg.event_values
            totals["errors"] += seg.errors + seg.joined_error_lines
            totals["blank"] += seg.blank
        return totals
