"""`atlens detect` and `atlens rules` as real processes: alerts a line, exit statuses, bad rules, follow, export."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import orjson

from tests.cli.helpers import ROOT, assert_usage_error, jsonl, make_event

ATLENS = [sys.executable, "-m", "tui.cli"]

RULE = """\
title: {title}
id: {rid}
level: {level}
tags: [attack.impact]
logsource: {{product: ibm_cloud, service: activity_tracker}}
detection:
  sel:
    action: {action}
  condition: sel
"""


def atlens(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*ATLENS, *args], capture_output=True, cwd=ROOT, timeout=timeout, env=env)


def rules_dir(tmp_path: Path, *rules: tuple[str, str, str]) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    for k, (title, level, action) in enumerate(rules):
        (folder / f"r{k}.yml").write_text(RULE.format(title=title, rid=f"aaaaaaaa-0000-4000-8000-00000000000{k}",
                                                      level=level, action=action))
    return folder


def test_an_alert_a_line_with_its_events_source_and_line_and_exit_1(tmp_path):
    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.read", 1), make_event("a.b.delete", 2), make_event("a.b.delete", 3)]))
    folder = rules_dir(tmp_path, ("thing deleted", "medium", "a.b.delete"))
    result = atlens("detect", str(events), "--rules", str(folder), "--no-builtin")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 2
    assert "thing deleted" in lines[0] and "medium" in lines[0] and "attack.impact" in lines[0]
    assert f"{events}:2" in lines[0] and f"{events}:3" in lines[1]


def test_jsonl_alerts(tmp_path):
    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.delete", 2)]))
    folder = rules_dir(tmp_path, ("thing deleted", "high", "a.b.delete"))
    result = atlens("detect", str(events), "--rules", str(folder), "--no-builtin", "--format", "jsonl")
    (alert,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert alert["rule"] == "aaaaaaaa-0000-4000-8000-000000000000" and alert["level"] == "high"
    assert alert["events"] == [{"time": alert["time"], "source": str(events), "line": 1, "offset": 0}]


def test_nothing_fired_is_0_and_below_level_is_not_printed(tmp_path):
    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.delete", 2)]))
    folder = rules_dir(tmp_path, ("thing deleted", "low", "a.b.delete"))
    result = atlens("detect", str(events), "--rules", str(folder), "--no-builtin", "--level", "high")
    assert (result.returncode, result.stdout) == (0, b""), result.stderr


def test_a_bad_rule_is_a_line_on_stderr_the_others_run_and_the_status_is_2(tmp_path):
    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.delete", 2)]))
    folder = rules_dir(tmp_path, ("thing deleted", "high", "a.b.delete"))
    (folder / "bad.yml").write_text(RULE.format(title="odd one", rid="bbbbbbbb-0000-4000-8000-000000000000",
                                                level="high", action="x").replace("action:", "action|frob:"))
    result = atlens("detect", str(events), "--rules", str(folder), "--no-builtin")
    assert result.returncode == 2
    err = result.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "bad.yml" in err[0] and "odd one" in err[0] and "frob" in err[0]
    assert b"thing deleted" in result.stdout


def test_rules_lists_the_rules_in_force_with_where_each_came_from(tmp_path):
    folder = rules_dir(tmp_path, ("mine", "low", "a.b.c"))
    result = atlens("rules", "--rules", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr
    listed = [json.loads(line) for line in result.stdout.decode().splitlines()]
    mine = [r for r in listed if r["title"] == "mine"]
    assert mine and mine[0]["origin"] == str(folder / "r0.yml") and not mine[0]["builtin"]
    assert any(r["builtin"] for r in listed)


def test_a_builtin_rule_can_be_turned_off(tmp_path):
    listed = [json.loads(line) for line in atlens("rules", "--format", "json").stdout.decode().splitlines()]
    first = listed[0]["id"]
    again = atlens("rules", "--format", "json", "--disable-rule", first).stdout.decode()
    assert first not in again
    assert len(again.splitlines()) == len(listed) - 1


def test_export_with_an_installed_backend_and_an_unknown_target(tmp_path):
    result = atlens("rules", "export", "--target", "splunk")
    assert result.returncode == 0, result.stderr
    assert b"action=" in result.stdout
    assert_usage_error(atlens("rules", "export", "--target", "qradar"), "qradar", "splunk")


def test_follow_prints_alerts_as_events_arrive(tmp_path):
    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.read", 1)]))
    folder = rules_dir(tmp_path, ("thing deleted", "high", "a.b.delete"))
    proc = subprocess.Popen([*ATLENS, "detect", str(events), "--rules", str(folder), "--no-builtin", "--follow"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)
        with events.open("ab") as fh:
            fh.write(orjson.dumps(make_event("a.b.delete", 5)) + b"\n")
        line = proc.stdout.readline().decode()
        assert "thing deleted" in line and f"{events}:2" in line
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_rules_folders_and_turned_off_rules_from_the_environment(tmp_path):
    import os

    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.delete", 2), make_event("a.b.create", 3)]))
    folder = rules_dir(tmp_path, ("thing deleted", "high", "a.b.delete"), ("thing created", "high", "a.b.create"))
    env = {**os.environ, "ATLENS_RULES": str(folder), "ATLENS_DISABLE_RULES": "aaaaaaaa-0000-4000-8000-000000000001"}
    result = atlens("detect", str(events), "--no-builtin", env=env)
    assert result.returncode == 1, result.stderr
    assert b"thing deleted" in result.stdout and b"thing created" not in result.stdout


def test_bad_working_hours_are_a_usage_error(tmp_path):
    events = tmp_path / "ev.jsonl"
    events.write_bytes(jsonl([make_event("a.b.delete", 2)]))
    assert_usage_error(atlens("detect", str(events), "--working-hours", "9-5"), "HH:MM-HH:MM")


def test_rules_that_only_feed_a_correlation_are_listed_as_such():
    lines = atlens("rules").stdout.decode().splitlines()
    (line,) = [x for x in lines if "IAM read or list" in x]
    assert "counted by a correlation" in line
