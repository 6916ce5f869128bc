"""Summary screen: theme prevalence by source type beside the survey's closed questions, as terminal bar charts."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, LoadingIndicator, Static

from qualcode.core.display import safe_text
from qualcode.reports.settings import ReportSettings
from qualcode.store.project import Project
from qualcode.tui.widgets.footer import KeyFooter
from qualcode.tui.widgets.panels import SOURCE_ABBREV
from qualcode.tui.widgets.survey_chart import survey_chart

BAR_WIDTH = 12
PERCENT_MIN_CASES = (
    ReportSettings().percent_min_cases
)  # the theme table's rule: "k of N" below this many cases
SURVEY_WIDTH = 46  # columns of the survey pane beside the themes (from 120 columns)
COLOURS = ["#4C9BE8", "#E8A33D", "#5BBF7A", "#C46BD6", "#E86A5D", "#8C8C8C"]


def bar(
    share: dict[str, Any], colour: str, min_cases: int = PERCENT_MIN_CASES, width: int = BAR_WIDTH
) -> Text:
    """A share of cases as the theme table states it: below `min_cases` cases "k of N" and one block per case
    (a steering group of 1 is not "100%"), otherwise "p% (n=k)" and a bar scaled to the percentage. The
    figure comes first, so a narrow terminal crops the bar, never the number."""
    cases, total = int(share.get("cases") or 0), int(share.get("total_cases") or 0)
    if total < min_cases:
        text = Text(f"{cases} of {total}".ljust(11))
        text.append("█" * cases, style=colour)
        text.append("·" * (total - cases), style="grey30")
        return text
    percent = share.get("percent") or 0.0
    filled = round(percent / 100 * width)
    text = Text(f"{percent:.0f}% (n={cases})".ljust(11))
    text.append("█" * filled, style=colour)
    text.append("·" * (width - filled), style="grey30")
    return text


def prevalence_table(rows: list[dict[str, Any]], width: int = 200) -> Table:
    """One line per code; one bar per source type: that type's cases coded with it ("k of N" when few).
    Below 120 columns source types are abbreviated and bars shortened so every figure stays visible."""
    compact = width < 120
    types = sorted({t for r in rows for t in r["by_source_type"]})
    table = Table(expand=True, box=None, pad_edge=False)
    table.add_column("code", no_wrap=True, max_width=22 if compact else 30)
    for t, colour in zip(types, COLOURS * 3, strict=False):
        total = max(
            (r["by_source_type"][t]["total_cases"] for r in rows if t in r["by_source_type"]), default=0
        )
        name = SOURCE_ABBREV.get(t, t) if compact else t
        table.add_column(Text(f"{name} (N={total})", style=colour), no_wrap=True)
    for r in rows:
        depth = int(r.get("depth") or 0)
        name = Text("  " * depth + safe_text(r["code"]), style="bold" if depth == 0 else "")
        cells = [
            bar(r["by_source_type"][t], c, width=(3 if width < 90 else 6) if compact else BAR_WIDTH)
            if t in r["by_source_type"]
            else Text("")
            for t, c in zip(types, COLOURS * 3, strict=False)
        ]
        table.add_row(name, *cells)
    return table


class SummaryScreen(Screen[None]):
    BINDINGS = [Binding("escape,S", "app.pop_screen", "Back")]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.table: Table | None = None
        self.survey: dict[str, Any] = {}
        self.survey_view: Any = None

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="busy")
        with Horizontal(id="summary-body"):
            with VerticalScroll(id="themes-pane"):
                yield Label(
                    "Theme prevalence: cases of each source type coded with each theme (counts below "
                    f"{PERCENT_MIN_CASES} cases)",
                    classes="panel-title",
                )
                yield Static("", id="chart")
            with VerticalScroll(id="survey-pane"):
                yield Label("Survey: closed questions (share of each question's base)", classes="panel-title")
                yield Static("", id="survey-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.lay_out()
        self.compute()

    def on_resize(self, event: events.Resize) -> None:
        self.lay_out()

    def lay_out(self) -> None:
        """Side by side from 120 columns; below, the survey figures follow the themes (scroll to read them)."""
        body = self.query_one("#summary-body")
        body.styles.layout = "horizontal" if self.app.size.width >= 120 else "vertical"
        wide = self.app.size.width >= 120
        for pane in self.query(VerticalScroll):
            pane.styles.height = "100%" if wide else "auto"
        self.query_one("#themes-pane").styles.width = "1fr" if wide else "100%"
        self.query_one("#survey-pane").styles.width = SURVEY_WIDTH if wide else "100%"
        body.styles.overflow_y = "hidden" if self.app.size.width >= 120 else "auto"

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        from qualcode.app.reporting import run_report
        from qualcode.app.survey import SurveyRequest, run_survey_report

        result = run_report(self.project.path, "themes", "json")
        survey = run_survey_report(self.project.path, SurveyRequest(), "json")
        self.app.call_from_thread(self.show, result.data or [], survey.data)

    def show(self, rows: list[dict[str, Any]], survey: dict[str, Any] | None = None) -> None:
        self.query_one("#busy").display = False
        width = self.app.size.width
        wide = width >= 120  # side by side: the survey pane takes SURVEY_WIDTH columns, the themes the rest
        self.table = prevalence_table(rows, width - SURVEY_WIDTH if wide else width) if rows else None
        self.query_one("#chart", Static).update(self.table or "No codings yet.")
        self.survey = survey or {}
        self.survey_view = survey_chart(self.survey, SURVEY_WIDTH if wide else width)
        self.query_one("#survey-chart", Static).update(self.survey_view)
