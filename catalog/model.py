"""What the catalog holds and what an explanation says: plain frozen records, no behaviour.

The catalog imports neither textual nor rich: the TUI, the command line and the tests share it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Mapping

#: How much a finding matters: "security" is for a person responsible for the account.
Level = Literal["info", "notable", "security"]
LEVELS: tuple[Level, ...] = ("info", "notable", "security")


@dataclass(frozen=True, slots=True)
class Page:
    """A documentation page entries come from: what its `source` names, and what users are shown."""

    id: str
    title: str
    url: str = ""
    #: the text the page was read from, for reviewers of the data (never shown)
    seed: str = ""


@dataclass(frozen=True, slots=True)
class Service:
    """The first part of an action name, and what people call it."""

    name: str
    title: str
    #: where it is documented: a page's title (see Page), or the text a user catalog gives
    source: str = ""
    #: the address of that page ("" when the source is not a page)
    source_url: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """One documented action (`service.object-type.verb`)."""

    name: str
    section: str
    description: str
    #: where it is documented: a page's title (see Page), or the text a user catalog gives
    source: str = ""
    #: the address of that page ("" when the source is not a page)
    source_url: str = ""
    data_event: bool | None = None
    deprecated: bool = False
    asynchronous: bool = False
    pattern: bool = False
    also: tuple[str, ...] = ()
    note: str = ""
    #: the same action documented again elsewhere (another page, another section)
    elsewhere: tuple["Action", ...] = ()

    @property
    def service(self) -> str:
        return self.name.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["service"] = self.service
        data["elsewhere"] = [
            {k: v for k, v in asdict(other).items() if v not in ("", (), None, False) and k != "elsewhere"}
            for other in self.elsewhere
        ]
        return data


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """What a field of an event means, for every event or for some actions."""

    path: str
    meaning: str
    type: str = ""
    #: meaning of known values, keyed by their text ("true", "404", "TOTP")
    values: Mapping[str, str] = field(default_factory=dict)
    #: fnmatch patterns of the actions this applies to; empty: every event
    actions: tuple[str, ...] = ()
    status: str = ""
    source: str = ""
    source_url: str = ""
    #: the meaning also covers every key below the path that has no doc of its own (an
    #: envelope's open set of keys, such as Cloud Logs labels)
    below: bool = False

    def value_meaning(self, text: str) -> str | None:
        """The documented meaning of a value, matched exactly, then ignoring case."""
        hit = self.values.get(text)
        if hit is not None:
            return hit
        folded = text.casefold()
        for key, meaning in self.values.items():
            if key.casefold() == folded:
                return meaning
        return None


@dataclass(frozen=True, slots=True)
class Note:
    """One field of the explained event: its value, and what both mean."""

    path: str
    value: str
    meaning: str = ""
    value_meaning: str = ""
    documented: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """Something an auditor should notice in the event, with the reason."""

    level: Level
    title: str
    why: str
    paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything atlens can say about one event."""

    action: str
    documented: bool
    summary: str
    #: plain sentences on how the event came about (login method, origin, the change made...)
    details: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    findings: tuple[Finding, ...] = ()
    entry: Action | None = None
    #: the reference to give IBM support for this request, if the event has one
    support_reference: str = ""

    @property
    def level(self) -> Level | None:
        """The highest level among the findings."""
        found = [f.level for f in self.findings]
        for level in reversed(LEVELS):
            if level in found:
                return level
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "documented": self.documented,
            "summary": self.summary,
            "details": list(self.details),
            "findings": [asdict(f) | {"paths": list(f.paths)} for f in self.findings],
            "notes": [asdict(n) for n in self.notes],
            "catalog": self.entry.to_dict() if self.entry else None,
            "support_reference": self.support_reference or None,
        }
