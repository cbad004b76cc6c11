"""--since/--until as users type them: relative to now, dates, and date-times with zones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tui.core.timespec import TimeSpecError, parse_bound

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 30, 0, tzinfo=UTC)
NOW_US = (NOW - EPOCH) // timedelta(microseconds=1)


def us(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1)


@pytest.mark.parametrize("text, ago", [
    ("15m", timedelta(minutes=15)),
    ("2h", timedelta(hours=2)),
    ("7d", timedelta(days=7)),
    ("30s", timedelta(seconds=30)),
    ("1w", timedelta(weeks=1)),
    ("1.5h", timedelta(minutes=90)),
    (" 10 min ", timedelta(minutes=10)),
    ("2H", timedelta(hours=2)),
])
def test_relative_bounds_count_back_from_now(text, ago):
    assert parse_bound(text, now_us=NOW_US) == us(NOW - ago)


def test_relative_bounds_default_to_the_real_clock():
    before = us(datetime.now(UTC) - timedelta(minutes=15))
    got = parse_bound("15m")
    after = us(datetime.now(UTC) - timedelta(minutes=15))
    assert before <= got <= after


@pytest.mark.parametrize("text, expected", [
    ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
    ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, tzinfo=UTC)),
    ("2026-11-20T10:00:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),  # no zone: UTC, like eventTime
    ("2026-11-20 10:00:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
    ("2026-11-20T10:00:00.250Z", datetime(2026, 11, 20, 10, 0, 0, 250000, tzinfo=UTC)),
    ("2026-11-20T10:00+01:00", datetime(2026, 11, 20, 9, tzinfo=UTC)),
    ("2026-11-20T10:00:00+0100", datetime(2026, 11, 20, 9, tzinfo=UTC)),
    ("2026-11-20T10:00:00-05:00", datetime(2026, 11, 20, 15, tzinfo=UTC)),
    ("2026-11-20T10:00:00+05:30", datetime(2026, 11, 20, 4, 30, tzinfo=UTC)),
])
def test_absolute_bounds(text, expected):
    assert parse_bound(text, now_us=NOW_US) == us(expected)


def test_absolute_bounds_do_not_depend_on_now():
    assert parse_bound("2026-11-20", now_us=0) == parse_bound("2026-11-20", now_us=NOW_US)


@pytest.mark.parametrize("text", ["yesterday", "", "15x", "-5m", "m15", "2026-13-45", "2026-11-20T25:00:00Z", "10:00", "now-1h"])
def test_garbage_is_refused_with_examples_of_what_works(text):
    with pytest.raises(TimeSpecError) as info:
        parse_bound(text, now_us=NOW_US)
    message = str(info.value)
    assert repr(text) in message
    assert "15m" in message and "2026-11-20" in message
