"""What every command-line test checks the same way."""

from __future__ import annotations

import subprocess


def assert_usage_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """Exit status 2, one line on stderr that says what is wrong, nothing on stdout, no traceback."""
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err
