"""The events related to one event, grouped by why: the same correlationId or X-Global-Transaction-Id,
the pending request and the event that closes it, the same target, the same initiator a few
minutes before and after.

Each group is found over the store's columns (or a field read once from every event into a
column, as queries do): the rows holding the event's value are found by searching the column's
bytes for the value's code (`bytes.find` at C speed), so one event's related ones cost a few
milliseconds at a million events once the fields are indexed.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress

from . import people
from .decode import FLAG_NO_TIME
from .filtering import materialise, value_text
from .query import quote_value
from .store import Store

#: The same initiator counts as related this long before and after the event.
WINDOW_US = 5 * 60 * 1_000_000
#: Events listed per group at most, those nearest in time to the event (the group says how many in all).
LISTED = 100
#: Where the identifiers of a request are written.
CORRELATION = ("correlationId",)
TRANSACTION = ("requestData", "X-Global-Transaction-Id")
#: The outcome of a request that has not completed yet (invitations, deletions: the result comes later).
PENDING = "pending"
#: Beyond this many rows holding a value, the rows are found by comparing every row (a C loop) rather than by search.
_SEARCH_AT_MOST = 2_000


@dataclass(frozen=True, slots=True)
class RelatedGroup:
    """Events related to one event for one reason, in time order."""

    #: the reason, such as "same correlationId"
    why: str
    #: the value they share ("" when the reason is not a value: the initiator's window, the request's outcome)
    value: str
    #: store rows, in time order: the LISTED nearest in time to the event
    rows: tuple[int, ...]
    #: how many there are in all
    total: int
    #: a query that finds the group's events (with the event itself), "" when none can say it
    query: str = ""


def related(store: Store, row: int, *, window_us: int = WINDOW_US, listed: int | None = LISTED,
            progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> list[RelatedGroup]:
    """The groups of events related to a row, those with no event left out, in the order
    correlation, transaction, request, target, initiator."""
    materialise(store, [CORRELATION, TRANSACTION], progress=progress, cancelled=cancelled)
    n = len(store)
    groups: list[RelatedGroup | None] = [
        _by_field(store, row, CORRELATION, "same correlationId", "correlationId", n, listed),
        _by_field(store, row, TRANSACTION, "same X-Global-Transaction-Id", 'requestData["X-Global-Transaction-Id"]',
                  n, listed),
    ]
    target_column, target_field = (store.target_id, "target.id") if store.target_id[row] else (store.target_name, "target.name")
    same_target = _same_code(target_column, target_column[row], n) if target_column[row] else []
    groups.append(_request(store, row, same_target))
    target = store.strings[target_column[row]]
    groups.append(_group(store, row, "same target", target, same_target, listed,
                         f"{target_field}:{quote_value(target)}" if target else ""))
    groups.append(_initiator_nearby(store, row, window_us, listed))
    return [g for g in groups if g is not None and g.total]


def _same_code(column: array, code: int, n: int) -> list[int]:
    """The rows 0..n whose column holds code (a C search through the column's bytes)."""
    data = column[:n].tobytes()
    needle = code.to_bytes(column.itemsize, sys.byteorder)
    size = column.itemsize
    if data.count(needle) > _SEARCH_AT_MOST:
        return list(compress(range(n), map(code.__eq__, column[:n])))
    out = []
    pos = data.find(needle)
    while pos >= 0:
        if pos % size == 0:
            out.append(pos // size)
            pos = data.find(needle, pos + size)
        else:  # the bytes straddle two rows: not this value
            pos = data.find(needle, pos + 1)
    return out


def _by_field(store: Store, row: int, path: tuple[str, ...], why: str, field: str, n: int,
              listed: int | None) -> RelatedGroup | None:
    column = store.field_columns.get(path)
    if column is None or row >= len(column):
        return None
    code = column.ids[row]
    values = column.values[code]
    if not code or not any(type(v) is str and v for v in values):
        return None
    value = value_text(values)
    rows = _same_code(column.ids, code, min(n, len(column)))
    return _group(store, row, why, value, rows, listed, f"{field}:{quote_value(value)}")


def _request(store: Store, row: int, same_target: list[int]) -> RelatedGroup | None:
    """The pending event and the one that closes the same request: same action and target, outcome
    pending, then the next event of that action on that target whose outcome is not."""
    strings, outcome, action, times = store.strings, store.outcome, store.action, store.times
    mine = action[row]
    peers = sorted((r for r in same_target if action[r] == mine), key=lambda r: (times[r], r))
    if row not in peers:
        return None
    at = peers.index(row)

    def pending(r: int) -> bool:
        return strings[outcome[r]].lower() == PENDING

    # A request is its pending event and the next event of the same action on the same target.
    if pending(row):
        closing = peers[at + 1] if at + 1 < len(peers) else None
        found = [closing] if closing is not None and not pending(closing) else []
        why = "the event that closes this pending request"
    else:
        opening = peers[at - 1] if at else None
        found = [opening] if opening is not None and pending(opening) else []
        why = "the pending request this event closes"
    if not found:
        return None
    return RelatedGroup(why, "", tuple(found), len(found))


def _initiator_nearby(store: Store, row: int, window_us: int, listed: int | None) -> RelatedGroup | None:
    """The events of the same identity within window_us before and after the event."""
    if store.flags[row] & FLAG_NO_TIME:
        return None
    found = people.identities(store)
    names, ids = store.initiator_name, store.initiator_id
    who = names[row] or ids[row]
    if not who:
        return None
    label = found.label(who)
    times = store.times
    t = times[row]
    order = store.order
    key = times.__getitem__
    lo, hi = bisect_left(order, t - window_us, key=key), bisect_right(order, t + window_us, key=key)
    labels: dict[tuple[int, int], str] = {}
    rows = []
    for r in order[lo:hi]:
        pair = (names[r], ids[r])
        text = labels.get(pair)
        if text is None:
            text = labels[pair] = found.label(pair[0] or pair[1])
        if text == label and r != row and not store.flags[r] & FLAG_NO_TIME:
            rows.append(r)
    minutes = window_us / 60_000_000
    span = f"{minutes:g} minute{'s' if minutes != 1 else ''}"
    return _group(store, row, f"same initiator within {span}", label, rows, listed,
                  f"identity:{quote_value(label)}")


def _group(store: Store, row: int, why: str, value: str, rows: list[int], listed: int | None,
           query: str = "") -> RelatedGroup:
    """A group of the rows other than row, the listed nearest in time, in time order."""
    others = [r for r in rows if r != row]
    times = store.times
    if listed is not None and len(others) > listed:
        t = times[row]
        others = sorted(others, key=lambda r: abs(times[r] - t))[:listed]
    others.sort(key=lambda r: (times[r], r))
    return RelatedGroup(why, value, tuple(others), len([r for r in rows if r != row]), query)
