"""Fields the user names that no event has: said, with the nearest known field, so that a typo
(`outcom:failure`) is never answered by an empty result in silence.

A field counts as known when it is a short name (query.ALIASES), when the catalog documents it,
or when some event read so far has it. Whether an event has it comes from what the query already
built: the store's indexed columns, or the field's materialised column (filtering.FieldColumn).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import catalog_fields, people
from .filtering import REASON_CODE, STRING_COLUMNS, materialise
from .query import ALIASES, And, Exists, FieldRef, Match, Network, Node, Not, Or, Path, Range, find_values
from .store import Store

if TYPE_CHECKING:
    from catalog.loader import Catalog

# catalog.loader is imported where a field is missing: importing the catalog package costs
# `atlens query` a twentieth of a second, for a field that every event has.

#: Events whose key paths are offered as suggestions (spread over the store).
SAMPLE_EVENTS = 200
#: Key paths taken from one event at most, and how deep: a hostile event cannot make this slow.
_PATHS_PER_EVENT = 2_000
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class MissingField:
    """A field as the user typed it that no event read so far has, and the nearest known field ("" for none)."""

    text: str
    paths: tuple[Path, ...]
    suggestion: str = ""
    #: the Cloud Logs suffix typed after the field (query.FIELD_SUFFIXES), "" for none
    suffix: str = ""

    def message(self) -> str:
        """What the user is told, in one line (not escaped: the caller shows it as untrusted text).

        A field typed with a suffix is said by the field it means (`action.keyword` is `action`),
        and the field suggested keeps the suffix, to be typed as it was.
        """
        if self.suffix:
            said = f"no event has `{self.text[:-len(self.suffix)]}` (`{self.text}`)"
        else:
            said = f"no event has `{self.text}`"
        return f"{said}; did you mean `{self.suggestion}`?" if self.suggestion else said


def query_fields(node: Node) -> list[FieldRef]:
    """The fields a query names, in the order written, each once."""
    seen: dict[str, FieldRef] = {}
    for ref in _refs(node):
        seen.setdefault(ref.text, ref)
    return list(seen.values())


def _refs(node: Node) -> Iterator[FieldRef]:
    if isinstance(node, (Match, Range, Exists, Network)):
        yield node.field
    elif isinstance(node, (And, Or)):
        for child in node.children:
            yield from _refs(child)
    elif isinstance(node, Not):
        yield from _refs(node.child)


def documented_paths(catalog: Catalog) -> frozenset[Path]:
    """The field paths the catalog gives a meaning for (generic or for some actions)."""
    from catalog.loader import split_path

    return frozenset(split_path(doc.path) for doc in catalog.fields)


def missing_fields(store: Store, refs: Iterable[FieldRef],
                   documented: Callable[[], frozenset[Path]] = frozenset) -> list[MissingField]:
    """The fields among refs that no stored event has and the catalog does not document, each once.

    A field the query already materialised is answered from its column; one it did not (a field
    only printed) is materialised here, unless the catalog documents it. `documented` is called
    at most once, and only for a field the store's columns do not answer (loading the catalog
    takes a moment).
    """
    documented = functools.cache(documented)
    missing: list[MissingField] = []
    said: set[str] = set()
    for ref in refs:
        if ref.text in said or ref.name in ALIASES:
            continue
        said.add(ref.text)
        if not any(_known(store, path, documented) for path in ref.paths):
            missing.append(MissingField(ref.text, ref.paths, suffix=ref.suffix))
    if not missing:
        return []
    candidates = known_names(store, documented())
    out = []
    for m in missing:
        guess = suggest(m.text[:len(m.text) - len(m.suffix)], candidates)
        out.append(MissingField(m.text, m.paths, guess + m.suffix if guess else "", m.suffix))
    return out


def still_missing(store: Store, missing: list[MissingField], start: int, end: int) -> list[MissingField]:
    """Those of `missing` that no event of rows start..end has either (events that arrived since
    the fields were checked); each event is read once, and not at all once every field is found."""
    left = list(missing)
    for row in range(start, end):
        if not left:
            break
        event = store.event(row, keep=False).event
        if event is not None:
            left = [m for m in left if not any(find_values(event, path) for path in m.paths)]
    return left


def _known(store: Store, path: Path, documented: Callable[[], frozenset[Path]]) -> bool:
    """Whether some stored event has the path, or the catalog documents it."""
    if path in catalog_fields.FIELDS or path == people.PATH:
        return True  # what the catalog says of the action, or who the initiator is: every event has it
    n = len(store)
    column = STRING_COLUMNS.get(path)
    if column is not None:
        # Id 0 is "": what the column holds for an event without the field.
        if getattr(store, column)[:n].count(0) < n:
            return True
    elif path == REASON_CODE:
        if store.reason[:n].count(-1) < n:
            return True
    elif path not in store.field_columns and path in documented():
        return True  # not worth reading every event for a field the catalog knows
    else:
        materialise(store, [path])  # extends a column the query built to rows read since; else builds it
        if len(store.field_columns[path].values) > 1:  # values[0] is "nothing found"
            return True
    return path in documented()


def known_names(store: Store, documented: frozenset[Path]) -> list[str]:
    """Field names a user may have meant: short names, documented paths, indexed columns, and the
    key paths of a sample of the events read."""
    from catalog.loader import join_path

    paths: set[Path] = set(documented) | set(STRING_COLUMNS) | {REASON_CODE} | set(catalog_fields.FIELDS)
    n = len(store)
    step = max(1, n // SAMPLE_EVENTS)
    for row in range(0, n, step):
        event = store.event(row, keep=False).event
        if event is not None:
            paths.update(_key_paths(event))
    return [*ALIASES, *sorted(join_path(p) for p in paths if p)]


def _key_paths(event: dict) -> list[Path]:
    """Every key path of an event (through objects, and objects in lists), up to a bound."""
    found: list[Path] = []
    stack: list[tuple[Path, object]] = [((), event)]
    while stack and len(found) < _PATHS_PER_EVENT:
        prefix, value = stack.pop()
        if isinstance(value, list):
            stack.extend((prefix, item) for item in value if isinstance(item, (dict, list)))
        elif isinstance(value, dict) and len(prefix) < _MAX_DEPTH:
            for key, child in value.items():
                path = (*prefix, str(key))
                found.append(path)
                stack.append((path, child))
    return found


def suggest(text: str, candidates: list[str]) -> str:
    """The candidate nearest to text (ignoring case), or "" when none is near."""
    folded: dict[str, str] = {}
    for name in candidates:
        if name != text:
            folded.setdefault(name.casefold(), name)
    typed = text.casefold()
    for near in difflib.get_close_matches(typed, list(folded), n=10, cutoff=0.6):
        if _near(typed, near):
            return folded[near]
    return ""


def _near(typed: str, name: str) -> bool:
    """Whether a name is a likely meaning of what was typed: the same path but for one part
    spelt nearly alike. Over whole paths a long shared start made any two fields look alike
    (`requestData.shard` and `requestData.mfa`)."""
    a, b = typed.split("."), name.split(".")
    if len(a) != len(b):  # a dot left out or added: only a near-identical spelling
        return difflib.SequenceMatcher(None, typed, name).ratio() >= 0.85
    differ = [(x, y) for x, y in zip(a, b) if x != y]
    return len(differ) <= 1 and all(difflib.SequenceMatcher(None, x, y).ratio() >= 0.6 for x, y in differ)
