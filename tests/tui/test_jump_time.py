"""Jumping to a time in the table: T asks for a time, the cursor lands on the first event at or
after it, following pauses, and what happened is said in the status line."""

from __future__ import annotations

from pathlib import Path


from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid
from tui.widgets.jump_screen import JumpScreen
from tui.widgets.status_bar import StatusBar

from tests.tui.helpers import screen_text, wait_for

# The log_file fixture: 100 events, event n{i} at 2026-11-20 10:MM:SS with MM:SS = i // 60, i % 60.


async def jump(pilot, text: str) -> None:
    await pilot.press("T")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, JumpScreen), "the jump prompt")
    await pilot.press(*[{":": "colon", "-": "minus", " ": "space", ".": "full_stop"}.get(c, c) for c in text])
    await pilot.press("enter")
    await pilot.pause()


def cursor_action(app: AtlensApp) -> str:
    grid = app.query_one(EventGrid)
    return grid.store.text("action", grid.cursor_row)


def status(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


async def opened(pilot, app: AtlensApp) -> EventGrid:
    grid = app.query_one(EventGrid)
    await wait_for(pilot, lambda: grid.count == 100, "100 events")
    return grid


async def test_a_time_of_day_moves_the_cursor_to_the_first_event_at_or_after_it(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await opened(pilot, app)
        assert grid.following
        await jump(pilot, "10:00:30.5")
        assert not isinstance(app.screen, JumpScreen)
        assert cursor_action(app).endswith(".n31")  # n30 is at 10:00:30.000, before the moment
        assert not grid.following
        assert "first event at or after 2026-11-20 10:00:30 UTC" in status(app)
        # The row is on screen, with the cursor, and the table has the focus for the next keys.
        lines = [line for line in screen_text(app).splitlines() if "10:00:31" in line]
        assert lines, screen_text(app)
        assert app.focused is grid
        await pilot.press("down")
        assert cursor_action(app).endswith(".n32")


async def test_a_date_and_time_is_read_too_and_end_follows_again(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await opened(pilot, app)
        await jump(pilot, "2026-11-20 10:01")
        assert cursor_action(app).endswith(".n60")
        await pilot.press("end")
        assert grid.following and cursor_action(app).endswith(".n99")


async def test_past_the_newest_event_the_cursor_is_on_the_newest_and_the_user_is_told(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await pilot.press("g")  # at the oldest first, so the move is seen
        await jump(pilot, "11:00")
        assert cursor_action(app).endswith(".n99")
        assert "no event at or after 2026-11-20 11:00:00 UTC: on the newest" in status(app)
        await jump(pilot, "09:00")
        assert cursor_action(app).endswith(".n0")
        assert "the first event is after 2026-11-20 09:00:00 UTC: on the oldest" in status(app)


async def test_an_unreadable_time_is_explained_and_escape_leaves_the_table_as_it_was(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await opened(pilot, app)
        await jump(pilot, "25:00")
        assert isinstance(app.screen, JumpScreen)  # the prompt stays, with the reason under the line
        assert "not a time of day (hours 0-23" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, JumpScreen)
        assert grid.following and cursor_action(app).endswith(".n99")


async def test_the_jump_stays_within_the_events_the_query_keeps(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")], initial_query="action:*.n7*")
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 11, "n7 and n70..n79")
        await jump(pilot, "10:01:00")  # n60; the first kept at or after it is n70
        assert cursor_action(app).endswith(".n70")


async def test_in_local_time_the_time_typed_is_the_time_the_table_shows(log_file: Path, time_zone) -> None:
    time_zone("IST-5:30")  # India, +05:30 all year
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        await pilot.press("t")  # the table shows local time
        await jump(pilot, "15:31:10")  # 10:01:10 UTC
        assert cursor_action(app).endswith(".n70")
        assert "first event at or after 2026-11-20 15:31:10.000 +05:30" in status(app)
        assert "15:31:10" in screen_text(app)
