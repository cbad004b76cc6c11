"""Queries that used to crash or never finish: wildcards over long values (matched in linear time
now), a thousand negations, and a query cancelled in the middle of its scan."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.cli.helpers import assert_usage_error, run
from tests.core.conftest import event, read_paths, write_lines
from tests.core.reference import reference_rows
from tui.core import filtering
from tui.core.filtering import Cancelled, Filter
from tui.core.query import parse

#: Far more than these queries need now; a backtracking match of them ran for minutes to hours.
GENEROUS = 120


def count(path: Path, query: str) -> int:
    """`atlens query PATH -q QUERY --count` as a real process, which must answer."""
    result = run(str(path), "-q", query, "--count", timeout=GENEROUS)
    assert "Traceback" not in result.stderr.decode()
    assert result.returncode in (0, 1), result.stderr.decode()
    return int(result.stdout)


@pytest.fixture(scope="module")
def long_values(tmp_path_factory) -> Path:
    """Three events with 3,000-character messages (one ends in j), and one with a 100 KB target name
    (no other field of these events holds a q or a j)."""
    folder = tmp_path_factory.mktemp("long")
    return write_lines(folder / "long.jsonl", [
        event(message="q" * 3000),
        event(message="q" * 2999 + "j"),
        event(message="xq" * 1500),
        event(target={"name": "prod-" + "x" * 100_000 + "-dbz", "id": "t1"}, message="short"),
    ])


@pytest.mark.parametrize("query, expected", [
    ("message:*q*q*q*q*j", 1),
    ("message:*q*q*q*q*q", 2),
    ("*q*q*q*q*j", 1),
    ("*q*q*q*q*J*", 1),
    ("target:*prod*db*", 1),
    ("target:*prod*db", 0),
    ("*prod*db*", 1),
    ("*prod*dbq*", 0),
    ("message:/(q|qq)*(q|qq)*j/", 1),
])
def test_wildcards_over_long_values_answer(long_values: Path, query: str, expected: int) -> None:
    assert count(long_values, query) == expected


def test_many_wildcards_over_many_events_agree_with_the_reference(tmp_path: Path) -> None:
    events = [event(message=f"{'e' * (i % 40)}x{'e' * (i % 7)}", action=f"svc.e{i % 5}.x") for i in range(2000)]
    store = read_paths(write_lines(tmp_path / "many.jsonl", events))
    for query in ("message:*e*e*e*x*", "*e*e*e*x*", "message:?e*e?x*", "action:*e*e*"):
        node = parse(query)
        assert list(Filter(store, node).rows()) == reference_rows(store, node), query


@pytest.mark.parametrize("prefix", ["NOT ", "-", "!"])
def test_a_thousand_negations_answer(tmp_path: Path, prefix: str) -> None:
    store = read_paths(write_lines(tmp_path / "a.jsonl", [event(), event(outcome="failure")]))
    for times in (1000, 1001):
        node = parse(prefix * times + "outcome:failure")
        rows = Filter(store, node).rows()
        assert list(rows) == reference_rows(store, node)
        assert len(rows) == 1


def test_a_thousand_negations_from_the_command_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [event(), event(outcome="failure")])
    assert count(path, "NOT " * 1000 + "outcome:failure") == 1
    assert count(path, "-" * 1001 + "outcome:failure") == 1


@pytest.mark.parametrize("query", ["alice", "al*ce", "requestData.client_ip:192.*", "message:/.*login.*/"])
def test_a_scan_stops_when_cancelled(tmp_path: Path, query: str) -> None:
    """A newer query cancels the scan between the steps of one clause, not only between clauses."""
    store = read_paths(write_lines(tmp_path / "a.jsonl", [event() for _ in range(500)]))
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # the query is replaced just after its scan starts

    with pytest.raises(Cancelled):
        Filter(store, parse(query)).rows(cancelled=cancelled)


def test_a_regular_expression_needing_too_many_states_is_refused_clearly(tmp_path: Path) -> None:
    # `.*a.{14}` remembers where each of the last 15 a's were: 2**15 states over a varied value
    varied = "".join(random.Random(7).choices("ab", k=60_000))
    path = write_lines(tmp_path / "a.jsonl", [event(message=varied)])
    result = run(str(path), "-q", "message:/.*a.{14}/", "--count", timeout=GENEROUS)
    assert_usage_error(result, "/.*a.{14}/", "states", "simplify")


@pytest.mark.parametrize("every", [1, 50], ids=["often", "seldom"])
@pytest.mark.parametrize("needle", ["ServiceId-4148-5039-422a", "SERVICEID-4148-5039-422A", "4148-5039", "-5039-", "x-4148"])
def test_free_text_found_by_its_letter_free_part_in_any_case(tmp_path: Path, needle: str, every: int) -> None:
    """A needle is looked for by its part without letters in the raw bytes: it is still found in
    any case, once per event, and an event holding only that part is not taken for it (whether
    that part occurs seldom, or so often that every byte is read instead)."""
    events = []
    for i in range(3000):
        if i % 100 == 7:
            name = "serviceid-4148-5039-422A" if i % 200 == 7 else "ServiceId-4148-5039-422a"
            events.append(event(target={"name": name, "id": f"x-4148 {name}"}))
        elif i % every == 0:
            events.append(event(message=f"request id-4148-5039-422{i % 10} and -5039- again x-4148"))
        else:
            events.append(event())
    store = read_paths(write_lines(tmp_path / "a.jsonl", events))
    node = parse(f'"{needle}"')
    rows = Filter(store, node).rows()
    assert list(rows) == reference_rows(store, node)
    assert rows


@pytest.mark.parametrize("common", ["first half", "second half"])
def test_a_large_file_searched_here_and_by_a_worker(tmp_path: Path, monkeypatch, common: str) -> None:
    """A large file is searched for a needle's letter-free run in this process (its first half)
    and in a worker process (its second half); where the run is too common to pay, every byte
    is read instead. Every event is found either way."""
    events = []
    for i in range(4000):
        if i % 97 == 5:
            events.append(event(target={"name": "SERVICEID-4148-5039-422A" if i % 2 else "serviceid-4148-5039-422a"}))
        elif (i < 2000) == (common == "first half"):
            events.append(event(message=f"request id-4148-5039-422{i % 10}"))
        else:
            events.append(event())
    path = write_lines(tmp_path / "big.jsonl", events)
    store = read_paths(path)
    monkeypatch.setattr(filtering, "_TEXT_CHUNK", 64 << 10)
    monkeypatch.setattr(filtering, "_SCAN_PIECE", 16 << 10)
    assert path.stat().st_size > 4 * filtering._TEXT_CHUNK
    node = parse('"ServiceId-4148-5039-422a"')
    rows = Filter(store, node).rows()
    assert list(rows) == reference_rows(store, node)
    assert len(rows) == len(range(5, 4000, 97))


def test_a_large_file_search_stops_when_cancelled(tmp_path: Path, monkeypatch) -> None:
    store = read_paths(write_lines(tmp_path / "big.jsonl", [event() for _ in range(4000)]))
    monkeypatch.setattr(filtering, "_TEXT_CHUNK", 64 << 10)
    monkeypatch.setattr(filtering, "_SCAN_PIECE", 16 << 10)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3  # replaced by a newer query while this process reads its half

    with pytest.raises(Cancelled):
        Filter(store, parse('"4148-5039"')).rows(cancelled=cancelled)
