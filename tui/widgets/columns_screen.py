"""Choosing the columns of the event table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from ..core.present import AVAILABLE_COLUMNS
from .key_line import KeyLine


class ColumnList(SelectionList[str]):
    """The columns, each behind a box that holds an X only when ticked: Textual's list tells a
    ticked box by its colour alone, and without colour (NO_COLOR) every box looked ticked."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        # The box is drawn from the toggle buttons' characters, which Checkbox shares.
        if selection.value in self.selected or len(segments) < 2 or segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        segments[1] = Segment(" " * len(Checkbox.BUTTON_INNER), segments[1].style)
        return Strip(segments, strip.cell_length)


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    """Every column the table can show, ticked when shown: Enter gives the keys ticked (in the
    list's order), Escape gives None."""

    BINDINGS = [
        # Priority: in the list itself Enter would tick, as Space does.
        Binding("enter", "apply", "Apply", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; background: $background 60%; }
    ColumnsScreen > Vertical { width: 40; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    ColumnsScreen SelectionList { height: auto; border: none; padding: 0; }
    ColumnsScreen #columns-help { color: $text-muted; }
    """

    def __init__(self, shown: Sequence[str], no_room: Sequence[str] = ()) -> None:
        """Args: shown: the keys of the columns chosen now (ticked at first); no_room: those of
        them the table's width leaves out (said beside their names)."""
        super().__init__()
        self.shown = tuple(shown)
        self.no_room = tuple(no_room)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Columns"
            yield ColumnList(
                *(Selection(self._label(c.key, "Time" if c.key == "time" else c.title), c.key, c.key in self.shown)
                  for c in AVAILABLE_COLUMNS),
                id="columns-list",
            )
            help_text = "Space or a click ticks · Enter applies · Esc cancels"
            if self.no_room:
                help_text += " · (no room): chosen, but the table is too narrow for it now"
            yield Static(help_text, id="columns-help")
        yield KeyLine()  # Apply and Cancel, for the mouse too

    def _label(self, key: str, title: str) -> str:
        """What the list calls a column: its title, and whether the table has room for it."""
        return f"{title} (no room)" if key in self.no_room else title

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        """Show the columns ticked."""
        ticked = set(self.query_one(SelectionList).selected)
        keys = tuple(c.key for c in AVAILABLE_COLUMNS if c.key in ticked)
        if not keys:
            self.notify("Tick at least one column.", severity="warning", timeout=3)
            return
        self.dismiss(keys)

    def action_cancel(self) -> None:
        """Keep the columns as they were."""
        self.dismiss(None)
