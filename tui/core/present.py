"""What a row shows, as plain strings that are safe for any terminal (no textual or rich here)."""

from __future__ import annotations

import unicodedata
from fractions import Fraction
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .decode import FLAG_ABSENT, FLAG_TIME_OUT_OF_RANGE, FLAG_TYPED, format_time_us
from .store import EventRecord, Store

if TYPE_CHECKING:
    from catalog.loader import Catalog


#: Where Unicode keeps its format characters and separators (Cf, Zl, Zp), as [start, end) ranges.
_FORMAT_BLOCKS = ((0xA0, 0x2100), (0xFE00, 0x10000), (0x11000, 0x11100), (0x13430, 0x13460),
                  (0x1BCA0, 0x1BCB0), (0x1D170, 0x1D180), (0xE0000, 0xE0080))


def _escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in list(range(0x00, 0x20)) + [0x7F] + list(range(0x80, 0xA0)):
        table[code] = f"\\x{code:02x}"
    table[0x09] = "\\t"
    table[0x0A] = "\\n"
    table[0x0D] = "\\r"
    # Format characters (zero-width spaces and joiners, byte order marks, bidirectional overrides
    # that reorder what a reader sees, tags) and the line and paragraph separators draw nothing,
    # or break the line, where the table counts a cell: shown escaped, every cell is one drawn.
    # Only the blocks that hold them are scanned: all of Unicode took a seventh of a second.
    for start, end in _FORMAT_BLOCKS:
        for code in range(start, end):
            if unicodedata.category(chr(code)) in ("Cf", "Zl", "Zp"):
                table[code] = f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return table


_ESCAPES = _escape_table()


def printable(text: str) -> str:
    """Text with every control and format character shown as an escape, so log content cannot drive
    the terminal nor take a cell it does not draw."""
    return text.translate(_ESCAPES)


def _char_cells(char: str) -> int:
    """Terminal cells one character takes: 2 for wide (CJK, most emoji), 0 for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cells(text: str) -> int:
    """Terminal cells a text takes."""
    return len(text) if text.isascii() else sum(map(_char_cells, text))


#: Cells of the palette hint at the right of the key line in Textual's roomy style: "▏^p palette ".
PALETTE_CELLS = 12


def roomy_key_cells(keys: Sequence[tuple[str, str]], palette: bool = True) -> int:
    """Cells the key line takes with Textual's padding: " key " and "description " for each
    (key shown, description), then the palette hint. Narrower screens get the compact line."""
    return sum(cells(key) + cells(description) + 3 for key, description in keys) + (PALETTE_CELLS if palette else 0)


def fit(text: str, width: int) -> str:
    """Log text escaped, then cut (with …) or padded to exactly width terminal cells."""
    text = printable(text)
    if text.isascii():
        if len(text) > width:
            return text[: max(0, width - 1)] + "…"
        return text.ljust(width)
    cells = [_char_cells(c) for c in text]
    if sum(cells) <= width:
        return text + " " * (width - sum(cells))
    out: list[str] = []
    used = 0
    for char, size in zip(text, cells):
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…" + " " * (width - 1 - used)


def fit_action(text: str, width: int) -> str:
    """An action escaped and fitted to width cells like fit, but cut in its middle: the service
    (before the first dot) and the verb (after the last) stay, with as much of the resource's end
    as room allows, so `iam-identity.…settings.update` and `….delete` do not look alike."""
    text = printable(text)
    verb_at = text.rfind(".")
    service_end = text.find(".") + 1
    room = width - 1  # the … takes one cell
    if not text.isascii() or len(text) <= width or verb_at <= 0 or len(text) - verb_at + 1 > room:
        return fit(text, width)
    keep = room - (len(text) - verb_at)  # cells left for the service and the resource
    # The resource's end tells `account-settings` from `user-apikey`: it keeps 5 cells where 12
    # are left (fewer go to the service), and a long service (containers-kubernetes.) leaves it 8.
    resource = 5 if keep >= 12 else 0
    head = min(service_end, max(keep - 8, min(12, keep - resource)), keep)
    return text[:head] + "…" + text[len(text) - (room - head):]


#: How a column's cells are cut when too long (fit unless said here).
_CUTS = {"action": fit_action}


def fit_cell(key: str, text: str, width: int) -> str:
    """A cell of the column key escaped and fitted to width cells, cut as that column cuts (an action in its middle)."""
    return _CUTS.get(key, fit)(text, width)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the event table."""

    key: str
    title: str
    min_width: int
    #: the width it grows to when there is room (0: none, it only takes what is left at the end)
    width: int


_TIME_UTC = Column("time", "Time (UTC)", 14, 23)
#: In local time the offset from UTC follows the milliseconds when the column has room for it.
_TIME_LOCAL = Column("time", "Time (local)", 14, 29)

#: Every column the table can show, in the order a chooser lists them.
AVAILABLE_COLUMNS = (
    _TIME_UTC,
    Column("severity", "Severity", 8, 8),
    Column("outcome", "Outcome", 7, 7),
    Column("action", "Action", 20, 40),
    Column("initiator", "Initiator", 12, 28),
    Column("initiator_id", "Initiator ID", 12, 30),
    Column("target", "Target", 12, 26),
    Column("target_id", "Target ID", 12, 40),
    Column("code", "Code", 4, 5),
    Column("message", "Message", 30, 0),
)
_BY_KEY = {column.key: column for column in AVAILABLE_COLUMNS}
#: The columns shown until the user chooses others, in their order.
DEFAULT_KEYS = ("time", "severity", "outcome", "action", "initiator", "target", "message")
#: The default columns (also those `atlens query` prints); when space is short the later ones go first.
COLUMNS = tuple(_BY_KEY[key] for key in DEFAULT_KEYS)
#: Who gets spare width first, and up to how much (never beyond a column's own width; the last
#: column takes whatever remains).
_GROWTH = (("action", 32), ("initiator", 20), ("time", 19), ("target", 20), ("action", 40), ("initiator", 28),
           ("target", 26), ("time", 23), ("initiator_id", 30), ("target_id", 40), ("code", 5), ("time", 29))

#: Cells before the columns of a table line: the mark of an event with findings.
MARK_WIDTH = 1
#: The mark of each findings level that has one (the highest level of the event's findings).
MARKS = {"security": "!", "notable": "•", "marked": "◆"}
#: What each mark says, for the help and README's legend.
MARK_MEANINGS = {
    "security": "a security finding, for whoever answers for the account (a locked service ID changed, "
                "a change refused, a key written twice): Enter explains it",
    "notable": "a notable finding (a lock set or lifted, an account near a limit): Enter explains it",
    "marked": "the event marked with m, to compare another with (d); it hides the row's own mark",
}


def columns_for(keys: Sequence[str] | None = None, *, local: bool = False) -> tuple[Column, ...]:
    """The columns named by keys (None: the default ones), in that order, the time column titled
    for the zone shown. Raises ValueError for an unknown key or one given twice."""
    if keys is None:
        keys = DEFAULT_KEYS
    if len(set(keys)) != len(keys):
        raise ValueError(f"a column is named twice in {', '.join(keys)}")
    out: list[Column] = []
    for key in keys:
        column = _BY_KEY.get(key)
        if column is None:
            raise ValueError(f"no column {key!r}; the columns are {', '.join(_BY_KEY)}")
        out.append(_TIME_LOCAL if key == "time" and local else column)
    return tuple(out)


def layout(width: int, keys: Sequence[str] | None = None, *, local: bool = False, gap: int = 1) -> list[tuple[Column, int]]:
    """Columns that fit in width, with the width each gets (the last one takes what is left).

    Args:
        keys: the columns in the order shown (None: the default ones); when space is short the
            later ones go first, and the first one is cut rather than dropped.
        local: the time column shows local time (wider: the offset from UTC fits at 29 cells).
    """
    columns = columns_for(keys, local=local)
    chosen: list[Column] = []
    used = 0
    for column in columns:
        need = column.min_width + (gap if chosen else 0)
        if used + need > width:
            break
        chosen.append(column)
        used += need
    if not chosen:
        return [(columns[0], width)] if columns and width > 0 else []
    widths = {c.key: c.min_width for c in chosen}
    most_of = {c.key: c.width for c in chosen}
    spare = width - used
    for key, most in _GROWTH:
        if key in widths and spare > 0:
            extra = min(spare, max(0, min(most, most_of[key]) - widths[key]))
            widths[key] += extra
            spare -= extra
    if spare > 0:
        widths[chosen[-1].key] += spare
    return [(c, widths[c.key]) for c in chosen]


def row_layout(width: int, keys: Sequence[str] | None = None, *, local: bool = False) -> list[tuple[Column, int]]:
    """The columns of a table line `width` cells wide, which begins with the findings mark."""
    return layout(width - MARK_WIDTH, keys, local=local)


def no_room(columns: list[tuple[Column, int]], keys: Sequence[str] | None = None) -> tuple[str, ...]:
    """The keys of the columns chosen (None: the default ones) that a layout left out for lack of room."""
    shown = {column.key for column, _ in columns}
    return tuple(key for key in (DEFAULT_KEYS if keys is None else keys) if key not in shown)


def header_text(columns: list[tuple[Column, int]], width: int, hidden: Sequence[str] = ()) -> str:
    """The column titles placed as row_line places the cells below them, padded to width.

    hidden: the columns chosen that have no room; how many is said at the right end of the line
    (over the last title's end when nothing shorter fits), so no column goes without a word.
    """
    line = (" " * MARK_WIDTH + " ".join(fit(column.title, w) for column, w in columns)).ljust(width)
    notes = (f"+{len(hidden)} hidden (C)", f"+{len(hidden)} hidden", f"+{len(hidden)}")
    if not hidden or width < len(notes[-1]) + 2:
        return line
    titles_end = len(line.rstrip())
    note = next((note for note in notes if titles_end + 1 + len(note) <= width), notes[-1])
    head = line[:width - len(note) - 1]
    if titles_end > len(head):  # the last title gives way, and says it was cut
        head = head[:-1] + "…"
    return head + " " + note


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_local_us(us: int) -> tuple[str, str]:
    """Microseconds since the epoch in the local time zone (the process's TZ): the time as
    `YYYY-MM-DD HH:MM:SS.mmm`, and its offset from UTC as `+HH:MM`."""
    try:
        when = (_EPOCH + timedelta(microseconds=us)).astimezone()
    except (OverflowError, OSError, ValueError):  # beyond what the platform's local time covers
        return format_time_us(us), "+00:00"
    offset = when.utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    hours, minutes = divmod(abs(minutes), 60)
    sign = "-" if offset < timedelta(0) else "+"
    return f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d}", f"{sign}{hours:02d}:{minutes:02d}"


def time_text(store: Store, row: int, width: int = 23, local: bool = False) -> str:
    """The row's time as shown: full with milliseconds, or month-day and time when narrow.

    local: in the local time zone, with the offset from UTC after it when width allows 29 cells.
    """
    if not store.has_time(row):
        return "(time out of range)" if store.flags[row] & FLAG_TIME_OUT_OF_RANGE else "(no time)"
    if local:
        text, offset = format_local_us(store.times[row])
        if width >= 29:
            return text + offset
    else:
        text = format_time_us(store.times[row])
    if width >= 23:
        return text
    if width >= 19:
        return text[:19]
    return text[5:19]


def initiator_text(store: Store, row: int) -> str:
    """The initiator's name, or its id when the name is empty."""
    return store.text("initiator_name", row) or store.text("initiator_id", row)


def target_text(store: Store, row: int) -> str:
    """The target's name, or its id when the name is empty."""
    return store.text("target_name", row) or store.text("target_id", row)


def row_values(store: Store, row: int, *, time_width: int = 23, with_message: bool = True, local: bool = False,
               record: EventRecord | None = None) -> dict[str, str]:
    """Every column's text for a row; the message needs the full event, read only when asked for
    (record: the row's event when the caller has read it already)."""
    if with_message and record is None:
        record = store.event(row, keep=False)
    if not with_message or record is None:
        message = ""
    elif record.event is None:
        message = f"[event unavailable: {record.problem}]"
    else:
        value = record.event.get("message")
        message = value if isinstance(value, str) else ("" if value is None else str(value))
    code = store.reason[row]
    return {
        "time": time_text(store, row, time_width, local),
        "severity": store.text("severity", row),
        "outcome": store.text("outcome", row),
        "action": store.text("action", row),
        "initiator": initiator_text(store, row),
        "initiator_id": store.text("initiator_id", row),
        "target": target_text(store, row),
        "target_id": store.text("target_id", row),
        "code": str(code) if code >= 0 else "",
        "message": message.strip(),
    }


#: A line of the screen as (text, style name) pieces; the grid and the preview give the names colours.
Line = list[tuple[str, str]]


def row_kind(values: dict[str, str]) -> str:
    """The colour a row takes: critical, failure, warning, pending or normal."""
    severity = values["severity"].lower()
    outcome = values["outcome"].lower()
    if severity == "critical":
        return "critical"
    if outcome == "failure":
        return "failure"
    if severity == "warning":
        return "warning"
    if outcome == "pending":
        return "pending"
    return "normal"


def _add(line: Line, text: str, style: str) -> None:
    """Append a piece, joined to the last one when it has the same style (fewer segments to draw)."""
    if line and line[-1][1] == style:
        line[-1] = (line[-1][0] + text, style)
    else:
        line.append((text, style))


def row_line(store: Store, row: int, columns: list[tuple[Column, int]], width: int, selected: bool, *,
             mark: str = "", cell: int | None = None, local: bool = False, record: EventRecord | None = None) -> Line:
    """One table row as styled pieces: the findings mark, then the cells (each cut to its width,
    one space apart), then padding to width.

    Style names: the row's kind (row_kind) for the cells, or "time" ("missing" without a time)
    for the time cell; "mark-security" or "mark-notable" for a mark (mark: the event's findings
    level). The selected row adds "+cursor" to every piece, and "+cell" to the piece of the cell
    at index `cell` of columns. record: the row's event when the caller has read it already.
    """
    time_width = next((w for c, w in columns if c.key == "time"), 23)
    # Reading the full event for its message is only worth it when the message is shown.
    shows_message = any(c.key == "message" for c, _ in columns)
    values = row_values(store, row, time_width=time_width, with_message=shows_message, local=local, record=record)
    kind = row_kind(values)
    suffix = "+cursor" if selected else ""
    row_style = kind + suffix
    symbol = MARKS.get(mark)
    line: Line = [(symbol, f"mark-{mark}{suffix}") if symbol else (" " * MARK_WIDTH, row_style)]
    time_style = ("time" if store.has_time(row) else "missing") + suffix
    for i, (column, w) in enumerate(columns):
        if i:
            _add(line, " ", row_style)
        style = time_style if column.key == "time" else row_style
        if selected and i == cell:
            style += "+cell"
        _add(line, fit_cell(column.key, values[column.key], w), style)
    used = MARK_WIDTH + sum(w for _, w in columns) + max(0, len(columns) - 1)
    if used < width:
        _add(line, " " * (width - used), row_style)
    return line


def findings_level(record: EventRecord, catalog: Catalog) -> str:
    """The level that marks a row: "security" or "notable" (the highest of the event's findings), or ""."""
    from catalog.explain import findings_level as level_of  # not at import: the preview draws before it needs the catalog

    if record.event is None:
        return ""
    try:
        level = level_of(record.event, catalog, record.duplicates)
    except Exception:  # a mark is not worth failing to draw a row; the detail pane shows the error
        return ""
    return level if level in MARKS else ""


#: The query field behind the cells of each column that can be filtered on; the initiator and
#: target columns name the id when they show it. The time column has none: time bounds are set apart.
FILTER_FIELDS = {
    "severity": "severity",
    "outcome": "outcome",
    "action": "action",
    "initiator": "initiator.name",
    "initiator_id": "initiator.id",
    "target": "target.name",
    "target_id": "target.id",
    "code": "reason.reasonCode",
    "message": "message",
}
#: Field paths the store holds exactly (on rows the decoder did not flag), and the column of each.
_STORED = {
    ("action",): "action", ("outcome",): "outcome", ("severity",): "severity",
    ("initiator", "name"): "initiator_name", ("initiator", "id"): "initiator_id",
    ("target", "name"): "target_name", ("target", "id"): "target_id",
}


def _exact_value(store: Store, row: int, path: tuple[str, ...]) -> str | None:
    """The text of the one scalar value at path in a row's event (as the query language compares
    it), or None when the field is missing, null, an object or a list, or cannot be read."""
    from .query import find_values, text_form  # not at import: the preview has no use for it

    if not store.flags[row] & (FLAG_ABSENT | FLAG_TYPED):
        column = _STORED.get(path)
        if column is not None:
            return store.text(column, row)
        if path == ("reason", "reasonCode"):
            return str(store.reason[row])
    event = store.event(row).event
    if event is None:
        return None
    found = find_values(event, path)
    if len(found) != 1 or found[0] is None or isinstance(found[0], (dict, list)):
        return None
    return text_form(found[0])


def cell_filter(store: Store, row: int, key: str) -> tuple[str, str] | None:
    """The query field and exact value behind a row's cell in a column (the value as logged, not
    the cut and escaped text shown), or None when the cell has nothing to filter on (the time,
    an empty or missing value)."""
    if key in ("initiator", "target"):
        name = _exact_value(store, row, (key, "name"))
        if name:
            return f"{key}.name", name
        key = f"{key}_id"
    field = FILTER_FIELDS.get(key)
    if field is None:
        return None
    value = _exact_value(store, row, tuple(field.split(".")))
    return (field, value) if value else None


def inputs_text(specs: list) -> str:
    """What the status line names: the inputs (sources.InputSpec)."""
    return ", ".join(spec.describe() for spec in specs)


def time_range_text(since_us: int | None, until_us: int | None) -> str:
    """The time bounds as the filter bar shows them, "all times" when there are none."""
    if since_us is None and until_us is None:
        return "all times"
    since = format_time_us(since_us, millis=False) if since_us is not None else "…"
    until = format_time_us(until_us, millis=False) if until_us is not None else "now"
    if since[:10] == until[:10]:  # the same day: said once, to leave the query line its room
        until = until[11:]
    return f"{since} to {until} UTC"


# ----------------------------------------------------------------------------- the screen's layout
# The numbers of atlens.tcss, for what draws the screen before Textual does (tui/preview.py);
# a test checks them against the app's layout at many widths.

#: From this width the catalog and the detail pane stand beside the table.
WIDE = 140
#: The catalog pane: a share of the width, within bounds (its border included).
CATALOG_SHARE, CATALOG_MIN, CATALOG_MAX = 0.22, 30, 44
#: The detail pane: a share of the width, at most so many cells (its border included).
DETAIL_SHARE, DETAIL_MAX = 0.36, 90


def table_span(width: int) -> tuple[int, int]:
    """Where the table is on a screen width cells wide: (first cell, width).

    Narrow, the table has the whole width; wide, it takes what the panes beside it leave, placed
    as Textual places fractional widths (their sum cut to an integer, edges cut likewise).
    """
    if width < WIDE:
        return 0, width
    catalog = Fraction(min(max(Fraction(width) * Fraction(str(CATALOG_SHARE)), CATALOG_MIN), CATALOG_MAX))
    detail = min(Fraction(width) * Fraction(str(DETAIL_SHARE)), Fraction(DETAIL_MAX))
    table = width - int(catalog + detail)
    return int(catalog), table
