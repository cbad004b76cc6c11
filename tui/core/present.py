"""What a row shows, as plain strings that are safe for any terminal (no textual or rich here)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .decode import format_time_us
from .store import Store


def _escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in list(range(0x00, 0x20)) + [0x7F] + list(range(0x80, 0xA0)):
        table[code] = f"\\x{code:02x}"
    table[0x09] = "\\t"
    table[0x0A] = "\\n"
    table[0x0D] = "\\r"
    # Bidirectional overrides and isolates can reorder what a reader sees.
    for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF):
        table[code] = f"\\u{code:04x}"
    return table


_ESCAPES = _escape_table()


def printable(text: str) -> str:
    """Text with every control character shown as an escape, so log content cannot drive the terminal."""
    return text.translate(_ESCAPES)


def _char_cells(char: str) -> int:
    """Terminal cells one character takes: 2 for wide (CJK, most emoji), 0 for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


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


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the event table."""

    key: str
    title: str
    min_width: int
    width: int


#: Columns in the order they are shown; when space is short the later ones go first.
COLUMNS = (
    Column("time", "Time (UTC)", 14, 23),
    Column("severity", "Severity", 8, 8),
    Column("outcome", "Outcome", 7, 7),
    Column("action", "Action", 20, 40),
    Column("initiator", "Initiator", 12, 28),
    Column("target", "Target", 12, 26),
    Column("message", "Message", 30, 0),
)
#: Who gets spare width first, and up to how much (the message takes whatever remains).
_GROWTH = (("action", 32), ("initiator", 20), ("time", 19), ("target", 20), ("action", 40), ("initiator", 28), ("target", 26), ("time", 23))


def layout(width: int, gap: int = 1) -> list[tuple[Column, int]]:
    """Columns that fit in width, with the width each gets (the last one takes what is left)."""
    chosen: list[Column] = []
    used = 0
    for column in COLUMNS:
        need = column.min_width + (gap if chosen else 0)
        if used + need > width:
            break
        chosen.append(column)
        used += need
    widths = {c.key: c.min_width for c in chosen}
    spare = width - used
    for key, most in _GROWTH:
        if key in widths and spare > 0:
            extra = min(spare, max(0, most - widths[key]))
            widths[key] += extra
            spare -= extra
    if chosen and spare > 0:
        widths[chosen[-1].key] += spare
    return [(c, widths[c.key]) for c in chosen]


def time_text(store: Store, row: int, width: int = 23) -> str:
    """The row's time as shown: full with milliseconds, or month-day and time when narrow."""
    if not store.has_time(row):
        return "(no time)"
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


def row_values(store: Store, row: int, *, time_width: int = 23, with_message: bool = True) -> dict[str, str]:
    """Every column's text for a row; the message needs the full event, read only when asked for."""
    record = store.event(row, keep=False) if with_message else None
    if record is None:
        message = ""
    elif record.event is None:
        message = f"[event unavailable: {record.problem}]"
    else:
        value = record.event.get("message")
        message = value if isinstance(value, str) else ("" if value is None else str(value))
    return {
        "time": time_text(store, row, time_width),
        "severity": store.text("severity", row),
        "outcome": store.text("outcome", row),
        "action": store.text("action", row),
        "initiator": initiator_text(store, row),
        "target": target_text(store, row),
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


def row_line(store: Store, row: int, columns: list[tuple[Column, int]], width: int, selected: bool) -> Line:
    """One table row as styled pieces: the time, then every other cell joined (each cut to its
    width), then padding to width. Style names: the row's kind (or "time"/"missing" for the
    time cell), with "+cursor" when the row is selected."""
    time_width = columns[0][1] if columns and columns[0][0].key == "time" else 23
    # Reading the full event for its message is only worth it when the message is shown.
    shows_message = columns[-1][0].key == "message"
    values = row_values(store, row, time_width=time_width, with_message=shows_message)
    kind = row_kind(values)
    suffix = "+cursor" if selected else ""
    (first, first_width), *rest = columns
    time_kind = "time" if store.has_time(row) else "missing"
    line: Line = [(fit(values[first.key], first_width), (time_kind if first.key == "time" else kind) + suffix)]
    if rest:
        line.append((" " + " ".join(fit(values[c.key], w) for c, w in rest), kind + suffix))
    used = sum(w for _, w in columns) + len(columns) - 1
    if used < width:
        line.append((" " * (width - used), kind + suffix))
    return line


def inputs_text(specs: list, since_us: int | None = None, until_us: int | None = None) -> str:
    """What the status line names: the inputs (sources.InputSpec), after the time bounds if any."""
    inputs = ", ".join(spec.describe() for spec in specs)
    if since_us is not None or until_us is not None:
        since = format_time_us(since_us, millis=False) if since_us is not None else "…"
        until = format_time_us(until_us, millis=False) if until_us is not None else "…"
        inputs = f"{since} to {until} │ {inputs}"
    return inputs
