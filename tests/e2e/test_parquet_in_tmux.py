"""The real program on an IBM Cloud Logs archive in a real terminal, with pyarrow and without."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.tmux import ATLENS, REPO, Terminal, ensure_tmux
from tests.parquet_archive import audit_event, audit_row, other_row, write_parquet

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")
pytest.importorskip("pyarrow")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive" / "dt=2026-11-20" / "hr=09" / "0001.parquet"
    write_parquet(path, [audit_row(audit_event(n, n)) for n in range(5)] + [other_row("k8s-app", 1)])
    return tmp_path / "archive"


def test_without_pyarrow_the_status_line_says_what_to_install(archive: Path, tmp_path: Path) -> None:
    assert TMUX is not None
    fake = tmp_path / "no-pyarrow"
    fake.mkdir()
    (fake / "pyarrow.py").write_text("raise ImportError('No module named pyarrow (removed for this test)')\n")
    term = Terminal(TMUX, [*ATLENS, str(archive)], width=200, height=30, env={"PYTHONPATH": f"{fake}:{REPO}"})
    try:
        screen = term.wait_for("atlens[archives]")
        assert "pip install 'atlens[archives]'" in screen
        assert "Traceback" not in screen
    finally:
        term.close()


def test_the_archive_is_read_and_its_skipped_rows_said(archive: Path) -> None:
    assert TMUX is not None
    term = Terminal(TMUX, [*ATLENS, str(archive)], width=160, height=40)
    try:
        screen = term.wait_for("5 events")
        screen = term.wait_for("k8s-app 1")
        assert "skipped 1 row of other applications: k8s-app 1" in screen
        assert "Traceback" not in screen
    finally:
        term.close()
