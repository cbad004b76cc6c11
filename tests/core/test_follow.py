"""Following live inputs: real files written by another process, real watchfiles notifications.

Every test starts the Reader's own follow loop in a thread, drives a separate writer process
(append, flush, copy, truncate, rename, delete) and waits, with a deadline, for what a user
would see: each event in the store once, none lost, in time order.
"""

from __future__ import annotations

import gzip
import signal
import subprocess

import pytest


from tests.core.follow_helpers import (
    Following,
    end_query,
    jsonl_seqs,
    running_query,
)


def write_one_by_one(w, f: Following, target: str, lines, seqs: tuple[int, ...]) -> None:
    """Append events one at a time, each waited for: a late duplicate of an earlier event
    (a rotated copy read again) would show up before the test's final checks."""
    for seq in seqs:
        w.run(["write", target, lines(seq)])
        f.wait_seqs(list(range(1, seq + 1)))


# ----------------------------------------------------------------------------- appends


def test_appended_events_appear_once_in_order(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2))
    f = follow(log)
    assert f.seqs() == [1, 2]
    w = writer()
    for burst in ([3], list(range(4, 12)), list(range(12, 31)), list(range(31, 51))):
        w.run(["write", str(log), lines(*burst)])
    f.wait_seqs(list(range(1, 51)))
    f.check_healthy(events=50)
    f.check_reread()


def test_line_written_in_two_writes_is_read_once_whole(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1))
    f = follow(log)
    w = writer()
    for seq in (2, 3, 4):
        text = lines(seq)
        half = len(text) // 2
        w.run(["write", str(log), text[:half]], ["pause", 0.3], ["write", str(log), text[half:]])
    f.wait_seqs([1, 2, 3, 4])
    f.check_healthy(events=4)
    assert f.store.accounting()["lines"] == 4
    f.check_reread()


def test_partial_last_line_at_open_stays_pending_until_completed(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    four = lines(4)
    log.write_text(lines(1, 2, 3) + four[:40])
    f = follow(log)
    assert f.seqs() == [1, 2, 3]
    assert f.store.errors == []
    w = writer()
    w.run(["write", str(log), four[40:] + lines(5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    f.check_healthy(events=5)
    f.check_reread()


# ----------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("target", ["file", "directory"])
def test_copy_truncate_rotation_loses_and_repeats_nothing(tmp_path, lines, writer, follow, target):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, 6)))
    f = follow(log if target == "file" else logs)
    w = writer()
    w.run(["write", str(log), lines(*range(6, 11))])
    f.wait_seqs(list(range(1, 11)))
    # Events the follower has not read yet are appended, then copied away and truncated at once:
    # they survive only in the copy.
    w.run(["write", str(log), lines(*range(11, 16))],
          ["copy", str(log), str(logs / "a.log.1")], ["truncate", str(log)],
          ["write", str(log), lines(*range(16, 21))])
    f.wait_seqs(list(range(1, 21)))
    # A second rotation, to another copy.
    w.run(["write", str(log), lines(*range(21, 24))],
          ["copy", str(log), str(logs / "a.log.2")], ["truncate", str(log)],
          ["write", str(log), lines(24)])
    f.wait_seqs(list(range(1, 25)))
    # Two more events, one at a time: any late repeat of a copy would be in by then.
    write_one_by_one(w, f, str(log), lines, (25, 26))
    f.check_healthy(events=26)
    f.check_reread()
    f.wait_message("a.log was truncated")


@pytest.mark.parametrize("target", ["file", "directory"])
def test_rename_and_recreate_rotation_loses_and_repeats_nothing(tmp_path, lines, writer, follow, target):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, 6)))
    f = follow(log if target == "file" else logs)
    w = writer()
    w.run(["open", "old", str(log)], ["write", "old", lines(*range(6, 11))])
    f.wait_seqs(list(range(1, 11)))
    # logrotate's `create`: rename, create the new file; the service still has the old one open.
    w.run(["write", "old", lines(*range(11, 14))],
          ["rename", str(log), str(logs / "a.log.1")],
          ["open", "new", str(log)], ["write", "new", lines(14)])
    f.wait_seqs(list(range(1, 15)))
    # The follower is on the new file now; the service writes to the old one until it reopens.
    w.run(["write", "old", lines(*range(15, 18))], ["close", "old"],
          ["write", "new", lines(*range(18, 21))])
    f.wait_seqs(list(range(1, 21)))
    write_one_by_one(w, f, "new", lines, (21, 22))
    f.check_healthy(events=22)
    f.check_reread()


# ----------------------------------------------------------------------------- new and deleted files


def test_new_files_in_followed_directory_and_glob_are_picked_up(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(lines(1))
    matched = tmp_path / "glob"
    matched.mkdir()
    (matched / "x.log").write_text(lines(2))
    f = follow(logs, str(matched / "*.log"))
    assert f.seqs() == [1, 2]
    w = writer()
    w.run(["write", str(logs / "b.log"), lines(3)])
    f.wait_seqs([1, 2, 3])
    w.run(["mkdir", str(logs / "sub" / "deeper")], ["write", str(logs / "sub" / "deeper" / "c.json"), lines(4)])
    f.wait_seqs([1, 2, 3, 4])
    # A file the glob does not match is not read; one it matches is.
    w.run(["write", str(matched / "skip.txt"), lines(99)], ["write", str(matched / "y.log"), lines(5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    w.run(["write", str(logs / "sub" / "deeper" / "c.json"), lines(6)], ["write", str(matched / "y.log"), lines(7)])
    f.wait_seqs([1, 2, 3, 4, 5, 6, 7])
    f.check_healthy(events=7)
    f.check_reread()
    assert any("b.log" in m for m in f.messages), f.messages


def test_deleted_file_keeps_its_events_and_is_read_again_when_recreated(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2))
    f = follow(log)
    w = writer()
    w.run(["write", str(log), lines(3)], ["close", str(log)])
    f.wait_seqs([1, 2, 3])
    w.run(["delete", str(log)])
    f.wait_message("a.log", "deleted")
    assert f.thread.is_alive()
    assert f.seqs() == [1, 2, 3]
    f.check_reread()  # the detail pane can still open them
    w.run(["write", str(log), lines(4, 5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    w.run(["write", str(log), lines(6)])
    f.wait_seqs([1, 2, 3, 4, 5, 6])
    f.check_healthy(events=6)
    f.check_reread()


def test_gzip_in_followed_directory_is_read_once(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(lines(1))
    (logs / "old.json.gz").write_bytes(gzip.compress(lines(2, 3).encode()))
    f = follow(logs)
    assert f.seqs() == [1, 2, 3]
    w = writer()
    # An archive arriving while the directory is followed, written in two parts.
    w.run(["gzip", str(logs / "new.json.gz"), lines(4, 5, 6), 0.3])
    f.wait_seqs([1, 2, 3, 4, 5, 6])
    write_one_by_one(w, f, str(logs / "a.log"), lines, (7, 8, 9))
    f.check_healthy(events=9)
    f.check_reread()


# ----------------------------------------------------------------------------- merging


def test_events_arriving_in_two_files_at_once_are_merged_in_time_order(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    b, c = logs / "b.log", logs / "c.log"
    b.write_text(lines(2))
    c.write_text(lines(1))
    f = follow(b, c)
    assert f.seqs() == [1, 2]
    w = writer()
    seq = 3
    for burst in range(5):
        steps = []
        for _ in range(8):
            # Even numbers to b.log, odd to c.log, written interleaved as two services would.
            steps.append(["write", str(b if seq % 2 == 0 else c), lines(seq)])
            seq += 1
        w.run(*steps)
    f.wait_seqs(list(range(1, seq)))
    times = [f.store.times[row] for row in f.store.order]
    assert times == sorted(times)
    f.check_healthy(events=seq - 1)


# ----------------------------------------------------------------------------- the command line


def test_query_follow_streams_stdin_as_it_arrives(lines):
    with running_query("-", "--follow", "--format", "jsonl", stdin=subprocess.PIPE) as (proc, out, err):
        assert proc.stdin is not None
        for seq in range(1, 6):
            text = lines(seq)
            # Each event in two writes, as a pipe may deliver a line in pieces.
            proc.stdin.write(text[:50])
            proc.stdin.flush()
            proc.stdin.write(text[50:])
            proc.stdin.flush()
            assert jsonl_seqs(out.wait_count(seq)) == list(range(1, seq + 1))
        proc.stdin.close()
        errors = end_query(proc, signal.SIGTERM, err)
    assert "Traceback" not in errors, errors
    assert jsonl_seqs(out.lines) == [1, 2, 3, 4, 5]


def test_query_follow_prints_events_appended_to_a_file(tmp_path, lines, writer):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2, 3))
    with running_query(str(log), "--follow", "--format", "jsonl") as (proc, out, err):
        assert jsonl_seqs(out.wait_count(3)) == [1, 2, 3]
        w = writer()
        for burst in ([4], [5, 6, 7], list(range(8, 13))):
            w.run(["write", str(log), lines(*burst)])
            assert jsonl_seqs(out.wait_count(burst[-1])) == list(range(1, burst[-1] + 1))
        # Ctrl-C, as a user ends it.
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors
    assert jsonl_seqs(out.lines) == list(range(1, 13))


def test_query_follow_prints_only_arriving_events_that_match(tmp_path, lines, writer):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2, 3))
    # requestData.seq is not an indexed field: it is materialised for the events read, and each
    # arriving event is tested on its own.
    query = "requestData.seq:(2 OR 5 OR 9) OR action:svc.obj.n11"
    with running_query(str(log), "--follow", "--format", "jsonl", "-q", query) as (proc, out, err):
        assert jsonl_seqs(out.wait_count(1)) == [2]
        w = writer()
        w.run(["write", str(log), lines(4, 5, 6)])
        assert jsonl_seqs(out.wait_count(2)) == [2, 5]
        w.run(["write", str(log), lines(*range(7, 13))])
        assert jsonl_seqs(out.wait_count(4)) == [2, 5, 9, 11]
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors
    assert jsonl_seqs(out.lines) == [2, 5, 9, 11]
