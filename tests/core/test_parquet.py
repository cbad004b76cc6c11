"""IBM Cloud Logs archives (Parquet), written with pyarrow in the documented layout, read as a
user reads them: the same events, answers and accounting as the same events in JSON lines."""

from __future__ import annotations

import shutil

import pytest

from tests.core.conftest import events, read_paths
from tests.parquet_archive import audit_event, audit_row, build_archive, other_row, write_parquet
from tui.core.filtering import Filter
from tui.core.query import parse
from tui.core.sources import resolve_inputs

pytest.importorskip("pyarrow")

QUERIES = [
    "labels.subsystemname:cloudantnosqldb*",
    "metadata.severity:Warning",
    "labels.applicationname:ibm-audit-events",
    "-labels.subsystemname:iam*",
    "outcome:failure AND labels.computername:at-router-1",
    "_exists_:metadata.logid",
    "user2",
    "reason.reasonCode:[400 TO 499]",
    "action:iam-identity.*",
]


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path / "archive")


def answers(store) -> dict[str, list[str]]:
    """Each query's answer as a user reads it: the matching events' ids, top to bottom."""
    out = {}
    for text in QUERIES:
        rows = Filter(store, parse(text)).rows()
        out[text] = [store.event(r).event["metadata"]["logid"] for r in rows]
    return out


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "worker-processes"])
def test_archive_gives_the_events_and_answers_of_the_same_events_as_json_lines(archive, tmp_path, parallel):
    from_archive = read_paths(archive.root, parallel=parallel)
    from_lines = read_paths(archive.jsonl(tmp_path / "same.jsonl"))
    assert len(from_archive) == len(archive.seen) == len(from_lines)
    assert events(from_archive) == events(from_lines)
    # The table: the same rows, top to bottom.
    assert [from_archive.text("action", r) for r in from_archive.order] == [from_lines.text("action", r) for r in from_lines.order]
    assert [from_archive.times[r] for r in from_archive.order] == [from_lines.times[r] for r in from_lines.order]
    got = answers(from_archive)
    assert got == answers(from_lines)
    assert got["labels.subsystemname:cloudantnosqldb*"] and got["metadata.severity:Warning"]
    assert len(got["labels.applicationname:ibm-audit-events"]) == 1


def test_other_applications_are_counted_by_application_and_said_once(archive):
    store = read_paths(archive.root)
    assert dict(store.skipped) == archive.skipped == {"k8s-app": 8, "my-api": 1}
    said = [n.text for n in store.notices if "other applications" in n.text]
    assert said == ["skipped 9 rows of other applications: k8s-app 8, my-api 1"]
    assert not any(n.problem for n in store.notices)
    # Nothing lost: every row is an event, an error with its place, or a skipped row.
    acc = store.accounting()
    assert acc["lines"] == acc["events"] + acc["errors"] + acc["blank"]
    assert acc["events"] == len(archive.seen) and acc["errors"] == 1 and acc["blank"] == 9


def test_a_row_that_is_not_an_event_is_an_error_record_with_its_file_row_group_and_row(archive):
    store = read_paths(archive.root)
    assert len(store.errors) == 1, [e.describe() for e in store.errors]  # the _manifest folder is not read
    error = store.errors[0]
    assert error.source == str(archive.bad_file)
    assert error.place == "row group 2, row 1"
    assert error.line == 10  # the file's tenth row
    assert "not JSON" in error.reason and "this is not an event" in error.excerpt
    assert error.describe().startswith(f"{archive.bad_file}, row group 2, row 1: user_data is not JSON")


def test_a_single_file_and_a_file_known_by_its_magic_bytes(tmp_path):
    rows = [audit_row(audit_event(n, n)) for n in range(3)] + [other_row("k8s-app", 9)]
    named = write_parquet(tmp_path / "one.parquet", rows)
    store = read_paths(named)
    assert len(store) == 3 and dict(store.skipped) == {"k8s-app": 1}
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(named, folder / "part-00000")  # no suffix: recognised by PAR1
    assert len(read_paths(folder)) == 3
    assert resolve_inputs([str(folder)])[0].kind == "dir"


def test_a_file_that_is_not_an_archive_file_is_said_and_the_others_are_read(tmp_path, archive):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [1, 2]}), archive.root / "other.parquet")
    (archive.root / "broken.parquet").write_bytes(b"PAR1 not really")
    store = read_paths(archive.root)
    assert len(store) == len(archive.seen)
    problems = [n.text for n in store.notices if n.problem]
    assert any("other.parquet: not an IBM Cloud Logs archive file: it has no column src_obj__event_metadata" in p for p in problems), problems
    assert any("broken.parquet: not a readable Parquet file" in p for p in problems), problems


def test_rows_with_null_columns_and_events_without_labels_are_not_lost(tmp_path):
    from tests.parquet_archive import Row

    event = audit_event(1, 1)
    rows = [audit_row(event), Row(None, None, audit_row(audit_event(2, 2)).user_data), Row(None, None, None)]
    store = read_paths(write_parquet(tmp_path / "nulls.parquet", rows))
    assert len(store) == 2  # a row without labels is read when it holds an event
    assert [e.place for e in store.errors] == ["row group 0, row 2"]
    shown = events(store)
    assert "labels" in shown[0] and "labels" not in shown[1]


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "worker-processes"])
def test_files_of_one_name_in_two_folders_are_both_read(tmp_path, parallel):
    rows = [audit_row(audit_event(n, n)) for n in range(3)]
    for team in ("team_id=a", "team_id=b"):
        write_parquet(tmp_path / "archive" / team / "dt=2026-11-20" / "hr=09" / "0000.parquet", rows)
    store = read_paths(tmp_path / "archive", parallel=parallel)
    assert len(store) == 6 and not [n.text for n in store.notices if n.problem]
    assert len(events(store)) == 6


def test_an_event_of_a_file_changed_since_it_was_read_is_said_not_shown_wrong(tmp_path):
    """The copy an event is re-read from is written when it is first needed: from the same file only."""
    from tui.core.sources import Reader
    from tui.core.store import Store

    path = write_parquet(tmp_path / "a.parquet", [audit_row(audit_event(n, n)) for n in range(3)])
    store = Store()
    reader = Reader(store, resolve_inputs([str(path)]), parallel=False)
    try:
        reader.load(follow=False)
        write_parquet(path, [audit_row(audit_event(n + 10, n)) for n in range(4)])  # replaced by another export
        record = store.event(store.order[0])
        assert record.event is None
        assert "changed since it was read" in record.problem
    finally:
        reader.close()


def test_a_file_added_to_a_followed_archive_is_read_once_it_is_complete(tmp_path):
    from tui.core.sources import Reader
    from tui.core.store import Store

    root = tmp_path / "archive"
    write_parquet(root / "dt=2026-11-20" / "hr=09" / "a.parquet", [audit_row(audit_event(n, n)) for n in range(3)])
    store = Store()
    reader = Reader(store, resolve_inputs([str(root)], follow=True), parallel=False)
    try:
        reader.load(follow=True)
        assert len(store) == 3
        whole = write_parquet(tmp_path / "b.parquet", [audit_row(audit_event(n, 100 + n)) for n in range(10, 14)]
                              + [other_row("k8s-app", 1)]).read_bytes()
        arriving = root / "dt=2026-11-20" / "hr=10" / "b.parquet"
        arriving.parent.mkdir(parents=True)
        arriving.write_bytes(whole[:len(whole) // 2])  # still being copied: no footer yet
        reader.poll_all()
        assert len(store) == 3 and not store.errors and not any(n.problem for n in store.notices)
        arriving.write_bytes(whole)
        reader.poll_all()
        assert len(store) == 7
        assert f"new file {arriving}" in [n.text for n in store.notices]
        assert "skipped 1 row of other applications: k8s-app 1" in [n.text for n in store.notices]
        reader.poll_all()
        assert len(store) == 7  # read once
        assert store.event(store.order[-1]).event["labels"]["applicationname"] == "ibm-audit-event"
    finally:
        reader.close()


def test_columns_written_over_several_lines_give_the_same_events(tmp_path):
    import json

    from tests.parquet_archive import Row

    compact = [audit_row(audit_event(n, n)) for n in range(3)]
    pretty = [Row(json.dumps(json.loads(r.metadata), indent=2), json.dumps(json.loads(r.labels), indent=2),
                  json.dumps(json.loads(r.user_data), indent=4)) for r in compact]
    one = read_paths(write_parquet(tmp_path / "compact.parquet", compact))
    other = read_paths(write_parquet(tmp_path / "pretty.parquet", pretty))
    assert events(other) == events(one) and len(one) == 3 and not other.errors
