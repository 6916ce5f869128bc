"""Coder comparison: agreement figures and the list of segments where two coders differ, to discuss as a team."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label, LoadingIndicator, OptionList, Select
from textual.widgets.option_list import Option

from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.project import Project
from qualcode.store.reviews import list_coders
from qualcode.tui.widgets.choice import NO_SELECTION, chosen
from qualcode.tui.widgets.footer import KeyFooter


def disagreement_label(row: dict[str, Any]) -> Group:
    head = Text(f"{safe_text(row['document'])} #{row['segment_id']}", style="bold")
    head.append(
        f"  {safe_text(row['case'] or '')}  differ on: {', '.join(row['differing_codes'])}", style="yellow"
    )
    lines: list[Any] = [head, Text(safe_text(row["text"]), style="italic")]
    for coder, codes in row["codes_by_coder"].items():
        line = Text(f"  {safe_text(coder)}: ", style="bold")
        line.append(", ".join(codes) or "(nothing)")
        lines.append(line)
    lines.append(Text(""))
    return Group(*lines)


class DisagreementScreen(Screen[int | None]):
    """Pick two coders; Enter on a disagreement opens that segment in the workbench."""

    BINDINGS = [Binding("escape,D", "dismiss(None)", "Back")]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        coders = [(c["coder"], c["coder"]) for c in list_coders(self.project) if c["codings"]]
        with Horizontal(classes="buttons"):
            yield Select(
                coders, id="coder-a", prompt="first coder", value=coders[0][1] if coders else NO_SELECTION
            )
            yield Select(
                coders,
                id="coder-b",
                prompt="second coder",
                value=coders[1][1] if len(coders) > 1 else NO_SELECTION,
            )
        yield Label("", id="summary", classes="panel-title")
        yield LoadingIndicator(id="busy")
        yield OptionList(id="disagreements")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.refresh_comparison()

    @on(Select.Changed)
    def coders_changed(self) -> None:
        self.refresh_comparison()

    def refresh_comparison(self) -> None:
        a, b = chosen(self.query_one("#coder-a", Select)), chosen(self.query_one("#coder-b", Select))
        if a is None or b is None or a == b:
            self.query_one("#busy").display = False
            self.query_one("#summary", Label).update("Choose two different coders who have coded.")
            return
        self.query_one("#busy").display = True
        self.compare(str(a), str(b))

    @work(thread=True, exclusive=True)
    def compare(self, a: str, b: str) -> None:
        from qualcode.reports.agreement import agreement_report, disagreements

        try:
            with Project.open(self.project.path) as project:
                report = agreement_report(project, [a, b])
                rows = disagreements(project, [a, b])
            self.app.call_from_thread(self.show, report, rows)
        except QualcodeError as exc:
            self.app.call_from_thread(self.show, {"error": str(exc)}, [])

    def show(self, report: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        self.query_one("#busy").display = False
        if "error" in report:
            self.query_one("#summary", Label).update(report["error"])
        else:
            overall = report.get("overall", report)

            def fmt(value: Any) -> str:
                return "n/a" if value is None else f"{value:.3f}"

            self.query_one("#summary", Label).update(
                f"{len(rows)} segment(s) differ · percent agreement {fmt(overall.get('percent_agreement'))}"
                f" · Cohen's kappa {fmt(overall.get('kappa'))} · Krippendorff's alpha {fmt(overall.get('alpha'))}"
                "   Enter opens a segment"
            )
        listing = self.query_one("#disagreements", OptionList)
        listing.clear_options()
        listing.add_options([Option(disagreement_label(r), id=str(r["segment_id"])) for r in rows])
        if rows:
            listing.highlighted = 0
            listing.focus()

    @on(OptionList.OptionSelected, "#disagreements")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))
