"""Shared helpers for the core tests: realistic events, files written for real, and reading them back."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

import orjson
import pytest

from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store

from tests.core.follow_helpers import Following, Writer, event_time

_BASE_EVENT: dict = {
    "eventTime": "2026-11-20T10:00:00.00+0000",
    "action": "iam-identity.user-apikey.login",
    "outcome": "success",
    "severity": "normal",
    "message": "IAM Identity Service: login user-apikey my-key",
    "logSourceCRN": "crn:v1:bluemix:public:iam-identity:global:a/0123456789abcdef::",
    "saveServiceCopy": True,
    "dataEvent": False,
    "correlationId": "5a0c1f9e-7b1e-4c5e-9d0a-1f2b3c4d5e6f",
    "initiator": {
        "id": "IBMid-270000ABCD",
        "name": "alice@example.com",
        "typeURI": "service/security/account/user",
        "credential": {"type": "apikey"},
        "host": {"address": "192.0.2.10", "addressType": "IPv4", "agent": "curl/8.5.0"},
    },
    "target": {
        "id": "crn:v1:bluemix:public:iam-identity::a/0123456789abcdef::apikey:ApiKey-1",
        "name": "my-key",
        "typeURI": "iam-identity/user-apikey",
    },
    "observer": {"name": "ActivityTracker"},
    "reason": {"reasonCode": 200, "reasonType": "OK"},
    "requestData": {"client_ip": "192.0.2.10"},
    "responseData": {},
}


def event(**overrides: object) -> dict:
    """A realistic minimal CADF event; keyword arguments replace (or, when None, remove) fields."""
    result = copy.deepcopy(_BASE_EVENT)
    for key, value in overrides.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def line(obj: object) -> bytes:
    """One JSON line (with its newline) for an object."""
    return orjson.dumps(obj) + b"\n"


def write_lines(path: Path, lines: Iterable[bytes | str | dict], *, newline: bytes = b"\n") -> Path:
    """Write lines to path: dicts as compact JSON, str as UTF-8, bytes as they are; returns path."""
    parts: list[bytes] = []
    for item in lines:
        if isinstance(item, dict):
            parts.append(orjson.dumps(item))
        elif isinstance(item, str):
            parts.append(item.encode())
        else:
            parts.append(item)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(p + newline for p in parts))
    return path


def read_paths(*paths: Path | str, parallel: bool = False) -> Store:
    """Read inputs once, as `atlens query` does, into a new store (the reader is closed)."""
    store = Store()
    reader = Reader(store, resolve_inputs([str(p) for p in paths]), parallel=parallel)
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    return store


def read_path(path: Path | str) -> Store:
    """Read one input into a new store."""
    return read_paths(path)


def actions(store: Store) -> list[str]:
    """The actions of all rows, in the store's time order (what the table shows top to bottom)."""
    return [store.text("action", row) for row in store.order]


def events(store: Store) -> list[dict]:
    """The full normalised events in time order, as the detail pane and `--format jsonl` show them."""
    out = []
    for row in store.order:
        record = store.event(row)
        assert record.event is not None, record.problem
        out.append(record.event)
    return out


# Helpers are handed out as fixtures, not imported: several test folders have a conftest.py,
# and `from conftest import ...` would pick whichever was imported first.


@pytest.fixture(name="event")
def _event_fixture():
    """event(**overrides) -> a realistic CADF event dict."""
    return event


@pytest.fixture(name="line")
def _line_fixture():
    """line(obj) -> one JSON line (bytes, with its newline)."""
    return line


@pytest.fixture
def lines() -> Callable[..., str]:
    """lines(*seqs) -> JSON lines of realistic events `svc.obj.n<seq>`, one millisecond apart."""

    def make(*seqs: int) -> str:
        return "".join(
            line(event(eventTime=event_time(s), action=f"svc.obj.n{s}", requestData={"seq": s},
                       target={"id": f"crn:v1:bluemix:public:svc:us-south:a/0123456789abcdef::obj:n{s}",
                               "name": f"obj-{s}", "typeURI": "svc/obj"})).decode()
            for s in seqs
        )

    return make


@pytest.fixture(name="write_lines")
def _write_lines_fixture():
    """write_lines(path, lines, newline=b"\\n") -> path."""
    return write_lines


@pytest.fixture(name="read_path")
def _read_path_fixture():
    """read_path(path) -> Store, read once through Reader like `atlens query`."""
    return read_path


@pytest.fixture(name="read_paths")
def _read_paths_fixture():
    """read_paths(*paths) -> Store."""
    return read_paths


@pytest.fixture(name="actions")
def _actions_fixture():
    """actions(store) -> the actions in time order."""
    return actions


@pytest.fixture(name="events")
def _events_fixture():
    """events(store) -> the full normalised events in time order."""
    return events


@pytest.fixture
def write_bytes(tmp_path: Path):
    """write_bytes(name, data) -> a file under tmp_path holding exactly data."""

    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return _write


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Callable[[], Writer]]:
    """writer() -> a new writer process (killed at the end of the test)."""
    started: list[Writer] = []

    def start() -> Writer:
        w = Writer(tmp_path)
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()


@pytest.fixture
def follow() -> Iterator[Callable[..., Following]]:
    """follow(*inputs) -> a Reader that has loaded the inputs and follows them in a thread."""
    started: list[Following] = []

    def start(*inputs: Path | str) -> Following:
        store = Store()
        messages: list[str] = []
        reader = Reader(store, resolve_inputs([str(i) for i in inputs], follow=True), on_status=lambda notice: messages.append(notice.text))
        reader.load(follow=True)
        stop = threading.Event()
        crashed: list[BaseException] = []

        def run() -> None:
            try:
                reader.follow(stop)
            except BaseException as exc:  # reported by the test, not lost in a thread
                crashed.append(exc)
                raise

        thread = threading.Thread(target=run, name="test-follow", daemon=True)
        thread.start()
        following = Following(store, reader, messages, stop, thread, crashed)
        started.append(following)
        return following

    yield start
    for f in started:
        f.stop.set()
        f.thread.join(5)
        f.reader.close()
    for f in started:
        assert not f.thread.is_alive(), "the follower did not stop within 5 s of being asked to"
        assert not f.crashed, f"the follower crashed: {f.crashed!r}"
