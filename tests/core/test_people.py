"""Identities: the names and ids of one person, service ID or trusted profile, learnt from the events."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.core.conftest import event, line, read_path
from tui.core.filtering import Filter, field_texts
from tui.core.people import SHARED_BEYOND, identities
from tui.core.query import field_ref, parse
from tui.core.sources import Reader, resolve_inputs
from tui.core.timeline import frequencies


def who(name: str | None, ident: str | None) -> dict:
    initiator: dict = {"typeURI": "service/security/account/user"}
    if name is not None:
        initiator["name"] = name
    if ident is not None:
        initiator["id"] = ident
    return event(initiator=initiator)


@pytest.fixture
def store(tmp_path):
    events = [
        who("alice@example.com", "IBMid-1"), who("alice@example.com", "IBMid-1"),
        who(None, "IBMid-1"),                                   # only the id: still alice
        who("IBMid-1", None),                                   # the id written as the name
        who("[link=x]alice@example.com[/link]", "IBMid-1"),     # a look-alike name on her id, once
        who("ServiceId-7", "iam-ServiceId-7"), who(None, "iam-ServiceId-7"),
        who("bob@example.com", "IBMid-2"),
        # A generic name seen with many ids is nobody's: it joins none of them.
        *[who("system", f"IBMid-9{k}") for k in range(SHARED_BEYOND + 1)],
        who(None, "IBMid-90"),
    ]
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(line(e) for e in events))
    return read_path(path)


def counts(store, query: str = "") -> Counter:
    rows = Filter(store, parse(query)).rows()
    return Counter({f.values[0]: f.count for f in frequencies(store, [field_ref("identity")], rows)})


def test_one_identity_under_all_its_names_and_ids(store):
    found = counts(store)
    assert found["alice@example.com"] == 5
    assert found["ServiceId-7"] == 2
    assert found["bob@example.com"] == 1
    assert "[link=x]alice@example.com[/link]" not in found  # a look-alike in one event never names her


def test_a_shared_name_joins_nobody(store):
    found = counts(store)
    assert found["system"] == SHARED_BEYOND + 1
    assert found["IBMid-90"] == 1  # the id alone is its own identity


def test_members_are_listed_name_first(store):
    people = identities(store)
    alice = store.strings.index("IBMid-1")
    assert people.members(alice)[:2] == ["alice@example.com", "[link=x]alice@example.com[/link]"]
    assert set(people.members(alice)) == {"alice@example.com", "[link=x]alice@example.com[/link]", "IBMid-1"}


@pytest.mark.parametrize(("query", "expected"), [
    ("identity:alice@example.com", 5),
    ("identity:IBMid-1", 5),
    ("identity:iam-ServiceId-7", 2),
    ("identity:*@example.com", 6),
    ("-identity:alice@example.com", 13 - 5),
    ("identity:system", SHARED_BEYOND + 1),
])
def test_a_query_on_any_name_or_id_finds_them_all(store, query, expected):
    rows = Filter(store, parse(query)).rows()
    assert len(rows) == expected
    one_by_one = Filter(store, parse(query))
    assert [row for row in store.order if one_by_one.test(row)] == list(rows)


def test_identity_prints_as_its_label(store):
    rows = Filter(store, parse("identity:IBMid-1")).rows()
    assert set(field_texts(store, field_ref("identity"), rows)) == {"alice@example.com"}


def test_identities_grow_with_the_store(tmp_path):
    path = tmp_path / "a.log"
    path.write_bytes(line(who(None, "IBMid-5")))
    store = read_path(path)
    assert counts(store) == Counter({"IBMid-5": 1})
    # A later event pairs the id with a name: the earlier event is now that person's.
    more = tmp_path / "b.log"
    more.write_bytes(line(who("carol@example.com", "IBMid-5")))
    reader = Reader(store, resolve_inputs([str(more)]))
    try:
        reader.load(follow=False)
    finally:
        reader.close()
    assert counts(store) == Counter({"carol@example.com": 2})


def reference_groups(store) -> set[frozenset[int]]:
    """The rows of each identity, by a plain reading of every event: names and ids seen together
    are one identity, unless the name is seen with more than SHARED_BEYOND ids (or the id with
    more names); a row belongs to its name's identity, else its id's."""
    pairs = set()
    for row in range(len(store)):
        ev = store.event(row).event
        who_ = ev.get("initiator") or {}
        pairs.add((who_.get("name") or "", who_.get("id") or ""))
    ids_of, names_of = Counter(), Counter()
    for name, ident in pairs:
        if name and ident:
            ids_of[name] += 1
            names_of[ident] += 1
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for name, ident in pairs:
        if name and ident and ids_of[name] <= SHARED_BEYOND and names_of[ident] <= SHARED_BEYOND:
            parent[find(name)] = find(ident)
    groups: dict[str, set[int]] = {}
    for row in range(len(store)):
        who_ = store.event(row).event.get("initiator") or {}
        key = who_.get("name") or who_.get("id") or ""
        groups.setdefault(find(key) if key else "", set()).add(row)
    return {frozenset(rows) for rows in groups.values()}


@pytest.mark.parametrize("source", ["generated", "samples"])
def test_identities_group_as_a_plain_reading_of_every_event(tmp_path, source):
    from pathlib import Path

    from tests.core.conftest import read_paths
    from tui.core import generator
    from tui.core.people import identity_texts

    if source == "generated":
        path = tmp_path / "gen.log"
        generator.write_file(path, 3_000, seed=11)
        store = read_path(path)
    else:
        samples = sorted((Path(__file__).resolve().parents[2] / "sample_logs").glob("*.jsonl"))
        store = read_paths(*samples)
    rows = list(range(len(store)))
    found: dict[str, set[int]] = {}
    for row, label in zip(rows, identity_texts(store, rows)):
        found.setdefault(label, set()).add(row)
    assert {frozenset(r) for r in found.values()} == reference_groups(store)
