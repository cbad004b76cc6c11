"""Time buckets and frequencies over a view, checked against a straightforward reading of every event."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest

from tests.core.conftest import event, line, read_path, read_paths
from tui.core import generator
from tui.core.decode import parse_time_us
from tui.core.filtering import Filter, field_texts
from tui.core.query import field_ref, parse
from tui.core.timeline import (
    INTERVALS,
    MAX_BUCKETS,
    TooManyBuckets,
    fit_interval,
    frequencies,
    histogram,
    interval_text,
    parse_interval,
    person,
    spark_range,
    spark_text,
)
from tui.core.people import identity_texts
from tui.core.timespec import TimeSpecError

MINUTE = 60_000_000
HOUR = 60 * MINUTE
SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"


def reference_events(paths: list[Path]) -> list[dict]:
    """Every event of JSON-lines files, read one by one."""
    out = []
    for path in paths:
        for raw in path.read_bytes().splitlines():
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if isinstance(value, dict) and ("action" in value or "eventTime" in value):
                out.append(value)
    return out


def is_failure(ev: dict) -> bool:
    return str(ev.get("outcome", "")).lower() == "failure"


def is_critical(ev: dict) -> bool:
    return str(ev.get("severity", "")).lower() == "critical"


def reference_histogram(events: list[dict], interval: int) -> tuple[dict[int, list[int]], int]:
    """Bucket start -> [events, failures, critical], and the events with no readable time."""
    buckets: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    untimed = 0
    for ev in events:
        t = parse_time_us(ev.get("eventTime"))
        if t is None:
            untimed += 1
            continue
        counts = buckets[t - t % interval]
        counts[0] += 1
        counts[1] += is_failure(ev)
        counts[2] += is_critical(ev)
    return buckets, untimed


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("timeline") / "gen.log"
    generator.write_file(path, 5_000, seed=3)
    return path, read_path(path), reference_events([path])


@pytest.mark.parametrize("interval", [MINUTE, 5 * MINUTE, HOUR, 24 * HOUR])
def test_buckets_match_a_reading_of_every_event(generated, interval):
    _, store, events = generated
    found = histogram(store, Filter(store, parse("")).rows(), interval)
    expected, untimed = reference_histogram(events, interval)
    assert found.untimed == untimed
    shown = {b.start_us: [b.events, b.failures, b.critical] for b in found.buckets if b.events}
    assert shown == dict(expected)
    # Empty buckets are there too, one per interval from the first to the last.
    starts = [b.start_us for b in found.buckets]
    assert starts == list(range(min(expected), max(expected) + 1, interval))
    assert sum(b.events for b in found.buckets) == len(events) - untimed


def test_a_query_counts_only_its_events(generated):
    _, store, events = generated
    rows = Filter(store, parse("initiator.name:*@example.com -action:*.login")).rows()
    found = histogram(store, rows, HOUR)
    assert sum(b.events for b in found.buckets) == len(rows)
    kept = {r for r in rows}
    ours = [store.event(r).event for r in sorted(kept)]
    expected, _ = reference_histogram(ours, HOUR)
    assert {b.start_us: [b.events, b.failures, b.critical] for b in found.buckets if b.events} == dict(expected)


def test_failures_and_critical_read_as_the_query_language_reads_them(tmp_path):
    events = [
        event(eventTime="2026-11-20T10:00:01Z", outcome="failure", severity="critical"),
        event(eventTime="2026-11-20T10:00:02Z", outcome="FAILURE", severity="warning"),
        event(eventTime="2026-11-20T10:00:03Z", outcome="success", severity="Critical"),
        event(eventTime="2026-11-20T10:00:04Z", outcome="pending", severity="normal"),
        event(eventTime="2026-11-20T10:01:30Z", outcome=None, severity=None),
    ]
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(line(e) for e in events))
    store = read_path(path)
    found = histogram(store, Filter(store, parse("")).rows(), MINUTE)
    assert [(b.events, b.failures, b.critical) for b in found.buckets] == [(4, 2, 2), (1, 0, 0)]
    assert len(Filter(store, parse("outcome:failure")).rows()) == 2
    assert len(Filter(store, parse("severity:critical")).rows()) == 2


def test_events_with_no_time_are_counted_apart(tmp_path):
    events = [event(eventTime="2026-11-20T10:00:01Z"), event(eventTime=None), event(eventTime="not a time"),
              event(eventTime="2026-11-20T10:05:00Z")]
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(line(e) for e in events))
    store = read_path(path)
    found = histogram(store, Filter(store, parse("")).rows(), MINUTE)
    assert found.untimed == 2
    assert [b.events for b in found.buckets] == [1, 0, 0, 0, 0, 1]


def test_bounds_set_the_first_and_last_bucket_even_when_empty(generated):
    _, store, events = generated
    times = sorted(t for t in (parse_time_us(e.get("eventTime")) for e in events) if t is not None)
    since = times[0] - 3 * HOUR + 17
    until = times[-1] + 2 * HOUR
    rows = Filter(store, parse(""), since_us=since, until_us=until).rows()
    found = histogram(store, rows, HOUR, since_us=since, until_us=until)
    assert found.buckets[0].start_us == since - since % HOUR
    assert found.buckets[0].events == 0
    assert found.buckets[-1].start_us == (until - 1) - (until - 1) % HOUR
    assert sum(b.events for b in found.buckets) == len(times)


def test_nothing_to_count_gives_no_buckets(generated):
    _, store, _ = generated
    assert histogram(store, [], HOUR).buckets == ()


def test_too_many_buckets_is_refused_with_an_interval_that_fits(generated):
    _, store, _ = generated
    rows = Filter(store, parse("")).rows()
    with pytest.raises(TooManyBuckets) as caught:
        histogram(store, rows, 1_000_000, since_us=0, until_us=MAX_BUCKETS * 10**6 * 3)
    assert caught.value.count > MAX_BUCKETS
    assert caught.value.suggestion in INTERVALS
    assert caught.value.suggestion * MAX_BUCKETS >= MAX_BUCKETS * 10**6 * 3


@pytest.mark.parametrize(("text", "us"), [("30s", 30_000_000), ("5m", 5 * MINUTE), ("1h", HOUR), ("1d", 24 * HOUR),
                                           ("1w", 7 * 24 * HOUR), ("15 min", 15 * MINUTE), ("2H", 2 * HOUR)])
def test_intervals_as_users_type_them(text, us):
    assert parse_interval(text) == us


@pytest.mark.parametrize("text", ["", "5", "0m", "-5m", "1.5s", "5x", "now-1h", "0.5ms"])
def test_intervals_that_are_not_say_so(text):
    with pytest.raises(TimeSpecError):
        parse_interval(text)


@pytest.mark.parametrize(("us", "text"), [(30_000_000, "30s"), (5 * MINUTE, "5m"), (HOUR, "1h"), (24 * HOUR, "1d"),
                                           (7 * 24 * HOUR, "7d"), (90 * MINUTE, "90m")])
def test_interval_names(us, text):
    assert interval_text(us) == text


def test_the_interval_fitted_to_a_width_is_the_finest_that_fits():
    for span in (1, 59 * 10**6, HOUR, 3 * HOUR + 5, 40 * 24 * HOUR):
        for slots in (10, 60, 150):
            chosen = fit_interval(span, slots)
            assert chosen in INTERVALS
            assert span // chosen + 2 <= slots or chosen == INTERVALS[-1]
            finer = [i for i in INTERVALS if i < chosen]
            assert not finer or span // finer[-1] + 2 > slots


# ----------------------------------------------------------------------------- frequencies


def reference_frequencies(store, refs, rows):
    keys = list(zip(*(field_texts(store, ref, rows) for ref in refs)))
    count: Counter = Counter()
    failures: Counter = Counter()
    first: dict = {}
    last: dict = {}
    for key, row in zip(keys, rows):
        ev = store.event(row).event
        count[key] += 1
        failures[key] += is_failure(ev)
        t = parse_time_us(ev.get("eventTime"))
        if t is not None:
            first[key] = min(first.get(key, t), t)
            last[key] = max(last.get(key, t), t)
    return {key: (count[key], failures[key], first.get(key), last.get(key)) for key in count}


@pytest.mark.parametrize("fields", [["initiator"], ["action"], ["code"], ["action", "outcome"], ["requestData.client_ip"],
                                    ["initiator.host.agent"]])
@pytest.mark.parametrize("query", ["", "outcome:failure", "-action:iam-identity.*"])
def test_frequencies_match_a_reading_of_every_event(fields, query):
    paths = sorted(SAMPLES.glob("*.jsonl"))
    store = read_paths(*paths)
    refs = [field_ref(f) for f in fields]
    rows = Filter(store, parse(query)).rows()
    found = frequencies(store, refs, rows)
    assert {f.values: (f.count, f.failures, f.first_us, f.last_us) for f in found} == reference_frequencies(store, refs, rows)
    assert [f.count for f in found] == sorted((f.count for f in found), reverse=True)
    assert sum(f.count for f in found) == len(rows)


def test_frequencies_at_column_speed_agree_with_the_generated_stream(generated):
    _, store, _ = generated
    refs = [field_ref("initiator")]
    rows = Filter(store, parse("")).rows()
    found = frequencies(store, refs, rows)
    assert {f.values: (f.count, f.failures, f.first_us, f.last_us) for f in found} == reference_frequencies(store, refs, rows)


# ----------------------------------------------------------------------------- sparklines


def reference_sparks(store, refs, rows, start: int, width: int, buckets: int) -> dict:
    """Value -> events per bucket, from each event's own time."""
    keys = list(zip(*(field_texts(store, ref, rows) for ref in refs)))
    out: dict = defaultdict(lambda: [0] * buckets)
    for key, row in zip(keys, rows):
        t = parse_time_us(store.event(row).event.get("eventTime"))
        if t is not None and start <= t < start + width * buckets:
            out[key][(t - start) // width] += 1
    return out


@pytest.mark.parametrize("fields", [["action"], ["outcome"], ["initiator"], ["initiator.host.address"], ["identity"]])
@pytest.mark.parametrize("query", ["", "outcome:failure"])
def test_sparklines_match_a_reading_of_every_event(generated, fields, query):
    _, store, _ = generated
    refs = [field_ref(f) for f in fields]
    rows = Filter(store, parse(query)).rows()
    found = frequencies(store, refs, rows, spark_buckets=24, spark_top=10)
    start, width = spark_range(store, rows, 24)
    expected = reference_sparks(store, refs, rows, start, width, 24)
    for f in found[:10]:
        assert list(f.spark) == expected[f.values], f.values
        assert sum(f.spark) == f.count  # every event of the view is in the range
    assert all(f.spark == () for f in found[10:])


def test_sparklines_cover_the_time_range_asked_for(generated):
    _, store, events = generated
    times = sorted(t for t in (parse_time_us(e.get("eventTime")) for e in events) if t is not None)
    since, until = times[len(times) // 2], times[-1] + HOUR
    rows = Filter(store, parse(""), since_us=since, until_us=until).rows()
    found = frequencies(store, [field_ref("outcome")], rows, spark_buckets=10, since_us=since, until_us=until)
    start, width = spark_range(store, rows, 10, since_us=since, until_us=until)
    assert start == since and start + 10 * width >= until > start + 9 * width
    expected = reference_sparks(store, [field_ref("outcome")], rows, start, width, 10)
    assert {f.values: list(f.spark) for f in found} == dict(expected)


def test_spark_text_draws_the_highest_bucket_full_and_empty_ones_blank():
    assert spark_text([0, 1, 2, 4, 8]) == " ▁▂▄█"
    assert spark_text([1, 1]) == "██"
    assert spark_text([0, 0]) == "  "
    assert spark_text([1, 100]) == "▁█"
    assert spark_text([2], scale=16) == "▁"


# ----------------------------------------------------------------------------- a person


def test_a_person_is_every_event_of_their_identity(generated):
    from catalog.explain import agent_kind

    _, store, _ = generated
    rows = list(Filter(store, parse("")).rows())
    labels = identity_texts(store, rows)
    label = Counter(labels).most_common(3)[-1][0]
    mine = [r for r, text in zip(rows, labels) if text == label]
    found = person(store, label, spark_buckets=12)
    assert found.label == label and found.events == len(mine)
    evs = [store.event(r).event for r in mine]
    assert found.failures == sum(map(is_failure, evs))
    stamps = [parse_time_us(e.get("eventTime")) for e in evs]
    assert (found.first_us, found.last_us) == (min(stamps), max(stamps))
    assert {f.values[0]: f.count for f in found.actions} == Counter(e["action"] for e in evs)
    assert {f.values[0]: f.count for f in found.addresses} == Counter(e["initiator"]["host"]["address"] for e in evs)
    agents = Counter(e["initiator"]["host"]["agent"] for e in evs)
    assert {a.agent: a.frequency.count for a in found.agents} == agents
    assert [a.frequency.count for a in found.agents] == sorted(agents.values(), reverse=True)
    for a in found.agents:
        kinds = Counter(agent_kind(e["initiator"]["host"]["agent"], e["initiator"]["credential"]["type"],
                                   e["initiator"]["typeURI"]) for e in evs if e["initiator"]["host"]["agent"] == a.agent)
        assert a.kind in kinds
    assert sum(found.spark) == found.events
    assert len(Filter(store, parse(found.query)).rows()) == found.events
    # Called by any of their names or ids, a person is the same.
    for member in found.members:
        assert person(store, member).events == found.events


@pytest.mark.parametrize(("agent", "credential", "type_uri", "kind"), [
    ("Not Set", "token", "service/security/account/user", "UI, token"),
    ("IBM Cloud CLI 2.29.1 / linux", "apikey", "service/security/account/user", "CLI, API key"),
    ("ibm-cloud-sdk-go/1.2", "apikey", "service/security/account/serviceid", "API, service ID, API key"),
    ("curl/8", "profile", "service/security/account/profile", "API, trusted profile"),
    ("IBM Cloud CLI\x1b[31m", "apikey", "", "API, API key"),
])
def test_how_an_agent_came_reuses_what_the_detail_pane_says(agent, credential, type_uri, kind):
    from catalog.explain import agent_kind

    assert agent_kind(agent, credential, type_uri) == kind


def test_only_fields_the_store_does_not_keep_are_read_from_every_event():
    from tui.core.filtering import read_from_events

    kept = ["action", "outcome", "severity", "initiator", "target", "code", "identity", "section", "initiator.id"]
    for name in kept:
        assert not any(read_from_events(path) for path in field_ref(name).paths), name
    for name in ["initiator.host.agent", "requestData.lock", "correlationId", "message"]:
        assert all(read_from_events(path) for path in field_ref(name).paths), name


def test_frequencies_of_a_store_read_out_of_time_order(tmp_path):
    """The later file read holds the older events: the table's order is two runs of rows, not one."""
    newer, older = tmp_path / "b.log", tmp_path / "a.log"
    generator.write_file(newer, 600, seed=8)
    events = [orjson.loads(raw) for raw in newer.read_bytes().splitlines()]
    shifted = []
    for ev in events[:300]:
        t = parse_time_us(ev["eventTime"]) - 30 * 24 * HOUR
        shifted.append(dict(ev, eventTime=f"{t // 1_000_000}"))
    older.write_bytes(b"".join(line(e) for e in shifted))
    store = read_paths(newer, older)
    rows = Filter(store, parse("")).rows()
    assert list(rows) != sorted(rows)
    for fields in (["action"], ["outcome"], ["initiator"]):
        refs = [field_ref(f) for f in fields]
        found = frequencies(store, refs, rows, spark_buckets=16)
        assert {f.values: (f.count, f.failures, f.first_us, f.last_us) for f in found} == \
            reference_frequencies(store, refs, rows)
        start, width = spark_range(store, rows, 16)
        expected = reference_sparks(store, refs, rows, start, width, 16)
        assert {f.values: list(f.spark) for f in found} == dict(expected)
