"""The status line: inputs, events, errors, following or paused, events per second, progress."""

from __future__ import annotations

import time
from collections import deque

from rich.text import Text
from textual.widget import Widget

from ..core.present import printable


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
        self.message = ""
        self._message_until = 0.0
        self._samples: deque[tuple[float, int]] = deque(maxlen=20)

    def update_counts(self, *, events: int, errors: int, following: bool, new_while_paused: int) -> None:
        """New totals; keeps a short history for the events-per-second figure."""
        self.events = events
        self.errors = errors
        self.following = following
        self.new_while_paused = new_while_paused
        self._samples.append((time.monotonic(), events))
        self.refresh()

    def show_message(self, text: str, seconds: float = 8.0) -> None:
        """A passing notice (a file deleted, rotated...)."""
        self.message = text
        self._message_until = time.monotonic() + seconds
        self.refresh()

    def rate(self) -> float:
        """Events per second over the last few seconds."""
        now = time.monotonic()
        samples = [s for s in self._samples if now - s[0] <= 5.0]
        if len(samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.following:
            text.append(" ● following ", style="bold green")
        else:
            text.append(" ❚❚ paused ", style="bold yellow")
            if self.new_while_paused:
                text.append(f"+{self.new_while_paused:,} new (End) ", style="bold yellow")
        text.append(f"│ {self.events:,} events ")
        if self.errors:
            text.append(f"│ {self.errors:,} bad line{'s' if self.errors != 1 else ''} (e) ", style="bold red")
        done, total, finished = self.progress
        if not finished and total:
            text.append(f"│ indexing {100 * done // total}% ", style="bold cyan")
        rate = self.rate()
        if rate >= 0.5:
            text.append(f"│ {rate:,.0f}/s ")
        if self.message and time.monotonic() < self._message_until:
            text.append("│ " + printable(self.message) + " ", style="italic")
        elif self.inputs:
            text.append("│ " + printable(self.inputs), style="dim")
        return text
