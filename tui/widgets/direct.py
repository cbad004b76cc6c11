"""Writing a widget's lines straight to the terminal, past Textual's compositor.

Following a steady stream, the table gains a row and the status line a new count many times a
second. Textual's repaint of a changed widget goes through the compositor, which cuts every
line of the screen that crosses the widget into pieces and styles them again: at 20 events a
second that was most of the CPU atlens used. When nothing can be in the way, a changed line
can be written straight to the terminal instead: `paint` takes Textual's own rendering of a
widget's lines (status line, catalog counts); the table, whose lines are final (no border,
padding or tint to add), puts its bytes together itself and writes them with `write`. Either
way they are the bytes Textual would send, through the app's line filters (which turn ANSI
colours into the theme's), and Textual still paints the widget whenever it repaints for its own
reasons (a resize, a screen on top closing...), from the same render_line: the two never disagree.
(Textual is pinned: this reads the driver, a few private flags of the app and a widget's caches.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from textual._ansi_sequences import SYNC_END, SYNC_START
from textual.app import App
from textual.color import Color
from textual.dom import DOMNode, NoScreen
from textual.errors import NoWidget
from textual.geometry import Region
from textual.map_geometry import MapGeometry
from textual.strip import Strip
from textual.widget import Widget


def _placed(widget: Widget) -> MapGeometry | None:
    """Where the widget is on the screen on top, when it may be written to the terminal directly
    (see direct_region), else None."""
    app = widget.app
    driver = app._driver
    if driver is None or app.is_headless or driver.is_inline or app._batch_count or len(app._notifications):
        return None
    try:
        # Only the screen on top is looked in: a widget of a screen underneath is not in its map.
        geometry = app.screen.find_widget(widget)
    except (NoWidget, NoScreen):
        return None
    region = geometry.region
    size = app.size
    if not region or region.right > size.width or region.bottom > size.height:
        return None
    return geometry


def direct_region(widget: Widget) -> Region | None:
    """Where the widget's content is on the terminal, when it may be written there directly;
    None when Textual must paint it: no terminal (headless, inline), a batch of changes under
    way, a notification that could cover it, the widget not on the screen on top (or hidden),
    or not wholly on the terminal."""
    geometry = _placed(widget)
    if geometry is None:
        return None
    region = geometry.region
    gutter = widget.styles.gutter
    if gutter:
        region = region.shrink(gutter)
    return region


def paint(widget: Widget, lines: Iterable[int] | None = None) -> bool:
    """Show a change of a widget's content by writing its lines straight to the terminal, from
    Textual's own rendering of them (borders, padding, line filters and all), and tell Textual's
    line cache, so that its later repaints draw the same.

    lines: the lines of the widget (0 its top, border included) that changed; None: all of them,
    and a repaint the widget asked Textual for is then not needed any more.
    Returns False, having drawn nothing, where Textual must paint (see direct_region; also a
    widget cut by its container, such as one scrolled partly out of view): the caller then
    refreshes it as usual.
    """
    geometry = _placed(widget)
    if geometry is None or not geometry.clip.contains_region(geometry.region):
        return False
    region = geometry.region
    # Scrollbars are widgets of their own, drawn over the widget's last columns and lines.
    scrollbars = widget.scrollbar_gutter
    width, height = region.width - scrollbars.right, region.height - scrollbars.bottom
    if width <= 0 or height <= 0:
        return False
    if lines is None:
        # What Widget.refresh forgets, without asking for the repaint that this one replaces.
        widget._layout_cache.clear()
        widget._set_dirty()
        widget._repaint_required = False
        wanted = range(height)
    else:
        wanted = sorted({y for y in lines if 0 <= y < height})
        if not wanted:
            return True
        widget._styles_cache.set_dirty(*(Region(0, y, region.width, 1) for y in wanted))
    console = widget.app.console
    out = [move_to(region, y) + widget.render_lines(Region(0, y, width, 1))[0].render(console) for y in wanted]
    write(widget, out)
    return True


def move_to(region: Region, y: int) -> str:
    """The escape sequence that puts the terminal's cursor at line y of region, its first cell."""
    return f"\x1b[{region.y + y + 1};{region.x + 1}H"


def filtered(widget: Widget, strip: Strip, background: Color | None = None) -> Strip:
    """A line of the widget as Textual sends it: through the app's line filters (background: the
    one they blend with, the widget's own when None)."""
    filters = widget.get_line_filters()
    if filters:
        if background is None:
            background = widget.background_colors[1]
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
    return strip


def write(widget: Widget, pieces: Iterable[str]) -> None:
    """Send pieces to the terminal at once, as one synchronised update where the terminal has them."""
    app = widget.app
    driver = app._driver
    assert driver is not None
    text = "".join(pieces)
    if app._sync_available:
        text = SYNC_START + text + SYNC_END
    driver.write(text)
    driver.flush()


def guarded(app: App, callback: Callable[[], None]) -> None:
    """Run a callback the event loop calls itself (outside Textual's message loop): an error in
    it goes to Textual, as one in a handler would."""
    try:
        callback()
    except Exception as error:
        app._handle_exception(error)


def later(node: DOMNode, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
    """Run callback in delay seconds on the event loop's own timer: a Textual timer is a task and
    a signature inspection each time, a noticeable share of the work of a slow, steady stream."""
    return asyncio.get_running_loop().call_later(delay, guarded, node.app, callback)
