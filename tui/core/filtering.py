"""Answer a parsed query over the store without parsing JSON where the store already knows.

- Fields the store keeps as columns (action, outcome, severity, initiator.name/id,
  target.name/id, reason.reasonCode) are answered from the columns: each distinct value is
  tested once, then rows are picked by one `translate` of the column's byte codes (a column
  with more distinct values than a byte holds: by membership). Rows whose column is not the
  field's exact string (flagged by the decoder: missing, a number, an object...) are tested
  on their event.
- Any other field path is materialised once into a column of value ids (in worker processes
  for large stores), kept on the store and extended as it grows.
- Free text searches the raw bytes of the sources, case-insensitively, then maps each hit to
  the row that holds it.
- Events that arrive later are tested one by one (`Filter.test`), never by a re-scan.

Masks are Python integers with one byte per row (0 or 1), so AND, OR and NOT over a million
rows are single big-integer operations. The matching rows are then taken in time order run by
run: `store.order` is mostly long runs of consecutive row ids (one per file, or per chunk of a
large file), and `compress` over a run's range and its slice of the mask runs at C speed.
"""

from __future__ import annotations

import mmap
import os
import re
import sys
import threading
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import gt
from typing import Callable, Iterable, Iterator, Sequence

import orjson

from . import catalog_fields, people
from .decode import FLAG_ABSENT, FLAG_TYPED, decode_value, normalise
from .query import (All, And, Exists, FieldRef, Match, Network, Node, Not, Or, Path, Range, Text, TextSearch, Value,
                    exists, find_values, network_matches, range_matches, text_pattern, text_search, value_matches)
from .regex import RegexTooComplex
from .store import Store

#: Field paths the store keeps as string columns, and the column of each.
STRING_COLUMNS: dict[Path, str] = {
    ("action",): "action",
    ("outcome",): "outcome",
    ("severity",): "severity",
    ("initiator", "name"): "initiator_name",
    ("initiator", "id"): "initiator_id",
    ("target", "name"): "target_name",
    ("target", "id"): "target_id",
}
REASON_CODE: Path = ("reason", "reasonCode")
#: Rows whose indexed columns are not exact and must be tested on the event itself.
_ODD = FLAG_ABSENT | FLAG_TYPED
#: Leaf.column of a catalog field (catalog_fields): the action column, read through the catalog.
CATALOG = "catalog"
#: Leaf.column of `identity` (people): the initiator name and id columns, through the identities.
IDENTITY = "identity"
_ODD_TABLE = bytes(1 if b & _ODD else 0 for b in range(256))
#: Rows per materialisation job.
_CHUNK_ROWS = 50_000
#: Bytes per free-text job, and per piece a job lower-cases and searches at once.
_TEXT_CHUNK = 64 << 20
_SCAN_PIECE = 8 << 20
_NO_VALUES: tuple = ()
_NO_VALUES_KEY = b"[]"
#: Fewer rows than this per run of `store.order` on average: walking the whole order is as quick.
_ROWS_PER_RUN = 64
_NONZERO = bytes(1 if b else 0 for b in range(256))
#: Rows or values tested between two checks of whether the query was cancelled.
_POLL_ROWS = 4096


class Cancelled(Exception):
    """The caller asked to stop (a newer query replaced this one)."""


Progress = Callable[[int, int], None]


# ----------------------------------------------------------------------------- leaves


@dataclass(eq=False)
class Leaf:
    """One clause on one field path: the test over the values found at that path."""

    path: Path
    accepts: Callable[[tuple], bool]
    #: the column it reads: a string column's name, "reason", CATALOG (the action, through the
    #: catalog), or "" for a materialised field
    column: str
    verdicts: dict[int, bool] = field(default_factory=dict)


@dataclass(eq=False)
class TextLeaf:
    """Free text: a search over the lower-cased raw bytes of each event."""

    value: Value
    pattern: TextSearch


def _accepts(node: Match | Range | Exists | Network) -> Callable[[tuple], bool]:
    """The test a field clause applies to the values found at its path."""
    if isinstance(node, Match):
        value = node.value
        return lambda values: any(value_matches(value, v) for v in values)
    if isinstance(node, Range):
        return lambda values: any(range_matches(node, v) for v in values)
    if isinstance(node, Network):
        return lambda values: any(network_matches(node, v) for v in values)
    return lambda values: any(exists(v) for v in values)


def _leaf(path: Path, node: Match | Range | Exists | Network) -> Leaf:
    if path in catalog_fields.FIELDS:
        return Leaf(path, _accepts(node), CATALOG)
    if path == people.PATH:
        return Leaf(path, _accepts(node), IDENTITY)
    column = STRING_COLUMNS.get(path) or ("reason" if path == REASON_CODE else "")
    return Leaf(path, _accepts(node), column)


def compile_node(node: Node) -> object:
    """The query tree with each field clause split into one leaf per path it names."""
    if isinstance(node, (Match, Range, Exists, Network)):
        leaves = [_leaf(path, node) for path in node.field.paths]
        return leaves[0] if len(leaves) == 1 else ("or", leaves)
    if isinstance(node, Text):
        return TextLeaf(node.value, text_pattern(node.value))
    if isinstance(node, And):
        return ("and", [compile_node(c) for c in node.children])
    if isinstance(node, Or):
        return ("or", [compile_node(c) for c in node.children])
    if isinstance(node, Not):
        return ("not", compile_node(node.child))
    if isinstance(node, All):
        return ("all",)
    raise TypeError(f"not a query node: {node!r}")


def _leaves(tree: object) -> Iterator[Leaf | TextLeaf]:
    if isinstance(tree, (Leaf, TextLeaf)):
        yield tree
    elif tree[0] in ("and", "or"):
        for child in tree[1]:
            yield from _leaves(child)
    elif tree[0] == "not":
        yield from _leaves(tree[1])


# ----------------------------------------------------------------------------- materialised fields


class FieldColumn:
    """The values found at one field path, for rows 0..len(ids): an id per row into `values`.

    values[0] is the empty tuple (nothing found, or the event could not be re-read); every
    other entry is the tuple of JSON values found in some event.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids = array("I")
        self.values: list[tuple] = [_NO_VALUES]
        self._index: dict[bytes, int] = {_NO_VALUES_KEY: 0}

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, keys: list[bytes], local_ids: array) -> None:
        """Append rows given as ids into `keys` (each the JSON text of a tuple of values)."""
        index = self._index
        remap = []
        for key in keys:
            gid = index.get(key)
            if gid is None:
                gid = index[key] = len(self.values)
                self.values.append(tuple(orjson.loads(key)))
            remap.append(gid)
        self.ids.extend(array("I", map(remap.__getitem__, local_ids)))


def _event_values(store: Store, row: int, path: Path) -> tuple:
    """The values at path in a row's event, parsed from its source (nothing when it cannot be read)."""
    event = store.event(row, keep=False).event
    return () if event is None else tuple(find_values(event, path))


def _leaf_values(store: Store, row: int, leaf: Leaf) -> tuple:
    """The values a leaf tests in a row whose columns are not exact, read from its event."""
    if leaf.column != CATALOG:
        return _event_values(store, row, leaf.path)
    actions = _event_values(store, row, ("action",))
    return catalog_fields.values(leaf.path, actions[0]) if actions and type(actions[0]) is str else catalog_fields.values(leaf.path, "")


def _values_at(event: dict, path: Path) -> tuple:
    return tuple(find_values(event, path))


def materialise_job(path: str, offsets: bytes, lengths: bytes, subs: bytes, paths: list[Path]) -> list[tuple[list[bytes], array]]:
    """For rows of one file given by their offsets, the values at each path: (keys, ids) per path.

    Runs in a worker process or inline; a row that cannot be read or decoded finds nothing.
    """
    offs, lens, sbs = array("q"), array("I"), array("H")
    offs.frombytes(offsets)
    lens.frombytes(lengths)
    sbs.frombytes(subs)
    if not path:  # the source can no longer be read: nothing is found in its rows
        return [([_NO_VALUES_KEY], array("I", bytes(4 * len(offs)))) for _ in paths]
    out = [([_NO_VALUES_KEY], array("I"), {_NO_VALUES_KEY: 0}) for _ in paths]
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data: bytes | mmap.mmap = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            last_offset = -1
            found: list[dict] | str = ""
            for off, length, sub in zip(offs, lens, sbs):
                if off != last_offset:
                    last_offset = off
                    raw = data[off:off + length]
                    found = decode_value(raw) if len(raw) == length else "truncated"
                event = normalise(found[sub]) if type(found) is list and sub < len(found) else None
                for p, (keys, ids, index) in zip(paths, out):
                    if event is None:
                        ids.append(0)
                        continue
                    try:
                        key = orjson.dumps(find_values(event, p))
                    except TypeError:
                        key = _NO_VALUES_KEY
                    i = index.get(key)
                    if i is None:
                        i = index[key] = len(keys)
                        keys.append(key)
                    ids.append(i)
        finally:
            if isinstance(data, mmap.mmap):
                data.close()
    return [(keys, ids) for keys, ids, _ in out]


# ----------------------------------------------------------------------------- byte codes of columns


class _TooMany(Exception):
    """A column holds more distinct values than a byte can code."""


class _CodeIndex(dict):
    """Value -> code, a new code for each value not seen yet (in the order first seen)."""

    def __missing__(self, value: int) -> int:
        if len(self) == 256:
            raise _TooMany
        code = self[value] = len(self)
        return code


class ColumnCodes:
    """A store column (string ids, or reason codes) as one byte per row: a code per distinct value.

    A leaf's mask is then a single `translate` of the codes. Extended as the store grows, under a
    lock because filters in several threads (a new query replacing an old one) may extend it at once;
    given up for good once the column holds more than 256 distinct values.
    """

    def __init__(self) -> None:
        self.codes = bytearray()
        self._index: _CodeIndex | None = _CodeIndex()
        self._lock = threading.Lock()

    def mask(self, column: array, n: int, accept: Callable[[int], bool]) -> bytearray | None:
        """For rows 0..n, 1 where `accept` takes the row's value, else 0; None when the column has too many values."""
        with self._lock:
            index = self._extended(column, n)
            if index is None:
                return None
            # The index may hold values only found beyond row n: their verdicts go unused.
            table = bytes(map(accept, index)).ljust(256, b"\0")
            return self.codes[:n].translate(table)

    def byte_codes(self, column: array, n: int) -> tuple[bytes, list[int]] | None:
        """Rows 0..n as one byte each, and the column value each byte stands for; None when the column has too many values."""
        with self._lock:
            index = self._extended(column, n)
            if index is None:
                return None
            return bytes(self.codes[:n]), list(index)

    def _extended(self, column: array, n: int) -> _CodeIndex | None:
        """The index, with the codes extended to row n (called under the lock); None when given up."""
        index = self._index
        if index is None:
            return None
        done = len(self.codes)
        if done < n:
            try:
                self.codes += bytes(map(index.__getitem__, column[done:n]))
            except _TooMany:
                self._index, self.codes = None, bytearray()
                return None
        return index


def byte_codes(store: Store, ref: FieldRef, rows: Sequence[int]) -> tuple[bytes, Callable[[int], str]] | None:
    """A field's value for each of rows as one byte, and how a byte reads as the text field_texts gives;
    None unless the store keeps the field as one column of at most 256 values, exactly on each of rows."""
    if ref.paths == (REASON_CODE,):
        name, column, read = "reason", store.reason, str
    elif all(p in STRING_COLUMNS for p in ref.paths):
        # An alias (initiator: its name, else its id) is coded as the column of its first value.
        names = [STRING_COLUMNS[p] for p in ref.paths]
        name = "|".join(names)
        columns = [getattr(store, n) for n in names]
        column = columns[0] if len(columns) == 1 else _FirstOf(columns)
        read = store.strings.__getitem__
    else:
        return None
    n = len(store)
    runs = view_runs(store, rows)
    odd = _odd_rows(store, n)
    if odd and (runs is not None or not set(odd).isdisjoint(rows)):
        return None
    found = store.column_codes.setdefault(name, ColumnCodes()).byte_codes(column, n)
    if found is None:
        return None
    codes, values = found
    return gather(codes, rows, runs), lambda code: read(values[code])


class _FirstOf:
    """String columns read as one: each row's first non-empty string (an alias such as initiator)."""

    def __init__(self, columns: list[array]) -> None:
        self.columns = columns

    def __getitem__(self, rows: slice) -> list[int]:
        parts = [column[rows] for column in self.columns]
        out = list(parts[-1])
        for earlier in reversed(parts[:-1]):
            out = [a or b for a, b in zip(earlier, out)]
        return out


def view_runs(store: Store, rows: Sequence[int]) -> list[tuple[int, int]] | None:
    """The rows as runs of consecutive row ids (first row, length) when they are every stored row in
    the store's order (the table with no query), worked out once per version of the order (queries
    use the same); None for other rows, or an order too fragmented for runs to pay."""
    n = len(store)
    if len(rows) != n or not n or not isinstance(rows, array) or rows.typecode != "I":
        return None
    version, order = store.version, store.order
    if len(order) != n or rows != order[:n]:  # a C comparison
        return None
    return order_runs(store, order, version)


def gather(data: bytes, rows: Sequence[int], runs: list[tuple[int, int]] | None) -> bytes:
    """One byte per row of rows, from data (one byte per stored row): by runs when there are (a few
    slices), else row by row."""
    if runs is not None:
        if len(runs) == 1 and runs[0][0] == 0 and runs[0][1] == len(data):
            return bytes(data)
        return b"".join(data[first:first + length] for first, length in runs)
    return bytes(map(data.__getitem__, rows))


# ----------------------------------------------------------------------------- free text


def text_job(path: str, start: int, end: int, parts: tuple, cancelled: Callable[[], bool] | None = None) -> array:
    """Offsets of hits of a text clause (its parts) in path[start:end], at most one per line.

    The file is mapped and searched a few megabytes at a time, each piece cut at a line end
    (the JSON-escaped text holds no line break, so no hit spans two pieces).
    """
    hits = array("q")
    _scan_text(path, start, end, parts, hits, cancelled, anchored_only=False)
    return hits


def _scan_text(path: str, start: int, end: int, parts: tuple, hits: array, cancelled: Callable[[], bool] | None,
               *, anchored_only: bool) -> int:
    """Append to hits the offsets of text_job; returns where it stopped: end, or with
    `anchored_only` the first piece where the needle's letter-free run is too common to pay."""
    search = text_search(parts, lines=True)
    anchor = _anchor(search.needle)
    with open(path, "rb") as fh:
        if start >= end:
            return end
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            pos = start
            while pos < end:
                if cancelled is not None and cancelled():
                    raise Cancelled
                stop = data.find(b"\n", min(pos + _SCAN_PIECE, end))
                stop = end if stop < 0 or stop >= end else stop + 1
                if anchor is None or not _anchored_hits(data, pos, stop, search.needle, anchor, hits):  # type: ignore[arg-type]
                    if anchored_only:
                        return pos
                    _piece_hits(data[pos:stop].lower(), search, pos, hits)
                pos = stop
        finally:
            data.close()
    return end


#: The shortest run of a needle without letters worth finding in the raw bytes, and how many
#: of its places per megabyte that turn out not to be the needle are checked before the piece
#: is lower-cased and searched instead.
_MIN_ANCHOR = 4
_MISSES_PER_MB = 64
_LETTERS = re.compile(rb"[A-Za-z]+")


def _anchor(needle: bytes | None) -> tuple[bytes, int] | None:
    """The longest run of a plain needle that holds no ASCII letter (so no case to fold), and
    where it lies in the needle; None when there is none long enough to be worth finding."""
    if needle is None:
        return None
    runs = [(needle[a:b], a) for a, b in zip([0, *(m.end() for m in _LETTERS.finditer(needle))],
                                             [*(m.start() for m in _LETTERS.finditer(needle)), len(needle)])]
    best = max(runs, key=lambda run: len(run[0]))
    return best if len(best[0]) >= min(_MIN_ANCHOR, len(needle)) else None


def _anchored_hits(data: mmap.mmap, pos: int, stop: int, needle: bytes, anchor: tuple[bytes, int], hits: array) -> bool:
    """Append the lines of data[pos:stop] that hold the needle (any case), found by its
    letter-free run in the raw bytes: no copy of the piece and no lower-casing of it. Returns
    False, having appended nothing, when the run occurs too often for this to pay."""
    run, at = anchor
    width = len(needle)
    budget = max(1, (stop - pos) * _MISSES_PER_MB >> 20)
    found: list[int] = []
    i = data.find(run, pos + at, stop)
    while i >= 0:
        first = i - at
        if data[first:first + width].lower() == needle:
            found.append(first)
            nl = data.find(b"\n", first, stop)
            if nl < 0:
                break
            i = data.find(run, nl + 1 + at, stop)  # one hit per line is enough
            continue
        budget -= 1
        if not budget:
            return False
        i = data.find(run, i + 1, stop)
    hits.extend(found)
    return True


def _piece_hits(hay: bytes, search: TextSearch, base: int, hits: array) -> None:
    """Append base + the offset of the first hit on each line of hay (lower-cased)."""
    i = search.search(hay)
    while i >= 0:
        hits.append(base + i)
        nl = hay.find(b"\n", i)
        if nl < 0:
            return
        i = search.search(hay, nl + 1)


def _line_bounds(path: str, end: int, step: int) -> list[tuple[int, int]]:
    """[start, end) ranges of about `step` bytes that begin at line starts."""
    bounds = [0]
    with open(path, "rb") as fh:
        while bounds[-1] + step < end:
            fh.seek(bounds[-1] + step)
            rest = fh.readline()
            nxt = fh.tell() if rest.endswith(b"\n") else end
            if nxt >= end:
                break
            bounds.append(nxt)
    bounds.append(end)
    return list(zip(bounds, bounds[1:]))


# ----------------------------------------------------------------------------- the filter


class Filter:
    """A query bound to a store: `rows()` answers it over what is stored, `test(row)` for one row.

    The time bounds (`since_us`, `until_us`) are applied as the store's span over time order.
    """

    #: Materialise in worker processes from this many rows on (tests lower it to use them).
    pool_from_rows = 200_000

    def __init__(self, store: Store, node: Node, *, since_us: int | None = None, until_us: int | None = None) -> None:
        self.store = store
        self.node = node
        self.since_us = since_us
        self.until_us = until_us
        self.tree = compile_node(node)
        self.everything = isinstance(node, All)
        #: the store's row count when `rows()` last answered: later rows are for `test`
        self.scanned = 0

    # -------------------------------------------------------------- preparing

    def field_paths(self) -> list[Path]:
        """Field paths the query reads that are not columns of the store."""
        seen: dict[Path, None] = {}
        for leaf in _leaves(self.tree):
            if isinstance(leaf, Leaf) and not leaf.column:
                seen[leaf.path] = None
        return list(seen)

    def prepare(self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> None:
        """Materialise the field paths the query reads for every stored row."""
        paths = self.field_paths()
        if paths:
            materialise(self.store, paths, progress=progress, cancelled=cancelled, pool_from_rows=self.pool_from_rows)

    # -------------------------------------------------------------- bulk

    def rows(self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> array:
        """Row ids of every stored event that matches, in time order."""
        store = self.store
        with store._lock:
            n = len(store)
            order = array("I", store.order)
            version = store.version
        lo, hi = store.span(self.since_us, self.until_us, order)
        if self.everything:
            self.scanned = n
            return order[lo:hi] if lo or hi < len(order) else order
        self.prepare(progress, cancelled)
        self.scanned = n
        if not n:
            return order
        mask = self._mask(self.tree, n, cancelled).to_bytes(n, "little")
        # The order was taken with n under the store's lock: every row in it is below n.
        if mask.count(1) < n // 16:
            # Few matches: the store's order is by (time, row id), so sorting the matching
            # rows by time (stably, from row-id order) gives the same sequence, cheaper than
            # walking the whole order.
            times = store.times
            found = sorted((m.start() for m in re.finditer(b"\x01", mask)), key=times.__getitem__)
            if self.since_us is not None or self.until_us is not None:
                found = [r for r in found if store.within(r, self.since_us, self.until_us)]
            return array("I", found)
        runs = order_runs(store, order, version)
        if runs is None:
            order = order[lo:hi]
            return array("I", compress(order, map(mask.__getitem__, order)))
        return _select(runs, mask, lo, hi)

    def mask(self, n: int, cancelled: Callable[[], bool] | None = None) -> bytes:
        """One byte per row below n, 1 where the row matches the query (the time bounds aside)."""
        self.prepare(None, cancelled)
        return self._mask(self.tree, n, cancelled).to_bytes(n, "little") if n else b""

    def _mask(self, tree: object, n: int, cancelled: Callable[[], bool] | None) -> int:
        if cancelled is not None and cancelled():
            raise Cancelled
        if isinstance(tree, Leaf):
            return int.from_bytes(self._leaf_mask(tree, n, cancelled), "little")
        if isinstance(tree, TextLeaf):
            return int.from_bytes(self._text_mask(tree, n, cancelled), "little")
        kind = tree[0]
        if kind == "all":
            return _ones(n)
        if kind == "not":
            return _ones(n) ^ self._mask(tree[1], n, cancelled)
        masks = (self._mask(child, n, cancelled) for child in tree[1])
        result = next(masks)
        if kind == "and":
            for m in masks:
                if not result:
                    break
                result &= m
        else:
            for m in masks:
                result |= m
        return result

    def _leaf_mask(self, leaf: Leaf, n: int, cancelled: Callable[[], bool] | None) -> bytes | bytearray:
        store = self.store
        if leaf.column == IDENTITY:
            return self._identity_mask(leaf, n)
        if leaf.column == "":
            col = store.field_columns[leaf.path]
            values = col.values
            ids = col.ids[:n]
            accepted = {i for i in _polling(set(ids), cancelled) if leaf.accepts(values[i])}
            return bytes(map(accepted.__contains__, ids))
        if leaf.column == "reason":
            column = store.reason
            accept = lambda code: leaf.accepts((code,))
        elif leaf.column == CATALOG:
            column, strings = store.action, store.strings
            accept = lambda sid: leaf.accepts(catalog_fields.values(leaf.path, strings[sid]))
        else:
            column, strings = getattr(store, leaf.column), store.strings
            accept = lambda sid: leaf.accepts((strings[sid],))
        codes = "action" if leaf.column == CATALOG else leaf.column
        mask = store.column_codes.setdefault(codes, ColumnCodes()).mask(column, n, accept)
        if mask is None:
            column = column[:n]
            accepted = set(filter(accept, _polling(set(column), cancelled)))
            mask = bytes(map(accepted.__contains__, column))
        odd = _odd_rows(store, n)
        if not odd:
            return mask
        fixed = bytearray(mask)
        for row in _polling(odd, cancelled):
            fixed[row] = leaf.accepts(_leaf_values(store, row, leaf))
        return fixed

    def _identity_mask(self, leaf: Leaf, n: int) -> bytes:
        """Rows whose initiator is an identity with a name or id the leaf accepts: by the name's
        identity, or the id's where the event has no name (as `initiator` reads them)."""
        store = self.store
        accepted = people.identities(store).accepted(leaf.accepts)
        names, ids = store.initiator_name[:n], store.initiator_id[:n]
        by_name = int.from_bytes(bytes(map(accepted.__contains__, names)), "little")
        by_id = int.from_bytes(bytes(map(accepted.__contains__, ids)), "little")
        nameless = int.from_bytes(bytes(map((0).__eq__, names)), "little")
        return (by_name | nameless & by_id).to_bytes(n, "little")

    def _text_mask(self, leaf: TextLeaf, n: int, cancelled: Callable[[], bool] | None) -> bytearray:
        store = self.store
        mask = bytearray(n)
        if not n:
            return mask
        _write_copies(store)
        for seg_id, seg in enumerate(store.segments):
            _poll(cancelled)
            path = _source_path(seg.reader)
            if path and not seg.multiline:
                self._text_lines(leaf, path, seg_id, n, mask, cancelled)
                continue
            rows, offs = _segment_rows(store, seg_id, n)
            if not rows:
                continue
            if not path:
                for row in _polling(rows, cancelled):  # no file to scan: each event's bytes, one by one
                    raw = store.raw(row)
                    mask[row] = raw is not None and leaf.pattern.matches(raw)
                continue
            # Rows may share a line or span several: search each row's own bytes.
            _search_rows(path, rows, offs, store.lengths, leaf, mask, cancelled)
        return mask

    def _text_lines(self, leaf: TextLeaf, path: str, seg_id: int, n: int, mask: bytearray,
                    cancelled: Callable[[], bool] | None) -> None:
        """Mark the rows of a JSON-lines segment whose line holds the text: the whole file is
        searched (hits past the last row are no row's), and the rows are put in offset order
        meanwhile (the first time, that takes about as long as starting a worker does)."""
        store = self.store
        ordered: list[tuple[array, array]] = []
        hits = _text_hits(path, os.path.getsize(path), leaf, cancelled,
                          meanwhile=lambda: ordered.append(_segment_rows(store, seg_id, n)))
        rows, offs = ordered[0] if ordered else _segment_rows(store, seg_id, n)
        lengths = store.lengths
        for pos in hits:
            k = bisect_right(offs, pos) - 1
            if k < 0:
                continue
            start = offs[k]
            if pos >= start + lengths[rows[k]]:
                continue
            # rows from one JSON array share their bytes: a hit marks each of them
            while k >= 0 and offs[k] == start:
                mask[rows[k]] = 1
                k -= 1

    # -------------------------------------------------------------- one row

    def test(self, row: int, memo: dict | None = None) -> bool:
        """Whether one stored row matches (for events that arrive while following).

        memo: shared by the filters that test the same row (detect's rules), so that its event
        is re-read and parsed once for all of them; it may hold "raw" (the row's bytes) and
        "decode" (a function giving its event from them), from a caller that read them.
        """
        store = self.store
        if not store.within(row, self.since_us, self.until_us):
            return False
        if self.everything:
            return True
        return self._test(self.tree, row, {} if memo is None else memo)

    def _test(self, tree: object, row: int, memo: dict) -> bool:
        if isinstance(tree, Leaf):
            return self._test_leaf(tree, row, memo)
        if isinstance(tree, TextLeaf):
            raw = memo.get("raw")
            if raw is None:
                raw = memo["raw"] = self.store.raw(row) or b""
            return tree.pattern.matches(raw)
        kind = tree[0]
        if kind == "all":
            return True
        if kind == "not":
            return not self._test(tree[1], row, memo)
        if kind == "and":
            return all(self._test(child, row, memo) for child in tree[1])
        return any(self._test(child, row, memo) for child in tree[1])

    def _test_leaf(self, leaf: Leaf, row: int, memo: dict) -> bool:
        store = self.store
        if leaf.column == IDENTITY:
            found = people.identities(store)
            code = store.initiator_name[row] or store.initiator_id[row]
            return leaf.accepts(tuple(found.members(code)))
        if leaf.column and not store.flags[row] & _ODD:
            if leaf.column == "reason":
                return leaf.accepts((store.reason[row],))
            if leaf.column == CATALOG:
                sid = store.action[row]
                verdict = leaf.verdicts.get(sid)
                if verdict is None:
                    verdict = leaf.verdicts[sid] = leaf.accepts(catalog_fields.values(leaf.path, store.strings[sid]))
                return verdict
            sid = getattr(store, leaf.column)[row]
            verdict = leaf.verdicts.get(sid)
            if verdict is None:
                verdict = leaf.verdicts[sid] = leaf.accepts((store.strings[sid],))
            return verdict
        if leaf.column == CATALOG:
            return leaf.accepts(_leaf_values(store, row, leaf))

        if not leaf.column:
            col = store.field_columns.get(leaf.path)
            if col is not None and row < len(col.ids):
                return leaf.accepts(col.values[col.ids[row]])
        if "event" not in memo:
            # A caller that holds the event's bytes already (detect's sweep) gives a decoder.
            decode = memo.get("decode")
            memo["event"] = decode() if decode is not None else store.event(row, keep=False).event
        event = memo["event"]
        return event is not None and leaf.accepts(_values_at(event, leaf.path))


# ----------------------------------------------------------------------------- helpers over the store


def _poll(cancelled: Callable[[], bool] | None) -> None:
    """Stop here when the caller asked to (a newer query replaced this one)."""
    if cancelled is not None and cancelled():
        raise Cancelled


def _polling(items: Iterable[int], cancelled: Callable[[], bool] | None) -> Iterator[int]:
    """The items, asking every few thousand whether to stop (a slow test over a million rows or
    distinct values must not outlive its query)."""
    for k, item in enumerate(items):
        if not k % _POLL_ROWS:
            _poll(cancelled)
        yield item


def _ones(n: int) -> int:
    return int.from_bytes(b"\x01" * n, "little")


def _odd_rows(store: Store, n: int) -> list[int]:
    """Rows below n whose indexed columns are not exact strings."""
    marks = store.flags[:n].tobytes().translate(_ODD_TABLE)
    if b"\x01" not in marks:
        return []
    return [m.start() for m in re.finditer(b"\x01", marks)]


def order_runs(store: Store, order: array, version: int) -> list[tuple[int, int]] | None:
    """The store's `order` (a copy taken at `version`) as runs of consecutive row ids, (first row,
    length) each, or None when it is too fragmented for runs to pay; kept on the store.

    Rows appended since the last call only add runs: the order's earlier part is unchanged until
    the version moves.
    """
    cap = len(order) // _ROWS_PER_RUN + 1
    cached = store.order_runs
    if cached is not None and cached[0] == version and 0 < cached[1] <= len(order):
        _, done, runs = cached
        if done == len(order) or runs is None:
            return runs
        # From the last row already covered: its run may go on into the new rows.
        more = _runs(order, done - 1, cap - len(runs) + 1)
        if more is not None:
            (first, length), (_, extra) = runs[-1], more[0]
            runs = [*runs[:-1], (first, length + extra - 1), *more[1:]]
        else:
            runs = None
    else:
        runs = _runs(order, 0, cap)
    store.order_runs = (version, len(order), runs)
    return runs


def _runs(order: array, start: int, cap: int) -> list[tuple[int, int]] | None:
    """order[start:] as runs of consecutive row ids, or None beyond cap runs."""
    part = order[start:]
    if sys.byteorder != "little":
        part.byteswap()
    x = int.from_bytes(part, "little")
    # 32 bits per row: field i of `step` is (part[i] + 1) ^ part[i + 1], zero where a run goes
    # on (a row id never reaches 2**32 - 1, so adding 1 carries into no other field).
    step = (x + int.from_bytes(b"\x01\0\0\0" * len(part), "little")) ^ (x >> 32)
    ends = step.to_bytes(4 * len(part), "little").translate(_NONZERO)
    runs: list[tuple[int, int]] = []
    first = 0
    i = ends.find(1)
    while i >= 0:  # the last field is never zero (nothing follows the last row): it ends the last run
        end = i // 4 + 1
        runs.append((part[first], end - first))
        if len(runs) > cap:
            return None
        first = end
        i = ends.find(1, 4 * end)
    return runs


def _select(runs: list[tuple[int, int]], mask: bytes, lo: int, hi: int) -> array:
    """The rows at positions lo..hi of an order given as runs whose byte in mask is 1, in that order."""
    out = array("I")
    pos = 0
    for first, length in runs:
        a, b = max(lo - pos, 0), min(hi - pos, length)
        if a < b:
            out.extend(compress(range(first + a, first + b), mask[first + a:first + b]))
        pos += length
        if pos >= hi:
            break
    return out


def _segment_rows(store: Store, seg_id: int, n: int) -> tuple[array, array]:
    """A segment's rows below n sorted by byte offset, with those offsets (kept on the store)."""
    cache = store.segment_rows
    hit = cache.get(seg_id)
    if hit is not None and hit[0] == n:
        return hit[1], hit[2]
    offsets = store.offsets
    if len(store.segments) == 1:
        rows = array("I", range(n))
        offs = offsets[:n]
    else:
        rows = array("I", compress(range(n), map(seg_id.__eq__, store.segment[:n])))
        offs = array("q", map(offsets.__getitem__, rows))
    if any(map(gt, offs, islice(offs, 1, None))):
        rows, offs = _sort_by_offset(rows, offs, offsets)
    cache[seg_id] = (n, rows, offs)
    return rows, offs


def _sort_by_offset(rows: array, offs: array, offsets: array) -> tuple[array, array]:
    """Rows sorted by offset. A large file is indexed in chunks, newest first: its rows come
    in a few runs, each in offset order, that are put in order by moving whole runs."""
    cuts = [0, *(i + 1 for i in compress(range(len(offs) - 1), map(gt, offs, islice(offs, 1, None)))), len(offs)]
    runs = sorted(zip(cuts, cuts[1:]), key=lambda run: offs[run[0]])
    new_rows, new_offs = array("I"), array("q")
    for a, b in runs:
        new_rows.extend(rows[a:b])
        new_offs.extend(offs[a:b])
    if any(map(gt, new_offs, islice(new_offs, 1, None))):
        # Runs that overlap (files interleaved some other way): a full, stable sort.
        new_rows = array("I", sorted(rows, key=offsets.__getitem__))
        new_offs = array("q", map(offsets.__getitem__, new_rows))
    return new_rows, new_offs


def _write_copies(store: Store) -> None:
    """Sources whose bytes are written when first needed (a Parquet file's copy), all needed by a
    scan of every event: written now, several at once."""
    pending = [seg.reader for seg in store.segments if getattr(seg.reader, "written", True) is False]
    if len(pending) > 1:
        from .sources.parquet import write_copies

        write_copies(pending)  # type: ignore[arg-type]


def _source_path(reader: object) -> str:
    """A path that reads a segment's bytes, or "" when none does.

    Its file's name while that name still holds the same file; once it no longer does (rotated
    away, deleted, a gzip spool removed) the descriptor the reader keeps, through /proc (which a
    worker process can open too).
    """
    path = getattr(reader, "path", None)
    if path is None or getattr(reader, "gone", ""):
        return ""
    identity = getattr(reader, "identity", None)
    try:
        st = os.stat(path)
        if identity is None or (st.st_dev, st.st_ino) == identity:
            return path
    except OSError:
        pass
    fd = getattr(reader, "fd", None)
    proc = f"/proc/{os.getpid()}/fd/{fd}"
    try:
        st = os.stat(proc)
    except (OSError, TypeError):
        return ""
    return proc if (st.st_dev, st.st_ino) == identity else ""


def _search_rows(path: str, rows: array, offs: array, lengths: array, leaf: TextLeaf, mask: bytearray,
                 cancelled: Callable[[], bool] | None) -> None:
    """Mark the rows (sorted by offset) whose own bytes hold the text."""
    with open(path, "rb") as fh:
        if not os.fstat(fh.fileno()).st_size:
            return
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            search = leaf.pattern.search
            base, low = 0, b""  # a lower-cased piece of the file, from offset base
            last, hit = -1, False
            for row, off in zip(rows, offs):
                if off != last:  # rows from one JSON array share their bytes
                    last = off
                    end = off + lengths[row]
                    if end > base + len(low):
                        _poll(cancelled)
                        base, low = off, data[off:max(end, off + _SCAN_PIECE)].lower()
                    hit = search(low, off - base, end - base) >= 0
                if hit:
                    mask[row] = 1
        finally:
            data.close()


def _text_hits(path: str, end: int, leaf: TextLeaf, cancelled: Callable[[], bool] | None,
               meanwhile: Callable[[], object] = lambda: None) -> list[int]:
    """Offsets of the text's hits in path[0:end] (a JSON-lines file): in worker processes for
    large files, while this process calls `meanwhile` once it has nothing else to do."""
    # Each row is one line here: a wildcard must not run on into the next line (the next row).
    parts = leaf.pattern.parts
    if end < _TEXT_CHUNK * 2:
        return list(text_job(path, 0, end, parts, cancelled))
    from .workers import WorkerPool

    hits = array("q")
    bounds = _line_bounds(path, end, _TEXT_CHUNK)
    left = bounds
    if _anchor(leaf.pattern.needle) is not None:
        # Found by a letter-free run in the raw bytes, a needle costs about what reading them
        # costs: this process reads the first half while one worker, started meanwhile, reads
        # the second. Where the run is too common to pay, workers lower-case the rest after.
        half = len(bounds) // 2
        theirs: list[object] = []
        failed: list[BaseException] = []
        left = []
        with WorkerPool(1) as pool:
            def search_second_half() -> None:
                try:
                    theirs.extend(pool.run(("text", (path, a, b, parts)) for a, b in bounds[half:]))
                except BaseException as exc:  # raised here once the thread is done
                    failed.append(exc)

            worker = threading.Thread(target=search_second_half, daemon=True, name="atlens-text-search")
            worker.start()
            for a, b in bounds[:half]:
                stopped = _scan_text(path, a, b, parts, hits, cancelled, anchored_only=True)
                if stopped < b:
                    left.append((stopped, b))
            meanwhile()
            while worker.is_alive():
                worker.join(0.05)
                _poll(cancelled)
        if failed:
            raise failed[0]
        for result in theirs:
            hits.extend(result)  # type: ignore[arg-type]
    if left:
        with WorkerPool(2) as pool:
            for result in pool.run(("text", (path, a, b, parts)) for a, b in left):
                _poll(cancelled)
                hits.extend(result)  # type: ignore[arg-type]
    return list(hits)


def materialise(store: Store, paths: list[Path], *, progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None, pool_from_rows: int = 200_000) -> None:
    """Extend the field columns of `paths` to every stored row."""
    columns = store.field_columns
    for p in paths:
        columns.setdefault(p, FieldColumn(p))
    n = len(store)
    start = min(len(columns[p]) for p in paths)
    if start >= n:
        return
    # Paths already further along are cut back, so one pass extends them all together.
    for p in paths:
        col = columns[p]
        if len(col) > start:
            del col.ids[start:]
    _write_copies(store)
    jobs, plan = _materialise_jobs(store, paths, start, n)
    if len(plan) == 0:
        return
    if n - start >= pool_from_rows and len(jobs) > 1:
        from .workers import WorkerPool

        with WorkerPool(2) as pool:
            _collect(columns, paths, plan, pool.run(("fields", job) for job in jobs), n - start, progress, cancelled)
    else:
        _collect(columns, paths, plan, (materialise_job(*job) for job in jobs), n - start, progress, cancelled)


def _materialise_jobs(store: Store, paths: list[Path], start: int, n: int) -> tuple[list[tuple], list[tuple[int, int, array | None]]]:
    """Jobs (file, offsets, lengths, subs, paths) over rows start..n, and for each job the rows it covers."""
    jobs: list[tuple] = []
    plan: list[tuple[int, int, array | None]] = []
    for a in range(start, n, _CHUNK_ROWS):
        b = min(n, a + _CHUNK_ROWS)
        segs = store.segment[a:b]
        first = segs[0]
        if segs.count(first) == len(segs):
            groups = [(first, None)]
        else:
            groups = [(s, array("I", compress(range(a, b), map(s.__eq__, segs)))) for s in sorted(set(segs))]
        for seg_id, rows in groups:
            reader = store.segments[seg_id].reader
            path = _source_path(reader)  # "": nothing to read, every row finds nothing
            if rows is None:
                offs, lens, subs = store.offsets[a:b], store.lengths[a:b], store.subs[a:b]
            else:
                offs = array("q", map(store.offsets.__getitem__, rows))
                lens = array("I", map(store.lengths.__getitem__, rows))
                subs = array("H", map(store.subs.__getitem__, rows))
            jobs.append((path, offs.tobytes(), lens.tobytes(), subs.tobytes(), paths))
            plan.append((a, b, rows))
    return jobs, plan


def _collect(columns: dict[Path, FieldColumn], paths: list[Path], plan: list, results: Iterator,
             total: int, progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
    """Append job results to the columns in row order (a chunk split by segment is merged first)."""
    done = 0
    pending: dict[int, list[tuple[array | None, list]]] = {}
    for (a, b, rows), result in zip(plan, results):
        if cancelled is not None and cancelled():
            raise Cancelled
        pending.setdefault(a, []).append((rows, result))
        covered = sum(b - a if r is None else len(r) for r, _ in pending[a])
        if covered < b - a:
            continue
        parts = pending.pop(a)
        for k, p in enumerate(paths):
            col = columns[p]
            if len(parts) == 1:
                keys, ids = parts[0][1][k]
                col.add(keys, ids)
                continue
            merged_keys: list[bytes] = []
            merged = array("I", bytes(4 * (b - a)))
            for rows, result in parts:
                keys, ids = result[k]
                base = len(merged_keys)
                merged_keys.extend(keys)
                for row, i in zip(rows, ids):  # type: ignore[arg-type]
                    merged[row - a] = base + i
            col.add(merged_keys, merged)
        done += b - a
        if progress is not None:
            progress(done, total)


# ----------------------------------------------------------------------------- values of a field, for output


def value_text(values: tuple | list) -> str:
    """The values found at a field as one line of text: strings as they are, others as JSON."""
    parts = []
    for v in values:
        if type(v) is str:
            parts.append(v)
        else:
            try:
                parts.append(orjson.dumps(v).decode())
            except TypeError:
                parts.append(str(v))
    return ", ".join(parts)


def json_value(event: dict, ref: FieldRef) -> object:
    """A field's JSON value in an event: from the first path of the reference that has one;
    several values (through lists of objects) as a list; None when absent."""
    for path in ref.paths:
        found = find_values(event, path)
        if found:
            return found[0] if len(found) == 1 else found
    return None


def field_texts(store: Store, ref: FieldRef, rows: Sequence[int]) -> list[str]:
    """The text of a field for each row ("" when absent): from the store's columns where it
    keeps the field, otherwise from a materialised column (built once, kept on the store)."""
    per_path = [_path_texts(store, path, rows) for path in ref.paths]
    if len(per_path) == 1:
        return per_path[0]
    return [next((t for t in texts if t), "") for texts in zip(*per_path)]


def _path_texts(store: Store, path: Path, rows: Sequence[int]) -> list[str]:
    if path == people.PATH:
        return people.identity_texts(store, rows)
    if path in catalog_fields.FIELDS:
        actions = _path_texts(store, ("action",), rows)
        return [catalog_fields.text(path, action) for action in actions]
    if path in STRING_COLUMNS or path == REASON_CODE:
        flags = store.flags
        if path == REASON_CODE:
            codes = store.reason
            texts = [str(codes[r]) if not flags[r] & _ODD else None for r in rows]
        else:
            column, strings = getattr(store, STRING_COLUMNS[path]), store.strings
            texts = [strings[column[r]] if not flags[r] & _ODD else None for r in rows]
        for i, text in enumerate(texts):
            if text is None:  # a row whose column is not the exact value: read the event
                texts[i] = value_text(_event_values(store, rows[i], path))
        return texts
    materialise(store, [path])
    col = store.field_columns[path]
    values, ids = col.values, col.ids
    cache: dict[int, str] = {}
    out = []
    for r in rows:
        i = ids[r]
        text = cache.get(i)
        if text is None:
            text = cache[i] = value_text(values[i])
        out.append(text)
    return out


def read_from_events(path: Path) -> bool:
    """Whether a field's values are read from every event (materialised) rather than kept by the store
    (its columns, the catalog's facts about the action, the initiator's identity)."""
    return not (path == people.PATH or path in catalog_fields.FIELDS or path in STRING_COLUMNS or path == REASON_CODE)


def _counted_by_code(ref: FieldRef) -> bool:
    """Whether the store's columns hold a field: one column, or string columns tried in turn (an alias)."""
    if len(ref.paths) == 1 and ref.paths[0] == REASON_CODE:
        return True
    return all(path in STRING_COLUMNS for path in ref.paths)


def exact_codes(store: Store, refs: Sequence[FieldRef], rows: Sequence[int]) -> tuple[list[Sequence[int]], list[Callable[[int], str]]] | None:
    """Each field's column code per row, and how a code reads as the text field_texts gives; None
    when a field is not kept as columns or a row's columns are not its exact values (read its text)."""
    if not all(map(_counted_by_code, refs)):
        return None
    n = len(store)
    odd = _odd_rows(store, n)
    if odd and not set(odd).isdisjoint(rows):
        return None
    codes = [_ref_codes(store, ref, rows, n) for ref in refs]
    return codes, [str if ref.paths == (REASON_CODE,) else store.strings.__getitem__ for ref in refs]


def _ref_codes(store: Store, ref: FieldRef, rows: Sequence[int] | None, n: int) -> Sequence[int]:
    """The column code of a field for each row (None: rows 0..n); for an alias, that of its first
    path with text (string code 0 is the empty string)."""
    columns = [store.reason if path == REASON_CODE else getattr(store, STRING_COLUMNS[path]) for path in ref.paths]
    per_path = [column[:n] if rows is None else list(map(column.__getitem__, rows)) for column in columns]
    codes = per_path[-1]
    for earlier in reversed(per_path[:-1]):
        codes = [a or b for a, b in zip(earlier, codes)]
    return codes


# ----------------------------------------------------------------------------- a live view


class QueryView:
    """The rows a query selects, in time order, grown as the store grows.

    `order` is extended in place while arriving rows come after the last one shown; any
    other change (a row that sorts earlier) bumps `version`, as the store's own order does.
    """

    #: More new rows than this at once (a file being indexed) are answered by a new scan.
    TEST_AT_MOST = 5_000

    def __init__(self, query: Filter, rows: array) -> None:
        self.query = query
        self.store = query.store
        self.order = rows
        self.version = 0
        self.seen = query.scanned

    def take_new(self) -> bool:
        """Test the rows added since the last call; False when there are too many (re-scan instead)."""
        store = self.store
        total = len(store)
        if total - self.seen > self.TEST_AT_MOST:
            return False
        test = self.query.test
        try:
            fresh = [r for r in range(self.seen, total) if test(r)]
        except RegexTooComplex:
            return False  # a new scan meets it too, and its caller says why
        self.seen = total
        if not fresh:
            return True
        times = store.times
        key = times.__getitem__
        fresh.sort(key=key)
        order = self.order
        if not order or key(fresh[0]) >= key(order[-1]):
            order.extend(fresh)
            return True
        for row in fresh:
            order.insert(bisect_right(order, key(row), key=key), row)
        self.version += 1
        return True
