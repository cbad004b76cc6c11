"""A downloaded bucket or archive read with --since/--until: only the files whose names' hours can
hold events in the range are opened, the others are counted and said, and no event in the range
is lost (events at and beyond the edges of their hour included)."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from tui.core.filtering import Filter
from tui.core.query import parse
from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UUID = "3f0c1e9a-5b7d-4c2e-8a1f-0123456789ab"
FIRST = datetime(2025, 6, 1, 8, tzinfo=UTC)
HOURS = 10  # 08:00 to 17:00 on 1 June 2025
#: where in (or beyond) its hour each object holds an event: the first and last instants of the
#: hour, and the spill of late delivery and skewed clocks a few minutes over either edge
EDGES = (timedelta(minutes=-14, seconds=-59), timedelta(0), timedelta(minutes=30),
         timedelta(minutes=59, seconds=59, microseconds=999_000), timedelta(hours=1, minutes=14, seconds=59))


def us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def cadf(moment: datetime, what: str) -> dict:
    return {"eventTime": stamp(moment), "action": f"iam-identity.apikey.{what}", "outcome": "success",
            "severity": "normal", "initiator": {"id": "IBMid-1", "name": "alice@example.com"},
            "target": {"id": "crn:v1:bluemix:public:iam-identity::a/1::apikey:k"}, "reason": {"reasonCode": 200}}


def hour_events(hour: datetime) -> list[dict]:
    return [cadf(hour + edge, f"{hour:%H}-{i}") for i, edge in enumerate(EDGES)]


def routing_bucket(root: Path) -> Path:
    """Event Routing objects as downloaded, the layout of since May 2025, one object an hour."""
    for h in range(HOURS):
        hour = FIRST + timedelta(hours=h)
        folder = root / "0123456789abcdef" / "us-south" / f"{hour:%Y-%m-%dT%H}"
        folder.mkdir(parents=True)
        (folder / f"{hour:%Y-%m-%dT%H}:{7 * h % 60:02d}+00_{UUID}.log").write_bytes(
            b"".join(orjson.dumps(e) + b"\n" for e in hour_events(hour)))
    return root


def old_routing_bucket(root: Path) -> Path:
    """Event Routing objects of the layout before May 2025, gzip-compressed though named .log."""
    for h in range(HOURS):
        hour = FIRST + timedelta(hours=h)
        folder = root / "us-south" / f"{hour:%Y-%m-%dT%H}"
        folder.mkdir(parents=True)
        (folder / f"{hour:%Y-%m-%dT%H:%M:%S}.000Z+{h:02d}.log").write_bytes(
            gzip.compress(b"".join(orjson.dumps(e) + b"\n" for e in hour_events(hour))))
    return root


def logdna_archive(root: Path) -> Path:
    """LogDNA hourly archives: gzip, each line the event as a string inside `_source._line`."""
    for h in range(HOURS):
        hour = FIRST + timedelta(hours=h)
        folder = root / f"year={hour:%Y}" / f"month={hour:%m}" / f"day={hour:%d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [orjson.dumps({"_source": {"_host": "at", "_logtype": "json", "_app": "activity",
                                           "_ts": us(hour) // 1000, "_line": orjson.dumps(e).decode()}})
                 for e in hour_events(hour)]
        (folder / f"a1b2c3d4e5.{hour:%Y-%m-%d}.{hour:%H}00.json.gz").write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return root


def with_unknown_names(root: Path) -> Path:
    """Files whose names say no hour: one with events in every hour, one renamed from an hourly object."""
    every = [cadf(FIRST + timedelta(hours=h, minutes=20), f"notes-{h}") for h in range(HOURS)]
    (root / "notes").mkdir()
    (root / "notes" / "exported.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in every))
    (root / "renamed.log").write_bytes(b"".join(orjson.dumps(e) for e in hour_events(FIRST + timedelta(hours=3))))
    return root


LAYOUTS = {"routing": routing_bucket, "old-routing": old_routing_bucket, "logdna": logdna_archive}


def read(root: Path, since: int | None, until: int | None) -> tuple[Store, Reader]:
    store = Store()
    reader = Reader(store, resolve_inputs([str(root)]), since_us=since, until_us=until)
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    return store, reader


def answer(store: Store, since: int | None, until: int | None) -> list[str]:
    query = Filter(store, parse(""), since_us=since, until_us=until)
    return [store.text("action", row) for row in query.rows()]


def opened(reader: Reader, root: Path) -> list[str]:
    return sorted(str(Path(path).relative_to(root)) for path in reader.tails)


def skipped(store: Store) -> list[str]:
    return [n.text for n in store.notices if n.text.startswith("skipped")]


# Ranges at and around the edges of the hours: a single instant on every edge event, the hour
# 12:00-13:00, the last minute before an hour, the first after, open-ended, and the whole day.
H12 = FIRST + timedelta(hours=4)
RANGES = [
    (us(H12), us(H12 + timedelta(hours=1))),
    (us(H12 - timedelta(minutes=1)), us(H12)),
    (us(H12), us(H12 + timedelta(microseconds=1))),
    (us(H12 + timedelta(minutes=59, seconds=59, microseconds=999_000)), us(H12 + timedelta(hours=1))),
    (us(H12 + timedelta(hours=1, minutes=14, seconds=59)), us(H12 + timedelta(hours=1, minutes=15))),
    (us(H12 - timedelta(minutes=14, seconds=59)), us(H12 - timedelta(minutes=14, seconds=58))),
    (us(H12 + timedelta(hours=3, minutes=30)), None),
    (None, us(FIRST + timedelta(minutes=1))),
    (us(FIRST - timedelta(days=1)), us(FIRST + timedelta(days=1))),
    (us(FIRST + timedelta(days=3)), None),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("since, until", RANGES)
def test_pruned_reading_answers_as_reading_everything(tmp_path: Path, layout: str, since: int | None, until: int | None) -> None:
    root = with_unknown_names(LAYOUTS[layout](tmp_path / "bucket"))
    everything, _ = read(root, None, None)
    pruned, reader = read(root, since, until)
    assert answer(pruned, since, until) == answer(everything, since, until)
    assert "notes/exported.jsonl" in opened(reader, root) and "renamed.log" in opened(reader, root)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_edge_event_is_found_by_a_range_that_holds_only_it(tmp_path: Path, layout: str) -> None:
    root = LAYOUTS[layout](tmp_path / "bucket")
    for h in range(HOURS):
        hour = FIRST + timedelta(hours=h)
        for i, edge in enumerate(EDGES):
            moment = us(hour + edge)
            store, reader = read(root, moment, moment + 1)
            assert f"iam-identity.apikey.{hour:%H}-{i}" in answer(store, moment, moment + 1), (layout, hour, edge)
            assert len(reader.tails) <= 3


def test_only_the_hours_of_the_range_are_opened_and_the_rest_are_said(tmp_path: Path) -> None:
    root = with_unknown_names(routing_bucket(tmp_path / "bucket"))
    since, until = us(H12 + timedelta(minutes=20)), us(H12 + timedelta(minutes=40))
    store, reader = read(root, since, until)
    assert opened(reader, root) == [
        f"0123456789abcdef/us-south/2025-06-01T12/2025-06-01T12:{28:02d}+00_{UUID}.log",
        "notes/exported.jsonl",
        "renamed.log",
    ]
    assert skipped(store) == ["skipped 9 of 12 files outside the time range, by the hours in their names (Event Routing)"]
    assert not any(n.problem for n in store.notices)


def test_at_an_hour_edge_the_neighbouring_hour_is_opened_too(tmp_path: Path) -> None:
    root = routing_bucket(tmp_path / "bucket")
    store, reader = read(root, us(H12 + timedelta(minutes=50)), us(H12 + timedelta(hours=1, minutes=5)))
    assert [p.split("/")[2] for p in opened(reader, root)] == ["2025-06-01T12", "2025-06-01T13"]
    assert skipped(store) == ["skipped 8 of 10 files outside the time range, by the hours in their names (Event Routing)"]


def test_without_a_time_range_nothing_is_skipped(tmp_path: Path) -> None:
    root = with_unknown_names(logdna_archive(tmp_path / "archive"))
    store, reader = read(root, None, None)
    assert len(reader.tails) == HOURS + 2
    assert skipped(store) == []
    assert len(store.order) == HOURS * len(EDGES) + HOURS + len(EDGES)  # the hours, the notes, the renamed hour


def test_a_file_named_on_the_command_line_is_read_whatever_its_name(tmp_path: Path) -> None:
    root = routing_bucket(tmp_path / "bucket")
    named = next(root.rglob("2025-06-01T08:*"))
    store = Store()
    reader = Reader(store, resolve_inputs([str(named)]), since_us=us(FIRST + timedelta(days=2)), until_us=None)
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    assert len(store.order) == len(EDGES)
    assert skipped(store) == []


def test_a_glob_is_pruned_like_a_directory(tmp_path: Path) -> None:
    root = logdna_archive(tmp_path / "archive")
    store = Store()
    since = us(H12 + timedelta(minutes=30))
    reader = Reader(store, resolve_inputs([f"{root}/**/*.json.gz"]), since_us=since, until_us=since + 1)
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    assert [Path(p).name for p in reader.tails] == ["a1b2c3d4e5.2025-06-01.1200.json.gz"]
    assert skipped(store) == ["skipped 9 of 10 files outside the time range, by the hours in their names (LogDNA archive)"]


def test_when_every_file_is_outside_the_range_that_is_said(tmp_path: Path) -> None:
    root = routing_bucket(tmp_path / "bucket")
    store, reader = read(root, us(FIRST + timedelta(days=30)), None)
    assert reader.tails == {}
    assert skipped(store) == ["skipped 10 of 10 files outside the time range, by the hours in their names (Event Routing)"]
