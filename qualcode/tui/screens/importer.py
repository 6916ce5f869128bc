"""The import dialog: a file path, the `import --dry-run` preview, then the import itself on confirmation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from qualcode.core.display import safe_text
from qualcode.core.models import SOURCE_TYPES
from qualcode.errors import QualcodeError
from qualcode.store.project import Project
from qualcode.tui.screens.dialogs import Dialog
from qualcode.tui.widgets.busy import Ticker
from qualcode.tui.widgets.choice import chosen


def preview_view(previews: list[dict[str, Any]]) -> Group:
    """The dry run, as `qualcode import --dry-run` prints it: per document its source type, speakers and roles,
    cases and first turns (whole, never cut), and any warnings."""
    parts: list[Any] = []
    for pv in previews:
        parts.append(
            Text(
                f"{safe_text(pv['document'])} ({safe_text(pv['file'])}): {pv['source_type']}, "
                f"{pv['segments']} segment(s)",
                style="bold",
            )
        )
        if pv["speakers"]:
            speakers = Table("speaker", "role", "turns", box=None, pad_edge=False)
            for s in pv["speakers"]:
                speakers.add_row(safe_text(s["speaker"]), s["role"], str(s["turns"]))
            parts.append(speakers)
        cases = ", ".join(f"{safe_text(c['case'])} ({c['segments']})" for c in pv["cases"])
        parts.append(
            Text(
                f"cases: {cases or 'none'}"
                + (f"; {pv['no_case_segments']} segment(s) with no case" if pv["no_case_segments"] else ""),
                style="dim",
            )
        )
        for t in pv["first_turns"]:
            line = Text(f"{safe_text(t['speaker'] or '—')}: ", style="bold")
            line.append(safe_text(t["text"]))
            parts.append(line)
        parts += [Text(f"warning: {safe_text(w)}", style="yellow") for w in pv["warnings"]]
        parts.append(Text(""))
    return Group(*parts)


class ImportDialog(Dialog):
    """Enter (or Preview) shows what would be stored; Ctrl+S (or Import) stores it, all or none, as
    `qualcode import` does. Dismisses with the number of documents imported (None if nothing was)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("ctrl+s", "run_import", "Import")]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.previewed: tuple[str, str | None] | None = None  # (path, source type) the preview shows
        self.shown: Any = None
        self.ticker: Ticker | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide tall"):
            yield Label("Import a file (Enter previews, Ctrl+S imports, Escape closes)", classes="title")
            yield Input(
                placeholder="path to a transcript (.txt .docx .vtt ...) or survey (.csv .xlsx)", id="path"
            )
            yield Select([(t, t) for t in SOURCE_TYPES], id="source-type", prompt="source type: work it out")
            with VerticalScroll(id="preview-pane"):
                yield Static(Text("Nothing is stored until you import.", style="dim"), id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Preview", id="preview-button")
                yield Button("Import", variant="primary", id="import-button", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def request(self) -> tuple[str, str | None]:
        value = chosen(self.query_one("#source-type", Select))
        return self.query_one("#path", Input).value.strip(), None if value is None else str(value)

    def options(self, source_type: str | None) -> Any:
        from qualcode.ingest import ImportOptions

        return ImportOptions(source_type=source_type)

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#preview-button")
    def action_preview(self) -> None:
        path, source_type = self.request()
        if not path:
            self.notify("Type the path of a file to import.")
            return
        if Path(path).suffix.lower() in (".qdpx", ".qde"):
            self.say(
                Text(
                    "REFI-QDA projects are imported with `qualcode import` on the command line.",
                    style="yellow",
                )
            )
            return
        self.query_one("#import-button", Button).disabled = True
        self.busy("Reading the file…")
        self.make_preview(path, source_type)

    @work(thread=True, exclusive=True)
    def make_preview(self, path: str, source_type: str | None) -> None:
        from qualcode.app.import_preview import preview_files

        try:
            previews: Any = preview_files([Path(path).expanduser()], self.options(source_type))
        except QualcodeError as exc:
            previews = exc
        self.app.call_from_thread(self.show_preview, path, source_type, previews)

    def show_preview(self, path: str, source_type: str | None, previews: Any) -> None:
        if isinstance(previews, QualcodeError):
            self.previewed = None
            self.say(Text(f"Cannot import: {safe_text(str(previews))}", style="red"))
            return
        self.previewed = (path, source_type)
        self.say(
            Group(preview_view(previews), Text("Dry run: nothing was stored. Ctrl+S imports.", style="bold"))
        )
        self.query_one("#import-button", Button).disabled = False

    def busy(self, text: str) -> None:
        """Say what is being done, with the seconds it has taken once over one (a large file takes a while)."""
        if self.ticker is None:
            self.ticker = Ticker(self.query_one("#preview", Static))
        self.shown = text
        self.ticker.start(text)

    def say(self, renderable: Any) -> None:
        if self.ticker is not None:
            self.ticker.stop()
        self.shown = renderable
        self.query_one("#preview", Static).update(renderable)

    @on(Button.Pressed, "#import-button")
    def action_run_import(self) -> None:
        if self.previewed is None or self.previewed != self.request():
            self.notify("Preview first (Enter): nothing is imported unseen.", severity="warning")
            return
        self.query_one("#import-button", Button).disabled = True
        self.busy("Importing…")
        self.do_import(*self.previewed)

    @work(thread=True, exclusive=True)
    def do_import(self, path: str, source_type: str | None) -> None:
        """The `qualcode import` use case, with its own connection: one transaction, logged, all or none."""
        from qualcode.app.actions import import_files

        try:
            with Project.open(self.project.path, coder=self.project.coder) as project:
                result: Any = import_files(project, [Path(path).expanduser()], self.options(source_type))
        except QualcodeError as exc:
            result = exc
        self.app.call_from_thread(self.finished, result)

    def finished(self, result: Any) -> None:
        if isinstance(result, QualcodeError):
            self.say(Text(f"Not imported: {safe_text(str(result))}", style="red"))
            return
        self.previewed = None
        if self.ticker is not None:
            self.ticker.stop()
        names = ", ".join(f"{safe_text(r['document'])} ({r['segments']} segments)" for r in result)
        self.notify(f"Imported {names}", markup=False)
        self.dismiss(len(result))
