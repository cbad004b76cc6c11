"""What the catalog knows about an event's action, as fields a query can name: `catalog.section`
(short: `section`), `catalog.service`, `catalog.documented`, `catalog.deprecated` and
`catalog.kind` (`data` or `management`).

"Who changed account settings" is then `section:"*account settings*" -action:*.read`. The values
come from the action alone, so a query answers them per distinct action, at column speed.
The catalog is loaded the first time such a field is asked for (built-in data plus the user's
directories, the same the explanations use: `use_dirs`).
"""

from __future__ import annotations

from functools import lru_cache

#: field path -> what it holds, for `atlens query --help` and the field list
FIELDS: dict[tuple[str, ...], str] = {
    ("catalog", "section"): "the section of the IBM page that documents the action",
    ("catalog", "service"): "the service's name in the catalog, or the first part of the action",
    ("catalog", "documented"): "true when the catalog documents the action",
    ("catalog", "deprecated"): "true when the documentation says the action is deprecated",
    ("catalog", "kind"): "data or management (empty when the documentation does not say)",
}
#: Short names a query may use for them, as `initiator` stands for initiator.name or initiator.id.
SHORT_NAMES: dict[str, tuple[str, ...]] = {path[1]: path for path in FIELDS}

_dirs: tuple[str, ...] = ()


class CatalogUnavailable(Exception):
    """A query names a catalog field and the catalog (a user's directory) cannot be read: said, not answered as empty."""


def use_dirs(dirs: tuple[str, ...] | list[str]) -> None:
    """Read the user's catalog directories too (those given with --catalog), as the explanations do."""
    global _dirs
    if tuple(dirs) != _dirs:
        _dirs = tuple(dirs)
        values.cache_clear()


@lru_cache(maxsize=65_536)
def values(path: tuple[str, ...], action: str) -> tuple[object, ...]:
    """The values a catalog field has for an action (what a clause on it is tested against).

    Raises CatalogUnavailable when a user catalog cannot be read.
    """
    from catalog import CatalogError, default

    try:
        catalog = default(_dirs)
    except CatalogError as exc:
        raise CatalogUnavailable(f"{'/'.join(path)} needs the catalog, which cannot be read: {exc}") from None
    entry = catalog.action(action) if action else None
    name = path[-1]
    if name == "section":
        return (entry.section,) if entry is not None else ()
    if name == "service":
        service = action.split(".", 1)[0]
        title = catalog.service_title(service)
        return (title, service) if title else ((service,) if service else ())
    if name == "documented":
        return (entry is not None,)
    if name == "deprecated":
        return (entry is not None and entry.deprecated,)
    if entry is None or entry.data_event is None:
        return ()
    return ("data" if entry.data_event else "management",)


def text(path: tuple[str, ...], action: str) -> str:
    """The field as `--fields` and `--stats` print it: its first value ("" for none)."""
    found = values(path, action)
    if not found:
        return ""
    first = found[0]
    return ("true" if first else "false") if isinstance(first, bool) else str(first)
