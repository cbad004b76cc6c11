"""Archive layouts: the time an archived object's events can hold, told by its name alone.

Every place audit events are archived names its objects (and the folders above them) after
the hour they hold, in UTC:

- Activity Tracker Event Routing to Cloud Object Storage, since 15 May 2025
  `<account_id>/<region>/<YYYY-MM-DDTHH>/<YYYY-MM-DDTHH:MM>+<nn>_<uuid>.log`, before then
  `<region>/<YYYY-MM-DDTHH>/<timestamp>+<nn>.log` (the `+<nn>` is a sequence number, not a
  time zone). The folder's hour is the object's hour.
- LogDNA-era archives (IBM Log Analysis / Activity Tracker with LogDNA), hourly gzip objects
  `year=YYYY/month=MM/day=DD/<account>.<YYYY-MM-DD>.<HH>00.json.gz`.
- IBM Cloud Logs Parquet archives, hive partitions by event time
  `cx/parquet/v1/team_id=<TEAM>/dt=YYYY-MM-DD/hr=HH/<uuid>.parquet`; `_manifest/` is not data.

`span_of` tells the hour an object's name stands for, `can_hold` whether its events can fall
in a time range, `folders_that_can_hold` which of a prefix's child folders a lister needs to
descend into, and `newest_first` orders names newest first. A name in none of these layouts
(a file renamed, a layout not known yet) has no span: it must be read, never passed over.

Times are microseconds since the epoch, ranges `[since, until)` as `--since`/`--until` give
them, either end open (None). Pure Python: no textual, no rich, no file access.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

#: How far past its hour an object's events may lie, either side. Event Routing writes an
#: object after the events in it reached it: a service sends an event seconds to minutes after
#: its eventTime (queued, retried), so an event of 12:59:50 can be in the 13:00 folder; LogDNA
#: archived by ingestion time, with the same delay; the clocks of the services writing eventTime
#: and of the archiver that names the object differ. Fifteen minutes is several times the
#: delays seen and costs little: with hourly objects it opens at most one more hour at each end
#: of a range, against a month of hours passed over.
EDGE_MARGIN_US = 15 * 60 * 1_000_000

HOUR_US = 3600 * 1_000_000
DAY_US = 24 * HOUR_US

EVENT_ROUTING = "Event Routing"
LOGDNA = "LogDNA archive"
CLOUD_LOGS = "Cloud Logs archive"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """The time an object's (or a folder's) name says its events lie in: [start_us, end_us), UTC."""

    start_us: int
    end_us: int
    #: the archive it was recognised as: EVENT_ROUTING, LOGDNA or CLOUD_LOGS
    layout: str

    def overlaps(self, since_us: int | None, until_us: int | None, margin_us: int = EDGE_MARGIN_US) -> bool:
        """Whether events of this span, widened by margin_us each side, can fall in [since_us, until_us)."""
        if since_us is not None and self.end_us + margin_us <= since_us:
            return False
        if until_us is not None and self.start_us - margin_us >= until_us:
            return False
        return True


def _us(year: int, month: int, day: int = 1, hour: int = 0) -> int | None:
    """Microseconds since the epoch of a UTC moment; None when it is no moment (month 13, hour 24)."""
    try:
        moment = datetime(year, month, day, hour, tzinfo=timezone.utc)
    except ValueError:
        return None
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000


def _hour(year: str, month: str, day: str, hour: str, layout: str) -> TimeSpan | None:
    start = _us(int(year), int(month), int(day), int(hour))
    return None if start is None else TimeSpan(start, start + HOUR_US, layout)


# -- objects

_HOUR_FOLDER = r"(\d{4})-(\d{2})-(\d{2})T(\d{2})"
# The file's own timestamp is not read for the hour (an object for 13:00 may be written at
# 14:00, and the form of the timestamp before May 2025 is not documented): an hour folder and
# a name ending in the sequence number (and uuid) tell the layout.
_ROUTED = re.compile(_HOUR_FOLDER + r"/[^/+]+\+\d+(?:_[0-9A-Fa-f-]+)?\.log(?:\.gz)?$", re.ASCII)
_LOGDNA = re.compile(
    r"(?:year=(\d{4})/month=(\d{2})/day=(\d{2})/)?[^/]+\.(\d{4})-(\d{2})-(\d{2})\.(\d{2})00\.json\.gz$", re.ASCII)
_PARQUET = re.compile(r"dt=(\d{4})-(\d{2})-(\d{2})/hr=(\d{2})/[^/]+\.parquet$", re.I | re.ASCII)
_MANIFEST = re.compile(r"(?:^|/)_manifest/")


def _key(name: str) -> str:
    """An object key or a path, with / between its parts whatever the platform wrote."""
    return name.replace("\\", "/")


def span_of(name: str) -> TimeSpan | None:
    """The hour the events of an object (a key or a path to a downloaded copy) lie in; None when its
    name is in no known layout, and it must be read to know."""
    key = _key(name)
    if _MANIFEST.search(key):
        return None
    m = _ROUTED.search(key)
    if m and (m.start() == 0 or key[m.start() - 1] == "/"):
        return _hour(*m.groups(), EVENT_ROUTING)
    m = _LOGDNA.search(key)
    if m and (m.start() == 0 or key[m.start() - 1] == "/"):
        folder, named = m.groups()[:3], m.groups()[3:6]
        if folder[0] is not None and folder != named:
            return None  # the folders and the name disagree: which one holds the truth is not known
        return _hour(*named, m.group(7), LOGDNA)
    m = _PARQUET.search(key)
    if m and (m.start() == 0 or key[m.start() - 1] == "/"):
        return _hour(*m.groups(), CLOUD_LOGS)
    return None


def is_manifest(name: str) -> bool:
    """Whether a key lies in a Cloud Logs archive's `_manifest/` folder: bookkeeping, not events."""
    return bool(_MANIFEST.search(_key(name)))


def can_hold(name: str, since_us: int | None, until_us: int | None, *, margin_us: int = EDGE_MARGIN_US) -> bool:
    """Whether an object can hold events in [since_us, until_us): False only when its name's hour,
    widened by margin_us each side, lies outside the range. Unknown names can always hold them."""
    if since_us is None and until_us is None:
        return True
    span = span_of(name)
    return span is None or span.overlaps(since_us, until_us, margin_us)


# -- folders

_FOLDER_HOUR = re.compile(_HOUR_FOLDER + r"$", re.ASCII)
_PART = re.compile(r"([a-z]+)=([^/]*)$", re.I | re.ASCII)


def folder_span(prefix: str) -> TimeSpan | None:
    """The time a folder (a prefix such as `acct/us-south/2025-06-01T13/` or `year=2025/month=06/`)
    holds, from its last part and the parts above it; None when it is not a time partition."""
    parts = [p for p in _key(prefix).split("/") if p]
    if not parts:
        return None
    last = parts[-1]
    m = _FOLDER_HOUR.fullmatch(last)
    if m:
        return _hour(*m.groups(), EVENT_ROUTING)
    pairs: dict[str, str] = {}
    for part in parts:
        p = _PART.fullmatch(part)
        if p:
            pairs[p.group(1).lower()] = p.group(2)
    m = _PART.fullmatch(last)
    if not m:
        return None
    kind = m.group(1).lower()
    try:
        if kind == "hr" and "dt" in pairs:
            year, month, day = _date(pairs["dt"])
            return _hour(year, month, day, _digits(pairs["hr"], 2), CLOUD_LOGS)
        if kind == "dt":
            year, month, day = _date(pairs["dt"])
            start = _us(int(year), int(month), int(day))
            return None if start is None else TimeSpan(start, start + DAY_US, CLOUD_LOGS)
        if kind == "year":
            year = int(_digits(pairs["year"], 4))
            start, end = _us(year, 1), _us(year + 1, 1)
            return None if start is None or end is None else TimeSpan(start, end, LOGDNA)
        if kind == "month" and "year" in pairs:
            year, month = int(_digits(pairs["year"], 4)), int(_digits(pairs["month"], 2))
            start = _us(year, month)
            if start is None:
                return None
            return TimeSpan(start, start + monthrange(year, month)[1] * DAY_US, LOGDNA)
        if kind == "day" and "year" in pairs and "month" in pairs:
            start = _us(int(_digits(pairs["year"], 4)), int(_digits(pairs["month"], 2)), int(_digits(pairs["day"], 2)))
            return None if start is None else TimeSpan(start, start + DAY_US, LOGDNA)
    except ValueError:
        return None
    return None


def _digits(text: str, width: int) -> str:
    """text if it is width ASCII digits; ValueError otherwise (`hr=1`, `month=６`)."""
    if len(text) != width or not text.isascii() or not text.isdigit():
        raise ValueError(text)
    return text


def _date(text: str) -> tuple[str, str, str]:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text, re.ASCII)
    if not m:
        raise ValueError(text)
    return m.group(1), m.group(2), m.group(3)


def folders_that_can_hold(prefix: str, folders: Iterable[str], since_us: int | None, until_us: int | None,
                          *, margin_us: int = EDGE_MARGIN_US) -> list[str]:
    """The child folders of prefix, as listed, worth descending into for events in [since_us, until_us).

    A child is given by its name (`2025-06-01T13/`, `hr=13`) or as the whole prefix an object
    store lists (`acct/us-south/2025-06-01T13/`); it comes back as given, in the same order.
    A child that is not a time partition is kept (it must be listed to know what it holds); so
    is every child when neither bound is given. `_manifest/` is never data and is left out
    when a bound is given.
    """
    base = _key(prefix)
    if base and not base.endswith("/"):
        base += "/"
    kept: list[str] = []
    for folder in folders:
        key = _key(folder)
        full = key if base and key.startswith(base) else base + key.lstrip("/")
        if since_us is None and until_us is None:
            kept.append(folder)
            continue
        if full.rstrip("/").rsplit("/", 1)[-1] == "_manifest":
            continue
        span = folder_span(full)
        if span is None or span.overlaps(since_us, until_us, margin_us):
            kept.append(folder)
    return kept


# -- order

def newest_first(name: str) -> tuple[int, int, str]:
    """A sort key that puts names newest first: by their hour, latest first; names with no known
    hour before all others (they may hold the newest events); the name itself last, for a stable
    order within an hour (the Event Routing objects of one hour then go latest written first)."""
    span = span_of(name)
    if span is None:
        return (0, 0, _reverse(name))
    return (1, -span.start_us, _reverse(name))


def _reverse(text: str) -> str:
    """A string whose ascending order is text's descending order (for names of equal length and
    the digits and letters object names are made of)."""
    return "".join(chr(0x10FFFF - ord(c)) if ord(c) < 0x10FFFF else c for c in text)
