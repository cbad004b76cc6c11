"""Snapshot tests of the main screen (pytest-textual-snapshot): what the user sees, as SVG, at the
smallest supported terminal (80x24) and at a wide one (160x50, catalog | table | detail side by side).

The SVGs are in __snapshots__/ next to this file. After an intended change of the screen, look at
them and accept the new ones with:  .venv/bin/python -m pytest tests/snapshots --snapshot-update

Determinism: the data is a committed sample log read by a relative path from the repository root
(the status line and the detail pane's title name the input as given, so a tmp path would differ on
every run); times are shown in UTC with TZ=UTC on top; nothing on screen is a clock; each test waits
until the screen holds everything it should (every event, the catalog and its counts, the detail of
the cursor's event) and then until it stops changing; the Input cursors do not blink.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.catalog_browser import CatalogBrowser
from tui.widgets.filter_bar import FilterBar
from tui.widgets.frequencies import FrequencyScreen
from tui.widgets.screens import DetailScreen

from tests.tui.helpers import screen_text, wait_for

REPO = Path(__file__).resolve().parents[2]
#: Relative to REPO (the tests run from there): the status line shows it as written.
SAMPLE = "sample_logs/serviceids_apikeys.jsonl"
#: Events in SAMPLE, and the row of the one opened: a refused API key update, a security finding.
SAMPLE_EVENTS = 15
FINDING_ROW = 10

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


@pytest.fixture(autouse=True)
def fixed_environment(monkeypatch: pytest.MonkeyPatch):
    """UTC as the local time zone, and the repository as the working directory."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(REPO)
    yield
    monkeypatch.undo()
    time.tzset()


def new_app() -> AtlensApp:
    assert (REPO / SAMPLE).is_file()
    return AtlensApp([InputSpec(SAMPLE, "file")])


def wide(app: AtlensApp) -> bool:
    return app.main_screen.has_class("-wide")


async def loaded(pilot: Pilot) -> None:
    """Every event in the table, the catalog mounted and counted, the cursor's event explained
    (wide), the load over (the status line counts only what arrives after it)."""
    app = pilot.app
    assert isinstance(app, AtlensApp)
    await wait_for(pilot, lambda: app.grid.count == SAMPLE_EVENTS and len(app.store) == SAMPLE_EVENTS, "every event")
    await wait_for(pilot, lambda: app.status_bar.progress[2] and app.status_bar.live, "the end of the first read")
    await wait_for(pilot, lambda: bool(app.catalog_pane.query(CatalogBrowser)), "the catalog")
    if wide(app):
        await wait_for(pilot, lambda: app._counted == SAMPLE_EVENTS, "the catalog's counts")
        await wait_for(pilot, lambda: app.detail.title_text != "" and app._detail_row == app.grid.cursor_row,
                       "the detail of the cursor's event")
    no_blink(app)


def no_blink(app: AtlensApp) -> None:
    """A blinking cursor would be on or off depending on when the picture is taken."""
    for screen in {app.main_screen, app.screen}:
        for line in screen.query(Input):
            line.cursor_blink = False


async def settled(pilot: Pilot, quiet: float = 0.4) -> None:
    """Wait until the screen has not changed for `quiet` seconds (throttled repaints done)."""
    await pilot.pause()
    await pilot.pause()
    deadline = time.monotonic() + 10.0
    last, since = screen_text(pilot.app), time.monotonic()
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        now = screen_text(pilot.app)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    else:
        raise AssertionError("the screen kept changing")
    assert "/s " not in pilot.app.status_bar.render_text(), "an events-per-second rate for a static file"


@SIZES
def test_main_screen_following(snap_compare, size) -> None:
    """The table after reading a log, following: the cursor on the newest event."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        assert app.grid.following and app.grid.cursor_row == SAMPLE_EVENTS - 1
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_bad_query(snap_compare, size) -> None:
    """A bad query: the caret under where it went wrong; the rows of the query before stay."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        await pilot.press("slash", *"outcome:failure", "enter")
        await wait_for(pilot, lambda: app.grid.count == 3 and not app._scan_pending, "the three failures")
        await pilot.press("slash", *" (severity:", "enter")
        bar = app.query_one(FilterBar)
        await wait_for(pilot, lambda: bar.has_class("-error"), "the caret line")
        assert app.grid.count == 3
        if app.detail.display:  # wide: the pane explains the cursor's event of the filtered table
            row = app.grid.cursor_row
            await wait_for(pilot, lambda: app.detail.title_text.endswith(f"@ byte {app.store.offsets[row]}"), "the detail of the cursor's event")
        no_blink(app)
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_event_with_a_finding_opened(snap_compare, size) -> None:
    """An event opened: full screen at 80 columns, the detail pane focused beside the table when wide."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        await pilot.press(*["up"] * (SAMPLE_EVENTS - 1 - FINDING_ROW))
        assert app.grid.cursor_row == FINDING_ROW
        await pilot.press("enter")
        if wide(app):
            await wait_for(pilot, lambda: app._detail_row == FINDING_ROW, "the detail of the opened event")
            assert app.focused is app.detail.query_one("#detail-tree")
        else:
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the event full screen")
        await wait_for(pilot, lambda: "Update refused" in screen_text(app), "the finding")
        no_blink(app)
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_catalog_open(snap_compare, size) -> None:
    """The catalog: instead of the table at 80 columns, focused beside it when wide."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        await pilot.press("a")
        tree = app.catalog_pane.query_one(CatalogBrowser).query_one("#catalog-tree")
        await wait_for(pilot, lambda: app.focused is tree, "the catalog focused")
        await wait_for(pilot, lambda: app._counted == SAMPLE_EVENTS, "the catalog's counts")
        if not wide(app):
            assert not app.query_one("#table").display
        no_blink(app)
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_frequencies_of_the_action_column(snap_compare, size) -> None:
    """F on the action column: each action with its events, share, failures, first and last seen and sparkline."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        await pilot.press("l", "l", "l", "l")  # time, severity, outcome, action
        assert app.grid.cursor_column == "action"
        await pilot.press("F")
        screen = app.screen
        assert isinstance(screen, FrequencyScreen)
        await wait_for(pilot, lambda: screen.found is not None, "the actions counted")
        no_blink(app)
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_timeline_strip(snap_compare, size) -> None:
    """The timeline strip above the table (H): two lines at 80x24, four at 160x50; the critical
    failures marked ! under their bars, the cursor's bucket ▲ a few events up."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        await pilot.press("H", "up", "up", "up")
        strip = app.strip
        await wait_for(pilot, lambda: strip.histogram is not None
                       and sum(b.events for b in strip.histogram.buckets) == SAMPLE_EVENTS, "the strip counted")
        if wide(app):
            await wait_for(pilot, lambda: app._detail_row == app.grid.cursor_row, "the detail of the cursor's event")
        no_blink(app)
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)


@SIZES
def test_time_range_from_a_bucket(snap_compare, size) -> None:
    """b on an event: the time range is its bucket of the strip, said in the filter bar; the strip
    counts the range's events in finer buckets."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        await pilot.press("H", *["up"] * (SAMPLE_EVENTS - 1 - FINDING_ROW))
        await wait_for(pilot, lambda: app.strip.histogram is not None, "the strip counted")
        await pilot.press("z")
        await wait_for(pilot, lambda: app.strip.histogram.buckets[0].start_us == app.since_us, "the strip of the range")
        if wide(app):
            await wait_for(pilot, lambda: app._detail_row == app.grid.cursor_row, "the detail of the cursor's event")
        app.status_bar.take_back(app.status_bar.message)  # the notice says the range again, and passes
        no_blink(app)
        await settled(pilot)

    assert snap_compare(new_app(), terminal_size=size, run_before=run_before)
