"""Helpers for Pilot tests: real log files, and waiting on conditions instead of sleeping."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import orjson
from textual.app import App
from textual.pilot import Pilot


def make_event(seq: int, **fields: object) -> dict:
    """A small, realistic event whose action carries a sequence number."""
    event: dict = {
        "action": f"iam-identity.serviceid-apikey.n{seq}",
        "eventTime": f"2026-11-20T10:{seq // 60 % 60:02d}:{seq % 60:02d}.00+0000",
        "outcome": "success",
        "severity": "normal",
        "message": f"IAM Identity Service: login serviceid-apikey n{seq}",
        "initiator": {"id": f"iam-ServiceId-{seq}", "name": f"ServiceId-{seq}", "host": {"agent": "IBM Cloud CLI"}},
        "target": {"id": f"crn:v1:bluemix:public:iam-identity::a/123::apikey:{seq}", "name": f"key-{seq}"},
        "reason": {"reasonCode": 200, "reasonType": "OK"},
    }
    event.update(fields)
    return event


def append_events(path: Path, events: list[dict]) -> None:
    """Append events as JSON lines, flushed, as a logger would."""
    with open(path, "ab") as fh:
        fh.write(b"".join(orjson.dumps(e) + b"\n" for e in events))


async def wait_for(pilot: Pilot, predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Let the app run until predicate holds; fail with what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    assert predicate(), f"timed out waiting for {what}"


def screen_text(app: App) -> str:
    """Everything on the screen as plain text, line by line, as the user reads it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
