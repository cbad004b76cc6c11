"""Every key of atlens, by where it works, read from the bindings themselves so it cannot drift."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..core.present import MARK_MEANINGS, MARKS
from .key_line import KeyLine

#: What the help says about the query language (the full syntax is in `atlens query --help`).
QUERY_HELP = (
    "action:iam-identity.*  field:value, * and ? wildcards · outcome:failure severity:critical  all must hold · "
    "-outcome:success  NOT · a OR b, (groups) · initiator.name:\"alice@example.com\"  quoted · "
    "code:[400 TO 499]  code:>=400  ranges · time:>now-7d  date math (N: now is the newest event) · "
    "_exists_:requestData.lock  present · apikey  free text. "
    "Short names: initiator, target, agent, ip, code, user, time."
)


def _bindings(owner: type) -> list[Binding]:
    """The bindings a class declares (and inherits from atlens classes), each once: Textual's own
    (scrolling a container, editing a line) are what every Textual app does and would bury ours."""
    seen: dict[str, Binding] = {}
    for cls in reversed(owner.__mro__):
        if not cls.__module__.startswith("tui."):
            continue
        for item in cls.__dict__.get("BINDINGS", []):
            binding = _as_binding(item)
            # A widget's binding to an app action is the app's key, listed under Everywhere.
            if binding is not None and binding.description and not binding.action.startswith("app."):
                seen[binding.action] = binding
    return list(seen.values())


def _as_binding(item: BindingType) -> Binding | None:
    if isinstance(item, Binding):
        return item
    if isinstance(item, tuple) and len(item) >= 2:
        return Binding(*item)
    return None


def _keys(binding: Binding, display: Callable[[Binding], str]) -> str:
    """The keys of a binding as the footer shows them (display: App.get_key_display)."""
    return " ".join(display(Binding(key.strip(), binding.action)) for key in binding.key.split(","))


def help_table(sections: list[tuple[str, type]], display: Callable[[Binding], str]) -> Table:
    """A two-column table: keys (as display writes them), then what they do, a heading per section."""
    table = Table.grid(padding=(0, 2), expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for title, owner in sections:
        table.add_row(Text(title, style="bold underline"), "")
        for binding in _bindings(owner):
            table.add_row(Text(_keys(binding, display)), Text(binding.description))
        table.add_row("", "")
    return table


def marks_table() -> Table:
    """What the marks at the left of a row, and the count at the right of the titles, say."""
    table = Table.grid(padding=(0, 2), expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for level, mark in MARKS.items():
        table.add_row(Text(mark), Text(MARK_MEANINGS[level]))
    table.add_row(Text("+2"), Text("at the right of the titles: two chosen columns with no room at this width, "
                                   "said (no room) in the columns dialog (C); [ and ] hide the panes"))
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the table, the filter bar, the detail pane and the catalog."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Back")]
    DEFAULT_CSS = """
    HelpScreen { background: $background 60%; }
    HelpScreen > VerticalScroll { border: round $accent; background: $surface; margin: 1 2; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        from ..app import AtlensApp
        from .catalog_browser import CatalogTree
        from .event_grid import EventGrid
        from .filter_bar import QueryInput

        from .frequencies import FrequencyScreen
        from .person import PersonScreen
        from .related import RelatedScreen

        sections: list[tuple[str, type]] = [("Everywhere", AtlensApp), ("Event table", EventGrid),
                                            ("Filter bar", QueryInput), ("Catalog", CatalogTree),
                                            ("Frequencies (F)", FrequencyScreen), ("Person (p)", PersonScreen),
                                            ("Related events (R)", RelatedScreen)]
        try:
            from .detail_pane import DetailPane

            sections.append(("Detail pane", DetailPane))
        except ImportError:
            pass
        with VerticalScroll() as scroll:
            scroll.border_title = "atlens keys (Esc to close)"
            yield Static(help_table(sections, self.app.get_key_display), id="help-keys")
            yield Static(Text("Marks at the left of a row", style="bold underline"), id="help-marks-title")
            yield Static(marks_table(), id="help-marks")
            yield Static("")
            yield Static(Text("Queries\n", style="bold underline") + Text(QUERY_HELP), id="help-query")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        """Back to where you were."""
        self.dismiss(None)
