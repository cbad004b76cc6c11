"""How often each value of a field comes in the view: count, share, failures, first and last seen and a
sparkline over the view's time range; and the prompt that asks which field."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Static

from ..core.decode import format_time_us
from ..core.filtering import materialise, read_from_events
from ..core.present import fit, fit_action, format_local_us, printable
from ..core.query import QuerySyntaxError, field_ref
from ..core.store import Store
from ..core.timeline import Frequency, frequencies, spark_range, spark_text
from .counting import CountingScreen, Tell
from .key_line import KeyLine

#: Values listed at most (the title says how many there are in all).
MAX_VALUES = 1000
#: The query fields of the table's columns, for a frequency view of the column under the cell cursor.
COLUMN_FIELDS = {
    "severity": "severity", "outcome": "outcome", "action": "action", "initiator": "initiator",
    "initiator_id": "initiator.id", "target": "target", "target_id": "target.id", "code": "code",
    "message": "message",
}
#: Fields whose values are people: `p` on one of their values opens that person.
PERSON_FIELDS = frozenset({"identity", "initiator", "initiator.name", "initiator.id", "user"})


def moment_text(us: int | None, *, local: bool, short: bool) -> str:
    """A time as the views show it: `2026-11-20 10:30:00` (or `11-20 10:30:00` short), UTC or local."""
    if us is None:
        return "(no time)"
    text = format_local_us(us)[0][:19] if local else format_time_us(us, millis=False)
    return text[5:19] if short else text


def value_cell(value: str, width: int, *, action: bool = False) -> Text:
    """A value from the log as a cell: escaped, cut to width (an action in its middle, as the table
    cuts it: its service and verb stay); an absent one says so."""
    if not value:
        return Text("(none)", style="dim italic")
    return Text((fit_action if action else fit)(value if action else printable(value), width).rstrip())


def number(n: int) -> Text:
    """A count in its column, right-aligned, with thousands separated."""
    return Text(f"{n:,}", justify="right")


#: Widths of the figures' columns (events, share, failed), each with the space before it.
FIGURES = (8, 7, 7)


class StatLayout:
    """The widths of a view's columns at a terminal width: value | events | share | failed | first
    seen | last seen | sparkline, a space between columns (tables drawn with no cell padding)."""

    def __init__(self, width: int, *, lead: int = 0, share: bool = True) -> None:
        """Args:
            lead: cells of a column before the value (the person view's "Of").
            share: whether there is a share column.
        """
        #: under 150 columns times are month, day and time, and the sparkline has fewer bars
        self.short = width < 150
        self.time = 1 + (14 if self.short else 19)
        self.spark_bars = 12 if width < 150 else 30
        if width < 100:  # 80 columns: the minutes say enough beside the day
            self.time = 1 + 11
            self.spark_bars = 10
        figures = sum(FIGURES) - (0 if share else FIGURES[1])
        #: the value's cells: what the others leave (the scrollbar takes one)
        self.value = max(12, width - 1 - lead - figures - 2 * self.time - (1 + self.spark_bars))

    def moment(self, us: int | None, *, local: bool) -> Text:
        """A time in its column, with the space before it."""
        text = moment_text(us, local=local, short=self.short)
        return Text(" " + (text[:11] if self.time == 12 else text))


def padded(text: Text) -> Text:
    """A cell with the space that parts it from the column before."""
    return Text(" ") + text


class FrequencyScreen(CountingScreen[tuple[str, str, bool] | None]):
    """Each value of a field over the view's events, most frequent first: Enter keeps only the events
    with the value, `-` hides them (the query line shows the query); Esc goes back.

    Counted in a thread: an indexed column takes a fraction of a second at a million events, any
    other field is read once from every event (with progress) and kept for the next time.
    """

    BINDINGS = [
        Binding("enter", "keep", "Keep only this value", priority=True),
        Binding("minus,exclamation_mark", "hide", "Hide this value"),
        Binding("escape,q", "close", "Back"),
        Binding("p", "person", "The person behind the value (identity, initiator, user)", show=False),
    ]
    DEFAULT_CSS = """
    FrequencyScreen { background: $background; }
    FrequencyScreen > #freq-title { height: auto; padding: 0 1; background: $panel; }
    FrequencyScreen > #freq-progress { height: auto; padding: 0 1; color: $text-muted; }
    FrequencyScreen > DataTable { height: 1fr; }
    """

    PROGRESS_ID = "freq-progress"

    class PersonRequested(Message):
        """The user asked for the person behind a value (`p`)."""

        def __init__(self, label: str) -> None:
            super().__init__()
            self.label = label

    def __init__(self, store: Store, field: str, rows: Sequence[int], *, since_us: int | None = None,
                 until_us: int | None = None, local: bool = False, query: str = "") -> None:
        """Args:
            field: the field as a query names it (`action`, `initiator`, `requestData.lock`).
            rows: the view's rows, in time order (a copy: the table's own grows as events arrive).
            query: the query of the view ("" for every event), named in the title.
        """
        super().__init__()
        self.store = store
        self.field = field
        self.ref = field_ref(field)
        self.rows = rows
        self.since_us = since_us
        self.until_us = until_us
        self.local = local
        self.view_query = query
        #: the values counted (None until they are)
        self.found: list[Frequency] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="freq-title")
        yield Static(Text("counting…"), id="freq-progress")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, cell_padding=0, id="freq-table")
        yield table
        yield KeyLine()

    def _title(self, span: tuple[int, int] | None = None, buckets: int = 0) -> Text:
        out = Text()
        out.append(f"Frequencies of {self.field}", style="bold")
        out.append(f" · {len(self.rows):,} events" + (f" of {printable(self.view_query)}" if self.view_query else ""))
        if self.found is not None:
            out.append(f" · {len(self.found):,} value{'s' if len(self.found) != 1 else ''}")
            if len(self.found) > MAX_VALUES:
                out.append(f" (first {MAX_VALUES:,} listed)")
        if span is not None:
            start, width = span
            end = start + width * buckets
            zone = "local" if self.local else "UTC"
            out.append(f"\nover time: {moment_text(start, local=self.local, short=False)} to "
                       f"{moment_text(end, local=self.local, short=False)} {zone}, a bar per {_duration(width)}",
                       style="dim")
        return out

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._buckets = StatLayout(self.app.size.width).spark_bars
        self._start()

    def _reading(self) -> str:
        return self.field

    def _failed_to(self) -> str:
        return f"count {self.field}"

    def _work(self, progress: Tell, cancelled: Callable[[], bool]) -> tuple[list[Frequency], tuple[int, int] | None]:
        """Count the values; a field the store does not keep is read from every event first."""
        paths = [path for path in self.ref.paths if read_from_events(path)]
        if paths:
            materialise(self.store, paths, progress=progress, cancelled=cancelled)
        buckets = self._buckets
        found = frequencies(self.store, [self.ref], self.rows, spark_buckets=buckets, spark_top=MAX_VALUES,
                            since_us=self.since_us, until_us=self.until_us)
        return found, spark_range(self.store, self.rows, buckets, since_us=self.since_us, until_us=self.until_us)

    def _show(self, counted: object, seconds: float) -> None:
        found, span = counted  # type: ignore[misc]  # what _work gave
        self.found = found
        buckets = len(found[0].spark) if found and found[0].spark else 0
        self.query_one("#freq-title", Static).update(self._title(span, buckets))
        progress = self.query_one("#freq-progress", Static)
        absent = len(found) == 1 and not found[0].values[0]
        progress.display = not found or absent
        if not self.rows:
            progress.update(Text("no events in the view"))
        elif absent:
            progress.update(Text(f"no event in the view has {self.field}", style="bold"))
        self._fill(found)

    def _fill(self, found: list[Frequency]) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        layout = StatLayout(self.app.size.width)
        events_w, share_w, failed_w = FIGURES
        table.clear(columns=True)
        table.add_column(Text(self.field), width=layout.value, key="value")
        table.add_column(Text("Events", justify="right"), width=events_w)
        table.add_column(Text("Share", justify="right"), width=share_w)
        table.add_column(Text("Failed", justify="right"), width=failed_w)
        table.add_column(Text(" First seen"), width=layout.time)
        table.add_column(Text(" Last seen"), width=layout.time)
        table.add_column(Text(" Over time"), width=1 + layout.spark_bars)
        total = len(self.rows) or 1
        # One scale for every value: a rare value's bars stay low beside a frequent one's.
        scale = max((max(f.spark, default=0) for f in found[:MAX_VALUES]), default=0)
        action = self.field == "action"
        for i, f in enumerate(found[:MAX_VALUES]):
            share = 100 * f.count / total
            table.add_row(
                value_cell(f.values[0], layout.value, action=action), number(f.count),
                Text(f"{share:.1f}%" if share < 99.95 else "100%", justify="right"),
                Text(f"{f.failures:,}", justify="right", style="bold red" if f.failures else "dim"),
                layout.moment(f.first_us, local=self.local), layout.moment(f.last_us, local=self.local),
                padded(Text(spark_text(f.spark, scale) if f.spark else "", style="cyan")),
                key=str(i),
            )

    @property
    def value(self) -> Frequency | None:
        """The value under the cursor."""
        table: DataTable[Text] = self.query_one(DataTable)
        if self.found is None or not table.row_count:
            return None
        return self.found[table.cursor_row]

    def action_keep(self) -> None:
        """Keep only the events with the value under the cursor."""
        self._choose(exclude=False)

    def action_hide(self) -> None:
        """Hide the events with the value under the cursor."""
        self._choose(exclude=True)

    def _choose(self, *, exclude: bool) -> None:
        found = self.value
        if found is None:
            self.app.bell()
            return
        self._stop()
        self.dismiss((self.field, found.values[0], exclude))

    def action_person(self) -> None:
        """The person behind the value under the cursor (fields whose values are people)."""
        found = self.value
        if found is None or self.field not in PERSON_FIELDS or not found.values[0]:
            self.notify("p opens a person from the frequencies of identity, initiator or user.",
                        severity="warning", timeout=4)
            return
        self.post_message(self.PersonRequested(found.values[0]))

    def action_close(self) -> None:
        """Back to the table."""
        self._stop()
        self.dismiss(None)


class FieldScreen(ModalScreen[str | None]):
    """A one-line prompt for the field to count, completed from the fields known (Tab or →)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    FieldScreen { align: center middle; background: $background 60%; }
    FieldScreen > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    FieldScreen Input, FieldScreen Input:focus { border: none; height: 1; padding: 0 1; margin: 1 0; background: $boost; }
    FieldScreen #field-help { color: $text-muted; }
    FieldScreen #field-error { color: $error; }
    """

    def __init__(self, known: list[str]) -> None:
        """Args:
            known: field names to complete from (fields.known_names).
        """
        super().__init__()
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Frequencies of a field"
            yield Input(placeholder="initiator.host.agent", id="field-input",
                        suggester=SuggestFromList(self.known, case_sensitive=False))
            yield Static(Text("Any field path, or a short name (initiator, agent, ip, identity...); → takes "
                              "the suggestion. Enter counts, Esc cancels."), id="field-help")
            yield Static("", id="field-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        try:
            field_ref(text)
        except QuerySyntaxError as exc:
            self.query_one("#field-error", Static).update(Text(exc.message if text else "type a field"))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Back without counting."""
        self.dismiss(None)


def _duration(us: int) -> str:
    """A bar's span of time, roughly, as `35m`, `2h 10m`, `3d 4h`, `45s`."""
    seconds = max(1, round(us / 1_000_000))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs and minutes < 10 else f"{minutes}m"
    return f"{secs}s"
