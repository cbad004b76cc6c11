"""`atlens query` and `atlens explain` on an IBM Cloud Logs archive (Parquet), as real processes:
the same answers as the same events in JSON lines, the skipped rows said, and without pyarrow
one line that says what to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cli.helpers import ROOT, assert_usage_error, run
from tests.parquet_archive import build_archive

pytest.importorskip("pyarrow")

SKIPPED = "atlens: skipped 9 rows of other applications: k8s-app 8, my-api 1"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("cloud-logs")
    found = build_archive(root / "archive")
    found.jsonl(root / "same.jsonl")
    return found


def explain(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", "explain", *args], capture_output=True, cwd=ROOT, timeout=60, env=env)


@pytest.mark.parametrize("query", ["labels.subsystemname:cloudantnosqldb*", "metadata.severity:Warning outcome:failure",
                                   "user1@example.com", "*"])
def test_query_answers_as_for_the_same_events_in_json_lines(archive, query):
    from_archive = run(str(archive.root), "-q", query, "--format", "jsonl")
    from_lines = run(str(archive.root.parent / "same.jsonl"), "-q", query, "--format", "jsonl")
    assert from_archive.returncode == from_lines.returncode == 0, from_archive.stderr.decode()
    assert from_archive.stdout == from_lines.stdout
    assert from_archive.stdout.count(b"\n") >= 1
    err = from_archive.stderr.decode().splitlines()
    # The skipped rows are said once, on stderr, and the bad row is counted with its place.
    assert err.count(SKIPPED) == 1, err
    assert any("1 line read was not an event" in line and ", row group 2, row 1:" in line for line in err), err
    assert "Traceback" not in from_archive.stderr.decode()


def test_errors_lists_the_bad_row_with_its_file_row_group_and_row(archive):
    result = run(str(archive.root), "--errors", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records == [{"source": str(archive.bad_file), "line": 10, "offset": records[0]["offset"],
                        "reason": records[0]["reason"], "text": "this is not an event {", "place": "row group 2, row 1"}]
    table = run(str(archive.root), "--errors").stdout.decode()
    assert table.startswith(f"{archive.bad_file}, row group 2, row 1: user_data is not JSON")


def test_explain_says_the_same_of_each_event_as_for_json_lines(archive):
    from_archive = explain(str(archive.root), "--format", "json")
    from_lines = explain(str(archive.root.parent / "same.jsonl"), "--format", "json")
    assert from_archive.returncode == from_lines.returncode == 0, from_archive.stderr.decode()

    def bodies(out: bytes) -> list[dict]:
        items = [json.loads(line) for line in out.splitlines()]
        return sorted(({k: v for k, v in item.items() if k not in ("source", "line")} for item in items), key=json.dumps)

    got = bodies(from_archive.stdout)
    assert got == bodies(from_lines.stdout) and len(got) == len(archive.seen)
    notes = {n["path"]: n for n in json.loads(from_archive.stdout.splitlines()[0])["notes"]}
    assert notes["labels.subsystemname"]["documented"] and notes["metadata.logid"]["documented"]


def test_explain_line_n_of_a_parquet_file_is_its_row_n(archive):
    result = explain(str(archive.bad_file), "--line", "2", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["line"] == 2
    other = explain(str(archive.bad_file), "--line", "3")  # a row of k8s-app
    assert other.returncode == 1
    assert "row 3 of" in other.stderr.decode() and "another application" in other.stderr.decode()
    bad = explain(str(archive.bad_file), "--line", "10")
    assert bad.returncode == 1
    assert "line 10 of" in bad.stderr.decode() and "is not an event: user_data is not JSON" in bad.stderr.decode()


@pytest.mark.parametrize("what", ["folder", "file"])
def test_without_pyarrow_one_line_says_what_to_install(archive, tmp_path, what):
    fake = tmp_path / "no-pyarrow"
    fake.mkdir()
    (fake / "pyarrow.py").write_text("raise ImportError('No module named pyarrow (removed for this test)')\n")
    env = {**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{ROOT}"}
    target = archive.root if what == "folder" else archive.bad_file
    result = run(str(target), "-q", "*", cmd=[sys.executable, "-m", "tui.cli"], env=env)
    err = assert_usage_error(result, "pip install 'atlens[archives]'", "pyarrow")
    assert (f"{len(archive.files)} Parquet files not read" if what == "folder" else f"{archive.bad_file} not read") in err
