"""The query language: Lucene syntax as typed in IBM Cloud Logs, Kibana and LogDNA.

`parse(text)` gives a tree of the nodes below, or raises QuerySyntaxError with the column where
the query went wrong. The value semantics (what `field:value` means against a JSON value) live
here too, so that the fast paths over the store and the tests' reference evaluator share them.
"""

from __future__ import annotations

import calendar
import functools
import ipaddress
import json
import re
import time
from datetime import timedelta
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Union

import orjson

from .decode import _EPOCH, parse_time_us
from .catalog_fields import SHORT_NAMES as CATALOG_SHORT_NAMES
from .present import printable
from .regex import Regex, RegexError

#: A field path: ("requestData", "token.account.bss") for requestData["token.account.bss"].
Path = tuple[str, ...]

#: Short names a user may type for common fields, each standing for one or more paths.
ALIASES: dict[str, tuple[Path, ...]] = {
    "initiator": (("initiator", "name"), ("initiator", "id")),
    "target": (("target", "name"), ("target", "id")),
    "agent": (("initiator", "host", "agent"),),
    "ip": (("initiator", "host", "address"),),
    "code": (("reason", "reasonCode"),),
    "user": (("initiator", "name"),),
    "time": (("eventTime",),),
    # The person (or service ID, trusted profile) behind the initiator, under all names and ids (people).
    "identity": (("identity",),),
    # What the catalog knows about the event's action (catalog_fields).
    **{short: (path,) for short, path in CATALOG_SHORT_NAMES.items()},
}


#: Suffixes IBM Cloud Logs' Lucene mode puts after a field name to pick its keyword or numeric
#: index (`action.keyword:iam-*`, `reason.reasonCode.numeric:>=400`): to atlens, the field itself.
#: A last part written plainly after a dot is the suffix, whatever the events hold (so a query
#: means the same before and after an event arrives); `requestData["keyword"]` is a key of that name.
FIELD_SUFFIXES = (".keyword", ".numeric")


@dataclass(frozen=True, slots=True)
class FieldRef:
    """The field a clause names, as typed, and the paths it stands for (an alias may give two)."""

    text: str
    paths: tuple[Path, ...]
    #: the Cloud Logs suffix typed after the field (FIELD_SUFFIXES), taken off the paths; "" for none
    suffix: str = ""

    @property
    def name(self) -> str:
        """The field as typed without its suffix (what the paths stand for)."""
        return self.text[:len(self.text) - len(self.suffix)] if self.suffix else self.text


@dataclass(frozen=True, slots=True)
class Value:
    """A value as typed: unescaped text, whether it was quoted, and whether it holds wildcards.

    `wildcard` is true when an unescaped, unquoted `*` or `?` occurs; `regex` then matches the
    whole value case-insensitively (`*` any run, `?` one character). Quoted values never hold
    wildcards. `regexp` is the Lucene regular expression of a `/.../` value (`text` is its source).
    """

    text: str
    quoted: bool = False
    wildcard: bool = False
    regex: "Wildcard | None" = field(default=None, compare=False)
    regexp: Regex | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """`field:value`: the field's whole value equals the value (or its wildcard pattern matches)."""

    field: FieldRef
    value: Value


@dataclass(frozen=True, slots=True)
class Range:
    """`field:[low TO high]`, `{low TO high}`, `field:>=400`, `field:<500`; None is an open end (`*`)."""

    field: FieldRef
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True
    #: for a time field, the bounds as microseconds since the epoch: compared as times
    times: tuple[int | None, int | None] | None = None


@dataclass(frozen=True, slots=True)
class Exists:
    """`_exists_:field`: the field is present with a value other than null."""

    field: FieldRef


@dataclass(frozen=True, slots=True)
class Network:
    """The field holds an IP address inside a network (`10.0.0.0/8`, `2001:db8::/32`): Sigma's cidr.

    Not written in the query language: Sigma rules compile to it (detect).
    """

    field: FieldRef
    network: str


@dataclass(frozen=True, slots=True)
class Text:
    """A bare word or quoted phrase: case-insensitive text anywhere in the event as logged."""

    value: Value


@dataclass(frozen=True, slots=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: "Node"


@dataclass(frozen=True, slots=True)
class All:
    """The empty query: every event."""


Node = Union[Match, Range, Exists, Network, Text, And, Or, Not, All]


class QuerySyntaxError(ValueError):
    """A query that cannot be read: where (0-based column) and what was expected there."""

    def __init__(self, query: str, column: int, message: str) -> None:
        super().__init__(message)
        self.query = query
        self.column = column
        self.message = message

    def caret(self) -> str:
        """The query, and a caret under the column where it went wrong, then the message.

        Always exactly three lines: any whitespace character in the query or the message (a tab,
        a line break) is shown as a space, so the caret stays under the right character.
        """
        return f"{_one_line(self.query)}\n{' ' * self.column}^\n{_one_line(self.message)}"

    def __str__(self) -> str:
        return self.caret()


def _one_line(text: str) -> str:
    """The text with every whitespace character (tabs, line breaks) shown as one space."""
    return "".join(" " if ch.isspace() else ch for ch in text)


def parse(text: str, *, now_us: int | None = None) -> Node:
    """Parse a query; raise QuerySyntaxError on malformed input. Never returns a node that
    silently matches nothing because of a typo.

    Args:
        now_us: what `now` means in date math on time (`time:>now-7d`): the clock when None;
            the TUI gives the newest event's time when relative times are anchored on it.
    """
    if not text.strip():
        return All()
    return _Parser(text, now_us=now_us).parse_query()


def field_ref(text: str) -> FieldRef:
    """A FieldRef for a field as typed: an alias, a dotted path, or a path with ["quoted key"] parts."""
    return _field_ref(text, text, 0)


#: Values written as they are in a query; anything else is quoted (see quote_value).
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.@/+-]+")
#: Words the parser could read as operators.
_KEYWORDS = frozenset({"AND", "OR", "NOT", "TO"})
#: Characters escaped with `\\` in an unquoted value.
_WORD_SPECIALS = frozenset(' \t()"\\*?:[]{}<>!+-&|^~/')


def quote_value(text: str) -> str:
    """A value as written after `field:` so that it matches text exactly, wildcards and other
    specials taken literally: as is when plain, else in double quotes with `\\` and `"` escaped
    (a quoted value holds no wildcards). A value holding control characters, which a query line
    can neither show nor type, is written as an unquoted word with each of them as the one-character
    wildcard `?` (it then matches text, and values differing only there)."""
    if printable(text) != text:
        return "".join("?" if printable(ch) != ch else ("\\" + ch if ch in _WORD_SPECIALS or ch.isspace() else ch)
                       for ch in text)
    if _PLAIN_VALUE.fullmatch(text) and not text.startswith(("-", "/")) and text not in _KEYWORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quick_filter(current: str, field: str, value: str, *, exclude: bool = False) -> str:
    """The query text with a clause added that keeps (or, exclude, hides) the events whose field
    has exactly value (the language's whole-value, case-insensitive match), ANDed to current as
    and_clause does."""
    return and_clause(current, f"{'-' if exclude else ''}{field}:{quote_value(value)}")


def text_form(value: object) -> str:
    """A scalar JSON value as the language compares it: strings as they are, numbers as JSON
    writes them, true/false."""
    return _text_form(value)


# ----------------------------------------------------------------------------- parsing

#: Keywords, upper case only as in Lucene; `&&` and `||` are Lucene's other spelling.
_AND_WORDS = ("AND", "&&")
_OR_WORDS = ("OR", "||")
_NOT_WORDS = ("NOT",)

#: Deeper nesting than this is refused (it would otherwise exhaust Python's stack).
_MAX_DEPTH = 50
#: The fields whose ranges compare times, and the forms a bound may take there.
_TIME_PATHS = (("eventTime",),)
_TIME_FORMS = ("a date or time such as 2026-11-20, 2026-11-20T10:00 or 2026-11-20T10:00:00+01:00 (UTC unless zoned), "
               "or date math such as now-7d or now-1d/d")
#: Lucene's date math: now, then steps (+1d, -2h) and a rounding (/d), in its units.
_DATE_MATH = re.compile(r"now((?:[+-]\d+[yMwdhHms])*)(?:/([yMwdhHms]))?")
_DATE_STEP = re.compile(r"([+-])(\d+)([yMwdhHms])")
_FIXED_UNITS = {"w": 7 * 86_400_000_000, "d": 86_400_000_000, "h": 3_600_000_000, "H": 3_600_000_000,
                "m": 60_000_000, "s": 1_000_000}
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[zZ]|[+-]\d{2}:?\d{2})?)?")

#: A run of a value as typed: (True, "*" or "?") for a wildcard, (False, text) for literal text.
_Part = tuple[bool, str]


@dataclass(frozen=True, slots=True)
class _Leaf:
    """What the innermost terms of an expression are: search terms, or values for one field."""

    parse: Callable[[], Node]
    noun: str


class _Parser:
    """A recursive-descent parser over the query text; `pos` is the current column."""

    def __init__(self, text: str, *, now_us: int | None = None) -> None:
        self.text = text
        self.now_us = now_us
        self.pos = 0
        self.depth = 0
        self.top = _Leaf(self._parse_clause, "a search term")

    # ---------------------------------------------------------------- helpers

    def _error(self, column: int, message: str) -> QuerySyntaxError:
        """An error at a column (kept within the query)."""
        column = max(0, min(column, len(self.text)))
        return QuerySyntaxError(self.text, column, message)

    def _at_end(self) -> bool:
        """Whether the whole query has been read."""
        return self.pos >= len(self.text)

    def _peek(self) -> str:
        """The current character, or "" at the end."""
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip_spaces(self) -> None:
        """Move past whitespace."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _at_delimiter(self, index: int) -> bool:
        """Whether a word may end before `index`: the end, whitespace or a parenthesis."""
        return index >= len(self.text) or self.text[index].isspace() or self.text[index] in "()"

    def _at_keyword(self, words: tuple[str, ...]) -> str | None:
        """The keyword among `words` that stands at the current column as a word of its own."""
        for word in words:
            if self.text.startswith(word, self.pos) and self._at_delimiter(self.pos + len(word)):
                return word
        return None

    def _expect_delimiter(self, what: str) -> None:
        """After a quoted text or a range, the term must end: whitespace, ")" or the end."""
        if not self._at_end() and not self._peek().isspace() and self._peek() != ")":
            raise self._error(self.pos, f'expected a space or ")" after the {what}')

    # ---------------------------------------------------------------- expressions

    def parse_query(self) -> Node:
        """The whole query: an OR expression, then nothing but whitespace."""
        node = self._parse_or(self.top)
        self._skip_spaces()
        if not self._at_end():
            raise self._error(self.pos, 'unbalanced ")": no "(" opened it')
        return node

    def _parse_or(self, leaf: _Leaf) -> Node:
        """AND expressions joined by OR (the loosest binding)."""
        children = [self._parse_and(leaf)]
        while True:
            self._skip_spaces()
            word = self._at_keyword(_OR_WORDS)
            if word is None:
                return _combine(Or, children)
            self.pos += len(word)
            self._expect_term_after(word, leaf, spaces_allowed=True)
            children.append(self._parse_and(leaf))

    def _parse_and(self, leaf: _Leaf) -> Node:
        """Unary terms joined by AND, or just side by side (implicit AND)."""
        children = [self._parse_unary(leaf)]
        while True:
            self._skip_spaces()
            if self._at_end() or self._peek() == ")" or self._at_keyword(_OR_WORDS):
                return _combine(And, children)
            word = self._at_keyword(_AND_WORDS)
            if word is not None:
                self.pos += len(word)
                self._expect_term_after(word, leaf, spaces_allowed=True)
            children.append(self._parse_unary(leaf))

    def _expect_term_after(self, operator: str, leaf: _Leaf, *, spaces_allowed: bool) -> None:
        """After an operator there must be a term (for `-`, `!` and `+`: right after it)."""
        if spaces_allowed:
            self._skip_spaces()
        missing = (self._at_end() or self._peek() == ")" or self._peek().isspace()
                   or self._at_keyword(_AND_WORDS) or self._at_keyword(_OR_WORDS))
        if missing:
            where = "after" if spaces_allowed else "right after"
            raise self._error(self.pos, f'expected {leaf.noun} {where} "{operator}"')

    def _parse_unary(self, leaf: _Leaf) -> Node:
        """A term with any number of NOT, `-` or `!` before it (and Lucene's `+`, which changes nothing)."""
        self._skip_spaces()
        negations = 0
        while True:
            word = self._at_keyword(_NOT_WORDS)
            if word is not None:
                self.pos += len(word)
                self._expect_term_after(word, leaf, spaces_allowed=True)
                negations += 1
            elif self._peek() in ("-", "!", "+"):
                sign = self._peek()
                self.pos += 1
                self._expect_term_after(sign, leaf, spaces_allowed=False)
                if sign != "+":
                    negations += 1
            else:
                break
        node = self._parse_primary(leaf)
        # Two negations cancel: a run of a thousand is one Not or none, never a tree that deep.
        return Not(node) if negations % 2 else node

    def _parse_primary(self, leaf: _Leaf) -> Node:
        """A parenthesised group or one innermost term."""
        if self._at_end():
            raise self._error(self.pos, f"expected {leaf.noun}")
        if self._peek() == ")":
            if self.depth == 0:
                raise self._error(self.pos, 'unbalanced ")": no "(" opened it')
            raise self._error(self.pos, f"expected {leaf.noun}")
        word = self._at_keyword(_AND_WORDS) or self._at_keyword(_OR_WORDS)
        if word is not None:
            raise self._error(self.pos, f'expected {leaf.noun} before "{word}"')
        if self._peek() == "(":
            return self._parse_group(leaf)
        return leaf.parse()

    def _parse_group(self, leaf: _Leaf) -> Node:
        """`( ... )`: an OR expression of the same kind of terms."""
        opened = self.pos
        self.pos += 1
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self._error(opened, f"the query nests parentheses more than {_MAX_DEPTH} deep")
        self._skip_spaces()
        if self._at_end():
            raise self._error(opened, 'unbalanced "(": no ")" closes it')
        if self._peek() == ")":
            raise self._error(self.pos, f"expected {leaf.noun} inside the parentheses")
        node = self._parse_or(leaf)
        self._skip_spaces()
        if self._at_end():
            raise self._error(opened, 'unbalanced "(": no ")" closes it')
        self.pos += 1  # the ")": _parse_or stops only there or at the end
        self.depth -= 1
        return node

    # ---------------------------------------------------------------- terms

    def _parse_clause(self) -> Node:
        """A search term: a quoted phrase, a bare word, or `field:value`."""
        start = self.pos
        if self._peek() == '"':
            text = self._read_quoted()
            self._expect_delimiter("closing quote")
            return Text(Value(text, quoted=True))
        if self._peek() in ("[", "{") and not self.text.startswith('["', start):
            raise self._error(start, 'a range needs a field, as in code:[400 TO 499]; put text that starts with "[" or "{" in quotes')
        if self._peek() == "/":
            raise self._error(start, "a regular expression needs a field, as in user:/.*@example\\.org/"
                                     ' (put text that starts with "/" in quotes)')
        raw, has_key = self._scan_word(stops="():", keys=True)
        if self._peek() == ":":
            if not raw:
                raise self._error(start, 'expected a field name before ":"')
            self.pos += 1
            if raw == "*":
                return self._parse_everything(start)
            return self._parse_field_clause(raw, start)
        if has_key:
            raise self._error(self.pos, f'expected ":" and a value after the field {raw}')
        value = _make_value(raw)
        if _is_lone_star(value):
            return All()
        return Text(value)

    def _parse_everything(self, start: int) -> Node:
        """`*:*`, Lucene's "every event" (the "*:" already read); any other value for "*" is refused."""
        if self._peek() == "*" and self._at_delimiter(self.pos + 1):
            self.pos += 1
            return All()
        raise self._error(start, 'a field named "*" is understood only in *:* (every event);'
                                 " to find text in any field, type the text alone")

    def _parse_field_clause(self, raw: str, start: int) -> Node:
        """What follows `field:` (the colon already read): a value, range or group; or `_exists_:field`."""
        if raw == "_exists_":
            leaf = _Leaf(self._parse_exists_field, "a field name")
        else:
            ref = _field_ref(raw, self.text, start)
            leaf = _Leaf(lambda: self._parse_field_value(ref), "a value")
        if self._at_end() or self._peek().isspace() or self._peek() == ")":
            raise self._error(self.pos, f'expected {leaf.noun} after "{raw}:"')
        if self._peek() == "(":
            return self._parse_group(leaf)
        return leaf.parse()

    def _parse_field_value(self, ref: FieldRef) -> Node:
        """One value for a field: quoted, a range, a comparison or a word (`*` alone: the field exists)."""
        first = self._peek()
        if first == '"':
            value = Value(self._read_quoted(), quoted=True)
            self._expect_delimiter("closing quote")
            return Match(ref, value)
        if first in "[{":
            return self._parse_range(ref)
        if first in "<>":
            return self._parse_comparison(ref)
        if first == "/":
            return Match(ref, self._read_regexp())
        raw, _ = self._scan_word(stops=")", keys=False)
        value = _make_value(raw)
        if _is_lone_star(value):
            return Exists(ref)
        return Match(ref, value)

    def _read_regexp(self) -> Value:
        """`/.../` (at the opening slash): a Lucene regular expression, `\\/` a slash inside it."""
        opened = self.pos
        text = self.text
        i = opened + 1
        while i < len(text) and text[i] != "/":
            i += 2 if text[i] == "\\" else 1
        if i >= len(text):
            raise self._error(opened, "the regular expression opened here is never closed (write \\/ for a slash inside it)")
        source = text[opened + 1:i]
        self.pos = i + 1
        self._expect_delimiter("regular expression")
        try:
            return Value(source, regexp=_compile_regexp(source))
        except RegexError as exc:
            raise self._error(opened + 1 + exc.column, exc.message) from None

    def _parse_exists_field(self) -> Node:
        """The field named after `_exists_:`."""
        start = self.pos
        if self._peek() == '"':
            raise self._error(start, 'expected a field name after "_exists_:", without quotes')
        raw, _ = self._scan_word(stops=")", keys=True)
        return Exists(_field_ref(raw, self.text, start))

    def _parse_range(self, ref: FieldRef) -> Range:
        """`[low TO high]`, `{low TO high}` or a mix; `*` for an open end."""
        opened = self.pos
        include_low = self._peek() == "["
        self.pos += 1
        self._skip_spaces()
        self._check_range_open(opened)
        if self._peek() in "]}":
            raise self._error(self.pos, "expected a lower bound in the range")
        if self._at_to():
            raise self._error(self.pos, 'expected a lower bound before "TO"')
        low_at = self.pos
        low = self._read_bound()
        self._skip_spaces()
        self._check_range_open(opened)
        if not self._at_to():
            raise self._error(self.pos, 'expected "TO" in the range')
        self.pos += 2
        self._skip_spaces()
        self._check_range_open(opened)
        if self._peek() in "]}":
            raise self._error(self.pos, 'expected an upper bound after "TO"')
        high_at = self.pos
        high = self._read_bound()
        self._skip_spaces()
        self._check_range_open(opened)
        if self._peek() not in "]}":
            raise self._error(self.pos, 'expected "]" or "}" to close the range')
        include_high = self._peek() == "]"
        self.pos += 1
        self._expect_delimiter("range")
        return self._checked_range(Range(ref, low, high, include_low, include_high), low_at, high_at, opened)

    def _checked_range(self, node: Range, low_at: int, high_at: int, opened: int) -> Range:
        """The range, its bounds read as times on a time field; an error where a bound is not a
        time there, or where no value could lie between the bounds."""
        low: object = node.low
        high: object = node.high
        if node.field.paths == _TIME_PATHS:
            low, high = (None if bound is None else self._time_bound(bound, at)
                         for bound, at in ((node.low, low_at), (node.high, high_at)))
            node = Range(node.field, node.low, node.high, node.include_low, node.include_high, (low, high))
        elif node.low is not None and node.high is not None:
            numbers = _number(node.low), _number(node.high)
            low, high = numbers if None not in numbers else (node.low.casefold(), node.high.casefold())
        if low is not None and high is not None and (
                low > high or (low == high and not (node.include_low and node.include_high))):  # type: ignore[operator]
            raise self._error(opened, f"the range is empty: no value lies between {node.low} and {node.high}")
        return node

    def _time_bound(self, bound: str, at: int) -> int:
        """A bound of a range on a time field as microseconds since the epoch (an error if it is no time)."""
        if bound.strip().startswith("now"):
            now = self.now_us if self.now_us is not None else time.time_ns() // 1000
            try:
                return date_math(bound.strip(), now)
            except ValueError as exc:
                raise self._error(at, f"{bound!r} is not a time: {exc}; or a date such as 2026-11-20 or 2026-11-20T10:00") from None
        us = parse_time_us(_iso_time(bound)) if _ISO_TIME.fullmatch(bound.strip()) else None
        if us is None:
            raise self._error(at, f"{bound!r} is not a time: expected {_TIME_FORMS}")
        return us

    def _check_range_open(self, opened: int) -> None:
        """Inside a range, the end of the query means the range was never closed."""
        if self._at_end():
            raise self._error(opened, "the range opened here is never closed")

    def _at_to(self) -> bool:
        """Whether the word TO (upper case) stands at the current column."""
        after = self.pos + 2
        return self.text.startswith("TO", self.pos) and (
            after >= len(self.text) or self.text[after].isspace() or self.text[after] in "]}")

    def _read_bound(self) -> str | None:
        """A range bound: quoted text, a word, or `*` (None: open end)."""
        if self._peek() == '"':
            return self._read_quoted()
        raw, _ = self._scan_word(stops="]}", keys=False)
        if raw == "*":
            return None
        return _unescape(raw)

    def _parse_comparison(self, ref: FieldRef) -> Range:
        """`>400`, `>=400`, `<500`, `<=500`: a range open on one side."""
        operator = self.text[self.pos:self.pos + 2] if self.text.startswith(("<=", ">="), self.pos) else self._peek()
        self.pos += len(operator)
        at = self.pos
        if self._at_end() or self._peek().isspace() or self._peek() == ")":
            raise self._error(self.pos, f'expected a value after "{operator}"')
        if self._peek() == '"':
            bound: str | None = self._read_quoted()
            self._expect_delimiter("closing quote")
        else:
            raw, _ = self._scan_word(stops=")", keys=False)
            bound = None if raw == "*" else _unescape(raw)
        if operator == ">":
            node = Range(ref, bound, None, include_low=False)
        elif operator == ">=":
            node = Range(ref, bound, None)
        elif operator == "<":
            node = Range(ref, None, bound, include_high=False)
        else:
            node = Range(ref, None, bound)
        return self._checked_range(node, at, at, at)

    # ---------------------------------------------------------------- words

    def _read_quoted(self) -> str:
        """A double-quoted text (at the opening quote); \\" and \\\\ are its escapes."""
        opened = self.pos
        text, end = _read_quoted_at(self.text, opened)
        if end < 0:
            raise self._error(opened, "the quote opened here is never closed")
        self.pos = end
        return text

    def _scan_word(self, *, stops: str, keys: bool) -> tuple[str, bool]:
        """The raw text (escapes kept) up to unescaped whitespace or one of `stops`.

        With `keys`, a ["quoted key"] is read whole, so its dots, spaces and colons stay in it.
        Returns the raw text and whether it held such a key.
        """
        start = self.pos
        text = self.text
        i = start
        has_key = False
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                if i + 1 >= len(text):
                    raise self._error(i, 'expected a character after "\\" (write "\\\\" for a backslash)')
                i += 2
            elif ch.isspace() or ch in stops:
                break
            elif ch == "~":
                raise self._error(i, 'atlens does not do fuzzy or proximity searches ("~"): write \\~ for the character')
            elif ch == "^":
                raise self._error(i, 'atlens does not rank results, so a boost ("^") changes nothing: remove it,'
                                     ' or write \\^ for the character')
            elif keys and text.startswith('["', i):
                _, end = _read_quoted_at(text, i + 1)
                if end < 0:
                    raise self._error(i, "the key opened here is never closed")
                i = end
                has_key = True
            else:
                i += 1
        self.pos = i
        return text[start:i], has_key


def _read_quoted_at(text: str, opened: int) -> tuple[str, int]:
    """The text of the quoted string opening at `opened`, and the index after its closing quote
    (-1 when it never closes). \\" and \\\\ are escapes; any other backslash is kept as typed."""
    out: list[str] = []
    i = opened + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out), -1


def _combine(kind: type[And | Or], children: list[Node]) -> Node:
    """An And or Or of the children, nested ones of the same kind flattened; one child is itself."""
    flat: list[Node] = []
    for child in children:
        if isinstance(child, kind):
            flat.extend(child.children)
        else:
            flat.append(child)
    if len(flat) == 1:
        return flat[0]
    return kind(tuple(flat))


def _unescape(raw: str) -> str:
    """A word as typed with its backslash escapes resolved (`\\*` is a plain star)."""
    return "".join(text for _, text in _split_word(raw))


def _split_word(raw: str) -> list[_Part]:
    """A word as typed, as literal runs and unescaped `*` / `?` wildcards."""
    parts: list[_Part] = []
    literal: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            literal.append(raw[i + 1])
            i += 2
            continue
        if ch in "*?":
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            parts.append((True, ch))
        else:
            literal.append(ch)
        i += 1
    if literal:
        parts.append((False, "".join(literal)))
    return parts


def _make_value(raw: str) -> Value:
    """The Value of an unquoted word as typed (escapes resolved, wildcards noted)."""
    parts = tuple(_split_word(raw))
    text = "".join(part for _, part in parts)
    if not any(wild for wild, _ in parts):
        return Value(text)
    return Value(text, wildcard=True, regex=_wildcard(parts))


@functools.lru_cache(maxsize=256)
def _compile_regexp(source: str) -> Regex:
    """The matcher of a `/.../` value (shared by equal queries: its states are built once)."""
    return Regex(source)


def date_math(text: str, now_us: int) -> int:
    """Lucene date math (`now`, `now-7d`, `now+1h-5m`, `now-1d/d`) as microseconds since the
    epoch, from now_us; units y M w d h (or H) m s, months and years on the calendar, rounding
    down to the unit's start in UTC. ValueError says what is wrong."""
    m = _DATE_MATH.fullmatch(text)
    if not m:
        raise ValueError("date math is now, then steps such as -7d or +1h, then a rounding such as /d "
                         "(units y M w d h m s)")
    moment = _EPOCH + timedelta(microseconds=now_us)
    for sign, amount, unit in _DATE_STEP.findall(m.group(1)):
        n = int(amount) * (1 if sign == "+" else -1)
        if unit in ("y", "M"):
            months = moment.year * 12 + moment.month - 1 + (n * 12 if unit == "y" else n)
            year, month = divmod(months, 12)
            if not 1 <= year <= 9999:
                raise ValueError("out of the range of dates")
            day = min(moment.day, calendar.monthrange(year, month + 1)[1])
            moment = moment.replace(year=year, month=month + 1, day=day)
        else:
            moment += timedelta(microseconds=n * _FIXED_UNITS[unit])
    unit = m.group(2)
    if unit:
        moment = moment.replace(microsecond=0)
        if unit != "s":
            moment = moment.replace(second=0)
        if unit not in ("s", "m"):
            moment = moment.replace(minute=0)
        if unit in ("d", "w", "M", "y"):
            moment = moment.replace(hour=0)
        if unit == "w":
            moment -= timedelta(days=moment.weekday())
        if unit in ("M", "y"):
            moment = moment.replace(day=1)
        if unit == "y":
            moment = moment.replace(month=1)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _iso_time(text: str) -> str:
    """An ISO date or time as parse_time_us reads it: a date alone is its midnight, seconds default to 0."""
    value = text.strip()
    if len(value) == 10:
        return value + "T00:00:00"
    if len(value) == 16 or (len(value) > 16 and value[16] not in ":"):
        return value[:16] + ":00" + value[16:]
    return value


def _is_lone_star(value: Value) -> bool:
    """Whether a value is a single unescaped `*` (anything at all)."""
    return value.wildcard and value.text == "*"


def _segments(parts: tuple[_Part, ...]) -> list[tuple[_Part, ...]]:
    """A wildcard value cut at each `*`: the runs of literal text and `?` between the stars."""
    segments: list[list[_Part]] = [[]]
    for wild, text in parts:
        if wild and text == "*":
            segments.append([])
        else:
            segments[-1].append((wild, text))
    return [tuple(segment) for segment in segments]


class Wildcard:
    """A wildcard value as a test of whole values, case-insensitively, in linear time.

    No backtracking: the value is cut at its stars; the first piece must start the text, the
    last end it, and those between are found in order, each at its first place after the one
    before (the first place leaves the most room for the rest, so none is ever tried again).
    A piece holds literal text and `?` only, so it has a fixed length.
    """

    __slots__ = ("parts", "_pieces")

    def __init__(self, parts: tuple[_Part, ...]) -> None:
        self.parts = parts
        self._pieces = [(sum(1 if wild else len(text) for wild, text in segment),
                         re.compile("".join("." if wild else re.escape(text) for wild, text in segment),
                                    re.IGNORECASE | re.DOTALL))
                        for segment in _segments(parts)]

    def fullmatch(self, text: str) -> bool:
        """Whether the whole text matches."""
        pieces = self._pieces
        if len(pieces) == 1:
            return pieces[0][1].fullmatch(text) is not None
        (first_width, first), *middle, (last_width, last) = pieces
        pos, end = first_width, len(text) - last_width
        if end < pos or (first_width and first.match(text) is None) or (
                last_width and last.fullmatch(text, end) is None):
            return False
        for width, piece in middle:
            if width:
                found = piece.search(text, pos, end)
                if found is None:
                    return False
                pos = found.end()
        return True


@functools.lru_cache(maxsize=1024)
def _wildcard(parts: tuple[_Part, ...]) -> Wildcard:
    """The Wildcard of a value's parts (shared by equal queries)."""
    return Wildcard(parts)


def _field_ref(raw: str, query: str, offset: int) -> FieldRef:
    """A FieldRef for a field as typed at column `offset` of `query` (for the error columns)."""
    if raw in ALIASES:
        return FieldRef(raw, ALIASES[raw])
    suffix = next((s for s in FIELD_SUFFIXES if raw.endswith(s) and len(raw) > len(s)), "")
    if suffix and raw[:-len(suffix)] in ALIASES:
        return FieldRef(raw, ALIASES[raw[:-len(suffix)]], suffix)

    def error(index: int, message: str) -> QuerySyntaxError:
        column = max(0, min(offset + index, len(query)))
        return QuerySyntaxError(query, column, message)

    parts: list[str] = []
    name: list[str] = []
    after_dot = False  # the last thing read was a "."
    after_key = False  # the last thing read was a ["key"]
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            if i + 1 >= len(raw):
                raise error(i, 'expected a character after "\\" (write "\\\\" for a backslash)')
            name.append(raw[i + 1])
            i += 2
        elif ch == ".":
            if not name and not after_key:
                raise error(i, f'expected a name before "." in the field {raw}')
            if name:
                parts.append("".join(name))
                name = []
            after_dot, after_key = True, False
            i += 1
        elif raw.startswith('["', i):
            if name:
                parts.append("".join(name))
                name = []
            key, end = _read_quoted_at(raw, i + 1)
            if end < 0:
                raise error(i, "the key opened here is never closed")
            if end >= len(raw) or raw[end] != "]":
                raise error(end, 'expected "]" after the quoted key')
            parts.append(key)
            i = end + 1
            after_dot, after_key = False, True
            if i < len(raw) and raw[i] not in ".[":
                raise error(i, f'expected "." or ["key"] after "]" in the field {raw}')
        elif ch in "*?":
            raise error(i, f"wildcards in a field name are not supported: name the field in full (in {raw})")
        elif ch in "[]":
            # Read as part of a name, it would name a field that no event has: an empty answer.
            raise error(i, f'"{ch}" in the field {raw} is not part of a ["key"]: write requestData["a.b"] for a key '
                           f'with dots, or \\{ch} for the character itself')
        elif ch.isspace():
            raise error(i, f'a space in the field {raw}: write ["a b"] for a key that holds one')
        else:
            name.append(ch)
            after_dot, after_key = False, False
            i += 1
    if name:
        parts.append("".join(name))
    elif after_dot:
        raise error(len(raw), f'expected a name after "." in the field {raw}')
    if not parts:
        raise error(0, "expected a field name")
    # Taken off when written plainly after a dot: `["keyword"]` and `.\keyword` are the key itself.
    if suffix and len(parts) > 1 and parts[-1] == suffix[1:]:
        return FieldRef(raw, (tuple(parts[:-1]),), suffix)
    return FieldRef(raw, (tuple(parts),))


# ----------------------------------------------------------------------------- value semantics

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(text: str) -> int | float | None:
    """The number a text spells (decimal, as in JSON, a sign allowed), or None."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        if any(ch in text for ch in ".eE"):
            return float(text)
        return int(text)
    except ValueError:  # more digits than Python converts
        return None


def _is_number(value: object) -> bool:
    """Whether a JSON value is a number (booleans are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text_form(value: object) -> str:
    """A scalar JSON value as text: strings as they are, numbers as JSON writes them, true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        try:
            return orjson.dumps(value).decode()
        except orjson.JSONEncodeError:
            return repr(value)
    return str(value)


def _elements(json_value: object) -> list[object]:
    """The scalars a found value stands for: itself, or a list's elements (nested lists one level)."""
    if not isinstance(json_value, list):
        return [json_value]
    found: list[object] = []
    for element in json_value:
        if isinstance(element, list):
            found.extend(element)
        else:
            found.append(element)
    return found


def find_values(event: dict, path: Path) -> list[object]:
    """The values at a path in an event; [] when it is missing.

    Each step goes through objects; a step that meets a list goes into every element that is an
    object (Lucene flattens arrays of objects). A list found at the end is one value.
    """
    current: list[object] = [event]
    for key in path:
        found: list[object] = []
        for node in current:
            candidates = node if isinstance(node, list) else [node]
            for candidate in candidates:
                if isinstance(candidate, dict) and key in candidate:
                    found.append(candidate[key])
        current = found
        if not current:
            break
    return current


def value_matches(value: Value, json_value: object) -> bool:
    """Whether `field:value` matches one JSON value found at the field.

    Strings compare case-insensitively over the whole value; numbers compare as numbers whether
    the event holds 404 or "404" (and whether the query says 404 or 404.0); `true`/`false`
    match booleans and the strings "true"/"false"; a wildcard value matches the text form of
    the value (numbers as written, booleans as true/false). A list matches when any element
    matches. null, objects and a missing field never match.
    """
    return any(_scalar_matches(value, element) for element in _elements(json_value))


def _scalar_matches(value: Value, json_value: object) -> bool:
    """value_matches for one element (a list here is nested too deep and does not match)."""
    if json_value is None or isinstance(json_value, (dict, list)):
        return False
    if value.regexp is not None:
        return value.regexp.fullmatch(_text_form(json_value))
    if value.wildcard:
        return (value.regex or _wildcard(tuple(_split_word(value.text)))).fullmatch(_text_form(json_value))
    query = value.text
    if isinstance(json_value, bool):
        return query.casefold() == ("true" if json_value else "false")
    query_number = _number(query)
    if query_number is not None:
        found = json_value if _is_number(json_value) else _number(str(json_value))
        if found is not None:
            return found == query_number
    return _text_form(json_value).casefold() == query.casefold()


def range_matches(node: Range, json_value: object) -> bool:
    """Whether a JSON value falls in the range: numerically when both the value and the bounds
    are numbers (or numeric strings), otherwise by case-insensitive string order. Lists: any
    element. null, objects, booleans and a missing field never match."""
    return any(_scalar_in_range(node, element) for element in _elements(json_value))


def _scalar_in_range(node: Range, json_value: object) -> bool:
    """range_matches for one element."""
    if json_value is None or isinstance(json_value, (bool, dict, list)):
        return False
    if node.times is not None:
        found = parse_time_us(json_value)
        return found is not None and _in_bounds(found, *node.times, node.include_low, node.include_high)
    bounds = [bound for bound in (node.low, node.high) if bound is not None]
    if all(_number(bound) is not None for bound in bounds):
        found = json_value if _is_number(json_value) else _number(str(json_value))
        if found is not None:
            low = None if node.low is None else _number(node.low)
            high = None if node.high is None else _number(node.high)
            return _in_bounds(found, low, high, node.include_low, node.include_high)
    low_text = None if node.low is None else node.low.casefold()
    high_text = None if node.high is None else node.high.casefold()
    return _in_bounds(_text_form(json_value).casefold(), low_text, high_text, node.include_low, node.include_high)


def _in_bounds(found: Any, low: Any, high: Any, include_low: bool, include_high: bool) -> bool:
    """Whether `found` lies between the bounds (None: open), each inclusive or not."""
    if low is not None and (found < low or (found == low and not include_low)):
        return False
    if high is not None and (found > high or (found == high and not include_high)):
        return False
    return True


def network_matches(node: Network, json_value: object) -> bool:
    """Whether a JSON value (or a list's element) is an IP address inside the node's network;
    anything that is not an address never matches."""
    network = _network(node.network)
    for element in _elements(json_value):
        if isinstance(element, str):
            try:
                if ipaddress.ip_address(element.strip()) in network:
                    return True
            except ValueError:
                continue
    return False


@functools.lru_cache(maxsize=256)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def exists(json_value: object) -> bool:
    """Whether a found value counts for `_exists_` (present and not null)."""
    return json_value is not None


def text_pattern(value: Value, *, lines: bool = False) -> TextSearch:
    """What a Text clause looks for in an event's raw bytes, case-insensitively (ASCII).

    The text is searched in its JSON-escaped form (a quote is `\\"` in the log), so a phrase
    matches the logged text whether or not it holds characters JSON escapes. Unquoted `*`
    stands for any run of characters other than a double quote, `?` for one such character;
    with `lines`, neither runs on past a line end either (each line is one event).
    """
    return text_search(_value_parts(value), lines)


def _value_parts(value: Value) -> tuple[_Part, ...]:
    """A value as literal runs and wildcards."""
    if not value.wildcard:
        return ((False, value.text),)
    if value.regex is None:
        return tuple(_split_word(value.text))
    return value.regex.parts


def _json_escaped(text: str) -> bytes:
    """The text as it appears inside a JSON string (quotes and control characters escaped, UTF-8)."""
    try:
        return orjson.dumps(text)[1:-1]
    except orjson.JSONEncodeError:  # a lone surrogate: no event holds it, but do not fail
        return json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass")


#: A piece of a text search: its length, and the lower-cased bytes it is (or a pattern with `?`).
_Piece = tuple[int, bytes | None, "re.Pattern[bytes] | None"]


class TextSearch:
    """A Text clause as a search over lower-cased raw bytes, in linear time.

    A literal text is one `find`. A wildcard text is cut at its stars (those at either end
    change nothing in a search): its pieces must occur in order with no quote (and, over a
    file, no line end) between one and the next. Each piece is looked for at its first place
    after the one before, and a place found is kept while the search moves on, so the bytes
    are read a bounded number of times whatever the pattern.
    """

    __slots__ = ("parts", "needle", "_pieces", "_stop", "_first_width")

    def __init__(self, parts: tuple[_Part, ...], lines: bool) -> None:
        self.parts = parts
        stop = b'"\n' if lines else b'"'
        self._stop = re.compile(b"[" + re.escape(stop) + b"]")
        segments = _segments(parts)
        while len(segments) > 1 and not segments[0]:
            segments.pop(0)
        while len(segments) > 1 and not segments[-1]:
            segments.pop()
        self._pieces: list[_Piece] = []
        for segment in segments:
            literal = [_json_escaped(text).lower() if not wild else None for wild, text in segment]
            width = sum(1 if part is None else len(part) for part in literal)
            if None in literal:
                pattern = b"".join(b"[^" + re.escape(stop) + b"]" if part is None else re.escape(part) for part in literal)
                self._pieces.append((width, None, re.compile(pattern, re.DOTALL)))
            else:
                self._pieces.append((width, b"".join(literal), None))  # type: ignore[arg-type]
        self._first_width = self._pieces[0][0]
        #: the lower-cased bytes to find, when the text holds no wildcard
        self.needle = self._pieces[0][1] if len(self._pieces) == 1 else None

    def search(self, data: bytes | memoryview | object, start: int = 0, end: int | None = None) -> int:
        """Where a hit starts in lower-cased data[start:end] (somewhere on its first line with one), or -1."""
        end = len(data) if end is None else end  # type: ignore[arg-type]
        pieces = self._pieces
        if len(pieces) == 1:
            return _find(pieces[0], data, start, end)[0]
        found: list[tuple[int, int] | None] = [None] * len(pieces)
        stop = self._stop.search
        pos = start
        while True:
            first, after = _find(pieces[0], data, pos, end)
            if first < 0:
                return -1
            for j in range(1, len(pieces)):
                hit = found[j]
                if hit is None or hit[0] < after:
                    hit = found[j] = _find(pieces[j], data, after, end)
                    if hit[0] < 0:
                        return -1  # not after this place: after any later one neither
                gap = stop(data, after, hit[0])  # type: ignore[call-overload]
                if gap is not None:
                    # No chain may span this quote: the first piece must end beyond it.
                    pos = max(first + 1, gap.start() - self._first_width + 1)
                    break
                after = hit[1]
            else:
                return first

    def matches(self, raw: bytes) -> bool:
        """Whether one event's raw bytes hold the text."""
        return self.search(raw.lower()) >= 0


def _find(piece: _Piece, data: object, start: int, end: int) -> tuple[int, int]:
    """The first place of a piece in data[start:end] as (start, end), or (-1, -1)."""
    width, literal, pattern = piece
    if literal is not None:
        at = data.find(literal, start, end)  # type: ignore[attr-defined]
        return (at, at + width) if at >= 0 else (-1, -1)
    assert pattern is not None
    hit = pattern.search(data, start, end)  # type: ignore[call-overload]
    return (hit.start(), hit.end()) if hit is not None else (-1, -1)


@functools.lru_cache(maxsize=1024)
def text_search(parts: tuple[_Part, ...], lines: bool = False) -> TextSearch:
    """The TextSearch of a Text clause's parts, as TextSearch.parts gives them (shared by equal queries)."""
    return TextSearch(parts, lines)


def text_matches(value: Value, raw: bytes) -> bool:
    """Whether a Text clause matches one event's raw bytes (as the store re-reads them)."""
    return text_pattern(value).matches(raw)


def and_clause(current: str, clause: str) -> str:
    """current with clause ANDed to it: appended after a space, current in parentheses when its
    top level is an OR; clause alone when current is empty or `*`; current unchanged when it
    already requires clause at its top level. A current that does not parse gets clause appended
    all the same (the caller shows where it is wrong)."""
    text = current.strip()
    if not text:
        return clause
    try:
        node: Node | None = parse(text)
        wanted = parse(clause)
    except QuerySyntaxError:
        return f"{text} {clause}"
    if isinstance(node, All):
        return clause
    if node == wanted or (isinstance(node, And) and wanted in node.children):
        return current
    if isinstance(node, Or):
        text = f"({text})"
    return f"{text} {clause}"
