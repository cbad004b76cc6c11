"""Lucene regular expressions (`field:/.../`), matched in time linear in the value's length.

The syntax is Lucene's RegExp with all its optional operators on, as Elasticsearch's
query_string enables them: `.` `?` `+` `*` `{n}` `{n,}` `{n,m}` `|` `( )` `[...]` `[^...]`,
`\\` escapes (`\\d` `\\s` `\\w` and their capitals as classes), `"..."` literal text, `~`
complement, `&` intersection, `<n-m>` a decimal number in an interval, `@` any text, `#` no text.
A pattern matches a whole value, never a part of it.

No backtracking runs on a pattern a user typed: each state of a lazily built DFA is a
regular expression in a canonical form (Brzozowski derivatives), its transitions are worked out
on first use and remembered, so a value is read once, one character at a time. Complement and
intersection come for free in this form. A pattern that needs too many states is refused with a
clear message instead of taking the memory.
"""

from __future__ import annotations

import threading
from typing import Union

#: States one pattern may build before it is refused (each costs a few hundred bytes).
MAX_STATES = 10_000
#: Nesting of groups and operators in a pattern (deeper ones would exhaust Python's stack).
MAX_DEPTH = 50
#: The largest count in `{n,m}` and the most postfix operators on one term.
MAX_REPEAT = 1_000
_MAX_POSTFIX = 10

#: A pattern in canonical form; see the constructors below. Tuples, so states hash and compare.
Re = tuple
_EMPTY: Re = ("empty",)  # no text at all
_EPS: Re = ("eps",)  # the empty text only
_ANY_CHAR: Re = ("set", True, ())  # one character, any
_ANY: Re = ("star", _ANY_CHAR)  # any text

#: The classes `\\d`, `\\s` and `\\w` stand for (ASCII, as in Lucene).
_DIGITS = ((48, 57),)
_SPACES = ((9, 13), (32, 32))
_WORD = ((48, 57), (65, 90), (95, 95), (97, 122))
_CLASSES = {"d": (False, _DIGITS), "D": (True, _DIGITS), "s": (False, _SPACES), "S": (True, _SPACES),
            "w": (False, _WORD), "W": (True, _WORD)}


class RegexError(ValueError):
    """A pattern that cannot be read: the 0-based column within the pattern, and what went wrong."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class RegexTooComplex(ValueError):
    """A pattern whose matching would need more states than atlens allows."""


# ----------------------------------------------------------------------------- canonical forms


def _cat(items: Union[list[Re], tuple[Re, ...]]) -> Re:
    """The concatenation, flattened; the empty text dropped; no text when any part is none."""
    flat: list[Re] = []
    for item in items:
        if item == _EMPTY:
            return _EMPTY
        if item[0] == "cat":
            flat.extend(item[1])
        elif item != _EPS:
            flat.append(item)
    if not flat:
        return _EPS
    return flat[0] if len(flat) == 1 else ("cat", tuple(flat))


def _alt(items: Union[list[Re], tuple[Re, ...]]) -> Re:
    """The union as a set (so order and repeats make no new state); any text absorbs the rest."""
    flat: set[Re] = set()
    for item in items:
        if item[0] == "alt":
            flat.update(item[1])
        elif item != _EMPTY:
            flat.add(item)
    if _ANY in flat:
        return _ANY
    if not flat:
        return _EMPTY
    return next(iter(flat)) if len(flat) == 1 else ("alt", frozenset(flat))


def _and(items: Union[list[Re], tuple[Re, ...]]) -> Re:
    """The intersection as a set; no text absorbs the rest, any text is dropped."""
    flat: set[Re] = set()
    for item in items:
        if item == _EMPTY:
            return _EMPTY
        if item[0] == "and":
            flat.update(item[1])
        elif item != _ANY:
            flat.add(item)
    if not flat:
        return _ANY
    return next(iter(flat)) if len(flat) == 1 else ("and", frozenset(flat))


def _not(item: Re) -> Re:
    """The complement (a double complement is the pattern itself)."""
    if item[0] == "not":
        return item[1]
    if item == _EMPTY:
        return _ANY
    if item == _ANY:
        return _EMPTY
    return ("not", item)


def _repeat(item: Re, low: int, high: int | None) -> Re:
    """`item{low,high}` (high None: no limit)."""
    if high == 0 or item == _EPS:
        return _EPS
    if item == _EMPTY:
        return _EPS if low == 0 else _EMPTY
    if (low, high) == (1, 1):
        return item
    if (low, high) == (0, None):
        return item if item[0] == "star" else ("star", item)
    return ("rep", item, low, high)


def _literal(text: str) -> Re:
    """The exact text."""
    return _cat([("set", False, ((ord(ch), ord(ch)),)) for ch in text])


# ----------------------------------------------------------------------------- derivatives


def _nullable(item: Re, memo: dict[Re, bool]) -> bool:
    """Whether the pattern matches the empty text."""
    found = memo.get(item)
    if found is not None:
        return found
    kind = item[0]
    if kind in ("eps", "star"):
        found = True
    elif kind in ("empty", "set", "cset"):
        found = False
    elif kind == "cat":
        found = all(_nullable(part, memo) for part in item[1])
    elif kind == "alt":
        found = any(_nullable(part, memo) for part in item[1])
    elif kind == "and":
        found = all(_nullable(part, memo) for part in item[1])
    elif kind == "not":
        found = not _nullable(item[1], memo)
    elif kind == "rep":
        found = item[2] == 0 or _nullable(item[1], memo)
    else:  # num
        _, low, high, digits, value, count = item
        found = count > 0 and (digits == 0 or count == digits) and low <= value <= high
    memo[item] = found
    return found


def _in_set(item: Re, ch: str) -> bool:
    """Whether a (lower-cased) character is in a character set, whatever its case in the pattern."""
    _, negated, ranges = item
    codes = {ord(ch)}
    upper = ch.upper()
    if len(upper) == 1:
        codes.add(ord(upper))
    inside = any(low <= code <= high for code in codes for low, high in ranges)
    return inside != negated


def _cased(item: Re) -> Re:
    """The pattern with its character sets matching letters only in the case written."""
    kind = item[0]
    if kind == "set":
        return ("cset", *item[1:])
    if kind == "cat":
        return _cat([_cased(part) for part in item[1]])
    if kind == "alt":
        return _alt([_cased(part) for part in item[1]])
    if kind == "and":
        return _and([_cased(part) for part in item[1]])
    if kind == "not":
        return _not(_cased(item[1]))
    if kind == "star":
        return ("star", _cased(item[1]))
    if kind == "rep":
        return ("rep", _cased(item[1]), item[2], item[3])
    return item


def _derive(item: Re, ch: str, memo: dict[Re, bool]) -> Re:
    """The pattern that what follows `ch` must match (the Brzozowski derivative)."""
    kind = item[0]
    if kind in ("empty", "eps"):
        return _EMPTY
    if kind == "set":
        return _EPS if _in_set(item, ch) else _EMPTY
    if kind == "cset":  # a set of a case-sensitive pattern: the character as it is
        _, negated, ranges = item
        code = ord(ch)
        return _EPS if any(low <= code <= high for low, high in ranges) != negated else _EMPTY
    if kind == "cat":
        parts = item[1]
        options = []
        for i, part in enumerate(parts):
            options.append(_cat([_derive(part, ch, memo), *parts[i + 1:]]))
            if not _nullable(part, memo):
                break
        return _alt(options)
    if kind == "alt":
        return _alt([_derive(part, ch, memo) for part in item[1]])
    if kind == "and":
        return _and([_derive(part, ch, memo) for part in item[1]])
    if kind == "not":
        return _not(_derive(item[1], ch, memo))
    if kind == "star":
        return _cat([_derive(item[1], ch, memo), item])
    if kind == "rep":
        _, inner, low, high = item
        return _cat([_derive(inner, ch, memo), _repeat(inner, max(low - 1, 0), None if high is None else high - 1)])
    # num: the digits read so far as a value (leading zeros free unless a width is fixed)
    _, low, high, digits, value, count = item
    if not "0" <= ch <= "9":
        return _EMPTY
    value = value * 10 + ord(ch) - 48
    count = count + 1 if digits else 1
    if value > high or (digits and count > digits):
        return _EMPTY
    return ("num", low, high, digits, value, count)


# ----------------------------------------------------------------------------- the matcher


class _Stale(Exception):
    """The states were dropped (too many) while a value was being read: read it again."""


class Regex:
    """A parsed Lucene regular expression that matches whole values, case-insensitively.

    States are kept from one value to the next (a column's values share most of them). When
    they number MAX_STATES, they are dropped and built again from the start state: only a value
    that alone needs that many is refused. Several threads may match at once: the states are
    changed under a lock, and a reader that finds them dropped reads its value again.
    """

    def __init__(self, source: str, *, case_sensitive: bool = False) -> None:
        self.source = source
        #: letters match only in the case written (Sigma's `re`); the query language's never are
        self.case_sensitive = case_sensitive
        parsed = _Parser(source).parse()
        self._start_re = _cased(parsed) if case_sensitive else parsed
        self._lock = threading.Lock()
        self._generation = 0
        self._reset()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regex) and (other.source, other.case_sensitive) == (self.source, self.case_sensitive)

    def __hash__(self) -> int:
        return hash((self.source, self.case_sensitive))

    def __repr__(self) -> str:
        return f"Regex({self.source!r})"

    def _reset(self) -> None:
        """No states but the dead one (0) and the start; new containers, so readers of the old ones stay consistent."""
        self._memo: dict[Re, bool] = {}
        self._ids: dict[Re, int] = {}
        self._states: list[Re] = []
        self._accepting: list[bool] = []
        self._moves: list[dict[str, int]] = []
        self._state(_EMPTY)
        self._start = self._state(self._start_re)

    def _state(self, item: Re) -> int:
        """The id of a state, made when new (under the lock)."""
        found = self._ids.get(item)
        if found is None:
            found = self._ids[item] = len(self._states)
            self._states.append(item)
            self._accepting.append(_nullable(item, self._memo))
            self._moves.append({})
        return found

    def _move(self, state: int, ch: str, generation: int) -> int:
        """The state after reading ch, worked out on first use; _Stale once the states were dropped."""
        with self._lock:
            if generation != self._generation:
                raise _Stale
            moves = self._moves[state]
            found = moves.get(ch)
            if found is None:
                item = _derive(self._states[state], ch, self._memo)
                if item not in self._ids and len(self._states) >= MAX_STATES:
                    self._generation += 1
                    self._reset()
                    raise _Stale
                found = moves[ch] = self._state(item)
            return found

    def fullmatch(self, text: str) -> bool:
        """Whether the whole text matches (letters of any case, unless case_sensitive)."""
        if not self.case_sensitive:
            text = text.lower()
        for _ in range(3):  # the states may be dropped once for this value, and once by another thread
            with self._lock:
                generation, moves, accepting, state = self._generation, self._moves, self._accepting, self._start
            try:
                for ch in text:
                    found = moves[state].get(ch)
                    state = self._move(state, ch, generation) if found is None else found
                    if not state:
                        return False
                return accepting[state]
            except _Stale:
                continue
        raise RegexTooComplex(f"the regular expression /{self.source}/ needs more than {MAX_STATES:,} states"
                              " to match one value: simplify it")


# ----------------------------------------------------------------------------- parsing


class _Parser:
    """Recursive descent over Lucene's RegExp grammar; `pos` is the current column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _error(self, column: int, message: str) -> RegexError:
        return RegexError(max(0, min(column, len(self.text))), message)

    def parse(self) -> Re:
        """The whole pattern."""
        if not self.text:
            return _EPS
        item = self._union()
        if self.pos < len(self.text):  # only a ")" stops a union early
            raise self._error(self.pos, 'unbalanced ")" in the regular expression: no "(" opened it')
        return item

    def _union(self) -> Re:
        options = [self._intersection()]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._intersection())
        return _alt(options)

    def _intersection(self) -> Re:
        parts = [self._concat()]
        while self._peek() == "&":
            self.pos += 1
            parts.append(self._concat())
        return _and(parts)

    def _concat(self) -> Re:
        parts: list[Re] = []
        while self.pos < len(self.text) and self._peek() not in "|&)":
            parts.append(self._repeated())
        if not parts:
            what = "the end" if self.pos >= len(self.text) else f'"{self._peek()}"'
            raise self._error(self.pos, f"expected a character or a group in the regular expression before {what}")
        return _cat(parts)

    def _repeated(self) -> Re:
        item = self._complement()
        postfix = 0
        while self._peek() in ("?", "*", "+", "{") and self._peek():
            postfix += 1
            if postfix > _MAX_POSTFIX:
                raise self._error(self.pos, f"more than {_MAX_POSTFIX} repetitions in a row in the regular expression")
            ch = self._peek()
            if ch == "{":
                low, high = self._counts()
                item = _repeat(item, low, high)
                continue
            self.pos += 1
            item = _repeat(item, 0 if ch != "+" else 1, 1 if ch == "?" else None)
        return item

    def _counts(self) -> tuple[int, int | None]:
        """`{n}`, `{n,}` or `{n,m}` (at the "{")."""
        opened = self.pos
        close = self.text.find("}", opened)
        if close < 0:
            raise self._error(opened, 'the "{" opened here is never closed: write {n}, {n,} or {n,m}')
        inside = self.text[opened + 1:close]
        low_text, comma, high_text = inside.partition(",")
        if not low_text.isdigit() or not (high_text.isdigit() or not high_text) or not low_text.isascii() \
                or not high_text.isascii():
            raise self._error(opened, "expected {n}, {n,} or {n,m} with whole numbers")
        low = int(low_text)
        high = None if comma and not high_text else int(high_text) if comma else low
        if low > MAX_REPEAT or (high is not None and high > MAX_REPEAT):
            raise self._error(opened, f"repetition counts above {MAX_REPEAT:,} are not supported")
        if high is not None and high < low:
            raise self._error(opened, f"{{{inside}}} repeats at least {low} times but at most {high}: nothing can match")
        self.pos = close + 1
        return low, high

    def _complement(self) -> Re:
        negations = 0
        while self._peek() == "~":
            negations += 1
            self.pos += 1
        if negations and (not self._peek() or self._peek() in "|&)"):
            raise self._error(self.pos, 'expected what "~" excludes in the regular expression')
        item = self._simple()
        return _not(item) if negations % 2 else item

    def _simple(self) -> Re:
        start = self.pos
        ch = self._peek()
        if ch in ("*", "+", "?", "{"):
            raise self._error(start, f'nothing before "{ch}" to repeat in the regular expression'
                                     f' (write .* for any text, \\{ch} for the character)')
        self.pos += 1
        if ch == ".":
            return _ANY_CHAR
        if ch == "@":
            return _ANY
        if ch == "#":
            return _EMPTY
        if ch == "[":
            return self._class(start)
        if ch == "(":
            return self._group(start)
        if ch == '"':
            close = self.text.find('"', self.pos)
            if close < 0:
                raise self._error(start, 'the quote opened here in the regular expression is never closed')
            self.pos = close + 1
            return _literal(self.text[start + 1:close])
        if ch == "<":
            return self._interval(start)
        if ch == "\\":
            escaped = self._escaped(start)
            if isinstance(escaped, tuple):
                return ("set", *escaped)
            return _literal(escaped)
        return _literal(ch)

    def _escaped(self, start: int) -> str | tuple[bool, tuple]:
        """What follows a backslash (already read): a class for d, s, w and capitals, else the character."""
        if self.pos >= len(self.text):
            raise self._error(start, 'expected a character after "\\" in the regular expression')
        ch = self.text[self.pos]
        self.pos += 1
        return _CLASSES.get(ch, ch)

    def _group(self, opened: int) -> Re:
        if self._peek() == ")":
            self.pos += 1
            return _EPS
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(opened, f"the regular expression nests groups more than {MAX_DEPTH} deep")
        item = self._union()
        if self._peek() != ")":
            raise self._error(opened, 'unbalanced "(" in the regular expression: no ")" closes it')
        self.pos += 1
        self.depth -= 1
        return item

    def _class(self, opened: int) -> Re:
        """`[...]` or `[^...]` (the "[" already read): characters and ranges a-z."""
        negated = self._peek() == "^"
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        classes: list[Re] = []
        while True:
            if self.pos >= len(self.text):
                raise self._error(opened, 'unbalanced "[" in the regular expression: no "]" closes it')
            if self._peek() == "]":
                if not ranges and not classes:
                    raise self._error(self.pos, 'expected a character before "]" in the regular expression')
                self.pos += 1
                break
            low = self._class_char()
            if isinstance(low, tuple):
                classes.append(("set", *low))
                continue
            high = low
            if self._peek() == "-" and self.text[self.pos + 1:self.pos + 2] not in ("]", ""):
                dash = self.pos
                self.pos += 1
                upper = self._class_char()
                if isinstance(upper, tuple):
                    raise self._error(dash, 'a range needs a character on each side of "-"')
                high = upper
                if ord(high) < ord(low):
                    raise self._error(dash, f"the range {low}-{high} is backwards: write {high}-{low}")
            ranges.append((ord(low), ord(high)))
        if not classes:
            return ("set", negated, tuple(ranges))
        item = _alt([("set", False, tuple(ranges)), *classes])
        return _and([_ANY_CHAR, _not(item)]) if negated else item

    def _class_char(self) -> str | tuple[bool, tuple]:
        ch = self.text[self.pos]
        self.pos += 1
        return self._escaped(self.pos - 1) if ch == "\\" else ch

    def _interval(self, opened: int) -> Re:
        """`<n-m>` (the "<" already read): a decimal number from n to m."""
        close = self.text.find(">", self.pos)
        if close < 0:
            raise self._error(opened, 'the "<" opened here is never closed: write <n-m> for a number from n to m')
        inside = self.text[self.pos:close]
        low_text, dash, high_text = inside.partition("-")
        if not (dash and low_text.isdigit() and high_text.isdigit() and low_text.isascii() and high_text.isascii()):
            raise self._error(opened, "expected <n-m> with whole numbers (named patterns are not supported)")
        low, high = int(low_text), int(high_text)
        if high < low:
            raise self._error(opened, f"<{inside}> goes from {low} down to {high}: write <{high_text}-{low_text}>")
        self.pos = close + 1
        # Lucene: bounds of one width fix the width (leading zeros then required), else any width.
        digits = len(low_text) if len(low_text) == len(high_text) else 0
        return ("num", low, high, digits, 0, 0)
