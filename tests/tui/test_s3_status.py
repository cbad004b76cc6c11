"""Pilot tests: an s3:// input in the TUI: events arrive, progress counts objects, and a store that
stops answering is said in the status line while the events read stay on screen."""

from __future__ import annotations

from moto.server import ThreadedMotoServer

from tests.s3_server import ACCESS_KEY, SECRET_KEY, HOURS, PER_OBJECT, START, _client, er_key, hour_events
from tests.tui.helpers import wait_for
from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.core.sources.s3 import S3Settings
from tui.widgets.event_grid import EventGrid
from tui.widgets.status_bar import StatusBar


def status(app: AtlensApp) -> str:
    return app.query_one(StatusBar).render_text()


async def test_a_bucket_fills_the_table_and_progress_counts_objects(s3_env) -> None:
    app = AtlensApp([InputSpec("s3://atlens-er-old/", "s3")], s3=S3Settings(poll_seconds=60))
    async with app.run_test(size=(160, 30)) as pilot:
        grid = app.query_one(EventGrid)
        bar = app.query_one(StatusBar)
        await wait_for(pilot, lambda: grid.count == HOURS * PER_OBJECT, "every event of the bucket")
        await wait_for(pilot, lambda: bar.objects == (HOURS, HOURS), f"the objects counted: {bar.objects}")
        assert "s3://atlens-er-old/" in status(app)
        # While objects are fetched, the line counts them and their bytes.
        bar.progress = (1_200_000, 40_100_000, False)
        bar.objects = (3, HOURS)
        assert f"fetching 3 of {HOURS} objects (1.2 of 40.1 MB)" in status(app)


async def test_a_missing_bucket_is_said_in_the_status_line(s3_env) -> None:
    app = AtlensApp([InputSpec("s3://atlens-no-such-bucket/", "s3")], s3=S3Settings(poll_seconds=60))
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: "does not exist" in status(app), f"the missing bucket said: {status(app)!r}")
        assert "atlens-no-such-bucket" in status(app)
        assert SECRET_KEY not in status(app)


async def test_a_store_that_stops_is_said_and_the_events_stay(s3_env, monkeypatch) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = _client(endpoint)
    client.create_bucket(Bucket="atlens-tui-going")
    client.put_object(Bucket="atlens-tui-going", Key=er_key(START), Body=hour_events(START))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    app = AtlensApp([InputSpec("s3://atlens-tui-going/", "s3")], s3=S3Settings(endpoint=endpoint, poll_seconds=0.2))
    stopped = False
    try:
        async with app.run_test(size=(200, 30)) as pilot:
            grid = app.query_one(EventGrid)
            await wait_for(pilot, lambda: grid.count == PER_OBJECT, "the object's events")
            server.stop()
            stopped = True
            await wait_for(pilot, lambda: "cannot be reached" in status(app), f"the stopped store said: {status(app)!r}")
            assert f"127.0.0.1:{port}" in status(app) and "atlens-tui-going" in status(app)
            assert grid.count == PER_OBJECT
            assert ACCESS_KEY not in status(app)
    finally:
        if not stopped:
            server.stop()
