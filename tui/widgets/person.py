"""One person (or service ID, trusted profile) under all their names and ids: their actions, addresses
and agents with counts, failures, first and last seen, and their own timeline."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..core.present import printable
from ..core.query import and_clause, quote_value
from ..core.store import Store
from ..core.timeline import ADDRESS, AGENT, Frequency, Person, person, spark_text
from .counting import CountingScreen, Tell
from .frequencies import FIGURES, StatLayout, moment_text, number, padded, value_cell
from .key_line import KeyLine

#: Lines listed per part (actions, addresses, agents) at most.
MAX_LINES = 200


class PersonScreen(CountingScreen[str | None]):
    """What one identity did: Enter on an action, address or agent gives the query of their events
    with it (identity:… AND the thing); Enter on the first line, all their events."""

    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("enter", "choose", "Filter the table to it", priority=True),
    ]
    DEFAULT_CSS = """
    PersonScreen { background: $background; }
    PersonScreen > #person-title { height: auto; max-height: 40%; padding: 0 1; background: $panel; }
    PersonScreen > #person-progress { height: auto; padding: 0 1; color: $text-muted; }
    PersonScreen > DataTable { height: 1fr; }
    """
    PROGRESS_ID = "person-progress"
    READING = "addresses and agents"

    def __init__(self, store: Store, label: str, *, since_us: int | None = None, until_us: int | None = None,
                 local: bool = False) -> None:
        """Args:
            label: any name or id of the identity (an initiator's name, `IBMid-…`, `iam-ServiceId-…`).
        """
        super().__init__()
        self.store = store
        self.label = label
        self.since_us = since_us
        self.until_us = until_us
        self.local = local
        #: what was found (None until counted)
        self.found: Person | None = None
        #: the query each line of the table stands for, by row
        self.queries: list[str] = []

    def compose(self) -> ComposeResult:
        title = Text()
        title.append("Person ", style="bold")
        title.append(printable(self.label), style="bold")
        yield Static(title, id="person-title")
        yield Static(Text("counting…"), id="person-progress")
        yield DataTable(cursor_type="row", zebra_stripes=True, cell_padding=0, id="person-table")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._buckets = StatLayout(self.app.size.width).spark_bars
        self._start()

    def _work(self, progress: Tell, cancelled: Callable[[], bool]) -> Person:
        """Count the person's events."""
        return person(self.store, self.label, since_us=self.since_us, until_us=self.until_us,
                      spark_buckets=self._buckets, progress=progress, cancelled=cancelled)

    def _show(self, found: object, seconds: float) -> None:
        assert isinstance(found, Person)
        self.found = found
        self.query_one("#person-title", Static).update(self._summary(found))
        self.query_one("#person-progress", Static).display = False
        self._fill(found)

    def _summary(self, found: Person) -> Text:
        out = Text()
        out.append("Person ", style="bold")
        out.append(printable(found.label), style="bold")
        out.append(f" · {found.events:,} events, ")
        out.append(f"{found.failures:,} failed", style="bold red" if found.failures else "")
        out.append(f" · {moment_text(found.first_us, local=self.local, short=False)} to "
                   f"{moment_text(found.last_us, local=self.local, short=False)} {'local' if self.local else 'UTC'}")
        others = [m for m in found.members if m != found.label]
        if others:
            out.append("\nalso " + ", ".join(printable(m) for m in others[:6]) + (" …" if len(others) > 6 else ""),
                       style="dim")
        return out

    def _fill(self, found: Person) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        of_w = 8
        layout = StatLayout(self.app.size.width, lead=of_w + 1, share=False)
        value_w = layout.value
        events_w, _, failed_w = FIGURES
        table.clear(columns=True)
        table.add_column(Text("Of"), width=of_w)
        table.add_column(Text(" Value"), width=1 + value_w)
        table.add_column(Text("Events", justify="right"), width=events_w)
        table.add_column(Text("Failed", justify="right"), width=failed_w)
        table.add_column(Text(" First seen"), width=layout.time)
        table.add_column(Text(" Last seen"), width=layout.time)
        table.add_column(Text(" Over time"), width=1 + layout.spark_bars)
        self.queries = []
        scale = max(found.spark, default=0)

        def add(of: str, value: Text, f: Frequency, query: str) -> None:
            table.add_row(Text(of, style="bold"), padded(value), number(f.count),
                          Text(f"{f.failures:,}", justify="right", style="bold red" if f.failures else "dim"),
                          layout.moment(f.first_us, local=self.local), layout.moment(f.last_us, local=self.local),
                          padded(Text(spark_text(f.spark, scale) if f.spark else "", style="cyan")))
            self.queries.append(query)

        whole = Frequency((found.label,), found.events, found.failures, found.first_us, found.last_us, found.spark)
        add("all", Text("every event", style="italic"), whole, found.query)
        for f in found.actions[:MAX_LINES]:
            add("action", value_cell(f.values[0], value_w, action=True), f, self._query("action", f.values[0]))
        for f in found.addresses[:MAX_LINES]:
            add("address", value_cell(f.values[0], value_w), f, self._query(ADDRESS, f.values[0]))
        for agent in found.agents[:MAX_LINES]:
            shown = Text(agent.kind + ": ", style="bold") if agent.kind else Text()
            shown.append_text(value_cell(agent.agent, max(4, value_w - len(shown))))
            add("agent", shown, agent.frequency, self._query(AGENT, agent.agent))

    def _query(self, field: str, value: str) -> str:
        """The person's events with a value of a field (absent: without the field)."""
        assert self.found is not None
        clause = f"{field}:{quote_value(value)}" if value else f"-_exists_:{field}"
        return and_clause(self.found.query, clause)

    def action_choose(self) -> None:
        """Filter the table to the person's events with the line under the cursor."""
        table: DataTable[Text] = self.query_one(DataTable)
        if not self.queries or not table.row_count:
            self.app.bell()
            return
        self._stop()
        self.dismiss(self.queries[table.cursor_row])

    def action_close(self) -> None:
        """Back to the table."""
        self._stop()
        self.dismiss(None)
