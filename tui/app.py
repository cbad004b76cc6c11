"""The atlens Textual application: the live event table, wired to a reader thread."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from rich.text import Text
from textual.widgets import Footer, Input, Static

from catalog import Catalog, CatalogError, explain
from catalog import loader as catalog_loader

from .core.filtering import Cancelled, Filter, QueryView
from .core.present import inputs_text
from .core.query import QuerySyntaxError, parse
from .core.sources import InputSpec, ReadProgress, Reader
from .core.store import Store
from .widgets.event_grid import ColumnHeader, EventGrid
from .widgets.screens import ErrorsScreen, EventScreen
from .widgets.status_bar import StatusBar

#: Data-driven redraws at most this often, so a burst of events costs a few repaints.
REDRAW_INTERVAL = 0.05


class StoreGrew(Message):
    """The reader added events (one message stands for any number of them)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreGrew)


class ReaderStatus(Message):
    """Something happened to an input: deleted, rotated, a new file."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


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
    """The scan for a query finished: its rows, to show."""

    def __init__(self, query: Filter, rows: object, text: str) -> None:
        super().__init__()
        self.query = query
        self.rows = rows
        self.text = text


class ReaderFailed(Message):
    """The reader stopped on an error the user must see."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AtlensApp(App[int]):
    """Follow Activity Tracker events live in a table that stays fast at millions of events."""

    CSS_PATH = "atlens.tcss"
    TITLE = "atlens"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("slash", "filter", "Filter"),
        Binding("e", "errors", "Bad lines"),
        Binding("ctrl+l", "redraw", "Redraw the screen", show=False),
    ]

    def __init__(self, specs: list[InputSpec], *, stdin_fd: int | None = None, since_us: int | None = None,
                 until_us: int | None = None, title: str | None = None, store: Store | None = None,
                 catalog_dirs: list[str] | None = None) -> None:
        super().__init__()
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
        self._redraw_due = False
        self._last_redraw = 0.0
        self.first_rows_at: float | None = None
        self._frozen = False
        #: the query typed last and applied (or being applied), "" for every event
        self.query_text = ""
        self._scan_generation = 0
        self._scan_pending = False

    def compose(self) -> ComposeResult:
        yield ColumnHeader(id="header")
        yield EventGrid(self.store, since_us=self.since_us, until_us=self.until_us, id="grid")
        yield Input(placeholder="filter: action:iam-identity.* outcome:failure -severity:normal   (Enter applies, Esc closes)",
                    id="filter")
        yield Static(id="filter-error")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        # Held directly: while a modal screen is on top, queries would search that screen.
        self.grid = self.query_one(EventGrid)
        self.status_bar = self.query_one(StatusBar)
        status = self.status_bar
        status.inputs = inputs_text(self.specs, self.since_us, self.until_us)
        self.grid.focus()
        self.set_interval(1.0, self._tick)
        self._read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader", name="reader")
    def _read(self) -> None:
        """Read every input, then follow them until the app stops (runs on its own thread)."""
        reader = Reader(
            self.store, self.specs,
            on_grow=lambda: self.post_message(StoreGrew()),
            on_status=lambda text: self.post_message(ReaderStatus(text)),
            on_progress=lambda progress: self.post_message(LoadProgress(progress)),
            stdin_fd=self.stdin_fd,
        )
        try:
            reader.load(follow=True)
            self.post_message(StoreGrew())
            reader.follow(self._stop)
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(ReaderFailed(f"reading stopped: {exc}"))
        finally:
            reader.close()

    # ------------------------------------------------------------------ data arriving

    @on(StoreGrew)
    def _store_grew(self) -> None:
        now = time.monotonic()
        wait = REDRAW_INTERVAL - (now - self._last_redraw)
        if wait <= 0:
            self._redraw()
        elif not self._redraw_due:
            self._redraw_due = True
            # The event loop's own timer: a Textual timer is a task and a signature inspection
            # each time, a noticeable share of the work of a slow, steady stream.
            asyncio.get_running_loop().call_later(wait, self._redraw_later)

    def _redraw_later(self) -> None:
        try:
            self._redraw()
        except Exception as error:  # outside Textual's message loop: hand it to Textual
            self._handle_exception(error)

    def _redraw(self) -> None:
        self._redraw_due = False
        self._last_redraw = time.monotonic()
        grid = self.grid
        view = grid.view
        if view is not None and not view.take_new() and not self._scan_pending:
            # Too many new rows to test one by one (a file being indexed): scan again.
            self._start_scan(view.query.node, self.query_text)
        grid.sync()
        if self.first_rows_at is None and grid.count:
            self.first_rows_at = time.monotonic()
        self._update_status()

    def _update_status(self) -> None:
        grid = self.grid
        self.status_bar.update_counts(
            events=grid.count, errors=len(self.store.errors),
            following=grid.following, new_while_paused=grid.new_while_paused,
            total=len(self.store) if grid.view is not None else None,
        )

    def _tick(self) -> None:
        self._update_status()

    @on(ReaderStatus)
    def _reader_status(self, message: ReaderStatus) -> None:
        self.status_bar.show_message(message.text)

    @on(LoadProgress)
    def _load_progress(self, message: LoadProgress) -> None:
        p = message.progress
        status = self.status_bar
        status.progress = (p.done_bytes, p.total_bytes, p.finished)
        status.refresh()
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
        self._update_status()

    # ------------------------------------------------------------------ filtering

    def action_filter(self) -> None:
        """Open the filter line, holding the active query to edit."""
        box = self.query_one("#filter", Input)
        box.value = self.query_text
        box.add_class("-open")
        box.focus()

    def _close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-open")
        self.query_one("#filter-error", Static).remove_class("-open")
        self.grid.focus()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.focused is not None and self.focused.id == "filter":
            event.stop()
            self._close_filter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, message: Input.Submitted) -> None:
        text = message.value.strip()
        try:
            node = parse(text)
        except QuerySyntaxError as exc:
            # The line stays open with the cursor where the query went wrong.
            message.input.cursor_position = exc.column
            error = self.query_one("#filter-error", Static)
            # A caret under the column (the line's text starts after one cell of padding).
            error.update(Text(" " * (exc.column + 1) + "^ " + exc.message, no_wrap=True, overflow="ellipsis"))
            error.add_class("-open")
            self.status_bar.show_message(f"bad query at column {exc.column + 1}: {exc.message}", seconds=30)
            self.bell()
            return
        self._close_filter()
        self.query_text = text
        self.status_bar.query = text
        if not text:
            self._scan_generation += 1
            self._scan_pending = False
            self.status_bar.filtering = ""
            self.grid.set_view(None)
            self._update_status()
            return
        self._start_scan(node, text)

    def _start_scan(self, node, text: str) -> None:
        self._scan_generation += 1
        self._scan_pending = True
        self.status_bar.filtering = "filtering…"
        self.status_bar.refresh()
        self._scan(node, text, self._scan_generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="filter", name="filter")
    def _scan(self, node, text: str, generation: int) -> None:
        """Answer a query over the store (runs on its own thread; a newer query cancels it)."""
        query = Filter(self.store, node, since_us=self.since_us, until_us=self.until_us)

        def cancelled() -> bool:
            return generation != self._scan_generation

        try:
            rows = query.rows(progress=lambda done, total: self.post_message(FilterProgress(done, total)),
                              cancelled=cancelled)
        except Cancelled:
            return
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(ReaderStatus(f"filter failed: {exc}"))
            return
        if not cancelled():
            self.post_message(FilterReady(query, rows, text))

    @on(FilterProgress)
    def _filter_progress(self, message: FilterProgress) -> None:
        if self._scan_pending and message.total:
            self.status_bar.filtering = f"filtering {100 * message.done // message.total}%"
            self.status_bar.refresh()

    @on(FilterReady)
    def _filter_ready(self, message: FilterReady) -> None:
        if message.text != self.query_text:
            return  # a newer query was typed meanwhile
        self._scan_pending = False
        self.status_bar.filtering = ""
        view = QueryView(message.query, message.rows)
        view.take_new()  # rows that arrived during the scan
        self.grid.set_view(view)
        self._update_status()

    # ------------------------------------------------------------------ actions

    @on(EventGrid.Opened)
    def _opened(self, message: EventGrid.Opened) -> None:
        self._open_row(message.row)

    def _open_row(self, row: int) -> None:
        record = self.store.event(row)
        seg = self.store.segments[self.store.segment[row]]
        title = f"{self.store.text('action', row)} · {seg.name} @ byte {self.store.offsets[row]}"
        explanation = None
        if record.event is not None:
            try:
                explanation = explain(record.event, self.catalog())
            except CatalogError as exc:
                self.notify(str(exc), severity="error", timeout=10)
        self.push_screen(EventScreen(record, title, explanation))

    def catalog(self) -> Catalog:
        """The catalog, loaded when first needed (built-in data plus the user's directories)."""
        if self._catalog is None:
            self._catalog = catalog_loader.default(self.catalog_dirs)
        return self._catalog

    def action_errors(self) -> None:
        """List the lines that are not events."""
        self.push_screen(ErrorsScreen(list(self.store.errors)))

    def action_redraw(self) -> None:
        """Draw the whole screen again (after line noise on a slow link, or another program's output)."""
        self.screen.refresh()
        self.status_bar.show_message("screen redrawn", seconds=3)

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
