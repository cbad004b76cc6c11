"""Full-screen views opened from the table: one event (narrow terminals), the lines that are not events."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from catalog.model import Explanation

from ..core.decode import ErrorRecord
from ..core.present import fit, printable
from ..core.store import EventRecord
from .key_line import KeyLine

#: Error records listed at most (the status line always has the full count).
MAX_ERRORS_LISTED = 10_000


def short_path(path: str, width: int) -> str:
    """A path (escaped) in at most width characters: the middle of its folders cut with "…", its
    file name kept whole where it fits (else its end: the name says the most)."""
    path = printable(path)
    if len(path) <= width:
        return path
    folders, slash, name = path.rpartition("/")
    room = width - len(name) - 2  # the "…" and the "/" before the name
    if not slash or room < 2:
        return "…" + path[len(path) - width + 1:] if width > 1 else "…"
    keep_end = room // 2
    return f"{folders[:room - keep_end]}…{folders[len(folders) - keep_end:] if keep_end else ''}/{name}"


def where_text(error: ErrorRecord, width: int) -> str:
    """Where a bad line is, as file:line in at most width characters (the line number always whole)."""
    line = f", {error.place}" if error.place else f":{error.line}"
    return short_path(error.source, max(1, width - len(line))) + line


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
        from .detail_pane import DetailPane

        self.query_one("#detail-full", DetailPane).focus_content()

    def action_close(self) -> None:
        """Back to the table."""
        self.dismiss(None)


class ErrorsScreen(ModalScreen[None]):
    """Every line read that is not an event, with its file, line, byte offset and reason; first,
    what could not be read at all (an input denied, a damaged archive...)."""

    BINDINGS = [Binding("escape,q,e", "close", "Back")]
    DEFAULT_CSS = """
    ErrorsScreen { background: $background 60%; }
    ErrorsScreen > DataTable { border: round $error; background: $surface; margin: 1 2 0 2; height: 1fr; }
    /* The highlighted line whole, wrapped: the table's columns cut what does not fit. */
    ErrorsScreen > #errors-line-box { border: round $error 50%; background: $surface; margin: 0 2 1 2; padding: 0 1;
                                      height: auto; max-height: 40%; }
    """

    def __init__(self, errors: list[ErrorRecord], problems: list[str] | None = None) -> None:
        super().__init__()
        self.errors = errors
        self.problems = problems or []
        self._widths: tuple[int, int, int, int] | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="errors-table")
        shown = len(self.errors) if len(self.errors) <= MAX_ERRORS_LISTED else MAX_ERRORS_LISTED
        table.border_title = f"{len(self.errors):,} lines that are not events" + (f" (first {shown:,} listed)" if shown < len(self.errors) else "")
        if self.problems:
            table.border_title += f" · {len(self.problems):,} input problem{'s' if len(self.problems) != 1 else ''}"
        yield table
        with VerticalScroll(id="errors-line-box"):
            yield Static("", id="errors-line")
        yield KeyLine()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        self._fill()

    def _column_widths(self) -> tuple[int, int, int, int]:
        """Widths of the where (file:line), reason, text and byte columns for the screen's width."""
        errors = self.errors[:MAX_ERRORS_LISTED]
        # The margins, the border, one cell of padding either side of each column and the scrollbar.
        room = max(40, self.app.size.width - 4 - 2 - 8 - 1)
        byte = max([4, *(len(str(e.offset)) for e in errors)])
        longest = max((len(printable(e.where())) for e in errors), default=10)
        # Room for the longest file name whole ("…/name:line"), taken from the other columns if need be.
        named = max((len(printable(e.source.rpartition("/")[2])) + 2 + len(printable(e.where())) - len(printable(e.source)) for e in errors), default=10)
        where = min(longest, max(20, room * 40 // 100, named), room - byte - 12 - 8)
        longest = max((len(printable(e.reason)) for e in errors), default=6)
        reason = min(longest, max(12, (room - where - byte) * 55 // 100))
        return where, reason, max(8, room - where - reason - byte), byte

    def _fill(self) -> None:
        """Lay the list out for the screen's width: the file and line of each bad line come first and
        are never cut away (only the middle of the folders), then why, what the line said, and where
        in the file."""
        widths = self._column_widths()
        if widths == self._widths:
            return
        self._widths = widths
        where_w, reason_w, text_w, byte_w = widths
        table: DataTable[Text] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column(Text("File:line"), width=where_w)
        table.add_column(Text("Reason"), width=reason_w)
        table.add_column(Text("Text"), width=text_w)
        table.add_column(Text("Byte", justify="right"), width=byte_w)
        for problem in self.problems:
            # Wrapped over as many lines as it takes, in the widest column: it names the input.
            table.add_row(Text(printable(problem), style="bold"), Text("input problem", style="bold"), Text(""),
                          Text("—", justify="right"), height=None)
        for error in self.errors[:MAX_ERRORS_LISTED]:
            table.add_row(Text(where_text(error, where_w)), Text(fit(error.reason, reason_w).rstrip()),
                          Text(fit(error.excerpt, text_w).rstrip()), Text(str(error.offset), justify="right"))
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        else:
            self.query_one("#errors-line-box").display = False

    def _line_text(self, index: int) -> Text:
        """Row index of the table said whole: the problem, or the bad line's file, line, byte, reason and text."""
        if index < len(self.problems):
            return Text(printable(self.problems[index]), style="bold")
        error = self.errors[index - len(self.problems)]
        out = Text()
        out.append(printable(error.where()), style="bold")
        out.append("\n" if error.place else f" (byte {error.offset})\n", style="dim")
        out.append(printable(error.reason) + "\n")
        out.append(printable(error.excerpt), style="italic")
        return out

    @on(DataTable.RowHighlighted, "#errors-table")
    def _on_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.problems) + min(len(self.errors), MAX_ERRORS_LISTED):
            self.query_one("#errors-line", Static).update(self._line_text(event.cursor_row))

    def action_close(self) -> None:
        """Back to the table."""
        self.dismiss(None)
