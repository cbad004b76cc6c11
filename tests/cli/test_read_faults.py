"""`atlens query` when the inputs misbehave: unreadable files and folders, damaged and hostile
archives, compressed streams, pipes, full disks, closed outputs, signals, too many files.

Each test runs the real program on real files (permissions really dropped, a real tmpfs that
fills up, real named pipes) and checks what a user would see: every readable event, each
problem said once on stderr with its file, exit status 2 when something could not be read
(as grep's), and never a traceback.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest
from tests.cli.helpers import ATLENS, ROOT, jsonl, make_event, run, unprivileged
from tests.core.follow_helpers import OutputLines, end_query, jsonl_seqs, running_query


def events(first: int, count: int) -> list[dict]:
    """count events numbered from first: action `svc.obj.n<k>`, requestData.seq k, a second apart."""
    return [make_event(f"svc.obj.n{k}", k, requestData={"seq": k}) for k in range(first, first + count)]


def printed_seqs(result: subprocess.CompletedProcess) -> list[int]:
    """The sequence numbers of the events a `--format jsonl` run printed."""
    return [json.loads(line)["requestData"]["seq"] for line in result.stdout.decode().splitlines()]


def wait_line(lines: OutputLines, *words: str) -> str:
    """Wait for a printed line holding every word; returns it."""
    n = 0
    while True:
        got = lines.wait_count(n + 1)
        if all(word in got[n] for word in words):
            return got[n]
        n += 1


def no_traceback(result: subprocess.CompletedProcess) -> str:
    err = result.stderr.decode()
    assert "Traceback" not in err, err
    return err


# ----------------------------------------------------------------------------- unreadable inputs


def test_an_unreadable_file_in_a_directory_or_glob_is_named_and_the_others_read(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for day in range(3):
        (logs / f"day{day}.jsonl").write_bytes(jsonl(events(10 * day, 10)))
    (logs / "day1.jsonl").chmod(0)
    try:
        for target in (str(logs), str(logs / "*.jsonl")):
            result = run(target, "--count", prefix=unprivileged())
            err = no_traceback(result)
            assert result.stdout == b"20\n"
            assert result.returncode == 2, err  # as grep: an input could not be read
            assert "day1.jsonl" in err and "permission denied" in err, err
            assert len(err.splitlines()) == 1, err
            listed = run(target, "--errors", prefix=unprivileged())
            assert "day1.jsonl: cannot be read: permission denied" in listed.stdout.decode()
    finally:
        (logs / "day1.jsonl").chmod(0o644)


def test_an_unreadable_subdirectory_does_not_stop_following_and_is_read_once_it_can_be(tmp_path):
    logs = tmp_path / "logs"
    (logs / "locked").mkdir(parents=True)
    log = logs / "a.jsonl"
    log.write_bytes(jsonl(events(1, 2)))
    (logs / "locked" / "b.jsonl").write_bytes(jsonl(events(100, 2)))
    (logs / "locked").chmod(0)
    with running_query(str(logs), "--follow", "--format", "jsonl", prefix=unprivileged()) as (proc, out, err):
        try:
            assert jsonl_seqs(out.wait_count(2)) == [1, 2]
            wait_line(err, "locked", "permission denied")
            # Appends and new files in the readable part go on being read...
            with open(log, "ab") as fh:
                fh.write(jsonl(events(3, 1)))
            (logs / "new.jsonl").write_bytes(jsonl(events(4, 1)))
            assert sorted(jsonl_seqs(out.wait_count(4))) == [1, 2, 3, 4]
            # ...and the folder is read once it can be.
            (logs / "locked").chmod(0o755)
            assert sorted(jsonl_seqs(out.wait_count(6))) == [1, 2, 3, 4, 100, 101]
            errors = end_query(proc, signal.SIGINT, err)
        finally:
            (logs / "locked").chmod(0o755)
    assert "Traceback" not in errors, errors
    assert "locked can be read again" in errors, errors


def test_an_existing_file_whose_name_looks_like_a_glob_is_that_file(tmp_path):
    (tmp_path / "audit[1].jsonl").write_bytes(jsonl(events(1, 3)))
    (tmp_path / "audit1.jsonl").write_bytes(jsonl(events(50, 5)))
    result = run(str(tmp_path / "audit[1].jsonl"), "--format", "jsonl")
    no_traceback(result)
    assert printed_seqs(result) == [1, 2, 3]
    # A pattern that is no file still matches as a pattern.
    result = run(str(tmp_path / "audit[0-9].jsonl"), "--count")
    assert result.stdout == b"5\n"


# ----------------------------------------------------------------------------- archives


def test_a_gzip_whose_checksum_fails_is_said_and_its_events_read(tmp_path):
    data = bytearray(gzip.compress(jsonl(events(1, 20))))
    data[-8] ^= 0xFF  # the CRC-32 in the trailer: the content no longer matches it
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(bytes(data))
    result = run(str(path), "--count")
    err = no_traceback(result)
    assert result.stdout == b"20\n"
    assert result.returncode == 2
    assert "a.jsonl.gz" in err and "checksum" in err, err


def test_a_truncated_gzip_is_said_and_the_events_before_the_cut_read(tmp_path):
    data = gzip.compress(jsonl(events(1, 400)), compresslevel=1)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = run(str(path), "--format", "jsonl")
    err = no_traceback(result)
    seqs = printed_seqs(result)
    assert seqs and seqs == list(range(1, len(seqs) + 1)) and len(seqs) < 400
    assert result.returncode == 2
    assert "cut.jsonl.gz" in err and "ends before the end" in err, err
    # The line cut in the middle is an error record, not lost.
    listed = run(str(path), "--errors")
    assert "truncated" in listed.stdout.decode() or "invalid JSON" in listed.stdout.decode()


def test_a_gzip_member_appended_to_a_followed_archive_is_read(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(events(1, 100))))
    with running_query(str(path), "--follow", "--format", "jsonl") as (proc, out, err):
        assert jsonl_seqs(out.wait_count(100)) == list(range(1, 101))
        with open(path, "ab") as fh:  # gzip -c more.log >> a.jsonl.gz
            fh.write(gzip.compress(jsonl(events(101, 100))))
        assert jsonl_seqs(out.wait_count(200)) == list(range(1, 201))
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors and "damaged" not in errors, errors


def test_a_decompression_bomb_stops_at_the_limit_with_the_events_before_it(tmp_path):
    line = orjson.dumps(make_event("svc.obj.bomb", 1)) + b"\n"
    plain = line * (40 * 1024 * 1024 // len(line))  # 40 MB of one event over and over
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(plain, compresslevel=9))
    assert len(plain) / path.stat().st_size > 100
    # Up to 16 MB comes out whatever the ratio; beyond, at most 20 times the archive's size.
    result = run(str(path), "--count", env={**os.environ, "ATLENS_MAX_EXPANSION": "20"})
    err = no_traceback(result)
    count = int(result.stdout)
    assert 16 * 1024 * 1024 // len(line) <= count < plain.count(b"\n")
    assert result.returncode == 2
    assert "bomb.jsonl.gz" in err and "20 times" in err and "ATLENS_MAX_EXPANSION" in err, err


@pytest.mark.parametrize("kind", ["bz2", "xz", "utf-16", "gzip on stdin", "bz2 on stdin"])
def test_other_encodings_and_compressions_are_read(tmp_path, kind):
    plain = jsonl(events(1, 30))
    compress = {"bz2": bz2.compress, "xz": lzma.compress, "gzip": gzip.compress,
                "utf-16": lambda data: data.decode().encode("utf-16")}[kind.split()[0]]
    data = compress(plain)
    if kind.endswith("on stdin"):
        result = run("-", "--format", "jsonl", stdin=data)
    else:
        path = tmp_path / "events.log"
        path.write_bytes(data)
        result = run(str(path), "--format", "jsonl")
    err = no_traceback(result)
    assert printed_seqs(result) == list(range(1, 31)), err
    assert result.returncode == 0 and err == "", err


def test_a_utf16_file_of_two_lines_gives_two_events(tmp_path):
    path = tmp_path / "windows.json"
    path.write_bytes(("\r\n".join(json.dumps(e) for e in events(1, 2)) + "\r\n").encode("utf-16"))
    result = run(str(path), "--format", "jsonl")
    no_traceback(result)
    assert printed_seqs(result) == [1, 2]
    assert run(str(path), "--errors").stdout == b""


def test_a_format_atlens_cannot_read_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "events.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + os.urandom(200))  # a zstd frame's magic number
    result = run(str(path), "--count")
    err = no_traceback(result)
    assert result.returncode == 2
    assert len(err.splitlines()) == 1 and "zstd" in err and "zstd -d" in err, err
    assert run(str(path), "--errors").stdout.decode().count("invalid JSON") == 0


# ----------------------------------------------------------------------------- pipes and streams


def test_a_named_pipe_given_as_input_is_read_as_a_stream(tmp_path):
    fifo = tmp_path / "events.pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as fh:
            fh.write(jsonl(events(1, 5)))

    writer = threading.Thread(target=feed)
    writer.start()
    result = run(str(fifo), "--format", "jsonl", timeout=30)
    writer.join(10)
    no_traceback(result)
    assert printed_seqs(result) == [1, 2, 3, 4, 5]
    assert result.returncode == 0


def test_a_followed_file_replaced_by_a_directory_or_a_pipe_is_said_and_read_again_later(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(jsonl(events(1, 2)))
    with running_query(str(log), "--follow", "--format", "jsonl") as (proc, out, err):
        assert jsonl_seqs(out.wait_count(2)) == [1, 2]
        log.unlink()
        log.mkdir()
        wait_line(err, "a.log", "is a directory")
        log.rmdir()
        os.mkfifo(log)  # opening it must not hang the follower
        wait_line(err, "a.log", "named pipe")
        log.unlink()
        log.write_bytes(jsonl(events(3, 2)))
        assert jsonl_seqs(out.wait_count(4)) == [1, 2, 3, 4]
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors


def _mount_tmpfs_prefix(folder: Path, size: str) -> list[str]:
    """A prefix that runs a command with a tmpfs of `size` mounted on folder, in a mount namespace
    of its own (nothing is mounted on the machine); skips where namespaces are not allowed."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare: cannot make a small filesystem to fill")
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user and mount namespaces are not allowed here: {probe.stderr.decode().strip()}")
    script = f'mount -t tmpfs -o size={size} tmpfs "{folder}" && exec "$@"'
    return [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]


def test_standard_input_that_fills_the_temporary_folder_is_said_and_ends(tmp_path):
    spool = tmp_path / "tmp"
    spool.mkdir()
    data = jsonl(events(1, 20_000))  # about 5 MB, the tmpfs takes 1 MB
    prefix = _mount_tmpfs_prefix(spool, "1m")
    result = run("-", "--count", stdin=data, prefix=prefix, env={**os.environ, "TMPDIR": str(spool)}, timeout=60)
    err = no_traceback(result)
    count = int(result.stdout or b"0")
    assert 0 < count < 20_000
    assert result.returncode == 2
    assert "standard input" in err or "<stdin>" in err, err
    assert "full" in err and "TMPDIR" in err, err


# ----------------------------------------------------------------------------- outputs


def test_a_full_output_device_is_one_line_and_status_2(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(jsonl(events(1, 2000)))
    with open("/dev/full", "wb") as full:
        result = subprocess.run([*ATLENS, "query", str(log), "--format", "jsonl"], stdout=full,
                                stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    err = result.stderr.decode()
    assert "Traceback" not in err and "Exception" not in err, err
    assert result.returncode == 2
    assert err.strip().splitlines() == ["atlens: cannot write the output: no space left on device"], err


def test_a_closed_standard_output_is_one_line_and_status_2(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(jsonl(events(1, 5)))
    result = subprocess.run([*ATLENS, "query", str(log)], stderr=subprocess.PIPE, cwd=ROOT, timeout=60,
                            preexec_fn=lambda: os.close(1))
    err = result.stderr.decode()
    assert "Traceback" not in err, err
    assert result.returncode == 2
    assert len(err.strip().splitlines()) == 1 and "standard output" in err, err


# ----------------------------------------------------------------------------- resources


def test_two_years_of_daily_files_open_under_a_limit_of_1024_descriptors(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for day in range(730):
        (logs / f"activity-{day:04d}.jsonl").write_bytes(jsonl(events(day * 2, 2)))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    result = subprocess.run([*ATLENS, "query", str(logs), "--count"], capture_output=True, cwd=ROOT,
                            timeout=120, preexec_fn=limit)
    err = no_traceback(result)
    assert result.stdout == b"1460\n", err
    assert result.returncode == 0, err
    # Followed, too: every file stays followed, and an append to the oldest is read.
    with running_query(str(logs), "--follow", "--count", preexec=limit) as (proc, out, err_lines):
        assert out.wait_count(1) == ["1460\n"]
        with open(logs / "activity-0000.jsonl", "ab") as fh:
            fh.write(jsonl(events(5000, 1)))
        assert out.wait_count(2)[-1] == "1\n"
        errors = end_query(proc, signal.SIGINT, err_lines)
    assert "Traceback" not in errors and "Too many open files" not in errors, errors


def _spool_folders() -> set[str]:
    base = Path(os.environ.get("TMPDIR") or "/tmp")
    return {str(p) for p in base.glob("atlens-*")}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_decompressed_copies_are_private_and_removed_when_atlens_is_ended_by_a_signal(tmp_path, sig):
    before = _spool_folders()
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(events(1, 50))))
    with running_query(str(path), "-", "--follow", "--format", "jsonl", stdin=subprocess.PIPE) as (proc, out, err):
        assert proc.stdin is not None
        proc.stdin.write(jsonl(events(100, 3)).decode())
        proc.stdin.flush()
        assert len(out.wait_count(53)) == 53
        made = _spool_folders() - before
        assert len(made) == 1, made
        folder = Path(made.pop())
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        spools = list(folder.iterdir())
        assert spools and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in spools), spools
        errors = end_query(proc, sig, err)
    assert "Traceback" not in errors, errors
    assert not folder.exists(), f"{folder} left behind after {sig.name}"


# ----------------------------------------------------------------------------- wording


def test_a_rename_rotation_with_late_writes_is_called_a_rotation_not_a_deletion(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(jsonl(events(1, 2)))
    with running_query(str(log), "--follow", "--format", "jsonl") as (proc, out, err):
        assert jsonl_seqs(out.wait_count(2)) == [1, 2]
        with open(log, "ab", buffering=0) as old:
            os.rename(log, tmp_path / "a.log.1")
            time.sleep(0.5)  # the service has not reopened yet: the path is missing for a moment
            old.write(jsonl(events(3, 1)))
            log.write_bytes(jsonl(events(4, 1)))
            old.write(jsonl(events(5, 1)))
        assert sorted(jsonl_seqs(out.wait_count(5))) == [1, 2, 3, 4, 5]
        errors = end_query(proc, signal.SIGINT, err)
    assert "deleted" not in errors and "recreated" not in errors, errors
    assert "a.log was rotated" in errors, errors


def test_a_gzip_still_being_written_is_not_called_damaged(tmp_path):
    data = gzip.compress(jsonl(events(1, 200)), compresslevel=1)
    path = tmp_path / "late.jsonl.gz"
    with running_query(str(tmp_path), "--follow", "--format", "jsonl") as (proc, out, err):
        with open(path, "wb", buffering=0) as fh:  # a download in progress
            for i in range(0, len(data), len(data) // 4 + 1):
                fh.write(data[i:i + len(data) // 4 + 1])
                time.sleep(0.4)
        assert jsonl_seqs(out.wait_count(200)) == list(range(1, 201))
        errors = end_query(proc, signal.SIGINT, err)
    assert "damaged" not in errors and "ends before" not in errors, errors


# ----------------------------------------------------------------------------- what must keep holding

#: Writes the lines of a file at a rate, each line in two write(2) calls (a logger's buffer cut a
#: line in two), as another process.
SPLIT_WRITER = r"""
import sys, time
path, source, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
lines = open(source, "rb").read().splitlines(keepends=True)
start = time.monotonic()
with open(path, "ab", buffering=0) as out:
    for i, line in enumerate(lines):
        half = len(line) // 2
        out.write(line[:half])
        out.write(line[half:])
        delay = start + (i + 1) / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
"""


def test_lines_written_in_two_writes_at_5000_a_second_are_each_printed_once(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(jsonl(events(0, 1)))
    source = tmp_path / "source.jsonl"
    source.write_bytes(jsonl(events(1, 5000)))
    with running_query(str(log), "--follow", "--format", "jsonl") as (proc, out, err):
        out.wait_count(1)
        subprocess.run([sys.executable, "-c", SPLIT_WRITER, str(log), str(source), "5000"], check=True, timeout=60)
        seqs = jsonl_seqs(out.wait_count(5001))
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors
    assert seqs == list(range(0, 5001))
    assert len(out.lines) == 5001  # nothing more (no repeats, no error records printed)


def test_two_thousand_followed_files_are_each_followed(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for n in range(2000):
        (logs / f"service-{n:04d}.jsonl").write_bytes(jsonl(events(n, 1)))
    with running_query(str(logs), "--follow", "--format", "jsonl") as (proc, out, err):
        assert sorted(jsonl_seqs(out.wait_count(2000))) == list(range(2000))
        touched = list(range(0, 2000, 97))
        for i, n in enumerate(touched):
            with open(logs / f"service-{n:04d}.jsonl", "ab") as fh:
                fh.write(jsonl(events(10_000 + i, 1)))
        printed = jsonl_seqs(out.wait_count(2000 + len(touched)))
        errors = end_query(proc, signal.SIGINT, err)
    assert "Traceback" not in errors, errors
    assert sorted(printed[2000:]) == list(range(10_000, 10_000 + len(touched)))
