"""Fixtures for Pilot tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.helpers import append_events, make_event


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    """A log with 100 events already in it."""
    path = tmp_path / "activity.log"
    append_events(path, [make_event(i) for i in range(100)])
    return path
