"""Queries on what the catalog knows about an event's action: section, service, documented, deprecated, kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import default
from tests.core.conftest import read_paths
from tui.core.compare import query_field
from tui.core.fields import missing_fields, query_fields
from tui.core.filtering import Filter, field_texts
from tui.core.query import field_ref, parse

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "sample_logs").glob("*.jsonl"))


@pytest.fixture(scope="module")
def store():
    return read_paths(*SAMPLES)


def expected(store, keep) -> list[int]:
    """The rows (time order) whose action's catalog entry satisfies keep(entry, action), read row by row."""
    catalog = default()
    out = []
    for row in store.order:
        action = store.text("action", row)
        if keep(catalog.action(action) if action else None, action):
            out.append(row)
    return out


@pytest.mark.parametrize(("query", "keep"), [
    ('section:"IAM account settings events"', lambda e, a: e is not None and e.section == "IAM account settings events"),
    (r"section:*account\ settings*", lambda e, a: e is not None and "account settings" in e.section.lower()),
    ("documented:false", lambda e, a: e is None),
    ("catalog.documented:true", lambda e, a: e is not None),
    ("deprecated:true", lambda e, a: e is not None and e.deprecated),
    ("kind:data", lambda e, a: e is not None and e.data_event is True),
    ("kind:management", lambda e, a: e is not None and e.data_event is False),
    ("-_exists_:kind", lambda e, a: e is None or e.data_event is None),
    ("service:iam-identity", lambda e, a: a.split(".")[0] == "iam-identity"),
    ('service:"IAM Identity Services"', lambda e, a: a.split(".")[0] == "iam-identity"),
])
def test_catalog_fields_select_what_the_catalog_says(store, query, keep):
    rows = list(Filter(store, parse(query)).rows())
    assert rows == expected(store, keep)
    assert rows, "each of these finds some of the sample events"
    # Arriving events are tested one by one: the same answer.
    one_by_one = Filter(store, parse(query))
    assert [row for row in store.order if one_by_one.test(row)] == rows


def test_who_changed_account_settings(store):
    rows = Filter(store, parse(r"section:*account\ settings* -action:*.read")).rows()
    actions = {store.text("action", row) for row in rows}
    assert actions and all(not a.endswith(".read") for a in actions)
    assert "billing.account-traits.update" in actions


def test_catalog_fields_print_and_count_as_text(store):
    rows = Filter(store, parse("action:billing.account-traits.update")).rows()
    assert set(field_texts(store, field_ref("section"), rows)) == {"IAM account settings events"}
    assert set(field_texts(store, field_ref("catalog.documented"), rows)) == {"true"}
    assert set(field_texts(store, field_ref("kind"), rows)) <= {"data", "management", ""}


def test_catalog_fields_are_never_said_missing(store):
    node = parse("catalog.section:x section:x catalog.kind:data documented:true")
    assert missing_fields(store, query_fields(node)) == []


def test_an_event_key_named_like_a_catalog_field_is_written_so_it_stays_that_key():
    # A quick filter on an event's own `section` key must not become the catalog's section.
    written = query_field(("section",))
    assert written is not None and written != "section"
    assert field_ref(written).paths == (("section",),)
