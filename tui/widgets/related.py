"""The events related to one event, grouped by why; Enter goes to one in the table."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..core.present import fit, printable
from ..core.related import WINDOW_US, RelatedGroup, related
from ..core.store import Store
from .counting import CountingScreen, Tell
from .frequencies import moment_text
from .key_line import KeyLine

#: What the list says when no event is related.
NONE_TEXT = ("No related events: no other event shares its correlationId or X-Global-Transaction-Id, closes "
             "or opens its request, has its target, or comes from its initiator within {minutes} minutes.")


class RelatedScreen(CountingScreen[int | None]):
    """Events sharing a request, a target or an initiator with one event, a heading per reason:
    Enter on an event gives its store row (the app moves the table's cursor to it)."""

    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("enter", "go", "Go to the event", priority=True),
    ]
    DEFAULT_CSS = """
    RelatedScreen { background: $background; }
    RelatedScreen > #related-title { height: auto; padding: 0 1; background: $panel; }
    RelatedScreen > #related-progress { height: auto; padding: 0 1; color: $text-muted; }
    RelatedScreen > OptionList, RelatedScreen > OptionList:focus { height: 1fr; border: none; padding: 0; }
    """
    PROGRESS_ID = "related-progress"
    READING = "request ids"
    FAILED_TO = "find related events"

    def __init__(self, store: Store, row: int, *, local: bool = False) -> None:
        super().__init__()
        self.store = store
        self.row = row
        self.local = local
        #: the groups found (None until they are)
        self.groups: list[RelatedGroup] | None = None
        #: the store row of each line of the table (None: a heading)
        self.lines: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="related-title")
        yield Static(Text("finding related events…"), id="related-progress")
        yield OptionList(id="related-list")
        yield KeyLine()

    def _title(self) -> Text:
        store, row = self.store, self.row
        out = Text()
        out.append("Related to ", style="bold")
        out.append(printable(store.text("action", row)), style="bold")
        who = store.text("initiator_name", row) or store.text("initiator_id", row)
        if who:
            out.append(" by " + printable(who))
        if store.has_time(row):
            out.append(f" at {moment_text(store.times[row], local=self.local, short=False)}"
                       f" {'local' if self.local else 'UTC'}")
        return out

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._start()

    def _work(self, progress: Tell, cancelled: Callable[[], bool]) -> list[RelatedGroup]:
        """Find the related events."""
        return related(self.store, self.row, progress=progress, cancelled=cancelled)

    def _show(self, found: object, seconds: float) -> None:
        groups: list[RelatedGroup] = found  # type: ignore[assignment]  # what _work gave
        self.groups = groups
        progress = self.query_one("#related-progress", Static)
        if not groups:
            progress.update(Text(NONE_TEXT.format(minutes=f"{WINDOW_US / 60_000_000:g}")))
            self.query_one(OptionList).display = False
            return
        progress.display = False
        self._fill(groups)

    def _fill(self, groups: list[RelatedGroup]) -> None:
        store = self.store
        box = self.query_one(OptionList)
        width = self.app.size.width - 2  # the list's scrollbar and a space
        short = width < 150
        time_w = 14 if short else 19
        outcome_w = 8
        rest = max(20, width - time_w - outcome_w - 3)
        action_w = rest * 55 // 100
        who_w = rest - action_w - 1
        options: list[Option] = []
        self.lines = []
        mine = store.times[self.row]
        for group in groups:
            heading = Text(printable(group.why), style="bold underline")
            listed = f", the {len(group.rows)} nearest listed" if group.total > len(group.rows) else ""
            count = f" · {group.total:,} event{'s' if group.total != 1 else ''}{listed}"
            if group.value:
                heading.append(" ")
                room = max(12, width - len(group.why) - len(count) - 2)
                heading.append(fit(printable(group.value), room).rstrip(), style="bold")
            heading.append(count, style="dim")
            options.append(Option(heading, disabled=True))
            self.lines.append(None)
            for r in group.rows:
                when = moment_text(store.times[r], local=self.local, short=short) if store.has_time(r) else "(no time)"
                outcome = store.text("outcome", r)
                line = Text()
                line.append(when.ljust(time_w), style="bold" if store.times[r] >= mine else "")
                line.append(" ")
                line.append(fit(printable(outcome), outcome_w).ljust(outcome_w),
                            style="red" if outcome.lower() == "failure" else "cyan" if outcome.lower() == "pending" else "")
                line.append(" ")
                line.append(fit(printable(store.text("action", r)), action_w).ljust(action_w))
                line.append(" ")
                line.append(fit(printable(store.text("initiator_name", r) or store.text("initiator_id", r)), who_w).rstrip())
                options.append(Option(line, id=f"row-{r}-{len(options)}"))
                self.lines.append(r)
        box.clear_options()
        box.add_options(options)
        box.highlighted = 1 if len(options) > 1 else None

    @on(OptionList.OptionSelected, "#related-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_go()

    def action_go(self) -> None:
        """Go to the event under the cursor in the table."""
        box = self.query_one(OptionList)
        index = box.highlighted
        row = self.lines[index] if index is not None and 0 <= index < len(self.lines) else None
        if row is None:
            self.app.bell()
            return
        self._stop()
        self.dismiss(row)

    def action_close(self) -> None:
        """Back to the table."""
        self._stop()
        self.dismiss(None)
