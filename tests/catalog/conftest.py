"""Shared fixtures for the catalog tests: the built-in catalog, the sample events, the seed texts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import catalog

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_logs"
# shared/ stands beside the repository (in CI too): ../shared/seeds, as tests/core/test_generator.py finds it.
SEEDS = Path(os.environ.get("ATLENS_SEEDS", REPO.parent / "shared" / "seeds"))


def sample(file: str, line: int, action: str | None = None) -> dict:
    """The event on a 1-based line of sample_logs/<file>, as sample_logs/README.md numbers them.

    With `action`, first check that the line holds that action, so a test never silently
    explains another event than the one its scenario names.
    """
    lines = (SAMPLES / file).read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[line - 1])
    if action is not None:
        assert event.get("action") == action, f"{file}:{line} holds {event.get('action')!r}, not {action!r}"
    return event


# Helpers are handed out as fixtures, not imported (see tests/core/conftest.py).


@pytest.fixture(name="sample")
def _sample_fixture():
    """sample(file, line, action=None) -> the decoded event of that line of sample_logs/."""
    return sample


@pytest.fixture(scope="session")
def builtin() -> catalog.Catalog:
    """The built-in catalog alone: no $ATLENS_CATALOG of the machine running the tests."""
    return catalog.load()


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The directory of the five source documents; the tests that need it skip without it."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not at {SEEDS} (set ATLENS_SEEDS to their directory)")
    return SEEDS
