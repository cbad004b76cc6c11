"""The core (reading, decoding, storing, presenting) and the catalog run without Textual or Rich."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = ["tui.core.decode", "tui.core.store", "tui.core.sources", "tui.core.present",
                "tui.core.timespec", "tui.core.workers", "tui.core.generator", "tui.core.query",
                "tui.core.filtering", "tui.core.fields", "tui.core.compare", "tui.core.detect", "tui.preview", "catalog", "catalog.explain", "catalog.loader"]


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
