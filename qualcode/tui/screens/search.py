"""Full-text search across the project; choosing a hit jumps to its segment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.documents import search_segments
from qualcode.store.project import Project
from qualcode.tui.screens.dialogs import Dialog
from qualcode.tui.widgets.busy import Ticker


def hit_label(hit: Mapping[str, Any]) -> Text:
    text = Text(f"{safe_text(hit['document'])}", style="bold")
    text.append(f"  #{hit['id']} {safe_text(hit['speaker'] or hit['question'] or '')}", style="dim")
    if hit["codes"]:
        text.append("  " + " ".join(hit["codes"]), style="cyan")
    text.append("\n")
    # FTS5 marks matches with [ ]; show them highlighted, with the rest as literal text.
    for i, part in enumerate(safe_text(hit["snippet"]).replace("]", "[").split("[")):
        text.append(part, style="reverse" if i % 2 else "")
    return text


class SearchScreen(Dialog):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("down", "focus_results", show=False)]
    DEFAULT_CLASSES = "dialog"

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.ticker: Ticker | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide tall"):
            yield Label(
                'Search (words, "a phrase", OR, NOT, prefix*) — Enter searches, ↓ to results', classes="title"
            )
            yield Input(placeholder="e.g. referral OR signpost*", id="query")
            yield Label("", id="count", classes="hint")
            yield OptionList(id="results")

    @on(Input.Submitted, "#query")
    def run_search(self, event: Input.Submitted) -> None:
        if self.ticker is None:
            self.ticker = Ticker(self.query_one("#count", Label))
        self.ticker.start("Searching…")  # and for how long, past a second (a huge survey)
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def search(self, text: str) -> None:
        """Run the full-text query on its own connection, off the UI thread: ranking every match of a common
        word in a 50,000-answer survey takes 40-60 ms of CPU, and the screen keeps answering meanwhile."""
        worker = get_current_worker()
        try:
            with Project.open(self.project.path, coder=self.project.coder, check=False) as project:
                hits: list[Any] | str = search_segments(project, text, limit=300)
        except QualcodeError as exc:
            hits = str(exc)
        if not worker.is_cancelled:  # a newer search replaced this one
            self.app.call_from_thread(self.show_hits, hits)

    def show_hits(self, hits: list[Any] | str) -> None:
        if not self.is_mounted:
            return
        if self.ticker is not None:
            self.ticker.stop()
        results = self.query_one("#results", OptionList)
        results.clear_options()
        if isinstance(hits, str):
            self.query_one("#count", Label).update(hits)
            return
        results.add_options([Option(hit_label(h), id=str(h["id"])) for h in hits])
        self.query_one("#count", Label).update(
            f"{len(hits)} hit(s)" + (" (first 300)" if len(hits) == 300 else "")
        )
        if hits:
            results.highlighted = 0

    def action_focus_results(self) -> None:
        self.query_one("#results", OptionList).focus()

    @on(OptionList.OptionSelected, "#results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))
