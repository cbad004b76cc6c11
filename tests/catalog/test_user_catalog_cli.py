"""User catalogs given to the real program: a malformed one is one line and exit 2 before anything is
read or drawn; a large one loads, and a pattern with many placeholders is matched, in linear time.

The loads that took too long are run in a subprocess whose time limit only guards against a hang:
before, 50,000 actions took more than half an hour and the pattern more than a day.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.cli.helpers import ATLENS, ROOT, assert_usage_error

SAMPLE = str(ROOT / "sample_logs" / "login.jsonl")
#: Far beyond what these take now (seconds); the old loading would run past it many times over.
GUARD = 120


def run(*args: str) -> subprocess.CompletedProcess:
    """The installed atlens, without the user catalogs of the machine running the tests."""
    environ = {k: v for k, v in os.environ.items() if k != "ATLENS_CATALOG"}
    return subprocess.run([*ATLENS, *args], capture_output=True, cwd=ROOT, env=environ, stdin=subprocess.DEVNULL,
                          timeout=GUARD, check=False)


def user_catalog(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "acme.toml").write_text(text, encoding="utf-8")
    return folder


MALFORMED = {
    "meta-number": ("meta = 5\n", ":1: 'meta' must be a table"),
    "meta-array": ('[[meta]]\ntitle = "Acme"\n', ":1: 'meta' must be a table"),
    "deep-array": ("x = " + "[" * 5000 + "]" * 5000 + "\n", ": an array or table nested too deeply"),
}


@pytest.mark.parametrize("command", [["explain", SAMPLE], ["catalog", "login"], [SAMPLE]], ids=["explain", "catalog", "tui"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_user_catalog_is_one_line_and_exit_2(tmp_path, command, case):
    text, says = MALFORMED[case]
    folder = user_catalog(tmp_path, text)
    # The TUI says it before taking the screen, as the other commands do: no half-loaded catalog.
    err = assert_usage_error(run(*command, "--catalog", str(folder)), str(folder / "acme.toml") + says)
    assert err.startswith("atlens: ")


def test_fifty_thousand_user_actions_load(tmp_path):
    entries = [f'[[action]]\nname = "acme-gen.thing-{i}.do"\nsection = "Things"\ndescription = "An initiator does thing {i}."\n'
               for i in range(50_000)]
    folder = user_catalog(tmp_path, "\n".join(entries))
    result = run("catalog", "thing 49999", "--catalog", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    assert [a["name"] for a in json.loads(result.stdout)] == ["acme-gen.thing-49999.do"]


def test_a_pattern_with_ten_placeholders_against_a_sixty_part_action_is_answered(tmp_path):
    pattern = ".".join(f"<part-{i}>" for i in range(10)) + ".done"
    folder = user_catalog(tmp_path, f'[[action]]\nname = "{pattern}"\nsection = "Any"\ndescription = "An initiator finishes."\n')
    parts = [f"p{i}" for i in range(60)]
    events = tmp_path / "events.jsonl"
    actions = [".".join(parts) + ".undone",  # ruled out by its end
               ".".join(parts[:30] + ["p:30"] + parts[31:]) + ".done",  # only by a character in its middle
               ".".join(parts) + ".done"]
    events.write_text("".join(json.dumps({"action": action}) + "\n" for action in actions))
    result = run("explain", str(events), "--catalog", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    explained = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [x["documented"] for x in explained] == [False, False, True]
    assert explained[2]["catalog"]["name"] == pattern
