"""Decoded JSON values written back as JSON text, whatever they hold.

orjson writes almost every event, fast; it refuses integers beyond 64 bits (read exactly by
Store.event) and nesting deeper than 255 levels (orjson reads 1,024). Those are written here
without recursion, in the same compact form, so no event that was read is one that cannot be
printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C-accelerated

import orjson

_END = object()


def dumps(value: object, *, indent: bool = False) -> str:
    """Compact JSON text of a decoded value (`,` and `:` without spaces, non-ASCII as it is);
    with indent, two spaces a level as orjson's OPT_INDENT_2 writes it."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else None).decode()
    except orjson.JSONEncodeError:
        return _dumps_any(value, indent)


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)  # any size: JSON numbers have no limit
    if isinstance(value, float):
        return orjson.dumps(value).decode()
    return encode_basestring(str(value))


def _dumps_any(value: object, indent: bool = False) -> str:
    """Like orjson.dumps, one level at a time on a stack of its own (any depth)."""
    out: list[str] = []
    colon = ": " if indent else ":"
    # Each open object or array: its items still to write, whether it is an object, and whether
    # an item of it has been written (a comma goes before the next).
    stack: list[tuple[Iterator, bool, list[bool]]] = []
    current = value
    while True:
        if isinstance(current, dict) and current:
            out.append("{")
            stack.append((iter(current.items()), True, [False]))
        elif isinstance(current, (list, tuple)) and current:
            out.append("[")
            stack.append((iter(current), False, [False]))
        elif isinstance(current, dict):
            out.append("{}")
        elif isinstance(current, (list, tuple)):
            out.append("[]")
        else:
            out.append(_scalar(current))
        while stack:
            items, is_object, written = stack[-1]
            item = next(items, _END)
            if item is _END:
                stack.pop()
                if indent:
                    out.append("\n" + "  " * len(stack))
                out.append("}" if is_object else "]")
                continue
            if written[0]:
                out.append(",")
            written[0] = True
            if indent:
                out.append("\n" + "  " * len(stack))
            if is_object:
                key, current = item
                out.append(encode_basestring(key if isinstance(key, str) else str(key)) + colon)
            else:
                current = item
            break
        else:
            return "".join(out)
