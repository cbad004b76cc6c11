"""Tests for the deterministic Activity Tracker event generator."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import orjson
import pytest

from tui.core import generator
from tui.core.generator import (
    generate_events,
    generate_lines,
    main,
    stream_to_file,
    write_file,
)

REPO = Path(__file__).resolve().parents[2]
# shared/ stands beside the repository (in CI too): ../shared/seeds.
SEEDS = Path(os.environ.get("ATLENS_SEEDS", Path(__file__).resolve().parents[3] / "shared" / "seeds"))
EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{2}\+0000$")
REQUIRED = {
    "action", "eventTime", "outcome", "severity", "message", "logSourceCRN", "saveServiceCopy",
    "dataEvent", "observer", "reason", "initiator", "target", "correlationId", "requestData",
    "responseData", "eventType", "typeURI",
}
INITIATOR = {"id", "name", "typeURI", "credential", "host", "authnId", "authnName"}


@pytest.fixture(scope="module")
def events() -> list[dict[str, object]]:
    return [orjson.loads(line) for line in generate_lines(5000)]


def test_same_seed_gives_same_bytes_and_other_seed_differs() -> None:
    a = b"".join(generate_lines(1500, seed=7))
    assert a == b"".join(generate_lines(1500, seed=7))
    assert a != b"".join(generate_lines(1500, seed=8))


def test_lines_are_the_events_serialized() -> None:
    for ev, line in zip(generate_events(300, seed=3), generate_lines(300, seed=3)):
        assert orjson.dumps(ev) + b"\n" == line


def test_every_line_is_a_complete_event() -> None:
    for line in generate_lines(2000):
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        ev = orjson.loads(line)
        assert isinstance(ev, dict)
        assert REQUIRED <= ev.keys(), REQUIRED - ev.keys()
        ini, target, reason = ev["initiator"], ev["target"], ev["reason"]
        assert INITIATOR <= ini.keys()
        assert {"address", "addressType", "agent"} <= ini["host"].keys()
        assert ini["credential"]["type"]
        assert {"id", "name", "typeURI"} <= target.keys()
        assert target["id"].startswith("crn:v1:bluemix:public:")
        assert re.match(r"^crn:v1:bluemix:public:[a-z-]+:[a-z0-9-]+:a/[0-9a-f]{32}:",
                        ev["logSourceCRN"])
        assert isinstance(reason["reasonCode"], int) and isinstance(reason["reasonType"], str)
        assert ev["observer"] == {"name": "ActivityTracker"}
        assert ev["eventType"] == "activity"
        assert isinstance(ev["dataEvent"], bool) and isinstance(ev["saveServiceCopy"], bool)


def test_average_line_is_about_1200_bytes() -> None:
    sizes = [len(line) for line in generate_lines(2000)]
    assert 1100 <= sum(sizes) / len(sizes) <= 1300


def test_actions_are_varied_and_come_from_the_seed_documents(events: list[dict[str, object]]
                                                              ) -> None:
    actions = {str(ev["action"]) for ev in events}
    assert len(actions) >= 50
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    # README.md carries the action names the extracted text lost; one name has a comma typo.
    corpus = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    corpus += (SEEDS / "README.md").read_text(encoding="utf-8")
    corpus = corpus.replace("cloudantnosqldb,", "cloudantnosqldb.")
    for action in actions:
        if re.fullmatch(r"[a-z-]+\.tag\.(attach|detach)", action):
            assert f"<service-name>.tag.{action.rsplit('.', 1)[1]}" in corpus
        else:
            assert action in corpus, action


def test_outcome_and_severity_mix(events: list[dict[str, object]]) -> None:
    outcomes = Counter(ev["outcome"] for ev in events)
    assert outcomes["success"] > 0.9 * len(events)
    assert outcomes["failure"] > 0 and outcomes["pending"] > 0
    for ev in events:
        code = ev["reason"]["reasonCode"]
        if ev["outcome"] == "failure":
            assert str(ev["message"]).endswith(" -failure")
            assert code >= 400
            if code in (401, 403):
                assert ev["severity"] == "critical"
            elif code in (400, 409, 500):
                assert ev["severity"] == "warning"
        elif ev["outcome"] == "pending":
            assert str(ev["action"]).startswith("user-management.")
            assert str(ev["message"]).endswith(" -pending")
    severities = Counter(ev["severity"] for ev in events)
    assert {"normal", "warning", "critical"} <= severities.keys()


def test_pending_invitation_is_completed_later(events: list[dict[str, object]]) -> None:
    pending = [i for i, ev in enumerate(events) if ev["outcome"] == "pending"]
    first = events[pending[0]]
    later = [ev for ev in events[pending[0] + 1:]
             if ev["action"] == first["action"] and ev["target"] == first["target"]]
    assert later and later[0]["outcome"] == "success"


def test_event_times_have_documented_form_and_never_go_back(events: list[dict[str, object]]
                                                           ) -> None:
    times = [str(ev["eventTime"]) for ev in events]
    assert all(EVENT_TIME.match(t) for t in times)
    assert times == sorted(times)
    assert times[0].startswith("2026-11-20T00:")
    assert times[-1] > times[0]


def test_start_argument_sets_the_first_time() -> None:
    first = next(generate_events(1, start=datetime(2025, 3, 1, 8, 30, tzinfo=timezone.utc)))
    assert str(first["eventTime"]).startswith("2025-03-01T08:30:")


def test_live_events_carry_the_current_time() -> None:
    now = datetime.now(timezone.utc)
    for ev in generate_events(5, live=True):
        stamp = datetime.strptime(str(ev["eventTime"]), "%Y-%m-%dT%H:%M:%S.%f%z")
        assert abs((stamp - now).total_seconds()) < 60


def test_initiators_agents_and_credentials(events: list[dict[str, object]]) -> None:
    agents = Counter(ev["initiator"]["host"]["agent"] for ev in events)
    assert agents["Not Set"] > 0
    assert any(str(a).startswith("IBM Cloud CLI ") for a in agents)
    assert any(str(a).startswith("Mozilla/5.0") for a in agents)
    ids = {ev["initiator"]["id"] for ev in events}
    assert 60 <= len(ids) <= 120
    assert any(str(i).startswith("IBMid-") for i in ids)
    assert any(str(i).startswith("iam-ServiceId-") for i in ids)
    assert any(ev["initiator"]["name"] == "" for ev in events)
    creds = {ev["initiator"]["credential"]["type"] for ev in events}
    assert {"token", "apikey", "user"} <= creds
    logins = [ev for ev in events if ev["action"] == "iam-identity.user-refreshtoken.login"]
    assert {ev["requestData"]["client_id"] for ev in logins} == {"HOP55v1CCT", "bx"}
    updates = [ev for ev in events if ev["action"] == "iam-identity.account-serviceid.update"]
    assert updates and all({"instance_name", "prev_instance_name", "lock", "description"}
                           <= ev["requestData"].keys() for ev in updates)


def test_write_file_returns_the_file_size(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"old content that must disappear\n" * 100)
    written = write_file(path, 1234, seed=5)
    assert written == path.stat().st_size
    assert path.read_bytes() == b"".join(generate_lines(1234, seed=5))


def test_stream_to_file_appends_live_events(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b"")
    started = time.monotonic()
    assert stream_to_file(path, rate=200, count=50, seed=1) == 50
    assert time.monotonic() - started < 2.0
    lines = path.read_bytes().splitlines()
    assert len(lines) == 50
    assert all(REQUIRED <= orjson.loads(line).keys() for line in lines)
    # Appends rather than overwrites.
    stream_to_file(path, rate=500, count=5, seed=1)
    assert len(path.read_bytes().splitlines()) == 55


def test_stream_to_file_can_be_read_while_writing_and_stopped(tmp_path: Path) -> None:
    path = tmp_path / "tail.jsonl"
    stop = threading.Event()
    result: list[int] = []
    worker = threading.Thread(
        target=lambda: result.append(stream_to_file(path, rate=2000, stop=stop, burst=10)))
    worker.start()
    try:
        deadline = time.monotonic() + 3.0
        seen = 0
        while seen < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
            if path.exists():
                seen = path.read_bytes().count(b"\n")
        assert seen >= 20
    finally:
        stop.set()
        worker.join(timeout=3.0)
    assert not worker.is_alive()
    data = path.read_bytes()
    assert data.endswith(b"\n") and result == [data.count(b"\n")]


def test_main_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "cli.jsonl"
    assert main([str(out), "--count", "300", "--seed", "4"]) == 0
    assert out.read_bytes() == b"".join(generate_lines(300, seed=4))


def test_main_live_with_count(tmp_path: Path) -> None:
    out = tmp_path / "cli-live.jsonl"
    assert main([str(out), "--rate", "500", "--count", "25"]) == 0
    assert len(out.read_bytes().splitlines()) == 25


def test_cli_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    out = tmp_path / "sig.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.core.generator", str(out), "--rate", "1000"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=5.0)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert b"Traceback" not in err
    assert out.stat().st_size > 0


def test_module_does_not_import_ui_libraries() -> None:
    source = Path(generator.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+(textual|rich)\b", source, re.M)


def test_endless_generation_can_be_sliced() -> None:
    assert len(list(islice(generate_events(None, seed=2), 700))) == 700
