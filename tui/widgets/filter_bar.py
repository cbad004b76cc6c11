"""The filter bar on top of the screen: the active query, its errors and warnings, its history, the time range."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ..core.present import printable

#: Queries remembered for Up and Down, newest last.
HISTORY_MAX = 200

#: What the query line says before a query is typed (the first screen draws it too: tui/preview.py).
PLACEHOLDER = "/ to filter: action:iam-identity.* outcome:failure -severity:normal"


class QueryInput(Input):
    """The query line: an Input whose Up and Down walk through the queries applied before."""

    BINDINGS = [
        Binding("up", "history(-1)", "Older query", show=False),
        Binding("down", "history(1)", "Newer query", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        #: where Up/Down stand in the history; len(history) is the line being typed
        self._position = 0
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        # Textual runs the line's own bindings (Ctrl+U, Backspace, Enter...) only once the key has
        # bubbled up to the app, after the line has taken the keys queued behind it: keys that
        # arrive in one read (a slow SSH link) ran out of order, and Ctrl+U, a query and Enter
        # cleared the typed query and applied the empty line. Run them here, in order.
        active = self.app.active_bindings.get(event.key)
        if active is not None and active.node is self and active.enabled and not active.binding.priority:
            event.stop()
            event.prevent_default()
            await self.run_action(active.binding.action)
            return
        await super()._on_key(event)

    def remember(self, query: str) -> None:
        """Add an applied query to the history (once: a repeat moves to the end)."""
        if query:
            if query in self.history:
                self.history.remove(query)
            self.history.append(query)
            del self.history[:-HISTORY_MAX]
        self._position = len(self.history)

    def action_history(self, step: int) -> None:
        """Show an older (-1) or newer (+1) query; past the newest comes back what was being typed."""
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.value
        position = max(0, min(len(self.history), self._position + step))
        if position == self._position:
            return
        self._position = position
        self.value = self.history[position] if position < len(self.history) else self._draft
        self.cursor_position = len(self.value)


class FilterBar(Vertical):
    """The query being applied (always visible), the time range, where a bad query went wrong,
    and the fields it names that no event has."""

    DEFAULT_CSS = """
    FilterBar { height: auto; background: $panel; }
    FilterBar > Horizontal { height: 1; }
    FilterBar QueryInput, FilterBar QueryInput:focus { width: 1fr; height: 1; border: none; padding: 0 1; background: $panel; }
    FilterBar QueryInput:focus { background: $boost; }
    /* Textual's $text-disabled is the panel's own colour in a 16-colour terminal: the hint vanished. */
    FilterBar QueryInput > .input--placeholder { color: $text-muted; }
    FilterBar #time-range { width: auto; height: 1; padding: 0 1; color: $text-muted; }
    FilterBar #filter-error { display: none; height: auto; color: $error; }
    FilterBar.-error #filter-error { display: block; }
    FilterBar #filter-warning { display: none; height: auto; padding: 0 1; color: $warning; }
    FilterBar.-warning #filter-warning { display: block; }
    /* A query being corrected: where it went wrong is what matters, not what the one in force lacks. */
    FilterBar.-error #filter-warning { display: none; }
    """

    class Submitted(Message):
        """The user applied a query (Enter); empty means every event."""

        def __init__(self, bar: FilterBar, query: str) -> None:
            super().__init__()
            self.bar = bar
            self.query = query

        @property
        def control(self) -> FilterBar:
            """The filter bar the query comes from."""
            return self.bar

    class Closed(Message):
        """The user left the query line without applying it (Escape)."""

        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            """The filter bar that was left."""
            return self.bar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: the query in force (what the table shows), restored when editing is abandoned
        self.active = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield QueryInput(placeholder=PLACEHOLDER, id="filter", select_on_focus=False)
            yield Static("all times", id="time-range")
        yield Static(id="filter-error")
        yield Static(id="filter-warning")

    @property
    def input(self) -> QueryInput:
        """The query line."""
        return self.query_one(QueryInput)

    def edit(self, text: str | None = None) -> None:
        """Focus the query line, holding text (default: the active query), cursor at its end."""
        line = self.input
        line.value = self.active if text is None else text
        line.cursor_position = len(line.value)
        # At once, not after the messages already queued (as focus() does): the keys read with
        # the one that opened the line are handed on next, and must go to it.
        self.screen.set_focus(line)

    def set_active(self, query: str) -> None:
        """The query now in force: shown in the line and remembered for Up and Down."""
        self.active = query
        self.input.value = query
        self.input.remember(query)
        self.clear_error()
        self.show_warnings([])  # what was said of the last query's fields: the new one is checked anew

    def set_time_range(self, text: str) -> None:
        """What the time bounds are ("all times" when none)."""
        self.query_one("#time-range", Static).update(Text(printable(text)))

    def show_error(self, column: int, message: str) -> None:
        """A caret under the column where the query went wrong, and what was expected there."""
        line = self.input
        line.cursor_position = column
        # The line's text starts after one cell of padding.
        self.query_one("#filter-error", Static).update(
            Text(" " * (column + 1) + "^ " + printable(message), no_wrap=True, overflow="ellipsis"))
        self.add_class("-error")

    def show_warnings(self, lines: list[str]) -> None:
        """What the active query may not mean (a field no event has), a line each; none hides them."""
        self.query_one("#filter-warning", Static).update(
            Text("\n".join(printable(line) for line in lines), no_wrap=True, overflow="ellipsis"))
        self.set_class(bool(lines), "-warning")

    def clear_error(self) -> None:
        """No error to show."""
        self.remove_class("-error")

    @on(Input.Submitted, "#filter")
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.post_message(self.Submitted(self, message.value.strip()))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.input.has_focus:
            event.stop()
            event.prevent_default()
            self.input.value = self.active
            self.clear_error()
            self.post_message(self.Closed(self))
