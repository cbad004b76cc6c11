"""The events related to one event, grouped by why: the same correlationId or X-Global-Transaction-Id,
the pending request and the event that closes it, the same target, the same initiator a few
minutes before and after.

Each group is found over the store's columns (or a field read once from every event into a
column, as queries do): the rows holding the event's value are found by searching the column's
bytes for the value's code (`bytes.find` at C speed), so one event's related ones cost a few
milliseconds at a million events once the fields are indexed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
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
#: An index is built again when this many rows were stored since it was (they are searched one by one until then).
REINDEX_AFTER = 100_000
#: Steps taken at most through a target's events looking for the next or previous one of the same action.
_REQUEST_STEPS = 10_000


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
    groups: list[RelatedGroup | None] = [
        _by_field(store, row, CORRELATION, "same correlationId", "correlationId", listed),
        _by_field(store, row, TRANSACTION, "same X-Global-Transaction-Id", 'requestData["X-Global-Transaction-Id"]',
                  listed),
    ]
    target_name, target_field = ("target_id", "target.id") if store.target_id[row] else ("target_name", "target.name")
    target_column = getattr(store, target_name)
    same_target: Sequence[int] = (_rows_with(store, target_name, target_column, target_column[row])
                                  if target_column[row] else [])
    groups.append(_request(store, row, same_target))
    target = store.strings[target_column[row]]
    groups.append(_group(store, row, "same target", target, same_target, listed,
                         f"{target_field}:{quote_value(target)}" if target else ""))
    groups.append(_initiator_nearby(store, row, window_us, listed))
    return [g for g in groups if g is not None and g.total]


class ValueIndex:
    """Rows 0..n of a column sorted by value, then time: the rows holding one value are one slice,
    in time order. Rows stored later are searched apart (see rows_with)."""

    def __init__(self, store: Store, column: array) -> None:
        order = store.order[:]
        limit = min(len(order), len(column))
        if limit < len(order):
            order = array("I", (r for r in order if r < limit))
        #: how many rows the index holds (rows 0..n)
        self.n = limit
        self.rows = array("I", sorted(order, key=column.__getitem__))  # stable: each value's rows stay in time order

    def rows_with(self, store: Store, column: array, code: int) -> Sequence[int]:
        """The rows whose column holds code, in time order."""
        key = column.__getitem__
        rows = self.rows
        # A slice of the array: a target with a hundred thousand events makes no int objects (nor a
        # collection of the garbage they would leave).
        found: Sequence[int] = rows[bisect_left(rows, code, key=key):bisect_right(rows, code, key=key)]
        end = min(len(store), len(column))
        if end > self.n:
            extra = list(compress(range(self.n, end), map(code.__eq__, column[self.n:end])))
            if extra:
                times = store.times
                found = sorted([*found, *extra], key=lambda r: (times[r], r))
        return found


def _rows_with(store: Store, name: object, column: array, code: int) -> Sequence[int]:
    """The rows whose column (called name among the store's indexes) holds code, in time order."""
    index = store.value_indexes.get(name)
    if index is None or min(len(store), len(column)) - index.n > REINDEX_AFTER:
        index = store.value_indexes[name] = ValueIndex(store, column)
    return index.rows_with(store, column, code)


def _by_field(store: Store, row: int, path: tuple[str, ...], why: str, field: str,
              listed: int | None) -> RelatedGroup | None:
    column = store.field_columns.get(path)
    if column is None or row >= len(column):
        return None
    code = column.ids[row]
    values = column.values[code]
    if not code or not any(type(v) is str and v for v in values):
        return None
    value = value_text(values)
    rows = _rows_with(store, path, column.ids, code)
    return _group(store, row, why, value, rows, listed, f"{field}:{quote_value(value)}")


def _request(store: Store, row: int, same_target: Sequence[int]) -> RelatedGroup | None:
    """The pending event and the one that closes the same request: same action and target, outcome
    pending, then the next event of that action on that target, whose outcome is not pending.

    same_target: the rows of the event's target, in time order."""
    strings, outcome, action = store.strings, store.outcome, store.action
    at = _position(store, row, same_target)
    if at is None:
        return None
    mine = action[row]

    def pending(r: int) -> bool:
        return strings[outcome[r]].lower() == PENDING

    def neighbour(step: int) -> int | None:
        """The next (1) or previous (-1) event of the same action on the target."""
        i = at + step
        for _ in range(_REQUEST_STEPS):
            if not 0 <= i < len(same_target):
                return None
            if action[same_target[i]] == mine:
                return same_target[i]
            i += step
        return None

    # A request is its pending event and the next event of the same action on the same target.
    if pending(row):
        other = neighbour(1)
        why = "the event that closes this pending request"
        found = other is not None and not pending(other)
    else:
        other = neighbour(-1)
        why = "the pending request this event closes"
        found = other is not None and pending(other)
    if not found or other is None:
        return None
    return RelatedGroup(why, "", (other,), 1)


def _position(store: Store, row: int, rows: Sequence[int]) -> int | None:
    """Where row is in rows (in time order), None when it is not there."""
    times = store.times
    i = bisect_left(rows, times[row], key=times.__getitem__)
    while i < len(rows) and times[rows[i]] == times[row]:
        if rows[i] == row:
            return i
        i += 1
    return None


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


def _group(store: Store, row: int, why: str, value: str, rows: Sequence[int], listed: int | None,
           query: str = "") -> RelatedGroup:
    """A group of the rows (in time order) other than row: the listed nearest in time, in time order."""
    times = store.times
    total = len(rows) - (1 if _position(store, row, rows) is not None else 0)
    if listed is not None and total > listed:
        # The nearest lie within listed rows either side of where the event's time falls.
        t = times[row]
        at = bisect_left(rows, t, key=times.__getitem__)
        near = [r for r in rows[max(0, at - listed - 1):at + listed + 1] if r != row]
        near.sort(key=lambda r: (abs(times[r] - t), r))
        others = near[:listed]
    else:
        others = [r for r in rows if r != row]
    others.sort(key=lambda r: (times[r], r))
    return RelatedGroup(why, value, tuple(others), total, query)
