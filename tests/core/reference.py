"""A straightforward reference evaluator for queries: parse every event, walk the query tree.

It uses only the value semantics of `tui.core.query` (its docstrings are the contract) and the
store's own re-reading (`store.event`, `store.raw`, `store.within`), never the columns, the
materialised fields or the file scans of `tui.core.filtering`, so it can check them.
"""

from __future__ import annotations

from tui.core.query import (
    All,
    And,
    Exists,
    Match,
    Node,
    Not,
    Or,
    Range,
    Text,
    exists,
    find_values,
    range_matches,
    text_matches,
    value_matches,
)
from tui.core.store import Store


def matches(node: Node, event: dict | None, raw: bytes | None) -> bool:
    """Whether one event (None: could not be re-read) with its raw bytes matches a query tree."""
    if isinstance(node, All):
        return True
    if isinstance(node, And):
        return all(matches(child, event, raw) for child in node.children)
    if isinstance(node, Or):
        return any(matches(child, event, raw) for child in node.children)
    if isinstance(node, Not):
        return not matches(node.child, event, raw)
    if isinstance(node, Text):
        return raw is not None and text_matches(node.value, raw)
    if event is None:
        return False
    values = [v for path in node.field.paths for v in find_values(event, path)]
    if isinstance(node, Match):
        return any(value_matches(node.value, v) for v in values)
    if isinstance(node, Range):
        return any(range_matches(node, v) for v in values)
    if isinstance(node, Exists):
        return any(exists(v) for v in values)
    raise TypeError(f"not a query node: {node!r}")


def reference_rows(store: Store, node: Node, since_us: int | None = None, until_us: int | None = None) -> list[int]:
    """The rows that match, in `store.order` (time) order."""
    out = []
    for row in store.order:
        if not store.within(row, since_us, until_us):
            continue
        if matches(node, store.event(row, keep=False).event, store.raw(row)):
            out.append(row)
    return out
