"""The help screen: every key of the workbench, reviewer mode and the codebook editor, read from their bindings."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from qualcode.tui.screens.dialogs import Dialog

# Keys that are not a screen binding (widgets' own keys), each with the names a test registers it under.
EXTRA: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "Workbench": [
        (("up", "down"), "↑/↓, j/k", "previous / next segment"),
        (("tab",), "Tab / Shift+Tab", "move between panels (documents, transcript, codebook, suggestions)"),
        (("enter:documents",), "Enter (documents)", "open the highlighted document"),
        (("enter:codebook",), "Enter (codebook)", "apply the highlighted code to the current segment"),
        (
            tuple("123456789"),
            "1-9",
            "apply the code pinned to that quick key (p pins the code highlighted in the codebook)",
        ),
        (("escape:dialog",), "Escape", "close a dialog without saving"),
    ],
    "OutcomeMapScreen": [
        (("up", "down"), "↑/↓", "move through aims, partners, outcomes and claims"),
        (("enter",), "Enter / Space", "fold or unfold the highlighted branch"),
        (("ctrl+s:dialog",), "Ctrl+S (dialog)", "save the aim, partner, outcome or claim being edited"),
    ],
}
SHOWN = {"question_mark": "?", "slash": "/"}


def help_screens() -> list[tuple[str, type[Screen]]]:
    """The screens whose keys the help lists, with the title of their section."""
    from qualcode.tui.screens.codebook import CodebookScreen
    from qualcode.tui.screens.outcome_map import OutcomeMapScreen
    from qualcode.tui.screens.queue import PendingScreen
    from qualcode.tui.screens.review import ReviewScreen
    from qualcode.tui.screens.workbench import Workbench

    return [
        ("Workbench", Workbench),
        ("Reviewer mode (R)", ReviewScreen),
        ("Codebook editor (b)", CodebookScreen),
        ("Auto-coding queue (A)", PendingScreen),
        ("Outcome map (O)", OutcomeMapScreen),
    ]


def help_keys(screen: type[Screen]) -> list[tuple[tuple[str, ...], str, str]]:
    """(key names, as shown, what it does) for every key of a screen: its bindings, then the extra keys."""
    rows = list(EXTRA.get(screen.__name__, []))
    seen: set[str] = set()
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or binding.action in seen:
            continue
        seen.add(binding.action)
        if binding.action.startswith("quick"):
            continue  # the extra row "1-9" stands for the nine quick keys
        names = tuple(binding.key.split(","))
        shown = " / ".join(SHOWN.get(k, k) for k in names)
        rows.append((names, shown, binding.description or binding.action))
    return rows


def key_table(title: str, screen: type[Screen]) -> Table:
    table = Table(title=f"Keys: {title}", expand=True, title_justify="left")
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("what it does")
    for _, shown, what in help_keys(screen):
        table.add_row(shown, what)
    return table


class HelpScreen(Dialog):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="box wide tall", id="help"):
            yield Static(Group(*[key_table(title, screen) for title, screen in help_screens()]))
            yield Static("Every action saves at once; u undoes, U redoes. Escape or ? closes this help.")

    def on_mount(self) -> None:
        self.query_one("#help").focus()
