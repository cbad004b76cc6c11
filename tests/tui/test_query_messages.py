"""What the screen says about the query typed: where a bad one went wrong, and fields no event has."""

from __future__ import annotations

from pathlib import Path

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid

from tests.tui.helpers import screen_text, wait_for
from tests.tui.test_filter import type_query
from tests.tui.test_table import status_text


async def test_a_good_query_takes_the_error_of_the_bad_one_away(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "action:(n1")
        assert "bad query at column 8" in status_text(app)
        await type_query(pilot, app, "outcome:success")
        await wait_for(pilot, lambda: "filter: outcome:success" in status_text(app), "the good query applied")
        await pilot.pause()
        assert "bad query" not in status_text(app)
        assert "unbalanced" not in screen_text(app)


async def test_leaving_a_bad_query_takes_its_error_away(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "outcome:")
        assert "bad query" in status_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is grid
        assert "bad query" not in status_text(app)
