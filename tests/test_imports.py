"""The core (reading, decoding, storing, presenting) and the catalog run without Textual or Rich."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = ["tui.core.decode", "tui.core.store", "tui.core.sources", "tui.core.present",
                "tui.core.timespec", "tui.core.workers", "tui.core.generator", "tui.core.query",
                "tui.core.filtering", "tui.core.fields", "tui.core.compare", "tui.core.sources.s3", "tui.core.detect", "tui.preview", "catalog", "catalog.explain", "catalog.loader"]


def test_core_and_catalog_import_no_ui_library():
    present = [m for m in CORE_MODULES if importlib.util.find_spec(m) is not None]
    assert "tui.core.decode" in present and "tui.core.sources" in present
    code = (
        "import importlib, sys\n"
        f"for name in {present!r}:\n"
        "    importlib.import_module(name)\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(ui))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"UI libraries imported by the core: {result.stdout.strip()}"


def test_boto3_is_imported_only_for_an_s3_input():
    """Reading local files never pays for boto3 (the `archives` extra): it is imported when an s3:// input is read."""
    sample = next(p for p in sorted((ROOT / "sample_logs").rglob("*")) if p.is_file() and p.suffix in (".log", ".jsonl", ".json"))
    code = (
        "import io, sys\n"
        "from tui.cli import run_query\n"
        f"run_query([{str(sample)!r}, '--count'], stdout=io.StringIO(), stderr=io.StringIO())\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 's3transfer'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported for a local file: {result.stdout.strip()}"


def _modules_after_reading(path: Path) -> set[str]:
    """The top-level modules a fresh interpreter has loaded after reading path as `atlens query` does."""
    code = (
        "import sys\n"
        "from tui.core.sources import Reader, resolve_inputs\n"
        "from tui.core.store import Store\n"
        "store = Store()\n"
        f"reader = Reader(store, resolve_inputs([{str(path)!r}]))\n"
        "reader.load(follow=False)\n"
        "reader.close()\n"
        "assert len(store), 'nothing read'\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.strip().split(","))


def test_json_input_does_not_import_pyarrow(tmp_path):
    """pyarrow is optional and heavy: reading JSON lines never loads it."""
    path = tmp_path / "events.jsonl"
    path.write_text('{"eventTime": "2026-11-20T10:00:00.00+0000", "action": "iam-identity.apikey.create"}\n')
    assert "pyarrow" not in _modules_after_reading(path)


def test_an_archive_of_several_files_is_read_by_workers_and_pyarrow_stays_out_of_atlens(tmp_path):
    """The files are read in worker processes: atlens itself keeps its memory for the events."""
    import pytest

    pytest.importorskip("pyarrow")
    from tests.parquet_archive import build_archive

    archive = build_archive(tmp_path / "archive")
    assert "pyarrow" not in _modules_after_reading(archive.root)


def test_sigma_is_imported_only_when_rules_are_used():
    """pySigma costs about a tenth of a second and pulls in YAML and pyparsing: starting atlens,
    or importing its core, must not pay for it; loading rules does."""
    code = (
        "import sys, importlib\n"
        "import tui.cli, tui.core.detect, tui.core.filtering\n"
        "before = sorted(m for m in sys.modules if m.split('.')[0] == 'sigma')\n"
        "tui.core.detect.load_rules()\n"
        "after = any(m.split('.')[0] == 'sigma' for m in sys.modules)\n"
        "print(','.join(before), after)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"], f"sigma imported at start-up: {result.stdout.strip()}"
