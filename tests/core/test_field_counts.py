"""`--stats` counting: per value of the store's columns, the same answer as reading each row's text."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.core.conftest import event, line, read_path
from tui.core.filtering import Filter, field_texts
from tui.core.query import field_ref, parse
from tui.core.timeline import frequencies


def value_counts(store, refs, rows) -> Counter:
    """What `--stats` counts: each value (or combination) and its events."""
    return Counter({f.values: f.count for f in frequencies(store, refs, rows)})


@pytest.fixture
def store(tmp_path):
    events = [
        event(),
        event(),
        event(outcome="failure", initiator={"name": "", "id": "IBMid-9"}),  # no name: the id stands for it
        event(initiator={"id": "IBMid-9"}),  # no name key at all
        event(initiator={"name": "IBMid-9", "id": "other"}),  # a name that reads as another's id
        event(outcome="failure", initiator=None),  # no initiator: a row read from its event
        event(initiator={"name": 42, "id": "x"}),  # a number where a name was expected
        event(outcome="failure", reason=None),  # no reason: every column of the row is read from its event
        event(reason={"reasonCode": "403"}),  # a code written as text
        event(reason={"reasonCode": -5}),
        event(action="iam-am.policy.update", target={"name": "", "id": "crn:1"}),
    ]
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(line(e) for e in events))
    return read_path(path)


def test_initiator_counts_name_else_id(store):
    counts = value_counts(store, [field_ref("initiator")], Filter(store, parse("")).rows())
    assert counts == Counter({("alice@example.com",): 6, ("IBMid-9",): 3, ("",): 1, ("42",): 1})
    assert sum(counts.values()) == 11


@pytest.mark.parametrize("query", ["", "outcome:failure", "-action:iam-am.*"])
@pytest.mark.parametrize("fields", [["initiator"], ["initiator.name"], ["action"], ["code"], ["target"],
                                    ["action", "outcome"], ["initiator", "code"], ["requestData.client_ip"]])
def test_counts_agree_with_the_text_of_each_row(store, query, fields):
    refs = [field_ref(f) for f in fields]
    rows = Filter(store, parse(query)).rows()
    assert value_counts(store, refs, rows) == Counter(zip(*(field_texts(store, ref, rows) for ref in refs)))
