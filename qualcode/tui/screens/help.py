"""The help screen: every key of the workbench and its screens, read from their bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

EXTRA = [
    ("↑/↓, j/k", "previous / next segment"),
    ("Tab / Shift+Tab", "move between panels (documents, transcript, codebook, suggestions)"),
    ("Enter (documents)", "open the highlighted document"),
    ("Enter (codebook)", "apply the highlighted code to the current segment"),
    ("1-9", "apply one of your nine most recent codes (shown as Quick: above the codebook)"),
    ("Escape", "close a dialog without saving"),
]


def key_table(screen: Screen) -> Table:
    table = Table(title=f"Keys: {type(screen).__name__}", expand=True)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("what it does")
    for key, what in EXTRA:
        table.add_row(key, what)
    seen = set()
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or binding.action in seen or binding.action.startswith("quick"):
            continue
        seen.add(binding.action)
        keys = binding.key.replace("question_mark", "?").replace("slash", "/").replace(",", " / ")
        table.add_row(keys, binding.description or binding.action)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CLASSES = "dialog"

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="box wide tall"):
            yield Static(key_table(self.for_screen))
            yield Static("Every action saves at once; u undoes, U redoes. Escape or ? closes this help.")
