"""Export screen: run any report to any format in a worker, and say where the file was written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Label, LoadingIndicator, Select

from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.browse import attribute_values
from qualcode.store.project import Project
from qualcode.tui.screens.dialogs import Dialog, DialogBody
from qualcode.tui.widgets.busy import Ticker
from qualcode.tui.widgets.choice import chosen

KIND_CHOICES = [
    ("Full report (all tables)", "all"),
    ("Findings (claims, judgements, evidence)", "findings"),
    ("Theme table", "themes"),
    ("Contribution analysis", "contribution"),
    ("Framework (outcomes by source type)", "framework"),
    ("Survey: closed questions", "survey"),
    ("Monitoring figures", "monitoring"),
    ("Human Learning Systems conditions", "hls"),
    ("Matrix", "matrix"),
    ("Code co-occurrence", "cooccurrence"),
    ("Quotes", "quotes"),
    ("Who took part", "participants"),
    ("Codebook", "codebook"),
]
FORMAT_CHOICES = [
    ("HTML", "html"),
    ("Word (DOCX)", "docx"),
    ("Excel (XLSX)", "xlsx"),
    ("Markdown", "md"),
    ("CSV", "csv"),
]


class ExportScreen(Dialog):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("ctrl+s", "run", "Export")]
    DEFAULT_CLASSES = "dialog"

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        attrs = sorted({name for name, _ in attribute_values(self.project)})
        with DialogBody(classes="box wide"):
            yield Label("Export a report (Ctrl+S runs it; Escape closes)", classes="title")
            yield Label("Report")
            yield Select(KIND_CHOICES, value="all", id="kind", allow_blank=False)
            yield Label("Format")
            yield Select(FORMAT_CHOICES, value="html", id="format", allow_blank=False)
            yield Label("Break down by case attribute (themes, matrix, who took part)")
            yield Select([(a, a) for a in attrs], id="by", prompt="no breakdown")
            yield Checkbox("Reviewer-accepted evidence only", id="accepted")
            yield Label("File (empty: exports/ in the current folder)")
            yield Input(placeholder="e.g. exports/pdu-report.html", id="output")
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="run")
            yield LoadingIndicator(id="busy")
            yield Label("", id="result")

    def on_mount(self) -> None:
        self.query_one("#busy").display = False
        self.ticker = Ticker(self.query_one("#result", Label))

    @on(Button.Pressed, "#run")
    def pressed(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        def val(name: str) -> Any:
            return chosen(self.query_one(f"#{name}", Select))

        kind, fmt, by = val("kind"), val("format"), val("by")
        output = self.query_one("#output", Input).value.strip()
        self.query_one("#busy").display = True
        self.ticker.start("Working…")  # with the seconds elapsed, past one
        self.export(
            kind,
            fmt,
            by if kind in ("themes", "matrix", "participants") else None,
            self.query_one("#accepted", Checkbox).value,
            Path(output) if output else None,
        )

    @work(thread=True, exclusive=True)
    def export(self, kind: str, fmt: str, by: str | None, accepted: bool, output: Path | None) -> None:
        """Runs in a thread with its own connection: reports over a large project take seconds."""
        from qualcode.app.reporting import Filters, run_report

        try:
            if kind in (
                "survey",
                "monitoring",
            ):  # their own use cases (the CLI's survey / monitoring reports)
                path = self.survey_export(kind, fmt, output)
            else:
                path = run_report(
                    self.project.path, kind, fmt, output, by=by, filters=Filters(accepted_only=accepted)
                ).path
            message = f"Wrote {path}"
        except QualcodeError as exc:
            message = f"Could not export: {exc}"
        self.app.call_from_thread(self.done, message)

    def survey_export(self, kind: str, fmt: str, output: Path | None) -> Path | None:
        from qualcode.app.survey import SurveyRequest, run_monitoring_report, run_survey_report

        with Project.open(self.project.path) as project:
            if kind == "survey":
                return run_survey_report(project, SurveyRequest(), fmt, output).path
            return run_monitoring_report(project, fmt, output).path

    def done(self, message: str) -> None:
        self.ticker.stop()
        self.query_one("#busy").display = False
        # The message names a file the user chose: shown as written, never as markup.
        self.query_one("#result", Label).update(Text(safe_text(message)))
        self.notify(
            safe_text(message),
            severity="error" if message.startswith("Could not") else "information",
            markup=False,
        )
