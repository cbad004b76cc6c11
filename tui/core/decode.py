"""Turn raw bytes of any Activity Tracker log shape into events, column batches and error records."""

from __future__ import annotations

import dataclasses
import json
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import islice
from typing import Union

import orjson

from . import jsontext

# A JSON value: what orjson.loads can return.
JSON = Union[dict, list, str, int, float, bool, None]
#: A reader of JSON text: orjson.loads, or ExactLoads where what it gives must be exact.
Loads = Callable[[bytes | str], JSON]

#: Longest line (or multi-line value) accepted as an event; longer ones become error records.
MAX_VALUE_BYTES = 4 * 1024 * 1024
#: Keys of which a JSON object needs at least one to be an audit event.
EVENT_KEYS = ("action", "eventTime", "initiator", "target", "outcome")

FLAG_NO_TIME = 1  # the event has no readable eventTime: it keeps its file position
#: An indexed string field (action, outcome, severity, initiator.name/id, target.name/id) is
#: missing or null: its column holds "" for it, which a query must not take for an empty string.
FLAG_ABSENT = 2
#: An indexed field held something other than a string (a number, a boolean, an object...), or
#: reason.reasonCode was not a small integer: its column holds a text form, not the value.
FLAG_TYPED = 4
#: The eventTime is a time, but one no date can show (before year 1 or after 9999, such as an
#: epoch of 1e17): the row also has FLAG_NO_TIME and keeps its file position.
FLAG_TIME_OUT_OF_RANGE = 8

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
#: The times a datetime can show (UTC, years 1 to 9999), in microseconds since the epoch.
MIN_TIME_US = (datetime(1, 1, 1, tzinfo=timezone.utc) - _EPOCH) // _MICROSECOND
MAX_TIME_US = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc) - _EPOCH) // _MICROSECOND
#: Epoch numbers beyond this many seconds are out of range whatever their unit (and the
#: arithmetic on them stays exact: no float overflows to infinity).
_EPOCH_LIMIT_S = 1e12


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """A line or value of the input that is not an event, and why."""

    source: str
    line: int
    offset: int
    reason: str
    excerpt: str
    #: where it is when a line and byte would not find it: a Parquet file's "row group 2, row 17"
    place: str = ""

    def where(self) -> str:
        """Where it is, as a person would look for it: `file:line`, or a Parquet file's row group and row."""
        return f"{self.source}, {self.place}" if self.place else f"{self.source}:{self.line}"

    def describe(self) -> str:
        """One line for a terminal: where, why and what the input said."""
        if self.place:
            return f"{self.where()}: {self.reason}: {self.excerpt}"
        return f"{self.source}:{self.line} (byte {self.offset}): {self.reason}: {self.excerpt}"


class Skipped(str):
    """Why a value holds no event, when that is no problem: a part of a stream atlens knows that
    carries no event (the query id of a Cloud Logs query, a page of results that is empty). Such
    lines are counted as skipped, not as lines that are not events."""


#: A whole line of a server-sent event stream that is not data: a comment (a keep-alive is one,
#: `:` alone or `: ping`), or the `event`, `id` or `retry` field; printable text only, so that
#: binary junk that happens to start with a colon stays a line that is not an event.
_SSE_FIELD_RE = re.compile(rb"(?::|(?:event|id|retry)[ \t]*(?::|$))[ -~]*")


# ----------------------------------------------------------------------------- timestamps

_second_cache: dict[str, int] = {}
_TZ_RE = re.compile(r"^(?:\.(\d+))?\s*(Z|z|UTC|[+-]\d\d(?::?\d\d)?)?$")


_minute_cache: dict[str, int] = {}


def _minute_start(head: str) -> int | None:
    """Microseconds since the epoch of `YYYY-MM-DDTHH:MM` (UTC), cached; None if not a time."""
    us = parse_time_us(head + ":00")
    if us is not None:
        if len(_minute_cache) > 100_000:
            _minute_cache.clear()
        _minute_cache[head] = us
    return us


def parse_time_us(value: object) -> int | None:
    """Read any eventTime form of INPUT_FORMATS.md as microseconds since the epoch, UTC.

    Forms: `2017-10-19T19:07:50.32+0000`, `+00:00`, `Z`, 0 to 9 fractional digits, a space
    instead of `T`, no zone at all (read as UTC), and epoch numbers (seconds or milliseconds).
    Returns None when the value is not a time, or is one outside what a date can show
    (MIN_TIME_US to MAX_TIME_US).
    """
    us = time_us(value)
    return us if us is not None and MIN_TIME_US <= us <= MAX_TIME_US else None


def time_us(value: object) -> int | None:
    """parse_time_us without the range check: the time may lie outside what a date can show
    (a caller tells "not a time" from "a time out of range"). Never raises."""
    if type(value) is str:
        if len(value) < 19:
            return _parse_time_slow(value)
        head = value[:19]
        base = _second_cache.get(head)
        if base is None:
            if value[4] != "-" or value[10] not in "T t":
                return _parse_time_slow(value)
            try:
                dt = datetime(
                    int(head[0:4]), int(head[5:7]), int(head[8:10]),
                    int(head[11:13]), int(head[14:16]), int(head[17:19]), tzinfo=timezone.utc,
                )
            except ValueError:
                return _parse_time_slow(value)
            base = (dt - _EPOCH) // timedelta(microseconds=1)
            if len(_second_cache) > 200_000:
                _second_cache.clear()
            _second_cache[head] = base
        rest = value[19:]
        if rest == "+0000" or rest == "Z" or not rest:
            return base
        m = _TZ_RE.match(rest)
        if m is None:
            return _parse_time_slow(value)
        frac, zone = m.groups()
        us = base
        if frac:
            us += int((frac + "000000")[:6])
        if zone and zone not in ("Z", "z", "UTC"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
            us -= sign * minutes * 60_000_000
        return us
    if type(value) is int or type(value) is float:
        # Epoch numbers: milliseconds when too large to be seconds of this era.
        seconds = value / 1000 if value > 10_000_000_000 else value
        if not -_EPOCH_LIMIT_S < seconds < _EPOCH_LIMIT_S:  # also NaN
            return MAX_TIME_US + 1 if seconds > 0 else MIN_TIME_US - 1
        return int(seconds * 1_000_000)
    return None


def _parse_time_slow(value: str) -> int | None:
    """Fallback for forms the fast path does not know (dates alone, odd offsets)."""
    text = value.strip()
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // timedelta(microseconds=1)


def format_time_us(us: int, *, millis: bool = True) -> str:
    """Microseconds since the epoch as `YYYY-MM-DD HH:MM:SS.mmm` in UTC."""
    seconds, micros = divmod(us, 1_000_000)
    text = _second_text(seconds)
    return f"{text}.{micros // 1000:03d}" if millis else text


@lru_cache(maxsize=1024)
def _second_text(seconds: int) -> str:
    """A second since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC). Rows drawn together mostly share
    their seconds: building and formatting a datetime was a tenth of drawing a row."""
    # isoformat, not strftime: strftime writes year 1 as "1", not "0001".
    return (_EPOCH + timedelta(seconds=seconds)).isoformat(" ", "seconds")[:19]


# ----------------------------------------------------------------------------- value coercion


def as_int(value: object) -> int | None:
    """An integer from 404, 404.0 or "404"; None otherwise."""
    if type(value) is int:
        return value
    if type(value) is str:
        text = value.strip()
        if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
            return int(text)
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def as_bool(value: object) -> bool | None:
    """A boolean from true or "true" (any case); None otherwise."""
    if type(value) is bool:
        return value
    if type(value) is str:
        lowered = value.strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return None


# ----------------------------------------------------------------------------- envelopes


def unwrap(value: JSON, loads: Loads = orjson.loads) -> list[dict] | str:
    """Find the audit event(s) inside one decoded top-level JSON value.

    Returns the events (most values hold exactly one), or the reason the value is not an event.
    Handles every envelope of INPUT_FORMATS.md: legacy `payload`/`meta`, OpenStack `payload`,
    LogDNA export (`_line`, `_ts`...), LogDNA `_source` with the event as a string, the
    `Time`/`line` logger envelope, and IBM Cloud Logs query results with `user_data` strings.
    loads reads the events carried as strings (see ExactLoads).
    """
    if type(value) is dict:
        event = _unwrap_object(value, 0, loads)
        return [event] if type(event) is dict else event
    if type(value) is list:
        return "a JSON array inside a value, not an event"
    return f"not a JSON object but {_kind(value)}"


def _kind(value: JSON) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if type(value) is str:
        return "a string"
    if type(value) is list:
        return "an array"
    return "a number"


def _parse_embedded(text: object, depth: int, loads: Loads) -> list[dict] | dict | str:
    """An event carried as a JSON string inside an envelope."""
    if type(text) is dict:
        return _unwrap_object(text, depth + 1, loads)
    if type(text) is not str:
        return "envelope holds no event"
    try:
        inner = loads(text)
    except orjson.JSONDecodeError as exc:
        return f"envelope holds a string that is not JSON ({_json_reason(exc)})"
    if type(inner) is not dict:
        return f"envelope holds {_kind(inner)}, not an event"
    return _unwrap_object(inner, depth + 1, loads)


#: What IBM Cloud Logs says about a log record beside the record itself: kept with the event.
ENVELOPE_KEYS = ("labels", "metadata")


def _with_envelope(found: list[dict] | dict | str, item: dict) -> list[dict] | dict | str:
    """An event of a Cloud Logs result with the result's labels and metadata attached as objects
    (`labels.subsystemname`), where the event has no key of that name of its own.

    The query API gives them as lists of {"key", "value"}, an archive's columns as objects: both
    become objects. Without them an auditor would lose which application and subsystem sent the
    event, and when Cloud Logs received it.
    """
    if type(found) is not dict:
        return found
    for key in ENVELOPE_KEYS:
        value = item.get(key)
        if value is None or key in found:
            continue
        if type(value) is list:
            pairs = [(kv["key"], kv.get("value")) for kv in value if type(kv) is dict and type(kv.get("key")) is str]
            if len(pairs) == len(value):
                value = dict(pairs)
        found[key] = value
    return found


def _has_event_keys(obj: dict) -> bool:
    return "action" in obj or "eventTime" in obj or "outcome" in obj or "initiator" in obj or "target" in obj


def _unwrap_object(obj: dict, depth: int, loads: Loads = orjson.loads) -> list[dict] | dict | str:
    if depth > 4:
        return "envelopes nested too deeply"
    if "action" in obj or "eventTime" in obj:
        if "_line" in obj or "_ts" in obj or "_app" in obj:
            # LogDNA export: the event's fields at the top level beside LogDNA's own keys.
            return {k: v for k, v in obj.items() if k[:1] != "_"}
        return obj
    payload = obj.get("payload")
    if payload is not None:
        # Legacy Activity Tracker (`payload` + `meta`) or an OpenStack notification.
        inner = _parse_embedded(payload, depth, loads)
        if type(inner) is dict:
            for key in ("logSourceCRN", "saveServiceCopy"):
                if key in obj and key not in inner:
                    inner = {**inner, key: obj[key]}
        return inner
    source = obj.get("_source")
    if type(source) is dict:
        if "_line" in source:
            return _parse_embedded(source["_line"], depth, loads)
        return _unwrap_object(source, depth + 1, loads)
    if "line" in obj and ("Time" in obj or "Hostname" in obj or "level" in obj):
        return _parse_embedded(obj["line"], depth, loads)
    if "user_data" in obj and ("labels" in obj or "metadata" in obj):
        # One Cloud Logs result on its own (a saved `.result.results[]`, an archive's row).
        return _with_envelope(_parse_embedded(obj["user_data"], depth, loads), obj)
    results = _cloud_logs_results(obj)
    if results is not None:
        if not results:
            return Skipped("a page of Cloud Logs results with no result in it")
        events: list[dict] = []
        for item in results:
            if type(item) is dict:
                inner = _with_envelope(_parse_embedded(item.get("user_data"), depth, loads), item)
                if type(inner) is dict:
                    events.append(inner)
                elif type(inner) is list:
                    events.extend(inner)
        return events if events else "a Cloud Logs result without events"
    if len(obj) == 1:
        said = _cloud_logs_message(obj)
        if said is not None:
            return said
    if "_line" in obj:
        return _parse_embedded(obj["_line"], depth, loads)
    if _has_event_keys(obj):
        return obj
    if "meta" in obj and ("logSourceCRN" in obj or "saveServiceCopy" in obj):
        return {k: v for k, v in obj.items() if k != "meta"}
    return "not an audit event (none of action, eventTime, initiator, target, outcome)"


def _cloud_logs_results(obj: dict) -> list | None:
    """The results of a Cloud Logs query message: `{"result": {"results": [...]}}` from the query
    endpoint, `{"response": {"results": {"results": [...]}}}` from a background query's data."""
    result = obj.get("result")
    if type(result) is dict and type(result.get("results")) is list:
        return result["results"]
    response = obj.get("response")
    if type(response) is dict:
        inner = response.get("results")
        if type(inner) is dict and type(inner.get("results")) is list:
            return inner["results"]
    return None


def _cloud_logs_message(obj: dict) -> str | None:
    """What a Cloud Logs query message other than results is (obj has one key), or None.

    The query id is skipped. A warning (results cut at a limit, a field not found) or an error
    (the query stopped) says the answer may be incomplete: it becomes a record the user sees,
    with what Cloud Logs said.
    """
    if "query_id" in obj:
        return Skipped("the query id of a Cloud Logs query")
    for key, said in (("warning", "a Cloud Logs warning: the results may be incomplete"),
                      ("error", "a Cloud Logs error: the query may have stopped before its end")):
        value = obj.get(key)
        if type(value) is dict or type(value) is str:
            text = value if type(value) is str else jsontext.dumps(value)
            return f"{said} ({text[:300]}{'…' if len(text) > 300 else ''})"
    return None


def normalise(event: dict, loads: Loads = orjson.loads) -> dict:
    """The event as atlens shows and exports it: stringified requestData/responseData parsed.

    Values such as "true" or "200" keep their original form: readers coerce them with
    `as_bool` and `as_int`, so an auditor still sees exactly what the service wrote.
    """
    out = event
    for key in ("requestData", "responseData"):
        value = event.get(key)
        if type(value) is str and value[:1] in ("{", "["):
            try:
                parsed = loads(value)
            except orjson.JSONDecodeError:
                continue
            if out is event:
                out = dict(event)
            out[key] = parsed
    return out


# ----------------------------------------------------------------------------- decoding raw bytes


def _json_reason(exc: Exception) -> str:
    text = str(exc)
    if "depth limit" in text or "recursion" in text.lower():
        return "too deeply nested"
    if "UTF-8" in text or "utf-8" in text:
        return "invalid UTF-8"
    if "unexpected end of data" in text or "EOF" in text:
        return "truncated JSON"
    return "invalid JSON: " + text.split(": line ")[0]


def excerpt(raw: bytes, limit: int = 160) -> str:
    """The start of a raw value, for an error record (escaped when shown)."""
    text = raw[:limit].decode("utf-8", errors="backslashreplace").strip()
    return text + ("…" if len(raw) > limit else "")


def classify_bad_line(line: bytes, exc: Exception | None) -> str:
    """Why a non-blank line is not JSON."""
    stripped = line.lstrip()
    if stripped[:1] == b"#" or stripped[:2] == b"//":
        return "a comment, not an event"
    if exc is None:
        return "invalid JSON"
    return _json_reason(exc)


def decode_value(raw: bytes, loads: Loads = orjson.loads) -> list[dict] | str:
    """Decode one raw line or value (as stored by offset) into its events, or a reason."""
    data = raw.strip()
    if data[:6] == b"data: " or data[:5] == b"data:":
        data = data[5:].strip()
    try:
        value = loads(data)
    except orjson.JSONDecodeError as exc:
        return classify_bad_line(raw, exc)
    if type(value) is list:
        events: list[dict] = []
        for item in value:
            found = unwrap(item, loads)
            if not isinstance(found, str):
                events.extend(found)
        return events
    return unwrap(value, loads)


# ----------------------------------------------------------------------------- reading one event exactly


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key written more than once in one JSON object of an event: readers may keep any of its
    values (atlens, like orjson and Python, keeps the last)."""

    #: where the key is in the event: object keys and list positions, the key last; () when it
    #: is in an envelope around the event, or could not be placed
    where: tuple[str | int, ...]
    key: str
    #: every value written for it, in order (empty when the event was too deep to tell)
    values: tuple[JSON, ...]


class ExactLoads:
    """orjson.loads, made exact where orjson is not: integers beyond 64 bits stay integers, and
    keys written twice in one object are noted (orjson keeps the last silently).

    Cheap for the common event: orjson reads it and writes it back (a microsecond). Written
    compactly, as most services write, the event comes back byte for byte, and is exact.
    Otherwise two counts tell whether the slow, exact reader (Python's json) is needed: an
    integer beyond 64 bits comes back as a float of 1e+18 or more, which orjson writes with
    `e+`; a key written twice drops a `:` that the writing cannot give back, so the colons of the
    text and of the writing differ (only a `\\u003a` escape could stand for a colon otherwise,
    and sends the text to the exact reader too). Text that merely holds `e+` costs a slow read.
    """

    __slots__ = ("duplicates", "undetermined")

    def __init__(self) -> None:
        #: (the object, the key, every value written) for each key written twice
        self.duplicates: list[tuple[dict, str, tuple[JSON, ...]]] = []
        #: a key is written twice somewhere that Python's reader cannot reach (nested too deeply)
        self.undetermined = False

    def __call__(self, text: bytes | str) -> JSON:
        value = orjson.loads(text)
        if type(value) is not dict and type(value) is not list:
            return value
        try:
            written = orjson.dumps(value)
        except orjson.JSONEncodeError:
            written = None  # deeper than orjson writes: let the exact reader look
        if written == text:
            return value
        if type(text) is str:
            colons = text.count(":")
            suspect = "\\u003" in text
        else:
            colons = text.count(b":")
            suspect = b"\\u003" in text
        if not suspect:
            suspect = written is None or written.count(b":") != colons or b"e+" in written
        return self._exact(text, value, colons) if suspect else value

    def _exact(self, text: bytes | str, value: JSON, colons: int) -> JSON:
        found: list[tuple[dict, str, tuple[JSON, ...]]] = []

        def pairs_to_dict(pairs: list[tuple[str, JSON]]) -> dict:
            obj = dict(pairs)  # the last value of a key wins, as in orjson
            if len(obj) != len(pairs):
                written: dict[str, list[JSON]] = {}
                for key, item in pairs:
                    written.setdefault(key, []).append(item)
                found.extend((obj, key, tuple(items)) for key, items in written.items() if len(items) > 1)
            return obj

        try:
            exact = json.loads(text, object_pairs_hook=pairs_to_dict)
        except (RecursionError, ValueError):
            # Nested deeper than Python's reader goes (about 900 levels; orjson reads 1,024):
            # orjson's value stands, and the colons still tell whether a key was written twice.
            self.undetermined |= jsontext.dumps(value).count(":") != colons
            return value
        self.duplicates.extend(found)
        return exact


def read_event(raw: bytes, sub: int) -> tuple[dict | str, tuple[DuplicateKey, ...]]:
    """The sub-th event of a stored line or value, normalised and read exactly (see ExactLoads),
    with the keys written twice in it or its envelope; or why it cannot be read."""
    loads = ExactLoads()
    found = decode_value(raw, loads)
    if isinstance(found, str):
        return found, ()
    if sub >= len(found):
        return "event missing", ()
    event = found[sub]
    normal = normalise(event, loads)
    if not loads.duplicates and not loads.undetermined:
        return normal, ()
    places = _object_places(event)
    places.update(_object_places(normal))
    out: list[DuplicateKey] = []
    for obj, key, values in loads.duplicates:
        where = places.get(id(obj))
        if where is None:
            # A copy of the object is in the event (an envelope's keys taken out of it), or
            # the key belongs to the envelope.
            where = next((path for path, d in _objects(normal) if d.get(key, _MISSING) is values[-1]), None)
        out.append(DuplicateKey(() if where is None else (*where, key), key, values))
    if loads.undetermined:
        out.append(DuplicateKey((), "", ()))
    return normal, tuple(out)


_MISSING = object()


def _objects(value: JSON) -> Iterator[tuple[tuple[str | int, ...], dict]]:
    """Every object inside a value with the path to it, outermost first (without recursion)."""
    stack: list[tuple[tuple[str | int, ...], JSON]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if type(item) is dict:
            yield path, item
            stack.extend(((*path, k), v) for k, v in reversed(item.items()) if type(v) in (dict, list))
        elif type(item) is list:
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(item))) if type(v) in (dict, list))


def _object_places(value: JSON) -> dict[int, tuple[str | int, ...]]:
    return {id(obj): path for path, obj in _objects(value)}


@dataclass(slots=True)
class Batch:
    """Compact columns for events decoded from one source, with a local string table.

    The store re-maps the local string ids to its own when the batch is added, so batches can
    be built in other processes and shipped cheaply (arrays pickle as raw bytes).
    """

    source: str
    strings: list[str] = field(default_factory=list)
    times: array = field(default_factory=lambda: array("q"))
    flags: array = field(default_factory=lambda: array("B"))
    action: array = field(default_factory=lambda: array("I"))
    outcome: array = field(default_factory=lambda: array("I"))
    severity: array = field(default_factory=lambda: array("I"))
    initiator_name: array = field(default_factory=lambda: array("I"))
    initiator_id: array = field(default_factory=lambda: array("I"))
    target_name: array = field(default_factory=lambda: array("I"))
    target_id: array = field(default_factory=lambda: array("I"))
    reason: array = field(default_factory=lambda: array("h"))
    offsets: array = field(default_factory=lambda: array("q"))
    lengths: array = field(default_factory=lambda: array("I"))
    subs: array = field(default_factory=lambda: array("H"))
    errors: list[ErrorRecord] = field(default_factory=list)
    #: lines read (what line numbers count: a value over several lines counts each of them)
    lines: int = 0
    #: lines with nothing on them but spaces (or only commas and an array's brackets)
    blank: int = 0
    #: lines that gave events: every line of a value over several lines, a line with several
    #: values once (see decode._Record)
    event_values: int = 0
    #: lines of error records beyond their first (a value over several lines that is not an
    #: event): lines = event_values + len(errors) + joined_error_lines + blank + skipped
    joined_error_lines: int = 0
    #: lines of a stream atlens knows that hold no event (see Skipped): the fields and comments
    #: of server-sent events, the query id of a Cloud Logs query, an empty page of results
    skipped: int = 0
    #: rows were read that share a line or run over several (a text search, which finds one
    #: hit per line, must then look at each row's own bytes)
    multiline: bool = False
    #: a byte range ended inside a value (sources.index_range): where to read on from, and
    #: whether that is inside a top-level array
    resume_at: int | None = None
    resume_in_array: bool = False
    #: index of the first row whose time is known; rows before it carry no time yet
    leading_untimed: int = 0
    #: the time rows without a usable time carry (the last one read): given when the batch
    #: continues a source whose earlier events are already indexed
    last_time: int | None = None
    #: last_time as the batch was made (what its first rows without a time carry)
    carried_time: int | None = None

    def __post_init__(self) -> None:
        self.carried_time = self.last_time

    def __len__(self) -> int:
        return len(self.offsets)


class _Interner:
    """Maps strings to ids of a batch's local string table."""

    __slots__ = ("ids", "strings")

    def __init__(self, strings: list[str]) -> None:
        self.strings = strings
        self.ids: dict[str, int] = {s: i for i, s in enumerate(strings)}


def column_writer(batch: Batch, ids: dict[str, int]) -> Callable[[dict, int, int, int], None]:  # an Adder
    """A function that appends one event's columns to the batch: the single place that reads columns.

    Built once per batch of lines: the column appends and the string table are bound here, so
    the per-event work is a few dictionary look-ups (the index of 1M events runs through it).
    """
    strings = batch.strings
    get = ids.get
    minutes = _minute_cache
    times, flags = batch.times.append, batch.flags.append
    action, outcome, severity = batch.action.append, batch.outcome.append, batch.severity.append
    initiator_name, initiator_id = batch.initiator_name.append, batch.initiator_id.append
    target_name, target_id = batch.target_name.append, batch.target_id.append
    reason_col, offsets, lengths, subs = batch.reason.append, batch.offsets.append, batch.lengths.append, batch.subs.append

    def slow_id(value: object) -> int:
        if type(value) is not str:
            value = "" if value is None else (orjson.dumps(value).decode() if type(value) in (dict, list) else str(value))
        sid = get(value)
        if sid is None:
            sid = ids[value] = len(strings)
            strings.append(value)
        return sid

    def odd(value: object) -> int:
        """The flag a value that is not a plain string gives its row."""
        return FLAG_ABSENT if value is None else (0 if type(value) is str else FLAG_TYPED)

    def add(event: dict, offset: int, length: int, sub: int) -> None:
        t = event.get("eventTime")
        us: int | None = None
        flag = 0
        # The documented form, `2017-10-19T19:07:50.32+0000`, without the general parser:
        # midnight of the day from a cache, the time of day by arithmetic.
        if type(t) is str and len(t) == 27 and t[22:] == "+0000" and t[10] == "T" and t[19] == ".":
            minute = minutes.get(t[:16])
            if minute is None:
                minute = _minute_start(t[:16])
            if minute is not None:
                rest = t[17:19] + t[20:22]  # seconds and hundredths, "SScc"
                if rest.isdigit() and rest < "6100":
                    us = minute + int(rest) * 10_000
        if us is None:
            us = time_us(t)
            if us is not None and not MIN_TIME_US <= us <= MAX_TIME_US:
                us = None
                flag = FLAG_TIME_OUT_OF_RANGE
        if us is None:
            if batch.last_time is None:
                batch.leading_untimed += 1
                times(0)
            else:
                times(batch.last_time)
            flag |= FLAG_NO_TIME
        else:
            batch.last_time = us
            times(us)
        # Each column: the common case (a string already in the table) is one look-up; anything
        # else goes through slow_id and marks the row, so queries know the column is not exact.
        v = event.get("action")
        i = get(v) if type(v) is str else None
        if i is None:
            i = slow_id(v)
            flag |= odd(v)
        action(i)
        v = event.get("outcome")
        i = get(v) if type(v) is str else None
        if i is None:
            i = slow_id(v)
            flag |= odd(v)
        outcome(i)
        v = event.get("severity")
        i = get(v) if type(v) is str else None
        if i is None:
            i = slow_id(v)
            flag |= odd(v)
        severity(i)
        for obj, name_col, id_col in ((event.get("initiator"), initiator_name, initiator_id),
                                      (event.get("target"), target_name, target_id)):
            if type(obj) is dict:
                v = obj.get("name")
                i = get(v) if type(v) is str else None
                if i is None:
                    i = slow_id(v)
                    flag |= odd(v)
                name_col(i)
                v = obj.get("id")
                i = get(v) if type(v) is str else None
                if i is None:
                    i = slow_id(v)
                    flag |= odd(v)
                id_col(i)
            else:
                empty = slow_id("")
                name_col(empty)
                id_col(empty)
                flag |= FLAG_ABSENT if obj is None else FLAG_TYPED
        reason = event.get("reason")
        if type(reason) is dict:
            code = reason.get("reasonCode")
            if type(code) is int and -1 < code < 32768:
                reason_col(code)
            else:
                if code is None:
                    flag |= FLAG_ABSENT
                else:
                    flag |= FLAG_TYPED
                    code = as_int(code)
                reason_col(code if code is not None and -1 < code < 32768 else -1)
        else:
            reason_col(-1)
            flag |= FLAG_ABSENT if reason is None else FLAG_TYPED
        flags(flag)
        offsets(offset)
        lengths(length)
        subs(sub)

    return add


Adder = Callable[[dict, int, int, int], None]


#: The most events one value can hold (a row's `sub` is 16 bits); the rest are reported, not read.
MAX_EVENTS_PER_VALUE = 65_536


def _value_events(add: Adder, value: JSON, raw: bytes, offset: int) -> tuple[int, str | None]:
    """Index the events of one decoded top-level value (raw: its bytes, at offset); returns how
    many, and what in it is not an event (None when all of it was)."""
    length = len(raw)
    spans = None
    if type(value) is dict:
        results = _cloud_logs_results(value)
        if results:
            return _result_events(add, results, offset, length)
        found = _unwrap_object(value, 0)
        if type(found) is dict:
            add(found, offset, length, 0)
            return 1, None
        if isinstance(found, str):
            return 0, found
        value = found  # a Cloud Logs result: its events, each re-read from the whole value by its place
    elif type(value) is list:
        # Each element of an array is re-read from its own bytes (a detail pane or a text
        # search then looks at one element, not the whole array).
        spans = _element_spans(raw, len(value))
    else:
        return 0, f"not a JSON object but {_kind(value)}"
    # Each element is its own value. `sub` counts events, as decode_value flattens them, so a
    # re-read finds the same one.
    sub = total = 0
    rejected: list[str] = []
    for index, item in enumerate(value):
        events = unwrap(item)
        if isinstance(events, str):
            rejected.append(f"element {index + 1}: {events}")
            continue
        if spans is not None:
            start, end = spans[index]
            where, size, sub = offset + start, end - start, 0
        else:
            where, size = offset, length
        for event in events:
            if sub == MAX_EVENTS_PER_VALUE:
                return total, f"more than {MAX_EVENTS_PER_VALUE:,} events in one value: the rest are not read"
            add(event, where, size, sub)
            sub += 1
            total += 1
    sub = total
    if rejected:
        # One record per line or value, whatever the number of bad elements in it.
        more = f" (and {len(rejected) - 3} more)" if len(rejected) > 3 else ""
        return sub, ("an array with no event: " if not sub else "array elements that are not events: ") + "; ".join(rejected[:3]) + more
    if not sub:
        return 0, "an empty array, not an event"
    return sub, None


def _result_events(add: Adder, results: list, offset: int, length: int) -> tuple[int, str | None]:
    """Index the events of a page of Cloud Logs results (all re-read from the page's bytes, each
    by its place, in the order _unwrap_object gives them); returns how many, and which results
    are not events (application logs beside the audit events, for a query over every log)."""
    sub = 0
    rejected: list[str] = []
    for index, item in enumerate(results):
        found = _parse_embedded(item.get("user_data"), 0, orjson.loads) if type(item) is dict else f"not an object but {_kind(item)}"
        if isinstance(found, str):
            rejected.append(f"result {index + 1}: {found}")
            continue
        for event in [found] if type(found) is dict else found:
            if sub == MAX_EVENTS_PER_VALUE:
                return sub, f"more than {MAX_EVENTS_PER_VALUE:,} events in one value: the rest are not read"
            add(event, offset, length, sub)
            sub += 1
    if rejected:
        more = f" (and {len(rejected) - 3} more)" if len(rejected) > 3 else ""
        said = "a page of Cloud Logs results with no event: " if not sub else "Cloud Logs results that are not events: "
        return sub, said + "; ".join(rejected[:3]) + more
    return sub, None


def _element_spans(raw: bytes, count: int) -> list[tuple[int, int]] | None:
    """Where each of the `count` elements of the JSON array in raw starts and ends; None when
    they cannot be told apart (then every element is re-read from the whole array)."""
    spans: list[tuple[int, int]] = []
    pos = raw.index(b"[") + 1
    n = len(raw)
    while len(spans) < count:
        pos = _SPACE_RE.match(raw, pos).end()
        while pos < n and raw[pos] in b"\n":
            pos = _SPACE_RE.match(raw, pos + 1).end()
        if pos >= n:
            return None
        c = raw[pos]
        if c == 0x7B or c == 0x5B:
            end, how = _scan_value(raw, pos, n)
            if how != _CLOSED:
                return None
        else:
            m = _SCALAR_RE.match(raw, pos)
            if m is None:
                return None
            end = m.end()
        spans.append((pos, end))
        pos = end
    return spans


def _add_line_value(batch: Batch, add: Adder, value: JSON, raw: bytes, offset: int, line_no: int) -> None:
    """Record a value that is a whole line: a line with events, or one error record (also when
    it gave some events beside what is not an event, such as an array with a bad element)."""
    count, problem = _value_events(add, value, raw, offset)
    if count > 1 and type(value) is list:
        batch.multiline = True  # rows share the line (an array's elements, each with its bytes)
    if problem is None:
        batch.event_values += 1
    elif type(problem) is Skipped:
        batch.skipped += 1
    else:
        batch.errors.append(ErrorRecord(batch.source, line_no, offset, problem, excerpt(raw)))


@dataclass(slots=True)
class _Record:
    """A line being read value by value, with the lines a value starting on it runs over.

    It counts once in the accounting however many values it holds: as lines with events when
    all of them were events, as one error record (its first bad part, and how many more) when
    anything in it was not, as blank lines when it holds no value at all.
    """

    line: int  # its first line
    offset: int  # where that line starts
    rows: int  # rows of the batch before it (to take its events back: see abandon_record)
    lines: int = 1  # lines it covers so far, the current one included
    seen: bool = False  # anything read on its current line (a last line without a newline counts then)
    events: bool = False
    skipped: bool = False  # it held a value with no event that is no problem (see Skipped)
    problem: ErrorRecord | None = None  # its first part that is not an event
    more: int = 0  # how many parts after that one are not events either


@dataclass(slots=True)
class MultiLineState:
    """Where the reading of one source stopped between two calls: inside a record (a line read
    value by value, or a value over several lines), inside a top-level array, or inside a line
    too large to keep."""

    in_array: bool = False
    skipping: bool = False
    record: _Record | None = None

    @property
    def open(self) -> bool:
        """Whether the next bytes continue something begun before (the JSON-lines path cannot take them)."""
        return self.record is not None or self.in_array or self.skipping


def decode_jsonl(batch: Batch, ids: dict[str, int], data: bytes, offset: int, line_no: int,
                 state: MultiLineState | None = None, final: bool = True) -> int:
    """Decode an input's bytes, deciding per value: JSON lines, and whatever else comes.

    Each line is read whole as JSON first (the fast path of JSON lines). A line that is not JSON
    on its own (blank lines and `data: ` lines apart) is read value by value from its start:
    pretty-printed values over several lines (blank lines inside them too), several values on
    one line (`{...}{...}`, values separated by lone CRs), the elements of an array one by one,
    byte order marks, comments and text that is not JSON. See _Record for how such lines count.

    Args:
        offset: byte offset of data[0] in the source.
        line_no: 1-based line number of data[0]'s line.
        state: where the previous call on the same source stopped (None: a fresh source).
        final: nothing follows data. Otherwise an unfinished last line or value is left for the
            next call, which gets it again at the start of its data.

    Returns:
        How many bytes of data were consumed (all of them when final).
    """
    if state is None:
        state = MultiLineState()
    add = column_writer(batch, ids)
    base = offset
    n = len(data)
    pos = 0
    if offset == 0 and data[:3] == _BOM:
        # A UTF-8 byte order mark (Windows editors) is not part of the first line's JSON.
        pos = 3
    if state.open:
        pos, line_no, done = _read_values(batch, add, data, pos, base, line_no, state, final)
        if not done:
            return pos
    end = n if final else data.rfind(b"\n", pos) + 1
    if end > pos:
        pos, line_no, done = _read_lines(batch, add, data, pos, end, base, line_no, state, final)
        if not done:
            return pos
    if not final and n - pos > MAX_VALUE_BYTES:
        # An unfinished line already too long to be one value: its values are read as they
        # come (an array's elements, values on one line), or it is skipped to its end.
        pos, line_no, done = _read_values(batch, add, data, pos, base, line_no, state, final)
    return pos


def _read_lines(batch: Batch, add: Adder, data: bytes, pos: int, end: int, base: int, line_no: int,
                state: MultiLineState, final: bool) -> tuple[int, int, bool]:
    """The lines of data[pos:end]: each whole line as JSON, the others value by value.

    Returns (position, line number, done) as _read_values does.
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    source = batch.source
    errors = batch.errors
    lines = (data[pos:end] if pos or end != len(data) else data).split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    count = len(lines)
    first = line_no
    batch.lines += count
    offset = base + pos
    it = iter(lines)
    line = b""
    while True:
        # One try around the whole loop, not one per line: free while nothing raises.
        try:
            for line in it:
                length = len(line)
                if length > MAX_VALUE_BYTES:
                    break  # read value by value: it may hold several, or be skipped
                try:
                    value = loads(line)
                except decode_error:
                    stripped = line.strip()
                    if not stripped:
                        batch.blank += 1
                    elif stripped[:5] == b"data:":
                        # IBM Cloud Logs query results saved as server-sent events.
                        payload = stripped[5:].strip()
                        if not payload:
                            batch.skipped += 1  # an empty message (a keep-alive)
                        else:
                            try:
                                value = loads(payload)
                            except decode_error as inner:
                                errors.append(ErrorRecord(source, line_no, offset, _json_reason(inner), excerpt(line)))
                            else:
                                _add_line_value(batch, add, value, line, offset, line_no)
                    elif _SSE_FIELD_RE.fullmatch(stripped):
                        batch.skipped += 1  # event:, id:, retry: or a comment of the same stream
                    else:
                        break  # not JSON on its own: read value by value from its start
                else:
                    if type(value) is dict and ("action" in value or "eventTime" in value) and "_line" not in value and "_ts" not in value:
                        add(value, offset, length, 0)  # the common case: a plain event
                        batch.event_values += 1
                    else:
                        _add_line_value(batch, add, value, line, offset, line_no)
                offset += length + 1
                line_no += 1
            else:
                return end, line_no, True
        except PROGRAMMING_ERRORS:
            raise
        except Exception as exc:
            # Something in this one line that decoding did not foresee: the line is an error
            # record saying what, and the lines after it are read.
            _drop_partial_row(batch)
            errors.append(ErrorRecord(source, line_no, offset, unreadable(exc), excerpt(line)))
            offset += len(line) + 1
            line_no += 1
            continue
        # The line just taken, read value by value; it may run over the lines after it.
        left = count - (line_no - first)  # lines not read yet, this one included
        batch.lines -= left  # _read_values counts the lines it reads
        pos, line_no, done = _read_values(batch, add, data, offset - base, base, line_no, state, final)
        if not done or pos >= end:
            return pos, line_no, done
        taken = count - (line_no - first)  # lines still to read on this path
        batch.lines += taken
        skip = left - taken - 1  # lines _read_values read beyond the one taken
        if skip:
            next(islice(it, skip, skip), None)
        offset = base + pos


#: A JSON string up to (not including) its closing quote or a line end, possessive (no
#: backtracking: a string of megabytes takes milliseconds and no memory).
_STRING = rb'"[^"\\\n]*+(?:\\[^\n][^"\\\n]*+)*+'
# Tokens that matter for finding where a top-level value ends: strings (whole), brackets, and
# where a value must end because the next line cannot be part of it: a line that starts with a
# `{` or a `[` in its first column (a new value: the one before was cut; pretty-printers indent
# what is inside a value), or with something no JSON value holds. A string still open at a
# line end also ends the value: JSON strings hold no raw newline. Groups: 1 a string, 2 a
# string still open at a line end or the data's end, 3 a line start that cuts the value, 4 an
# opening bracket, 5 a closing one.
_TOKEN_RE = re.compile(rb'(' + _STRING + rb'")'
                       rb'|(' + _STRING + rb'\\?(?=\n|\Z))'
                       rb'|(\n)(?=[{\[]|[ \t\r]*[^ \t\r\n"{}\[\],0-9tfn\-])'
                       rb'|([{\[])|([}\]])')
_BOM = b"\xef\xbb\xbf"
#: What may stand between values on a line: spaces, tabs, carriage returns (lone ones too),
#: the commas of concatenated or array values, byte order marks (`cat` of files that have one).
_SPACE_RE = re.compile(rb"(?:[ \t\r,]|\xef\xbb\xbf)*")
#: A JSON value that is not an object or an array (an array element, a stray number).
_SCALAR_RE = re.compile(_STRING + rb'"|-?[0-9][0-9.eE+\-]*+|true|false|null')
#: Text that is not JSON, inside an array: up to the next element or the end of the line.
_ARRAY_JUNK_RE = re.compile(rb"[^\n][^,\]\n{]*")

_CLOSED, _CUT, _OPEN = 0, 1, 2


def _scan_value(data: bytes, start: int, limit: int) -> tuple[int, int]:
    """Where the JSON object or array starting at `start` ends, looking no further than limit.

    Returns (end, how): _CLOSED with end just after its closing bracket; _CUT with end at the
    newline before which it must end, unclosed (a string open at the line end, or a next line
    that cannot be part of it); _OPEN (end = limit) when it goes on past limit.
    """
    depth = 0
    for m in _TOKEN_RE.finditer(data, start, limit):
        kind = m.lastindex
        if kind == 1:
            continue
        if kind == 4:
            depth += 1
        elif kind == 5:
            depth -= 1
            if depth == 0:
                return m.end(), _CLOSED
        elif kind == 3:
            return m.start(), _CUT
        else:  # a string still open
            end = m.end()
            if end < limit:
                return end, _CUT
            return limit, _OPEN
    return limit, _OPEN


def _read_values(batch: Batch, add: Adder, data: bytes, pos: int, base: int, line_no: int,
                 state: MultiLineState, final: bool) -> tuple[int, int, bool]:
    """Read values from pos (a line start, or where the last call stopped) until a line ends
    outside any value and any array, then hand back to the JSON-lines path.

    Returns (position, line number, done): done is False when data ended inside a record and
    more may come (not final); position is then where the next call must start.
    """
    n = len(data)
    rec = state.record
    if rec is None:
        rec = state.record = _Record(line_no, base + pos, len(batch.subs))
    while True:
        if state.skipping:
            newline = data.find(b"\n", pos)
            rec.seen = True
            if newline < 0:
                pos = n
                if not final:
                    return pos, line_no, False
            else:
                pos = newline
                state.skipping = False
        space = _SPACE_RE.match(data, pos).end()
        if space > pos:
            rec.seen = True
            pos = space
        if pos >= n:
            if not final:
                return pos, line_no, False
            # The data ends, and the record with it: its last line counts if anything is on it.
            if rec.seen:
                batch.lines += 1
            else:
                rec.lines -= 1
            if rec.lines:
                _finish(batch, rec)
            state.record = None
            state.in_array = state.skipping = False
            return pos, line_no, True
        c = data[pos]
        if c == 0x0A:  # the line ends outside any value: so does the record
            pos += 1
            line_no += 1
            batch.lines += 1
            _finish(batch, rec)
            if not state.in_array:
                state.record = None
                return pos, line_no, True
            rec = state.record = _Record(line_no, base + pos, len(batch.subs))
            continue
        rec.seen = True
        if c == 0x7B or c == 0x5B:  # { [
            limit = min(n, pos + MAX_VALUE_BYTES)
            if c == 0x5B and not state.in_array:
                # An array that does not close on its line is read element by element (a
                # whole-file array, however large); one that does is one value, like a line.
                newline = data.find(b"\n", pos, limit)
                if newline < 0 and limit == n and not final:
                    return pos, line_no, False  # wait for the line's end to tell
                end, how = _scan_value(data, pos, limit if newline < 0 else newline)
                if how != _CLOSED:
                    state.in_array = True
                    pos += 1
                    continue
            else:
                end, how = _scan_value(data, pos, limit)
                if how == _OPEN:
                    if limit < n or (final and n - pos >= MAX_VALUE_BYTES):
                        _problem(batch, rec, line_no, base + pos, f"value too large (over {MAX_VALUE_BYTES:,} bytes)", data[pos:pos + 200])
                        state.skipping = True
                        continue
                    if not final:
                        return pos, line_no, False  # wait for the rest of the value
                    end = pos + len(data[pos:].rstrip())  # truncated: the newlines after it end its record
            raw = data[pos:end]
            newlines = raw.count(b"\n")
            _read_one(batch, add, rec, raw, base + pos, line_no)
            if newlines:
                rec.lines += newlines
                line_no += newlines
                batch.lines += newlines
            pos = end
            continue
        if c == 0x5D and state.in_array:  # ]
            state.in_array = False
            pos += 1
            continue
        if state.in_array:
            m = _SCALAR_RE.match(data, pos)
            if m is not None and (m.end() < n or final):
                _read_one(batch, add, rec, m.group(), base + pos, line_no)  # an element that is no object
                pos = m.end()
                continue
            end = _ARRAY_JUNK_RE.match(data, pos).end()  # text up to the next element
        else:
            newline = data.find(b"\n", pos)
            end = n if newline < 0 else newline  # text (or values after it) up to the line's end
        if end == n and not final:
            if n - pos <= MAX_VALUE_BYTES:
                return pos, line_no, False  # wait for the line's end
            _problem(batch, rec, line_no, base + pos, f"line too large (over {MAX_VALUE_BYTES:,} bytes)", data[pos:pos + 200])
            state.skipping = True
            continue
        _read_one(batch, add, rec, data[pos:end], base + pos, line_no)
        pos = end


def _read_one(batch: Batch, add: Adder, rec: _Record, raw: bytes, offset: int, line_no: int) -> None:
    """Decode one value of a record and note what it gave."""
    try:
        count, problem = _value_events(add, orjson.loads(raw), raw, offset)
    except orjson.JSONDecodeError as exc:
        count, problem = 0, classify_bad_line(raw, exc)
    except PROGRAMMING_ERRORS:
        raise
    except Exception as exc:
        _drop_partial_row(batch)
        count, problem = 0, unreadable(exc)
    if count:
        rec.events = True
        batch.multiline = True  # its rows may share a line, or run over several
    if type(problem) is Skipped:
        rec.skipped = True
    elif problem is not None:
        _problem(batch, rec, line_no, offset, problem, raw)


def _problem(batch: Batch, rec: _Record, line_no: int, offset: int, reason: str, raw: bytes) -> None:
    if rec.problem is None:
        rec.problem = ErrorRecord(batch.source, line_no, offset, reason, excerpt(raw))
    else:
        rec.more += 1


def _finish(batch: Batch, rec: _Record) -> None:
    """Count a record that ended (see _Record)."""
    if rec.problem is not None:
        problem = rec.problem
        if rec.more:
            s = "s" if rec.more > 1 else ""
            problem = dataclasses.replace(problem, reason=f"{problem.reason} (and {rec.more:,} more value{s} or text{s} "
                                                          f"on the same line{'s' if rec.lines > 1 else ''} that {'are' if s else 'is'} not events)")
        batch.errors.append(problem)
        batch.joined_error_lines += rec.lines - 1
    elif rec.events:
        batch.event_values += rec.lines
    elif rec.skipped:
        batch.skipped += rec.lines
    else:
        batch.blank += rec.lines  # nothing but spaces, commas, or an array's brackets


def abandon_record(batch: Batch, state: MultiLineState) -> int | None:
    """A byte range ended inside a record (a value goes on past it): take the record's events and
    lines back out of the batch, and return the offset where its first line starts, from which
    the next range must be read again (None when the range ended cleanly)."""
    rec = state.record
    if rec is None:
        return None
    _truncate_rows(batch, rec.rows)
    batch.lines -= rec.lines - 1
    state.record = None
    return rec.offset


#: Exceptions only a mistake in atlens raises, never a value read: they are not turned into
#: error records, so a bug shows instead of every line being reported as unreadable.
PROGRAMMING_ERRORS = (NameError, AssertionError, ImportError, SyntaxError)


def unreadable(exc: BaseException) -> str:
    """The reason of an error record for a value whose decoding raised exc."""
    text = str(exc)
    return f"could not be read ({type(exc).__name__}{': ' + text[:200] if text else ''})"


def _drop_partial_row(batch: Batch) -> None:
    """Remove what an interrupted column_writer call appended (subs is appended last)."""
    _truncate_rows(batch, len(batch.subs))


def _truncate_rows(batch: Batch, rows: int) -> None:
    """Every column back to its first `rows` rows."""
    for column in (batch.times, batch.flags, batch.action, batch.outcome, batch.severity, batch.initiator_name,
                   batch.initiator_id, batch.target_name, batch.target_id, batch.reason, batch.offsets, batch.lengths,
                   batch.subs):
        del column[rows:]
    batch.leading_untimed = min(batch.leading_untimed, rows)
    batch.last_time = batch.times[rows - 1] if rows > batch.leading_untimed else batch.carried_time


# ----------------------------------------------------------------------------- sniffing


def sniff_multiline(head: bytes) -> bool:
    """Whether a file starts as multi-line JSON (arrays, pretty-printed objects) rather than
    lines: it is then read in one go, not in parallel chunks (decoding decides per value)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return False
    if text[:1] == b"[":
        return True
    if text[:1] != b"{":
        return False
    first_line = text.split(b"\n", 1)[0]
    if len(first_line) == len(text) and len(text) < len(head):
        return False
    try:
        orjson.loads(first_line)
    except orjson.JSONDecodeError:
        # An object whose first line does not close is pretty-printed.
        return first_line.rstrip().endswith((b"{", b",", b"[")) or first_line.strip() == b"{"
    return False
