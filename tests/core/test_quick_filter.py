"""Quick filters from a table cell: the query they give parses and keeps (or hides) exactly the
events with the cell's value, however hostile the value."""

from __future__ import annotations

import pytest

from tui.core.filtering import Filter
from tui.core.present import cell_filter
from tui.core.query import And, Match, Not, Or, find_values, parse, quick_filter, quote_value, text_form, value_matches

HOSTILE = [
    'say "hi"',
    "back\\slash",
    "trailing\\",
    '\\"',
    "two  spaces",
    "a*b",
    "a?c",
    "*",
    "(paren) group)",
    "field:value",
    "-starts-with-minus",
    "OR",
    "NOT",
    "[400 TO 499]",
    ">=400",
    "{x}",
    "東京 ✓",
    "",
]


def test_control_characters_become_wildcards_so_the_query_line_shows_no_control_character():
    written = quote_value("tab\tand\nnewline")
    assert written == "tab?and?newline"
    node = parse(f"action:{written}")
    assert isinstance(node, Match)
    assert value_matches(node.value, "tab\tand\nnewline")
    assert not value_matches(node.value, "tab and newline!")


@pytest.mark.parametrize("value", HOSTILE)
def test_a_quoted_value_parses_back_to_exactly_itself(value):
    node = parse(f"action:{quote_value(value)}")
    assert isinstance(node, Match)
    assert node.value.text == value
    assert not node.value.wildcard


@pytest.mark.parametrize("value", ["iam-identity.user-apikey.login", "alice@example.com", "crn:v1:x", "404"])
def test_plain_values_are_left_readable(value):
    shown = quote_value(value)
    assert shown == (value if ":" not in value else f'"{value}"')


def test_the_clause_is_anded_to_the_query():
    assert quick_filter("", "action", "a.b") == "action:a.b"
    assert quick_filter("   ", "action", "a.b", exclude=True) == "-action:a.b"
    assert quick_filter("*", "action", "a.b") == "action:a.b"
    assert quick_filter("severity:critical", "action", "a.b") == "severity:critical action:a.b"
    assert quick_filter("severity:critical OR outcome:failure", "action", "a b", exclude=True) == \
        '(severity:critical OR outcome:failure) -action:"a b"'
    assert quick_filter("(a OR b) c", "action", "x") == "(a OR b) c action:x"  # the top level is an AND already
    assert quick_filter("NOT a OR b", "action", "x") == "(NOT a OR b) action:x"


def test_a_clause_already_required_is_not_added_twice():
    assert quick_filter("action:x", "action", "x") == "action:x"
    assert quick_filter("severity:critical -action:x", "action", "x", exclude=True) == "severity:critical -action:x"
    assert quick_filter("severity:critical -action:x", "action", "x") == "severity:critical -action:x action:x"


def test_a_query_that_does_not_parse_gets_the_clause_all_the_same():
    assert quick_filter("(broken", "action", "x") == "(broken action:x"


def test_the_result_of_an_or_query_keeps_its_meaning():
    node = parse(quick_filter("severity:critical OR outcome:failure", "action", "x"))
    assert isinstance(node, And) and isinstance(node.children[0], Or)
    node = parse(quick_filter("severity:critical OR outcome:failure", "action", "x", exclude=True))
    assert isinstance(node.children[1], Not)


# ----------------------------------------------------------------------------- over a real store

#: (column key, the event fields that put the value in that column)
COLUMNS = {
    "action": lambda v: {"action": v},
    "initiator": lambda v: {"initiator": {"name": v, "id": "iam-ServiceId-1"}},
    "target": lambda v: {"target": {"name": v, "id": "crn:v1:t"}},
    "target_id": lambda v: {"target": {"name": "n", "id": v}},
    "message": lambda v: {"message": v},
}
#: Values next to a hostile one that a badly quoted clause would also match (or fail on).
DECOYS = ["abb", "axxb", "abc", "a", "back\\\\slash", "backslash", "two spaces", "paren", "starts-with-minus",
          "x", "value", "field", "ORE", "400", "say hi", "sayhi", "tab", "東京", "trailing", " "]


@pytest.fixture
def hostile_store(tmp_path, event, write_lines, read_path):
    """A store with one event per (column, value), hostile values and decoys alike."""
    lines = []
    for fields in COLUMNS.values():
        for i, value in enumerate(v for v in HOSTILE + DECOYS if v):
            lines.append(event(eventTime=f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}Z", **fields(value)))
    return read_path(write_lines(tmp_path / "hostile.log", lines))


def _value_at(store, row, field):
    event = store.event(row).event
    found = find_values(event, tuple(field.split(".")))
    return text_form(found[0]).casefold() if len(found) == 1 and found[0] is not None else None


@pytest.mark.parametrize("key", list(COLUMNS))
def test_keep_and_hide_select_exactly_the_rows_with_the_value(hostile_store, key):
    store = hostile_store
    every = set(range(len(store)))
    checked = 0
    for row in range(len(store)):
        found = cell_filter(store, row, key)
        assert found is not None
        field, value = found
        wanted = {r for r in every if _value_at(store, r, field) == value.casefold()}
        assert row in wanted
        kept = set(Filter(store, parse(quick_filter("", field, value))).rows())
        assert kept == wanted, (field, value)
        hidden = set(Filter(store, parse(quick_filter("", field, value, exclude=True))).rows())
        assert hidden == every - wanted, (field, value)
        checked += 1
    assert checked > len(HOSTILE)


def test_the_clause_narrows_a_query_with_a_top_level_or(hostile_store):
    store = hostile_store
    row = next(r for r in range(len(store)) if store.text("action", r) == "a*b")
    field, value = cell_filter(store, row, "action")
    query = quick_filter("action:abb OR action:a*b OR action:axxb", field, value)
    assert list(Filter(store, parse(query)).rows()) == [row]
    query = quick_filter("action:abb OR action:a*b OR action:axxb", field, value, exclude=True)
    assert {store.text("action", r) for r in Filter(store, parse(query)).rows()} == {"abb", "axxb"}


def test_a_reason_code_filters_as_a_number(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "codes.log", [
        event(reason={"reasonCode": 403}), event(reason={"reasonCode": "403"}), event(reason={"reasonCode": 404}),
        event(reason=None),
    ]))
    field, value = cell_filter(store, 0, "code")
    assert (field, value) == ("reason.reasonCode", "403")
    assert list(Filter(store, parse(quick_filter("", field, value))).rows()) == [0, 1]
    assert list(Filter(store, parse(quick_filter("", field, value, exclude=True))).rows()) == [2, 3]
