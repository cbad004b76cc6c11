"""Full-screen views opened from the table: one event (narrow terminals), the lines that are not events."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import DataTable

from catalog.model import Explanation

from ..core.decode import ErrorRecord
from ..core.present import printable
from ..core.store import EventRecord
from .key_line import KeyLine

#: Error records listed at most (the status line always has the full count).
MAX_ERRORS_LISTED = 10_000


class DetailScreen(ModalScreen[None]):
    """One event full-screen (terminals narrower than the side-by-side layout): the detail pane alone.

    The app keeps one and shows each event in it: composing the pane anew cost 0.1 s per Enter.
    """

    BINDINGS = [Binding("escape,q", "close", "Back")]
    DEFAULT_CSS = """
    /* Opaque: a see-through modal screen draws the table under it again at every frame. */
    DetailScreen { background: $background; }
    DetailScreen > DetailPane { height: 1fr; }
    /* Full-screen there is no table to share the height with: what happened and its findings
       come first (at 80x24 a long finding was cut at a third of the screen). */
    DetailScreen #detail-header { max-height: 50%; }
    DetailScreen #detail-field-box { height: 25%; }
    """

    def compose(self) -> ComposeResult:
        from .detail_pane import DetailPane

        yield DetailPane(id="detail-full")
        yield KeyLine()

    def show(self, record: EventRecord, title: str, explanation: Explanation | None = None) -> None:
        """The event to show (before or while the screen is on top)."""
        from .detail_pane import DetailPane

        self.query_one("#detail-full", DetailPane).show(record, explanation, title)

    def on_screen_resume(self) -> None:
        self.query_one("#detail-tree").focus()

    def action_close(self) -> None:
        """Back to the table."""
        self.dismiss(None)


class ErrorsScreen(ModalScreen[None]):
    """Every line read that is not an event, with its file, line, byte offset and reason; first,
    what could not be read at all (an input denied, a damaged archive...)."""

    BINDINGS = [Binding("escape,q,e", "close", "Back")]
    DEFAULT_CSS = """
    ErrorsScreen { background: $background 60%; }
    ErrorsScreen > DataTable { border: round $error; background: $surface; margin: 1 2; height: 1fr; }
    """

    def __init__(self, errors: list[ErrorRecord], problems: list[str] | None = None) -> None:
        super().__init__()
        self.errors = errors
        self.problems = problems or []

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="errors-table")
        shown = len(self.errors) if len(self.errors) <= MAX_ERRORS_LISTED else MAX_ERRORS_LISTED
        table.border_title = f"{len(self.errors):,} lines that are not events" + (f" (first {shown:,} listed)" if shown < len(self.errors) else "")
        if self.problems:
            table.border_title += f" · {len(self.problems):,} input problem{'s' if len(self.problems) != 1 else ''}"
        yield table
        yield KeyLine()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Short columns first so that line, reason and text stay on screen at 80 columns.
        table.add_columns("Line", "Byte", "Reason", "Text", "File")
        for problem in self.problems:
            table.add_row(Text("—", justify="right"), Text("—", justify="right"), Text(printable(problem), style="bold"), Text(""), Text(""))
        for error in self.errors[:MAX_ERRORS_LISTED]:
            table.add_row(Text(str(error.line), justify="right"), Text(str(error.offset), justify="right"),
                          Text(printable(error.reason)[:60]), Text(printable(error.excerpt)[:80]), Text(printable(error.source)))
        table.focus()

    def action_close(self) -> None:
        """Back to the table."""
        self.dismiss(None)
