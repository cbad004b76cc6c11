"""The core (reading, decoding, storing, presenting) and the catalog run without Textual or Rich."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = ["tui.core.decode", "tui.core.store", "tui.core.sources", "tui.core.present",
                "tui.core.timespec", "tui.core.workers", "tui.core.generator", "tui.core.query",
                "tui.core.filtering", "tui.core.fields", "tui.core.compare", "tui.core.sources.s3", "tui.preview", "catalog", "catalog.explain", "catalog.loader"]


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
