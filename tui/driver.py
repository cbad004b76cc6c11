"""The terminal driver: Textual's Linux driver, with an input thread that sleeps until a key comes.

Textual's driver reads the terminal on a thread that wakes ten times a second, to see whether
it must stop and whether a lone Escape has waited long enough to be the Escape key. Each wake
costs little, but on a quiet screen they were a third of the CPU atlens used following a file
(0.13 % of a core of 0.4 %). This thread waits for input, or to be told to stop, with no
timeout; it wakes once more after input, when a lone Escape may be waiting for its delay.
(Textual is pinned: this reads keys with its parser, as its own thread does.)
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder

from textual import constants
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

#: After input, the thread looks again this long after it: a lone Escape is a key once Textual's
#: escape delay (ESCDELAY) has passed with nothing after it.
ESCAPE_WAIT = constants.ESCAPE_DELAY + 0.02


class _WakingEvent(threading.Event):
    """The driver's stop signal, which also wakes the input thread from its wait."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        try:
            os.write(self._wake_fd, b"!")
        except OSError:  # the pipe is full: the thread is awake already
            pass


class QuietLinuxDriver(LinuxDriver):
    """LinuxDriver whose input thread does not wake when there is nothing to read."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        # Textual sets this event to stop the input thread (on exit and on suspend), then joins it.
        self.exit_event = _WakingEvent(self._wake_write)
        #: True from Ctrl+Z (SIGTSTP) until the SIGCONT that resumes the screen
        self._suspended = False

    def _sigtstp_application(self, *args) -> None:
        """Ctrl+Z: leave the screen and stop; SIGCONT may then bring it back."""
        self._suspended = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args) -> None:
        """SIGCONT resumes the screen only after Ctrl+Z suspended it.

        A terminal that closes sends SIGCONT with SIGHUP. Textual resumed on any SIGCONT, so
        a second keyboard thread started beside the running one; the two shared one wake-up,
        and about one close in three left atlens waiting for ever on the thread that missed it.
        """
        if self._suspended:
            self._suspended = False
            super()._sigcont_application(*args)

    def run_input_thread(self) -> None:
        """Read keys (and mouse, paste, resize reports) until told to stop."""
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        escape_pending = False
        try:
            while not self.exit_event.is_set():
                ready = selector.select(ESCAPE_WAIT if escape_pending else None)
                escape_pending = False
                for key, _ in ready:
                    if key.fd == self._wake_read:
                        self._drain_wakes()
                        continue
                    data = decode(os.read(self.fileno, 4096))
                    if not data:  # end of input (not a terminal): nothing more will come
                        selector.unregister(self.fileno)
                        continue
                    escape_pending = True
                    for message in parser.feed(data):
                        self.process_message(message)
                for message in parser.tick():
                    self.process_message(message)
        finally:
            selector.close()
            self._drain_wakes()
            try:
                for _ in parser.feed(""):  # what an unfinished sequence leaves is of no use now
                    pass
            except Exception:
                pass

    def _drain_wakes(self) -> None:
        try:
            while os.read(self._wake_read, 512):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        super().close()
        if self._suspended:  # Ctrl+Z closes the driver too, and the screen comes back on SIGCONT
            return
        for fd in (self._wake_read, self._wake_write):
            try:
                os.close(fd)
            except OSError:
                pass
