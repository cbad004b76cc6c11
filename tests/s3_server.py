"""A real S3-compatible server on 127.0.0.1 for the tests of s3:// inputs, and buckets in each archive layout.

moto's server runs in this process on a port of its own; atlens reaches it over HTTP exactly as
it reaches IBM Cloud Object Storage (an endpoint, HMAC keys, ListObjectsV2 and GetObject).
"""

from __future__ import annotations

import gzip
import http.server
import logging
import os
import socket
import threading
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import orjson
import pytest

ACCESS_KEY = "AKIAATLENSTESTKEY01"
SECRET_KEY = "atlens+test/SECRET+d0-not-print-me"
ACCOUNT = "0123456789abcdef0123456789abcdef"
#: The first hour of every layout's bucket; each bucket holds HOURS hourly objects from there.
START = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
HOURS = 24
#: Events per object.
PER_OBJECT = 3


def event(when: datetime, n: int, **extra: object) -> dict:
    """A small CADF event at a time (n tells events of one object apart)."""
    ev = {
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4] + "+0000",
        "action": "cloud-object-storage.object.read",
        "outcome": "success",
        "severity": "normal",
        "message": f"Cloud Object Storage: read object {n}",
        "initiator": {"id": "IBMid-1", "name": f"user{n}@example.com", "host": {"address": "192.0.2.1"}},
        "target": {"id": "crn:v1:bluemix:public:cloud-object-storage:global:a/1::bucket:b", "name": f"object-{n}"},
        "reason": {"reasonCode": 200},
    }
    ev.update(extra)
    return ev


def hour_events(hour: datetime, count: int = PER_OBJECT) -> bytes:
    """JSON lines of count events spread over an hour."""
    return b"".join(orjson.dumps(event(hour + timedelta(minutes=10 * i + 1), i)) + b"\n" for i in range(count))


def er_key(hour: datetime, n: int = 0) -> str:
    """An Event Routing object name (the layout since May 2025)."""
    return f"{ACCOUNT}/us-south/{hour:%Y-%m-%dT%H}/{hour:%Y%m%dT%H%M%S}.000Z+{n:02d}_6f1c2a3b-{n:04d}.log"


def er_old_key(hour: datetime, n: int = 0) -> str:
    """An Event Routing object name (the layout before May 2025)."""
    return f"us-south/{hour:%Y-%m-%dT%H}/{hour:%Y%m%dT%H%M%S}.000Z+{n:02d}.log"


def logdna_key(hour: datetime) -> str:
    """A LogDNA (Activity Tracker with LogDNA) archive object name."""
    return f"year={hour:%Y}/month={hour:%m}/day={hour:%d}/{ACCOUNT}.{hour:%Y-%m-%d}.{hour:%H}00.json.gz"


@dataclass
class S3Server:
    """The running server: its endpoint, a client for putting objects, and a way to make it check keys."""

    endpoint: str
    client: object

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=body)

    def enforce_keys(self, on: bool) -> None:
        """Make the server refuse every request whose keys it does not know (moto's auth switch)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth", data=b"0" if on else b"inf", method="POST",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=5).read()


def _client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name="us-east-1")


def fill_layouts(server: S3Server) -> None:
    """One bucket per layout, HOURS hourly objects each (the Event Routing ones partly gzip)."""
    c = server.client
    for bucket in ("atlens-er", "atlens-er-old", "atlens-logdna"):
        c.create_bucket(Bucket=bucket)
    for h in range(HOURS):
        hour = START + timedelta(hours=h)
        body = hour_events(hour)
        server.put("atlens-er", er_key(hour), gzip.compress(body) if h % 3 == 0 else body)
        server.put("atlens-er-old", er_old_key(hour), body)
        # LogDNA archive lines wrap the event in _source._line.
        wrapped = b"".join(orjson.dumps({"_source": {"_host": "h", "_logtype": "json", "_line": line.decode()}}) + b"\n"
                           for line in body.splitlines())
        server.put("atlens-logdna", logdna_key(hour), gzip.compress(wrapped))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on 127.0.0.1, holding a bucket in each layout."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    running = S3Server(endpoint, _client(endpoint))
    fill_layouts(running)
    yield running
    server.stop()


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path) -> S3Server:
    """The environment a user of the server would have: endpoint and keys, no profile, fast failures."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    # No ~/.aws of the machine running the tests.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("ATLENS_S3_TIMEOUT", "1")
    return s3_server


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Throttling(http.server.BaseHTTPRequestHandler):
    """Answers every request as a store that is throttling: 503 SlowDown."""

    def _slow_down(self) -> None:
        body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate.</Message></Error>")
        self.send_response(503)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = _slow_down

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def throttling_endpoint() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that throttles every request."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def clean_env() -> dict[str, str]:
    """os.environ as a subprocess of a test gets it (after s3_env's changes)."""
    return dict(os.environ)
