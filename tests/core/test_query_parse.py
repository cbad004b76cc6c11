"""The query language: parsing (trees and errors) and the value semantics of tui.core.query."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.query import (
    ALIASES,
    All,
    And,
    Exists,
    FieldRef,
    Match,
    Not,
    Or,
    QuerySyntaxError,
    Range,
    Text,
    Value,
    field_ref,
    find_values,
    parse,
    range_matches,
    text_matches,
    text_pattern,
    value_matches,
)

# ----------------------------------------------------------------------------- helpers

def f(text: str) -> FieldRef:
    """The FieldRef of a plain dotted field."""
    return FieldRef(text, (tuple(text.split(".")),))


def m(field: str, text: str, **kw: object) -> Match:
    """A Match on a plain dotted field (Value equality ignores the compiled regex)."""
    return Match(f(field), Value(text, **kw))  # type: ignore[arg-type]


def t(text: str, **kw: object) -> Text:
    """A free-text node."""
    return Text(Value(text, **kw))  # type: ignore[arg-type]


def error_of(query: str) -> QuerySyntaxError:
    """The syntax error a query raises."""
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    return info.value


def value_of(query: str) -> Value:
    """The Value of a one-clause `field:value` query."""
    node = parse(query)
    assert isinstance(node, Match), node
    return node.value


def range_of(query: str) -> Range:
    """The Range of a one-clause range query."""
    node = parse(query)
    assert isinstance(node, Range), node
    return node


# ----------------------------------------------------------------------------- trees

def test_empty_query_matches_everything() -> None:
    assert parse("") == All()
    assert parse("   \t ") == All()


def test_field_match() -> None:
    assert parse("outcome:failure") == m("outcome", "failure")


def test_nested_field_path() -> None:
    node = parse("requestData.lock:true")
    assert node == Match(FieldRef("requestData.lock", (("requestData", "lock"),)), Value("true"))


def test_implicit_and() -> None:
    assert parse("outcome:failure severity:critical") == And((m("outcome", "failure"), m("severity", "critical")))


def test_explicit_and_same_as_implicit() -> None:
    assert parse("a AND b") == parse("a b") == And((t("a"), t("b")))


def test_and_or_flatten() -> None:
    assert parse("a b c") == And((t("a"), t("b"), t("c")))
    assert parse("a AND (b AND c)") == And((t("a"), t("b"), t("c")))
    assert parse("a OR b OR c") == Or((t("a"), t("b"), t("c")))
    assert parse("(a OR b) OR c") == Or((t("a"), t("b"), t("c")))


def test_and_inside_or_is_not_flattened() -> None:
    assert parse("(a b) OR c") == Or((And((t("a"), t("b"))), t("c")))


def test_and_binds_tighter_than_or() -> None:
    assert parse("a OR b c") == Or((t("a"), And((t("b"), t("c")))))
    assert parse("a b OR c") == Or((And((t("a"), t("b"))), t("c")))
    assert parse("a AND b OR c AND d") == Or((And((t("a"), t("b"))), And((t("c"), t("d")))))


def test_parentheses_override_precedence() -> None:
    assert parse("(a OR b) c") == And((Or((t("a"), t("b"))), t("c")))


def test_single_child_group_is_the_child() -> None:
    assert parse("(a)") == t("a")
    assert parse("((outcome:failure))") == m("outcome", "failure")


def test_grouped_severity() -> None:
    assert parse("(severity:warning OR severity:critical)") == Or(
        (m("severity", "warning"), m("severity", "critical")))


def test_group_without_spaces_around() -> None:
    assert parse("a(b OR c)") == And((t("a"), Or((t("b"), t("c")))))


def test_negation_forms() -> None:
    expected = Not(m("outcome", "success"))
    assert parse("-outcome:success") == expected
    assert parse("!outcome:success") == expected
    assert parse("NOT outcome:success") == expected
    assert parse("NOT(outcome:success)") == Not(m("outcome", "success"))


def test_not_binds_tightest() -> None:
    assert parse("NOT a b") == And((Not(t("a")), t("b")))
    assert parse("-a OR b") == Or((Not(t("a")), t("b")))
    assert parse("a AND NOT b") == And((t("a"), Not(t("b"))))
    assert parse("NOT (a OR b)") == Not(Or((t("a"), t("b"))))


def test_double_negation_cancels() -> None:
    assert parse("NOT NOT a") == t("a")
    assert parse("--a") == t("a")
    assert parse("NOT -!a") == Not(t("a"))


def test_plus_means_required_and_changes_nothing() -> None:
    assert parse("+outcome:failure") == m("outcome", "failure")


def test_lucene_symbol_operators() -> None:
    assert parse("a && b") == And((t("a"), t("b")))
    assert parse("a || b") == Or((t("a"), t("b")))


def test_lower_case_keywords_are_words() -> None:
    assert parse("a and b") == And((t("a"), t("and"), t("b")))
    assert parse("a or b") == And((t("a"), t("or"), t("b")))
    assert parse("not a") == And((t("not"), t("a")))


def test_keyword_prefix_of_a_word_is_a_word() -> None:
    assert parse("ORACLE ANDROID NOTE") == And((t("ORACLE"), t("ANDROID"), t("NOTE")))


def test_keyword_as_field_value_is_a_value() -> None:
    assert parse("action:OR") == m("action", "OR")


def test_dash_inside_a_word_is_not_negation() -> None:
    assert parse("iam-identity") == t("iam-identity")
    assert parse("code:-1") == Match(field_ref("code"), Value("-1"))


def test_deep_nesting_within_limit() -> None:
    assert parse("(" * 40 + "a" + ")" * 40) == t("a")


# ----------------------------------------------------------------------------- values

def test_wildcard_value() -> None:
    value = value_of("action:iam-identity.*")
    assert value == Value("iam-identity.*", wildcard=True)
    assert value.regex is not None
    assert value.regex.fullmatch("IAM-Identity.user-apikey.login")
    assert not value.regex.fullmatch("iam-identityXuser")  # the dot is literal
    assert value.regex.fullmatch("IAM-IDENTITY.x\ny")  # any case; a star runs over line breaks


def test_question_mark_wildcard() -> None:
    value = value_of("severity:critica?")
    assert value.wildcard and value.regex is not None
    assert value.regex.fullmatch("critical")
    assert not value.regex.fullmatch("critica")


def test_plain_value_has_no_regex() -> None:
    value = value_of("outcome:failure")
    assert value == Value("failure") and value.regex is None


def test_quoted_value() -> None:
    assert parse('initiator.name:"alice@example.com"') == Match(
        f("initiator.name"), Value("alice@example.com", quoted=True))


def test_quoted_value_keeps_spaces_colons_and_keywords() -> None:
    assert value_of('message:"a: b OR c (d)"') == Value("a: b OR c (d)", quoted=True)


def test_quoted_star_is_literal() -> None:
    value = value_of('name:"a*b?"')
    assert value == Value("a*b?", quoted=True, wildcard=False)
    assert value.regex is None


def test_quoted_escapes() -> None:
    assert value_of(r'message:"say \"hi\" \\ bye"') == Value('say "hi" \\ bye', quoted=True)


def test_quoted_other_backslash_kept_as_typed() -> None:
    assert value_of(r'path:"C:\Users\x"') == Value(r"C:\Users\x", quoted=True)


def test_escaped_star_is_literal_unquoted() -> None:
    value = value_of(r"name:a\*b")
    assert value == Value("a*b", wildcard=False)
    assert value.regex is None


def test_escaped_and_real_star_together() -> None:
    value = value_of(r"name:a\**")
    assert value == Value("a**", wildcard=True)
    assert value.regex is not None
    assert value.regex.fullmatch("a*xyz")
    assert not value.regex.fullmatch("abc")


def test_escaped_space_and_colon() -> None:
    assert parse(r"name:my\ key") == m("name", "my key")
    assert parse(r"a\:b:c") == Match(FieldRef(r"a\:b", (("a:b",),)), Value("c"))
    assert parse(r"my\ word") == t("my word")


def test_escaped_parentheses() -> None:
    assert parse(r"name:f\(x\)") == m("name", "f(x)")


def test_value_runs_to_whitespace_or_close_paren() -> None:
    assert parse("name:a(b c") == And((m("name", "a(b"), t("c")))
    assert parse("(name:x)") == m("name", "x")


def test_value_containing_colons() -> None:
    """Everything after the first colon is the value, so CRNs need no quotes."""
    assert parse("target.id:crn:v1:bluemix:public") == m("target.id", "crn:v1:bluemix:public")
    assert parse("a:b:c") == m("a", "b:c")


def test_bare_words_and_phrases_are_text() -> None:
    assert parse("apikey") == t("apikey")
    assert parse('"service id"') == t("service id", quoted=True)
    assert parse('apikey "service id"') == And((t("apikey"), t("service id", quoted=True)))


def test_bare_wildcard_text() -> None:
    node = parse("api*")
    assert node == t("api*", wildcard=True)


def test_lone_star_is_everything() -> None:
    assert parse("*") == All()


def test_field_star_is_exists() -> None:
    assert parse("requestData.prev:*") == Exists(f("requestData.prev"))
    assert parse("requestData.prev:*") == parse("_exists_:requestData.prev")


def test_field_quoted_star_is_a_literal_match() -> None:
    assert parse('name:"*"') == m("name", "*", quoted=True)


def test_field_escaped_star_is_a_literal_match() -> None:
    assert parse(r"name:\*") == m("name", "*")


# ----------------------------------------------------------------------------- fields

def test_bracket_key_with_dots() -> None:
    node = parse('requestData["token.account.bss"]:x')
    assert node == Match(FieldRef('requestData["token.account.bss"]', (("requestData", "token.account.bss"),)), Value("x"))


def test_bracket_key_with_spaces_and_colons() -> None:
    node = parse('requestData["a b:c"].d:x')
    assert isinstance(node, Match)
    assert node.field.paths == (("requestData", "a b:c", "d"),)


def test_bracket_keys_in_a_row_and_first() -> None:
    assert field_ref('a["b"]["c"]').paths == (("a", "b", "c"),)
    assert field_ref('["a b"].c').paths == (("a b", "c"),)
    assert field_ref('a.["b"]').paths == (("a", "b"),)


def test_bracket_key_escapes() -> None:
    assert field_ref(r'a["say \"x\""]').paths == (("a", 'say "x"'),)


def test_field_ref_escaped_dot() -> None:
    assert field_ref(r"a\.b.c").paths == (("a.b", "c"),)


def test_field_ref_plain_path() -> None:
    assert field_ref("initiator.host.agent") == FieldRef("initiator.host.agent", (("initiator", "host", "agent"),))


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases(alias: str) -> None:
    node = parse(f"{alias}:x")
    assert node == Match(FieldRef(alias, ALIASES[alias]), Value("x"))


def test_alias_paths() -> None:
    assert field_ref("initiator").paths == (("initiator", "name"), ("initiator", "id"))
    assert field_ref("code").paths == (("reason", "reasonCode"),)
    assert field_ref("user").paths == (("initiator", "name"),)


def test_alias_only_for_the_whole_name() -> None:
    assert field_ref("initiator.name").paths == (("initiator", "name"),)
    assert field_ref("Initiator").paths == (("Initiator",),)


def test_field_group() -> None:
    assert parse("severity:(warning OR critical)") == Or((m("severity", "warning"), m("severity", "critical")))


def test_field_group_with_and_not_and_nesting() -> None:
    assert parse("action:(a* AND NOT *login)") == And((
        m("action", "a*", wildcard=True), Not(m("action", "*login", wildcard=True))))
    assert parse("x:(a OR (b c))") == Or((m("x", "a"), And((m("x", "b"), m("x", "c")))))
    assert parse("x:(a -b)") == And((m("x", "a"), Not(m("x", "b"))))


def test_field_group_values_of_every_kind() -> None:
    assert parse('code:(404 OR [500 TO 599] OR "x y" OR >=900 OR *)') == Or((
        Match(field_ref("code"), Value("404")),
        Range(field_ref("code"), "500", "599"),
        Match(field_ref("code"), Value("x y", quoted=True)),
        Range(field_ref("code"), "900", None),
        Exists(field_ref("code")),
    ))


def test_field_group_values_with_colons() -> None:
    assert parse("target.id:(crn:v1:a OR crn:v1:b)") == Or((m("target.id", "crn:v1:a"), m("target.id", "crn:v1:b")))


def test_field_group_among_other_terms_flattens() -> None:
    assert parse("a x:(b c)") == And((t("a"), m("x", "b"), m("x", "c")))


def test_negated_field_group() -> None:
    assert parse("-x:(a OR b)") == Not(Or((m("x", "a"), m("x", "b"))))


# ----------------------------------------------------------------------------- exists

def test_exists() -> None:
    assert parse("_exists_:requestData.prev_instance_name") == Exists(f("requestData.prev_instance_name"))


def test_exists_alias_and_key() -> None:
    assert parse("_exists_:initiator") == Exists(FieldRef("initiator", ALIASES["initiator"]))
    assert parse('_exists_:requestData["a b"]') == Exists(FieldRef('requestData["a b"]', (("requestData", "a b"),)))


def test_exists_group() -> None:
    assert parse("_exists_:(a OR b.c)") == Or((Exists(f("a")), Exists(f("b.c"))))


def test_negated_exists() -> None:
    assert parse("-_exists_:a") == Not(Exists(f("a")))


# ----------------------------------------------------------------------------- ranges

@pytest.mark.parametrize(("query", "low", "high", "include_low", "include_high"), [
    ("code:[400 TO 499]", "400", "499", True, True),
    ("code:{400 TO 499}", "400", "499", False, False),
    ("code:[400 TO 499}", "400", "499", True, False),
    ("code:{400 TO 499]", "400", "499", False, True),
    ("code:[400 TO *]", "400", None, True, True),
    ("code:[* TO 499]", None, "499", True, True),
    ("code:[* TO *]", None, None, True, True),
    ("code:[  400   TO   499  ]", "400", "499", True, True),
    ('time:["2026-01-01" TO "2026-02-01"]', "2026-01-01", "2026-02-01", True, True),
    ('x:["*" TO "a b"]', "*", "a b", True, True),
    (r"x:[\* TO a\]b]", "*", "a]b", True, True),
    ("code:>=400", "400", None, True, True),
    ("code:>400", "400", None, False, True),
    ("code:<500", None, "500", True, False),
    ("code:<=500", None, "500", True, True),
    ('time:>="2026-01-01 10:00"', "2026-01-01 10:00", None, True, True),
])
def test_ranges(query: str, low: str | None, high: str | None, include_low: bool, include_high: bool) -> None:
    field_text = query.split(":", 1)[0]
    node = parse(query)
    assert isinstance(node, Range)
    assert node == Range(field_ref(field_text), low, high, include_low, include_high, node.times)
    # only a time field's bounds are read as times
    assert (node.times is not None) == (field_text == "time")


def test_range_on_plain_path() -> None:
    assert range_of("reason.reasonCode:[400 TO 499]").field == f("reason.reasonCode")


def test_comparisons_combine_into_a_range_query() -> None:
    assert parse("code:>=400 code:<500") == And((Range(field_ref("code"), "400", None),
                                                 Range(field_ref("code"), None, "500", include_high=False)))


def test_range_next_to_close_paren() -> None:
    assert parse("(code:[1 TO 2])") == Range(field_ref("code"), "1", "2")


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("query", "column", "message"), [
    ("(a", 0, 'unbalanced "(": no ")" closes it'),
    ("a (b (c)", 2, 'unbalanced "(": no ")" closes it'),
    ("a)", 1, 'unbalanced ")": no "(" opened it'),
    (")", 0, 'unbalanced ")": no "(" opened it'),
    ("(a) b)", 5, 'unbalanced ")": no "(" opened it'),
    ("()", 1, "expected a search term inside the parentheses"),
    ('"abc', 0, "the quote opened here is never closed"),
    ('a name:"abc', 7, "the quote opened here is never closed"),
    ('"abc"def', 5, 'expected a space or ")" after the closing quote'),
    ("action:", 7, 'expected a value after "action:"'),
    ("action: x", 7, 'expected a value after "action:"'),
    ("(action:)", 8, 'expected a value after "action:"'),
    (":x", 0, 'expected a field name before ":"'),
    ("a AND", 5, 'expected a search term after "AND"'),
    ("a AND   ", 8, 'expected a search term after "AND"'),
    ("a OR", 4, 'expected a search term after "OR"'),
    ("OR b", 0, 'expected a search term before "OR"'),
    ("AND b", 0, 'expected a search term before "AND"'),
    ("a AND OR b", 6, 'expected a search term after "AND"'),
    ("a OR AND b", 5, 'expected a search term after "OR"'),
    ("a OR OR b", 5, 'expected a search term after "OR"'),
    ("(a AND)", 6, 'expected a search term after "AND"'),
    ("(OR a)", 1, 'expected a search term before "OR"'),
    ("NOT", 3, 'expected a search term after "NOT"'),
    ("a NOT", 5, 'expected a search term after "NOT"'),
    ("NOT OR a", 4, 'expected a search term after "NOT"'),
    ("(NOT)", 4, 'expected a search term after "NOT"'),
    ("a -", 3, 'expected a search term right after "-"'),
    ("- a", 1, 'expected a search term right after "-"'),
    ("!", 1, 'expected a search term right after "!"'),
    ("a &&", 4, 'expected a search term after "&&"'),
    ("x:(a OR)", 7, 'expected a value after "OR"'),
    ("x:()", 3, "expected a value inside the parentheses"),
    ("x:(a", 2, 'unbalanced "(": no ")" closes it'),
    ("x:[1 TO]", 7, 'expected an upper bound after "TO"'),
    ("x:[1 TO ]", 8, 'expected an upper bound after "TO"'),
    ("x:[1 2]", 5, 'expected "TO" in the range'),
    ("x:[1 to 2]", 5, 'expected "TO" in the range'),
    ("x:[1 TO 2 3]", 10, 'expected "]" or "}" to close the range'),
    ("x:[TO 2]", 3, 'expected a lower bound before "TO"'),
    ("x:[]", 3, "expected a lower bound in the range"),
    ("x:[1 TO 2", 2, "the range opened here is never closed"),
    ("x:[1 TO", 2, "the range opened here is never closed"),
    ("x:[1", 2, "the range opened here is never closed"),
    ("x:[", 2, "the range opened here is never closed"),
    ("x:[1 TO 2]z", 10, 'expected a space or ")" after the range'),
    ('x:[1 TO "2]', 8, "the quote opened here is never closed"),
    ("x:>=", 4, 'expected a value after ">="'),
    ("x:< 5", 3, 'expected a value after "<"'),
    ("[1 TO 5]", 0, 'a range needs a field, as in code:[400 TO 499]; put text that starts with "[" or "{" in quotes'),
    ("_exists_:", 9, 'expected a field name after "_exists_:"'),
    ("_exists_: a", 9, 'expected a field name after "_exists_:"'),
    ('_exists_:"a"', 9, 'expected a field name after "_exists_:", without quotes'),
    ("_exists_:a..b", 11, 'expected a name before "." in the field a..b'),
    ("a..b:c", 2, 'expected a name before "." in the field a..b'),
    (".a:c", 0, 'expected a name before "." in the field .a'),
    ("x a.:c", 4, 'expected a name after "." in the field a.'),
    ('a["b:c', 1, "the key opened here is never closed"),
    ('x a["b', 3, "the key opened here is never closed"),
    ('a["b"c:x', 5, 'expected "]" after the quoted key'),
    ('a["b"]c:x', 6, 'expected "." or ["key"] after "]" in the field a["b"]c'),
    ('a["b"] x', 6, 'expected ":" and a value after the field a["b"]'),
    ("abc\\", 3, 'expected a character after "\\" (write "\\\\" for a backslash)'),
    ("x:abc\\", 5, 'expected a character after "\\" (write "\\\\" for a backslash)'),
])
def test_errors(query: str, column: int, message: str) -> None:
    err = error_of(query)
    assert (err.column, err.message) == (column, message)
    assert err.query == query


def test_field_ref_error_columns_are_within_the_field() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        field_ref("a..b")
    assert (info.value.query, info.value.column) == ("a..b", 2)


def test_error_is_a_value_error() -> None:
    assert isinstance(error_of("(a"), ValueError)


def test_caret_full_text_missing_value() -> None:
    assert str(error_of("outcome:failure action:")) == (
        "outcome:failure action:\n"
        "                       ^\n"
        'expected a value after "action:"'
    )


def test_caret_full_text_unclosed_quote() -> None:
    assert str(error_of('a initiator.name:"alice')) == (
        'a initiator.name:"alice\n'
        "                 ^\n"
        "the quote opened here is never closed"
    )


def test_caret_full_text_range() -> None:
    assert error_of("code:[400 499]").caret() == (
        "code:[400 499]\n"
        "          ^\n"
        'expected "TO" in the range'
    )


def test_caret_full_text_unbalanced() -> None:
    assert str(error_of("(a OR b")) == '(a OR b\n^\nunbalanced "(": no ")" closes it'


def test_caret_is_three_lines_even_with_line_breaks() -> None:
    err = error_of("a\nAND")
    lines = str(err).split("\n")
    assert lines == ["a AND", "     ^", 'expected a search term after "AND"']


def test_too_deep_nesting_is_an_error_not_a_crash() -> None:
    err = error_of("(" * 500 + "a" + ")" * 500)
    assert "nests parentheses" in err.message
    err = error_of("x:" + "(" * 500 + "a")
    assert "nests parentheses" in err.message


def test_many_negations_do_not_crash() -> None:
    assert parse("-" * 5000 + "a") == t("a")
    assert parse("-" * 5001 + "a") == Not(t("a"))


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_parse_never_fails_otherwise(query: str) -> None:
    _check_parse_total(query)


_QUERY_ALPHABET = st.sampled_from(list('ab:.*?"\\()[]{} -!+<>=TO') + ["AND", "OR", "NOT", "TO", "_exists_", '["', "\n"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_QUERY_ALPHABET, max_size=25).map("".join))
def test_parse_never_fails_otherwise_on_query_like_text(query: str) -> None:
    _check_parse_total(query)


def _check_parse_total(query: str) -> None:
    """parse gives a node or a QuerySyntaxError with a column inside the query and a 3-line caret."""
    try:
        node = parse(query)
    except QuerySyntaxError as err:
        assert 0 <= err.column <= len(query)
        assert err.query == query
        assert len(str(err).splitlines()) == 3
    else:
        assert isinstance(node, (Match, Range, Exists, Text, And, Or, Not, All))


# ----------------------------------------------------------------------------- value_matches

@pytest.mark.parametrize(("query", "json_value", "expected"), [
    # numbers compare as numbers, whatever their spelling
    ("404", 404, True),
    ("404", "404", True),
    ("404", 404.0, True),
    ("404.0", 404, True),
    ("404.0", "404", True),
    ("4.04e2", 404, True),
    ("404", 405, False),
    ("404", "0404", True),
    ("404", "404 Not Found", False),
    ("-1", -1, True),
    ("1.5", 1.5, True),
    # booleans
    ("true", True, True),
    ("TRUE", True, True),
    ("true", "TRUE", True),
    ("True", "true", True),
    ("false", False, True),
    ("false", True, False),
    ("true", False, False),
    ("1", True, False),
    ("0", False, False),
    ("true", 1, False),
    # strings: case-insensitive, whole value
    ("failure", "failure", True),
    ("FAILURE", "Failure", True),
    ("fail", "failure", False),
    ("straße", "STRASSE", True),
    ("", "", True),
    ("", "x", False),
    # null, objects, missing
    ("null", None, False),
    ("x", None, False),
    ("x", {"x": "x"}, False),
    ("{}", {}, False),
    # lists: any element
    ("b", ["a", "b"], True),
    ("c", ["a", "b"], False),
    ("404", [200, "404"], True),
    ("true", [False, True], True),
    ("b", [["a", "b"]], True),
    ("x", [{"x": 1}, None], False),
    ("x", [], False),
])
def test_value_matches_plain(query: str, json_value: object, expected: bool) -> None:
    assert value_matches(Value(query), json_value) is expected


def test_quoted_value_matches_like_plain() -> None:
    assert value_matches(value_of('name:"Alice@Example.com"'), "alice@example.com")
    assert value_matches(value_of('code:"404"'), 404)


@pytest.mark.parametrize(("query", "json_value", "expected"), [
    ("name:ali*", "Alice", True),
    ("name:*ice", "ALICE", True),
    ("name:a?ice", "alice", True),
    ("name:a?ice", "aice", False),
    ("name:*x*", "alice", False),
    ("code:4*", 404, True),
    ("code:4?4", 404, True),
    ("code:4*", 504, False),
    ("code:1.*", 1.5, True),
    ("flag:tr*", True, True),
    ("flag:f*", True, False),
    ("name:a*", None, False),
    ("name:a*", {"a": 1}, False),
    ("name:a*", ["x", "abc"], True),
    ("name:line*", "line1\nline2", True),
    (r"name:a\**", "a*b", True),
    (r"name:a\**", "ab", False),
])
def test_value_matches_wildcards(query: str, json_value: object, expected: bool) -> None:
    assert value_matches(value_of(query), json_value) is expected


def test_wildcard_value_built_by_hand_without_regex() -> None:
    assert value_matches(Value("ali*", wildcard=True), "alice")


def test_whole_value_match_for_agents() -> None:
    agent = "IBM Cloud CLI 2.29.1 / linux"
    assert not value_matches(value_of('initiator.host.agent:"IBM Cloud CLI"'), agent)
    assert value_matches(value_of("initiator.host.agent:*CLI*"), agent)
    assert value_matches(value_of('initiator.host.agent:"ibm cloud cli 2.29.1 / linux"'), agent)


# ----------------------------------------------------------------------------- range_matches

def rng(low: str | None, high: str | None, include_low: bool = True, include_high: bool = True) -> Range:
    """A range on a dummy field."""
    return Range(f("x"), low, high, include_low, include_high)


@pytest.mark.parametrize(("node", "json_value", "expected"), [
    # inclusive / exclusive ends
    (rng("400", "499"), 400, True),
    (rng("400", "499"), 499, True),
    (rng("400", "499"), 450, True),
    (rng("400", "499"), 399, False),
    (rng("400", "499"), 500, False),
    (rng("400", "499", include_low=False), 400, False),
    (rng("400", "499", include_high=False), 499, False),
    (rng("400", "499", include_high=False), 498.9, True),
    # numbers as numbers, not as text ("1000" > "499" as text)
    (rng("400", "499"), 1000, False),
    (rng("9", "10"), 10, True),
    (rng("400", "499"), "404", True),
    (rng("400", "499"), "4.5e2", True),
    (rng("400.5", "401"), 400, False),
    (rng("400", "499"), [200, 404], True),
    (rng("400", "499"), [200, 500], False),
    # open ends
    (rng("400", None), 10**9, True),
    (rng("400", None), 399, False),
    (rng("400", None, include_low=False), 400, False),
    (rng(None, "500", include_high=False), 499, True),
    (rng(None, "500", include_high=False), 500, False),
    (rng(None, "500"), -5, True),
    (rng(None, None), 0, True),
    (rng(None, None), "", True),
    (rng(None, None), None, False),
    # string ranges: case-insensitive order
    (rng("2026-01-01", "2026-02-01"), "2026-01-15T10:00:00.00+0000", True),
    (rng("2026-01-01", "2026-02-01"), "2026-02-01T00:00:00.00+0000", False),
    (rng("2026-01-01", "2026-02-01"), "2025-12-31T23:59:59.99+0000", False),
    (rng("a", "c"), "B", True),
    (rng("A", "C"), "b", True),
    (rng("a", "c"), "c", True),
    (rng("a", "c", include_high=False), "C", False),
    (rng("a", "c"), "d", False),
    # a non-numeric string against numeric bounds compares as text
    (rng("400", "499"), "abc", False),
    (rng("400", "499"), "450abc", True),
    # a number against text bounds compares its text
    (rng("a", "z"), 404, False),
    (rng("1", "z"), 404, True),
    # bools, null, objects never
    (rng(None, None), True, False),
    (rng("0", "1"), True, False),
    (rng("a", "z"), False, False),
    (rng("0", "1"), None, False),
    (rng("0", "1"), {"a": 1}, False),
    (rng("0", "1"), [], False),
])
def test_range_matches(node: Range, json_value: object, expected: bool) -> None:
    assert range_matches(node, json_value) is expected


def test_range_from_comparison_query() -> None:
    node = range_of("code:>=400")
    assert range_matches(node, 400) and range_matches(node, "500") and not range_matches(node, 399)
    node = range_of("code:<500")
    assert range_matches(node, 499) and not range_matches(node, 500)


# ----------------------------------------------------------------------------- find_values

EVENT: dict = {
    "action": "iam-identity.user-apikey.login",
    "initiator": {"name": "alice@example.com", "host": {"agent": "curl/8.5.0"}},
    "reason": {"reasonCode": 200},
    "requestData": {"token.account.bss": "abc", "lock": True, "prev": None, "tags": ["a", "b"]},
    "resources": [
        {"id": "r1", "tags": ["x"]},
        {"id": "r2", "nested": [{"id": "deep"}]},
        "not-an-object",
        {"other": 1},
    ],
}


@pytest.mark.parametrize(("path", "expected"), [
    (("action",), ["iam-identity.user-apikey.login"]),
    (("initiator", "host", "agent"), ["curl/8.5.0"]),
    (("requestData", "token.account.bss"), ["abc"]),
    (("requestData", "lock"), [True]),
    (("requestData", "prev"), [None]),
    (("requestData", "tags"), [["a", "b"]]),
    (("resources", "id"), ["r1", "r2"]),
    (("resources", "tags"), [["x"]]),
    (("resources", "nested", "id"), ["deep"]),
    (("resources",), [EVENT["resources"]]),
    (("missing",), []),
    (("initiator", "missing"), []),
    (("action", "deeper"), []),
    (("requestData", "tags", "x"), []),
    ((), [EVENT]),
])
def test_find_values(path: tuple[str, ...], expected: list[object]) -> None:
    assert find_values(EVENT, path) == expected


def test_find_values_with_parsed_paths() -> None:
    node = parse('requestData["token.account.bss"]:ABC')
    assert isinstance(node, Match)
    (path,) = node.field.paths
    assert any(value_matches(node.value, v) for v in find_values(EVENT, path))


# ----------------------------------------------------------------------------- text_pattern

def raw(event: object) -> bytes:
    """An event as the store's sources hold it."""
    return orjson.dumps(event)


def test_text_pattern_plain_case_insensitive() -> None:
    value = Value("Login")
    assert text_pattern(value).needle == b"login"  # one plain find over lower-cased bytes
    assert text_matches(value, raw({"action": "iam.LOGIN"}))
    assert not text_matches(value, raw({"action": "logout"}))


def test_text_pattern_is_a_substring_search() -> None:
    assert text_matches(t("CLI").value, raw({"agent": "IBM Cloud CLI 2.29.1 / linux"}))


def test_text_pattern_quote_is_json_escaped() -> None:
    value = parse(r'"say \"hi\""')
    assert isinstance(value, Text)
    assert text_pattern(value.value).needle == b'say \\"hi\\"'
    assert text_matches(value.value, raw({"message": 'they say "hi" twice'}))


def test_text_pattern_backslash_and_control_characters() -> None:
    assert text_matches(Value("a\\b"), raw({"m": "a\\b"}))
    assert text_matches(Value("line1\nline2"), raw({"m": "line1\nline2"}))
    assert text_matches(Value("a\tb"), raw({"m": "A\tB"}))


def test_text_pattern_non_ascii_stays_utf8() -> None:
    value = Value("Zürich")
    assert text_pattern(value).needle == "zürich".encode()
    assert text_matches(value, raw({"location": "zürich"}))


def test_text_pattern_wildcards() -> None:
    node = parse("api*key")
    assert isinstance(node, Text)
    assert text_matches(node.value, raw({"a": "my-api-user-key"}))
    # the run stops at a quote: no match across two JSON strings
    assert not text_matches(node.value, raw({"api": "key"}))
    assert text_matches(node.value, raw({"api": "x", "b": "api-KEY"}))  # a later place is tried
    node = parse("k?y")
    assert isinstance(node, Text)
    assert text_matches(node.value, raw({"a": "kxy"}))
    assert not text_matches(node.value, raw({"a": "k", "b": "y"}))


def test_text_pattern_wildcards_at_the_ends_are_one_find() -> None:
    node = parse("*prod*")
    assert isinstance(node, Text)
    assert text_pattern(node.value).needle == b"prod"


def test_text_pattern_quoted_star_is_literal() -> None:
    node = parse('"a*b"')
    assert isinstance(node, Text)
    assert text_pattern(node.value).needle == b"a*b"
    assert not text_matches(node.value, raw({"m": "aXb"}))
    assert text_matches(node.value, raw({"m": "a*b"}))


def test_text_pattern_escaped_star_mixed_with_wildcard() -> None:
    node = parse(r"a\*b*")
    assert isinstance(node, Text)
    assert text_matches(node.value, raw({"m": "a*bcd"}))
    assert not text_matches(node.value, raw({"m": "aXbcd"}))


def test_text_pattern_is_cached() -> None:
    assert text_pattern(Value("cached")) is text_pattern(Value("cached"))


def test_text_pattern_lone_surrogate_does_not_fail() -> None:
    assert not text_matches(Value("a\ud800"), raw({"m": "a"}))


# ----------------------------------------------------------------------------- the module stays light

def test_module_imports_neither_textual_nor_rich() -> None:
    code = ("import sys, tui.core.query\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n")
    root = pathlib.Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# ----------------------------------------------------------------------------- Cloud Logs' suffixes


def test_keyword_and_numeric_suffixes_mean_the_field_itself() -> None:
    """`.keyword` and `.numeric`, which Cloud Logs' Lucene mode puts after a field, name the
    field: a query copied from Cloud Logs asks atlens the same question."""
    match = parse("action.keyword:iam-identity.*")
    assert isinstance(match, Match) and match.field.paths == (("action",),)
    assert match.field.text == "action.keyword"
    code = parse("reason.reasonCode.numeric:[400 TO 499]")
    assert isinstance(code, Range) and code.field.paths == (("reason", "reasonCode"),)
    present = parse("_exists_:initiator.name.keyword")
    assert isinstance(present, Exists) and present.field.paths == (("initiator", "name"),)
    # Short names take them too.
    assert parse("code.numeric:>=400").field.paths == (("reason", "reasonCode"),)
    assert parse("user.keyword:alice").field.paths == (("initiator", "name"),)
    assert field_ref("initiator.keyword").paths == ALIASES["initiator"]
    assert field_ref("target.name.keyword").paths == (("target", "name"),)


def test_a_key_named_keyword_is_written_in_brackets_and_a_lone_one_is_a_field() -> None:
    """The rule is the same whatever the events hold: a last part `keyword` or `numeric` after a
    dot is the suffix; `["keyword"]` is a key of that name; a field of one part is that field."""
    assert field_ref('requestData["keyword"]').paths == (("requestData", "keyword"),)
    assert field_ref('requestData["numeric"]').paths == (("requestData", "numeric"),)
    assert field_ref("keyword").paths == (("keyword",),)
    assert field_ref("numeric").paths == (("numeric",),)
    # One suffix is taken off, not more; a part in the middle is a key.
    assert field_ref("requestData.keyword.keyword").paths == (("requestData", "keyword"),)
    assert field_ref("a.keyword.b").paths == (("a", "keyword", "b"),)
    # Other case, other words: keys as written.
    assert field_ref("action.Keyword").paths == (("action", "Keyword"),)
    assert field_ref("action.keywords").paths == (("action", "keywords"),)
