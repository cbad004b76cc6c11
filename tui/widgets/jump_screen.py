"""Asking for the time to jump to in the table."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..core.timespec import TimeSpecError


class JumpScreen(ModalScreen[object]):
    """A one-line prompt for a time: Enter gives the moment (microseconds since the epoch) once
    `read` accepts the text, an unreadable time is explained under the line and the prompt stays;
    Escape gives None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    JumpScreen { align: center middle; background: $background 60%; }
    JumpScreen > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    JumpScreen Input, JumpScreen Input:focus { border: none; height: 1; padding: 0 1; margin: 1 0; background: $boost; }
    JumpScreen #jump-help { color: $text-muted; }
    JumpScreen #jump-error { color: $error; }
    """

    def __init__(self, read: Callable[[str], object], zone: str, *, title: str = "Jump to a time",
                 placeholder: str = "10:30", help_text: str | None = None, value: str = "") -> None:
        """Args:
            read: reads the text typed (timespec.parse_moment with the table's settings).
            zone: the zone a time without one is read in, as the table shows it ("UTC", "local time").
            title, placeholder, help_text, value: for another question of time (the time range).
        """
        super().__init__()
        self.read = read
        self.zone = zone
        self.title_text = title
        self.placeholder = placeholder
        self.help_text = help_text
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Input(self.value, placeholder=self.placeholder, id="jump-input")
            yield Static(Text(self.help_text or (f"10:30 on the day of the event under the cursor, 2026-11-20T10:30, "
                                                 f"or 15m for 15 minutes ago; in {self.zone} unless a zone is given. "
                                                 "Enter jumps, Esc cancels.")), id="jump-help")
            yield Static("", id="jump-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            moment = self.read(event.value)
        except TimeSpecError as exc:
            self.query_one("#jump-error", Static).update(Text(str(exc)))
            return
        self.dismiss(moment)

    def action_cancel(self) -> None:
        """Back to the table without moving."""
        self.dismiss(None)
