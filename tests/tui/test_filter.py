"""Pilot tests of filtering the live table with the query language."""

from __future__ import annotations

import random
from pathlib import Path

from textual.widgets import Input

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid

from tests.tui.helpers import append_events, make_event, screen_text, wait_for
from tests.tui.test_table import screen_lines, status_text


def failing(seq: int) -> dict:
    return make_event(seq, outcome="failure", severity="critical", reason={"reasonCode": 403},
                      requestData={"lock": seq % 20 == 0})


def failures_log(tmp_path: Path) -> Path:
    """100 events, one in ten a critical failure (every other one of those on a locked service ID)."""
    log = tmp_path / "activity.log"
    append_events(log, [failing(i) if i % 10 == 0 else make_event(i) for i in range(100)])
    return log


async def type_query(pilot, app: AtlensApp, text: str) -> None:
    await pilot.press("slash")
    box = app.query_one("#filter", Input)
    assert app.focused is box
    box.value = ""
    await pilot.press(*text)
    await pilot.press("enter")


async def test_a_query_narrows_the_table_and_new_events_are_tested_as_they_arrive(tmp_path: Path) -> None:
    log = failures_log(tmp_path)
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "outcome:failure requestData.lock:true")
        await wait_for(pilot, lambda: grid.count == 5, "the 5 locked failures (0, 20, 40, 60, 80)")
        lines = [line for line in screen_lines(grid) if line.strip()]
        assert len(lines) == 5 and "key-80 " in lines[-1] and "key-0 " in lines[0]
        assert "5 of 100 events" in status_text(app)
        assert "filter: outcome:failure requestData.lock:true" in status_text(app)
        # Arriving events: only those that match join the table, the newest at the bottom.
        append_events(log, [failing(i) if i % 10 == 0 else make_event(i) for i in range(100, 130)])
        await wait_for(pilot, lambda: "of 130 events" in status_text(app), "the 30 new events read")
        await wait_for(pilot, lambda: grid.count == 7, "100 and 120 added to the view")
        assert "key-120 " in [line for line in screen_lines(grid) if line.strip()][-1]
        assert grid.following
        # An empty query shows every event again.
        await type_query(pilot, app, "")
        await wait_for(pilot, lambda: grid.count == 130, "every event")
        assert "filter:" not in status_text(app)


async def test_a_bad_query_says_where_and_keeps_the_line_open(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "action:(n1")
        box = app.query_one("#filter", Input)
        assert app.focused is box
        assert "bad query at column 8" in status_text(app)
        error = app.query_one("#filter-error").render_line(0).text
        assert error.startswith(" " * 8 + "^ unbalanced")  # under the "(" of the typed query
        assert box.cursor_position == 7
        assert grid.count == 100  # nothing was filtered away by a typo
        await pilot.press("escape")
        assert app.focused is grid and not box.has_class("-open")


async def test_free_text_and_escape_keeps_the_active_query(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, '"ServiceId-42"')
        await wait_for(pilot, lambda: grid.count == 1, "the one event that names ServiceId-42")
        await pilot.press("slash")
        assert app.query_one("#filter", Input).value == '"ServiceId-42"'
        await pilot.press("escape")
        assert grid.count == 1


async def test_the_count_of_a_query_shows_with_its_rows(tmp_path: Path) -> None:
    # While events stream in, the status line's counts wait up to 0.25 s between repaints; the
    # answer to a query replies to a key, and its count shows in the same frame as its rows.
    app = AtlensApp([InputSpec(str(failures_log(tmp_path)), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        for query, count in (("outcome:failure", 10), ("", 100), ("severity:critical", 10)):
            await type_query(pilot, app, query)
            await wait_for(pilot, lambda: grid.count == count, f"the {count} rows of {query!r}")
            await pilot.pause()
            status = screen_text(app).split("\n")[-2]
            assert (f"{count} of 100" if query else "100 events") in status, status


async def test_a_query_that_cannot_be_answered_says_so_and_claims_no_rows(tmp_path: Path) -> None:
    """A regular expression that needs too many states fails while matching: the status line
    says why, the query line opens on it, and the table's rows are not shown as its answer."""
    log = tmp_path / "activity.log"
    varied = "".join(random.Random(7).choices("ab", k=60_000))
    append_events(log, [make_event(i) for i in range(20)] + [make_event(20, message=varied)])
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 21, "21 events")
        await type_query(pilot, app, "message:/.*a.{14}/")
        await wait_for(pilot, lambda: "query failed" in status_text(app), "the failure to be said", timeout=60)
        status = status_text(app)
        assert "states" in status and "filtering" not in status
        assert "filter: message" not in status  # the rows shown are not this query's answer
        assert grid.count == 21
        box = app.query_one("#filter", Input)
        assert app.focused is box and box.value == "message:/.*a.{14}/"


async def test_an_arriving_event_the_query_cannot_answer_says_so(tmp_path: Path) -> None:
    """The query answered the events read; one that arrives later needs too many states: the
    status line says the query failed, and atlens goes on (no traceback)."""
    log = tmp_path / "activity.log"
    append_events(log, [make_event(i) for i in range(20)])
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 20, "20 events")
        await type_query(pilot, app, "message:/.*a.{14}/")
        await wait_for(pilot, lambda: "0 of 20 events" in status_text(app), "the query's answer")
        append_events(log, [make_event(20, message="".join(random.Random(7).choices("ab", k=60_000)))])
        await wait_for(pilot, lambda: "query failed" in status_text(app), "the failure to be said", timeout=60)
        assert "21 events" in status_text(app) and grid.count == 21
