"""--since/--until as users type them (relative to now, dates, date-times with zones), and the
times typed to jump to in the table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tui.core.timespec import TimeSpecError, parse_bound, parse_moment

from tests.conftest import CET

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


# ----------------------------------------------------------------------------- jump to a time

CURSOR_DAY_US = us(datetime(2026, 11, 20, 23, 30, tzinfo=UTC))


@pytest.mark.parametrize("text, expected", [
    ("10:30", datetime(2026, 11, 20, 10, 30, tzinfo=UTC)),
    ("7:05:09", datetime(2026, 11, 20, 7, 5, 9, tzinfo=UTC)),
    ("23:59:59.25", datetime(2026, 11, 20, 23, 59, 59, 250000, tzinfo=UTC)),
    ("2026-11-18T08:00", datetime(2026, 11, 18, 8, 0, tzinfo=UTC)),
    ("2026-11-18 08:00:30", datetime(2026, 11, 18, 8, 0, 30, tzinfo=UTC)),
    ("2026-11-18", datetime(2026, 11, 18, tzinfo=UTC)),
    ("2026-11-18T08:00+01:00", datetime(2026, 11, 18, 7, 0, tzinfo=UTC)),
    ("2026-11-18T08:00:00Z", datetime(2026, 11, 18, 8, 0, tzinfo=UTC)),
    ("15m", NOW - timedelta(minutes=15)),
])
def test_a_moment_in_utc_takes_the_day_of_the_event_under_the_cursor(text: str, expected: datetime) -> None:
    assert parse_moment(text, day_of_us=CURSOR_DAY_US, now_us=NOW_US) == us(expected)


def test_a_time_of_day_without_an_event_is_today() -> None:
    assert parse_moment("09:00", now_us=NOW_US) == us(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


def test_in_local_time_a_time_without_zone_is_read_as_the_table_shows_it(time_zone) -> None:
    time_zone(CET)
    # 23:30 UTC is already the 21st in CET: 10:30 is on that day, in winter time.
    assert parse_moment("10:30", local=True, day_of_us=CURSOR_DAY_US) == us(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))
    # The offset is the one of the date typed (summer time in July), not today's.
    assert parse_moment("2026-07-01T10:30", local=True) == us(datetime(2026, 7, 1, 8, 30, tzinfo=UTC))
    # An explicit zone wins over the table's.
    assert parse_moment("2026-07-01T10:30Z", local=True) == us(datetime(2026, 7, 1, 10, 30, tzinfo=UTC))


@pytest.mark.parametrize("text, says", [
    ("", "type a time"),
    ("24:00", "not a time of day"),
    ("10:75", "not a time of day"),
    ("yesterday", "not a time"),
    ("2026-13-01", "not a time"),
])
def test_an_unreadable_moment_says_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(TimeSpecError) as raised:
        parse_moment(text, day_of_us=CURSOR_DAY_US, now_us=NOW_US)
    assert says in str(raised.value)
    assert "10:30" in str(raised.value) or "hours 0-23" in str(raised.value)
