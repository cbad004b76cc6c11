"""Full-screen views opened from the table: one event's raw JSON, the lines that are not events."""

from __future__ import annotations

import orjson
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from catalog.model import Explanation

from ..core.decode import ErrorRecord
from ..core.present import printable
from ..core.store import EventRecord

#: Error records listed at most (the status line always has the full count).
MAX_ERRORS_LISTED = 10_000


_LEVEL_STYLE = {"security": "bold red", "notable": "bold yellow", "info": "cyan"}


def explanation_text(explanation: Explanation) -> Text:
    """What atlens says about an event, as Text (every string from the log escaped, never markup)."""
    out = Text()
    out.append(printable(explanation.summary) + "\n", style="bold")
    if not explanation.documented:
        out.append("Not in the catalog: explained from the action's parts.\n", style="italic")
    if explanation.findings:
        out.append("\n")
        for finding in explanation.findings:
            out.append(f"{finding.level.upper():>8} ", style=_LEVEL_STYLE.get(finding.level, ""))
            out.append(printable(finding.title), style="bold")
            out.append(" — " + printable(finding.why) + "\n")
    if explanation.details:
        out.append("\n")
        for detail in explanation.details:
            out.append("  • " + printable(detail) + "\n")
    documented = [note for note in explanation.notes if note.documented]
    if documented:
        out.append("\nFields\n", style="bold underline")
        for note in documented:
            out.append(f"  {printable(note.path)}", style="bold")
            out.append(" = " + printable(note.value) + "\n")
            meaning = note.value_meaning or note.meaning
            if note.value_meaning and note.meaning:
                out.append("      " + printable(note.meaning) + "\n", style="dim")
            if meaning:
                out.append("      " + printable(meaning) + "\n", style="italic" if note.value_meaning else "dim")
    entry = explanation.entry
    if entry is not None:
        out.append("\nCatalog\n", style="bold underline")
        out.append(f"  {printable(entry.name)} · {printable(entry.section)} · {printable(entry.source)}\n", style="dim")
        out.append("  " + printable(entry.description) + "\n")
        if entry.note:
            out.append("  " + printable(entry.note) + "\n", style="dim")
    return out


class EventScreen(ModalScreen[None]):
    """The full event of a row, re-read from its source: what it means, then its JSON."""

    BINDINGS = [Binding("escape,q,enter", "close", "Back")]
    DEFAULT_CSS = """
    EventScreen { background: $background 60%; }
    EventScreen > VerticalScroll { border: round $accent; background: $surface; margin: 1 2; }
    """

    def __init__(self, record: EventRecord, title: str, explanation: Explanation | None = None) -> None:
        super().__init__()
        self.record = record
        self.title_text = title
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = printable(self.title_text)
            if self.record.event is None:
                yield Static(Text("This event cannot be shown: " + printable(self.record.problem)))
            else:
                if self.explanation is not None:
                    yield Static(explanation_text(self.explanation), id="event-explanation")
                pretty = orjson.dumps(self.record.event, option=orjson.OPT_INDENT_2).decode()
                yield Static(Text(printable(pretty).replace("\\n", "\n")), id="event-json")
        yield Footer()

    def on_mount(self) -> None:
        # Keys scroll the view (Up/Down, PageUp/PageDown, Home/End): there may be no mouse.
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        """Back to the table."""
        self.dismiss(None)


class ErrorsScreen(ModalScreen[None]):
    """Every line read that is not an event, with its file, line, byte offset and reason."""

    BINDINGS = [Binding("escape,q,e", "close", "Back")]
    DEFAULT_CSS = """
    ErrorsScreen { background: $background 60%; }
    ErrorsScreen > DataTable { border: round $error; background: $surface; margin: 1 2; height: 1fr; }
    """

    def __init__(self, errors: list[ErrorRecord]) -> None:
        super().__init__()
        self.errors = errors

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="errors-table")
        shown = len(self.errors) if len(self.errors) <= MAX_ERRORS_LISTED else MAX_ERRORS_LISTED
        table.border_title = f"{len(self.errors):,} lines that are not events" + (f" (first {shown:,} listed)" if shown < len(self.errors) else "")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Short columns first so that line, reason and text stay on screen at 80 columns.
        table.add_columns("Line", "Byte", "Reason", "Text", "File")
        for error in self.errors[:MAX_ERRORS_LISTED]:
            table.add_row(Text(str(error.line), justify="right"), Text(str(error.offset), justify="right"),
                          Text(printable(error.reason)[:60]), Text(printable(error.excerpt)[:80]), Text(printable(error.source)))
        table.focus()

    def action_close(self) -> None:
        """Back to the table."""
        self.dismiss(None)
