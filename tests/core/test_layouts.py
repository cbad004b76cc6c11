"""Archive layouts: the hour an archived object's name says its events lie in, which objects and
folders a time range needs, and the newest-first order; names in no known layout are never passed over."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.sources.layouts import (
    CLOUD_LOGS, EDGE_MARGIN_US, EVENT_ROUTING, HOUR_US, LOGDNA, TimeSpan, can_hold, folder_span,
    folders_that_can_hold, is_manifest, newest_first, span_of,
)

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = 60 * 1_000_000
UUID = "3f0c1e9a-5b7d-4c2e-8a1f-0123456789ab"


def us(*parts: int) -> int:
    return (datetime(*parts, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)


H13 = us(2025, 6, 1, 13)


def routed(hour: datetime, minute: int = 5, seq: int = 0, account: str = "0123456789abcdef", region: str = "us-south") -> str:
    """An Event Routing object key of the layout used since May 2025."""
    return f"{account}/{region}/{hour:%Y-%m-%dT%H}/{hour:%Y-%m-%dT%H}:{minute:02d}+{seq:02d}_{UUID}.log"


# -- span_of: each layout


@pytest.mark.parametrize("name, layout", [
    (f"0123456789abcdef/us-south/2025-06-01T13/2025-06-01T13:05+00_{UUID}.log", EVENT_ROUTING),
    (f"/home/ann/bucket/0123456789abcdef/eu-de/2025-06-01T13/2025-06-01T13:59+17_{UUID}.log", EVENT_ROUTING),
    (f"s3://audit-bucket/0123456789abcdef/us-south/2025-06-01T13/2025-06-01T13:05+00_{UUID}.log", EVENT_ROUTING),
    ("us-south/2025-06-01T13/2025-06-01T13:05:27.123Z+03.log", EVENT_ROUTING),
    ("us-south/2025-06-01T13/1748782800+03.log", EVENT_ROUTING),  # the old timestamp's form is not documented
    ("us-south/2025-06-01T13/2025-06-01T13:05+03.log.gz", EVENT_ROUTING),
    # written at 14:00 for the 13:00 folder: the folder says the hour
    (f"acct/us-south/2025-06-01T13/2025-06-01T14:00+00_{UUID}.log", EVENT_ROUTING),
    ("year=2025/month=06/day=01/a1b2c3d4e5.2025-06-01.1300.json.gz", LOGDNA),
    ("a1b2c3d4e5.2025-06-01.1300.json.gz", LOGDNA),
    ("archive/year=2025/month=06/day=01/a1b2c3d4e5.2025-06-01.1300.json.gz", LOGDNA),
    (f"cx/parquet/v1/team_id=4711/dt=2025-06-01/hr=13/{UUID}.parquet", CLOUD_LOGS),
    (f"/data/team_id=4711/dt=2025-06-01/hr=13/{UUID}.parquet", CLOUD_LOGS),
    (f"dt=2025-06-01/hr=13/{UUID}.PARQUET", CLOUD_LOGS),
])
def test_each_layout_names_the_hour_of_its_events(name: str, layout: str) -> None:
    assert span_of(name) == TimeSpan(H13, H13 + HOUR_US, layout)


def test_windows_separators_are_read_as_slashes() -> None:
    assert span_of(r"C:\bucket\acct\us-south\2025-06-01T13\2025-06-01T13:05+00.log") == TimeSpan(H13, H13 + HOUR_US, EVENT_ROUTING)


@pytest.mark.parametrize("name", [
    "activity.log",
    "2025-06-01T13:05+00.log",                              # no hour folder: the name alone is not the layout
    "us-south/2025-06-01T13/events.log",                    # no sequence number
    "us-south/2025-06-01T13/2025-06-01T13:05+00.json",      # not .log
    "us-south/2025-06-01T1/2025-06-01T13:05+00.log",        # hour folder cut short
    "us-south/x2025-06-01T13/2025-06-01T13:05+00.log",      # not the folder's whole name
    "us-south/2025-06-01T24/2025-06-01T24:05+00.log",       # hour 24
    "us-south/2025-02-30T13/2025-02-30T13:05+00.log",       # 30 February
    "us-south/2025-13-01T13/2025-13-01T13:05+00.log",       # month 13
    "us-south/２０２５-06-01T13/x+00.log",                   # digits that are not ASCII
    "year=2025/month=06/day=02/a1b2c3d4e5.2025-06-01.1300.json.gz",  # folders and name disagree
    "a1b2c3d4e5.2025-06-01.1330.json.gz",                   # not on the hour: its form is not documented
    "a1b2c3d4e5.2025-06-01.0013.json.gz",
    "a1b2c3d4e5.2025-06-01.2400.json.gz",
    "a1b2c3d4e5.2025-06-01.json.gz",                        # daily: not a documented layout
    "a1b2c3d4e5.2025-06-01.1300.json",                      # not gzip
    "dt=2025-06-01/hr=13/part.json",                        # not Parquet
    "dt=2025-06-01/hr=1/x.parquet",
    "dt=2025-06-01/hr=13/sub/x.parquet",                    # deeper than the partition
    "cx/parquet/v1/team_id=4711/_manifest/dt=2025-06-01/hr=13/x.parquet",
    "cx/parquet/v1/team_id=4711/_manifest/manifest.json",
    "",
    "/",
])
def test_names_in_no_known_layout_have_no_span(name: str) -> None:
    assert span_of(name) is None
    assert can_hold(name, H13 - 100 * HOUR_US, H13 - 99 * HOUR_US)


def test_manifest_keys_are_told_apart() -> None:
    assert is_manifest("cx/parquet/v1/team_id=4711/_manifest/2025-06-01.json")
    assert not is_manifest(f"cx/parquet/v1/team_id=4711/dt=2025-06-01/hr=13/{UUID}.parquet")


# -- can_hold: the boundaries


NAME = routed(datetime(2025, 6, 1, 13, tzinfo=UTC))


def test_without_bounds_every_object_can_hold_events() -> None:
    assert can_hold(NAME, None, None)


@pytest.mark.parametrize("since, until, expected", [
    (H13, H13 + HOUR_US, True),                                          # the hour itself
    (H13 + 30 * MINUTE, H13 + 31 * MINUTE, True),                         # inside it
    (H13 + HOUR_US + EDGE_MARGIN_US - 1, None, True),                     # just within the margin after it
    (H13 + HOUR_US + EDGE_MARGIN_US, None, False),                        # just past it
    (None, H13 - EDGE_MARGIN_US + 1, True),                               # until is exclusive
    (None, H13 - EDGE_MARGIN_US, False),
    (H13 - 5 * HOUR_US, H13 - 4 * HOUR_US, False),
    (H13 + 5 * HOUR_US, H13 + 6 * HOUR_US, False),
    (H13 - 5 * HOUR_US, H13 + 6 * HOUR_US, True),                         # wider than the hour
])
def test_an_object_can_hold_the_range_its_widened_hour_meets(since: int | None, until: int | None, expected: bool) -> None:
    assert can_hold(NAME, since, until) is expected


def test_the_margin_can_be_chosen() -> None:
    assert not can_hold(NAME, H13 + HOUR_US, None, margin_us=0)
    assert can_hold(NAME, H13 + HOUR_US - 1, None, margin_us=0)
    assert can_hold(NAME, H13 + 2 * HOUR_US, None, margin_us=HOUR_US + 1)


@settings(max_examples=400)
@given(hour=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23)),
       offset=st.integers(-EDGE_MARGIN_US, HOUR_US + EDGE_MARGIN_US - 1),
       before=st.integers(0, 40 * 24 * HOUR_US), after=st.integers(1, 40 * 24 * HOUR_US),
       layout=st.sampled_from(["routed", "old", "logdna", "parquet"]))
def test_an_event_within_the_margin_of_its_hour_is_never_pruned(hour: datetime, offset: int, before: int, after: int, layout: str) -> None:
    hour = hour.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    name = {
        "routed": routed(hour),
        "old": f"us-south/{hour:%Y-%m-%dT%H}/{hour:%Y-%m-%dT%H:%M}+01.log",
        "logdna": f"year={hour:%Y}/month={hour:%m}/day={hour:%d}/acct.{hour:%Y-%m-%d}.{hour:%H}00.json.gz",
        "parquet": f"cx/parquet/v1/team_id=1/dt={hour:%Y-%m-%d}/hr={hour:%H}/{UUID}.parquet",
    }[layout]
    event = us(hour.year, hour.month, hour.day, hour.hour) + offset
    # Any range that holds the event keeps the object.
    assert can_hold(name, event - before, event + after)
    assert can_hold(name, event - before, None)
    assert can_hold(name, None, event + after)


@settings(max_examples=300)
@given(hour=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23)),
       since_offset=st.integers(-60 * 24 * HOUR_US, 60 * 24 * HOUR_US), length=st.integers(1, 10 * 24 * HOUR_US))
def test_an_object_is_pruned_exactly_when_its_widened_hour_misses_the_range(hour: datetime, since_offset: int, length: int) -> None:
    hour = hour.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    start = us(hour.year, hour.month, hour.day, hour.hour)
    since, until = start + since_offset, start + since_offset + length
    widened = (start - EDGE_MARGIN_US, start + HOUR_US + EDGE_MARGIN_US)
    meets = since < widened[1] and widened[0] < until
    assert can_hold(routed(hour), since, until) is meets


@settings(max_examples=300)
@given(name=st.text(st.characters(codec="utf-8"), max_size=80), since=st.integers(0, 2**50))
def test_any_name_is_answered_without_error(name: str, since: int) -> None:
    span = span_of(name)
    assert span is None or span.end_us - span.start_us == HOUR_US
    can_hold(name, since, since + 1)
    newest_first(name)
    folder_span(name)


# -- folders


@pytest.mark.parametrize("prefix, start, end", [
    ("acct/us-south/2025-06-01T13/", H13, H13 + HOUR_US),
    ("us-south/2025-06-01T13", H13, H13 + HOUR_US),
    ("year=2025/", us(2025, 1, 1), us(2026, 1, 1)),
    ("year=2025/month=06/", us(2025, 6, 1), us(2025, 7, 1)),
    ("year=2024/month=02/", us(2024, 2, 1), us(2024, 3, 1)),
    ("year=2025/month=12/", us(2025, 12, 1), us(2026, 1, 1)),
    ("year=2025/month=06/day=01/", us(2025, 6, 1), us(2025, 6, 2)),
    ("cx/parquet/v1/team_id=4711/dt=2025-06-01/", us(2025, 6, 1), us(2025, 6, 2)),
    ("cx/parquet/v1/team_id=4711/dt=2025-06-01/hr=13/", H13, H13 + HOUR_US),
])
def test_time_partition_folders_have_spans(prefix: str, start: int, end: int) -> None:
    span = folder_span(prefix)
    assert span is not None and (span.start_us, span.end_us) == (start, end)


@pytest.mark.parametrize("prefix", [
    "", "acct/", "acct/us-south/", "month=06/", "day=01/", "hr=13/", "year=2025/day=01/",
    "year=25/", "year=2025/month=6/", "year=2025/month=13/", "year=2025/month=02/day=30/",
    "dt=2025-6-1/", "dt=2025-06-01/hr=24/", "cx/parquet/v1/team_id=4711/", "cx/parquet/v1/team_id=4711/_manifest/",
])
def test_other_folders_have_no_span(prefix: str) -> None:
    assert folder_span(prefix) is None


def hours(first: datetime, count: int) -> list[str]:
    return [f"{first + timedelta(hours=h):%Y-%m-%dT%H}/" for h in range(count)]


def test_a_lister_descends_only_into_the_hours_of_the_range() -> None:
    children = hours(datetime(2025, 5, 2, 1), 30 * 24)  # 30 days of hours, the last 00:00 on 1 June
    since = us(2025, 5, 31, 23, 20)  # --since 1h at 00:20 on 1 June
    assert folders_that_can_hold("acct/us-south/", children, since, None) == ["2025-05-31T23/", "2025-06-01T00/"]


def test_folders_come_back_as_given_whole_prefixes_included() -> None:
    children = [f"acct/us-south/{h}" for h in hours(datetime(2025, 6, 1, 10), 6)]
    kept = folders_that_can_hold("acct/us-south/", children, H13, H13 + HOUR_US)
    assert kept == ["acct/us-south/2025-06-01T12/", "acct/us-south/2025-06-01T13/", "acct/us-south/2025-06-01T14/"]


def test_partition_folders_are_read_with_the_parts_above_them() -> None:
    since, until = us(2025, 6, 1, 13), us(2025, 6, 1, 14)
    assert folders_that_can_hold("", ["year=2024/", "year=2025/", "year=2026/"], since, until) == ["year=2025/"]
    assert folders_that_can_hold("year=2025/", [f"month={m:02d}/" for m in range(1, 13)], since, until) == ["month=06/"]
    # 00:05 on 1 June: May's last objects may hold it
    assert folders_that_can_hold("year=2025/", ["month=05/", "month=06/", "month=07/"], us(2025, 6, 1, 0, 5), us(2025, 6, 1, 0, 6)) == ["month=05/", "month=06/"]
    assert folders_that_can_hold("year=2025/month=06/", ["day=01/", "day=02/", "day=03/"], since, until) == ["day=01/"]
    team = "cx/parquet/v1/team_id=4711/"
    assert folders_that_can_hold(team, ["_manifest/", "dt=2025-05-31/", "dt=2025-06-01/", "dt=2025-06-02/"], since, until) == ["dt=2025-06-01/"]
    assert folders_that_can_hold(team + "dt=2025-06-01/", [f"hr={h:02d}/" for h in range(24)], since, until) == ["hr=12/", "hr=13/", "hr=14/"]


def test_folders_that_are_not_partitions_are_always_descended_into() -> None:
    children = ["us-south/", "eu-de/", "notes/", "2025-06-01T13-old/", "hr=13/"]
    assert folders_that_can_hold("acct/", children, us(2030, 1, 1), None) == children


def test_without_bounds_every_folder_is_kept() -> None:
    children = ["_manifest/", "dt=2020-01-01/"]
    assert folders_that_can_hold("cx/parquet/v1/team_id=1/", children, None, None) == children


@settings(max_examples=200)
@given(hour=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23)),
       offset=st.integers(-EDGE_MARGIN_US, HOUR_US + EDGE_MARGIN_US - 1), length=st.integers(1, 48 * HOUR_US))
def test_a_folder_is_kept_whenever_an_object_below_it_is(hour: datetime, offset: int, length: int) -> None:
    hour = hour.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    since = us(hour.year, hour.month, hour.day, hour.hour) + offset
    until = since + length
    logdna = [f"year={hour:%Y}/", f"month={hour:%m}/", f"day={hour:%d}/"]
    parquet = ["cx/parquet/v1/team_id=1/", f"dt={hour:%Y-%m-%d}/", f"hr={hour:%H}/"]
    for path in (logdna, parquet):
        prefix = ""
        for child in path:
            assert folders_that_can_hold(prefix, [child], since, until) == [child], (prefix, child)
            prefix += child
    assert folders_that_can_hold("acct/us-south/", [f"{hour:%Y-%m-%dT%H}/"], since, until)


# -- order


def test_newest_first_orders_by_hour_then_by_name_unknown_names_first() -> None:
    names = [
        routed(datetime(2025, 6, 1, 13, tzinfo=UTC), minute=5),
        routed(datetime(2025, 6, 1, 15, tzinfo=UTC), minute=5),
        "notes/readme.log",
        routed(datetime(2025, 6, 1, 13, tzinfo=UTC), minute=45, seq=1),
        f"cx/parquet/v1/team_id=1/dt=2025-06-01/hr=14/{UUID}.parquet",
        "year=2025/month=05/day=31/acct.2025-05-31.2300.json.gz",
    ]
    ordered = sorted(names, key=newest_first)
    assert ordered == [names[2], names[1], names[4], names[3], names[0], names[5]]


@settings(max_examples=300)
@given(hour=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23)),
       since_offset=st.integers(-70 * 24 * HOUR_US, 70 * 24 * HOUR_US), length=st.integers(1, 90 * 24 * HOUR_US),
       open_end=st.sampled_from(["none", "since", "until"]))
def test_every_folder_above_an_object_that_can_hold_the_range_is_descended_into(hour: datetime, since_offset: int, length: int,
                                                                                open_end: str) -> None:
    hour = hour.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    since: int | None = us(hour.year, hour.month, hour.day, hour.hour) + since_offset
    until: int | None = since + length  # type: ignore[operator]
    if open_end == "since":
        since = None
    elif open_end == "until":
        until = None
    for parts in ([f"year={hour:%Y}/", f"month={hour:%m}/", f"day={hour:%d}/", f"acct.{hour:%Y-%m-%d}.{hour:%H}00.json.gz"],
                  ["cx/parquet/v1/team_id=1/", f"dt={hour:%Y-%m-%d}/", f"hr={hour:%H}/", f"{UUID}.parquet"],
                  ["acct/us-south/", f"{hour:%Y-%m-%dT%H}/", f"{hour:%Y-%m-%dT%H}:05+00_{UUID}.log"]):
        if not can_hold("".join(parts), since, until):
            continue
        for depth in range(1, len(parts) - 1):
            prefix = "".join(parts[:depth])
            assert folders_that_can_hold(prefix, [parts[depth]], since, until) == [parts[depth]], (prefix, parts[depth])
