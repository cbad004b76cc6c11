"""Sigma rules compiled to atlens queries; correlation windows; alerts.

Rules are read with pySigma (the optional extra `rules`): it parses the YAML, applies the value
modifiers and resolves the condition (`1 of selection_*`, `all of them`, not/and/or) into a tree
whose leaves are field = value and keyword expressions. That tree is compiled here into a query
Node, so a rule is answered like any query: over the store at column speed (Filter.rows) and for
one arriving event (Filter.test). Field names are CADF paths, as in atlens queries.

- Plain values: whole-value, case-insensitive matches; `*` and `?` are wildcards (Sigma's).
- `contains`, `startswith`, `endswith`: wildcards around the value. `all`: AND of the values.
- `exists`, null, `gt`/`gte`/`lt`/`lte`: Exists, not Exists, Range.
- `re`: translated into atlens's linear-time regular expressions (regex.py), never run by a
  backtracking engine, because log content is untrusted. Sigma's regular expression is searched
  for anywhere in the value, so it is wrapped in `.*( ... ).*` unless anchored with `^` / `$`.
  The PCRE constructs that have no linear-time meaning (look-around, back-references, `\\b`,
  anchors inside the pattern) make the rule one atlens cannot run, with that reason.
- `cidr`: a Network node (the address parsed with ipaddress).

A rule atlens cannot run (bad YAML, unknown modifier, a log source for another product) is a
RuleProblem with its file, title and reason; the other rules still run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path as FilePath

from .query import (All, And, Exists, FieldRef, Match, Network, Node, Not, Or, Path, QuerySyntaxError, Range, Text,
                    Value, find_values, text_form, text_pattern)
from .query import _wildcard as wildcard
from .query import field_ref
from .regex import Regex, RegexError
from .store import Store

#: The folder of the built-in rule pack.
BUILTIN_DIR = FilePath(__file__).resolve().parents[2] / "catalog" / "rules"
#: Sigma's levels, lowest first.
LEVELS = ("informational", "low", "medium", "high", "critical")
#: The log source atlens reads.
PRODUCT, SERVICE = "ibm_cloud", "activity_tracker"
#: Environment: extra rule folders (os.pathsep between them), and rule ids turned off (comma or space between).
RULES_ENV, DISABLED_ENV = "ATLENS_RULES", "ATLENS_DISABLE_RULES"
#: Environment: working hours for rules marked `atlens.outside_working_hours` ("08:00-18:00 Mon-Fri Europe/Zurich").
HOURS_ENV = "ATLENS_WORKING_HOURS"
INSTALL_HINT = "Sigma rules need pySigma: pip install 'atlens[rules]'"


class RulesUnavailable(RuntimeError):
    """pySigma is not installed: rules cannot be read."""


class Unsupported(ValueError):
    """A part of a rule atlens cannot run, and why."""


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule (or a file of rules) that atlens cannot run: where, its title if known, and why."""

    file: str
    title: str
    reason: str


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The hours of a working day (start inclusive, end exclusive, minutes from midnight), the
    working weekdays (0 is Monday) and the time zone they are told in."""

    start: int = 8 * 60
    end: int = 18 * 60
    days: frozenset[int] = frozenset(range(5))
    zone: str = "UTC"

    def outside(self, time_us: int) -> bool:
        """Whether a time (microseconds since the epoch) falls outside working hours."""
        from zoneinfo import ZoneInfo

        when = dt.datetime.fromtimestamp(time_us / 1e6, ZoneInfo(self.zone))
        minute = when.hour * 60 + when.minute
        return when.weekday() not in self.days or not self.start <= minute < self.end


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_working_hours(text: str) -> WorkingHours:
    """`08:00-18:00 [Mon-Fri] [Zone/Name]` as WorkingHours; raises ValueError with what is wrong."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    parts = text.split()
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", parts[0]) if parts else None
    if match is None:
        raise ValueError(f"working hours {text!r}: expected HH:MM-HH:MM [Mon-Fri] [Europe/Zurich]")
    h1, m1, h2, m2 = map(int, match.groups())
    hours = WorkingHours(h1 * 60 + m1, h2 * 60 + m2)
    days, zone = hours.days, hours.zone
    for part in parts[1:]:
        span = re.fullmatch(r"([A-Za-z]{3})(?:-([A-Za-z]{3}))?", part)
        if span and span.group(1).lower() in _DAYS and (span.group(2) or span.group(1)).lower() in _DAYS:
            first, last = _DAYS.index(span.group(1).lower()), _DAYS.index((span.group(2) or span.group(1)).lower())
            days = frozenset(range(first, last + 1)) if first <= last else frozenset([*range(first, 7), *range(last + 1)])
            continue
        try:
            ZoneInfo(part)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"working hours {text!r}: {part!r} is neither days (Mon-Fri) nor a time zone (Europe/Zurich)") from None
        zone = part
    if not 0 <= hours.start < hours.end <= 24 * 60:
        raise ValueError(f"working hours {text!r}: the day must start before it ends, within 00:00-24:00")
    return WorkingHours(hours.start, hours.end, days, zone)


@dataclass(frozen=True, slots=True)
class Rule:
    """A Sigma rule compiled to a query."""

    id: str
    title: str
    level: str
    tags: tuple[str, ...]
    origin: str
    node: Node
    name: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    #: pairs of fields whose values must be equal (Sigma's fieldref, in a part of the condition every
    #: match needs): checked on each event the query matched
    same_fields: tuple[tuple[FieldRef, FieldRef], ...] = ()
    #: the rule only counts events outside working hours (custom attribute atlens.outside_working_hours)
    outside_hours: bool = False
    #: correlated only: no alert of its own (Sigma's correlation `generate: false`)
    silent: bool = False


@dataclass(frozen=True, slots=True)
class Correlation:
    """A Sigma correlation rule: event_count, value_count or temporal over rules, per group, in a timespan."""

    id: str
    title: str
    level: str
    tags: tuple[str, ...]
    origin: str
    kind: str
    rules: tuple[str, ...]
    group_by: tuple[FieldRef, ...]
    timespan_us: int
    op: str
    count: int
    value_field: FieldRef | None = None
    #: the rules it refers to raise alerts of their own too (Sigma's `generate: true`)
    generate: bool = False
    name: str = ""
    description: str = ""
    references: tuple[str, ...] = ()


@dataclass
class RuleSet:
    """The rules in force, the correlations over them, and the rules that could not be loaded."""

    rules: list[Rule] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)
    hours: WorkingHours = field(default_factory=WorkingHours)


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule that fired: which, how bad, and the rows of the events that made it fire (time order)."""

    rule_id: str
    title: str
    level: str
    tags: tuple[str, ...]
    rows: tuple[int, ...]
    time_us: int
    #: for a correlation: the values of its group-by fields
    group: tuple[str, ...] = ()
    correlation: bool = False


@dataclass(frozen=True, slots=True)
class Place:
    """Where an event was read: its source, line (0 when unknown) and byte offset."""

    row: int
    time_us: int
    source: str
    line: int
    offset: int


def level_rank(level: str) -> int:
    """The rank of a Sigma level (unknown levels rank lowest)."""
    return LEVELS.index(level) if level in LEVELS else -1


# ----------------------------------------------------------------------------- loading


def _sigma():  # -> the sigma modules used
    try:
        from sigma.collection import SigmaCollection
        from sigma.correlations import SigmaCorrelationRule
        from sigma.rule import SigmaRule
    except ImportError:
        raise RulesUnavailable(INSTALL_HINT) from None
    return SigmaCollection, SigmaRule, SigmaCorrelationRule


def rule_files(paths: Iterable[str | os.PathLike[str]]) -> list[FilePath]:
    """The rule files of folders (their *.yml and *.yaml, sorted, subfolders included) and files as given."""
    found: list[FilePath] = []
    for item in paths:
        path = FilePath(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()))
        else:
            found.append(path)
    return found


def env_dirs() -> list[str]:
    """Rule folders named by ATLENS_RULES."""
    return [p for p in os.environ.get(RULES_ENV, "").split(os.pathsep) if p]


def env_disabled() -> set[str]:
    """Rule ids turned off by ATLENS_DISABLE_RULES."""
    return {p for p in re.split(r"[\s,]+", os.environ.get(DISABLED_ENV, "")) if p}


def load_rules(paths: Iterable[str | os.PathLike[str]] = (), *, builtin: bool = True,
               disabled: Iterable[str] = (), hours: WorkingHours | None = None) -> RuleSet:
    """The built-in pack (unless builtin is False) and the rules in paths, compiled; ids in
    disabled are left out. Raises RulesUnavailable without pySigma."""
    SigmaCollection, SigmaRule, SigmaCorrelationRule = _sigma()
    off = set(disabled)
    result = RuleSet(hours=hours or WorkingHours())
    files = (rule_files([BUILTIN_DIR]) if builtin else []) + rule_files(paths)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(RuleProblem(str(path), "", f"cannot be read: {exc}"))
            continue
        try:
            collection = SigmaCollection.from_yaml(text, collect_errors=True, resolve_references=False)
        except Exception as exc:  # pySigma raises its own errors and YAML's for a malformed file
            result.problems.append(RuleProblem(str(path), "", _reason(exc)))
            continue
        per_rule = {id(e) for item in collection.rules for e in item.errors}
        for error in getattr(collection, "errors", []):
            if id(error) in per_rule:
                continue  # said with the rule's title below
            result.problems.append(RuleProblem(str(path), "", _reason(error)))
        for item in collection.rules:
            title = str(getattr(item, "title", "") or "")
            if item.errors:
                result.problems.append(RuleProblem(str(path), title, "; ".join(_reason(e) for e in item.errors)))
                continue
            rid = str(item.id or item.name or f"{path.name}:{title}")
            if rid in off or (item.name and item.name in off):
                continue
            try:
                if isinstance(item, SigmaCorrelationRule):
                    result.correlations.append(_correlation(item, str(path)))
                else:
                    result.rules.append(_rule(item, str(path)))
            except Unsupported as exc:
                result.problems.append(RuleProblem(str(path), title, str(exc)))
            except Exception as exc:  # a rule pySigma accepted but whose parts it cannot resolve
                result.problems.append(RuleProblem(str(path), title, _reason(exc)))
    _check_references(result)
    return result


def _reason(exc: BaseException) -> str:
    """An error as one line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def _meta(item) -> dict:
    """The fields rules and correlations share."""
    level = item.level.name.lower() if item.level is not None else "medium"
    return dict(id=str(item.id or item.name or item.title), title=str(item.title), level=level,
                tags=tuple(f"{t.namespace}.{t.name}" for t in item.tags), name=str(item.name or ""),
                description=" ".join(str(item.description or "").split()),
                references=tuple(str(r) for r in item.references or ()))


def _rule(item, origin: str) -> Rule:
    source = item.logsource
    product, service = (source.product or ""), (source.service or "")
    if product != PRODUCT or service not in ("", SERVICE):
        raise Unsupported(f"log source product: {product or '(none)'}, service: {service or '(none)'}"
                          f" is not IBM Cloud Activity Tracker (product: {PRODUCT}, service: {SERVICE})")
    same: list[tuple[FieldRef, FieldRef]] = []
    parsed = item.detection.parsed_condition
    conditions = [_condition(c.parsed, same if len(parsed) == 1 else None) for c in parsed]
    node = conditions[0] if len(conditions) == 1 else Or(tuple(conditions))
    custom = item.custom_attributes.get("atlens") or {}
    return Rule(node=node, origin=origin, same_fields=tuple(same), outside_hours=bool(isinstance(custom, dict) and custom.get("outside_working_hours")),
                **_meta(item))


def _correlation(item, origin: str) -> Correlation:
    kind = item.type.name.lower()
    if kind not in ("event_count", "value_count", "temporal"):
        raise Unsupported(f"correlation type {kind} is not supported (event_count, value_count and temporal are)")
    condition = item.condition
    op = getattr(getattr(condition, "op", None), "name", "").lower()
    if op not in ("gt", "gte", "eq") and kind != "temporal":
        raise Unsupported(f"correlation condition {op or 'extended'} is not supported: an alert is raised as a window fills,"
                          " so only gt, gte and eq can be told as events arrive")
    if kind == "temporal" and op and op not in ("gte",):
        raise Unsupported("a temporal correlation's condition must be gte (all the rules seen in the window)")
    value_field = None
    if kind == "value_count":
        ref = condition.fieldref
        if not isinstance(ref, str):
            raise Unsupported("value_count needs one field in its condition")
        value_field = _field(ref)
    aliases = getattr(item.aliases, "aliases", {}) or {}
    if aliases:
        raise Unsupported("correlation field aliases are not supported")
    return Correlation(kind=kind, origin=origin, rules=tuple(r.reference for r in item.rules or ()),
                       group_by=tuple(_field(f) for f in item.group_by or ()),
                       timespan_us=int(item.timespan.seconds) * 1_000_000, op=op or "gte",
                       count=int(getattr(condition, "count", 0) or 0), value_field=value_field,
                       generate=bool(item.generate), **_meta(item))


def _check_references(result: RuleSet) -> None:
    """Drop correlations that name rules not in force, with the reason; mark rules only correlated as silent."""
    known = {r.id for r in result.rules} | {r.name for r in result.rules if r.name}
    kept = []
    for corr in result.correlations:
        missing = [ref for ref in corr.rules if ref not in known]
        if missing:
            result.problems.append(RuleProblem(corr.origin, corr.title, f"refers to rules not loaded: {', '.join(missing)}"))
        else:
            kept.append(corr)
    result.correlations = kept


# ----------------------------------------------------------------------------- compiling


def _field(name: str) -> FieldRef:
    try:
        return field_ref(name)
    except QuerySyntaxError as exc:
        raise Unsupported(f"field {name!r}: {exc.message}") from None


def _condition(item, same: list[tuple[FieldRef, FieldRef]] | None) -> Node:
    """A pySigma condition tree (identifiers already resolved) as a query Node.

    `same` collects the fieldref comparisons; it is None below an OR or a NOT, where a comparison
    checked after the query would not mean the same (every match must then satisfy it)."""
    from sigma.conditions import (ConditionAND, ConditionFieldEqualsValueExpression, ConditionNOT, ConditionOR,
                                  ConditionValueExpression)

    from sigma.types import SigmaFieldReference

    if isinstance(item, ConditionAND):
        return And(tuple(_condition(a, same) for a in item.args))
    if isinstance(item, ConditionOR):
        return Or(tuple(_condition(a, None) for a in item.args))
    if isinstance(item, ConditionNOT):
        return Not(_condition(item.args[0], None))
    if isinstance(item, ConditionFieldEqualsValueExpression):
        if isinstance(item.value, SigmaFieldReference):
            if same is None or item.value.starts_with or item.value.ends_with:
                raise Unsupported("fieldref is supported only as a plain comparison every match needs"
                                  " (not under or, not, or a list of values)")
            same.append((_field(item.field), _field(item.value.field)))
            return All()
        return _field_value(_field(item.field), item.value)
    if isinstance(item, ConditionValueExpression):
        return _keyword(item.value)
    if item is None:
        raise Unsupported("the condition selects nothing")
    raise Unsupported(f"condition part {type(item).__name__} is not supported")


def _field_value(ref: FieldRef, value) -> Node:
    from sigma import types as st

    if isinstance(value, st.SigmaCasedString):
        raise Unsupported("the cased modifier is not supported (atlens compares text case-insensitively)")
    if isinstance(value, st.SigmaString):
        return Match(ref, _string_value(value))
    if isinstance(value, st.SigmaBool):
        return Match(ref, Value("true" if value.boolean else "false"))
    if isinstance(value, st.SigmaNumber):
        return Match(ref, Value(str(value.number)))
    if isinstance(value, st.SigmaNull):
        return Not(Exists(ref))
    if isinstance(value, st.SigmaExists):
        return Exists(ref) if value.exists else Not(Exists(ref))
    if isinstance(value, st.SigmaCompareExpression):
        number = str(value.number.number)
        op = value.op.name
        if op == "NEQ":
            return Not(Match(ref, Value(number)))
        low = number if op in ("GT", "GTE") else None
        high = number if op in ("LT", "LTE") else None
        return Range(ref, low, high, include_low=op == "GTE", include_high=op == "LTE")
    if isinstance(value, st.SigmaRegularExpression):
        return Match(ref, regex_value(str(value.regexp), {f.name for f in value.flags}))
    if isinstance(value, st.SigmaCIDRExpression):
        return Network(ref, str(value.network))
    if isinstance(value, st.SigmaExpansion):
        return Or(tuple(_field_value(ref, v) for v in value.values))
    raise Unsupported(f"value {type(value).__name__.removeprefix('Sigma')} is not supported")


def _keyword(value) -> Node:
    from sigma import types as st

    if isinstance(value, st.SigmaCasedString):
        raise Unsupported("the cased modifier is not supported (atlens compares text case-insensitively)")
    if isinstance(value, st.SigmaString):
        v = _string_value(value)
        if v.wildcard:
            # Text matches anywhere already: stars at the ends add nothing.
            parts = _parts(value)
            while parts and parts[0] == (True, "*"):
                parts.pop(0)
            while parts and parts[-1] == (True, "*"):
                parts.pop()
            if not any(w for w, _ in parts):
                return Text(Value("".join(t for _, t in parts), quoted=True))
            return Text(Value("".join(t for _, t in parts), wildcard=True, regex=wildcard(tuple(parts))))
        return Text(Value(v.text, quoted=True))
    if isinstance(value, (st.SigmaNumber, st.SigmaBool)):
        return Text(Value(text_form(value.to_plain()), quoted=True))
    if isinstance(value, st.SigmaExpansion):
        return Or(tuple(_keyword(v) for v in value.values))
    raise Unsupported(f"a keyword of type {type(value).__name__.removeprefix('Sigma')} is not supported (only text)")


def _parts(value) -> list[tuple[bool, str]]:
    """A Sigma string as literal runs and wildcards (the query's own form of a wildcard value)."""
    from sigma.types import SpecialChars

    parts: list[tuple[bool, str]] = []
    for part in value.s:
        if isinstance(part, str):
            if parts and not parts[-1][0]:
                parts[-1] = (False, parts[-1][1] + part)
            elif part:
                parts.append((False, part))
        elif part == SpecialChars.WILDCARD_MULTI:
            parts.append((True, "*"))
        elif part == SpecialChars.WILDCARD_SINGLE:
            parts.append((True, "?"))
        else:
            raise Unsupported(f"placeholder {part} is not supported")
    return parts


def _string_value(value) -> Value:
    parts = _parts(value)
    text = "".join(t for _, t in parts)
    if not any(w for w, _ in parts):
        return Value(text, quoted=True)
    return Value(text, wildcard=True, regex=wildcard(tuple(parts)))


# ----------------------------------------------------------------------------- regular expressions

#: Characters Lucene's syntax gives a meaning that PCRE does not: written escaped.
_LUCENE_ONLY = set('"#@&<>~')
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "e": "\x1b", "0": "\0"}
_REFUSED = {"b": "word boundaries (\\b)", "B": "word boundaries (\\B)", "A": "anchors (\\A)", "Z": "anchors (\\Z)",
            "z": "anchors (\\z)", "G": "anchors (\\G)", "k": "back-references", "p": "Unicode classes (\\p)",
            "P": "Unicode classes (\\P)", "K": "\\K", "Q": "quoting (\\Q)", "E": "quoting (\\E)", "h": "\\h", "R": "\\R"}


def regex_value(source: str, flags: set[str] | frozenset[str] = frozenset()) -> Value:
    """Sigma's `re` value (a PCRE-style search anywhere in the value) as a query Value whose
    regular expression is atlens's linear-time one over the whole value. Raises Unsupported for
    what has no linear-time meaning (look-around, back-references, word boundaries...)."""
    if "MULTILINE" in flags:
        raise Unsupported("the re modifier m (multi-line) is not supported")
    translated = _translate(source, ignore_case="IGNORECASE" in flags, dot_all="DOTALL" in flags)
    try:
        return Value(source, regexp=Regex(translated, case_sensitive=True))
    except RegexError as exc:
        raise Unsupported(f"regular expression {source!r}: {exc.message}") from None


def _translate(source: str, *, ignore_case: bool, dot_all: bool) -> str:
    """A PCRE-style pattern as Lucene syntax, wrapped to search anywhere unless anchored."""
    body = source
    if body.startswith("(?i)"):
        ignore_case, body = True, body[4:]
    if body.startswith("(?s)"):
        dot_all, body = True, body[4:]
    start = body.startswith("^")
    end = body.endswith("$") and not body.endswith("\\$")
    if start:
        body = body[1:]
    if end:
        body = body[:-1]
    if (start or end) and _top_level_alternation(body):
        raise Unsupported(f"regular expression {source!r}: anchors ^ and $ around alternatives are ambiguous:"
                          " group them, as in ^(a|b)$")
    out: list[str] = []
    i, n = 0, len(body)

    def letter(ch: str) -> str:
        if ignore_case and ch.lower() != ch.upper():
            return f"[{ch.lower()}{ch.upper()}]"
        return "\\" + ch if ch in _LUCENE_ONLY else ch

    while i < n:
        ch = body[i]
        if ch == "\\":
            i, piece = _escape(body, i, in_class=False)
            out.append(letter(piece) if len(piece) == 1 and piece.isalpha() else piece)
            continue
        if ch == "[":
            i, piece = _class(body, i, ignore_case)
            out.append(piece)
            continue
        if ch == "(":
            if body.startswith("(?:", i):
                out.append("(")
                i += 3
            elif body.startswith(("(?P<", "(?<")) and not body.startswith(("(?<=", "(?<!"), i):
                close = body.find(">", i)
                out.append("(")
                i = close + 1
            elif body.startswith("(?", i):
                kind = "look-around" if body[i + 2:i + 3] in "=!<" else "inline flags inside the pattern"
                raise Unsupported(f"regular expression {source!r}: {kind} is not supported")
            else:
                out.append("(")
                i += 1
            continue
        if ch in "*+?":
            out.append(ch)
            i += 1
            if i < n and body[i] in "?+":  # lazy and possessive: the same values match
                i += 1
            continue
        if ch == "{":
            quant = re.match(r"\{(\d*)(,?)(\d*)\}", body[i:])
            if quant and (quant.group(1) or quant.group(3)):
                low = quant.group(1) or "0"
                out.append("{" + low + quant.group(2) + quant.group(3) + "}")
                i += quant.end()
                if i < n and body[i] in "?+":
                    i += 1
            else:
                out.append("\\{")
                i += 1
            continue
        if ch in "^$":
            raise Unsupported(f"regular expression {source!r}: anchors ^ and $ are supported only at its start and end")
        if ch == ".":
            out.append("." if dot_all else "[^\n]")
            i += 1
            continue
        if ch in ")|":
            out.append(ch)
            i += 1
            continue
        if ch == "}":
            out.append("\\}")
            i += 1
            continue
        out.append(letter(ch))
        i += 1
    pattern = "".join(out)
    return ("" if start else ".*") + "(" + pattern + ")" + ("" if end else ".*")


def _top_level_alternation(body: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def _escape(body: str, i: int, *, in_class: bool) -> tuple[int, str]:
    """The escape at body[i] (a backslash) in Lucene syntax, and where the pattern goes on."""
    if i + 1 >= len(body):
        raise Unsupported("a regular expression ends with a lone backslash")
    ch = body[i + 1]
    if ch in "dDsSwW":
        return i + 2, "\\" + ch
    if ch in _CONTROL:
        return i + 2, _CONTROL[ch]
    if ch == "x":
        hexa = re.match(r"[0-9A-Fa-f]{2}", body[i + 2:i + 4])
        if hexa is None:
            raise Unsupported("a regular expression's \\x needs two hexadecimal digits")
        return i + 4, _literal_char(chr(int(hexa.group(), 16)))
    if ch in _REFUSED or ch.isdigit():
        what = _REFUSED.get(ch, "back-references")
        raise Unsupported(f"regular expression {body!r}: {what} is not supported")
    if ch.isalnum():
        raise Unsupported(f"regular expression {body!r}: the escape \\{ch} is not supported")
    return i + 2, "\\" + ch


def _literal_char(ch: str) -> str:
    return "\\" + ch if not ch.isalnum() and ch.isprintable() and ch != " " else ch


def _class(body: str, i: int, ignore_case: bool) -> tuple[int, str]:
    """The character class at body[i] ("[") in Lucene syntax."""
    out = ["["]
    j = i + 1
    if j < len(body) and body[j] == "^":
        out.append("^")
        j += 1
    first = True
    items: list[str] = []
    while j < len(body):
        ch = body[j]
        if ch == "]" and not first:
            break
        first = False
        if ch == "[" and body.startswith("[:", j):
            raise Unsupported(f"regular expression {body!r}: POSIX classes ([:alpha:]) are not supported")
        if ch == "\\":
            j, piece = _escape(body, j, in_class=True)
            items.append(piece)
            continue
        if ch == "-" and items and j + 1 < len(body) and body[j + 1] != "]":
            items.append("-")
            j += 1
            continue
        items.append("\\" + ch if ch in "[]^" else ch)
        j += 1
    else:
        raise Unsupported(f"regular expression {body!r}: a [ is never closed")
    text = "".join(items)
    if ignore_case:
        extra = []
        for k, item in enumerate(items):
            if len(item) == 1 and item.isalpha():
                if k + 2 < len(items) and items[k + 1] == "-" and len(items[k + 2]) == 1 and items[k + 2].isalpha():
                    extra.append(f"{item.swapcase()}-{items[k + 2].swapcase()}")
                elif not (k >= 2 and items[k - 1] == "-"):
                    extra.append(item.swapcase())
        text += "".join(extra)
    out.append(text)
    out.append("]")
    return j + 1, "".join(out)


# ----------------------------------------------------------------------------- sweeping


#: A literal this long at least is looked for in an event's bytes before the event is parsed.
_MIN_NEEDLE = 3
_NOTHING: Node = Not(All())


def _cheap(path: Path) -> bool:
    """Whether the store answers a field path from a column with few distinct values (the action,
    outcome, severity, reason code, or what the catalog says of the action): such a clause is
    answered for every event at once. Names and ids of initiators and targets have as many values
    as events, and other fields are in no column: those are tested on the few candidate events."""
    from . import catalog_fields
    from .filtering import REASON_CODE

    return path in (("action",), ("outcome",), ("severity",), REASON_CODE) or path in catalog_fields.FIELDS


def _reads_events(node: Node) -> bool:
    """Whether answering the node for one event reads more than the store's columns."""
    from . import catalog_fields, people
    from .filtering import REASON_CODE, STRING_COLUMNS

    if isinstance(node, (Match, Range, Exists, Network)):
        return not all(p in STRING_COLUMNS or p == REASON_CODE or p in catalog_fields.FIELDS or p == people.PATH
                       for p in node.field.paths)
    if isinstance(node, (And, Or)):
        return any(_reads_events(c) for c in node.children)
    if isinstance(node, Not):
        return _reads_events(node.child)
    return isinstance(node, Text)


def relax(node: Node, positive: bool = True) -> Node:
    """A query matching every event the node matches (and maybe more) that reads only the cheap
    columns: another clause becomes everything, or, under a NOT, nothing (so the NOT keeps everything)."""
    if isinstance(node, (Match, Range, Exists, Network)):
        if all(_cheap(p) for p in node.field.paths):
            return node
        return All() if positive else _NOTHING
    if isinstance(node, Text):
        return All() if positive else _NOTHING
    if isinstance(node, And):
        kept = tuple(c for c in (relax(c, positive) for c in node.children) if not isinstance(c, All))
        return All() if not kept else kept[0] if len(kept) == 1 else And(kept)
    if isinstance(node, Or):
        children = tuple(relax(c, positive) for c in node.children)
        if any(isinstance(c, All) for c in children):
            return All()
        return children[0] if len(children) == 1 else Or(children)
    if isinstance(node, Not):
        inner = relax(node.child, not positive)
        return _NOTHING if isinstance(inner, All) else All() if inner == _NOTHING else Not(inner)
    return node




def raw_test(node: Node, positive: bool = True):  # -> Callable[[bytes], bool] | bool
    """A test of an event's lower-cased bytes that every event the node matches passes (True:
    every event passes, False: none): the literal text a clause needs, or `"key": true` for a
    boolean clause. It spares parsing most candidate events. It holds for bytes written as plain
    JSON; the caller passes every event whose bytes hold a backslash (escapes, JSON in a string)."""
    if isinstance(node, Match):
        # A needle is what a matching event must hold, not what makes it match: under a NOT it says nothing.
        test = _raw_match(node) if positive else None
        return test if test is not None else positive
    if isinstance(node, Text):
        search = text_pattern(node.value)
        return lambda raw: search.matches(raw)
    if isinstance(node, (Range, Exists, Network, All)):
        return positive if not isinstance(node, All) else True
    if isinstance(node, (And, Or)):
        children = [raw_test(c, positive) for c in node.children]
        if isinstance(node, And):
            if any(c is False for c in children):
                return False
            tests = [c for c in children if c is not True]
            if not tests:
                return True
            return tests[0] if len(tests) == 1 else (lambda raw: all(t(raw) for t in tests))
        if any(c is True for c in children):
            return True
        tests = [c for c in children if c is not False]
        if not tests:
            return False
        return tests[0] if len(tests) == 1 else (lambda raw: any(t(raw) for t in tests))
    if isinstance(node, Not):
        inner = raw_test(node.child, not positive)
        if isinstance(inner, bool):
            return not inner
        return lambda raw: not inner(raw)
    return positive


def _raw_match(node: Match):  # -> Callable[[bytes], bool] | None
    """The raw-bytes test of one field clause, or None when none is sure."""
    value = node.value
    if value.regexp is not None:
        return None
    if not value.wildcard and value.text.casefold() in ("true", "false"):
        keys = {path[-1] for path in node.field.paths}
        if not all(_plain(k) for k in keys):
            return None
        word = value.text.casefold()
        pattern = re.compile(b"|".join(b'"' + re.escape(k.lower().encode()) + rb'"\s*:\s*\[?\s*"?' + word.encode()
                                       for k in sorted(keys)))
        return lambda raw: pattern.search(raw) is not None
    parts = value.regex.parts if value.wildcard and value.regex is not None else ((False, value.text),)
    best = max((text for wild, text in parts if not wild), key=len, default="")
    if len(best) < _MIN_NEEDLE or not _plain(best) or _number_like(best):
        return None
    needle = best.lower().encode()
    return lambda raw: needle in raw


def _plain(text: str) -> bool:
    """Printable ASCII that JSON writes as it is (no quote, backslash or slash, which it may escape)."""
    return text.isascii() and text.isprintable() and not any(ch in text for ch in '"\\/')


def _number_like(text: str) -> bool:
    """A number (404 also matches 404.0) or a boolean (also matches its string): no literal is sure."""
    try:
        float(text)
    except ValueError:
        return text.casefold() in ("true", "false")
    return True


class _Window:
    """One correlation's state per group: the matching events inside the timespan, oldest first."""

    def __init__(self, corr: Correlation) -> None:
        self.corr = corr
        self.groups: dict[tuple[str, ...], deque[tuple[int, int, str]]] = {}
        self.values: dict[tuple[str, ...], Counter[str]] = {}
        self.latest = 0

    def add(self, row: int, time_us: int, key: tuple[str, ...], value: str) -> tuple[int, ...] | None:
        """Take one matching event (in time order); the rows of the window when the correlation fires."""
        corr = self.corr
        events = self.groups.setdefault(key, deque())
        counts = self.values.setdefault(key, Counter())
        events.append((time_us, row, value))
        counts[value] += 1
        while events and events[0][0] < time_us - corr.timespan_us:
            _, _, old = events.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        self._forget(time_us)
        if corr.kind == "value_count":
            measured = len(counts)
        elif corr.kind == "temporal":
            measured = len(counts)
        else:
            measured = len(events)
        target = len(corr.rules) if corr.kind == "temporal" else corr.count
        fired = (measured > target if corr.op == "gt" else measured == target if corr.op == "eq" else measured >= target)
        if not fired:
            return None
        rows = tuple(r for _, r, _ in events)
        # One alert per burst: the window starts again after it fires.
        events.clear()
        counts.clear()
        return rows

    def _forget(self, now: int) -> None:
        """Drop the groups whose newest event has left the window (memory bounded by the window)."""
        if now - self.latest < self.corr.timespan_us:
            return
        self.latest = now
        stale = [k for k, ev in self.groups.items() if not ev or ev[-1][0] < now - self.corr.timespan_us]
        for key in stale:
            del self.groups[key]
            self.values.pop(key, None)


class Detector:
    """Rules bound to a store: `sweep()` over what is stored, then `test(row)` for each arriving event."""

    def __init__(self, store: Store, rules: RuleSet, *, since_us: int | None = None, until_us: int | None = None) -> None:
        from .filtering import Filter

        self.store = store
        self.rules = rules
        self.filters = [(rule, Filter(store, rule.node, since_us=since_us, until_us=until_us)) for rule in rules.rules]
        by_ref: dict[str, list[Correlation]] = {}
        for corr in rules.correlations:
            for ref in corr.rules:
                by_ref.setdefault(ref, []).append(corr)
        #: per rule index, the correlations fed by its matches
        self.feeds: list[list[Correlation]] = [
            by_ref.get(rule.id, []) + (by_ref.get(rule.name, []) if rule.name else []) for rule in rules.rules]
        correlated = {ref for corr in rules.correlations if not corr.generate for ref in corr.rules}
        #: rules that raise no alert of their own: those a correlation refers to
        self.silent = [rule.id in correlated or (rule.name in correlated if rule.name else False) for rule in rules.rules]
        self.windows = {corr.id: _Window(corr) for corr in rules.correlations}
        #: per segment, its file mapped in memory during a sweep (None: read through the store).
        #: Only then: a followed file may be truncated later, and reading a mapping past a file's
        #: new end kills the process.
        self._maps: dict = {}
        self._mapping = False
        #: per rule: a looser query over the cheap columns (None: the rule's own query is), and a
        #: test of each candidate's bytes before its event is parsed
        self.loose: list[tuple[object, object] | None] = []
        for rule in rules.rules:
            relaxed = relax(rule.node)
            if relaxed == rule.node:
                self.loose.append(None)
            else:
                # A rule on columns only (names and ids of initiators and targets) needs no bytes.
                test = raw_test(rule.node) if _reads_events(rule.node) else None
                self.loose.append((Filter(store, relaxed, since_us=since_us, until_us=until_us), test))

    def _rows(self, index: int) -> Sequence[int]:
        """The rows a rule's query matches, in time order. Fields the store keeps in no column would
        be read from every event: instead the cheap columns pick the candidates, a look at each one's
        bytes drops most, and the rest are tested on their events."""
        query = self.filters[index][1]
        loose = self.loose[index]
        if loose is None:
            return query.rows()
        cheap, test = loose
        candidates = cheap.rows()
        if test is False:
            return []
        found = []
        if test is None:
            return [row for row in candidates if query.test(row, {})]
        subs = self.store.subs
        for row, raw in self._bytes(candidates):
            memo: dict = {}
            if raw is not None:
                if test is not True and b"\\" not in raw and not test(raw.lower()):
                    continue
                memo["raw"] = raw
                # Decoded as the materialised columns are (quicker than re-reading the event
                # exactly), and only if a clause needs the event.
                memo["decode"] = partial(_decode, raw, subs[row])
            if query.test(row, memo):
                found.append(row)
        return found

    def _bytes(self, rows: Sequence[int]) -> Iterator[tuple[int, bytes | None]]:
        """Each row with its raw bytes: sliced from the file mapped in memory (a read per event
        would cost more than the look at its bytes), else as the store re-reads them."""
        import mmap

        from .filtering import _source_path

        store = self.store
        maps = self._maps
        segment, offsets, lengths = store.segment, store.offsets, store.lengths
        if not self._mapping:
            for row in rows:
                yield row, store.raw(row)
            return
        for row in rows:
            seg = segment[row]
            mapped = maps.get(seg, False)
            if mapped is False:
                mapped = None
                path = _source_path(store.segments[seg].reader)
                if path:
                    try:
                        with open(path, "rb") as handle:
                            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                    except (OSError, ValueError):  # an empty file cannot be mapped
                        mapped = None
                maps[seg] = mapped
            offset, length = offsets[row], lengths[row]
            if mapped is not None and offset + length <= len(mapped):
                yield row, mapped[offset:offset + length]
            else:
                yield row, store.raw(row)

    def sweep(self) -> list[Alert]:
        """Every alert over the stored events: each rule's matches, then correlations in time order."""
        alerts: list[Alert] = []
        feeding: list[tuple[int, int, int]] = []  # (time, row, rule index)
        self._mapping = True
        try:
            self._sweep_rules(alerts, feeding)
            feeding.sort()
            alerts.extend(self._correlate(feeding))
        finally:
            self._mapping = False
            for mapped in self._maps.values():
                if mapped is not None:
                    mapped.close()
            self._maps.clear()
        alerts.sort(key=lambda a: (a.time_us, a.rows[-1], a.correlation))
        return alerts

    def _sweep_rules(self, alerts: list[Alert], feeding: list[tuple[int, int, int]]) -> None:
        """Each rule's alerts over the store, and the matches that feed correlations."""
        times = self.store.times
        for index, (rule, query) in enumerate(self.filters):
            rows = self._rows(index)
            if rule.same_fields:
                rows = [r for r in rows if self._same(rule, r)]
            if rule.outside_hours:
                rows = [r for r in rows if self.rules.hours.outside(times[r])]
            if not self.silent[index]:
                alerts.extend(self._alert(rule, r) for r in rows)
            if self.feeds[index]:
                feeding.extend((times[r], r, index) for r in rows)

    def test(self, row: int) -> list[Alert]:
        """The alerts one arriving event raises (rules in order, then the correlations it completes)."""
        times = self.store.times
        alerts: list[Alert] = []
        feeding: list[tuple[int, int, int]] = []
        memo: dict = {}  # the event is read and parsed once for every rule
        for index, (rule, query) in enumerate(self.filters):
            if not query.test(row, memo) or (rule.same_fields and not self._same(rule, row)):
                continue
            if rule.outside_hours and not self.rules.hours.outside(times[row]):
                continue
            if not self.silent[index]:
                alerts.append(self._alert(rule, row))
            if self.feeds[index]:
                feeding.append((times[row], row, index))
        alerts.extend(self._correlate(feeding))
        return alerts

    def _same(self, rule: Rule, row: int) -> bool:
        """Whether each fieldref pair of the rule holds equal values in the row's event (compared
        as the query compares text: case-insensitively)."""
        event = self.store.event(row, keep=False).event
        if event is None:
            return False
        for left, right in rule.same_fields:
            a = {text_form(v).casefold() for p in left.paths for v in find_values(event, p) if _scalar(v)}
            b = {text_form(v).casefold() for p in right.paths for v in find_values(event, p) if _scalar(v)}
            if not a & b:
                return False
        return True

    def _alert(self, rule: Rule, row: int) -> Alert:
        return Alert(rule.id, rule.title, rule.level, rule.tags, (row,), self.store.times[row])

    def _correlate(self, feeding: Sequence[tuple[int, int, int]]) -> Iterator[Alert]:
        if not feeding:
            return
        rules = self.rules.rules
        fed_rows = sorted({row for _, row, _ in feeding})
        texts = self._field_texts(fed_rows)
        for time_us, row, index in feeding:
            rule = rules[index]
            for corr in self.feeds[index]:
                key = tuple(texts[ref.text][row] for ref in corr.group_by)
                if corr.kind == "temporal":
                    value = rule.id
                elif corr.value_field is not None:
                    value = texts[corr.value_field.text][row]
                    if not value:
                        continue  # no value: nothing to count
                else:
                    value = ""
                rows = self.windows[corr.id].add(row, time_us, key, value)
                if rows is not None:
                    yield Alert(corr.id, corr.title, corr.level, corr.tags, rows, time_us, key, True)

    def _field_texts(self, rows: list[int]) -> dict[str, dict[int, str]]:
        """The text of each group-by and value field of the correlations, for the rows: from the
        store's columns where it keeps the field, else from each row's event (never by building a
        column over the whole store)."""
        from .decode import decode_value, normalise
        from .filtering import REASON_CODE, STRING_COLUMNS, field_texts

        refs: dict[str, FieldRef] = {}
        for corr in self.rules.correlations:
            for ref in (*corr.group_by, *([corr.value_field] if corr.value_field else [])):
                refs[ref.text] = ref
        found: dict[str, dict[int, str]] = {}
        others: dict[str, FieldRef] = {}
        for text, ref in refs.items():
            if all(p in STRING_COLUMNS or p == REASON_CODE for p in ref.paths):
                found[text] = dict(zip(rows, field_texts(self.store, ref, rows)))
            else:
                others[text] = ref
                found[text] = {}
        if others:
            subs = self.store.subs
            for row, raw in self._bytes(rows):
                decoded = decode_value(raw) if raw is not None else None
                sub = subs[row]
                event = normalise(decoded[sub]) if type(decoded) is list and sub < len(decoded) else {}
                for text, ref in others.items():
                    values = [v for path in ref.paths for v in find_values(event or {}, path) if v is not None]
                    found[text][row] = text_form(values[0]) if values and _scalar(values[0]) else ""
        return found

    def locate(self, alert: Alert) -> list[Place]:
        """Where each event of an alert was read."""
        return locate(self.store, alert.rows)


def _decode(raw: bytes, sub: int) -> dict | None:
    """The event of a row from its bytes, normalised as the store's materialised columns read it."""
    from .decode import decode_value, normalise

    decoded = decode_value(raw)
    return normalise(decoded[sub]) if type(decoded) is list and sub < len(decoded) else None


def _scalar(value: object) -> bool:
    return value is not None and not isinstance(value, (dict, list))


def locate(store: Store, rows: Sequence[int]) -> list[Place]:
    """Source, line and offset of each row (the line counted in the file its bytes are read from:
    the spooled copy for gzip and standard input; 0 when it cannot be read)."""
    wanted: dict[int, list[int]] = {}
    for row in rows:
        wanted.setdefault(store.segment[row], []).append(store.offsets[row])
    lines: dict[int, dict[int, int]] = {}
    for seg_id, offsets in wanted.items():
        path = getattr(store.segments[seg_id].reader, "path", None)
        lines[seg_id] = _line_numbers(path, offsets) if isinstance(path, str) else {}
    places = []
    for row in rows:
        seg_id, offset = store.segment[row], store.offsets[row]
        places.append(Place(row, store.times[row], store.segments[seg_id].name, lines[seg_id].get(offset, 0), offset))
    return places


def _line_numbers(path: str, offsets: list[int]) -> dict[int, int]:
    """1-based line numbers of byte offsets in a file ({} when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            wanted = sorted(set(offsets))
            found: dict[int, int] = {}
            line, pos, k = 1, 0, 0
            while k < len(wanted):
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                while k < len(wanted) and wanted[k] < pos + len(chunk):
                    found[wanted[k]] = line + chunk.count(b"\n", 0, wanted[k] - pos)
                    k += 1
                line += chunk.count(b"\n")
                pos += len(chunk)
            return found
    except OSError:
        return {}
