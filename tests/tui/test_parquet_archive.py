"""Pilot tests: an IBM Cloud Logs archive (Parquet) on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid
from tui.widgets.status_bar import StatusBar

from tests.parquet_archive import build_archive
from tests.tui.helpers import screen_text, wait_for

pytest.importorskip("pyarrow")


def status(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


async def test_the_status_line_says_the_skipped_rows_and_the_detail_pane_shows_labels(tmp_path: Path) -> None:
    archive = build_archive(tmp_path / "archive")
    app = AtlensApp([InputSpec(str(archive.root), "dir")])
    async with app.run_test(size=(160, 50)) as pilot:
        grid = app.query_one(EventGrid)
        await wait_for(pilot, lambda: grid.count == len(archive.seen), "every audit event of the archive")
        await wait_for(pilot, lambda: "skipped 9 rows of other applications: k8s-app 8, my-api 1" in status(app),
                       f"the skipped rows said: {status(app)!r}")
        assert "1 bad line (e)" in status(app)
        # The newest event is explained, its labels and metadata with it, as fields of the tree.
        newest = archive.seen[-1]
        await wait_for(pilot, lambda: app.detail.title_text.startswith(newest["action"] + " "), "the newest event explained")
        await pilot.press("enter")
        pane = app.detail
        for _ in range(200):
            if pane.field is not None and pane.field.path == "labels.subsystemname":
                break
            await pilot.press("down")
        text = screen_text(app)
        assert f"labels.subsystemname = {newest['labels']['subsystemname']}" in text, text
        assert "The subsystem that sent the record" in text  # explained, not an unknown field
        # Once the message has gone, the count stays.
        pane.app.query_one(StatusBar).show_message("something else", seconds=8.0)
        assert "│ 9 rows of other applications skipped" in status(app)
