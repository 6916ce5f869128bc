"""The key footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds its ~30 key widgets (mounting each, applying CSS to each) whenever its screen's
    bindings are refreshed: on every focus change, so twice per dialog (the workbench losing focus as a dialog
    opens, and regaining it as it closes), 10-20 ms of CPU each on this machine. The keys shown rarely change:
    rebuild only when they do, and never while the screen is hidden behind a dialog."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not screen.is_current:
            return  # hidden: the screen refreshes its bindings again when it comes back
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown == self.shown and self._bindings_ready:
            return
        self.shown = shown
        super().bindings_changed(screen)
