"""Nothing lost, nothing crashes: values that used to stop a read, written to real files and read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from tests.core.conftest import events as read_back  # each row re-read from its bytes, in time order
from tests.core.conftest import read_paths
from tui.core.present import time_text
from tui.core.sources import Reader, resolve_inputs
from tui.core.store import Store


def at(second: int) -> str:
    """An eventTime in the documented form, `second` seconds after 2026-11-20T10:00:00Z."""
    t = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC) + timedelta(seconds=second)
    return t.strftime("%Y-%m-%dT%H:%M:%S.00+0000")


# ----------------------------------------------------------------------------- times out of range

OUT_OF_RANGE_TIMES = [
    pytest.param(1e17, id="epoch-1e17"),
    pytest.param(260_000_000_000_000, id="epoch-ms-2.6e14"),
    pytest.param(-260_000_000_000_000, id="epoch-ms-negative"),
    pytest.param(1.7e308, id="epoch-huge-float"),
    pytest.param("0001-01-01T00:00:00+0100", id="before-year-1"),
    pytest.param("9999-12-31T23:59:59-01:00", id="after-year-9999"),
]


@pytest.mark.parametrize("when", OUT_OF_RANGE_TIMES)
def test_an_event_time_out_of_range_is_an_event_with_an_unusable_time(tmp_path, event, write_lines, read_path, when):
    rows = [event(action="svc.before.read", eventTime=at(0)),
            event(action="svc.odd.read", eventTime=when),
            event(action="svc.after.read", eventTime=at(1))]
    store = read_path(write_lines(tmp_path / "t.log", rows))
    assert store.errors == []
    # It keeps its file position, like an event without a time, and says why it has none.
    assert [store.text("action", r) for r in store.order] == ["svc.before.read", "svc.odd.read", "svc.after.read"]
    odd = store.order[1]
    assert not store.has_time(odd)
    assert time_text(store, odd) == "(time out of range)"
    assert store.event(odd).event["eventTime"] == when
    assert time_text(store, store.order[0]) == "2026-11-20 10:00:00.000"


def test_an_event_without_time_still_says_no_time(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "t.log", [event(eventTime=None), event(eventTime="soon")]))
    assert [time_text(store, r) for r in range(2)] == ["(no time)", "(no time)"]


@pytest.mark.parametrize("when, shown", [
    ("0001-01-01T00:00:00Z", "0001-01-01 00:00:00.000"),
    ("0001-01-01T01:00:00+0100", "0001-01-01 00:00:00.000"),
    ("9999-12-31T23:59:59.999999Z", "9999-12-31 23:59:59.999"),
    ("0999-05-06T07:08:09Z", "0999-05-06 07:08:09.000"),
    (253_402_300_799_000, "9999-12-31 23:59:59.000"),
])
def test_every_time_a_date_can_show_is_a_time(tmp_path, event, write_lines, read_path, when, shown):
    store = read_path(write_lines(tmp_path / "t.log", [event(eventTime=when)]))
    assert store.has_time(0)
    assert time_text(store, 0) == shown


def test_a_time_out_of_range_appended_while_following_does_not_stop_the_follower(tmp_path, event, line):
    path = tmp_path / "live.log"
    path.write_bytes(line(event(action="svc.first.read", eventTime=at(0))))
    store = Store()
    reader = Reader(store, resolve_inputs([str(path)]), parallel=False)
    try:
        reader.load(follow=True)
        with path.open("ab") as fh:
            fh.write(line(event(action="svc.odd.read", eventTime=1e17)))
            fh.write(line(event(action="svc.odd.read", eventTime="0001-01-01T00:00:00+0100")))
        reader.poll_all()
        with path.open("ab") as fh:
            fh.write(line(event(action="svc.later.read", eventTime=at(5))))
        reader.poll_all()
    finally:
        reader.close()
    assert [store.text("action", r) for r in store.order] == ["svc.first.read", "svc.odd.read", "svc.odd.read", "svc.later.read"]
    assert store.errors == []


# ----------------------------------------------------------------------------- one bad value, one error record


def test_a_value_that_cannot_be_indexed_is_an_error_record_and_the_read_goes_on(tmp_path, event, line, read_path):
    """An action nested deeper than the index can write as text: that line is an error record
    saying why, and the lines around it are read."""
    path = tmp_path / "t.log"
    bad = orjson.dumps({"action": "x"})[:-1] + b', "target": {"id": ' + b"[" * 400 + b'"x"' + b"]" * 400 + b"}}"
    path.write_bytes(line(event(action="svc.before.read", eventTime=at(0))) + bad + b"\n"
                     + line(event(action="svc.after.read", eventTime=at(1))))
    store = read_path(path)
    assert [store.text("action", r) for r in store.order] == ["svc.before.read", "svc.after.read"]
    [error] = store.errors
    assert (error.line, error.offset) == (2, len(line(event(action="svc.before.read", eventTime=at(0)))))
    assert "could not be read" in error.reason
    acc = store.accounting()
    assert acc["lines"] == 3 == acc["event_values"] + acc["errors"] + acc["blank"] + acc["skipped"]


# ----------------------------------------------------------------------------- shapes, value by value


def pretty(obj: object, *, blank_lines: bool = False) -> bytes:
    text = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    return text.replace(b"\n", b"\n\n") if blank_lines else text


def assert_every_line_counted(store: Store, data: bytes) -> dict[str, int]:
    """lines read = lines with events + lines of error records + blank lines, and lines read are the file's lines."""
    acc = store.accounting()
    assert acc["lines"] == data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    assert acc["lines"] == acc["event_values"] + acc["errors"] + acc["blank"] + acc["skipped"], acc
    return acc


def test_json_lines_followed_by_pretty_printed_events(tmp_path, event, line):
    flat = [event(action=f"svc.flat{i}.read", eventTime=at(i)) for i in range(1000)]
    nice = [event(action=f"svc.pretty{i}.read", eventTime=at(1000 + i)) for i in range(10)]
    data = b"".join(line(e) for e in flat) + b"\n".join(pretty(e) for e in nice) + b"\n"
    path = tmp_path / "mixed.log"
    path.write_bytes(data)
    store = read_paths(path)
    assert store.errors == []
    assert read_back(store) == flat + nice
    acc = assert_every_line_counted(store, data)
    assert acc["events"] == 1010


def test_pretty_printed_file_whose_first_line_is_a_comment(tmp_path, event):
    nice = [event(action=f"svc.pretty{i}.read", eventTime=at(i)) for i in range(5)]
    data = b"// exported from the docs\n" + b"\n".join(pretty(e) for e in nice) + b"\n"
    path = tmp_path / "doc.json"
    path.write_bytes(data)
    store = read_paths(path)
    assert read_back(store) == nice
    [error] = store.errors
    assert (error.line, error.offset) == (1, 0) and "comment" in error.reason
    assert_every_line_counted(store, data)


def test_lone_carriage_returns_between_events(tmp_path, event):
    evs = [event(action=f"svc.mac{i}.read", eventTime=at(i)) for i in range(5)]
    data = b"\r".join(orjson.dumps(e) for e in evs) + b"\r"
    path = tmp_path / "classic-mac.log"
    path.write_bytes(data)
    store = read_paths(path)
    assert store.errors == []
    assert read_back(store) == evs
    acc = assert_every_line_counted(store, data)
    assert (acc["lines"], acc["event_values"]) == (1, 1)  # values on one line count as one line


def test_pretty_printed_event_with_blank_lines_after_json_lines(tmp_path, event, line):
    """As documentation converted to text shows events: a blank line between each of its lines."""
    first = event(action="svc.flat.read", eventTime=at(0))
    doc = event(action="svc.documented.read", eventTime=at(1))
    data = line(first) + b"\n" + pretty(doc, blank_lines=True) + b"\n" + line(event(action="svc.after.read", eventTime=at(2)))
    path = tmp_path / "doc.log"
    path.write_bytes(data)
    store = read_paths(path)
    assert store.errors == []
    assert [e["action"] for e in read_back(store)] == ["svc.flat.read", "svc.documented.read", "svc.after.read"]
    acc = assert_every_line_counted(store, data)
    assert acc["blank"] == 1  # the blank line between the two values; those inside the value are its own


def test_a_byte_order_mark_at_the_start_of_a_later_line(tmp_path, event, line):
    """`cat a.jsonl b.jsonl` where both files start with a byte order mark."""
    a = [event(action="svc.a.read", eventTime=at(0)), event(action="svc.a2.read", eventTime=at(1))]
    b = [event(action="svc.b.read", eventTime=at(2)), event(action="svc.b2.read", eventTime=at(3))]
    data = b"\xef\xbb\xbf" + b"".join(line(e) for e in a) + b"\xef\xbb\xbf" + b"".join(line(e) for e in b)
    path = tmp_path / "both.jsonl"
    path.write_bytes(data)
    store = read_paths(path)
    assert store.errors == []
    assert read_back(store) == a + b
    assert_every_line_counted(store, data)


def test_values_and_text_sharing_lines_count_each_line_once(tmp_path, event, line):
    good = orjson.dumps(event(action="svc.good.read", eventTime=at(0)))
    data = (good + b"{oops}" + good + b"\n"          # one line: two events and something not JSON
            + b"[" + good + b", 42]\n"                 # an array with an element that is no event
            + b"42 43\n"                               # two values, neither an event
            + b"{\n  \"level\": \"info\"\n}\n"         # a value over three lines, not an event
            + good + b"\n")
    path = tmp_path / "shared.log"
    path.write_bytes(data)
    store = read_paths(path)
    assert len(store) == 4
    starts = [0] + [i + 1 for i, c in enumerate(data) if c == 0x0A]
    assert [(e.line, e.offset) for e in store.errors] == [(1, len(good)), (2, starts[1]), (3, starts[2]), (4, starts[3])]
    assert "2 more" not in store.errors[0].reason
    acc = assert_every_line_counted(store, data)
    assert (acc["event_values"], acc["errors"]) == (1, 6)


def test_a_pretty_printed_value_written_in_two_parts_while_following(tmp_path, event, line):
    path = tmp_path / "live.json"
    path.write_bytes(line(event(action="svc.first.read", eventTime=at(0))))
    doc = pretty(event(action="svc.pretty.read", eventTime=at(1))) + b"\n"
    cut = doc.index(b'"initiator"') + 5  # inside a string, on a line of its own
    store = Store()
    reader = Reader(store, resolve_inputs([str(path)]), parallel=False)
    try:
        reader.load(follow=True)
        for part in (doc[:cut], doc[cut:], line(event(action="svc.last.read", eventTime=at(2)))):
            with path.open("ab") as fh:
                fh.write(part)
            reader.poll_all()
            assert store.errors == []
    finally:
        reader.close()
    assert [e["action"] for e in read_back(store)] == ["svc.first.read", "svc.pretty.read", "svc.last.read"]
    assert_every_line_counted(store, path.read_bytes())


def _mixed_file(event, line, n: int) -> tuple[bytes, int]:
    """JSON lines with pretty-printed events, pretty-printed arrays and bad lines among them;
    and how many events it holds."""
    parts = []
    events = 0
    for i in range(n):
        e = event(action=f"svc.obj{i}.read", eventTime=at(i), message="x" * (i % 50))
        if i % 37 == 5:
            parts.append(pretty(e, blank_lines=i % 2 == 0) + b"\n")
            events += 1
        elif i % 101 == 50:
            parts.append(b"[\n" + b",\n".join(pretty(event(action=f"svc.arr{i}.e{k}", eventTime=at(i))) for k in range(3)) + b"\n]\n")
            events += 3
        elif i % 53 == 7:
            parts.append(b"{\"action\": broken\n")
        else:
            parts.append(line(e))
            events += 1
    return b"".join(parts), events


def test_chunks_read_in_parallel_agree_with_one_read_when_values_cross_their_bounds(tmp_path, monkeypatch, event, line):
    from tui.core.sources import ranges
    from tui.core.sources import reader as sources

    data, count = _mixed_file(event, line, 1500)
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    one = read_paths(path)
    assert len(one) == count
    assert_every_line_counted(one, data)
    monkeypatch.setattr(sources, "PARALLEL_THRESHOLD", 64 * 1024)
    monkeypatch.setattr(sources, "TAIL_FIRST_BYTES", 16 * 1024)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 7 * 1024)
    # Chunk bounds then fall on any line, inside pretty-printed values and arrays too.
    monkeypatch.setattr(ranges, "BOUNDARY_SEARCH_BYTES", 16)
    chunked = read_paths(path, parallel=True)
    assert read_back(chunked) == read_back(one)
    assert sorted((e.line, e.offset, e.reason) for e in chunked.errors) == sorted((e.line, e.offset, e.reason) for e in one.errors)
    assert chunked.accounting() == one.accounting()


# ----------------------------------------------------------------------------- every shape at once


def _fuzzed_file(event, seed: int, n: int) -> tuple[bytes, set[str]]:
    """n pieces of every shape, good and bad, mixed at random; and the actions of the events
    that must be found whatever surrounds them."""
    import random

    rng = random.Random(seed)
    parts: list[bytes] = []
    must: set[str] = set()
    for i in range(n):
        e = event(action=f"svc.v{i}.read", eventTime=at(rng.randrange(-5, 3600)), message="m" * rng.randrange(40))
        roll = rng.random()
        if roll < 0.45:
            parts.append(orjson.dumps(e))
            must.add(e["action"])
        elif roll < 0.52:
            indent = rng.choice([orjson.OPT_INDENT_2, 0])
            text = orjson.dumps(e, option=orjson.OPT_INDENT_2) if indent else orjson.dumps(e, option=0).replace(b",", b",\n    ")
            parts.append(text.replace(b"\n", b"\n\n") if rng.random() < 0.3 else text)
            must.add(e["action"])
        elif roll < 0.56:
            two = event(action=f"svc.w{i}.read", eventTime=at(i))
            parts.append(orjson.dumps(e) + rng.choice([b"", b" ", b"\r", b","]) + orjson.dumps(two))
            must.update((e["action"], two["action"]))
        elif roll < 0.59:
            items = [event(action=f"svc.a{i}.e{k}", eventTime=at(i)) for k in range(3)]
            parts.append(orjson.dumps(items, option=orjson.OPT_INDENT_2) if rng.random() < 0.5 else orjson.dumps(items))
            must.update(x["action"] for x in items)
        elif roll < 0.61:
            parts.append(b"\xef\xbb\xbf" + orjson.dumps(e))
            must.add(e["action"])
        elif roll < 0.63:
            parts.append(b"data: " + orjson.dumps({"result": {"results": [{"user_data": orjson.dumps(e).decode()}]}}))
            must.add(e["action"])
        elif roll < 0.72:
            parts.append(rng.choice([b"", b"   ", b"\t", b" \r"]))
        elif roll < 0.80:
            parts.append(rng.choice([b"# comment", b"// {\"action\": \"x\"}", b"42", b"[1, 2]", b"{oops}", b"[]",
                                     b'{"level": "info"}', b"]", b"}", b"plain text", b'"a string"',
                                     b"[" * 300 + b"]" * 300, b"{\"deep\": " + b"[" * 1100 + b"]" * 1100 + b"}",
                                     b'{"action": "cut.off", "eventTime": "2026-']))
        elif roll < 0.83:
            # A pretty-printed value cut off (a writer killed mid-value).
            text = orjson.dumps(e, option=orjson.OPT_INDENT_2)
            parts.append(text[:rng.randrange(1, len(text) - 1)])
        else:
            parts.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 30))))
    return b"\n".join(parts) + b"\n", must


def _outcome(store: Store) -> tuple:
    """What a user sees of a read: each event re-read with where it is, each error, the counts."""
    rows = sorted((store.offsets[r], store.subs[r],
                   orjson.dumps(store.event(r).event, option=orjson.OPT_SORT_KEYS)) for r in range(len(store)))
    errors = sorted((e.line, e.offset, e.reason, e.excerpt) for e in store.errors)
    return rows, errors, store.accounting()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_fuzzed_file_of_every_shape_read_at_once_followed_or_in_chunks(tmp_path, monkeypatch, event, seed):
    import random

    from tui.core.sources import ranges
    from tui.core.sources import reader as sources

    data, must = _fuzzed_file(event, seed, 2500)
    path = tmp_path / "fuzz.log"
    path.write_bytes(data)
    once = read_paths(path)
    # Nothing lost: every line is counted once, every event whatever surrounds it is found and
    # re-read, every row re-reads as an event.
    assert_every_line_counted(once, data)
    found = {once.text("action", r) for r in range(len(once))}
    assert must <= found
    assert all(once.event(r).event is not None for r in range(len(once)))
    expected = _outcome(once)

    # Followed: the same bytes appended in pieces cut anywhere.
    rng = random.Random(seed)
    live = tmp_path / "live.log"
    live.write_bytes(b"")
    store = Store()
    reader = Reader(store, resolve_inputs([str(live)]), parallel=False)
    try:
        reader.load(follow=True)
        pos = 0
        while pos < len(data):
            step = rng.choice([1, 7, 100, 2000, 30000])
            with live.open("ab") as fh:
                fh.write(data[pos:pos + step])
            pos += step
            reader.poll_all()
        reader.tails[str(live)].read_new(final=True)
    finally:
        reader.close()
    assert _outcome(store) == expected

    # In parallel chunks whose bounds fall on any line.
    monkeypatch.setattr(sources, "PARALLEL_THRESHOLD", 64 * 1024)
    monkeypatch.setattr(sources, "TAIL_FIRST_BYTES", 16 * 1024)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 20 * 1024)
    monkeypatch.setattr(ranges, "BOUNDARY_SEARCH_BYTES", 16)
    chunked = read_paths(path, parallel=True)
    assert _outcome(chunked) == expected


# ----------------------------------------------------------------------------- large and deep values


def test_ten_thousand_levels_of_nesting_stay_an_error_record(tmp_path, event, line):
    before = line(event(action="svc.before.read", eventTime=at(0)))
    deep = b"[" * 10_000 + b"]" * 10_000
    deep_object = b'{"action": "svc.deep.read", "requestData": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    data = before + deep + b"\n" + deep_object + b"\n" + line(event(action="svc.after.read", eventTime=at(1)))
    path = tmp_path / "deep.log"
    path.write_bytes(data)
    store = read_paths(path)
    assert [store.text("action", r) for r in store.order] == ["svc.before.read", "svc.after.read"]
    assert [(e.line, e.reason) for e in store.errors] == [(2, "too deeply nested"), (3, "too deeply nested")]
    assert_every_line_counted(store, data)


def test_a_one_line_array_of_several_megabytes_is_read_element_by_element(tmp_path, event):
    """A whole file that is one JSON array on one line, larger than the largest value kept
    whole: its elements are read as they come (a 200 MB one works the same way)."""
    from tui.core.decode import MAX_VALUE_BYTES

    evs = [event(action=f"svc.e{i}.read", eventTime=at(i % 3600)) for i in range(MAX_VALUE_BYTES // 700)]
    data = orjson.dumps(evs)
    assert len(data) > MAX_VALUE_BYTES
    path = tmp_path / "export.json"
    path.write_bytes(data)
    store = read_paths(path)
    assert store.errors == []
    assert len(store) == len(evs)
    rows = sorted(range(len(store)), key=store.offsets.__getitem__)
    for i in (0, 1, len(evs) // 2, len(evs) - 1):  # each row re-reads its own element
        assert store.event(rows[i]).event == evs[i]
    acc = assert_every_line_counted(store, data)
    assert acc["event_values"] == 1


def test_lines_too_large_in_a_file_read_in_parallel_chunks(tmp_path, monkeypatch, event, line):
    """A line over the largest value inside a large file: one error record with its line and
    offset when it is one value, its events when it holds many (values on one line, an array);
    the lines after it keep their numbers."""
    from tui.core.decode import MAX_VALUE_BYTES
    from tui.core.sources import reader as sources

    huge_value = orjson.dumps(event(action="svc.huge.read", message="x" * (MAX_VALUE_BYTES + 10)))
    many = [event(action=f"svc.cr{i}.read", eventTime=at(i)) for i in range(MAX_VALUE_BYTES // 700 + 10)]
    lone_crs = b"\r".join(orjson.dumps(e) for e in many)
    array = orjson.dumps([event(action=f"svc.arr{i}.read", eventTime=at(i)) for i in range(len(many))])
    parts = [line(event(action=f"svc.n{i}.read", eventTime=at(i))) for i in range(3000)]
    parts[500:500] = [huge_value + b"\n"]
    parts[1500:1500] = [lone_crs + b"\n"]
    parts[2500:2500] = [array + b"\n"]
    data = b"".join(parts)
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    monkeypatch.setattr(sources, "PARALLEL_THRESHOLD", 64 * 1024)
    monkeypatch.setattr(sources, "TAIL_FIRST_BYTES", 16 * 1024)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 256 * 1024)
    for parallel in (True, False):
        store = read_paths(path, parallel=parallel)
        [error] = store.errors
        assert (error.line, error.offset) == (501, sum(map(len, parts[:500])))
        assert "too large" in error.reason
        assert len(store) == 3000 + 2 * len(many)
        actions = {store.text("action", r) for r in range(len(store))}
        assert {"svc.n2999.read", f"svc.cr{len(many) - 1}.read", f"svc.arr{len(many) - 1}.read"} <= actions
        assert_every_line_counted(store, data)


# ----------------------------------------------------------------------------- read back exactly


def test_keys_written_twice_are_said_wherever_they_are(tmp_path):
    from catalog import loader
    from tui.core.present import findings_level

    inner = '{"action": "svc.inner.read", "eventTime": "2026-11-20T10:00:03.00+0000", "action": "evil.inner.x"}'
    deep = b"[" * 1000 + b"]" * 1000
    lines = [
        b'{"action": "svc.top.read", "eventTime": "2026-11-20T10:00:00.00+0000", "action": "evil.x.y"}',
        b'{"action":"svc.nested.read","eventTime":"2026-11-20T10:00:01.00+0000","requestData":{"lock":true,"lock":false}}',
        (b'{"action": "svc.string.read", "eventTime": "2026-11-20T10:00:02.00+0000", '
         b'"requestData": "{\\"mfa\\": \\"TOTP\\", \\"mfa\\": \\"NONE\\"}"}'),
        b'{"_source": {"_host": "h", "_line": ' + orjson.dumps(inner) + b"}}",
        b'{"action": "svc.deep.read", "eventTime": "2026-11-20T10:00:04.00+0000", "x": ' + deep + b', "action": "b"}',
        b'{"action": "svc.plain.read", "eventTime": "2026-11-20T10:00:05.00+0000", "note": "a: b, c: d"}',
        b'{"action":"svc.compact.read","eventTime":"2026-11-20T10:00:06.00+0000","n":12345678901234567890123}',
    ]
    path = tmp_path / "dup.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    store = read_paths(path)
    assert store.errors == []
    found = {}
    for row in range(len(store)):
        record = store.event(row)
        found[record.event["action"]] = [(d.where, d.key, d.values) for d in record.duplicates]
    assert found == {
        "evil.x.y": [(("action",), "action", ("svc.top.read", "evil.x.y"))],
        "svc.nested.read": [(("requestData", "lock"), "lock", (True, False))],
        "svc.string.read": [(("requestData", "mfa"), "mfa", ("TOTP", "NONE"))],
        "evil.inner.x": [(("action",), "action", ("svc.inner.read", "evil.inner.x"))],
        "b": [((), "", ())],  # too deep for Python's reader: said, but not where
        "svc.plain.read": [],
        "svc.compact.read": [],
    }
    # An integer beyond 64 bits is read back as itself, not as the float orjson reads.
    compact = next(store.event(r).event for r in range(len(store)) if store.text("action", r) == "svc.compact.read")
    assert compact["n"] == 12345678901234567890123
    # The table marks each such row as a security finding.
    catalog = loader.default()
    marks = {store.event(r).event["action"]: findings_level(store.event(r), catalog) for r in range(len(store))}
    assert {a for a, m in marks.items() if m == "security"} == {"evil.x.y", "svc.nested.read", "svc.string.read", "evil.inner.x", "b"}
