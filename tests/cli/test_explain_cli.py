"""`atlens explain` and `atlens catalog`, run as the real installed program in a subprocess."""

from __future__ import annotations

import gzip
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from tests.cli.helpers import assert_usage_error

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_logs"
_SCRIPT = shutil.which("atlens", path=os.path.dirname(sys.executable))
#: The console script installed beside this interpreter, else the module.
ATLENS = [_SCRIPT] if _SCRIPT else [sys.executable, "-m", "tui.cli"]

#: serviceids_apikeys.jsonl line 4: the rename of a locked service ID fails.
LOCKED = ("serviceids_apikeys.jsonl", 4)
LOCKED_SUMMARY = ("james.okafor@example.com (user) renames a service ID or modifies its description — "
                  "terraform-deployer, from the IBM Cloud CLI (198.51.100.77): FAILED (403 Forbidden).")
LOCKED_FINDING = "Attempt to change a locked service ID"


def run(*args: str, stdin: bytes | int | None = None, env: dict[str, str] | None = None,
        columns: int = 100) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "ATLENS_CATALOG"}
    environ["COLUMNS"] = str(columns)
    environ.update(env or {})
    kwargs: dict = {"stdin": stdin} if isinstance(stdin, int) else {"input": stdin if stdin is not None else b""}
    return subprocess.run([*ATLENS, *args], capture_output=True, cwd=ROOT, env=environ, timeout=60, **kwargs)


def sample(name: str) -> str:
    return str(Path("sample_logs") / name)




def one_line(text: str) -> str:
    """Wrapped text joined back into one line, to look for a sentence whatever the width."""
    return re.sub(r"\s+", " ", text)


# ----------------------------------------------------------------------------- the three formats


def test_text_explains_one_line_with_summary_findings_fields_and_catalog():
    result = run("explain", sample(LOCKED[0]), "--line", str(LOCKED[1]))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    out = result.stdout.decode()
    assert out.splitlines()[0].startswith(f"── {sample(LOCKED[0])}:4 · 2026-11-03 10:02:58.140 UTC ")
    assert all(len(line) <= 100 for line in out.splitlines())
    flat = one_line(out)
    assert LOCKED_SUMMARY in flat
    assert f"[security] {LOCKED_FINDING}" in out
    # A field, its meaning and what this value means, indented beneath it.
    assert "\n  requestData.lock = true\n      Whether the service ID or the API key is locked." in out
    assert "this value: the service ID or API key is locked" in flat
    # The catalog entry: section, description, note, source document.
    assert "iam-identity.account-serviceid.update — documented in “Service ID events”" in out
    assert "Note: The same action is documented" in flat
    assert ("Source: Auditing events for IAM, "
            "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_iam") in flat
    assert "000_" not in out
    # Only documented fields unless asked.
    assert "--all-fields adds" in out


def test_all_fields_adds_the_undocumented_ones():
    plain = run("explain", sample("support.jsonl"), "--line", "5")
    every = run("explain", sample("support.jsonl"), "--line", "5", "--all-fields")
    assert plain.returncode == every.returncode == 0
    assert "(not documented)" not in plain.stdout.decode()
    assert "(not documented)" in every.stdout.decode()
    assert len(every.stdout.splitlines()) > len(plain.stdout.splitlines())


def test_text_wraps_to_the_terminal_width():
    narrow = run("explain", sample(LOCKED[0]), "--line", "4", columns=60)
    assert narrow.returncode == 0
    lines = narrow.stdout.decode().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert LOCKED_SUMMARY in one_line(narrow.stdout.decode())


def test_markdown_has_a_heading_the_summary_findings_and_a_table():
    result = run("explain", sample(LOCKED[0]), "--line", "4", "--format", "markdown")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert out.startswith("### iam-identity.account-serviceid.update — 2026-11-03 10:02:58.140 UTC\n")
    assert LOCKED_SUMMARY in out
    assert f"- **security** — {LOCKED_FINDING}:" in out
    assert "| path | value | meaning |\n|---|---|---|\n" in out
    assert "| requestData.lock | true | Whether the service ID or the API key is locked." in out
    # Markdown specials in values are escaped: requestData.prev_instance_name keeps its underscore.
    assert "| requestData.prev\\_instance\\_name | terraform-deployer |" in out
    # The catalog entry names the page it comes from and its address, escaped as any text.
    assert ("Source: Auditing events for IAM, "
            "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at\\_events\\_iam.") in out


def test_json_is_one_document_per_event_with_source_and_line():
    result = run("explain", sample(LOCKED[0]), "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    docs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(docs) == 15  # every event of the file, in file order
    assert [d["line"] for d in docs] == list(range(1, 16))
    assert {d["source"] for d in docs} == {sample(LOCKED[0])}
    locked = docs[3]
    assert locked["summary"] == LOCKED_SUMMARY
    assert locked["findings"][0]["title"] == LOCKED_FINDING
    assert locked["documented"] is True
    assert locked["catalog"]["section"] == "Service ID events"
    assert locked["catalog"]["source"] == "Auditing events for IAM"
    assert locked["catalog"]["source_url"] == "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_iam"
    assert locked["support_reference"] == "2398563a9bb0bcc81a856c791787b22c"


def test_every_event_of_a_file_is_explained_in_file_order():
    result = run("explain", sample("login.jsonl"))
    assert result.returncode == 0
    headers = [line for line in result.stdout.decode().splitlines() if line.startswith("── ")]
    assert [h.split(" ")[1] for h in headers] == [f"{sample('login.jsonl')}:{n}" for n in range(1, 15)]


# ----------------------------------------------------------------------------- lines that hold no event


@pytest.mark.parametrize("line, words", [
    (9, ["line 9", "not an event", "invalid JSON"]),
    (11, ["line 11", "not an event", "truncated JSON"]),
    (10, ["line 10", "blank"]),
    (14, ["line 14 is beyond the end", "13 lines"]),
    (500, ["line 500 is beyond the end", "13 lines"]),
])
def test_a_line_without_an_event_says_what_is_there(line, words):
    result = run("explain", sample("hostile.jsonl"), "--line", str(line))
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert result.stdout == b""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err, err
    assert "\x1b" not in err


def test_an_empty_input_has_nothing_to_explain():
    result = run("explain", "-", stdin=b"")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "no event" in result.stderr.decode()


def test_lines_of_pretty_printed_events_are_where_each_event_starts(tmp_path):
    events = [orjson.loads(x) for x in (SAMPLES / "login.jsonl").read_bytes().splitlines()[:2]]
    path = tmp_path / "pretty.json"
    text = "\n".join(json.dumps(e, indent=2) for e in events) + "\n"
    path.write_text(text)
    second = text.splitlines().index("{", 1) + 1
    listed = run("explain", str(path), "--format", "json")
    assert listed.returncode == 0, listed.stderr.decode()
    assert [json.loads(x)["line"] for x in listed.stdout.splitlines()] == [1, second]
    picked = run("explain", str(path), "--line", str(second), "--format", "json")
    assert picked.returncode == 0
    assert json.loads(picked.stdout)["summary"] == json.loads(listed.stdout.splitlines()[1])["summary"]
    inside = run("explain", str(path), "--line", str(second + 3))
    assert inside.returncode == 1
    assert f"inside the event that starts on line {second}" in inside.stderr.decode()


def test_gzip_lines_are_those_of_the_decompressed_file(tmp_path):
    packed = tmp_path / "support.jsonl.gz"
    packed.write_bytes(gzip.compress((SAMPLES / "support.jsonl").read_bytes()))
    result = run("explain", str(packed), "--line", "7", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["action"] == "acme-billing.invoice-run.complete"


# ----------------------------------------------------------------------------- hostile content


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_hostile_strings_never_reach_the_terminal_raw(fmt):
    result = run("explain", sample("hostile.jsonl"), "--format", fmt)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    for raw in ("\x1b", "\x07", "\x00", "\x7f", "\x9b", "\u202e", "\r", "\b"):
        assert raw not in out, repr(raw)
    assert "\x1b" not in result.stderr.decode()
    if fmt == "text":
        assert "deploy\\x1b[2J\\x1b[3J\\x1b[Hcleared" in out
        assert "[bold red]x[/]" in out
    else:
        assert "deploy\\\\x1b\\[2J" in out  # the escape shown as text, its bracket not a link


def test_hostile_markdown_renders_as_literal_text_in_a_three_column_table():
    markdown_it = pytest.importorskip("markdown_it")
    result = run("explain", sample("hostile.jsonl"), "--format", "markdown", "--all-fields")
    assert result.returncode == 0
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(result.stdout.decode())
    assert "<a " not in html and "<code>" not in html and "<em>" not in html and "<img" not in html
    assert set(re.findall(r"<strong>(.*?)</strong>", html)) <= {"Findings", "security", "notable", "info"}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.DOTALL):
        assert len(re.findall(r"<t[dh][ >]", row)) == 3, row
    assert "[bold red]x[/]" in html
    assert "[link=https://example.com/phish]wei.zhang@example.com[/link]" in html
    assert "deploy\\x1b[2J" in html


def test_hostile_json_escapes_control_characters_and_keeps_the_values():
    result = run("explain", sample("hostile.jsonl"), "--format", "json")
    assert result.returncode == 0
    for raw in (b"\x1b", b"\x07", b"\xc2\x9b", "\u202e".encode()):
        assert raw not in result.stdout
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["line"] for d in docs] == [1, 2, 3, 4, 5, 6, 7, 8, 12, 13]
    names = {n["path"]: n["value"] for n in docs[0]["notes"]}
    assert names["target.name"] == "deploy\x1b[2J\x1b[3J\x1b[Hcleared"  # lossless once parsed
    assert "\u202e" in docs[3]["summary"]


# ----------------------------------------------------------------------------- standard input


def test_events_piped_on_standard_input():
    data = (SAMPLES / "support.jsonl").read_bytes()
    implicit = run("explain", "--format", "json", stdin=data)
    assert implicit.returncode == 0, implicit.stderr.decode()
    docs = [json.loads(x) for x in implicit.stdout.splitlines()]
    assert [d["line"] for d in docs] == list(range(1, 8))
    assert {d["source"] for d in docs} == {"<stdin>"}
    picked = run("explain", "-", "--line", "3", stdin=data)
    assert picked.returncode == 0
    assert "Update refused: initiator without permission" in picked.stdout.decode()


def test_no_path_with_a_terminal_on_stdin_is_a_usage_error():
    controller, terminal = pty.openpty()
    try:
        result = run("explain", stdin=terminal)
    finally:
        os.close(controller)
        os.close(terminal)
    assert_usage_error(result, "give a log file")


def test_usage_errors():
    assert_usage_error(run("explain", sample("missing.jsonl")), "no such file")
    assert_usage_error(run("explain", "sample_logs", "--line", "3"), "--line needs a single file")
    assert_usage_error(run("explain", sample("login.jsonl"), "--line", "0"), "--line")
    assert_usage_error(run("explain", sample("login.jsonl"), "--format", "html"), "--format")


# ----------------------------------------------------------------------------- user catalogs


ACME = """\
[[service]]
name = "acme-billing"
title = "Acme invoicing service"

[[action]]
name = "acme-billing.invoice-run.start"
section = "Invoice runs"
description = "An initiator starts a monthly invoice run."
asynchronous = true
"""


@pytest.fixture
def acme_catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "acme.toml").write_text(ACME)
    return folder


def test_an_undocumented_action_says_so():
    result = run("explain", sample("support.jsonl"), "--line", "5")
    assert result.returncode == 0
    out = one_line(result.stdout.decode())
    assert "acme-billing.invoice-run.start is not documented" in out
    assert "[info] Action not documented" in out


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_user_catalog_documents_an_action(acme_catalog, how):
    args = ["--catalog", str(acme_catalog)] if how == "option" else []
    env = {"ATLENS_CATALOG": str(acme_catalog)} if how == "environment" else None
    result = run("explain", sample("support.jsonl"), "--line", "5", *args, env=env)
    assert result.returncode == 0, result.stderr.decode()
    out = one_line(result.stdout.decode())
    assert "acme-billing.invoice-run.start — documented in “Invoice runs” [asynchronous]" in out
    assert "starts a monthly invoice run" in out
    assert "not documented" not in out.replace("(not documented)", "")
    as_json = run("explain", sample("support.jsonl"), "--line", "5", "--format", "json", *args, env=env)
    assert json.loads(as_json.stdout)["documented"] is True
    listed = run("catalog", "invoice", *args, env=env)
    assert listed.returncode == 0
    assert "acme-billing.invoice-run.start — Invoice runs — An initiator starts a monthly invoice run. [asynchronous]" in one_line(listed.stdout.decode())


@pytest.mark.parametrize("command", [["explain", "sample_logs/support.jsonl"], ["catalog"]])
def test_a_malformed_catalog_is_a_usage_error_with_file_and_line(tmp_path, command):
    folder = tmp_path / "broken"
    folder.mkdir()
    bad = folder / "bad.toml"
    bad.write_text('[[action]]\nname = "acme.thing.run"\nsection = "S"\ndescription = "D"\n\n[[action]]\nname = "no dots"\n'
                   'section = "S"\ndescription = "D"\n')
    err = assert_usage_error(run(*command, "--catalog", str(folder)), f"{bad}:6:", "service.object-type.verb")
    assert err.startswith("atlens: ")
    syntax = folder / "bad.toml"
    syntax.write_text('[[action]]\nname = "a.b.c"\nsection = \n')
    assert_usage_error(run(*command, env={"ATLENS_CATALOG": str(folder)}), f"{syntax}:3", "not valid TOML")


def test_a_missing_catalog_directory_is_a_usage_error(tmp_path):
    assert_usage_error(run("catalog", "--catalog", str(tmp_path / "nope")), "nope", "no such catalog directory")


# ----------------------------------------------------------------------------- atlens catalog


def test_catalog_search_lists_name_section_and_description():
    result = run("catalog", "locked")
    assert result.returncode == 0, result.stderr.decode()
    out = one_line(result.stdout.decode())
    assert "iam-identity.account-serviceid.update — Service ID events — An initiator renames a service ID" in out
    assert result.stderr == b""


def test_catalog_search_as_json():
    result = run("catalog", "cloudant", "--format", "json")
    assert result.returncode == 0
    actions = json.loads(result.stdout)
    assert actions and all(a["name"].startswith("cloudantnosqldb.") for a in actions)
    write = next(a for a in actions if a["name"] == "cloudantnosqldb.data-document.write")
    assert write["data_event"] is True and write["service"] == "cloudantnosqldb" and write["section"]


def test_catalog_flags_and_width():
    result = run("catalog", "cloudantnosqldb.database.create", columns=70)
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "[management event]" in one_line(out)
    assert max(len(line) for line in out.splitlines()) <= 70


def test_catalog_without_text_lists_everything_by_service():
    result = run("catalog")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert "IBM Cloudant (cloudantnosqldb)" in lines
    assert "IAM Identity Services (iam-identity)" in lines
    assert any(line.startswith("  cloudantnosqldb.database.create  — ") for line in lines)


def test_catalog_no_match_exits_1():
    result = run("catalog", "no-such-thing-anywhere")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "no action in the catalog matches 'no-such-thing-anywhere'" in result.stderr.decode()


def test_the_renderer_imports_no_ui_library():
    code = ("import sys, tui.core.render_explain\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_user_catalog_page_is_escaped_in_markdown(tmp_path):
    """A user catalog's page title and address are untrusted: in Markdown they stay text, never a link."""
    markdown_it = pytest.importorskip("markdown_it")
    (tmp_path / "ours.toml").write_text(
        '[[action]]\nname = "iam-identity.account-serviceid.update"\nsection = "Ours"\ndescription = "Ours."\n'
        'source = "ours"\n\n[[page]]\nid = "ours"\ntitle = "[click](javascript:alert(1)) <b>x</b>"\n'
        'url = "javascript:alert(1)"\n', encoding="utf-8")
    result = run("explain", sample(LOCKED[0]), "--line", "4", "--format", "markdown", env={"ATLENS_CATALOG": str(tmp_path)})
    assert result.returncode == 0, result.stderr.decode()
    html = markdown_it.MarkdownIt("commonmark").render(result.stdout.decode())
    assert "<a " not in html and "<b>" not in html
    assert "Source: [click](javascript:alert(1)) &lt;b&gt;x&lt;/b&gt;, javascript:alert(1)." in html
