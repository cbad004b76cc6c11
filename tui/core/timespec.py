"""Time bounds as users type them: relative (15m, 2h, 7d) or absolute ISO 8601, UTC unless zoned."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from .decode import _EPOCH, parse_time_us

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


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?$")
_ZONED = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2})$")


def _to_us(moment: datetime, local: bool) -> int:
    """Microseconds since the epoch of a datetime; a naive one is in local time or in UTC."""
    if moment.tzinfo is None:
        # astimezone() on a naive datetime reads it with the platform's rules for that date
        # (summer time included), which a fixed offset taken today would get wrong.
        moment = moment.astimezone() if local else moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def parse_moment(text: str, *, local: bool = False, day_of_us: int | None = None, now_us: int | None = None) -> int:
    """The moment a user asks the table to jump to, in microseconds since the epoch.

    Accepts what `parse_bound` accepts (`15m` is 15 minutes ago), plus a time of day
    (`10:30`, `10:30:15.250`) on the day of `day_of_us` (the event under the cursor; today
    without one). A time without a zone is read in the zone the table shows: local time when
    `local`, else UTC. Raises TimeSpecError for anything else.
    """
    try:
        return _parse_moment(text, local, day_of_us, now_us)
    except (OverflowError, OSError) as exc:  # beyond what the platform's clock covers
        raise TimeSpecError(f"{text!r} is out of range ({exc})") from None


def _parse_moment(text: str, local: bool, day_of_us: int | None, now_us: int | None) -> int:
    value = text.strip()
    if now_us is None:
        now_us = time.time_ns() // 1000
    if not value:
        raise TimeSpecError("type a time: 10:30, 2026-11-20T10:30, or 15m for 15 minutes ago")
    if _RELATIVE.match(value):
        return parse_bound(value, now_us=now_us)
    clock = _CLOCK.match(value)
    if clock:
        hour, minute, second, fraction = clock.groups()
        day = _to_datetime(now_us if day_of_us is None else day_of_us, local)
        try:
            moment = day.replace(hour=int(hour), minute=int(minute), second=int(second or 0),
                                 microsecond=int((fraction or "0").ljust(6, "0")), tzinfo=None)
        except ValueError:
            raise TimeSpecError(f"{text!r} is not a time of day (hours 0-23, minutes and seconds 0-59)") from None
        return _to_us(moment, local)
    if not _ZONED.search(value):
        try:
            return _to_us(datetime.fromisoformat(value.replace(" ", "T", 1)), local)
        except ValueError:
            pass
    try:
        return parse_bound(value, now_us=now_us)
    except TimeSpecError:
        raise TimeSpecError(f"{text!r} is not a time: use 10:30, 2026-11-20T10:30, 2026-11-20 or 15m (15 minutes ago)") from None


def _to_datetime(us: int, local: bool) -> datetime:
    """The datetime of microseconds since the epoch, in local time or UTC."""
    moment = _EPOCH + timedelta(microseconds=us)
    return moment.astimezone() if local else moment


_ANCHORED = re.compile(r"^\s*(now|newest)\s*(?:([+-])\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w))?\s*$", re.I)
_RANGE_TO = re.compile(r"\s+to\s+|\s*\.\.\s*", re.I)


def parse_range(text: str, *, now_us: int | None = None, newest_us: int | None = None,
                local: bool = False) -> tuple[int | None, int | None]:
    """A time range as typed in the TUI: `SINCE`, `SINCE to UNTIL` (or `SINCE..UNTIL`), "" for all times.

    Each bound is what `parse_moment` reads (`15m` ago, `10:30` on the newest event's day, a date),
    or `now` or `newest` (the newest event read) with a step: `newest-1h`, `now-15m`. An until of
    `now` leaves the range open, so events that arrive still come in. Raises TimeSpecError for a
    bound that cannot be read, `newest` before any event, or a range that ends before it starts.
    """
    if now_us is None:
        now_us = time.time_ns() // 1000
    value = text.strip()
    if not value:
        return None, None
    parts = _RANGE_TO.split(value, maxsplit=1)
    since = _range_bound(parts[0], now_us, newest_us, local)
    until = _range_bound(parts[1], now_us, newest_us, local, until=True) if len(parts) > 1 else None
    if since is not None and until is not None and since >= until:
        raise TimeSpecError(f"{text!r} ends before it starts: no event could be in it")
    return since, until


def _range_bound(text: str, now_us: int, newest_us: int | None, local: bool, *, until: bool = False) -> int | None:
    m = _ANCHORED.match(text)
    if m:
        anchor, sign, amount, unit = m.groups()
        if anchor.lower() == "now" and until and not sign:
            return None
        if anchor.lower() == "newest":
            if newest_us is None:
                raise TimeSpecError("no event has been read yet: newest means the time of the newest event")
            base = newest_us
        else:
            base = now_us
        step = int(float(amount) * _UNIT_SECONDS[unit.lower()] * 1_000_000) if sign else 0
        return base - step if sign == "-" else base + step
    return parse_moment(text, local=local, day_of_us=newest_us, now_us=now_us)
