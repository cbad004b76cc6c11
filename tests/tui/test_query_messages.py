"""What the screen says about the query typed: where a bad one went wrong, and fields no event has."""

from __future__ import annotations

from pathlib import Path

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid

from tests.tui.helpers import append_events, make_event, screen_text, wait_for
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


def warning_text(app: AtlensApp) -> str:
    """What the line under the query says about its fields ("" when hidden)."""
    warning = app.query_one("#filter-warning")
    return "\n".join(warning.render_line(y).text.strip() for y in range(warning.size.height)) if warning.display else ""


async def test_a_field_no_event_has_is_said_under_the_query_line(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "outcom:failure")
        await wait_for(pilot, lambda: "0 of 100 events" in status_text(app), "the query answered")
        await wait_for(pilot, lambda: warning_text(app) != "", "the warning")
        assert warning_text(app) == "no event has `outcom`; did you mean `outcome`?"
        lines = screen_text(app).splitlines()
        assert "no event has `outcom`" in lines[1]  # right under the query line
        # While a bad query is corrected, the line says where it went wrong, and only that.
        await type_query(pilot, app, "outcome:(")
        await pilot.pause()
        assert warning_text(app) == ""
        assert "^ unbalanced" in screen_text(app).splitlines()[1]
        await pilot.press("escape")  # back to the query in force, and what it lacks
        await pilot.pause()
        assert warning_text(app) == "no event has `outcom`; did you mean `outcome`?"
        # The field meant: the warning goes.
        await type_query(pilot, app, "outcome:failure")
        await wait_for(pilot, lambda: "filter: outcome:failure" in status_text(app) and "filtering" not in status_text(app),
                       "the second query answered")
        await pilot.pause()
        assert warning_text(app) == ""
        assert "no event has" not in screen_text(app)


async def test_the_warning_goes_when_an_event_with_the_field_arrives(log_file: Path) -> None:
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(120, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "requestData.shard:7 OR zzqx:1")
        await wait_for(pilot, lambda: warning_text(app) != "", "the warning")
        assert warning_text(app) == "no event has `requestData.shard`\nno event has `zzqx`"
        append_events(log_file, [make_event(100, requestData={"shard": 7})])
        await wait_for(pilot, lambda: grid.count == 1, "the arriving event that matches", timeout=20)
        await wait_for(pilot, lambda: warning_text(app) == "no event has `zzqx`", "requestData.shard no longer said",
                       timeout=20)


async def test_a_query_copied_from_cloud_logs_filters_and_names_no_missing_field(log_file: Path) -> None:
    """`.keyword` and `.numeric` typed in the query line mean the fields: the table is filtered
    as by the fields themselves, and nothing is said under the query line."""
    app = AtlensApp([InputSpec(str(log_file), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 100, "100 events")
        await type_query(pilot, app, "action.keyword:iam-identity.serviceid-apikey.n1? reason.reasonCode.numeric:[200 TO 299]")
        await wait_for(pilot, lambda: "10 of 100 events" in status_text(app), "the query answered")
        await pilot.pause()
        assert warning_text(app) == ""
        await type_query(pilot, app, "actoin.keyword:x")
        await wait_for(pilot, lambda: warning_text(app) != "", "the warning")
        assert warning_text(app) == "no event has `actoin` (`actoin.keyword`); did you mean `action.keyword`?"
