"""People: which initiator names and ids are one person, service ID or trusted profile, learnt
from the events themselves, so that a query or a count on one of them finds them all.

Kept apart from timeline.py so that filtering (which answers `identity:` clauses) and timeline
(which counts per identity) both import it without importing each other.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from .store import Store
#: The field a query and --stats name for a row's identity (`identity:alice@example.com`).
PATH = ("identity",)
#: A name seen with more ids than this (or an id with more names) is shared, not one person's
#: (a generic initiator such as a service's own name): it joins no identity to another.
SHARED_BEYOND = 3


class Identities:
    """Which initiator names and ids are one person, service ID or trusted profile, learnt from
    the events that carry both (`alice@example.com` with `IBMid-270000ABCD`; `ServiceId-…` with
    `iam-ServiceId-…`).

    Works on the store's string ids (names and ids share one string table, so an id written as
    a name in another event is the same string) over the distinct (name, id) pairs: a million
    events hold a few thousand, found by a C loop (`set(zip(...))`). Brought up to date with `update`.
    """

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}
        self._pairs: set[tuple[int, int]] = set()
        self._done = 0
        self._labels: dict[int, str] | None = None
        self._strings: list[str] = []
        #: events that carry each name or id
        self._events: Counter[int] = Counter()

    def update(self, store: Store) -> None:
        """Learn from the rows stored since the last update."""
        n = len(store)
        if n <= self._done:
            return
        seen = Counter(zip(store.initiator_name[self._done:n], store.initiator_id[self._done:n]))
        self._done = n
        for (name, ident), count in seen.items():
            self._events[name] += count
            if ident and ident != name:
                self._events[ident] += count
        new = seen.keys() - self._pairs
        if not new:
            return
        self._pairs |= new
        # Shared names and ids are judged over every pair seen: start again from the pairs.
        ids_of: Counter[int] = Counter(name for name, ident in self._pairs if name and ident)
        names_of: Counter[int] = Counter(ident for name, ident in self._pairs if name and ident)
        self._parent = {}
        for name, ident in self._pairs:
            for code in (name, ident):
                if code:
                    self._parent.setdefault(code, code)
            if name and ident and ids_of[name] <= SHARED_BEYOND and names_of[ident] <= SHARED_BEYOND:
                self._join(name, ident)
        self._labels = None
        self._strings = store.strings

    def _rank(self, code: int) -> tuple[int, int, str]:
        """How an identity's names and ids are ordered: by kind (see _kind_rank), then the one
        most events carry (a look-alike in a few events never names the person), then by text."""
        text = self._strings[code]
        return (_kind_rank(text), -self._events[code], text)

    def _find(self, code: int) -> int:
        parent = self._parent
        root = code
        while parent[root] != root:
            root = parent[root]
        while parent[code] != root:
            parent[code], code = root, parent[code]
        return root

    def _join(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def members(self, code: int) -> list[str]:
        """Every name and id of the identity a string belongs to, the one it is called by first."""
        if code not in self._parent:
            return []
        root = self._find(code)
        strings = self._strings
        return [strings[c] for c in sorted((c for c in self._parent if self._find(c) == root), key=self._rank)]

    def accepted(self, accepts) -> set[int]:
        """The string ids of every name and id whose identity has a name or id that accepts takes
        (accepts: a query leaf's test over a tuple of values)."""
        groups: dict[int, list[int]] = {}
        for c in self._parent:
            groups.setdefault(self._find(c), []).append(c)
        strings = self._strings
        found: set[int] = set()
        for codes in groups.values():
            if accepts(tuple(strings[c] for c in codes)):
                found.update(codes)
        return found

    def label(self, code: int) -> str:
        """What an identity is called: an email address where it has one, else a name, else its id ("" for code 0)."""
        if not code:
            return ""
        if self._labels is None:
            groups: dict[int, list[int]] = {}
            for c in self._parent:
                groups.setdefault(self._find(c), []).append(c)
            self._labels = {root: self._strings[min(codes, key=self._rank)] for root, codes in groups.items()}
        if code not in self._parent:
            return self._strings[code]
        return self._labels[self._find(code)]


def _kind_rank(text: str) -> int:
    """Email addresses first, then names that are not ids, then ids (IAM ids start `IBMid-`, `iam-`)."""
    if "@" in text:
        return 0
    if text.startswith(("IBMid-", "iam-", "crn:")):
        return 2
    return 1


def identities(store: Store) -> Identities:
    """The store's identities, learnt from everything stored so far (kept on the store)."""
    found = store.identities
    if found is None:
        found = store.identities = Identities()
    found.update(store)
    return found


def identity_texts(store: Store, rows: Sequence[int]) -> list[str]:
    """Each row's initiator as one identity: the label of its name's identity, else of its id's."""
    people = identities(store)
    names, ids = store.initiator_name, store.initiator_id
    cache: dict[tuple[int, int], str] = {}
    out = []
    for row in rows:
        key = (names[row], ids[row])
        text = cache.get(key)
        if text is None:
            text = cache[key] = people.label(key[0] or key[1])
        out.append(text)
    return out
