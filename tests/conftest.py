"""Fixtures shared by every test directory."""

from __future__ import annotations

import os
import time

import pytest

#: The S3-compatible server of the s3:// tests (started only by the tests that use it).
pytest_plugins = ["tests.s3_server"]

#: Central European time with its summer time (+01:00 in winter, +02:00 from March to October).
CET = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def time_zone():
    """set(tz): the process's local time zone for the test, restored after it (POSIX rules such
    as CET above or "IST-5:30": no zone database needed)."""
    before = os.environ.get("TZ")

    def set_zone(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture(autouse=True)
def many_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts in a terminal of many colours, whatever the shell running the suite says
    (TERM=xterm alone means 16 colours to Rich, and the app draws its bars differently there);
    the tests of fewer colours set TERM themselves."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
