"""The event table: a Line-API scroll view that renders only the rows on screen."""

from __future__ import annotations

import asyncio
import time
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from catalog import Catalog
from catalog import loader as catalog_loader

from ..core.present import (DEFAULT_KEYS, MARK_WIDTH, Column, Line, cell_filter, columns_for, findings_level,
                            header_text, no_room, row_layout, row_line)
from ..core.store import EventRecord, Store
from . import direct
from .legible import COLOURED, TEXT, cursor_bar, extreme, readable

#: Width of the vertical scrollbar; the header leaves the same room so columns line up.
SCROLLBAR_WIDTH = 1
#: Rows whose findings mark is kept once worked out (a mark is a short string; the explanation is not kept).
MARKS_KEPT = 4096
#: Rows kept laid out (a few screens: those drawn lately, which are drawn again when the cursor moves).
LINES_KEPT = 400
#: Rows kept as drawn (strips, and the text written straight to the terminal): a few screens.
DRAWN_KEPT = 200
#: Rows drawn as they arrive get their findings mark up to this much later, a handful together.
#: Working out a mark reads the event again and applies the catalog's rules: done for each
#: event of a slow, steady stream as it arrived (each time on cold caches), it was a sixth of
#: the CPU of following it. The marks are worked out when an arrival comes this long after the
#: first row left without one, in the same pass, or by a timer when the stream stops.
MARK_DELAY = 0.5
#: Stands for a piece of text when the escape codes around it are worked out (see _codes).
_PIECE = "\x00"
_V = TypeVar("_V")


def _keep(cache: OrderedDict, key: object, value: _V, limit: int) -> _V:
    """Put value in a cache of at most limit entries (the oldest go first); returns value."""
    cache[key] = value
    if len(cache) > limit:
        cache.popitem(last=False)
    return value


class ColumnHeader(Widget):
    """The titles above the event table, laid out exactly as the rows of its grid."""

    DEFAULT_CSS = """
    ColumnHeader { height: 1; background: $panel; color: $text; text-style: bold; }
    """

    def __init__(self, grid: EventGrid | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._grid = grid

    @property
    def grid(self) -> EventGrid | None:
        """The grid whose columns the header names: the one given, or the EventGrid beside it."""
        if self._grid is None and self.parent is not None:
            self._grid = next(iter(self.parent.query_children(EventGrid)), None)
        return self._grid

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        grid = self.grid
        keys, local = (grid.columns, grid.local_time) if grid is not None else (None, False)
        columns = row_layout(max(0, width - SCROLLBAR_WIDTH), keys, local=local)
        # A styled segment: Textual's NO_COLOR filter reads the style of every segment.
        return Strip([Segment(header_text(columns, width, no_room(columns, keys)), self.rich_style)], width)


class EventGrid(ScrollView, can_focus=True):
    """Every event in time order, newest at the bottom; follows new events until scrolled up."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G,f", "follow", "Follow"),
        Binding("enter", "open", "Open"),
        Binding("left,h", "cell_left", "Highlight the cell to the left", show=False),
        Binding("right,l", "cell_right", "Highlight the cell to the right", show=False),
        Binding("escape", "clear_cell", "Stop highlighting the cell", show=False),
        Binding("equals_sign", "quick_filter(False)", "Keep only events with the cell's value", show=False),
        Binding("minus,exclamation_mark", "quick_filter(True)", "Hide events with the cell's value", show=False),
        # The app's keys, offered in the key line while the table has the keys (only where the
        # panes stand beside it: the app's check_action says where).
        Binding("left_square_bracket", "app.toggle_pane('catalog')", "Catalog pane", tooltip="Hide or show the catalog pane"),
        Binding("right_square_bracket", "app.toggle_pane('detail')", "Detail pane", tooltip="Hide or show the detail pane"),
    ]

    COMPONENT_CLASSES = {
        "event-grid--cursor",
        "event-grid--cell",
        "event-grid--mark-security",
        "event-grid--mark-notable",
        "event-grid--mark-marked",
        "event-grid--critical",
        "event-grid--warning",
        "event-grid--failure",
        "event-grid--pending",
        "event-grid--time",
        "event-grid--missing",
    }

    # Colours for the default theme (textual-dark), read in three kinds of terminal. Truecolour: text
    # on the cursor row at 7:1 or more, row colours and marks at 3.7:1 or more (the accent cursor
    # was 1.5:1, and hid warnings and the • mark). Sixteen colours (TERM=xterm, screen, linux: Rich
    # sends the nearest ANSI colour): base $warning, $error and $accent all become bright red, these
    # give a blue cursor, red failures, yellow warnings, cyan pending, a green compare mark.
    # NO_COLOR (Textual draws in greys): reverse video for the cursor, bold for failures. Light
    # themes take darker shades; there the time, an `auto` colour a partial style makes white, vanished.
    DEFAULT_CSS = """
    EventGrid { scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; overflow-y: hidden; }
    EventGrid.-paused { overflow-y: auto; }
    EventGrid > .event-grid--cursor { background: $primary-darken-3; text-style: bold; }
    EventGrid:light > .event-grid--cursor { background: $primary-muted; }
    EventGrid > .event-grid--cell { text-style: bold reverse; }
    EventGrid > .event-grid--mark-security { color: $error-lighten-3; text-style: bold; }
    EventGrid > .event-grid--mark-notable { color: $warning-lighten-1; text-style: bold; }
    EventGrid > .event-grid--mark-marked { color: $success; text-style: bold; }
    EventGrid > .event-grid--critical { color: $error-lighten-3; text-style: bold; }
    EventGrid > .event-grid--warning { color: $warning-lighten-1; }
    EventGrid > .event-grid--failure { color: $error-lighten-3; }
    EventGrid > .event-grid--pending { color: $primary-lighten-3; }
    EventGrid > .event-grid--time { color: $text-muted; }
    EventGrid > .event-grid--missing { color: $text-disabled; text-style: italic; }
    EventGrid:light > .event-grid--critical, EventGrid:light > .event-grid--failure,
    EventGrid:light > .event-grid--mark-security { color: $error-darken-2; }
    EventGrid:light > .event-grid--warning, EventGrid:light > .event-grid--mark-notable { color: $warning-darken-3; }
    EventGrid:light > .event-grid--pending { color: $primary; }
    EventGrid:light > .event-grid--mark-marked { color: $success-darken-3; }
    EventGrid:light > .event-grid--time, EventGrid:light > .event-grid--missing { color: $foreground; }
    EventGrid:nocolor > .event-grid--cursor { text-style: bold reverse; }
    EventGrid:nocolor > .event-grid--cell { text-style: bold not reverse underline; }
    EventGrid:nocolor > .event-grid--failure { text-style: bold; }
    """

    following: reactive[bool] = reactive(True)
    #: events that arrived while following was paused
    new_while_paused: reactive[int] = reactive(0)

    class _RowMessage(Message):
        """A message about one row of the grid."""

        def __init__(self, grid: EventGrid, row: int | None) -> None:
            super().__init__()
            self.grid = grid
            self.row = row

        @property
        def control(self) -> EventGrid:
            """The grid the message comes from."""
            return self.grid

    class CursorMoved(_RowMessage):
        """The highlighted event changed (row is None when the table is empty)."""

    class Opened(_RowMessage):
        """The user asked to open the highlighted event."""

        row: int

    class QuickFilter(Message):
        """The user asked to keep only (or, exclude, to hide) the events whose field has this value."""

        def __init__(self, grid: EventGrid, field: str, value: str, exclude: bool) -> None:
            super().__init__()
            self.grid = grid
            #: the query field of the cell's column ("action", "initiator.name", "reason.reasonCode"...)
            self.field = field
            #: the exact value as logged (not the cut, escaped text shown)
            self.value = value
            #: hide the events with the value rather than keep only them
            self.exclude = exclude

        @property
        def control(self) -> EventGrid:
            """The grid the message comes from."""
            return self.grid

    def __init__(self, store: Store, *, since_us: int | None = None, until_us: int | None = None,
                 catalog: Callable[[], Catalog] | None = catalog_loader.default,
                 columns: Sequence[str] | None = None, local_time: bool = False,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        """A grid over a store.

        Args:
            catalog: gives the catalog that marks the rows of events with findings (called when
                first needed; None: no marks).
            columns: the keys of the columns shown, in order (None: present.DEFAULT_KEYS).
            local_time: times in the local time zone rather than UTC.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.since_us = since_us
        self.until_us = until_us
        self._order: array = store.order
        self._lo = 0
        self._hi = 0
        self._version: object = -1
        #: the rows of the active query (filtering.QueryView), or None for every event
        self.view = None
        self.cursor = -1
        #: the index (among the columns shown) of the highlighted cell of the cursor row, if any
        self._cell: int | None = None
        #: the store row marked to compare another with (drawn with ◆ instead of its findings mark)
        self.marked_row: int | None = None
        self._keys: tuple[str, ...] = tuple(DEFAULT_KEYS if columns is None else columns)
        columns_for(self._keys)  # an unknown key fails here, not at the first paint
        self._local = local_time
        self._catalog_source = catalog
        self._catalog: Catalog | None = None
        #: findings level ("security", "notable" or "") per store row, for rows drawn
        self._marks: OrderedDict[int, str] = OrderedDict()
        #: rows drawn as they arrived with no mark yet (see MARK_DELAY), and whether that is under way
        self._unmarked: list[int] = []
        self._deferring = False
        #: when the rows left without a mark are due one, and the timer for when no arrival comes
        self._marks_due = 0.0
        self._mark_timer: asyncio.TimerHandle | None = None
        #: rendered rows by (row, width, selected, highlighted cell, marked)
        self._strips: OrderedDict[tuple[int, int, bool, int | None, bool], Strip] = OrderedDict()
        #: the same rows as the text that draws them, for writing straight to the terminal
        self._texts: OrderedDict[tuple[int, int, bool, int | None, bool], str] = OrderedDict()
        #: each row style's escape codes around a piece of text, and what they were worked out for
        self._codes_cache: tuple[object, dict[str, tuple[str, str]]] | None = None
        #: rows laid out off the cursor, as styled pieces, by (row, width, marked)
        self._lines: OrderedDict[tuple[int, int, bool], Line] = OrderedDict()
        self._row_styles_cache: dict[str, Style] | None = None
        self._blank: Strip | None = None
        self._background: Color | None = None
        self._columns_cache: tuple[int, list[tuple[Column, int]]] | None = None

    # ------------------------------------------------------------------ settings

    @property
    def columns(self) -> tuple[str, ...]:
        """The keys of the columns shown, in order (those that fit the width are drawn)."""
        return self._keys

    def set_columns(self, keys: Sequence[str] | None) -> None:
        """Show these columns in this order (None: the default ones); ValueError for an unknown key or none."""
        keys = tuple(DEFAULT_KEYS if keys is None else keys)
        if not keys:
            raise ValueError("the table needs at least one column")
        columns_for(keys)
        if keys != self._keys:
            self._keys = keys
            self._settings_changed()

    @property
    def hidden_columns(self) -> tuple[str, ...]:
        """The keys of the columns chosen that the table's width leaves no room for."""
        return no_room(self._shown_columns(), self._keys)

    @property
    def local_time(self) -> bool:
        """Whether times are shown in the local time zone (else UTC)."""
        return self._local

    def set_local_time(self, local: bool) -> None:
        """Show times in the local time zone (True) or in UTC (False)."""
        if local != self._local:
            self._local = local
            self._settings_changed()

    def draw_again(self) -> None:
        """Lay out and draw every row again from the store, keeping nothing drawn before (Ctrl+L)."""
        self._settings_changed()

    def _settings_changed(self) -> None:
        """Lay the columns out again and redraw the rows and the header."""
        self._columns_cache = None
        self._forget_drawn()
        self._lines.clear()
        if self._cell is not None:
            self._cell = min(self._cell, max(0, len(self._shown_columns()) - 1))
        self.refresh()
        if self.parent is not None:
            for header in self.parent.query_children(ColumnHeader):
                header.refresh()

    # ------------------------------------------------------------------ data

    @property
    def count(self) -> int:
        """Events in the table."""
        return self._hi - self._lo

    def row_at(self, index: int) -> int:
        """The store row shown at a table position."""
        return self._order[self._lo + index]

    @property
    def cursor_row(self) -> int | None:
        """The store row under the cursor."""
        return self.row_at(self.cursor) if 0 <= self.cursor < self.count else None

    def sync(self) -> None:
        """Take in what the store holds now; called when it grew (a handful of times a second)."""
        store = self.store
        view = self.view
        before = self.count
        anchor = self.cursor_row
        if view is None:
            order = store.order
            version: object = store.version
        else:
            order = view.order
            version = (id(view), view.version)
        reordered = version != self._version or order is not self._order
        self._order = order
        self._version = version
        # The time range is a span of the order, for every event and for a query's rows alike:
        # changing it moves two positions, and the query is not answered again.
        self._lo, self._hi = store.span(self.since_us, self.until_us, order)
        if reordered:
            self._forget_drawn()
        # Where the table is on the terminal, when it may draw there itself (see direct.py):
        # looked up once, as each lookup walks the widget tree.
        region = direct.direct_region(self) if self.following else None
        self._set_virtual_height(self.count, (region or self).size.width)
        grown = self.count - before
        # The owner of the grid calls sync and reads the cursor after it: no CursorMoved here,
        # which at thousands of events a second would be a message per event to every ancestor.
        if self.following:
            if region is not None and not reordered and grown > 0 and self._draw_arrivals(before, region):
                return
            self._move_cursor(self.count - 1, scroll_end=True, notify=False)
        else:
            if grown > 0:
                self.new_while_paused += grown
            if reordered and anchor is not None:
                self._move_cursor(self._find(anchor), scroll_end=False, notify=False)
        self.refresh()

    def _draw_arrivals(self, before: int, region: Region) -> bool:
        """Show rows that arrived while following by scrolling the terminal, not repainting.

        A full repaint of the table for each arriving event cost most of the CPU of a slow,
        steady stream, and sent a screen of bytes down the (maybe slow) link. When the table
        spans the whole width, its lines are scrolled by the terminal itself (a scroll region)
        and only the new rows and the row that lost the cursor are drawn. Beside the panes a
        scroll region would move their lines too, so each line of the table is written from
        the row cache instead: the same bytes as Textual's repaint, without its compositor
        (which cut whole lines across every pane into pieces for each arriving event).
        This is only done when nothing can be in the way (region: where the table is, from
        direct.direct_region) and it was showing the newest rows.
        Returns whether it drew; if not, the caller repaints as usual.
        """
        width, height = region.size  # the content region's size is the widget's size
        old_top = max(0, before - height)
        new_top = max(0, self.count - height)
        shift = new_top - old_top
        first = before - 1 - new_top  # the screen line of the row that had the cursor
        if first < 0 or self.cursor != before - 1 or self.scroll_offset.y != old_top:
            return False
        full_width = region.x == 0 and region.width == self.app.size.width
        if not full_width or shift >= height:
            first, shift = 0, 0  # every line of the table is written
        self.cursor = self.count - 1
        self.set_reactive(ScrollView.scroll_target_y, new_top)
        self.set_reactive(ScrollView.scroll_y, new_top)
        out: list[str] = []
        if shift:
            # DECSTBM limits scrolling to the table's lines; line feeds at its bottom scroll it.
            top, bottom = region.y + 1, region.y + height
            out.append(f"\x1b[{top};{bottom}r\x1b[{bottom};1H" + "\n" * shift + "\x1b[r")
        self._deferring = True
        try:
            out.extend([direct.move_to(region, y) + self._text_at(new_top + y, width) for y in range(first, height)])
        finally:
            self._deferring = False
        if self._unmarked and time.monotonic() >= self._marks_due:
            out.extend(self._mark_drawn(region))
        direct.write(self, out)
        return True

    def _mark_drawn(self, region: Region | None, painting: range = range(0)) -> list[str]:
        """Work out the findings marks of the rows drawn without one (see MARK_DELAY). Returns the
        lines to write for those on screen that have one (region: where the table is; None:
        Textual is asked to repaint them, but for the lines it is painting now)."""
        rows, self._unmarked = set(self._unmarked), []
        if self._mark_timer is not None:
            self._mark_timer.cancel()
            self._mark_timer = None
        top = self.scroll_offset.y
        shown = {self.row_at(top + y): y for y in range(max(0, min(self.size.height, self.count - top)))}
        marked = [row for row in rows & shown.keys() if self._mark(row)[0]]
        # Their lines were kept without a mark: those that turned out to have one, and those no
        # longer on screen (not worked out now), are dropped, so that any later drawing marks them.
        dropped = (rows - shown.keys()).union(marked)
        if dropped:
            self._forget_drawn(dropped)
        lines = sorted(shown[row] for row in marked)
        if region is None:
            for y in lines:
                if y not in painting:
                    self.refresh(Region(0, y, self.size.width, 1))
            return []
        return [direct.move_to(region, y) + self._text_at(top + y, region.width) for y in lines]

    def _mark_later(self) -> None:
        """No arrival came to work the marks out (see MARK_DELAY): do it now."""
        self._mark_timer = None
        if self._unmarked and self.is_mounted:
            region = direct.direct_region(self)
            lines = self._mark_drawn(region)
            if lines and region is not None:
                direct.write(self, lines)

    def set_view(self, view) -> None:  # view: filtering.QueryView | None
        """Show the rows of a query (None: every event); the cursor stays on its event if shown."""
        anchor = self.cursor_row
        self.view = view
        self._version = None
        before_following = self.following
        self.sync()
        if not before_following and anchor is not None:
            self._move_cursor(self._find(anchor), scroll_end=False, notify=False)
        self.new_while_paused = 0

    def set_time_range(self, since_us: int | None, until_us: int | None) -> None:
        """Show only the events in [since, until) (None: open at that end). Following goes on when
        the range still holds the newest events; otherwise it pauses, the cursor on its event
        (or the first after its time)."""
        if (since_us, until_us) == (self.since_us, self.until_us):
            return
        self.since_us, self.until_us = since_us, until_us
        if until_us is not None:
            self._pause()
        self.set_view(self.view)

    @property
    def span(self) -> tuple[Sequence[int], object, int, int]:
        """The rows the table shows: the order they are drawn from, its version, and the positions
        [lo, hi) of the time range in it."""
        return self._order, self._version, self._lo, self._hi

    def _set_virtual_height(self, height: int, width: int) -> None:
        """Grow the scrollable height without a layout pass of the whole screen.

        `virtual_size` is a layout reactive: setting it lays out every widget, which cost
        23 ms per arriving event. Only the scrollbar needs to know, unless it appears or
        disappears. (`_scroll_update` is Textual's own scrollbar update; Textual is pinned.)
        """
        size = Size(width, height)
        if size == self.virtual_size:
            return
        had_scrollbar = self.show_vertical_scrollbar
        self.set_reactive(EventGrid.virtual_size, size)
        if self.following and not had_scrollbar:
            return  # following hides the scrollbar (overflow hidden): nothing to update
        self._scroll_update(size)
        if self.show_vertical_scrollbar != had_scrollbar:
            self.refresh(layout=True)

    def _find(self, row: int) -> int:
        """The table position of a store row (after the order changed)."""
        times = self.store.times
        pos = self._lo + self.position_at(times[row])
        while pos < self._hi and self._order[pos] != row:
            if times[self._order[pos]] != times[row]:
                break
            pos += 1
        return max(0, min(pos, self._hi - 1) - self._lo)

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in crop, straight from the row cache.

        Textual's default path re-styles every line that moved, so scrolling one row while
        following re-built every strip on screen; the grid draws no border, padding or tint,
        so its cached strips are final. Keeping the same Strip objects also keeps Textual's
        per-strip caches (filters, cuts, escape codes) warm across frames.
        """
        if self._unmarked:
            # Textual marks the rows it paints at once (a pass that could not write arrivals
            # straight to the terminal, a notification on screen): rows drawn before them that
            # still wait for their marks get them in the same picture. Left to the timer, a
            # newer failure showed its mark for up to MARK_DELAY above an older one left bare.
            self._mark_drawn(None, crop.line_range)
        width = self.size.width
        strips = self._lines_at(crop.line_range, self.scroll_offset.y, width)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _lines_at(self, lines: range, scroll_y: int, width: int) -> list[Strip]:
        """Lines of the table (counted from its top, scrolled by scroll_y) through the app's filters."""
        background = self._filter_background()
        return [direct.filtered(self, self._strip_at(scroll_y + y, width), background) for y in lines]

    def _filter_background(self) -> Color:
        """The background the line filters blend with, worked out once per style change (it walks
        every ancestor)."""
        if self._background is None:
            self._background = self.background_colors[1]
        return self._background

    def render_line(self, y: int) -> Strip:
        return self._strip_at(self.scroll_offset.y + y, self.size.width)

    def _strip_at(self, index: int, width: int) -> Strip:
        if index >= self.count or index < 0:
            blank = self._blank
            if blank is None or blank.cell_length != width:
                blank = self._blank = Strip.blank(width, self.rich_style)
            return blank
        key = self._drawn_key(index, width)
        strip = self._strips.get(key)
        if strip is None:
            # Each strip carries Textual's caches of its pieces: keep a few screens, not more.
            strip = _keep(self._strips, key, self._render_row(*key[:4]), DRAWN_KEPT)
        return strip

    def _drawn_key(self, index: int, width: int) -> tuple[int, int, bool, int | None, bool]:
        """What a drawn line of the table depends on: (row, width, selected, highlighted cell, marked)."""
        row = self.row_at(index)
        selected = index == self.cursor
        return (row, width, selected, self._cell if selected else None, row == self.marked_row)

    def _text_at(self, index: int, width: int) -> str:
        """A line of the table as the text that draws it on the terminal, for writing it there
        directly: what Textual sends for the strip of _strip_at, put together from the row's
        pieces and each style's escape codes. Building and filtering a Strip of Segments for
        each arriving row, and rendering it, was a sixth of the CPU of following a slow stream."""
        if index >= self.count or index < 0:
            return direct.filtered(self, self._strip_at(index, width), self._filter_background()).render(self.app.console)
        key = self._drawn_key(index, width)
        text = self._texts.get(key)
        if text is None:
            line, suffix = self._drawn_line(*key[:4])
            codes = self._codes()
            text = "".join([f"{before}{piece}{after}" for piece, style in line for before, after in (codes[style + suffix],)])
            _keep(self._texts, key, text, DRAWN_KEPT)
        return text

    def _codes(self) -> dict[str, tuple[str, str]]:
        """The escape codes Textual writes before and after a piece of text in each row style,
        through the app's line filters (which turn ANSI colours into the theme's) and for the
        terminal's colours: drawn once per change of those from a Strip, the way Textual draws."""
        console = self.app.console
        filters = self.get_line_filters()
        key = (tuple(filters), console.color_system)
        if self._codes_cache is None or self._codes_cache[0] != key:
            background = self._filter_background()
            codes: dict[str, tuple[str, str]] = {}
            for name, style in self._row_styles().items():
                drawn = direct.filtered(self, Strip([Segment(_PIECE, style)]), background).render(console)
                before, _, after = drawn.partition(_PIECE)
                codes[name] = (before, after)
            self._codes_cache = (key, codes)
        return self._codes_cache[1]

    def _forget_drawn(self, rows: set[int] | None = None) -> None:
        """Drop the rows kept as drawn (strips and texts): when how they are drawn changed. With
        rows, everything kept of those rows goes, their laid-out lines too: what they show changed."""
        if rows is None:
            self._strips.clear()
            self._texts.clear()
            return
        for cache in (self._strips, self._texts, self._lines):
            for key in [key for key in cache if key[0] in rows]:
                del cache[key]

    def _row_styles(self) -> dict[str, Style]:
        """Row styles, combined once per theme change rather than once per row.

        The theme gives the colours; where they would not read (a pastel cursor bar, yellow on a
        light background) they are moved just far enough that they do (see legible.py).
        """
        if self._row_styles_cache is None:
            base = self.rich_style
            part = lambda name: self.get_component_rich_style(f"event-grid--{name}", partial=True)  # noqa: E731
            cursor = part("cursor")
            cell = part("cell")
            rgb = lambda colour: colour.triplet if colour is not None and colour.triplet is not None else None  # noqa: E731
            text, background, bar = rgb(base.color), rgb(base.bgcolor), rgb(cursor.bgcolor)
            measured = bool(text and background and bar)  # not an ANSI theme, whose colours the terminal decides
            if measured:
                bar = cursor_bar(bar, background, text)
                cursor += Style(bgcolor=RichColor.from_rgb(*bar))
            styles: dict[str, Style] = {}
            for kind in ("normal", "critical", "warning", "failure", "pending", "time", "missing",
                         "mark-security", "mark-notable", "mark-marked"):
                style = base if kind == "normal" else base + part(kind)
                colour = rgb(style.color) if measured else None
                least = TEXT if kind in ("normal", "warning", "time") else COLOURED
                if colour:
                    colour = readable(colour, background, text, least)
                    style += Style(color=RichColor.from_rgb(*colour))
                on_bar = style + cursor  # the same colour under the cursor, unless it must give way
                if colour:
                    on_bar += Style(color=RichColor.from_rgb(*readable(colour, bar, extreme(bar), least)))
                styles[kind] = style
                styles[kind + "+cursor"] = on_bar
                styles[kind + "+cursor+cell"] = on_bar + cell
            self._row_styles_cache = styles
        return self._row_styles_cache

    def _layout(self, width: int) -> list[tuple[Column, int]]:
        if self._columns_cache is None or self._columns_cache[0] != width:
            self._columns_cache = (width, row_layout(width, self._keys, local=self._local))
        return self._columns_cache[1]

    def _shown_columns(self) -> list[tuple[Column, int]]:
        """The columns drawn at the current width."""
        return self._layout(self.size.width - SCROLLBAR_WIDTH)

    def _the_catalog(self) -> Catalog | None:
        """The catalog that marks rows, loaded on first use (None: no marks)."""
        if self._catalog is None and self._catalog_source is not None:
            try:
                self._catalog = self._catalog_source()
            except Exception:  # a catalog that cannot be loaded: no marks (the app says why)
                self._catalog_source = None
        return self._catalog

    def _mark(self, row: int) -> tuple[str, EventRecord | None]:
        """The row's findings level, and its event when it had to be read for it."""
        marks = self._marks
        mark = marks.get(row)
        if mark is not None:
            return mark, None
        catalog = self._the_catalog()
        if catalog is None:
            return "", None
        if self._deferring:
            if not self._unmarked:
                self._marks_due = time.monotonic() + MARK_DELAY
                # Later than an arrival would come in a steady stream: that one does it, warm.
                self._mark_timer = direct.later(self, 1.5 * MARK_DELAY, self._mark_later)
            self._unmarked.append(row)
            return "", None
        record = self.store.event(row, keep=False)
        mark = _keep(marks, row, findings_level(record, catalog), MARKS_KEPT)
        return mark, record

    def _render_row(self, row: int, width: int, selected: bool, cell: int | None) -> Strip:
        styles = self._row_styles()
        line, suffix = self._drawn_line(row, width, selected, cell)
        return Strip([Segment(text, styles[style + suffix]) for text, style in line], width)

    def _drawn_line(self, row: int, width: int, selected: bool, cell: int | None) -> tuple[Line, str]:
        """A row's pieces as drawn, and what to add to each piece's style name: the row under the
        cursor with a highlighted cell is laid out for it; otherwise the row's line off the
        cursor is used, with "+cursor" added under the cursor (see _unselected_line)."""
        if selected and cell is not None:
            return self._row_line(row, width, selected=True, cell=cell), ""
        return self._unselected_line(row, width), "+cursor" if selected else ""

    def _unselected_line(self, row: int, width: int) -> Line:
        """A row laid out off the cursor. The cursor bar only adds "+cursor" to every piece's
        style (present.row_line): both looks of a row come from one line, so the row that loses
        the cursor to an arriving event, or to a key, is not laid out and marked again."""
        key = (row, width, row == self.marked_row)
        line = self._lines.get(key)
        if line is None:
            line = _keep(self._lines, key, self._row_line(row, width, selected=False, cell=None), LINES_KEPT)
        return line

    def _row_line(self, row: int, width: int, *, selected: bool, cell: int | None) -> Line:
        # Columns keep their place whether or not the scrollbar is showing (it only shows while
        # paused, over the last cell of each line: a ScrollView's size includes it).
        columns = self._layout(width - SCROLLBAR_WIDTH)
        mark, record = self._mark(row)
        if row == self.marked_row:
            mark = "marked"
        return row_line(self.store, row, columns, width, selected, mark=mark, cell=cell, local=self._local, record=record)

    def set_marked(self, row: int | None) -> None:
        """Mark a store row (None: no mark); the mark shows in the row's first cell."""
        self.marked_row = row
        self.refresh()

    def notify_style_update(self) -> None:
        self._forget_drawn()
        self._codes_cache = None
        self._blank = None
        self._background = None
        self._row_styles_cache = None
        super().notify_style_update()

    def on_resize(self, event: events.Resize) -> None:
        self._forget_drawn()
        if self._cell is not None:
            self._cell = min(self._cell, max(0, len(self._shown_columns()) - 1))
        self.virtual_size = Size(event.size.width, self.count)
        if self.following:
            self.call_after_refresh(self._scroll_to_newest)

    # ------------------------------------------------------------------ cursor and following

    def _move_cursor(self, index: int, *, scroll_end: bool = False, notify: bool = True) -> None:
        previous = self.cursor
        self.cursor = max(-1, min(index, self.count - 1))
        if scroll_end:
            self._scroll_to_newest()
        elif self.cursor >= 0:
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True, force=True)
        if previous != self.cursor:
            self._refresh_index(previous)
            self._refresh_index(self.cursor)
            if notify:
                self.post_message(self.CursorMoved(self, self.cursor_row))

    def _scroll_to_newest(self) -> None:
        if self.following:
            # force: right after the store grew, the scrollbar that allows scrolling may not exist yet.
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def _refresh_index(self, index: int) -> None:
        if index >= 0:
            self.refresh_line(index)  # virtual coordinates: ScrollView subtracts the scroll offset

    def watch_following(self, following: bool) -> None:
        # Following, the newest row is at the bottom and a scrollbar says nothing, while
        # redrawing it cost a quarter of the work of each arriving event. Paused, it shows where you are.
        self.set_class(not following, "-paused")
        if following:
            self._set_cell(None)  # the cell was on an event; following moves on to the newest ones

    def _pause(self) -> None:
        if self.following:
            self.following = False
            self.new_while_paused = 0

    def action_cursor_up(self) -> None:
        """Move up one event (pauses following)."""
        self._pause()
        self._move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        """Move down one event; reaching the newest resumes following."""
        self._move_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        """Up one screen (pauses following)."""
        self._pause()
        self._move_cursor(self.cursor - max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        """Down one screen."""
        self._move_cursor(self.cursor + max(1, self.size.height - 1))

    def action_first(self) -> None:
        """The oldest event (pauses following)."""
        self._pause()
        self._move_cursor(0)

    def action_follow(self) -> None:
        """Jump to the newest event and follow new ones."""
        self.following = True
        self.new_while_paused = 0
        self._move_cursor(self.count - 1, scroll_end=True)

    def position_at(self, us: int) -> int:
        """The table position of the first event at or after a moment (`count` when none is)."""
        key = self.store.times.__getitem__
        return bisect_left(self._order, us, lo=self._lo, hi=self._hi, key=key) - self._lo

    def jump_to_time(self, us: int) -> int:
        """Pause and put the cursor on the first event at or after a moment, in the middle of the
        screen (on the newest when none is after it); returns the position found (`count`: none)."""
        position = self.position_at(us)
        if self.count:
            self._pause()
            index = min(position, self.count - 1)
            self.scroll_to(y=max(0, index - self.size.height // 2), animate=False, immediate=True, force=True)
            self._move_cursor(index)
        return position

    def view_rows(self) -> array:
        """The store rows the table shows, in time order (a copy: the table's own grows as events arrive)."""
        return array("I", self._order[self._lo:self._hi])

    def go_to_row(self, row: int) -> bool:
        """Pause and put the cursor on a store row, in the middle of the screen; False when the table does not show it."""
        if not self.count:
            return False
        index = self._find(row)
        if self.row_at(index) != row:
            return False
        self._pause()
        self.scroll_to(y=max(0, index - self.size.height // 2), animate=False, immediate=True, force=True)
        self._move_cursor(index)
        return True

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.following:
            self._pause()
            # The wheel moves no cursor, and CursorMoved is what has the app redraw its status
            # line: without it, "following" stayed there until the line's next tick.
            self.post_message(self.CursorMoved(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < self.count:
            self._pause()
            self._move_cursor(index)
            x = MARK_WIDTH
            for i, (_, width) in enumerate(self._shown_columns()):
                if x <= event.x < x + width:
                    self._set_cell(i)
                x += width + 1
            if event.chain == 2:
                self.post_message(self.Opened(self, self.row_at(index)))

    def action_open(self) -> None:
        """Open the event under the cursor (the app decides how)."""
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Opened(self, row))

    # ------------------------------------------------------------------ the cell cursor and quick filters

    @property
    def cursor_column(self) -> str | None:
        """The key of the column of the highlighted cell (None until the user moves to a cell)."""
        if self._cell is None:
            return None
        columns = self._shown_columns()
        return columns[min(self._cell, len(columns) - 1)][0].key if columns else None

    def cell_value(self) -> tuple[str, str] | None:
        """The query field and exact value (as logged) of the highlighted cell; None when no cell
        is highlighted or it has nothing to filter on (the time, an empty or missing value)."""
        row = self.cursor_row
        key = self.cursor_column
        if row is None or key is None:
            return None
        return cell_filter(self.store, row, key)

    def _set_cell(self, cell: int | None) -> None:
        if cell != self._cell:
            self._cell = cell
            self._refresh_index(self.cursor)

    def _move_cell(self, step: int) -> None:
        count = len(self._shown_columns())
        if not count or self.cursor_row is None:
            return
        self._pause()  # the cell is on this event: arriving ones must not move it away
        if self._cell is None:
            self._set_cell(0 if step > 0 else count - 1)
        else:
            self._set_cell(max(0, min(count - 1, self._cell + step)))

    def action_cell_left(self) -> None:
        """Highlight the cell to the left in the cursor row (the last one at first; pauses following)."""
        self._move_cell(-1)

    def action_cell_right(self) -> None:
        """Highlight the cell to the right in the cursor row (the first one at first; pauses following)."""
        self._move_cell(1)

    def action_clear_cell(self) -> None:
        """Stop highlighting a cell (when none is, the key goes on to the app)."""
        if self._cell is None:
            raise SkipAction()
        self._set_cell(None)

    def action_quick_filter(self, exclude: bool) -> None:
        """Ask to keep only (or hide) the events with the highlighted cell's value."""
        if self._cell is None:
            self.notify("Choose a cell first with ← and →, then = keeps its value and - hides it.",
                        severity="warning", timeout=4)
            return
        found = self.cell_value()
        if found is None:
            self.notify("This cell holds no value to filter on.", severity="warning", timeout=4)
            return
        self.post_message(self.QuickFilter(self, found[0], found[1], exclude))
