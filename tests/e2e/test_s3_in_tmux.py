"""End to end: the real atlens in tmux opens a bucket of a real S3-compatible server."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.e2e.tmux import ATLENS, Terminal, ensure_tmux
from tests.s3_server import HOURS, PER_OBJECT, SECRET_KEY

TMUX = ensure_tmux()
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed (apt-get unavailable or not root)")

_PASSED = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
           "AWS_SHARED_CREDENTIALS_FILE", "AWS_MAX_ATTEMPTS", "ATLENS_S3_TIMEOUT")


def test_a_bucket_opens_and_its_cache_goes_on_quit(s3_env, tmp_path: Path) -> None:
    assert TMUX is not None
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {name: os.environ[name] for name in _PASSED} | {"TMPDIR": str(temp)}
    term = Terminal(TMUX, [*ATLENS, "s3://atlens-er/"], width=160, height=40, env=env)
    try:
        screen = term.wait_for(f"{HOURS * PER_OBJECT} events")
        assert "s3://atlens-er/" in screen or "following" in screen
        assert "Traceback" not in screen and SECRET_KEY not in screen
        assert any(temp.iterdir())  # the objects, while atlens runs
        term.keys("q")
        deadline = time.monotonic() + 10
        while any(temp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(temp.iterdir()) == []
    finally:
        term.close()
