"""Two events side by side, field by field; and one field of an event as a query. No textual or rich.

A field is a leaf as `catalog.explain` notes it, so the detail pane's tree, the catalog's notes and a
comparison name the same fields the same way:

- an object with keys is walked key by key (`initiator.host.agent`, `requestData["token.account.bss"]`);
- a list that holds an object or a list is walked element by element (`responseData.resources[0].state`),
  because its elements are records an auditor reads one by one;
- anything else is one value: a string, number, boolean or null, an empty object or list, and a
  list of plain values (`tags`, `access_groups`), which is compared whole.

Paths are written with `catalog.loader.join_path` plus `[i]` for list positions, the form the catalog's
notes use. `catalog.loader.split_path(path)` drops the positions and gives the path as the query
language reads it (it looks into every element of a list); `query_field` writes it so that any key,
however odd, parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import orjson

from catalog.loader import path_part

from . import jsontext
from .present import printable
from .query import ALIASES, FIELD_SUFFIXES, quote_value

#: A decoded JSON value (what orjson.loads returns); spelled `object`: the core holds no `Any`.
JSONValue = object

#: How a field differs between the first event (before) and the second (after).
DiffKind = Literal["changed", "added", "removed"]

#: Nesting deeper than this is compared and shown as one value (events are a few levels deep).
MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field that differs between two events, with its value in each as text (None: absent)."""

    path: str
    before: str | None
    after: str | None
    kind: DiffKind
    #: the keys of the path without list positions, as the query language reads it
    parts: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- values and fields


def value_text(value: JSONValue) -> str:
    """A value as one line of text: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json_text(value)


def json_text(value: JSONValue) -> str:
    """A value as compact JSON (strings quoted), however deep and whatever its numbers."""
    return jsontext.dumps(value)


def is_branch(value: JSONValue) -> bool:
    """Whether a value is walked into (an object with keys, or a list holding objects or lists)."""
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value)


def child_path(shown: str, key: str | int) -> str:
    """The path of a child: `.key` or `["odd.key"]` after an object's path, `[i]` after a list's."""
    if isinstance(key, int):
        return f"{shown}[{key}]"
    return shown + path_part(key, first=not shown)


def children(value: JSONValue) -> list[tuple[str | int, JSONValue]]:
    """The keys (or list positions) and values one level down a branch; [] for a leaf."""
    if isinstance(value, dict) and value:
        return [(str(key), item) for key, item in value.items()]
    if is_branch(value):
        assert isinstance(value, list)
        return list(enumerate(value))
    return []


def _leaves(value: JSONValue, shown: str, parts: tuple[str, ...], depth: int = 0) -> Iterator[tuple[str, tuple[str, ...], JSONValue]]:
    """Every field under a value: (path, keys without positions, value), in document order."""
    if depth >= MAX_DEPTH or not is_branch(value):
        yield shown, parts, value
        return
    for key, item in children(value):
        yield from _leaves(item, child_path(shown, key), parts if isinstance(key, int) else parts + (key,), depth + 1)


def flatten(event: JSONValue) -> list[tuple[str, JSONValue]]:
    """Every field of an event as (path, value), in document order (path "" for a non-object value)."""
    return [(shown, value) for shown, _, value in _leaves(event, "", ())]


# ----------------------------------------------------------------------------- comparing


def _canonical(value: JSONValue) -> bytes | None:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return None


def _same(a: JSONValue, b: JSONValue) -> bool:
    """Equal as JSON values as written: 1 and 1.0 differ, true and 1 differ, key order does not count."""
    ca, cb = _canonical(a), _canonical(b)
    if ca is not None and cb is not None:
        return ca == cb
    try:  # nested beyond what orjson writes: fall back on Python's equality, types included
        return type(a) is type(b) and a == b
    except RecursionError:
        return False


def diff_events(a: JSONValue, b: JSONValue) -> list[FieldDiff]:
    """The fields that differ between event a (before, or the marked one) and event b (after).

    Every differing field is listed, including those that always differ (eventTime, correlationId):
    an auditor wants the whole picture. Order: document order, the keys of a first and then, at each
    level, the keys only b has. Identical events give []. A value that changes kind (an object that
    becomes a string) is one "changed" field holding both values whole. When the two texts would
    read the same (the string "true" and the boolean true), both are shown as JSON so they do not.
    """
    out: list[FieldDiff] = []
    _diff(a, b, "", (), 0, out)
    return out


def _one_side(value: JSONValue, shown: str, parts: tuple[str, ...], depth: int, kind: DiffKind, out: list[FieldDiff]) -> None:
    for path, keys, leaf in _leaves(value, shown, parts, depth):
        text = value_text(leaf)
        out.append(FieldDiff(path, text if kind == "removed" else None, text if kind == "added" else None, kind, keys))


def _diff(a: JSONValue, b: JSONValue, shown: str, parts: tuple[str, ...], depth: int, out: list[FieldDiff]) -> None:
    if depth < MAX_DEPTH and isinstance(a, dict) and isinstance(b, dict):
        for key, item in a.items():
            path, keys = child_path(shown, key), parts + (key,)
            if key in b:
                _diff(item, b[key], path, keys, depth + 1, out)
            else:
                _one_side(item, path, keys, depth + 1, "removed", out)
        for key, item in b.items():
            if key not in a:
                _one_side(item, child_path(shown, key), parts + (key,), depth + 1, "added", out)
        return
    if depth < MAX_DEPTH and isinstance(a, list) and isinstance(b, list) and (is_branch(a) or is_branch(b)):
        for i in range(max(len(a), len(b))):
            path = child_path(shown, i)
            if i < len(a) and i < len(b):
                _diff(a[i], b[i], path, parts, depth + 1, out)
            elif i < len(a):
                _one_side(a[i], path, parts, depth + 1, "removed", out)
            else:
                _one_side(b[i], path, parts, depth + 1, "added", out)
        return
    if _same(a, b):
        return
    before, after = value_text(a), value_text(b)
    if before == after:
        before, after = json_text(a), json_text(b)
    out.append(FieldDiff(shown, before, after, "changed", parts))


# ----------------------------------------------------------------------------- a field as a query

#: Keys written bare in a query; anything else goes in ["..."] (dots, spaces, colons, brackets...).
_BARE_KEY = re.compile(r"[A-Za-z0-9_@$][A-Za-z0-9_@$\-]*")
#: Bare words the parser reads as something else when one stands alone as the whole field.
_RESERVED = frozenset({"AND", "OR", "NOT", "TO", "_exists_", *ALIASES})
#: Characters escaped with a backslash in an unquoted value.


def _has_control(text: str) -> bool:
    return printable(text) != text


def query_field(parts: tuple[str, ...]) -> str | None:
    """Keys (no list positions) as a field of the query language; None if a key holds control characters.

    Keys that are not plain words, and words the parser would read as an alias or keyword
    (`time`, `AND`, `_exists_`) or as Cloud Logs' suffix (a last key `keyword` or `numeric`), are
    written `["key"]`, with `\\` and `"` escaped.
    """
    if not parts or any(_has_control(key) for key in parts):
        return None
    out = ""
    last = len(parts) - 1
    for index, key in enumerate(parts):
        if (_BARE_KEY.fullmatch(key) and not (len(parts) == 1 and key in _RESERVED)
                and not (index == last and index and "." + key in FIELD_SUFFIXES)):
            out += key if not out else "." + key
        else:
            out += '["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return out


def _query_value(value: JSONValue) -> str:
    """A scalar as a query value that matches it (tui.core.query's rules)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json_text(value)
    return quote_value(str(value))


def field_query(parts: tuple[str, ...], value: JSONValue, *, exclude: bool = False) -> str | None:
    """A query that keeps (or with exclude, drops) the events whose field holds this value.

    Strings are quoted (`initiator.host.agent:"IBM Cloud CLI"`), numbers and booleans bare
    (`reason.reasonCode:403`, `requestData.lock:true`); null gives `-_exists_:field` (absent or null);
    a list of plain values requires every one of them (`tags:("a" "b")`). An object, a list of
    objects or a list with no usable element gives None: there is no single value to match.
    """
    field = query_field(parts)
    if field is None:
        return None
    sign = "-" if exclude else ""
    if value is None:
        return f"{'' if exclude else '-'}_exists_:{field}"
    if isinstance(value, dict) or is_branch(value):
        return None
    if isinstance(value, list):
        items = [_query_value(item) for item in value if item is not None]
        if not items:
            return None
        if len(items) == 1:
            return f"{sign}{field}:{items[0]}"
        return f"{sign}{field}:({' '.join(dict.fromkeys(items))})"
    return f"{sign}{field}:{_query_value(value)}"
