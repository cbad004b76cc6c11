"""A field that holds control, bidirectional or invisible characters is a security finding that names it:
what the field seems to say is not what it holds, and another tool could print it raw."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests.cli.helpers import ATLENS, ROOT

import catalog
from catalog import Explanation

SAMPLES = ROOT / "sample_logs"


@pytest.fixture
def explain(builtin):
    """explain(event) with the built-in catalog only."""
    return lambda event: catalog.explain(event, builtin)


def hidden(x: Explanation) -> dict[str, str]:
    """The findings about hidden characters, by the one field each names: title, then why."""
    return {f.paths[0]: f"{f.title}\n{f.why}" for f in x.findings if f.level == "security" and len(f.paths) == 1
            and f.title.startswith(("Control characters in ", "Bidirectional controls in ", "Invisible characters in "))}


def plain_event(**target: object) -> dict:
    """An ordinary documented event; target holds what the test puts in it."""
    return {"action": "iam-groups.group.create", "outcome": "success", "severity": "normal",
            "initiator": {"id": "IBMid-1", "name": "alice@example.com", "host": {"agent": "IBM Cloud CLI 2.30.0"}},
            "target": {"id": "crn:v1:bluemix:public:iam-groups::a/1::group:g1", **target}}


def test_an_osc_52_sequence_in_the_agent_is_a_security_finding_and_not_the_cli(sample, explain):
    event = sample("hostile.jsonl", 2, "iam-identity.user-apikey.update")
    x = explain(event)
    found = hidden(x)
    assert "initiator.host.agent" in found, x.findings
    agent = found["initiator.host.agent"]
    assert agent.startswith("Control characters in initiator.host.agent")
    assert "ESC (U+001B)" in agent and "BEL (U+0007)" in agent and "clipboard" in agent
    assert event["initiator"]["host"]["agent"] in agent  # the renderer escapes it where it is drawn
    # The value merely starts like the CLI's name: it is not taken for it.
    assert "from the IBM Cloud CLI" not in x.summary
    assert "holds control characters" in x.summary
    assert not any("came from the IBM Cloud CLI" in d for d in x.details), x.details


def test_every_field_of_the_osc_event_that_holds_control_characters_is_named(sample, explain):
    x = explain(sample("hostile.jsonl", 2, "iam-identity.user-apikey.update"))
    assert sorted(hidden(x)) == ["initiator.host.agent", "message", "requestData.description"]


def test_a_bidi_override_and_a_zero_width_space_are_named_with_their_kind(sample, explain):
    x = explain(sample("hostile.jsonl", 4, "cloud-object-storage.tag.attach"))
    found = hidden(x)
    assert sorted(found) == ["initiator.name", "message", "requestData.tag_names", "target.name"]
    assert found["target.name"].startswith("Bidirectional controls in target.name")
    assert "RIGHT-TO-LEFT OVERRIDE (U+202E)" in found["target.name"]
    # tag_names holds both kinds, one in each tag
    assert "ZERO WIDTH SPACE (U+200B)" in found["requestData.tag_names"]
    assert "RIGHT-TO-LEFT OVERRIDE (U+202E)" in found["requestData.tag_names"]


def test_a_key_holding_control_characters_is_named(sample, explain):
    x = explain(sample("hostile.jsonl", 12, "cloudantnosqldb.data-document.write"))
    found = hidden(x)
    key = 'requestData["\x1b[31mkey\x1b[0m"]'
    assert key in found, sorted(found)
    assert "The key" in found[key] and "ESC (U+001B)" in found[key]
    assert "requestData.tab\tkey" not in found and 'requestData["tab\tkey"]' in found
    assert "NUL (U+0000)" in found["initiator.host.agent"] and "DEL (U+007F)" in found["initiator.host.agent"]


@pytest.mark.parametrize("char, kind", [
    ("\x1b", "Control characters"), ("\x00", "Control characters"), ("\x7f", "Control characters"),
    ("\x9b", "Control characters"), ("\x85", "Control characters"), ("\n", "Control characters"),
    ("\u202a", "Bidirectional controls"), ("\u202e", "Bidirectional controls"), ("\u2066", "Bidirectional controls"),
    ("\u2069", "Bidirectional controls"), ("\u200e", "Bidirectional controls"), ("\u200f", "Bidirectional controls"),
    ("\u061c", "Bidirectional controls"),
    ("\u200b", "Invisible characters"), ("\u200d", "Invisible characters"), ("\u2060", "Invisible characters"),
    ("\ufeff", "Invisible characters"), ("\u2028", "Invisible characters"), ("\u2029", "Invisible characters"),
])
def test_each_kind_of_hidden_character_is_found(explain, char, kind):
    x = explain(plain_event(name=f"admins{char}"))
    assert list(hidden(x)) == ["target.name"]
    assert hidden(x)["target.name"].startswith(f"{kind} in target.name")
    assert x.level == "security"


def test_a_character_stripped_as_white_space_still_keeps_the_agent_from_being_the_cli(explain):
    # str.strip() takes U+2028 for white space: "IBM Cloud CLI\u2028" would read as the CLI's name.
    event = plain_event(name="admins")
    event["initiator"]["host"]["agent"] = "IBM Cloud CLI\u2028"
    x = explain(event)
    assert "initiator.host.agent" in hidden(x)
    assert "from the IBM Cloud CLI" not in x.summary


def test_ordinary_text_is_no_finding(explain):
    x = explain(plain_event(name="Ärzte-Gruppe 東京 (prod) — ops"))
    assert hidden(x) == {} and x.level is None
    assert "from the IBM Cloud CLI" in x.summary


def test_no_sample_event_outside_the_hostile_file_has_hidden_characters(explain):
    for path in sorted(SAMPLES.glob("*.jsonl")):
        if path.name == "hostile.jsonl":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert hidden(explain(json.loads(line))) == {}, (path.name, number)


def test_a_string_at_the_bottom_of_a_deep_event_is_found(explain):
    # As deep as the decoder lets an event be; walked without recursion.
    event: dict = {"v": "x\x1b[2J"}
    for _ in range(1000):
        event = {"a": event}
    x = explain({"action": "iam-groups.group.create", "requestData": event})
    (path,) = hidden(x)
    assert path == "requestData" + ".a" * 1000 + ".v"


def test_many_fields_give_a_bounded_number_of_findings_that_still_count_them_all(explain):
    event = plain_event(name="admins")
    event["requestData"] = {f"k{i}": f"v\x1b{i}" for i in range(100)}
    x = explain(event)
    named = hidden(x)
    rest = [f for f in x.findings if f.title.startswith("Control characters in ") and f.paths[0] not in named]
    assert len(named) + len(rest) <= 10
    (more,) = rest
    assert more.title == f"Control characters in {100 - len(named)} more fields"
    assert set(named) | set(more.paths) == {f"requestData.k{i}" for i in range(100)}


@pytest.mark.parametrize("form", ["text", "markdown", "json"])
def test_atlens_explain_shows_the_finding_escaped_and_sends_no_escape_to_the_terminal(form):
    result = subprocess.run([*ATLENS, "explain", str(SAMPLES / "hostile.jsonl"), "--line", "2", "--format", form],
                            capture_output=True, cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "Control characters in initiator.host.agent" in out
    assert "ESC (U+001B)" in out
    assert "\x1b" not in out and "\x07" not in out
    if form != "json":
        assert "from the IBM Cloud CLI" not in out
    if form == "text":
        assert "CLI\\x1b]52;c;" in out
    if form == "markdown":  # the backslash of the escape is itself escaped for Markdown
        assert "CLI\\\\x1b" in out
