"""A view whose figures are worked out on a thread: the frequencies of a field, a person, the related
events. Reading a field from every event can take seconds at a million events: the view says how far
it has come, says a failure on screen (never a traceback), and leaving it stops the work."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from ..core.filtering import Cancelled

ScreenResultType = TypeVar("ScreenResultType")
#: Called with (done, total) as the work goes.
Tell = Callable[[int, int], None]


class CountingScreen(ModalScreen[ScreenResultType], Generic[ScreenResultType]):
    """A modal view that counts on a thread. Subclasses give `_work` (the counting, on the thread),
    `_show` (what was found, on the screen's thread) and the words of the progress line."""

    #: the id of the Static that says how far the work has come, and why it failed
    PROGRESS_ID: ClassVar[str]
    #: what is read from every event while the work goes, as the progress line says it
    READING: ClassVar[str] = "fields"
    #: what could not be done, as the progress line says it ("count", "find related events")
    FAILED_TO: ClassVar[str] = "count"

    class Progress(Message):
        """How far reading fields from every event has come."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, CountingScreen.Progress)

    class Done(Message):
        """The work is done."""

        def __init__(self, found: object, seconds: float) -> None:
            super().__init__()
            self.found = found
            self.seconds = seconds

    class Failed(Message):
        """The work could not be done."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    _cancelled = False

    def _work(self, progress: Tell, cancelled: Callable[[], bool]) -> object:
        """The counting (on a thread); raises Cancelled when cancelled() turns true."""
        raise NotImplementedError

    def _show(self, found: object, seconds: float) -> None:
        """Show what the work found."""
        raise NotImplementedError

    def _reading(self) -> str:
        """What the progress line says is read from every event."""
        return self.READING

    def _failed_to(self) -> str:
        """What the line says could not be done."""
        return self.FAILED_TO

    @work(thread=True, exclusive=True, exit_on_error=False, group="counting")
    def _start(self) -> None:
        """Run the work on its own thread; leaving the screen (`_stop`) stops it."""
        started = time.perf_counter()
        try:
            found = self._work(lambda done, total: self.post_message(self.Progress(done, total)),
                               lambda: self._cancelled)
        except Cancelled:
            return
        except Exception as exc:  # said on the screen, never as a traceback
            self.post_message(self.Failed(str(exc) or type(exc).__name__))
            return
        self.post_message(self.Done(found, time.perf_counter() - started))

    def _stop(self) -> None:
        """The view is left: the work stops at its next look."""
        self._cancelled = True

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        if message.total:
            self.query_one(f"#{self.PROGRESS_ID}", Static).update(
                Text(f"reading {self._reading()} from every event: {100 * message.done // message.total}%"))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one(f"#{self.PROGRESS_ID}", Static).update(
            Text(f"could not {self._failed_to()}: {message.reason}", style="bold red"))

    @on(Done)
    def _done(self, message: Done) -> None:
        self._show(message.found, message.seconds)
