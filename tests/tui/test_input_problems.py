"""Pilot tests: what the screen says when inputs end or cannot be read."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import orjson
from textual.widgets import DataTable

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid
from tui.widgets.screens import ErrorsScreen
from tui.widgets.status_bar import StatusBar

from tests.tui.helpers import make_event, wait_for


def status(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


async def test_standard_input_that_has_ended_is_not_said_to_be_followed() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"".join(orjson.dumps(make_event(i)) + b"\n" for i in range(5)))
    app = AtlensApp([InputSpec("-", "stdin")], stdin_fd=read_end)
    async with app.run_test(size=(100, 24)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 5, "5 events")
        assert "● following" in status(app)
        os.write(write_end, orjson.dumps(make_event(5)) + b"\n")
        os.close(write_end)
        await wait_for(pilot, lambda: grid.count == 6, "the last event")
        await wait_for(pilot, lambda: "input ended" in status(app), f"'input ended' in the status line: {status(app)!r}")
        assert "following" not in status(app)


async def test_an_unreadable_input_and_a_damaged_archive_are_in_the_status_line_and_the_errors_list(tmp_path: Path) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(b"".join(orjson.dumps(make_event(i)) + b"\n" for i in range(3)))
    folder = tmp_path / "not-a-file.log"
    folder.mkdir()  # named as an input, but a directory where a file was expected: cannot be read as one
    damaged = bytearray(gzip.compress(b"".join(orjson.dumps(make_event(i)) + b"\n" for i in range(10, 14))))
    damaged[-8] ^= 0xFF
    archive = tmp_path / "old.log.gz"
    archive.write_bytes(bytes(damaged))
    app = AtlensApp([InputSpec(str(good), "file"), InputSpec(str(folder), "file"), InputSpec(str(archive), "file")])
    async with app.run_test(size=(120, 30)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 7, "the 7 readable events")
        await wait_for(pilot, lambda: "1 input unreadable (e)" in status(app), f"the unreadable input said: {status(app)!r}")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen), "the errors list")
        table = app.screen.query_one(DataTable)
        reasons = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert any("not-a-file.log" in r and "is a directory" in r for r in reasons), reasons
        assert any("old.log.gz" in r and "checksum" in r for r in reasons), reasons
        assert "input problem" in str(table.border_title)


async def test_files_skipped_for_the_time_range_are_said_in_the_status_line(tmp_path: Path) -> None:
    # A downloaded Event Routing bucket: one object an hour from 08:00 to 13:00 on 20 November 2026.
    for hour in range(8, 14):
        folder = tmp_path / "bucket" / "us-south" / f"2026-11-20T{hour:02d}"
        folder.mkdir(parents=True)
        events = [make_event(i, eventTime=f"2026-11-20T{hour:02d}:{i:02d}:00.00+0000") for i in range(3)]
        (folder / f"2026-11-20T{hour:02d}:05+00.log").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    since = 1795176000 * 1_000_000  # 2026-11-20T12:00:00Z: the objects of 08:00 to 10:00 cannot hold its events
    app = AtlensApp([InputSpec(str(tmp_path / "bucket"), "dir")], since_us=since)
    async with app.run_test(size=(160, 30)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == 6, "the events of 12:00 and 13:00")
        await wait_for(pilot, lambda: "skipped 3 of 6 files outside the time range" in status(app),
                       f"the skipped files said: {status(app)!r}")
        # Cleared in the TUI (B), the range lets every event read in, and says the files skipped stay unread.
        await pilot.press("B")
        assert grid.count == 9  # 11:00's object was opened for the margin: its events are there
        assert "3 files outside --since/--until were not read" in status(app)
