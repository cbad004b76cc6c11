"""Load the catalog: the TOML files of catalog/data, then any user directories on top.

A malformed file is a `CatalogError` naming the file and the line; nothing is half-loaded.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .model import Action, FieldDoc, Page, Service

DATA_DIR = Path(__file__).with_name("data")
#: directories of user catalog files, separated like PATH
ENV_VAR = "ATLENS_CATALOG"

_ACTION_KEYS = {"name", "section", "description", "data_event", "deprecated", "asynchronous", "pattern",
                "also", "note", "source"}
_FIELD_KEYS = {"path", "meaning", "type", "values", "actions", "status", "source", "below"}
_SERVICE_KEYS = {"name", "title", "source"}
_PAGE_KEYS = {"id", "title", "url", "seed"}
_TYPES = {"", "string", "boolean", "number", "object", "array", "timestamp"}


class CatalogError(Exception):
    """A catalog file that cannot be used, with where and why."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


# ----------------------------------------------------------------------------- field paths

_PART = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[\d*\]|([^.\[\]]+)')


@lru_cache(maxsize=4096)  # the same few hundred paths, read for every event explained or marked
def split_path(path: str) -> tuple[str, ...]:
    """`requestData["token.account.bss"].update[0].x` -> ("requestData", "token.account.bss", "update", "x").

    Array positions are dropped: a document describes the items of a list, not one of them.
    """
    parts: list[str] = []
    pos = 0
    while pos < len(path):
        if path[pos] == ".":
            pos += 1
            continue
        m = _PART.match(path, pos)
        if m is None:
            raise ValueError(f"cannot read the field path {path!r} at column {pos + 1}")
        if m.group(1) is not None:
            parts.append(m.group(1).replace('\\"', '"'))
        elif m.group(2) is not None:
            parts.append(m.group(2))
        pos = m.end()
    return tuple(parts)


def join_path(parts: Iterable[str]) -> str:
    """The inverse of split_path: dots, and brackets around keys that need them."""
    out = ""
    for part in parts:
        out += path_part(part, first=not out)
    return out


def path_part(key: str, *, first: bool = False) -> str:
    """One key as it is written in a path after what precedes it: `.key`, or `["a.b"]`."""
    if key and re.fullmatch(r"[^.\[\]\"\s]+", key):
        return key if first else "." + key
    return '["' + key.replace('"', '\\"') + '"]'


# ----------------------------------------------------------------------------- the catalog


@dataclass
class Catalog:
    """Every known action, service and field, with the lookups the explanations need."""

    actions: dict[str, Action] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    fields: list[FieldDoc] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: documentation pages by id: an entry whose `source` is one is shown the page's title and address
    pages: dict[str, Page] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._reindex()

    def _reindex(self) -> None:
        self._patterns = [(ActionPattern.compile(a.name), a) for a in self.actions.values() if a.pattern]
        self._by_path: dict[tuple[str, ...], list[FieldDoc]] = {}
        for doc in self.fields:
            self._by_path.setdefault(split_path(doc.path), []).append(doc)

    def action(self, name: str) -> Action | None:
        """The documented action: exact name, else a pattern such as `<service-name>.tag.attach`."""
        hit = self.actions.get(name)
        if hit is not None:
            return hit
        for pattern, action in self._patterns:
            if pattern.fullmatch(name):
                return action
        return None

    def _docs(self, parts: tuple[str, ...], action: str) -> list[FieldDoc]:
        """The docs of a field that apply to an action: those scoped to it first, then the generic
        ones; later files (user catalogs) before earlier ones within each."""
        docs = self._by_path.get(parts) or []
        if not docs:
            # A key of an open set (labels.team): the nearest enclosing doc that covers its keys.
            for end in range(len(parts) - 1, 0, -1):
                docs = [d for d in self._by_path.get(parts[:end], ()) if d.below]
                if docs:
                    break
        scoped = [d for d in reversed(docs) if d.actions and action and any(fnmatchcase(action, p) for p in d.actions)]
        return scoped + [d for d in reversed(docs) if not d.actions]

    def field_doc(self, path: str | tuple[str, ...], action: str = "") -> FieldDoc | None:
        """What a field means in an event of this action: the doc for the action, else the generic one."""
        docs = self._docs(split_path(path) if isinstance(path, str) else path, action)
        return docs[0] if docs else None

    def value_meaning(self, path: str | tuple[str, ...], action: str, value: str) -> tuple[FieldDoc | None, str]:
        """The doc that says what this value means (scoped first, then generic) and the meaning."""
        docs = self._docs(split_path(path) if isinstance(path, str) else path, action)
        for doc in docs:
            meaning = doc.value_meaning(value)
            if meaning is not None:
                return doc, meaning
        return (docs[0] if docs else None), ""

    def search(self, text: str = "") -> list[Action]:
        """Actions whose name, service, section or description contain every word of text."""
        words = text.casefold().split()
        found = []
        for action in sorted(self.actions.values(), key=lambda a: a.name):
            service = self.services.get(action.service)
            hay = " ".join([action.name, action.section, action.description, action.note,
                            service.title if service else ""]).casefold()
            if all(w in hay for w in words):
                found.append(action)
        return found

    def service_title(self, name: str) -> str:
        service = self.services.get(name)
        return service.title if service else ""


#: A placeholder in an action name: `<service-name>`, or `*`.
_PLACEHOLDER = re.compile(r"(<[^>]+>|\*)")
#: What a part of an action name is made of, where a placeholder stands.
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
# Where a match stands in a pattern: before a token, inside a placeholder after a name character
# (it may end there), or inside one right after a dot (a name character must follow).
_AT, _WORD, _DOT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class ActionPattern:
    """An action name with placeholders (`<service-name>.tag.attach`), matched in time linear in the name.

    A placeholder stands for one or more name parts joined by dots. A regular expression with one
    repetition per placeholder backtracks: 8 placeholders against a 40-part name took 18 s.
    """

    #: one character of literal text each, or None for a placeholder
    tokens: tuple[str | None, ...]
    #: the literal text before the first placeholder and after the last: most names fail on them
    prefix: str
    suffix: str

    @classmethod
    def compile(cls, name: str) -> ActionPattern:
        """The pattern an action name written with placeholders stands for."""
        pieces = _PLACEHOLDER.split(name)
        tokens: list[str | None] = []
        for n, piece in enumerate(pieces):
            tokens.extend([None] if n % 2 else piece)  # split puts the placeholders at odd places
        if len(pieces) == 1:
            return cls(tuple(tokens), name, name)
        return cls(tuple(tokens), pieces[0], pieces[-1])

    def fullmatch(self, name: str) -> bool:
        """Whether the whole name is one the pattern stands for."""
        tokens = self.tokens
        if len(name) < len(tokens) or not (name.startswith(self.prefix) and name.endswith(self.suffix)):
            return False
        end = len(tokens)
        # Every place the match can stand after each character, at once: no choice is ever undone.
        current = {(0, _AT)}
        for char in name:
            following: set[tuple[int, int]] = set()
            for index, where in current:
                if where == _AT:
                    if index == end:
                        continue
                    token = tokens[index]
                    if token is not None:
                        if token == char:
                            following.add((index + 1, _AT))
                        continue
                if char in _NAME_CHARS:
                    # into (or on inside) the placeholder, which may also end right here
                    following.add((index, _WORD))
                    following.add((index + 1, _AT))
                elif char == "." and where == _WORD:
                    following.add((index, _DOT))
            if not following:
                return False
            current = following
        return (end, _AT) in current


# ----------------------------------------------------------------------------- loading


def load(extra: Iterable[str | Path] = (), *, builtin: bool = True) -> Catalog:
    """The built-in catalog, then each extra directory (or file) on top, later ones winning."""
    catalog = Catalog()
    sources: list[tuple[list[Path], bool]] = []
    if builtin:
        sources.append((sorted(DATA_DIR.glob("*.toml")), False))
    for entry in extra:
        path = Path(entry)
        if path.is_dir():
            sources.append((sorted(path.glob("*.toml")), True))
        elif path.is_file():
            sources.append(([path], True))
        else:
            raise CatalogError(path, None, "no such catalog directory or file")
    for files, overriding in sources:
        for file in files:
            _load_file(catalog, file, overriding)
    _name_pages(catalog)
    catalog._reindex()
    return catalog


def _name_pages(catalog: Catalog) -> None:
    """Each entry whose source is the id of a page (of any file) gets that page's title and address."""
    pages = catalog.pages
    if not pages:
        return

    def named(entry):  # Action | Service | FieldDoc
        page = pages.get(entry.source)
        return replace(entry, source=page.title, source_url=page.url) if page is not None else entry

    catalog.services = {name: named(service) for name, service in catalog.services.items()}
    catalog.actions = {name: replace(named(action), elsewhere=tuple(named(other) for other in action.elsewhere))
                       for name, action in catalog.actions.items()}
    catalog.fields = [named(doc) for doc in catalog.fields]


def user_dirs(explicit: Iterable[str] = ()) -> list[str]:
    """Directories given on the command line, then those of $ATLENS_CATALOG."""
    dirs = list(explicit)
    dirs += [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    return dirs


@lru_cache(maxsize=4)
def _cached(extra: tuple[str, ...]) -> Catalog:
    return load(extra)


def default(extra: Iterable[str] = ()) -> Catalog:
    """The catalog atlens uses: built-in data plus user directories (loaded once)."""
    return _cached(tuple(user_dirs(extra)))


def _load_file(catalog: Catalog, file: Path, overriding: bool) -> None:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(file, None, f"cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # tomllib reads nested arrays and inline tables by recursion: thousands deep exhaust the stack.
        raise CatalogError(file, None, "an array or table nested too deeply to read") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "not valid TOML"
        line = int(m.group(1)) if m else None
        if m:
            reason += f" (column {m.group(2)})"
        raise CatalogError(file, line, f"not valid TOML: {reason}") from None
    lines = text.splitlines()
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise CatalogError(file, _table_line(lines, "meta"), "'meta' must be a table, written [meta]")
    default_source = str(_get(meta, "source", str, file, _table_line(lines, "meta"), "meta") or file.name)
    unknown = set(data) - {"meta", "service", "action", "field", "page"}
    if unknown:
        table = min(unknown)
        raise CatalogError(file, _table_line(lines, table),
                           f"unknown table {table!r} (expected meta, service, action, field, page)")
    catalog.files.append(str(file))
    # Where each entry starts, found once: looking it up per entry made a large file quadratic.
    headers = _headers(lines)

    for n, entry in enumerate(_tables(data, "page", file, lines)):
        line = _nth(headers["page"], n)
        _check_keys(entry, _PAGE_KEYS, file, line, "page")
        get = lambda key, required=False: _get(entry, key, str, file, line, "page", required)  # noqa: E731
        page = Page(get("id", True), get("title", True), get("url") or "", get("seed") or "")
        catalog.pages[page.id] = page

    for n, entry in enumerate(_tables(data, "service", file, lines)):
        line = _nth(headers["service"], n)
        _check_keys(entry, _SERVICE_KEYS, file, line, "service")
        name = _get(entry, "name", str, file, line, "service", required=True)
        catalog.services[name] = Service(name, _get(entry, "title", str, file, line, "service") or name,
                                         _get(entry, "source", str, file, line, "service") or default_source)

    for n, entry in enumerate(_tables(data, "action", file, lines)):
        line = _nth(headers["action"], n)
        _check_keys(entry, _ACTION_KEYS, file, line, "action")
        get = lambda key, kind, required=False: _get(entry, key, kind, file, line, "action", required)  # noqa: E731
        name = get("name", str, True)
        if not re.fullmatch(r"[^\s.]+(\.[^\s.]+)+", name):
            raise CatalogError(file, line, f"action name {name!r} is not of the form service.object-type.verb")
        also = get("also", list) or []
        if not all(isinstance(a, str) for a in also):
            raise CatalogError(file, line, "'also' must be a list of action names")
        data_event = entry.get("data_event")
        if data_event is not None and not isinstance(data_event, bool):
            raise CatalogError(file, line, "'data_event' must be true or false")
        action = Action(
            name=name,
            section=get("section", str, True),
            description=get("description", str, True),
            source=get("source", str) or default_source,
            data_event=data_event,
            deprecated=bool(get("deprecated", bool)),
            asynchronous=bool(get("asynchronous", bool)),
            pattern=bool(get("pattern", bool)) or "<" in name,
            also=tuple(also),
            note=get("note", str) or "",
        )
        previous = catalog.actions.get(name)
        if previous is not None and not overriding:
            # Documented twice by the built-in pages: keep both readings.
            action = replace(previous, elsewhere=previous.elsewhere + (action,),
                             also=tuple(dict.fromkeys(previous.also + action.also)))
        catalog.actions[name] = action

    for n, entry in enumerate(_tables(data, "field", file, lines)):
        line = _nth(headers["field"], n)
        _check_keys(entry, _FIELD_KEYS, file, line, "field")
        get = lambda key, kind, required=False: _get(entry, key, kind, file, line, "field", required)  # noqa: E731
        path = get("path", str, True)
        try:
            split_path(path)
        except ValueError as exc:
            raise CatalogError(file, line, str(exc)) from None
        kind = get("type", str) or ""
        if kind not in _TYPES:
            raise CatalogError(file, line, f"type {kind!r} is not one of {', '.join(sorted(t for t in _TYPES if t))}")
        values = get("values", dict) or {}
        if not all(isinstance(v, str) for v in values.values()):
            raise CatalogError(file, line, "every value meaning must be a string")
        actions = get("actions", list) or []
        if not all(isinstance(a, str) for a in actions):
            raise CatalogError(file, line, "'actions' must be a list of action name patterns")
        catalog.fields.append(FieldDoc(
            path=path, meaning=get("meaning", str, True), type=kind, values=dict(values),
            actions=tuple(actions), status=get("status", str) or "", source=get("source", str) or default_source,
            below=bool(get("below", bool)),
        ))


def _tables(data: dict[str, Any], key: str, file: Path, lines: list[str]) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CatalogError(file, _table_line(lines, key), f"'{key}' must be written as [[{key}]] tables")
    return value


def _check_keys(entry: dict[str, Any], allowed: set[str], file: Path, line: int | None, kind: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise CatalogError(file, line, f"unknown key {unknown[0]!r} in [[{kind}]] (known: {', '.join(sorted(allowed))})")


def _get(entry: dict[str, Any], key: str, kind: type, file: Path, line: int | None, table: str,
         required: bool = False) -> Any:
    value = entry.get(key)
    if value is None:
        if required:
            raise CatalogError(file, line, f"[[{table}]] needs '{key}'")
        return None
    if not isinstance(value, kind) or (kind is str and required and not value.strip()):
        expected = {str: "a non-empty string" if required else "a string", bool: "true or false",
                    list: "a list", dict: "a table"}[kind]
        raise CatalogError(file, line, f"'{key}' must be {expected}")
    return value


def _headers(lines: list[str]) -> dict[str, list[int]]:
    """The line numbers of the [[service]], [[action]], [[field]] and [[page]] headers, in order (where an
    entry's error is reported)."""
    found: dict[str, list[int]] = {"service": [], "action": [], "field": [], "page": []}
    for number, text in enumerate(lines, 1):
        m = _ENTRY_HEADER.match(text)
        if m:
            found[m.group(1)].append(number)
    return found


#: `[[action]]`, spaces and a comment allowed, as TOML allows them.
_ENTRY_HEADER = re.compile(r"\s*\[\[\s*(service|action|field|page)\s*\]\]\s*(?:#.*)?$")


def _nth(numbers: list[int], n: int) -> int | None:
    """The n-th line number, or None when the entry was not written with a header (an inline table)."""
    return numbers[n] if n < len(numbers) else None


def _table_line(lines: list[str], key: str) -> int | None:
    """The first line where a top-level key is written: `[key]`, `[[key]]`, `key = ...` or `key.sub = ...`."""
    pattern = re.compile(rf"\s*(?:\[\[?\s*{re.escape(key)}\s*[\].]|{re.escape(key)}\s*[=.])")
    for number, text in enumerate(lines, 1):
        if pattern.match(text):
            return number
    return None
