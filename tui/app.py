"""The atlens Textual application: the live event table, wired to a reader thread."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import signal
import threading
import time
from collections import Counter

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.driver import Driver
from textual.message import Message
from textual.widget import Widget
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical

from catalog import Catalog, CatalogError, explain
from catalog import loader as catalog_loader

from .core.compare import query_field
from .core.fields import MissingField, documented_paths, known_names, missing_fields, query_fields, still_missing
from .core.filtering import Cancelled, Filter, QueryView
from .core.present import WIDE, columns_for, format_local_us, format_time_us, inputs_text, time_range_text
from .core.query import Path, QuerySyntaxError, and_clause, parse, quick_filter
from .core.sources import InputSpec, ReadProgress, Reader, remove_spools
from .core.sources.s3 import S3Input, S3Settings
from .core.decode import FLAG_NO_TIME
from .core.store import Notice, Store
from .core.timeline import bucket_start
from .core.timespec import parse_moment, parse_range
from .widgets import direct
from .widgets.catalog_browser import CatalogBrowser
from .widgets.event_grid import ColumnHeader, EventGrid
from .widgets.filter_bar import FilterBar
from .widgets.help_screen import HelpScreen
from .widgets.jump_screen import JumpScreen
from .widgets.key_line import KeyLine
from .widgets.columns_screen import ColumnsScreen
from .widgets.detail_pane import CompareScreen, DetailPane
from .widgets.frequencies import COLUMN_FIELDS, FieldScreen, FrequencyScreen
from .widgets.person import PersonScreen
from .widgets.related import RelatedScreen
from .widgets.screens import DetailScreen, ErrorsScreen
from .widgets.status_bar import StatusBar
from .widgets.timeline_strip import TimelineStrip, ViewSpan

#: Data-driven redraws at most this often, so a burst of events costs a few repaints.
REDRAW_INTERVAL = 0.03
#: Seconds the cursor rests before the side pane explains its event.
DETAIL_DELAY = 0.06
#: Following, the side pane explains the newest event at most once in this many seconds: text
#: replaced at the rate events arrive cannot be read, and beside the table each explanation lays
#: the whole screen out again (three passes of Textual's layout). Waiting for the stream to rest
#: instead left the pane saying "No event selected" for as long as a steady stream flowed.
DETAIL_FOLLOW_EVERY = 1.0
#: The catalog's counts of events per action are brought up to date every this many seconds
#: (ticks of the status line's clock): following beside the table, each update was a tenth of
#: the CPU of a stream of 20 events a second.
CATALOG_COUNTS_TICKS = 2


class ReaderStatus(Message):
    """Something happened to an input: deleted, rotated, a new file, or it cannot be read."""

    def __init__(self, notice: Notice) -> None:
        super().__init__()
        self.notice = notice


class LoadProgress(Message):
    """How far the first read has come."""

    def __init__(self, progress: ReadProgress) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


class FilterProgress(Message):
    """How far the scan for a new query has come (materialising a field)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FilterProgress)


class FilterReady(Message):
    """The scan for a query finished: its rows, to show, and the fields it names that no event has."""

    def __init__(self, query: Filter, rows: object, text: str, missing: list[MissingField]) -> None:
        super().__init__()
        self.query = query
        self.rows = rows
        self.text = text
        self.missing = missing


class FieldsChecked(Message):
    """Events that arrived were read for the fields no event had: those still not found."""

    def __init__(self, text: str, missing: list[MissingField]) -> None:
        super().__init__()
        self.text = text
        self.missing = missing


class FilterFailed(Message):
    """A query parsed but could not be answered (a regular expression too complex, a file gone...)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__()
        self.text = text
        self.reason = reason


class CatalogLoaded(Message):
    """The catalog is loaded (in a thread: it should not delay the first rows)."""

    def __init__(self, catalog: Catalog | None, error: str = "") -> None:
        super().__init__()
        self.catalog = catalog
        self.error = error


class ReaderFailed(Message):
    """The reader stopped on an error the user must see."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AtlensApp(App[int]):
    """Follow Activity Tracker events live in a table that stays fast at millions of events."""

    CSS_PATH = "atlens.tcss"
    TITLE = "atlens"
    #: From 140 columns the catalog, the table and the detail pane are side by side.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    #: From 40 lines the timeline strip has three lines of bars, below that one.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        # Priority: the app takes `/` as it arrives, before it hands on the keys read with it (a
        # slow SSH link delivers `/outcome:failure` and Enter at once); bubbling back up from the
        # table, it came after them, and the table took the query's keys. check_action leaves `/`
        # to a text box that has the focus.
        Binding("slash", "filter", "Filter", priority=True),
        Binding("a", "catalog", "Catalog"),
        Binding("e", "errors", "Bad lines"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("m", "mark", "Mark", show=False),
        Binding("d", "compare", "Compare with mark", show=False),
        Binding("t", "local_time", "UTC/local time", show=False),
        Binding("T", "jump_time", "Jump to a time", show=False),
        Binding("C", "columns", "Columns", show=False),
        Binding("F", "frequencies", "Frequencies of the highlighted column or field (else asks which)", show=False),
        Binding("p", "person", "The person of the event under the cursor: actions, addresses, agents", show=False),
        Binding("R", "related", "Events related to the one under the cursor, by why", show=False),
        # Where the panes stand beside the table; narrower, the second binding of each key answers
        # (the catalog in the table's place; the detail pane needs the width). The key line offers
        # them with the table's keys (EventGrid): beside the detail pane's own, they did not fit.
        Binding("left_square_bracket", "toggle_pane('catalog')", "Hide or show the catalog pane", show=False),
        Binding("right_square_bracket", "toggle_pane('detail')", "Hide or show the detail pane", show=False),
        Binding("left_square_bracket", "narrow_pane('catalog')", show=False),
        Binding("right_square_bracket", "narrow_pane('detail')", show=False),
        Binding("H", "toggle_strip", "Show or hide the timeline strip above the table", show=False),
        Binding("z", "zoom(True)", "Zoom in: the time range to a quarter of the strip around the cursor's event", show=False),
        Binding("Z", "zoom(False)", "Zoom out: a time range four times as long (all times once it holds every event)",
                show=False),
        Binding("b", "bucket_range", "Time range: the cursor's bucket of the strip (from the marked event's, with m)",
                show=False),
        Binding("B", "clear_time_range", "Time range: all times", show=False),
        Binding("W", "edit_time_range", "Type a time range: 15m, newest-1h, 10:00 to 10:15, 2026-11-20 to 2026-11-21",
                show=False),
        Binding("N", "toggle_anchor", "Relative times (W, now in queries) from the clock or from the newest event",
                show=False),
        Binding("ctrl+l", "redraw", "Redraw the screen", show=False),
        Binding("escape", "back", "Back to the table", show=False),
    ]
    COMMANDS = App.COMMANDS | {lambda: AtlensCommands}

    def __init__(self, specs: list[InputSpec], *, stdin_fd: int | None = None, since_us: int | None = None,
                 until_us: int | None = None, title: str | None = None, store: Store | None = None,
                 catalog_dirs: list[str] | None = None, initial_query: str = "", s3: S3Settings | None = None,
                 s3_started: dict[str, S3Input] | None = None) -> None:
        super().__init__()
        #: how s3:// inputs are reached and cached, and those already being listed (by their text)
        self.s3 = s3
        self.s3_started = s3_started
        self.catalog_dirs = list(catalog_dirs or [])
        self._catalog: Catalog | None = None
        self.specs = specs
        self.store = store or Store()
        self.stdin_fd = stdin_fd
        self.since_us = since_us
        self.until_us = until_us
        if title:
            self.title = title
        self._stop = threading.Event()
        #: the reader, once its thread has made it (read by the status line: has every input ended?)
        self._reader: Reader | None = None
        self._redraw_due = False
        self._last_redraw = 0.0
        #: the reader's news is on its way to the event loop (a call, not a message: see _grew_soon)
        self._grew_due = False
        self._reader_loop: asyncio.AbstractEventLoop | None = None
        self._app_context: contextvars.Context | None = None
        self.first_rows_at: float | None = None
        self._frozen = False
        #: the query typed last and applied (or being applied), "" for every event
        self.query_text = ""
        #: the query whose answer the table shows ("" for every event)
        self._shown_query = ""
        self._scan_generation = 0
        self._scan_pending = False
        #: what the status line says about the bad query typed last ("" when none): taken back by a good one
        self._query_error = ""
        #: fields the active query names that no event has (said under the query line), and the
        #: rows read for them so far: events that arrive later are read for them too
        self._missing: list[MissingField] = []
        self._missing_seen = 0
        #: the query to apply once the app runs (atlens PATH -q QUERY)
        self.initial_query = initial_query
        self._counted = 0
        self._ticks = 0
        self._action_counts: Counter[int] = Counter()
        #: the store row the detail pane shows
        self._detail_row: int | None = None
        #: the side pane's next explanation, when one is due
        self._detail_timer: asyncio.TimerHandle | None = None
        #: when the side pane last explained an event (time.monotonic)
        self._detail_at = 0.0
        #: relative times (15m in R, now in a query's date math) count back from the newest event
        #: read rather than from the clock: an auditor reading last month's export
        self.anchor_newest = False

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Horizontal(id="main"):
            yield Vertical(id="catalog-pane")
            with Vertical(id="table"):
                yield TimelineStrip(self.store, id="strip")
                yield ColumnHeader(id="header")
                yield EventGrid(self.store, since_us=self.since_us, until_us=self.until_us, catalog=self.catalog, id="grid")
            yield DetailPane(id="detail")
        yield StatusBar(id="status")
        yield KeyLine()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux, one whose input thread sleeps until a key
        comes (see driver.py)."""
        driver_class = super().get_driver_class()
        try:
            from textual.drivers.linux_driver import LinuxDriver

            from .driver import QuietLinuxDriver
        except ImportError:  # no POSIX terminal here
            return driver_class
        return QuietLinuxDriver if driver_class is LinuxDriver else driver_class

    def on_mount(self) -> None:
        self._reader_loop = asyncio.get_running_loop()
        if not self.is_headless:
            for signum in (signal.SIGTERM, signal.SIGHUP):
                try:
                    self._reader_loop.add_signal_handler(signum, self._end_on_signal)
                except (NotImplementedError, RuntimeError, ValueError):
                    pass
        self._app_context = contextvars.copy_context()
        # Held directly: while a modal screen is on top, queries would search that screen.
        self.grid = self.query_one(EventGrid)
        self.status_bar = self.query_one(StatusBar)
        self.filter_bar = self.query_one(FilterBar)
        self.detail = self.query_one(DetailPane)
        self.strip = self.query_one(TimelineStrip)
        self.catalog_pane = self.query_one("#catalog-pane")
        self.main_screen = self.screen
        if self.console.color_system == "standard":  # 16 colours: the bars go black (atlens.tcss)
            self.add_class("-sixteen")
        status = self.status_bar
        status.inputs = inputs_text(self.specs)
        self.filter_bar.set_time_range(time_range_text(self.since_us, self.until_us))
        self.grid.focus()
        self.set_interval(1.0, self._tick)
        self._read()
        self._load_catalog()
        if self.initial_query:
            self.apply_query(self.initial_query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader", name="reader")
    def _read(self) -> None:
        """Read every input, then follow them until the app stops (runs on its own thread)."""
        reader = Reader(
            self.store, self.specs,
            on_grow=self._grew_soon,
            on_status=lambda notice: self.post_message(ReaderStatus(notice)),
            on_progress=lambda progress: self.post_message(LoadProgress(progress)),
            stdin_fd=self.stdin_fd,
            s3=self.s3, since_us=self.since_us, until_us=self.until_us, s3_started=self.s3_started,
        )
        self._reader = reader
        try:
            reader.load(follow=True)
            self._grew_soon()
            reader.follow(self._stop)
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(ReaderFailed(f"reading stopped: {exc}"))
        finally:
            reader.close()

    # ------------------------------------------------------------------ data arriving

    def _grew_soon(self) -> None:
        """The reader added events (called on its thread): take them in on the event loop.

        A plain call on the loop, not a Textual message: a message wakes the app's message
        task, finds its handlers and walks the widget tree, which at 20 events a second was a
        sixth of the CPU of following. One call stands for any number of additions.
        """
        if self._grew_due or self._reader_loop is None:
            return
        self._grew_due = True
        try:
            # In the app's context: a call made on the reader's thread would otherwise run in a copy
            # of that thread's, where Textual's every lookup of the active app walks the widget tree.
            self._reader_loop.call_soon_threadsafe(self._grew, context=self._app_context)
        except RuntimeError:  # the loop has closed: the app is gone
            pass

    def _grew(self) -> None:
        self._grew_due = False
        if self.is_running:
            direct.guarded(self, self._store_grew)

    def _store_grew(self) -> None:
        now = time.monotonic()
        wait = REDRAW_INTERVAL - (now - self._last_redraw)
        if wait <= 0:
            self._redraw()
        elif not self._redraw_due:
            self._redraw_due = True
            direct.later(self, wait, self._redraw)

    def _redraw(self) -> None:
        self._redraw_due = False
        self._last_redraw = time.monotonic()
        grid = self.grid
        view = grid.view
        if view is not None and not view.take_new() and not self._scan_pending:
            # Too many new rows to test one by one (a file being indexed): scan again.
            self._start_scan(view.query.node, self.query_text)
        grid.sync()
        self._feed_strip()
        self._check_arrivals_for_fields()
        if self.first_rows_at is None and grid.count:
            self.first_rows_at = time.monotonic()
        self._update_status()
        if grid.following and grid.cursor_row != self._detail_row:
            # The newest event, at a calm pace: a second after the last explanation at the soonest.
            self._schedule_detail(max(DETAIL_DELAY, self._detail_at + DETAIL_FOLLOW_EVERY - self._last_redraw))

    def _update_status(self, *, at_once: bool = False) -> None:
        """The status line's counts; at_once for an answer to a key (else they wait their turn)."""
        grid = self.grid
        self.status_bar.update_counts(
            events=grid.count, errors=len(self.store.errors),
            following=grid.following, new_while_paused=grid.new_while_paused,
            total=len(self.store) if grid.view is not None or self._ranged() else None, at_once=at_once,
            unreadable=len(self.store.unreadable), ended=self._reader is not None and self._reader.ended,
            skipped=sum(self.store.skipped.values()),
        )

    def _tick(self) -> None:
        self._update_status()
        self._ticks += 1
        if self._ticks % CATALOG_COUNTS_TICKS == 0:
            self._count_actions()

    def _count_actions(self) -> None:
        """Give the catalog browser the events seen per action (counted as they arrive)."""
        browsers = self.catalog_pane.query(CatalogBrowser)
        if not browsers or not self.catalog_pane.display:
            return
        store = self.store
        end = len(store)
        if end > self._counted:
            self._action_counts.update(store.action[self._counted:end])
            self._counted = end
        strings = store.strings
        browsers.first().update_counts({strings[i]: n for i, n in self._action_counts.items()})

    @work(thread=True, exclusive=True, exit_on_error=False, group="catalog", name="catalog")
    def _load_catalog(self) -> None:
        try:
            self.post_message(CatalogLoaded(self.catalog()))
        except CatalogError as exc:
            self.post_message(CatalogLoaded(None, str(exc)))

    @on(CatalogLoaded)
    def _catalog_loaded(self, message: CatalogLoaded) -> None:
        if message.catalog is None:
            self.status_bar.show_message(f"catalog not loaded: {message.error}", seconds=30)
            return
        self.catalog_pane.mount(CatalogBrowser(message.catalog, id="catalog"))
        self.call_after_refresh(self._count_actions)
        self.set_timer(0.5, self._prepare_detail_screen)

    def _prepare_detail_screen(self) -> None:
        """Build the full-screen event view before the first Enter: composing it then took 0.1 s."""
        if not self.is_screen_installed("detail"):
            self.install_screen(DetailScreen(), "detail")
            self._get_screen("detail")  # composed and mounted, not shown (textual is pinned: private API)
            self.set_timer(0.5, self._warm_detail_screen)

    def _warm_detail_screen(self) -> None:
        """Show the newest event in the waiting screen: the first real Enter then finds the
        reading, explaining and tree-building code warm (it took 57-68 ms, the others 23-40)."""
        if not self.is_screen_installed("detail"):  # the app is closing
            return
        screen = self.get_screen("detail")
        row = self.grid.cursor_row
        if screen.is_mounted and row is not None and screen is not self.screen:
            screen.show(*self._explained(row))

    @on(CatalogBrowser.FilterRequested)
    def _catalog_filter(self, message: CatalogBrowser.FilterRequested) -> None:
        self.apply_query(message.query)
        if self.main_screen.has_class("-narrow"):
            self._show_catalog(False)
        self.grid.focus()

    def action_catalog(self) -> None:
        """Show the catalog of actions (narrow: instead of the table) or hide it."""
        shown = self.catalog_pane.display
        if shown and not self._focus_in(self.catalog_pane):
            # Beside the table and not focused: go to it rather than hide it.
            self._focus_catalog()
            return
        self._show_catalog(not shown)

    def _show_catalog(self, show: bool, *, focus: bool = True) -> None:
        self.main_screen.set_class(show, "-catalog-open")
        self.main_screen.set_class(not show, "-catalog-closed")
        if show:
            if focus:
                self.call_after_refresh(self._focus_catalog)
            self.call_after_refresh(self._count_actions)
        elif self.focused is None or self._focus_in(self.catalog_pane):
            self.grid.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The pane keys of the wide layout only where it is, their narrow answers only where not;
        `/` only on the main screen and where it is not typed (a priority binding answers first)."""
        if action in ("toggle_pane", "narrow_pane"):
            return (self.size.width >= WIDE) == (action == "toggle_pane")
        if action in ("frequencies", "person", "related"):
            # From the table or an event, not over a view of their own (or the help, the catalog...).
            return len(self.screen_stack) == 1 or isinstance(self.screen, DetailScreen)
        if action == "filter":
            # Textual keeps the app's priority keys from a focused text box only for keys it names
            # a character for, and it names none for `slash`: ask the box itself.
            focused = self.focused
            typed = focused is not None and focused.check_consume_key("slash", "/")
            return len(self.screen_stack) == 1 and not typed  # the main screen, no other above it
        return True

    def on_resize(self) -> None:
        # The key line offers the pane keys from WIDE columns on.
        self.refresh_bindings()

    def action_toggle_pane(self, pane: str) -> None:
        """Hide or show the catalog or the detail pane beside the table; the keys stay with the table."""
        if pane == "catalog":
            show = not self.catalog_pane.display
            self._show_catalog(show, focus=False)
        else:
            show = not self.detail.display
            self.main_screen.set_class(not show, "-detail-closed")
            if not show and self._focus_in(self.detail):
                self.grid.focus()
        said = f"{pane} pane {'shown' if show else 'hidden'}"
        self.status_bar.show_message(said, seconds=4)
        self.call_after_refresh(self._say_columns_without_room, said + " · ")

    def pane_key(self, pane: str) -> None:
        """What [ (the catalog) or ] (the detail pane) does at the terminal's width now."""
        (self.action_toggle_pane if self.size.width >= WIDE else self.action_narrow_pane)(pane)

    def action_narrow_pane(self, pane: str) -> None:
        """Narrower than WIDE: the catalog in the table's place, or why there is no detail pane."""
        if pane == "catalog":
            self._show_catalog(not self.catalog_pane.display)
        else:
            self.status_bar.show_message(f"detail pane from {WIDE} columns: Enter opens the event", seconds=8)

    def action_back(self) -> None:
        """Back to the table: closes the catalog where it stands in the table's place."""
        if self.main_screen.has_class("-narrow") and self.catalog_pane.display:
            self._show_catalog(False)
        self.grid.focus()

    def _focus_in(self, widget: Widget) -> bool:
        """Whether the focused widget is widget or inside it."""
        return self.focused is not None and widget in self.focused.ancestors_with_self

    def _focus_catalog(self) -> None:
        browsers = self.catalog_pane.query(CatalogBrowser)
        if browsers:
            browsers.first().query_one("#catalog-tree").focus()

    @on(ReaderStatus)
    def _reader_status(self, message: ReaderStatus) -> None:
        notice = message.notice
        # A problem (an input that cannot be read, a damaged archive) stays longer, in red;
        # `e` lists them all.
        self.status_bar.show_message(notice.text, seconds=30.0 if notice.problem else 8.0, problem=notice.problem)
        self._update_status(at_once=True)

    @on(LoadProgress)
    def _load_progress(self, message: LoadProgress) -> None:
        p = message.progress
        status = self.status_bar
        status.progress = (p.done_bytes, p.total_bytes, p.finished)
        status.objects = (p.objects_done, p.objects_total)
        status.refresh()
        if p.finished and not status.live:
            status.start_live()
        if p.finished and not self._frozen:
            # Everything made until now lives as long as the app: out of the collector's sight,
            # a full collection while following walks only what arrived since (75 ms -> a few ms).
            self._frozen = True
            gc.collect()
            gc.freeze()

    @on(ReaderFailed)
    def _reader_failed(self, message: ReaderFailed) -> None:
        self.status_bar.show_message(message.text, seconds=3600)
        self.notify(message.text, severity="error", timeout=10)

    @on(EventGrid.CursorMoved)
    def _cursor_moved(self) -> None:
        self._strip_cursor()
        self._update_status()
        self._schedule_detail(DETAIL_DELAY)

    # ------------------------------------------------------------------ the detail pane

    @on(DetailPane.Shown)
    def _detail_came_into_view(self) -> None:
        # Events that arrived while it was hidden (a narrow terminal, or before the first layout
        # decided the terminal was wide) scheduled nothing for it.
        self._schedule_detail(DETAIL_DELAY)

    def _schedule_detail(self, delay: float) -> None:
        """Show the cursor's event in the side pane in delay seconds, or sooner if already due
        sooner: keys held down or a stream of events cost one explanation, not one per row passed."""
        if not self.detail.display:
            return
        timer = self._detail_timer
        if timer is not None:
            if timer.when() <= asyncio.get_running_loop().time() + delay:
                return
            # A key asks sooner than the stream's calm pace: the key is answered.
            timer.cancel()
        self._detail_timer = direct.later(self, delay, self._detail_timer_fired)

    def _detail_timer_fired(self) -> None:
        self._detail_timer = None
        self._show_detail()

    def _show_detail(self, *, force: bool = False) -> None:
        row = self.grid.cursor_row
        if row is None or not self.detail.display:
            return
        if row == self._detail_row and not force:
            return
        self._detail_row = row
        self._detail_at = time.monotonic()
        record, title, explanation = self._explained(row)
        self.detail.show(record, explanation, title)

    def _title(self, row: int) -> str:
        """What to call a row's event: its action, file and byte offset."""
        seg = self.store.segments[self.store.segment[row]]
        return f"{self.store.text('action', row)} · {seg.name} @ byte {self.store.offsets[row]}"

    def _explained(self, row: int):
        """A row's event re-read from its source, what to call it, and what the catalog says of it."""
        record = self.store.event(row)
        title = self._title(row)
        explanation = None
        if record.event is not None:
            try:
                explanation = explain(record.event, self.catalog(), record.duplicates)
            except CatalogError as exc:
                self.notify(str(exc), severity="error", timeout=10, markup=False)
        return record, title, explanation

    # ------------------------------------------------------------------ the story across events

    def _focused_detail(self) -> DetailPane | None:
        """The detail pane that has the keys (beside the table or full-screen), if one has."""
        focused = self.focused
        if focused is None:
            return None
        return next((node for node in focused.ancestors_with_self if isinstance(node, DetailPane)), None)

    def _event_row(self) -> int | None:
        """The event the keys are about: the one the focused detail pane shows, else the table's cursor's."""
        pane = self._focused_detail()
        if pane is not None and pane.record is not None:
            return pane.record.row
        return self.grid.cursor_row

    def action_frequencies(self) -> None:
        """How often each value of a field comes in the view: the detail pane's highlighted field, the
        table's highlighted column, else a field asked for."""
        pane = self._focused_detail()
        field: str | None = None
        if pane is not None:
            node = pane.field
            field = query_field(node.parts) if node is not None and node.parts and node.queryable else None
            if field is None:
                self.status_bar.show_message("highlight a field of the event to count its values", seconds=6)
                self.bell()
                return
        else:
            key = self.grid.cursor_column
            field = COLUMN_FIELDS.get(key) if key is not None else None
        if field is not None:
            self.show_frequencies(field)
            return
        known = known_names(self.store, self._documented_paths())

        def chosen(text: str | None) -> None:
            if text:
                self.show_frequencies(text)

        self.push_screen(FieldScreen(known), chosen)

    def show_frequencies(self, field: str) -> None:
        """The frequency view of a field over the table's events."""
        grid = self.grid

        def chosen(choice: tuple[str, str, bool] | None) -> None:
            if choice is None:
                return
            name, value, exclude = choice
            if value:
                query = quick_filter(self.query_text, name, value, exclude=exclude)
            else:  # the events without the field: keep them, or hide them
                query = and_clause(self.query_text, f"{'' if exclude else '-'}_exists_:{name}")
            self._back_to_table()
            if self.apply_query(query):
                grid.focus()

        self.push_screen(FrequencyScreen(self.store, field, grid.view_rows(), since_us=self.since_us,
                                         until_us=self.until_us, local=grid.local_time, query=self._shown_query),
                         chosen)

    @on(FrequencyScreen.PersonRequested)
    def _person_requested(self, message: FrequencyScreen.PersonRequested) -> None:
        self.show_person(message.label)

    def action_person(self) -> None:
        """The person behind the initiator of the event under the cursor."""
        row = self._event_row()
        if row is None:
            self.status_bar.show_message("no event under the cursor", seconds=4)
            return
        label = self.store.text("initiator_name", row) or self.store.text("initiator_id", row)
        if not label:
            self.status_bar.show_message("this event names no initiator", seconds=6)
            self.bell()
            return
        self.show_person(label)

    def show_person(self, label: str) -> None:
        """The person view of an identity (any of its names or ids)."""

        def chosen(query: str | None) -> None:
            if query:
                self._back_to_table()
                if self.apply_query(query):
                    self.grid.focus()

        self.push_screen(PersonScreen(self.store, label, since_us=self.since_us, until_us=self.until_us,
                                      local=self.grid.local_time), chosen)

    def action_related(self) -> None:
        """The events related to the one under the cursor, grouped by why; Enter goes to one."""
        row = self._event_row()
        if row is None:
            self.status_bar.show_message("no event under the cursor", seconds=4)
            return

        def chosen(target: int | None) -> None:
            if target is not None:
                self._back_to_table()
                self.go_to_event(target)

        self.push_screen(RelatedScreen(self.store, row, local=self.grid.local_time), chosen)

    def go_to_event(self, row: int) -> None:
        """Put the table's cursor on an event: the query is cleared when it hides the event, and said."""
        grid = self.grid
        if not self.store.within(row, self.since_us, self.until_us):
            self.status_bar.show_message("that event is outside the time range the table shows", seconds=8)
            self.bell()
            return
        if grid.go_to_row(row):
            grid.focus()
            self.status_bar.show_message("on the related event", seconds=4)
            return
        hidden = self.query_text
        self.apply_query("")
        if grid.go_to_row(row):
            self.status_bar.show_message(f"the query {hidden} hid that event: cleared (/ and Up brings it back)",
                                         seconds=10)
        grid.focus()

    def _back_to_table(self) -> None:
        """Back to the table from the views a view was opened over (the full-screen event, the
        frequencies a person was opened from), when it sends the user there."""
        while len(self.screen_stack) > 1 and isinstance(self.screen, (DetailScreen, FrequencyScreen, PersonScreen,
                                                                      RelatedScreen)):
            self.pop_screen()

    @on(EventGrid.QuickFilter)
    def _quick_filter(self, message: EventGrid.QuickFilter) -> None:
        # The query line shows the new query: the user sees how to write it.
        self.apply_query(quick_filter(self.query_text, message.field, message.value, exclude=message.exclude))

    def action_local_time(self) -> None:
        """Show times in local time, or back in UTC."""
        local = not self.grid.local_time
        self.grid.set_local_time(local)
        self._strip_cursor()
        self.status_bar.show_message("times in local time" if local else "times in UTC", seconds=4)

    def action_jump_time(self) -> None:
        """Ask for a time and put the cursor on the first event at or after it (pauses following)."""
        grid = self.grid
        local = grid.local_time
        day = grid.cursor_row
        day_of_us = grid.store.times[day] if day is not None else None

        def read(text: str) -> int:
            return parse_moment(text, local=local, day_of_us=day_of_us)

        def jump(moment: int | None) -> None:
            if moment is None:
                return
            when = " ".join(format_local_us(moment)) if local else format_time_us(moment, millis=False) + " UTC"
            if not grid.count:
                self.status_bar.show_message("no events to jump in", seconds=6)
                return
            position = grid.jump_to_time(moment)
            if position >= grid.count:
                self.status_bar.show_message(f"no event at or after {when}: on the newest", seconds=8)
                self.bell()
            elif position == 0 and grid.store.times[grid.row_at(0)] > moment:
                self.status_bar.show_message(f"the first event is after {when}: on the oldest", seconds=8)
            else:
                self.status_bar.show_message(f"first event at or after {when}", seconds=6)
            grid.focus()

        self.push_screen(JumpScreen(read, "local time" if local else "UTC"), jump)

    def action_columns(self) -> None:
        """Choose the table's columns."""
        def chosen(keys: tuple[str, ...] | None) -> None:
            if keys:
                self.grid.set_columns(keys)
                self.call_after_refresh(self._say_columns_without_room)

        self.push_screen(ColumnsScreen(self.grid.columns, self.grid.hidden_columns), chosen)

    def _say_columns_without_room(self, before: str = "") -> None:
        """Name in the status line the columns chosen that the table has no room for (after before)."""
        hidden = self.grid.hidden_columns
        if hidden:
            titles = ", ".join(column.title for column in columns_for(hidden, local=self.grid.local_time))
            self.status_bar.show_message(f"{before}no room for {titles}: C to choose others, [ and ] hide the panes",
                                         seconds=10)

    @on(DetailPane.FilterRequested)
    def _detail_filter(self, message: DetailPane.FilterRequested) -> None:
        if self.apply_query(and_clause(self.query_text, message.query)):
            self.grid.focus()
        if isinstance(self.screen, DetailScreen):
            self.screen.dismiss(None)

    def action_mark(self) -> None:
        """Mark the event under the cursor, to compare another with it (d)."""
        row = self.grid.cursor_row
        if row is None:
            return
        marked = None if self.grid.marked_row == row else row
        self.grid.set_marked(marked)
        said = "marked this event: move to another and press d to compare" if marked is not None else "mark removed"
        self.status_bar.show_message(said, seconds=6)

    def action_compare(self) -> None:
        """Compare the event under the cursor with the marked one: the fields that differ."""
        row, marked_row = self.grid.cursor_row, self.grid.marked_row
        if marked_row is None or row is None:
            self.status_bar.show_message("mark an event first (m), then move to another and press d", seconds=6)
            self.bell()
            return
        marked, here = self.store.event(marked_row), self.store.event(row)
        if marked.event is None or here.event is None:
            self.status_bar.show_message("one of the two events cannot be read: " + (marked.problem or here.problem), seconds=8)
            return
        self.push_screen(CompareScreen((self._title(marked_row), marked.event), (self._title(row), here.event)))

    # ------------------------------------------------------------------ the timeline strip and the time range

    def _feed_strip(self, *, at_once: bool = False) -> None:
        """Give the strip the table's rows to count (it counts only while shown)."""
        strip = self.strip
        order, version, lo, hi = self.grid.span
        strip.show_span(ViewSpan(order, version, lo, hi, self.since_us, self.until_us), at_once=at_once)
        self._strip_cursor()

    def _strip_cursor(self) -> None:
        self.strip.set_cursor(self._cursor_time(), self.grid.local_time)

    def _cursor_time(self) -> int | None:
        """The time of the event under the cursor (None: no event, or one without a time)."""
        row = self.grid.cursor_row
        if row is None or self.store.flags[row] & FLAG_NO_TIME:
            return None
        return self.store.times[row]

    def _ranged(self) -> bool:
        """Whether a time range leaves events out of the table."""
        return self.since_us is not None or self.until_us is not None

    def _now_us(self) -> int | None:
        """What now means in relative times: the newest event's time when anchored on it, else the clock (None)."""
        if not self.anchor_newest:
            return None
        return self._newest_us()

    def _newest_us(self) -> int | None:
        """The time of the newest event read (None: none has a time)."""
        store = self.store
        order = store.order
        for position in range(len(order) - 1, max(-1, len(order) - 1000), -1):
            row = order[position]
            if not store.flags[row] & FLAG_NO_TIME:
                return store.times[row]
        return None

    def action_toggle_strip(self) -> None:
        """Show or hide the timeline strip above the table."""
        show = not self.main_screen.has_class("-strip-open")
        self.main_screen.set_class(show, "-strip-open")
        if show:
            self._feed_strip(at_once=True)
        self.status_bar.show_message("timeline strip shown: z/Z zoom, b the cursor's bucket, B all times" if show
                                     else "timeline strip hidden (H shows it)", seconds=6)

    def _span(self) -> ViewSpan:
        order, version, lo, hi = self.grid.span
        return ViewSpan(order, version, lo, hi, self.since_us, self.until_us)

    def action_zoom(self, zoom_in: bool) -> None:
        """Zoom in: a quarter of the strip's time, around the cursor's event; out: four times as long."""
        span = self._span()
        strip = self.strip
        strip.timeline.update(span.order, span.version)
        low, high = strip.limits(span)
        if high <= low and span.lo >= span.hi:
            self.status_bar.show_message("no events to zoom on", seconds=6)
            self.bell()
            return
        length = max(1_000_000, high - low + 1)
        middle = self._cursor_time()
        if middle is None or not low <= middle <= high:
            middle = low + length // 2
        length = length // 4 if zoom_in else length * 4
        if zoom_in and length < 4_000_000:
            self.status_bar.show_message("zoomed in as far as seconds go", seconds=6)
            self.bell()
            return
        interval = strip.fit(length)
        since = bucket_start(middle - length // 2, interval)
        until = bucket_start(middle + length // 2, interval) + interval
        if not zoom_in:
            first, last = strip.limits(ViewSpan(span.order, span.version, 0, len(span.order), None, None))
            if since <= first and until > last:
                self.set_time_range(None, None, "zoomed out to all times")
                return
        self.set_time_range(since, until, "zoomed " + ("in" if zoom_in else "out"))

    def action_bucket_range(self) -> None:
        """The time range to the bucket of the cursor's event, or from the marked event's bucket to it."""
        cursor = self._cursor_time()
        if cursor is None:
            self.status_bar.show_message("no event with a time under the cursor", seconds=6)
            self.bell()
            return
        histogram, strip = self.strip.histogram, self.strip
        if histogram is not None and strip.display:
            interval = histogram.interval_us  # the buckets drawn
        else:
            span = self._span()
            strip.timeline.update(span.order, span.version)
            interval = strip.interval(span)
        ends = [cursor]
        marked = self.grid.marked_row
        if marked is not None and not self.store.flags[marked] & FLAG_NO_TIME:
            ends.append(self.store.times[marked])
        since, until = bucket_start(min(ends), interval), bucket_start(max(ends), interval) + interval
        self.set_time_range(since, until, "time range: " + ("from the marked event's bucket to the cursor's"
                                                            if len(ends) > 1 else "the cursor's bucket"))

    def action_clear_time_range(self) -> None:
        """Every event again, whatever its time."""
        self.set_time_range(None, None, "all times")

    def action_edit_time_range(self) -> None:
        """Ask for a time range (15m, newest-1h, 10:00 to 10:15, a date) and show only its events."""
        local = self.grid.local_time
        now = self._now_us()

        def read(text: str) -> tuple[int | None, int | None]:
            return parse_range(text, now_us=now, newest_us=self._newest_us(), local=local)

        def chosen(bounds: object) -> None:
            if isinstance(bounds, tuple):
                self.set_time_range(*bounds, "time range set")

        anchor = "the newest event" if self.anchor_newest else "now"
        self.push_screen(JumpScreen(read, "local time" if local else "UTC", title="Time range",
                                    placeholder="newest-1h", help_text=(
                                        f"15m (the last 15 minutes, before {anchor}), newest-1h, now-2h to now-1h, "
                                        "10:00 to 10:15 (on the newest event's day), 2026-11-20 to 2026-11-21; "
                                        f"in {'local time' if local else 'UTC'} unless a zone is given. Empty: all times. "
                                        "Enter applies, Esc cancels.")), chosen)

    def action_toggle_anchor(self) -> None:
        """Relative times from the clock, or from the newest event read (an export read weeks later)."""
        self.anchor_newest = not self.anchor_newest
        self.filter_bar.set_time_range(self._range_text())
        if "now" in self.query_text:  # the query in force counts from the other now: answered again
            self.apply_query(self.query_text)
        self.status_bar.show_message("relative times (15m, now-7d) count back from the newest event" if self.anchor_newest
                                     else "relative times (15m, now-7d) count back from now", seconds=8)

    def _range_text(self) -> str:
        text = time_range_text(self.since_us, self.until_us)
        return text + (" · now: newest event" if self.anchor_newest else "")

    def set_time_range(self, since_us: int | None, until_us: int | None, said: str = "") -> None:
        """Show only the events in [since, until) (None: open at that end): the table, the strip
        and the filter bar; the query is not answered again."""
        self.since_us, self.until_us = since_us, until_us
        self.grid.set_time_range(since_us, until_us)
        self.filter_bar.set_time_range(self._range_text())
        self._feed_strip(at_once=True)
        self._update_status(at_once=True)
        self._schedule_detail(DETAIL_DELAY)
        if said:
            text = (f"{said}: {time_range_text(since_us, until_us)} (B for all times)" if self._ranged() else said)
            skipped = len(self._reader.skipped) if self._reader is not None else 0
            if skipped:
                # The reader passed over files by their names for the range given at start: they stay unread.
                text += f" · {skipped:,} files outside --since/--until were not read"
            self.status_bar.show_message(text, seconds=8)

    # ------------------------------------------------------------------ filtering

    def action_filter(self) -> None:
        """Edit the query in the filter bar."""
        self.filter_bar.edit()

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self._take_back_query_error()  # the bad query was given up: what was wrong with it no longer matters
        self.grid.focus()

    @on(FilterBar.Submitted)
    def _filter_submitted(self, message: FilterBar.Submitted) -> None:
        if self.apply_query(message.query):
            self.grid.focus()

    def apply_query(self, text: str) -> bool:
        """Show the events that match text ("" for all); a bad query is shown where it went wrong
        and the table keeps its rows. Returns whether the query was taken."""
        text = text.strip()
        try:
            node = parse(text, now_us=self._now_us())
        except QuerySyntaxError as exc:
            self.filter_bar.edit(text)
            self.filter_bar.show_error(exc.column, exc.message)
            self._query_error = f"bad query at column {exc.column + 1}: {exc.message}"
            self.status_bar.show_message(self._query_error, seconds=30)
            self.bell()
            return False
        self._take_back_query_error()
        self.filter_bar.set_active(text)
        self._missing = []
        self.query_text = text
        self.status_bar.query = text
        if not text:
            self._scan_generation += 1
            self._scan_pending = False
            self.status_bar.filtering = ""
            self._shown_query = ""
            self.grid.set_view(None)
            self._feed_strip(at_once=True)
            self._update_status(at_once=True)
            self._schedule_detail(DETAIL_DELAY)
            return True
        self._start_scan(node, text)
        return True

    def _take_back_query_error(self) -> None:
        """The status line no longer says what was wrong with a query typed before."""
        if self._query_error:
            self.status_bar.take_back(self._query_error)
            self._query_error = ""

    def _start_scan(self, node, text: str) -> None:
        self._scan_generation += 1
        self._scan_pending = True
        self.status_bar.filtering = "filtering…"
        self.status_bar.refresh()
        self._scan(node, text, self._scan_generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="filter", name="filter")
    def _scan(self, node, text: str, generation: int) -> None:
        """Answer a query over the store (runs on its own thread; a newer query cancels it)."""
        # Unbounded: the table shows the time range as a span of the query's rows (EventGrid.sync),
        # so that changing the range does not answer the query again.
        query = Filter(self.store, node)

        def cancelled() -> bool:
            return generation != self._scan_generation

        try:
            rows = query.rows(progress=lambda done, total: self.post_message(FilterProgress(done, total)),
                              cancelled=cancelled)
            # From the columns the scan built: a field no event has is said, not answered by 0 rows alone.
            missing = [] if cancelled() else missing_fields(self.store, query_fields(node), self._documented_paths)
        except Cancelled:
            return
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(FilterFailed(text, str(exc) or type(exc).__name__))
            return
        if not cancelled():
            self.post_message(FilterReady(query, rows, text, missing))

    def _documented_paths(self) -> frozenset[Path]:
        """The fields the catalog documents (none when it cannot be loaded: then every absent field is said)."""
        try:
            return documented_paths(self.catalog())
        except CatalogError:
            return frozenset()

    def _check_arrivals_for_fields(self) -> None:
        """Read the events that arrived for the fields no event had, off the event loop."""
        end = len(self.store)
        if self._missing and not self._scan_pending and end > self._missing_seen:
            self._check_fields(self.query_text, list(self._missing), self._missing_seen, end)
            self._missing_seen = end

    @work(thread=True, exit_on_error=False, group="fields", name="fields")
    def _check_fields(self, text: str, missing: list[MissingField], start: int, end: int) -> None:
        """Which of the fields no event had rows start..end still lack (runs on its own thread)."""
        try:
            left = still_missing(self.store, missing, start, end)
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(ReaderStatus(Notice(f"checking the query's fields failed: {exc}", problem=True)))
            return
        if len(left) < len(missing):
            self.post_message(FieldsChecked(text, left))

    @on(FieldsChecked)
    def _fields_checked(self, message: FieldsChecked) -> None:
        if message.text != self.query_text or self._scan_pending:
            return  # another query, or a scan that will say it anew
        # Checks of later rows may finish first: a field goes once any check found it.
        self._missing = [m for m in self._missing if m in message.missing]
        self.filter_bar.show_warnings([m.message() for m in self._missing])

    @on(FilterProgress)
    def _filter_progress(self, message: FilterProgress) -> None:
        if self._scan_pending and message.total:
            self.status_bar.filtering = f"filtering {100 * message.done // message.total}%"
            self.status_bar.refresh()

    @on(FilterFailed)
    def _filter_failed(self, message: FilterFailed) -> None:
        if message.text != self.query_text:
            return  # a newer query was typed meanwhile
        self._scan_pending = False
        self.status_bar.filtering = ""
        # The table still shows the answer to the query before: that one is in force again,
        # and the failed one waits in the query line to be changed. When the table shows this
        # very query (it failed on events that arrived later), every event is shown instead.
        if self._shown_query == message.text:
            self._shown_query = ""
            self.grid.set_view(None)
        self.query_text = self.status_bar.query = self._shown_query
        self.filter_bar.set_active(self._shown_query)
        self.filter_bar.edit(message.text)
        self.status_bar.show_message(f"query failed: {message.reason}", seconds=30, problem=True)
        self.bell()
        self._update_status(at_once=True)

    @on(FilterReady)
    def _filter_ready(self, message: FilterReady) -> None:
        if message.text != self.query_text:
            return  # a newer query was typed meanwhile
        self._scan_pending = False
        self.status_bar.filtering = ""
        self._shown_query = message.text
        view = QueryView(message.query, message.rows)
        view.take_new()  # rows that arrived during the scan
        self._missing, self._missing_seen = message.missing, message.query.scanned
        self.filter_bar.show_warnings([m.message() for m in self._missing])
        self.grid.set_view(view)
        self._feed_strip(at_once=True)
        self._update_status(at_once=True)  # the query's count, with its rows: not 0.25 s later
        self._schedule_detail(DETAIL_DELAY)  # the cursor is on another event now

    # ------------------------------------------------------------------ actions

    @on(EventGrid.Opened)
    def _opened(self, message: EventGrid.Opened) -> None:
        self._open_row(message.row)

    def _open_row(self, row: int) -> None:
        if self.detail.display:
            # Beside the table: the pane takes the keys (Tab or Esc come back).
            self._show_detail(force=row != self._detail_row)
            self.detail.focus_content()
            return
        record, title, explanation = self._explained(row)
        self._prepare_detail_screen()
        screen = self.get_screen("detail")
        if screen.is_mounted:
            screen.show(record, title, explanation)
            self.push_screen(screen)
        else:
            self.push_screen(screen)
            self.call_after_refresh(screen.show, record, title, explanation)

    def catalog(self) -> Catalog:
        """The catalog, loaded when first needed (built-in data plus the user's directories)."""
        if self._catalog is None:
            self._catalog = catalog_loader.default(self.catalog_dirs)
        return self._catalog

    def action_help(self) -> None:
        """Every key, by where it works."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_errors(self) -> None:
        """List the lines that are not events, and the inputs that could not be read."""
        problems = [notice.text for notice in self.store.notices if notice.problem]
        self.push_screen(ErrorsScreen(list(self.store.errors), problems))

    def action_redraw(self) -> None:
        """Draw the whole screen again (after line noise on a slow link, or another program's output)."""
        self.grid.draw_again()
        self.screen.refresh()
        self.status_bar.show_message("screen redrawn", seconds=3)

    def _end_on_signal(self) -> None:
        """SIGTERM, or SIGHUP when the terminal closes: decompressed copies of audit data are
        removed first, then atlens ends as by `q` (the terminal restored)."""
        remove_spools()
        self._stop.set()
        self.exit(0)

    async def action_quit(self) -> None:
        """Stop following and leave."""
        self._stop.set()
        self.exit(0)

    def on_unmount(self) -> None:
        self._stop.set()
        if self.stdin_fd is not None:
            try:
                os.close(self.stdin_fd)
            except OSError:
                pass



class AtlensCommands(Provider):
    """The app's actions in the command palette (Ctrl+P), with the key that does each."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app = self.app
        assert isinstance(app, AtlensApp)
        return [
            ("Filter events", "edit the query (/)", app.action_filter),
            ("Catalog of actions", "show or go to the catalog (a)", app.action_catalog),
            ("Follow newest events", "jump to the newest and follow (End)", app.grid.action_follow),
            ("Open event", "explain the event under the cursor (Enter)", app.grid.action_open),
            ("Bad lines", "lines that are not events, with file and line (e)", app.action_errors),
            ("Show every event", "clear the filter", lambda: app.apply_query("")),
            ("Jump to a time", "move to the first event at or after a time (T)", app.action_jump_time),
            ("UTC or local time", "switch the table's times (t)", app.action_local_time),
            ("Choose columns", "the table's columns and their order (C)", app.action_columns),
            ("Show or hide the catalog pane", "beside the table ([)", lambda: app.pane_key("catalog")),
            ("Show or hide the detail pane", "beside the table (])", lambda: app.pane_key("detail")),
            ("Frequencies", "each value of the highlighted column or a field, with a sparkline (F)", app.action_frequencies),
            ("Person", "actions, addresses and agents of the initiator under the cursor (p)", app.action_person),
            ("Related events", "events sharing a request, target or initiator with this one (R)", app.action_related),
            ("Mark event", "mark the event under the cursor to compare another with it (m)", app.action_mark),
            ("Compare with the marked event", "the fields that differ (d)", app.action_compare),
            ("Show or hide the timeline strip", "events per time bucket above the table (H)", app.action_toggle_strip),
            ("Zoom in", "a quarter of the time range, around the cursor's event (z)", lambda: app.action_zoom(True)),
            ("Zoom out", "a time range four times as long (Z)", lambda: app.action_zoom(False)),
            ("Time range: the cursor's bucket", "only the events of the cursor's bucket of the strip (b)",
             app.action_bucket_range),
            ("Time range: all times", "every event, whatever its time (B)", app.action_clear_time_range),
            ("Type a time range", "15m, newest-1h, 10:00 to 10:15 (W)", app.action_edit_time_range),
            ("Relative times from the newest event", "or from the clock (N)", app.action_toggle_anchor),
            ("Redraw the screen", "draw everything again (Ctrl+L)", app.action_redraw),
            ("Help", "every key (? or F1)", app.action_help),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
