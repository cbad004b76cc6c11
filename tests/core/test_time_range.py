"""The time range as typed in the TUI (R): relative to now or to the newest event read, dates,
times of day, `A to B`; and Lucene date math on `time` in queries (`time:>now-7d`), where `now`
is the clock, or the newest event when the TUI anchors relative times on it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.core.conftest import event, line, read_path
from tui.core.filtering import Filter
from tui.core.query import QuerySyntaxError, parse
from tui.core.timespec import TimeSpecError, parse_range

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)
NEWEST = datetime(2026, 11, 20, 10, 30, 0, tzinfo=UTC)
MINUTE = 60_000_000
HOUR = 60 * MINUTE


def us(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1)


def rng(text: str) -> tuple[int | None, int | None]:
    return parse_range(text, now_us=us(NOW), newest_us=us(NEWEST))


@pytest.mark.parametrize("text, expected", [
    ("", (None, None)),
    ("15m", (us(NOW) - 15 * MINUTE, None)),
    ("now-15m", (us(NOW) - 15 * MINUTE, None)),
    ("newest-1h", (us(NEWEST) - HOUR, None)),
    ("newest - 1h", (us(NEWEST) - HOUR, None)),
    ("2026-11-20 to 2026-11-21", (us(datetime(2026, 11, 20, tzinfo=UTC)), us(datetime(2026, 11, 21, tzinfo=UTC)))),
    ("2026-11-20T10:00 .. 2026-11-20T11:00", (us(NEWEST) - 30 * MINUTE, us(NEWEST) + 30 * MINUTE)),
    ("newest-2h to newest-1h", (us(NEWEST) - 2 * HOUR, us(NEWEST) - HOUR)),
    ("10:00 to 10:15", (us(NEWEST) - 30 * MINUTE, us(NEWEST) - 15 * MINUTE)),  # times of day: the newest event's day
    ("1d to now", (us(NOW) - 24 * HOUR, None)),
])
def test_time_ranges_as_typed(text, expected):
    assert rng(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "10:00 to", "newest-1x", "2026-11-21 to 2026-11-20", "newest to newest-1h"])
def test_ranges_that_cannot_be_read_or_hold_nothing_say_so(text):
    with pytest.raises(TimeSpecError):
        rng(text)


def test_newest_without_events_says_so():
    with pytest.raises(TimeSpecError, match="no event"):
        parse_range("newest-1h", now_us=us(NOW), newest_us=None)


@pytest.fixture
def week(tmp_path):
    path = tmp_path / "a.log"
    times = [NEWEST - timedelta(days=d) for d in (9, 5, 2, 1, 0)]
    path.write_bytes(b"".join(line(event(eventTime=t.isoformat().replace("+00:00", "Z"))) for t in times))
    return read_path(path)


def test_date_math_on_time_is_read_from_the_clock(week):
    # Every event is before "now" (weeks before the clock): now-7d reaches back to them.
    assert len(Filter(week, parse("time:>now-30d", now_us=us(NOW))).rows()) == 5
    assert len(Filter(week, parse("time:>now-7d", now_us=us(NOW))).rows()) == 0
    assert len(Filter(week, parse("time:[now-30d TO now]", now_us=us(NOW))).rows()) == 5


def test_date_math_anchored_on_the_newest_event(week):
    # An auditor's export of last month: now is the newest event's time.
    assert len(Filter(week, parse("time:>now-3d", now_us=us(NEWEST))).rows()) == 3
    assert len(Filter(week, parse("time:>=now-2d/d", now_us=us(NEWEST))).rows()) == 3  # rounded down to the day
    assert len(Filter(week, parse("time:[now-6d TO now-1d]", now_us=us(NEWEST))).rows()) == 3


def test_date_math_units_and_rounding():
    node = parse("time:>=now-1h/h", now_us=us(NEWEST))
    assert node.times == (us(NEWEST) - 30 * MINUTE - HOUR, None)
    node = parse("time:<now+1d-2h", now_us=us(NEWEST))
    assert node.times == (None, us(NEWEST) + 22 * HOUR)
    node = parse("time:>now-1w", now_us=us(NEWEST))
    assert node.times == (us(NEWEST) - 7 * 24 * HOUR, None)


@pytest.mark.parametrize("query", ["time:>now-7x", "time:>now-", "time:>nowish", "time:>now/q"])
def test_date_math_mistakes_point_at_the_bound(query):
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query, now_us=us(NOW))
    assert caught.value.column == 6
