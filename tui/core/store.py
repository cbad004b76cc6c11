"""The event index: compact columns per event, kept in time order, with the raw event re-read on demand."""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass
from itertools import chain, islice
from operator import le
from typing import Protocol

from .decode import FLAG_NO_TIME, Batch, DuplicateKey, ErrorRecord, parse_time_us, read_event

#: Column names a Batch and the Store share, holding ids into the string table.
STRING_COLUMNS = ("action", "outcome", "severity", "initiator_name", "initiator_id", "target_name", "target_id")
#: Bytes of the events read last while following, kept in memory: an event printed or shown a
#: moment after it was read is there even when its file was truncated or replaced in between.
RECENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the reader tells the user about the inputs: a rotation, a deleted file, or a
    problem (an input, or part of one, that could not be read)."""

    text: str
    problem: bool = False


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
    #: lines of a stream atlens knows that hold no event (decode.Skipped)
    skipped: int = 0


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
        #: which initiator names and ids are one identity (people.Identities), learnt when first asked
        self.identities = None
        #: per column, its rows sorted by value then time (related.ValueIndex), built when first asked
        self.value_indexes: dict = {}
        self._events_cache: OrderedDict[int, EventRecord] = OrderedDict()
        #: the string table of the last batch added and its ids here (see add)
        self._remap: tuple[list[str], list[int]] | None = None
        self._lock = threading.Lock()
        #: what the reader said about the inputs, in order (see Notice)
        self.notices: list[Notice] = []
        #: inputs (files, folders) that cannot be read right now -> why; tried again while following
        self.unreadable: dict[str, str] = {}
        #: rows of Cloud Logs archives skipped as another application's (not audit events), by application
        self.skipped: Counter[str] = Counter()
        #: (segment, offset, bytes) read last while following, oldest first (RECENT_BYTES in all)
        self._recent: deque[tuple[int, int, bytes]] = deque()
        #: per segment, the start offsets and bytes of its recent pieces, in order
        self._recent_by_segment: dict[int, tuple[list[int], list[bytes]]] = {}
        self._recent_size = 0

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

    def string_id(self, text: str) -> int | None:
        """The id of a string in the shared table, None when no event holds it."""
        return self._string_ids.get(text)

    def add(self, segment_id: int, batch: Batch, *, with_errors: bool = True) -> int:
        """Add a batch's events and error records; returns the number of events added."""
        n = len(batch)
        seg = self.segments[segment_id]
        seg.lines += batch.lines
        seg.blank += batch.blank
        seg.events += n
        seg.event_values += batch.event_values
        seg.joined_error_lines += batch.joined_error_lines
        seg.skipped += batch.skipped
        if batch.multiline:
            seg.multiline = True
        if with_errors and batch.errors:
            self.add_errors(segment_id, batch.errors)
        if not n:
            return 0
        cached = self._remap
        if cached is not None and cached[0] is batch.strings and len(cached[1]) == len(batch.strings):
            remap = cached[1]  # batches of one job share their string table (Parquet files)
        else:
            remap = [self.intern(s) for s in batch.strings]
            # The table itself is kept with its ids: while it is alive, its identity is its own.
            self._remap = (batch.strings, remap)
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

    def keep_recent(self, segment: int, offset: int, data: bytes) -> None:
        """Keep bytes just read (segment, from offset) until RECENT_BYTES newer ones push them out."""
        if not data:
            return
        with self._lock:
            starts, pieces = self._recent_by_segment.setdefault(segment, ([], []))
            starts.append(offset)
            pieces.append(data)
            self._recent.append((segment, offset, data))
            self._recent_size += len(data)
            while self._recent_size > RECENT_BYTES and len(self._recent) > 1:
                old_segment, _, old = self._recent.popleft()
                self._recent_size -= len(old)
                old_starts, old_pieces = self._recent_by_segment[old_segment]
                del old_starts[0], old_pieces[0]  # pieces go in and out in order
                if not old_starts:
                    del self._recent_by_segment[old_segment]

    def _recent_bytes(self, segment: int, offset: int, length: int) -> bytes | None:
        with self._lock:
            found = self._recent_by_segment.get(segment)
            if found is None:
                return None
            starts, pieces = found
            i = bisect_right(starts, offset) - 1
            if i < 0:
                return None
            start, piece = starts[i], pieces[i]
        if offset + length <= start + len(piece):
            return piece[offset - start:offset - start + length]
        return None

    def raw(self, row: int) -> bytes | None:
        """The raw bytes of the row's line or value: kept from a moment ago, or re-read from its source."""
        return self._raw(row)[0]

    def _raw(self, row: int) -> tuple[bytes | None, bool]:
        """(bytes, whether they were kept in memory: then they are the very bytes indexed)."""
        segment, offset, length = self.segment[row], self.offsets[row], self.lengths[row]
        if self._recent:
            kept = self._recent_bytes(segment, offset, length)
            if kept is not None:
                return kept, True
        return self.segments[segment].reader.read(offset, length), False

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
        raw, kept = self._raw(row)
        if raw is None:
            record = EventRecord(row, None, seg.reader.unavailable_reason())
        else:
            found, duplicates = read_event(raw, self.subs[row])
            if type(found) is str:
                record = EventRecord(row, None, f"{seg.name} changed since it was read: {found}")
            elif not kept and not self._same_event(row, found):
                record = EventRecord(row, None, f"{seg.name} changed since it was read: "
                                                f"its bytes at offset {self.offsets[row]:,} hold another event now")
            else:
                record = EventRecord(row, found, duplicates=duplicates)
        if not keep:
            return record
        cache[row] = record
        if len(cache) > 512:
            cache.popitem(last=False)
        return record

    def _same_event(self, row: int, event: dict) -> bool:
        """Whether an event re-read from its source is the one the row indexed (its action and
        time): a file rewritten in place must not show another event under this row."""
        action = event.get("action")
        if type(action) is str and action != self.strings[self.action[row]]:
            return False
        if self.flags[row] & FLAG_NO_TIME:
            return True
        return parse_time_us(event.get("eventTime")) == self.times[row]

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
        records, blank lines, skipped lines (decode.Skipped). Every line read is one of the last
        four: lines = event_values + errors + blank + skipped (an error record over several lines
        counts each of them)."""
        totals = {"lines": 0, "events": 0, "event_values": 0, "errors": 0, "blank": 0, "skipped": 0}
        for seg in self.segments:
            totals["lines"] += seg.lines
            totals["events"] += seg.events
            totals["event_values"] += seg.event_values
            totals["errors"] += seg.errors + seg.joined_error_lines
            totals["blank"] += seg.blank
            totals["skipped"] += seg.skipped
        return totals
