"""s3:// inputs read from a real S3-compatible server: listing, time pruning, newest first, the
local cache, following new objects, and every failure said in one line without the secret."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
import threading
import time
from datetime import timedelta

import pytest

from tests.core.follow_helpers import wait_for
from tests.s3_server import ACCESS_KEY, HOURS, PER_OBJECT, SECRET_KEY, START, closed_port, er_key, hour_events
from tui.core.sources import InputError, Reader, resolve_inputs
from tui.core.sources.s3 import S3Input, S3Settings, parse_location
from tui.core.store import Notice, Store

US = 1_000_000


def epoch_us(when) -> int:
    return int(when.timestamp()) * US


def read(url: str, *, follow: bool = False, since=None, until=None, **settings: object) -> tuple[Store, Reader, list[Notice]]:
    store = Store()
    said: list[Notice] = []
    reader = Reader(store, resolve_inputs([url], follow=follow), on_status=said.append, s3=S3Settings(**settings),
                    since_us=epoch_us(since) if since else None, until_us=epoch_us(until) if until else None)
    reader.load(follow=follow)
    return store, reader, said


def problems(said: list[Notice]) -> list[str]:
    return [n.text for n in said if n.problem]


def test_an_s3_location_is_a_bucket_and_a_prefix():
    assert parse_location("s3://atlens-er/a/b/") == ("atlens-er", "a/b/")
    assert parse_location("s3://atlens-er") == ("atlens-er", "")
    with pytest.raises(InputError, match="bucket"):
        resolve_inputs(["s3://"])


def test_every_object_under_a_prefix_is_read_and_each_event_re_read_from_the_cache(s3_env):
    store, reader, said = read("s3://atlens-er/")
    try:
        assert len(store) == HOURS * PER_OBJECT
        assert not problems(said)
        names = {s.name for s in store.segments}
        assert f"s3://atlens-er/{er_key(START)}" in names
        # Gzip objects and plain ones alike: the full event comes back by offset.
        for row in range(len(store)):
            record = store.event(row, keep=False)
            assert record.event is not None and record.event["action"] == "cloud-object-storage.object.read"
        # In time order, whatever order the objects came in.
        times = [store.times[r] for r in store.order]
        assert times == sorted(times)
    finally:
        reader.close()


def test_the_newest_objects_are_read_first(s3_env):
    store, reader, _ = read("s3://atlens-er-old/")
    try:
        first = store.segments[0].name
        last = store.segments[-1].name
        assert f"{(START + timedelta(hours=HOURS - 1)):%Y-%m-%dT%H}" in first
        assert f"{START:%Y-%m-%dT%H}" in last
    finally:
        reader.close()


def test_each_layout_is_read(s3_env):
    for bucket in ("atlens-er", "atlens-er-old", "atlens-logdna"):
        store, reader, said = read(f"s3://{bucket}")
        try:
            assert len(store) == HOURS * PER_OBJECT, bucket
            assert not problems(said), said
        finally:
            reader.close()


def test_a_bucket_listed_early_is_read_once_and_whole(s3_env):
    """The TUI lists a bucket and fetches its newest object while Textual loads; the reader goes on from there."""
    early = S3Input("s3://atlens-er/", S3Settings()).start_early()
    store = Store()
    reader = Reader(store, resolve_inputs(["s3://atlens-er/"]), s3=S3Settings(), s3_started={"s3://atlens-er/": early})
    try:
        reader.load(follow=False)
        assert reader.s3_inputs == [early]
        assert early.stats.downloaded == HOURS and early.stats.objects == HOURS
        assert len(store) == HOURS * PER_OBJECT
    finally:
        reader.close()
    missing = S3Input("s3://atlens-no-such-bucket/", S3Settings()).start_early()
    said: list[Notice] = []
    reader = Reader(Store(), resolve_inputs(["s3://atlens-no-such-bucket/"]), on_status=said.append,
                    s3_started={"s3://atlens-no-such-bucket/": missing})
    reader.load(follow=False)
    reader.close()
    assert any("does not exist" in text for text in problems(said))


def test_progress_counts_objects_and_bytes(s3_env):
    store = Store()
    seen = []
    reader = Reader(store, resolve_inputs(["s3://atlens-er-old/"]), on_progress=seen.append, s3=S3Settings())
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    assert seen[-1].finished and seen[-1].objects_done == seen[-1].objects_total == HOURS
    assert seen[-1].done_bytes == seen[-1].total_bytes > 0
    assert any(0 < p.objects_done < HOURS for p in seen)


def test_the_temporary_cache_is_removed_on_close(s3_env):
    store, reader, _ = read("s3://atlens-er-old/")
    folder = reader.s3_inputs[0].cache.folder
    assert os.listdir(folder)
    reader.close()
    assert not os.path.exists(folder)


def test_a_kept_cache_is_reused(s3_env, tmp_path):
    cache = tmp_path / "cache"
    store, reader, _ = read("s3://atlens-er-old/", cache_dir=str(cache))
    assert reader.s3_inputs[0].stats.downloaded == HOURS
    reader.close()
    assert cache.is_dir() and any(cache.rglob("*.log"))
    store, reader, _ = read("s3://atlens-er-old/", cache_dir=str(cache))
    try:
        assert reader.s3_inputs[0].stats.downloaded == 0
        assert reader.s3_inputs[0].stats.objects == HOURS
        assert len(store) == HOURS * PER_OBJECT
    finally:
        reader.close()


def test_a_kept_cache_makes_room_by_removing_objects_of_earlier_runs(s3_env, tmp_path):
    cache = tmp_path / "cache"
    size = len(hour_events(START))
    store, reader, _ = read("s3://atlens-er-old/", cache_dir=str(cache))
    reader.close()
    s3_env.client.create_bucket(Bucket="atlens-evict")
    for h in range(5):
        s3_env.put("atlens-evict", er_key(START + timedelta(hours=h)), hour_events(START + timedelta(hours=h)))
    limit = size * (HOURS + 2) + 10
    store, reader, said = read("s3://atlens-evict/", cache_dir=str(cache), cache_limit=limit)
    try:
        assert len(store) == 5 * PER_OBJECT and not problems(said)
        files = [p for p in cache.rglob("*") if p.is_file()]
        assert sum(p.stat().st_size for p in files) <= limit
        assert len([p for p in files if "atlens-evict" in str(p)]) == 5
        assert len([p for p in files if "atlens-er-old" in str(p)]) == HOURS - 3
    finally:
        reader.close()


def test_object_names_cannot_leave_the_cache(s3_env, tmp_path):
    s3_env.client.create_bucket(Bucket="atlens-dots")
    s3_env.put("atlens-dots", "../../escape.log", hour_events(START))
    s3_env.put("atlens-dots", "a/./../b.log", hour_events(START + timedelta(hours=1)))
    cache = tmp_path / "cache"
    store, reader, said = read("s3://atlens-dots", cache_dir=str(cache))
    try:
        assert len(store) == 2 * PER_OBJECT, said
        assert not (tmp_path / "escape.log").exists()
        for path in tmp_path.rglob("*.log"):
            assert str(path).startswith(str(cache) + os.sep)
    finally:
        reader.close()


def test_the_cache_limit_stops_reading_older_objects_and_says_so(s3_env):
    size = len(hour_events(START))
    store, reader, said = read("s3://atlens-er-old/", cache_limit=size * 5 + 10)
    try:
        assert len(store) == 5 * PER_OBJECT
        [problem] = problems(said)
        assert "atlens-er-old" in problem and "19 older objects" in problem and "--cache-size" in problem
        # The newest were kept.
        assert max(store.times) == max(epoch_us(START + timedelta(hours=HOURS - 1, minutes=m)) for m in (1, 11, 21))
    finally:
        reader.close()


# ---------------------------------------------------------------- pruning by time (through the layouts)


@pytest.mark.parametrize("bucket", ["atlens-er", "atlens-er-old", "atlens-logdna"])
def test_since_and_until_fetch_only_the_hours_that_can_match(s3_env, bucket):
    since = START + timedelta(hours=5)
    until = START + timedelta(hours=8)
    store, reader, said = read(f"s3://{bucket}/", since=since, until=until)
    try:
        stats = reader.s3_inputs[0].stats
        # The hours of the range, and one each side (an event may be archived in the next hour's object).
        assert stats.objects == 5, (stats, said)
        assert stats.downloaded == 5
        assert {store.times[r] // (3600 * US) for r in range(len(store))} == {
            epoch_us(since + timedelta(hours=h)) // (3600 * US) for h in range(-1, 4)}
        assert stats.list_requests <= 10
        if bucket != "atlens-logdna":  # LogDNA's hours are objects of one day's folder: passed over by name
            # Only the folders of those hours were listed, not the bucket.
            assert stats.folders_skipped == HOURS - 5
            assert any(n.text.startswith(f"s3://{bucket}/: skipped 19 of ") and "folders outside the time range" in n.text for n in said), said
    finally:
        reader.close()


# ---------------------------------------------------------------- following


def test_following_a_prefix_reads_objects_put_later(s3_env):
    s3_env.client.create_bucket(Bucket="atlens-follow")
    s3_env.put("atlens-follow", er_key(START), hour_events(START))
    store, reader, said = read("s3://atlens-follow/", follow=True, poll_seconds=0.2)
    stop = threading.Event()
    follower = threading.Thread(target=reader.follow, args=(stop,), daemon=True)
    follower.start()
    try:
        assert len(store) == PER_OBJECT
        later = START + timedelta(hours=1)
        s3_env.put("atlens-follow", er_key(later), gzip.compress(hour_events(later)))
        wait_for(lambda: len(store) == 2 * PER_OBJECT, lambda: f"{len(store)} events, said {said}", timeout=10)
        # Merged by time: the new object's events come after the first one's.
        assert [store.segment[r] for r in store.order] == [0] * PER_OBJECT + [1] * PER_OBJECT
        assert any(f"new object s3://atlens-follow/{er_key(later)}" == n.text for n in said)
        # An object already read is not read again at the next listing.
        time.sleep(0.6)
        assert len(store) == 2 * PER_OBJECT
    finally:
        stop.set()
        follower.join(timeout=5)
        reader.close()


def test_a_server_that_stops_while_followed_is_said_and_the_events_stay(tmp_path, monkeypatch):
    from moto.server import ThreadedMotoServer

    from tests.s3_server import _client

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = _client(endpoint)
    client.create_bucket(Bucket="atlens-going")
    client.put_object(Bucket="atlens-going", Key=er_key(START), Body=hour_events(START))
    for name, value in (("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
                        ("AWS_MAX_ATTEMPTS", "1"), ("ATLENS_S3_TIMEOUT", "1"), ("AWS_DEFAULT_REGION", "us-east-1"),
                        ("AWS_CONFIG_FILE", str(tmp_path / "none")), ("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))):
        monkeypatch.setenv(name, value)
    store, reader, said = read("s3://atlens-going/", follow=True, poll_seconds=0.2, endpoint=endpoint)
    stop = threading.Event()
    follower = threading.Thread(target=reader.follow, args=(stop,), daemon=True)
    follower.start()
    try:
        assert len(store) == PER_OBJECT
        server.stop()
        wait_for(lambda: problems(said), lambda: f"said {said}", timeout=10)
        [problem] = problems(said)
        assert "atlens-going" in problem and f"127.0.0.1:{port}" in problem and "endpoint" in problem
        assert len(store) == PER_OBJECT
        assert store.event(0).event is not None
    finally:
        stop.set()
        follower.join(timeout=5)
        reader.close()


# ---------------------------------------------------------------- failures


def _one_problem(url: str, **settings: object) -> str:
    started = time.monotonic()
    store, reader, said = read(url, **settings)
    reader.close()
    assert time.monotonic() - started < 8
    [problem] = problems(said)
    assert len(store) == 0
    assert "\n" not in problem
    assert SECRET_KEY not in problem and ACCESS_KEY not in problem
    return problem


def test_a_missing_bucket_is_named(s3_env):
    problem = _one_problem("s3://atlens-no-such-bucket/logs/")
    assert "atlens-no-such-bucket" in problem and "does not exist" in problem and "endpoint" in problem


def test_wrong_keys_are_said_without_the_secret(s3_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    s3_env.enforce_keys(True)
    try:
        problem = _one_problem("s3://atlens-er/")
    finally:
        s3_env.enforce_keys(False)
    assert "AKIAWRONGWRONGWRONG1" not in problem
    assert "atlens-er" in problem and "AWS_ACCESS_KEY_ID" in problem and "AWS_SECRET_ACCESS_KEY" in problem


def test_no_credentials_at_all_is_said(s3_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    problem = _one_problem("s3://atlens-er/")
    assert "atlens-er" in problem and "AWS_ACCESS_KEY_ID" in problem and "--profile" in problem


def test_a_profile_gives_the_keys(s3_env, monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[cos]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    store, reader, said = read("s3://atlens-er-old/", profile="cos")
    reader.close()
    assert len(store) == HOURS * PER_OBJECT and not problems(said)
    problem = _one_problem("s3://atlens-er-old/", profile="nobody")
    assert "nobody" in problem and "profile" in problem


def test_connection_refused_fails_fast_and_names_the_endpoint(s3_env):
    port = closed_port()
    problem = _one_problem("s3://atlens-er/", endpoint=f"http://127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in problem and "atlens-er" in problem and "endpoint" in problem


def test_a_throttling_store_is_said(s3_env, throttling_endpoint):
    problem = _one_problem("s3://atlens-er/", endpoint=throttling_endpoint)
    assert "atlens-er" in problem and "throttl" in problem


def test_an_endpoint_with_a_password_in_it_is_not_echoed(s3_env):
    port = closed_port()
    problem = _one_problem("s3://atlens-er/", endpoint=f"http://me:pa55-not-shown@127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in problem and "pa55-not-shown" not in problem


# ---------------------------------------------------------------- Parquet objects (IBM Cloud Logs archives)


def test_a_cloud_logs_archive_bucket_reads_as_the_same_archive_downloaded(s3_env, tmp_path):
    pytest.importorskip("pyarrow")
    from tests.parquet_archive import START as ARCHIVE_START
    from tests.parquet_archive import build_archive

    archive = build_archive(tmp_path / "archive")
    s3_env.client.create_bucket(Bucket="atlens-cloudlogs")
    for path in sorted(p for p in archive.root.rglob("*") if p.is_file()):
        s3_env.put("atlens-cloudlogs", str(path.relative_to(archive.root)), path.read_bytes())
    local = Store()
    Reader(local, resolve_inputs([str(archive.root)])).load(follow=False)
    store, reader, said = read("s3://atlens-cloudlogs/")
    try:
        assert len(store) == len(local) > 0
        assert sorted(store.times) == sorted(local.times)
        assert len(store.errors) == len(local.errors)
        assert store.event(store.order[0]).event is not None
    finally:
        reader.close()
    # The hours outside a range are not listed: dt=/hr= partitions.
    since = ARCHIVE_START.replace(minute=0) + timedelta(days=1)
    store, reader, said = read("s3://atlens-cloudlogs/", since=since)
    try:
        assert reader.s3_inputs[0].stats.downloaded == 1, said
        assert len(store) == 7
    finally:
        reader.close()


def test_a_bucket_listed_early_in_a_child_process_is_read_once_and_whole(s3_env):
    """The TUI makes boto3's client, lists and fetches the newest object in a forked child; a fresh
    interpreter (no threads yet, as atlens has none then) shows the reader going on from there."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from tui.core.sources import Reader, resolve_inputs\n"
        "from tui.core.sources.s3 import S3Input, S3Settings\n"
        "from tui.core.store import Store\n"
        "early = S3Input('s3://atlens-er/', S3Settings()).start_early(in_child=True)\n"
        "newest = early.newest_path(timeout=10)\n"
        "assert newest is not None and os.path.isfile(newest), newest\n"
        "store = Store()\n"
        "reader = Reader(store, resolve_inputs(['s3://atlens-er/']), s3_started={'s3://atlens-er/': early})\n"
        "reader.load(follow=False)\n"
        "folder = early.cache.folder\n"
        "print(len(store), early.stats.downloaded, early.stats.objects)\n"
        "reader.close()\n"
        "assert not os.path.exists(folder)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    events, downloaded, objects = result.stdout.split()
    assert (int(events), int(downloaded), int(objects)) == (HOURS * PER_OBJECT, HOURS, HOURS)
