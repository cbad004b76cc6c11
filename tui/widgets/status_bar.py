"""The status line: inputs, events, errors, following or paused, events per second, progress."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ..core.present import printable
from . import direct


#: Seconds between repaints of the status line when only its counts changed.
COUNTS_INTERVAL = 0.5


class StatusBar(Widget):
    """One line of facts about what is being read; the app feeds it, it only draws."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.inputs = ""
        self.events = 0
        self.errors = 0
        self.following = True
        self.new_while_paused = 0
        self.progress: tuple[int, int, bool] = (0, 0, True)
        #: objects of s3:// inputs fetched and to fetch in the first read ((0, 0) without any)
        self.objects: tuple[int, int] = (0, 0)
        self.message = ""
        self.message_is_problem = False
        self._message_until = 0.0
        #: inputs that cannot be read right now (said in red until they can)
        self.unreadable = 0
        #: rows of Cloud Logs archives that are other applications' (not audit events), skipped
        self.skipped = 0
        #: every input has ended (standard input closed): nothing more will arrive
        self.ended = False
        #: the active query, and what its scan is doing ("" when idle)
        self.query = ""
        self.filtering = ""
        self.total: int | None = None
        self._samples: deque[tuple[float, int]] = deque(maxlen=20)
        #: whether the inputs have been read once: the rate is of events arriving after that
        self.live = False
        self._strip: tuple[tuple, Strip] | None = None
        self._base: Style | None = None
        self._painted_at = 0.0
        #: the timer that paints new counts when no arrival does (see update_counts)
        self._paint_timer: asyncio.TimerHandle | None = None

    def update_counts(self, *, events: int, errors: int, following: bool, new_while_paused: int,
                      total: int | None = None, at_once: bool = False, unreadable: int = 0, ended: bool = False,
                      skipped: int = 0) -> None:
        """New totals (total: every event, when a query shows only some); keeps a short
        history for the events-per-second figure."""
        # Following or paused, and how many arrived meanwhile, show at once: they answer a key.
        # Counts alone change with every arriving event; they are drawn at most COUNTS_INTERVAL
        # apart, so a steady stream costs a few status repaints a second, not one per event.
        at_once = (at_once or following != self.following or new_while_paused != self.new_while_paused or errors != self.errors
                   or unreadable != self.unreadable or ended != self.ended or skipped != self.skipped)
        self.unreadable = unreadable
        self.skipped = skipped
        self.ended = ended
        self.events = events
        self.total = total
        self.errors = errors
        self.following = following
        self.new_while_paused = new_while_paused
        now = time.monotonic()
        if self.live:
            self._samples.append((now, total if total is not None else events))
        wait = COUNTS_INTERVAL - (now - self._painted_at)
        if at_once:
            self.refresh()  # in the same frame as what the key changed
        elif wait <= 0:
            self._paint_counts()
        elif self._paint_timer is None:
            # In a stream, a later arrival paints them (above), in its own pass; this timer is
            # for when none comes in time. Waking for it cost as much as the painting.
            self._paint_timer = direct.later(self, wait + COUNTS_INTERVAL / 2, self._paint_counts)

    def _paint_counts(self) -> None:
        """Show new counts: written straight to the terminal when nothing is in the way (see
        direct.paint; Textual's repaint of this one line cost 1.5 ms, four times a second)."""
        if not self.is_attached:  # the app closed while a repaint was due
            return
        if not direct.paint(self, [0]):
            self.refresh()

    def start_live(self) -> None:
        """The inputs have been read: from now on the rate counts arrivals (not the first read)."""
        self.live = True
        self._samples.clear()

    def show_message(self, text: str, seconds: float = 8.0, *, problem: bool = False) -> None:
        """A passing notice (a file deleted, rotated...); a problem (something not read) in red."""
        self.message = text
        self.message_is_problem = problem
        self._message_until = time.monotonic() + seconds
        self.refresh()

    def take_back(self, text: str) -> None:
        """Stop showing a passing notice that no longer holds (a bad query since replaced), if it still shows."""
        if self.message == text:
            self.message = ""
            self.refresh()

    def rate(self) -> float:
        """Events per second over the last few seconds."""
        now = time.monotonic()
        samples = [s for s in self._samples if now - s[0] <= 5.0]
        if len(samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def render_line(self, y: int) -> Strip:
        """The line drawn from plain segments: it changes with every arriving event, and
        going through Text and Textual's content pipeline cost a millisecond each time."""
        return self._line(self.size.width)

    def _line(self, width: int) -> Strip:
        self._painted_at = time.monotonic()
        if self._paint_timer is not None:
            self._paint_timer.cancel()
            self._paint_timer = None
        if self._base is None:  # worked out from every ancestor's styles: once per style change
            self._base = self.rich_style
        base = self._base
        key = (width, base, tuple(self.parts()))
        if self._strip is None or self._strip[0] != key:
            segments = [Segment(text, base + _style(style) if style else base) for text, style in key[2]]
            self._strip = (key, Strip(segments).crop_extend(0, width, base))
        return self._strip[1]

    def notify_style_update(self) -> None:
        self._base = None
        super().notify_style_update()

    def parts(self) -> list[tuple[str, str]]:
        """The pieces of the line with their style names, left to right."""
        parts: list[tuple[str, str]] = []
        add = parts.append
        if self.following and self.ended:
            add((" ■ input ended ", "bold"))
        elif self.following:
            add((" ● following ", "bold green"))
        else:
            add((" ❚❚ paused ", "bold yellow"))
            if self.new_while_paused:
                add((f"+{self.new_while_paused:,} new (End) ", "bold yellow"))
        if self.total is None:
            add((f"│ {self.events:,} events ", ""))
        else:
            add((f"│ {self.events:,} of {self.total:,} events ", ""))
        if self.filtering:
            add((f"│ {self.filtering} ", "bold cyan"))
        if self.query:
            add((f"│ filter: {printable(self.query)} ", "bold magenta"))
        # Red on the panel turns grey on grey without colour (NO_COLOR): there, problems are reversed.
        problem = "bold reverse" if self.app.no_color else "bold red"
        if self.errors:
            add((f"│ {self.errors:,} bad line{'s' if self.errors != 1 else ''} (e) ", problem))
        if self.unreadable:
            add((f"│ {self.unreadable:,} input{'s' if self.unreadable != 1 else ''} unreadable (e) ", problem))
        if self.skipped and not (self.message and "other applications" in self.message and time.monotonic() < self._message_until):
            # Said for good, not only while the message naming the applications lasts.
            add((f"│ {self.skipped:,} rows of other applications skipped ", "dim"))
        done, total, finished = self.progress
        fetched, objects = self.objects
        if not finished and objects:
            add((f"│ fetching {fetched:,} of {objects:,} objects ({_megabytes(done)} of {_megabytes(total)} MB) ", "bold cyan"))
        elif not finished and total:
            add((f"│ indexing {100 * done // total}% ", "bold cyan"))
        rate = self.rate()
        if rate >= 0.5:
            add((f"│ {rate:,.0f}/s ", ""))
        if self.message and time.monotonic() < self._message_until:
            add(("│ " + printable(self.message) + " ", problem if self.message_is_problem else "italic"))
        elif self.inputs:
            add(("│ " + printable(self.inputs), "dim"))
        return parts

    def render_text(self) -> str:
        """The line as plain text (what a test or a screen reader sees)."""
        return "".join(text for text, _ in self.parts())


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f}"


@lru_cache(maxsize=32)
def _style(name: str) -> Style:
    return Style.parse(name)
