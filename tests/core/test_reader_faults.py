"""The reader under faults, seen from the store: what it says, and that each event is there once.

Real files, a real writer process (test_follow's), the Reader's own follow loop in a thread.
"""

from __future__ import annotations

import gzip
import os

from tests.core.follow_helpers import event_time, seq_of_action, wait_for

from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store


def test_a_gzip_arriving_in_parts_is_read_whole_without_a_word_of_damage(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(lines(1))
    f = follow(logs)
    w = writer()
    # Written in two parts 0.3 s apart, like a download in progress (test_follow's "gzip" step).
    w.run(["gzip", str(logs / "new.json.gz"), lines(*range(2, 40)), 0.3])
    f.wait_seqs(list(range(1, 40)))
    assert not any("damaged" in m or "ends before" in m for m in f.messages), f.messages


def test_a_rename_rotation_is_not_reported_as_a_deletion(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2))
    f = follow(log)
    w = writer()
    w.run(["open", "old", str(log)], ["rename", str(log), str(tmp_path / "a.log.1")], ["pause", 0.4],
          ["write", "old", lines(3)], ["open", "new", str(log)], ["write", "new", lines(4)], ["write", "old", lines(5)])
    f.wait_seqs([1, 2, 3, 4, 5])
    f.wait_message("a.log was rotated")
    assert not any("deleted" in m or "recreated" in m for m in f.messages), f.messages
    f.check_healthy(events=5)


def test_a_rotated_file_compressed_later_is_not_read_again(tmp_path, lines, writer, follow):
    """logrotate's `compress`: rename, create, and later gzip the renamed file."""
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, 21)))
    f = follow(logs)
    w = writer()
    w.run(["rename", str(log), str(logs / "a.log.1")], ["write", str(log), lines(21)])
    f.wait_seqs(list(range(1, 22)))
    rotated = logs / "a.log.1"
    (logs / "a.log.1.gz").write_bytes(gzip.compress(rotated.read_bytes()))
    rotated.unlink()
    w.run(["write", str(log), lines(22)])
    f.wait_seqs(list(range(1, 23)))
    w.run(["write", str(log), lines(23)])
    f.wait_seqs(list(range(1, 24)))
    f.check_healthy(events=23)
    f.check_reread()  # the rotated file's events are re-read from the compressed copy
    f.wait_message("a.log.1.gz holds events already read from", "a.log")  # said, not skipped in silence


def test_a_copy_truncated_file_whose_copy_is_compressed_at_once_loses_nothing(tmp_path, lines, writer, follow):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.log"
    log.write_text(lines(*range(1, 11)))
    f = follow(log)
    w = writer()
    # Events the follower has not read yet, then the copy compressed and the file truncated at once.
    w.run(["write", str(log), lines(*range(11, 16))], ["copy", str(log), str(logs / "a.log.1")], ["truncate", str(log)])
    (logs / "a.log.1.gz").write_bytes(gzip.compress((logs / "a.log.1").read_bytes()))
    (logs / "a.log.1").unlink()
    w.run(["write", str(log), lines(16)])
    f.wait_seqs(list(range(1, 17)))
    w.run(["write", str(log), lines(17)])
    f.wait_seqs(list(range(1, 18)))
    f.check_healthy(events=17)


def test_an_event_read_a_moment_before_its_file_is_rewritten_is_still_itself(tmp_path, lines, writer, follow):
    log = tmp_path / "a.log"
    log.write_text(lines(1))
    f = follow(log)
    w = writer()
    w.run(["write", str(log), lines(2, 3)])
    f.wait_seqs([1, 2, 3])
    # The file is truncated and written again with other events of the same length before
    # anyone opened row 2 (copy-truncate with no copy, then a burst).
    size = log.stat().st_size
    other = "".join(lines(s) for s in range(900, 910))
    w.run(["truncate", str(log)], ["write", str(log), other])
    f.wait_seqs([1, 2, 3, *range(900, 910)])
    assert log.stat().st_size >= size
    for row in f.store.order:
        seq = seq_of_action(f.store.text("action", row))
        record = f.store.event(row)
        if seq == 1:
            # Read before following began, and not kept: said, not replaced by another event.
            assert record.event is None and "no copy of the earlier content was found" in record.problem
        else:
            # 2 and 3 come from the bytes kept when they were read, not from the new file.
            assert record.event is not None, record.problem
            assert record.event["requestData"]["seq"] == seq


def test_an_old_event_whose_bytes_changed_in_place_is_said_not_shown_as_another(tmp_path, lines):
    log = tmp_path / "a.log"
    log.write_text(lines(1, 2, 3))
    store = Store()
    reader = Reader(store, resolve_inputs([str(log)]), parallel=False)
    reader.load(follow=False)
    # The file is rewritten in place (same inode, same length): row 2's bytes now hold event 7.
    text = log.read_text()
    with open(log, "r+") as fh:
        fh.write(text.replace("svc.obj.n2", "svc.obj.n7").replace(event_time(2), event_time(7)))
    row = next(r for r in range(len(store)) if seq_of_action(store.text("action", r)) == 2)
    record = store.event(row)
    reader.close()
    assert record.event is None
    assert "changed since it was read" in record.problem


def test_the_follower_survives_an_error_and_says_it(tmp_path, lines, writer, follow, monkeypatch):
    log = tmp_path / "a.log"
    log.write_text(lines(1))
    f = follow(log)
    calls = {"n": 0}
    real = Reader.poll_all

    def failing_once(self, *, rescan=True):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(5, "Input/output error")
        return real(self, rescan=rescan)

    monkeypatch.setattr(Reader, "poll_all", failing_once)
    w = writer()
    w.run(["write", str(log), lines(2)])
    f.wait_seqs([1, 2])
    f.wait_message("following met an error and goes on", "Input/output error")
    assert f.thread.is_alive()
    w.run(["write", str(log), lines(3)])
    f.wait_seqs([1, 2, 3])


def test_spools_are_private(tmp_path):
    path = tmp_path / "a.json.gz"
    path.write_bytes(gzip.compress(b'{"action": "a.b.c", "eventTime": "2026-11-20T10:00:00Z"}\n'))
    store = Store()
    reader = Reader(store, resolve_inputs([str(path)]), parallel=False)
    reader.load(follow=False)
    spool = store.segments[0].reader.path
    assert oct(os.stat(spool).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(spool)).st_mode & 0o777) == "0o700"
    reader.close()
    assert not os.path.exists(os.path.dirname(spool))
    assert store.event(0).event is not None  # readable after the spool's name is gone


def test_a_new_file_that_only_starts_like_one_already_read_is_read_whole(tmp_path, lines, writer, follow):
    """An export dropped into a followed folder that shares its first events with a log read
    already (overlapping time ranges) is not a copy of it: every event of it is read."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(lines(*range(1, 21)))
    f = follow(logs)
    w = writer()
    w.run(["write", str(logs / "export.log"), lines(*range(1, 6), *range(100, 111))])
    expected = sorted([*range(1, 21), *range(1, 6), *range(100, 111)])
    wait_for(lambda: sorted(f.seqs()) == expected, lambda: f"{expected}; the store has {sorted(f.seqs())}")
    f.check_reread()
