"""Nothing lost, nothing crashes: values that used to stop a read, written to real files and read back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from tui.core.present import time_text
from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store

UTC = timezone.utc


def at(second: int) -> str:
    """An eventTime in the documented form, `second` seconds after 2026-11-20T10:00:00Z."""
    t = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC) + timedelta(seconds=second)
    return t.strftime("%Y-%m-%dT%H:%M:%S.00+0000")


# ----------------------------------------------------------------------------- times out of range

OUT_OF_RANGE_TIMES = [
    pytest.param(1e17, id="epoch-1e17"),
    pytest.param(260_000_000_000_000, id="epoch-ms-2.6e14"),
    pytest.param(-260_000_000_000_000, id="epoch-ms-negative"),
    pytest.param(1.7e308, id="epoch-huge-float"),
    pytest.param("0001-01-01T00:00:00+0100", id="before-year-1"),
    pytest.param("9999-12-31T23:59:59-01:00", id="after-year-9999"),
]


@pytest.mark.parametrize("when", OUT_OF_RANGE_TIMES)
def test_an_event_time_out_of_range_is_an_event_with_an_unusable_time(tmp_path, event, write_lines, read_path, when):
    rows = [event(action="svc.before.read", eventTime=at(0)),
            event(action="svc.odd.read", eventTime=when),
            event(action="svc.after.read", eventTime=at(1))]
    store = read_path(write_lines(tmp_path / "t.log", rows))
    assert store.errors == []
    # It keeps its file position, like an event without a time, and says why it has none.
    assert [store.text("action", r) for r in store.order] == ["svc.before.read", "svc.odd.read", "svc.after.read"]
    odd = store.order[1]
    assert not store.has_time(odd)
    assert time_text(store, odd) == "(time out of range)"
    assert store.event(odd).event["eventTime"] == when
    assert time_text(store, store.order[0]) == "2026-11-20 10:00:00.000"


def test_an_event_without_time_still_says_no_time(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "t.log", [event(eventTime=None), event(eventTime="soon")]))
    assert [time_text(store, r) for r in range(2)] == ["(no time)", "(no time)"]


@pytest.mark.parametrize("when, shown", [
    ("0001-01-01T00:00:00Z", "0001-01-01 00:00:00.000"),
    ("0001-01-01T01:00:00+0100", "0001-01-01 00:00:00.000"),
    ("9999-12-31T23:59:59.999999Z", "9999-12-31 23:59:59.999"),
    ("0999-05-06T07:08:09Z", "0999-05-06 07:08:09.000"),
    (253_402_300_799_000, "9999-12-31 23:59:59.000"),
])
def test_every_time_a_date_can_show_is_a_time(tmp_path, event, write_lines, read_path, when, shown):
    store = read_path(write_lines(tmp_path / "t.log", [event(eventTime=when)]))
    assert store.has_time(0)
    assert time_text(store, 0) == shown


def test_a_time_out_of_range_appended_while_following_does_not_stop_the_follower(tmp_path, event, line):
    path = tmp_path / "live.log"
    path.write_bytes(line(event(action="svc.first.read", eventTime=at(0))))
    store = Store()
    reader = Reader(store, resolve_inputs([str(path)]), parallel=False)
    try:
        reader.load(follow=True)
        with path.open("ab") as fh:
            fh.write(line(event(action="svc.odd.read", eventTime=1e17)))
            fh.write(line(event(action="svc.odd.read", eventTime="0001-01-01T00:00:00+0100")))
        reader.poll_all()
        with path.open("ab") as fh:
            fh.write(line(event(action="svc.later.read", eventTime=at(5))))
        reader.poll_all()
    finally:
        reader.close()
    assert [store.text("action", r) for r in store.order] == ["svc.first.read", "svc.odd.read", "svc.odd.read", "svc.later.read"]
    assert store.errors == []


# ----------------------------------------------------------------------------- one bad value, one error record


def test_a_value_that_cannot_be_indexed_is_an_error_record_and_the_read_goes_on(tmp_path, event, line, read_path):
    """An action nested deeper than the index can write as text: that line is an error record
    saying why, and the lines around it are read."""
    path = tmp_path / "t.log"
    bad = orjson.dumps({"action": "x"})[:-1] + b', "target": {"id": ' + b"[" * 400 + b'"x"' + b"]" * 400 + b"}}"
    path.write_bytes(line(event(action="svc.before.read", eventTime=at(0))) + bad + b"\n"
                     + line(event(action="svc.after.read", eventTime=at(1))))
    store = read_path(path)
    assert [store.text("action", r) for r in store.order] == ["svc.before.read", "svc.after.read"]
    [error] = store.errors
    assert (error.line, error.offset) == (2, len(line(event(action="svc.before.read", eventTime=at(0)))))
    assert "could not be read" in error.reason
    acc = store.accounting()
    assert acc["lines"] == 3 == acc["event_values"] + acc["errors"] + acc["blank"]
