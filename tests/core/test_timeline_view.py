"""The timeline strip's counts: a view's rows kept as kind bytes while it grows, bucketed at any
interval and over any span of it, always equal to timeline.histogram over the same rows."""

from __future__ import annotations

from array import array

import pytest

from tests.core.conftest import event, line, read_path
from tui.core import generator
from tui.core.filtering import Filter, QueryView
from tui.core.query import parse
from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store
from tui.core.timeline import ViewTimeline, fit_interval, histogram

MINUTE = 60_000_000
HOUR = 60 * MINUTE


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("strip") / "gen.log"
    generator.write_file(path, 4_000, seed=5)
    return read_path(path)


@pytest.mark.parametrize("query", ["", "outcome:failure OR severity:critical", "-action:*.login"])
@pytest.mark.parametrize("interval", [MINUTE, 15 * MINUTE, HOUR])
def test_counts_equal_histogram_over_the_same_view(generated, query, interval):
    store = generated
    rows = Filter(store, parse(query)).rows()
    timeline = ViewTimeline(store)
    timeline.update(rows, 0)
    assert timeline.histogram(interval, 0, len(rows)) == histogram(store, rows, interval)


def test_a_span_of_the_view_with_time_bounds_equals_histogram_over_those_rows(generated):
    store = generated
    rows = store.order
    times = [store.times[r] for r in rows]
    since, until = times[len(times) // 3] + 17, times[2 * len(times) // 3] - 5
    lo, hi = store.span(since, until, rows)
    timeline = ViewTimeline(store)
    timeline.update(rows, store.version)
    for interval in (MINUTE, 10 * MINUTE):
        assert timeline.histogram(interval, lo, hi, since_us=since, until_us=until) == histogram(
            store, rows[lo:hi], interval, since_us=since, until_us=until)
    assert timeline.bounds(lo, hi) == (store.times[rows[lo]], store.times[rows[hi - 1]])


def test_rows_that_arrive_are_added_without_counting_the_others_again(tmp_path):
    path = tmp_path / "a.log"
    events = [event(eventTime=f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}Z",
                    outcome="failure" if i % 7 == 0 else "success",
                    severity="critical" if i % 11 == 0 else "normal") for i in range(600)]
    path.write_bytes(b"".join(line(e) for e in events[:400]))
    store = Store()
    reader = Reader(store, resolve_inputs([str(path)], follow=True))
    reader.load(follow=True)
    view = QueryView(query := Filter(store, parse("-severity:warning")), query.rows())
    timeline = ViewTimeline(store)
    timeline.update(view.order, view.version)
    assert timeline.covered == 400
    with open(path, "ab") as fh:
        fh.write(b"".join(line(e) for e in events[400:]))
    reader.poll_all()
    assert len(store) == 600
    assert view.take_new()
    extended = timeline.update(view.order, view.version)
    assert extended == 200 and timeline.covered == 600
    assert timeline.histogram(MINUTE, 0, 600) == histogram(store, view.order, MINUTE)


def test_a_reordered_view_is_counted_anew(generated):
    store = generated
    rows = Filter(store, parse("")).rows()
    timeline = ViewTimeline(store)
    timeline.update(rows, 0)
    fewer = array("I", rows[::2])
    timeline.update(fewer, 1)
    assert timeline.covered == len(fewer)
    assert timeline.histogram(HOUR, 0, len(fewer)) == histogram(store, fewer, HOUR)


def test_nothing_in_view_has_no_bounds(generated):
    timeline = ViewTimeline(generated)
    timeline.update(array("I"), 0)
    assert timeline.bounds(0, 0) is None
    assert timeline.histogram(HOUR, 0, 0).buckets == ()


def test_the_fitted_interval_of_a_view_fits_the_width(generated):
    store = generated
    timeline = ViewTimeline(store)
    timeline.update(store.order, store.version)
    low, high = timeline.bounds(0, len(store.order))
    interval = fit_interval(high - low, 60)
    assert len(timeline.histogram(interval, 0, len(store.order)).buckets) <= 60
