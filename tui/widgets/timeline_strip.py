"""The timeline strip above the table: events per time bucket of the view, failures and critical
events marked apart, the cursor's bucket marked, the bucket size fitted to the width."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil

from rich.segment import Segment
from textual import on, work
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ..core.present import format_local_us, format_time_us
from ..core.store import Store
from ..core.timeline import DAY, MINUTE, Histogram, ViewTimeline, bucket_start, fit_interval, interval_text

#: While events arrive, the strip is counted again at most this often (seconds): counting is off
#: the event loop, and a bar that moved 30 times a second could not be read anyway.
COUNT_INTERVAL = 0.25
#: ...and never more than this share of the time: a count that classes every row again (the
#: store's order replaced by an event that arrived out of order, at a million events) waits longer.
COUNT_SHARE = 0.2
#: Cells at the left for the bucket size (bar lines) and the first bucket's time (mark line).
LEFT = 12
#: Cells at the right for the tallest bucket's count.
RIGHT = 8
#: Eighths of a cell, from empty to full.
BLOCKS = " ▁▂▃▄▅▆▇█"
#: Marks under a bucket, in the line below the bars: they say it without colour (NO_COLOR). The
#: cursor's bucket is in reverse video, and marked ▲ when it holds neither failures nor critical events.
CURSOR_MARK, CRITICAL_MARK, FAILURE_MARK = "▲", "!", "×"


@dataclass(frozen=True, slots=True, repr=False)
class ViewSpan:
    """What the strip counts: a view's order (in time order), its version, the positions [lo, hi)
    in the time range, and the range itself (None: open at that end)."""

    order: Sequence[int]
    version: object
    lo: int
    hi: int
    since_us: int | None
    until_us: int | None

    def __repr__(self) -> str:
        # Short: Textual writes the arguments of a worker into its description, and the repr of
        # a million row ids took half a second for every count.
        return f"ViewSpan({len(self.order):,} rows, version {self.version!r}, [{self.lo}, {self.hi}), {self.since_us}, {self.until_us})"


def slots(width: int) -> int:
    """Buckets the strip has room for at a width (one cell each)."""
    return max(1, width - LEFT - RIGHT)


def compact(count: int) -> str:
    """A count in at most RIGHT - 1 cells: 999, 12,345, 123k, 1.2M."""
    if count < 100_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


class TimelineStrip(Widget):
    """Events per time bucket of the table's view; the app feeds it the view, it counts off the
    event loop and draws. Two lines at 80x24 (a line of bars, a line of marks), more when tall."""

    DEFAULT_CSS = """
    TimelineStrip { height: 2; background: $surface; }
    TimelineStrip > .timeline-strip--bar { color: $primary-lighten-2; }
    TimelineStrip > .timeline-strip--failure { color: $warning; text-style: bold; }
    TimelineStrip > .timeline-strip--critical { color: $error-lighten-2; text-style: bold; }
    TimelineStrip > .timeline-strip--cursor { text-style: reverse; }
    TimelineStrip > .timeline-strip--label { color: $text-muted; }
    """

    COMPONENT_CLASSES = {
        "timeline-strip--bar",
        "timeline-strip--failure",
        "timeline-strip--critical",
        "timeline-strip--cursor",
        "timeline-strip--label",
    }

    class Counted(Message):
        """A histogram of the view, counted on a worker thread (replaces any not yet taken)."""

        def __init__(self, strip: TimelineStrip, histogram: Histogram, generation: int) -> None:
            super().__init__()
            self.strip = strip
            self.histogram = histogram
            self.generation = generation

        @property
        def control(self) -> TimelineStrip:
            """The strip that counted."""
            return self.strip

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TimelineStrip.Counted)

    def __init__(self, store: Store, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        #: the view's rows kept as kind bytes (see timeline.ViewTimeline)
        self.timeline = ViewTimeline(store)
        #: the histogram drawn (None: not counted yet)
        self.histogram: Histogram | None = None
        self._span: ViewSpan | None = None
        self._cursor_us: int | None = None
        self._local = False
        #: bumped by every new span; the one the histogram drawn was counted for: a count of an
        #: older span than that (a worker that finished late) is not drawn
        self._generation = 0
        self._drawn_generation = 0
        self._counted_at = 0.0
        #: seconds the last count took (written by the counting thread)
        self._count_cost = 0.0
        self._timer = None
        self._lines: tuple[tuple, list[Strip]] | None = None

    # ------------------------------------------------------------------ fed by the app

    def show_span(self, span: ViewSpan, *, at_once: bool = False) -> None:
        """Count this span of the view: at once (a key changed it), or within COUNT_INTERVAL
        (events arrived: a burst is counted a few times a second, not once per event)."""
        self._span = span
        self._generation += 1
        if not self.display:
            return
        wait = max(COUNT_INTERVAL, self._count_cost / COUNT_SHARE) - (time.monotonic() - self._counted_at)
        if at_once and self.timeline.current(span.order, span.version) and self.size.width:
            # A key changed the span of a view already classed: a few milliseconds, counted here so
            # that the strip is drawn in the same frame as the table.
            self._counted_at = time.monotonic()
            self.histogram = self.plan(span)[1]
            self._drawn_generation = self._generation
            self.refresh()
        elif at_once or wait <= 0:
            self._count_now()
        elif self._timer is None:
            self._timer = self.set_timer(wait, self._count_now)

    def set_cursor(self, us: int | None, local: bool) -> None:
        """The time of the event under the table's cursor (its bucket is marked), and the zone of the times."""
        if (us, local) != (self._cursor_us, self._local):
            before = self.cursor_bucket(), self._local
            self._cursor_us, self._local = us, local
            # Following, the cursor moves with every arrival, mostly within the newest bucket:
            # the strip is drawn again only when the marked bucket changes.
            if self.display and (self.cursor_bucket(), local) != before:
                self.refresh()

    def _count_now(self) -> None:
        self._timer = None
        if self._span is not None and self.display:
            self._counted_at = time.monotonic()
            self._count(self._span, self.size.width, self._generation)

    def on_show(self) -> None:
        self.refresh()  # the cursor may have moved while hidden
        if self._span is not None:
            self._count_now()

    @work(thread=True, exclusive=True, exit_on_error=False, group="timeline", name="timeline")
    def _count(self, span: ViewSpan, width: int, generation: int) -> None:
        """Count the span's events per bucket (runs on its own thread)."""
        started = time.monotonic()
        try:
            histogram = self.plan(span, width)[1]
        except Exception:  # noqa: BLE001 - a count that fails leaves the last one shown, never a traceback
            return
        finally:
            self._count_cost = time.monotonic() - started
        self.post_message(self.Counted(self, histogram, generation))

    def plan(self, span: ViewSpan, width: int | None = None) -> tuple[int, Histogram]:
        """The bucket size fitted to the width and the span's histogram at that size."""
        timeline = self.timeline
        timeline.update(span.order, span.version)
        interval = self.interval(span, width)
        return interval, timeline.histogram(interval, span.lo, span.hi, since_us=span.since_us, until_us=span.until_us)

    def interval(self, span: ViewSpan, width: int | None = None) -> int:
        """The finest bucket size whose buckets over the span fit the width (the rows classed already)."""
        low, high = self.limits(span)
        return self.fit(high - low, width)

    def fit(self, length_us: int, width: int | None = None) -> int:
        """The finest bucket size whose buckets over a length of time fit the width (default: the
        strip's, or its container's while it is hidden)."""
        return fit_interval(max(0, length_us), slots(width or self.size.width or self.parent.size.width))

    def limits(self, span: ViewSpan) -> tuple[int, int]:
        """The first and last moment the strip covers: the range, else the first and last event."""
        bounds = self.timeline.bounds(span.lo, span.hi)
        low = span.since_us if span.since_us is not None else (bounds[0] if bounds else 0)
        high = span.until_us - 1 if span.until_us is not None else (bounds[1] if bounds else low)
        return low, max(low, high)

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        message.stop()
        if message.generation >= self._drawn_generation:
            self.histogram = message.histogram
            self._drawn_generation = message.generation
            self.refresh()

    def on_resize(self) -> None:
        if self._span is not None:
            self._count_now()

    # ------------------------------------------------------------------ drawing

    def cursor_bucket(self) -> int | None:
        """The index of the bucket that holds the cursor's event (None: no such bucket drawn)."""
        histogram, us = self.histogram, self._cursor_us
        if histogram is None or us is None or not histogram.buckets:
            return None
        index = (bucket_start(us, histogram.interval_us) - histogram.buckets[0].start_us) // histogram.interval_us
        return index if 0 <= index < len(histogram.buckets) else None

    def time_label(self, us: int) -> str:
        """A bucket's start as short as its size allows, in the zone the table shows."""
        interval = self.histogram.interval_us if self.histogram is not None else MINUTE
        text = format_local_us(us)[0] if self._local else format_time_us(us, millis=False)
        day, _, clock = text.partition(" ")
        clock = clock[:8]
        if interval >= DAY:
            return day
        if interval >= MINUTE:
            return f"{day[5:]} {clock[:5]}"
        return clock

    def render_line(self, y: int) -> Strip:
        lines = self._drawn()
        return lines[y] if y < len(lines) else Strip.blank(self.size.width, self.rich_style)

    def notify_style_update(self) -> None:
        self._lines = None
        super().notify_style_update()

    def _drawn(self) -> list[Strip]:
        width, height = self.size
        key = (id(self.histogram), width, height, self.cursor_bucket(), self._local)
        if self._lines is None or self._lines[0] != key:
            self._lines = (key, [Strip(segments).crop_extend(0, width, self.rich_style)
                                 for segments in self._segments(width, height)])
        return self._lines[1]

    def _segments(self, width: int, height: int) -> list[list[Segment]]:
        """Each line as segments: bar lines above, the line of marks below."""
        base = self.rich_style
        part = lambda name: base + self.get_component_rich_style(f"timeline-strip--{name}", partial=True)  # noqa: E731
        # Whole, not partial: a muted colour is blended with the background it stands on.
        label = self.get_component_rich_style("timeline-strip--label")
        cursor = self.get_component_rich_style("timeline-strip--cursor", partial=True)
        kinds = {"bar": part("bar"), "failure": part("failure"), "critical": part("critical")}
        bar_lines = max(1, height - 1)
        histogram = self.histogram
        buckets = histogram.buckets[:slots(width)] if histogram is not None else ()
        lines: list[list[Segment]] = [[] for _ in range(bar_lines + 1)]
        if histogram is None:
            lines[0].append(Segment(" counting…".ljust(LEFT), label))
            return lines
        if not buckets:
            lines[0].append(Segment(" no event with a time in view".ljust(LEFT), label))
            return lines
        tallest = max(b.events for b in buckets) or 1
        levels = 8 * bar_lines
        at = self.cursor_bucket()
        gutter = [f" per {interval_text(histogram.interval_us)}"] + [""] * (bar_lines - 1)
        for y in range(bar_lines):
            lines[y].append(Segment(gutter[y].ljust(LEFT)[:LEFT], label))
        marks: list[Segment] = [Segment(f" {self.time_label(buckets[0].start_us)}".ljust(LEFT)[:LEFT], label)]
        for i, bucket in enumerate(buckets):
            kind = "critical" if bucket.critical else "failure" if bucket.failures else "bar"
            style = kinds[kind]
            here = i == at
            height_8ths = ceil(bucket.events * levels / tallest) if bucket.events else 0
            for y in range(bar_lines):
                fill = max(0, min(8, height_8ths - 8 * (bar_lines - 1 - y)))
                lines[y].append(Segment(BLOCKS[fill], style + cursor if here else style))
            # Under the cursor a bucket's own mark stays, in reverse video: ▲ only where it has none.
            mark = CRITICAL_MARK if kind == "critical" else FAILURE_MARK if kind == "failure" else CURSOR_MARK if here else " "
            marks.append(Segment(mark, style + cursor if here and mark != CURSOR_MARK else style))
        pad = slots(width) - len(buckets)
        top = f" max {compact(tallest)}" if len(compact(tallest)) <= RIGHT - 5 else f" {compact(tallest)}"
        lines[0].append(Segment(" " * pad + top.rjust(RIGHT), label))
        for y in range(1, bar_lines):
            lines[y].append(Segment(" " * (pad + RIGHT), base))
        lines[bar_lines] = marks
        return lines

    def render_text(self) -> str:
        """The strip as plain text, line by line (what a test or a screen reader sees)."""
        return "\n".join(strip.text for strip in self._drawn())
