"""Pilot tests of the timeline strip above the table (H) and of the time range as a control of
the TUI: zoom (z, Z), the cursor's bucket (b, from the marked event's with m), all times (B),
a typed range (R), relative times from the newest event (N). The strip's counts are compared
with timeline.histogram over the same rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.app import AtlensApp
from tui.core.decode import parse_time_us
from tui.core.filtering import Filter
from tui.core.query import parse
from tui.core.sources import InputSpec
from tui.core.timeline import MINUTE, histogram
from tui.widgets.help_screen import HelpScreen
from tui.widgets.jump_screen import JumpScreen
from tui.widgets.timeline_strip import CRITICAL_MARK, CURSOR_MARK, FAILURE_MARK, TimelineStrip

from tests.tui.helpers import append_events, make_event, screen_text, wait_for

README = Path(__file__).resolve().parents[2] / "README.md"


def events_over_an_hour() -> list[dict]:
    """120 events, one every 30 s from 10:00, a burst of failures at 10:20 and critical ones at 10:45."""
    out = []
    for i in range(120):
        seconds = 30 * i
        fields: dict = {"eventTime": f"2026-11-20T10:{seconds // 60:02d}:{seconds % 60:02d}.00+0000"}
        if 40 <= i < 44:
            fields["outcome"] = "failure"
        if i in (90, 91):
            fields["severity"] = "critical"
        out.append(make_event(i, **fields))
    return out


@pytest.fixture
def hour_log(tmp_path: Path) -> Path:
    path = tmp_path / "hour.log"
    append_events(path, events_over_an_hour())
    return path


async def opened(pilot, app: AtlensApp, count: int) -> TimelineStrip:
    await wait_for(pilot, lambda: app.grid.count == count and app.status_bar.progress[2], f"{count} events")
    await pilot.press("H")
    strip = app.query_one(TimelineStrip)
    await wait_for(pilot, lambda: strip.display and strip.histogram is not None
                   and sum(b.events for b in strip.histogram.buckets) == app.grid.count, "the strip counted")
    return strip


def view_rows(app: AtlensApp) -> list[int]:
    order, _, lo, hi = app.grid.span
    return list(order[lo:hi])


def strip_lines(app: AtlensApp, strip: TimelineStrip) -> list[str]:
    region = strip.region
    return [line[region.x:region.right] for line in screen_text(app).split("\n")[region.y:region.bottom]]


async def test_H_shows_the_strip_in_two_lines_at_80x24_and_four_at_160x50(hour_log: Path) -> None:
    for size, height in (((80, 24), 2), ((160, 50), 4)):
        app = AtlensApp([InputSpec(str(hour_log), "file")])
        async with app.run_test(size=size) as pilot:
            assert not app.query_one(TimelineStrip).display  # the first screen is the table's
            strip = await opened(pilot, app, 120)
            assert strip.region.height == height
            lines = strip_lines(app, strip)
            assert lines[0].startswith(" per ")  # the bucket size, its unit said
            assert re.search(r"max \d+ *$", lines[0])
            assert lines[-1].startswith(" 11-20 10:00")  # the first bucket's time
            assert CURSOR_MARK in lines[-1]  # following: the newest event's bucket
            assert any(set(line) & set("▁▂▃▄▅▆▇█") for line in lines[:-1])
            await pilot.press("H")
            await pilot.pause()
            assert not strip.display
            assert app.grid.region.y == 2  # the table takes the lines back


async def test_the_strips_counts_are_timeline_histogram_over_the_view(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        strip = await opened(pilot, app, 120)
        drawn = strip.histogram
        assert drawn == histogram(app.store, view_rows(app), drawn.interval_us)
        assert len(drawn.buckets) <= 80 - 20
        # A query: the strip counts its rows.
        await pilot.press("slash", *"outcome:failure OR severity:critical", "enter")
        await wait_for(pilot, lambda: app.grid.count == 6 and not app._scan_pending, "the query's rows")
        await wait_for(pilot, lambda: sum(b.events for b in strip.histogram.buckets) == 6, "the strip of the query")
        rows = list(Filter(app.store, parse("outcome:failure OR severity:critical")).rows())
        assert view_rows(app) == rows
        assert strip.histogram == histogram(app.store, rows, strip.histogram.interval_us)
        # Failures and critical events apart, in colour and in the marks under the bars.
        marks = strip_lines(app, strip)[-1]
        assert CRITICAL_MARK in marks and FAILURE_MARK in marks


async def test_b_sets_the_time_range_to_the_cursors_bucket_and_B_clears_it(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        strip = await opened(pilot, app, 120)
        interval = strip.histogram.interval_us
        await pilot.press(*["up"] * 30)  # event 89, at 10:44:30
        row = app.grid.cursor_row
        t = app.store.times[row]
        generation = app._scan_generation
        await pilot.press("b")
        start = t - t % interval
        assert (app.since_us, app.until_us) == (start, start + interval)
        expected = [r for r in range(120) if start <= app.store.times[r] < start + interval]
        assert view_rows(app) == expected and app.grid.count == len(expected)
        assert app.grid.cursor_row == row  # still on its event
        assert app._scan_generation == generation  # the query was not answered again
        assert "UTC" in app.filter_bar.query_one("#time-range").render().plain
        assert f"│ {len(expected)} of 120 events" in app.status_bar.render_text()
        # Counted with the key, drawn in the same frame as the table (the view's rows were classed already).
        assert sum(b.events for b in strip.histogram.buckets) == len(expected)
        assert strip.histogram.interval_us < interval  # finer buckets fit the shorter range
        await pilot.press("B")
        assert (app.since_us, app.until_us) == (None, None)
        assert app.grid.count == 120
        assert app.filter_bar.query_one("#time-range").render().plain == "all times"
        assert "│ 120 events" in app.status_bar.render_text()


async def test_b_with_a_marked_event_takes_the_buckets_from_its_to_the_cursors(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        strip = await opened(pilot, app, 120)
        interval = strip.histogram.interval_us
        await pilot.press(*["up"] * 100, "m", *["down"] * 50, "b")
        first, last = app.store.times[app.grid.marked_row], app.store.times[app.grid.cursor_row]
        assert app.since_us == first - first % interval
        assert app.until_us == last - last % interval + interval
        assert all(app.since_us <= app.store.times[r] < app.until_us for r in view_rows(app))


async def test_b_with_the_strip_hidden_takes_the_bucket_it_would_draw(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.grid.count == 120 and app.status_bar.progress[2], "the events")
        await pilot.press(*["up"] * 30, "b")
        hidden = (app.since_us, app.until_us)
        assert hidden[1] - hidden[0] > 1_000_000  # a bucket fitted to the width, not the finest
        await pilot.press("B", "H")
        strip = app.query_one(TimelineStrip)
        await wait_for(pilot, lambda: strip.histogram is not None, "the strip counted")
        await pilot.press("b")
        assert (app.since_us, app.until_us) == hidden


async def test_z_zooms_in_around_the_cursor_and_Z_zooms_out_to_all_times(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        strip = await opened(pilot, app, 120)
        await pilot.press(*["up"] * 60)
        row = app.grid.cursor_row
        t = app.store.times[row]
        await pilot.press("z")
        assert app.since_us is not None and app.until_us is not None
        length = app.until_us - app.since_us
        assert app.since_us <= t < app.until_us
        assert 10 * MINUTE <= length <= 20 * MINUTE  # about a quarter of the hour
        assert app.grid.cursor_row == row
        await wait_for(pilot, lambda: strip.histogram.buckets[0].start_us == app.since_us, "the strip of the range")
        assert strip.histogram == histogram(app.store, view_rows(app), strip.histogram.interval_us,
                                            since_us=app.since_us, until_us=app.until_us)
        await pilot.press("z")
        assert app.until_us - app.since_us < length
        await pilot.press("Z", "Z", "Z")
        assert (app.since_us, app.until_us) == (None, None)
        assert app.grid.count == 120


async def test_R_takes_a_typed_range_and_explains_one_it_cannot_read(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app, 120)
        await pilot.press("W")
        assert isinstance(app.screen, JumpScreen)
        await pilot.press(*"yesterday", "enter")
        assert isinstance(app.screen, JumpScreen)
        assert "not a time" in screen_text(app)
        await pilot.press(*["backspace"] * 9, *"newest-10m", "enter")
        assert not isinstance(app.screen, JumpScreen)
        newest = parse_time_us("2026-11-20T10:59:30Z")
        assert (app.since_us, app.until_us) == (newest - 10 * MINUTE, None)
        assert app.grid.count == 21
        assert app.grid.following  # open at the end: events that arrive still come in
        await pilot.press("W", *"10:00 to 10:05", "enter")
        assert app.grid.count == 10
        await pilot.press("W", "enter")  # empty: all times
        assert app.grid.count == 120


async def test_N_counts_relative_times_back_from_the_newest_event(hour_log: Path) -> None:
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(100, 24)) as pilot:
        await opened(pilot, app, 120)
        # The events are of 2026-11-20: from the clock, now-5m holds none of them.
        await pilot.press("slash", *"time:>now-5m", "enter")
        await wait_for(pilot, lambda: not app._scan_pending and app.query_text == "time:>now-5m", "the query")
        assert app.grid.count == 0
        await pilot.press("N")
        assert "now: newest event" in app.filter_bar.query_one("#time-range").render().plain
        await pilot.press("slash", "ctrl+u", *"time:>now-5m", "enter")
        await wait_for(pilot, lambda: not app._scan_pending and app.grid.count == 10, "the last five minutes")
        await pilot.press("W", *"2m", "enter")
        assert app.since_us == parse_time_us("2026-11-20T10:57:30Z")


async def test_the_strip_grows_as_events_arrive(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        strip = await opened(pilot, app, 100)
        before = strip.histogram
        append_events(log_file, [make_event(i, outcome="failure") for i in range(100, 160)])
        await wait_for(pilot, lambda: app.grid.count == 160, "the new events")
        await wait_for(pilot, lambda: sum(b.events for b in strip.histogram.buckets) == 160, "the strip grown")
        assert strip.histogram != before
        assert sum(b.failures for b in strip.histogram.buckets) == 60
        assert strip.histogram == histogram(app.store, view_rows(app), strip.histogram.interval_us)
        assert strip.timeline.covered == 160
        assert FAILURE_MARK in strip_lines(app, strip)[-1]


async def test_with_no_color_failures_and_critical_events_still_differ(hour_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        strip = await opened(pilot, app, 120)
        await pilot.press("home")  # the cursor away from the critical events' bucket
        await wait_for(pilot, lambda: strip.cursor_bucket() == 0, "the cursor on the first bucket")
        marks = strip_lines(app, strip)[-1]
        assert marks.count(CRITICAL_MARK) >= 1 and marks.count(FAILURE_MARK) >= 1
        assert marks.index(FAILURE_MARK) < marks.index(CRITICAL_MARK)  # the failures came first


async def test_help_and_readme_list_the_strip_and_time_range_keys(hour_log: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    for key in ("H", "z", "Z", "b", "B", "W", "N"):
        assert re.search(rf"^\|[^\n]*`{key}`[^\n]*\|", readme, re.MULTILINE), key
    app = AtlensApp([InputSpec(str(hour_log), "file")])
    async with app.run_test(size=(120, 90)) as pilot:
        await wait_for(pilot, lambda: app.grid.count == 120, "the events")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for said in ("timeline strip", "Zoom in", "Zoom out", "cursor's bucket", "all times", "Type a time range",
                     "newest event"):
            assert said in text, said


def test_a_count_of_a_million_rows_starts_at_once() -> None:
    # Textual writes a worker's arguments into its description: the repr of a million row ids
    # took half a second for each count, on the screen's thread.
    from array import array

    from tui.widgets.timeline_strip import ViewSpan

    span = ViewSpan(array("I", range(1_000_000)), 3, 10, 20, None, None)
    assert len(repr(span)) < 100
