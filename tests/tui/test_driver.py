"""The terminal driver's input thread, on a real pseudo-terminal: it sleeps until input comes
(no wake-ups ten times a second), yet reads keys, turns a lone Escape into the Escape key once
the escape delay has passed, and ends as soon as Textual tells it to stop."""

from __future__ import annotations

import os
import pty
import queue
import threading
import tty

from textual import events
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.driver import QuietLinuxDriver


class Recording(QuietLinuxDriver):
    """The driver, keeping what it reads instead of sending it to an app."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.messages: queue.Queue[Message] = queue.Queue()

    def process_message(self, message: Message) -> None:
        self.messages.put(message)


def next_key(driver: Recording) -> str:
    while True:
        message = driver.messages.get(timeout=10)
        if isinstance(message, events.Key):
            return message.key


async def test_keys_and_a_lone_escape_are_read_and_the_thread_stops_when_told() -> None:
    main, terminal = pty.openpty()
    tty.setraw(terminal)
    driver = Recording(App(), size=(80, 24))
    driver.fileno = terminal
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        os.write(main, b"q")
        assert next_key(driver) == "q"
        os.write(main, b"\x1b[A")
        assert next_key(driver) == "up"
        # Escape alone is only the Escape key when nothing follows it within the escape delay:
        # the thread has to look again by itself, as no more input comes to wake it.
        os.write(main, b"\x1b")
        assert next_key(driver) == "escape"
        # Textual sets the event to stop the thread (at exit, and to suspend), then joins it.
        driver.exit_event.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the input thread went on waiting after it was told to stop"
    finally:
        driver.exit_event.set()
        driver.close()
        os.close(main)
        os.close(terminal)


def test_atlens_runs_with_it_where_textual_would_use_its_linux_driver(tmp_path) -> None:
    assert App().driver_class is LinuxDriver
    assert AtlensApp([InputSpec(str(tmp_path / "a.log"), "file")]).driver_class is QuietLinuxDriver
