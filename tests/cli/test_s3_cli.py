"""`atlens query` and `atlens explain` over s3://, as real processes against a real S3-compatible server."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import sys
import time
from datetime import timedelta

import orjson

from tests.cli.helpers import ROOT, assert_usage_error
from tests.s3_server import ACCESS_KEY, HOURS, PER_OBJECT, SECRET_KEY, START, closed_port, er_key, er_old_key, hour_events

ATLENS = [sys.executable, "-m", "tui.cli"]


def atlens(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*ATLENS, *args], capture_output=True, cwd=ROOT, timeout=timeout, env=env or dict(os.environ))


def no_secret(result: subprocess.CompletedProcess) -> None:
    for stream in (result.stdout, result.stderr):
        assert SECRET_KEY.encode() not in stream
        assert b"Traceback" not in stream


def test_query_reads_a_bucket(s3_env):
    result = atlens("query", "s3://atlens-er/", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == HOURS * PER_OBJECT
    assert [e["eventTime"] for e in events] == sorted(e["eventTime"] for e in events)


def test_query_takes_the_endpoint_from_the_command_line(s3_env):
    env = dict(os.environ)
    endpoint = env.pop("AWS_ENDPOINT_URL")
    result = atlens("query", "--endpoint", endpoint, "s3://atlens-er-old/", "--count", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{HOURS * PER_OBJECT}\n".encode()


def test_query_with_a_time_range_over_a_bucket(s3_env):
    since = START + timedelta(hours=5)
    result = atlens("query", "s3://atlens-logdna/", "--count", "--since", since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "--until", (since + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{2 * PER_OBJECT}\n".encode()


def test_explain_an_event_of_an_object(s3_env):
    result = atlens("explain", f"s3://atlens-er-old/{er_old_key(START)}", "--line", "2", "--format", "json")
    assert result.returncode == 0, result.stderr
    [doc] = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert doc["line"] == 2 and doc["source"] == f"s3://atlens-er-old/{er_old_key(START)}"


def test_explain_every_event_under_a_prefix(s3_env):
    result = atlens("explain", "s3://atlens-er/", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == HOURS * PER_OBJECT


def test_a_missing_bucket_is_one_line_and_exit_status_2(s3_env):
    for command in (["query"], ["explain"]):
        result = atlens(*command, "s3://atlens-no-such-bucket/x/")
        err = assert_usage_error(result, "atlens-no-such-bucket", "does not exist", "--endpoint")
        assert err.startswith("atlens: s3://atlens-no-such-bucket/x/: ")


def test_wrong_keys_are_one_line_without_the_secret(s3_env):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIAWRONGWRONGWRONG1")
    s3_env.enforce_keys(True)
    try:
        result = atlens("query", "s3://atlens-er/", env=env)
        wrong_secret = atlens("query", "s3://atlens-er/", env=dict(os.environ, AWS_SECRET_ACCESS_KEY=SECRET_KEY + "x"))
    finally:
        s3_env.enforce_keys(False)
    assert_usage_error(result, "atlens-er", "AWS_ACCESS_KEY_ID", "refused")
    no_secret(result)
    assert b"AKIAWRONGWRONGWRONG1" not in result.stderr
    # A wrong secret with a key the server knows would be refused by a store that checks signatures;
    # whatever the answer, the secret is never printed.
    no_secret(wrong_secret)


def test_connection_refused_is_one_line_and_quick(s3_env):
    started = time.monotonic()
    result = atlens("query", "--endpoint", f"http://127.0.0.1:{closed_port()}", "s3://atlens-er/")
    assert time.monotonic() - started < 8
    assert_usage_error(result, "atlens-er", "cannot be reached", "--endpoint")
    no_secret(result)


def test_without_boto3_the_extra_to_install_is_named(s3_env):
    code = ("import sys; sys.modules['boto3'] = None\n"
            "from tui.cli import main\n"
            "raise SystemExit(main(['query', 's3://atlens-er/']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60)
    assert_usage_error(result, "pip install 'atlens[archives]'", "s3://atlens-er/")


def test_a_bucket_must_be_named(s3_env):
    assert_usage_error(atlens("query", "s3://"), "bucket")


def test_a_bad_cache_size_is_a_usage_error(s3_env):
    assert_usage_error(atlens("query", "--cache-size", "lots", "s3://atlens-er/"), "--cache-size")


def test_a_kept_cache_stays_and_a_temporary_one_goes(s3_env, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    result = atlens("query", "s3://atlens-er/", "--count", env=env)
    assert result.returncode == 0, result.stderr
    assert list(temp.iterdir()) == []
    cache = tmp_path / "cache"
    result = atlens("query", "--cache", str(cache), "s3://atlens-er/", "--count", env=env)
    assert result.returncode == 0, result.stderr
    assert len(list(cache.rglob("*.log"))) == HOURS
    assert list(temp.iterdir()) == []


def test_the_cache_limit_is_said_and_the_exit_status_is_2(s3_env):
    size = len(hour_events(START))
    result = atlens("query", "--cache-size", str(size * 4 + 10), "s3://atlens-er-old/", "--count")
    assert result.returncode == 2
    assert result.stdout == f"{4 * PER_OBJECT}\n".encode()
    assert b"20 older objects" in result.stderr and b"--cache-size" in result.stderr


def test_query_follow_prints_objects_put_later(s3_env):
    s3_env.client.create_bucket(Bucket="atlens-follow-cli")
    s3_env.put("atlens-follow-cli", er_key(START), hour_events(START))
    proc = subprocess.Popen([*ATLENS, "query", "--poll", "0.2", "--follow", "--format", "jsonl", "s3://atlens-follow-cli/"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=dict(os.environ))
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in iter(proc.stdout.readline, b"")], daemon=True).start()
    try:
        first = [lines.get(timeout=20) for _ in range(PER_OBJECT)]
        assert all(b"eventTime" in line for line in first)
        later = START + timedelta(hours=1)
        s3_env.put("atlens-follow-cli", er_key(later), hour_events(later))
        new = [orjson.loads(lines.get(timeout=20)) for _ in range(PER_OBJECT)]
        assert all(e["eventTime"].startswith(f"{later:%Y-%m-%dT%H}") for e in new)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        err = proc.stderr.read()
    assert b"Traceback" not in err
    assert f"new object s3://atlens-follow-cli/{er_key(later)}".encode() in err


def test_keys_come_from_a_named_profile(s3_env, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[cos]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    result = atlens("query", "--profile", "cos", "s3://atlens-er-old/", "--count", env=env)
    assert result.returncode == 0, result.stderr
    missing = atlens("query", "--profile", "nobody", "s3://atlens-er-old/", env=env)
    assert_usage_error(missing, "nobody", "--profile")
    no_secret(missing)


def test_an_empty_prefix_is_said(s3_env):
    result = atlens("query", "s3://atlens-er/no-such-prefix/")
    assert_usage_error(result, "s3://atlens-er/no-such-prefix/", "no objects")
    since = START + timedelta(days=400)
    ranged = atlens("query", "s3://atlens-er-old/", "--since", since.strftime("%Y-%m-%d"))
    assert ranged.returncode == 1
    assert b"no objects" in ranged.stderr and b"time range" in ranged.stderr
