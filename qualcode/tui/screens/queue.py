"""The auto-coding review queue (pending suggestions, accepted or rejected one by one) and "segments like this"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, LoadingIndicator, OptionList
from textual.widgets.option_list import Option

from qualcode.app.session import CodingSession
from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.pending import list_pending
from qualcode.store.project import Project
from qualcode.tui.widgets.footer import KeyFooter


def pending_label(row: dict[str, Any]) -> Text:
    label = Text(safe_text(row["code"]), style="bold")
    label.append(f"  {row['score']:.2f}", style="cyan")
    label.append(f"  {safe_text(row['document'])} · segment {row['segment_id']}\n", style="dim")
    label.append(safe_text(row["text"]))  # the whole segment: the coder decides on what was said
    if row.get("reason"):
        label.append(f"\n{safe_text(row['reason'])}", style="dim italic")
    return label


class PendingScreen(Screen[None]):
    """Pending suggestions from `qualcode autocode`, best score first within each code. Each decision is a
    coding (or a rejection) through the coder's session, so u undoes it, and tells the suggester what was
    decided (`decided(segment_id, code)`), which refits after a few."""

    BINDINGS = [
        Binding("a", "decide('accepted')", "Accept"),
        Binding("r", "decide('rejected')", "Reject"),
        Binding("u", "undo", "Undo"),
        Binding("escape,A", "app.pop_screen", "Back"),
    ]

    def __init__(self, session: CodingSession, decided: Callable[[int, str], None]) -> None:
        super().__init__()
        self.session, self.decided = session, decided
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="queue-title", classes="panel-title")
        yield OptionList(id="pending")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload(0)
        self.query_one("#pending", OptionList).focus()

    def reload(self, index: int) -> None:
        self.rows = list_pending(self.session.project)
        listing = self.query_one("#pending", OptionList)
        listing.clear_options()
        listing.add_options([Option(pending_label(r), id=str(r["id"])) for r in self.rows])
        if self.rows:
            listing.highlighted = min(index, len(self.rows) - 1)
        codes = len({r["code"] for r in self.rows})
        self.query_one("#queue-title", Label).update(
            f"Auto-coding queue: {len(self.rows)} pending suggestion(s) for {codes} code(s)  a accept · r reject · "
            "u undo"
            if self.rows
            else "Auto-coding queue: nothing pending (qualcode autocode PROJECT --code KEY"
            " proposes codes here)"
        )

    def action_decide(self, decision: str) -> None:
        listing = self.query_one("#pending", OptionList)
        if not self.rows or listing.highlighted is None:
            self.notify("Nothing pending.")
            return
        index = listing.highlighted
        row = self.rows[index]
        try:
            self.session.decide_pending(row, decision)
        except QualcodeError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        self.decided(row["segment_id"], row["code"])
        self.notify(f"{decision} {row['code']} on segment {row['segment_id']}", markup=False)
        self.reload(index)

    def action_undo(self) -> None:
        label = self.session.undo()
        self.notify(f"Undid: {safe_text(label)}" if label else "Nothing to undo.", markup=False)
        self.reload(self.query_one("#pending", OptionList).highlighted or 0)


class SimilarScreen(Screen[int]):
    """Segments most like the current one (by the embedding model when installed, else TF-IDF over lemmas);
    Enter shows the highlighted one in the workbench. Computed in a worker with its own connection."""

    BINDINGS = [Binding("escape", "dismiss(0)", "Back")]

    def __init__(self, project: Project, segment: dict[str, Any], top: int = 20) -> None:
        super().__init__()
        self.project, self.segment, self.top = project, segment, top
        self.found: list[dict[str, Any]] = []
        self.method = ""

    def title_text(self) -> Text:
        title = Text("Segments like #", style="bold")
        title.append(f"{self.segment['id']}: ", style="bold")
        title.append(safe_text(self.segment["text"]), style="italic")
        if self.method:
            title.append(f"  (by {self.method})", style="dim")
        return title

    def compose(self) -> ComposeResult:
        yield Label(self.title_text(), id="similar-title", classes="panel-title")
        yield LoadingIndicator(id="busy")
        yield OptionList(id="similar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#similar", OptionList).focus()
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        from qualcode.app.autocode import similar_segments
        from qualcode.nlp.embeddings import enabled

        with Project.open(self.project.path) as project:
            self.method, found = similar_segments(project, self.segment["id"], self.top, enabled())
        self.app.call_from_thread(self.show, found)

    def show(self, found: list[dict[str, Any]]) -> None:
        self.found = found
        self.query_one("#similar-title", Label).update(self.title_text())
        self.query_one("#busy").display = False
        listing = self.query_one("#similar", OptionList)
        for r in found:
            label = Text(f"{r['similarity']:.2f}", style="cyan")
            label.append(f"  {safe_text(r['document'])} · segment {r['segment_id']}\n", style="dim")
            label.append(safe_text(r["text"]))
            listing.add_option(Option(label, id=str(r["segment_id"])))
        if found:
            listing.highlighted = 0
        else:
            listing.add_option(
                Option(Text("No segment shares a word with this one.", style="dim"), disabled=True)
            )

    @on(OptionList.OptionSelected, "#similar")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))
