"""Time bounds as users type them: relative (15m, 2h, 7d) or absolute ISO 8601, UTC unless zoned."""

from __future__ import annotations

import re
import time

from .decode import parse_time_us

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


class TimeSpecError(ValueError):
    """A time bound that cannot be read."""


def parse_bound(text: str, *, now_us: int | None = None) -> int:
    """Microseconds since the epoch for `15m` (15 minutes ago), `2026-11-20` or `2026-11-20T10:00+01:00`."""
    if now_us is None:
        now_us = time.time_ns() // 1000
    m = _RELATIVE.match(text)
    if m:
        amount, unit = m.groups()
        return now_us - int(float(amount) * _UNIT_SECONDS[unit.lower()] * 1_000_000)
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00:00"
    us = parse_time_us(value)
    if us is None:
        raise TimeSpecError(f"{text!r} is not a time: use 15m, 2h, 7d, or a date such as 2026-11-20 or 2026-11-20T10:00:00Z")
    return us
