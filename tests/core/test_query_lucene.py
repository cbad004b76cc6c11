"""Lucene constructs that used to answer nothing in silence: regular expressions, `*:*`, time
ranges, and the queries that parse but could never match (now errors with a caret)."""

from __future__ import annotations

import random
import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.reference import matches
from tui.core.regex import Regex, RegexTooComplex
from tui.core.query import (All, Match, Not, QuerySyntaxError, Text, Value, parse, quote_value, range_matches,
                            text_matches, text_pattern, text_search, value_matches)


def error_of(query: str) -> QuerySyntaxError:
    """The syntax error a query raises."""
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    return info.value


def hits(query: str, value: object) -> bool:
    """Whether `query` (one field clause) matches an event holding value at that field."""
    node = parse(query)
    assert isinstance(node, Match)
    return value_matches(node.value, value)


# ----------------------------------------------------------------------------- regular expressions


@pytest.mark.parametrize("query, value, expected", [
    (r"initiator.name:/.*@example\.org/", "alice@example.org", True),
    (r"initiator.name:/.*@example\.org/", "ALICE@Example.ORG", True),  # any case, as every comparison
    (r"initiator.name:/.*@example\.org/", "alice@example.org.evil.com", False),  # the whole value
    (r"initiator.name:/.*@example\.org/", "alice@exampleXorg", False),
    ("action:/iam-identity\\.user-apikey\\.(login|logout)/", "iam-identity.user-apikey.logout", True),
    ("target.name:/my-?key/", "mykey", True),
    ("target.name:/ab+c/", "abbbc", True),
    ("target.name:/ab+c/", "ac", False),
    ("target.name:/a{2,3}/", "aaa", True),
    ("target.name:/a{2,3}/", "aaaa", False),
    ("target.name:/a{2}/", "aa", True),
    ("target.name:/a{2,}/", "aaaaaa", True),
    ("target.name:/[a-c]+[0-9]/", "cab7", True),
    ("target.name:/[^a-c]+/", "xyz", True),
    ("target.name:/[^a-c]+/", "xaz", False),
    ("target.name:/[^A]+/", "bab", False),  # a negated class excludes both cases too
    (r"target.name:/\d+-\w+/", "42-db_1", True),
    ("target.name:/@&~(.*prod.*)/", "staging-db", True),  # complement and intersection
    ("target.name:/@&~(.*prod.*)/", "my-PROD-db", False),
    ("target.name:/.*db.*&.*prod.*/", "db-for-prod", True),
    ("target.name:/.*db.*&.*prod.*/", "db-for-dev", False),
    ("code:/<400-499>/", 403, True),  # numbers as their text
    ("code:/<400-499>/", 500, False),
    ("code:/<1-9>/", "07", False),  # bounds of one width fix the width, as in Lucene
    ("code:/<01-09>/", "07", True),
    ("code:/<1-10>/", "007", True),
    ('target.name:/"a.b"c/', "a.bc", True),  # a quoted run is literal
    ('target.name:/"a.b"c/', "axbc", False),
    ("target.name:/@/", "anything at all", True),
    ("target.name:/#/", "", False),
    ("target.name:/()/", "", True),
    (r"requestData.path:/\/v1\/.*/", "/v1/keys", True),  # \/ is a slash inside the expression
    ("dataEvent:/t.*/", True, True),  # booleans as true/false
    ("target.name:/x/", None, False),
    ("target.name:/.*/", {"an": "object"}, False),
    ("target.name:/b.*/", ["abc", "bcd"], True),  # a list: any element
])
def test_regular_expression_values(query: str, value: object, expected: bool) -> None:
    assert hits(query, value) is expected


def test_regular_expression_runs_in_linear_time_on_a_pathological_pattern() -> None:
    # (a|aa)*b against a long run of a: exponential for a backtracking engine
    assert not hits("message:/(a|aa)*(a|aa)*b/", "a" * 100_000)
    assert hits("message:/(a|aa)*(a|aa)*b/", "a" * 100_000 + "b")


def test_regular_expression_is_part_of_a_query() -> None:
    node = parse(r"user:/.*@example\.org/ AND -outcome:success")
    event = {"initiator": {"name": "bob@example.org"}, "outcome": "failure"}
    assert matches(node, event, b"{}")
    assert not matches(node, {**event, "outcome": "success"}, b"{}")


@pytest.mark.parametrize("query, column, words", [
    ("user:/ab", 5, "never closed"),
    ("user:/ab\\/", 5, "never closed"),
    ("user:/(ab/", 6, 'unbalanced "("'),
    ("user:/ab)/", 8, 'unbalanced ")"'),
    ("user:/[ab/", 6, 'unbalanced "["'),
    ("user:/a{3,2}/", 7, "at most 2"),
    ("user:/a{x}/", 7, "{n}, {n,} or {n,m}"),
    ("user:/a{2/", 7, "never closed"),
    ("user:/*a/", 6, "nothing before"),
    ("user:/a|/", 8, "expected a character"),
    ("user:/<9-1>/", 6, "down to"),
    ("user:/[z-a]/", 8, "backwards"),
    ("outcome:success AND user:/(a(b/", 28, 'unbalanced "("'),
    ("user:/a/b", 8, "expected a space"),
])
def test_regular_expression_errors_point_at_the_column(query: str, column: int, words: str) -> None:
    error = error_of(query)
    assert error.column == column, error.caret()
    assert words in error.message


def test_a_regular_expression_without_a_field_is_an_error() -> None:
    error = error_of(r"/.*@example\.org/")
    assert error.column == 0
    assert "needs a field" in error.message


def test_quick_filter_value_starting_with_a_slash_stays_literal() -> None:
    for text in ("/v1/keys", "/", "/a/"):
        node = parse(f"requestData.path:{quote_value(text)}")
        assert node == Match(node.field, Value(text, quoted=True)), text
        assert value_matches(node.value, text)


# ----------------------------------------------------------------------------- everything, and fields


def test_star_colon_star_is_every_event() -> None:
    assert parse("*:*") == All()
    assert parse("NOT *:*") == Not(All())
    failed, passed = {"outcome": "failure"}, {"outcome": "success"}
    assert matches(parse("*:* AND outcome:failure"), failed, b"{}")
    assert not matches(parse("*:* AND outcome:failure"), passed, b"{}")
    assert matches(parse("*:* OR outcome:failure"), passed, b"{}")


@pytest.mark.parametrize("query, column, words", [
    ("*:alice", 0, "*:*"),
    ("requestData.*:x", 12, "wildcards in a field name"),
    ("init?ator.name:x", 4, "wildcards in a field name"),
    ("alice~", 5, "fuzzy"),
    ("user:alice~2", 10, "fuzzy"),
    ("alice^2", 5, "boost"),
    ("code:[500 TO 400]", 5, "empty"),
    ("target.name:{b TO a}", 12, "empty"),
])
def test_queries_that_could_never_match_are_errors(query: str, column: int, words: str) -> None:
    error = error_of(query)
    assert error.column == column, error.caret()
    assert words in error.message


def test_escaped_tilde_and_caret_are_plain_characters() -> None:
    assert parse(r"user:alice\~2") == Match(parse("user:x").field, Value("alice~2"))
    assert parse(r"a\^b") == Text(Value("a^b"))


# ----------------------------------------------------------------------------- time ranges


@pytest.mark.parametrize("query, column", [
    ("time:[yesterday TO now]", 6),
    ("eventTime:[2026-11-20 TO now-1q]", 25),
    ("time:>now-1", 6),
    ("time:{15m TO *}", 6),
])
def test_time_ranges_that_are_not_times_are_errors(query: str, column: int) -> None:
    error = error_of(query)
    assert error.column == column, error.caret()
    assert "2026-11-20" in error.message  # says which forms are understood


@pytest.mark.parametrize("query, value, expected", [
    ("time:[2026-11-20 TO 2026-11-21]", "2026-11-20T10:00:00.00+0000", True),
    ("time:[2026-11-20 TO 2026-11-21]", "2026-11-22T10:00:00.00+0000", False),
    # compared as times, not as text: the zone counts (10:00 at +01:00 is 09:00 UTC)
    ("time:[2026-11-20T10:00:00+01:00 TO *]", "2026-11-20T09:30:00.00+0000", True),
    ("time:[* TO 2026-11-20T10:00:00+01:00}", "2026-11-20T09:30:00.00+0000", False),
    ("time:>=2026-11-20T09:45:00Z", "2026-11-20T09:30:00.00+0000", False),
    ("eventTime:[2026-11-20T09:00 TO 2026-11-20T10:00]", "2026-11-20 09:30:00", True),
    ("time:[2026-11-20 TO *]", "not a time", False),
])
def test_time_ranges_compare_times(query: str, value: object, expected: bool) -> None:
    node = parse(query)
    assert range_matches(node, value) is expected  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- many negations


@pytest.mark.parametrize("prefix", ["NOT ", "-", "!", "NOT -!"])
def test_a_thousand_negations_parse(prefix: str) -> None:
    count = 1000 // prefix.count("-") if prefix == "NOT -!" else 1000
    even = parse(prefix * count + "alice")
    odd = parse(prefix * count + "-alice")
    assert even == Text(Value("alice")) or even == Not(Not(Text(Value("alice"))))
    assert matches(even, {}, b'{"a":"alice"}') and not matches(odd, {}, b'{"a":"alice"}')


# ----------------------------------------------------------------------------- linear wildcards agree with regexes


_ALPHABET = 'ab"\n*?'


def _python_pattern(parts: tuple, star: str, one: str, escape) -> str:
    """A backtracking regular expression for wildcard parts (fine on the short texts drawn here)."""
    return "".join(star if wild and text == "*" else one if wild else escape(text) for wild, text in parts)


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(alphabet="ab*?", min_size=1, max_size=8), text=st.text(alphabet=_ALPHABET, max_size=12))
def test_wildcard_values_match_as_a_regular_expression_would(pattern: str, text: str) -> None:
    node = parse(f"message:{pattern}")
    if not isinstance(node, Match) or not node.value.wildcard:
        return
    parts = node.value.regex.parts  # type: ignore[union-attr]
    expected = re.fullmatch(_python_pattern(parts, ".*", ".", re.escape), text, re.IGNORECASE | re.DOTALL) is not None
    assert value_matches(node.value, text) is expected


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(alphabet="ab*?", min_size=1, max_size=8), texts=st.lists(st.text(alphabet=_ALPHABET, max_size=8), max_size=4))
def test_free_text_wildcards_search_as_a_regular_expression_would(pattern: str, texts: list[str]) -> None:
    node = parse(pattern)
    if not isinstance(node, Text):
        return
    raw = orjson.dumps({f"k{i}": text for i, text in enumerate(texts)})
    parts = text_pattern(node.value).parts
    regex = _python_pattern(parts, '[^"]*', '[^"]', lambda text: re.escape(orjson.dumps(text)[1:-1].decode()))
    assert text_matches(node.value, raw) is (re.search(regex.encode(), raw, re.IGNORECASE) is not None)
    # over a file, a run stops at a line end too
    lines = b"\n".join(orjson.dumps(text) for text in texts)
    search = text_search(parts, lines=True)
    line_regex = regex.replace('[^"]', '[^"\\n]').encode()
    assert (search.search(lines.lower()) >= 0) is (re.search(line_regex, lines, re.IGNORECASE) is not None)


def test_a_pattern_over_many_distinct_values_keeps_answering() -> None:
    """The states a pattern builds over many values are dropped and built again as needed: only
    a single value needing too many states is refused."""
    pattern = Regex("<0-99999999>")
    numbers = random.Random(5).sample(range(100_000_000), 30_000)
    assert all(pattern.fullmatch(str(number)) for number in numbers)
    assert not pattern.fullmatch("100000000")
    varied = "".join(random.Random(7).choices("ab", k=60_000))
    with pytest.raises(RegexTooComplex):
        Regex(".*a.{14}").fullmatch(varied)
