"""The key line at the bottom of every screen: Textual's footer, compact when it must be to fit.

At 80 columns the app's keys with their usual padding and the palette hint need 82 cells, so
the last key was cut to `? Hel`. Below the width the keys need, the line drops the padding
around each key (one space between keys) and everything fits again.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.dom import NoScreen
from textual.screen import Screen
from textual.widgets import Footer

from ..core.present import roomy_key_cells


class KeyLine(Footer):
    """The footer; compact while the screen is narrower than its keys need in the roomy style.

    It is built again only when the keys it shows change. Textual's footer rebuilds its keys
    (new widgets, styled and laid out) at every change of focus, twice per event opened and
    closed; the keys of the event screen and of the table are the same each time.
    """

    _shown: tuple = ()

    def compose(self) -> ComposeResult:
        self._fit(self.app.size.width)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        keys = tuple((key, b.description, b.show, enabled, tooltip)
                     for key, (_node, b, enabled, tooltip) in screen.active_bindings.items())
        if keys == self._shown and self.children:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:  # it will be built
            self._shown = keys
        super().bindings_changed(screen)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        try:
            active = self.screen.active_bindings
        except NoScreen:  # not mounted yet: compose runs again once it is
            return
        shown, seen = [], set()
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active
        for key, (_node, binding, _enabled, _tooltip) in active.items():
            if key != self.app.COMMAND_PALETTE_BINDING and binding.show and binding.action not in seen:  # the footer shows one key per action
                seen.add(binding.action)
                shown.append((self.app.get_key_display(binding), binding.description))
        self.compact = width < roomy_key_cells(shown, palette)
