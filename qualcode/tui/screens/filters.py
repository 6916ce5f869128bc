"""Filter the transcript's segments by code, speaker, case attribute, and coded/uncoded."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Label, Select
from textual.worker import get_current_worker

from qualcode.core.models import Codebook
from qualcode.store.browse import SegmentFilter, attribute_values, speakers
from qualcode.store.project import Project
from qualcode.tui.screens.dialogs import Dialog, DialogBody
from qualcode.tui.widgets.choice import chosen, initial


class FilterDialog(Dialog):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("ctrl+s", "apply", "Apply")]
    DEFAULT_CLASSES = "dialog"

    def __init__(self, project: Project, codebook: Codebook, current: SegmentFilter, coder: str) -> None:
        super().__init__()
        self.project, self.codebook, self.current, self.coder = project, codebook, current, coder

    def compose(self) -> ComposeResult:
        cur = self.current
        # Speakers and case attributes are read in a worker (distinct values over every segment and case: a
        # third of a second for a 50,000-answer survey); until they arrive each list holds the value in force.
        attrs = [cur.attribute] if cur.attribute else []
        with DialogBody(classes="box wide"):
            yield Label("Show only segments that match (Ctrl+S applies, Escape cancels)", classes="title")
            yield Label("Code")
            yield Select(
                [(f"{c.key}  {c.label}", c.key) for c in self.codebook.codes],
                value=initial(cur.code),
                id="code",
                prompt="any code",
            )
            yield Label("Speaker")
            yield Select(
                [(cur.speaker, cur.speaker)] if cur.speaker else [],
                value=initial(cur.speaker),
                id="speaker",
                prompt="any speaker",
            )
            yield Label("Case attribute")
            yield Select(
                [(f"{k} = {v}", f"{k}\x1f{v}") for k, v in attrs],
                value=initial("\x1f".join(cur.attribute) if cur.attribute else None),
                id="attribute",
                prompt="any case",
            )
            yield Label("Coding")
            if cur.coded is None:
                coded = None
            elif cur.coder:
                coded = "mine" if cur.coded else "not-mine"
            else:
                coded = "coded" if cur.coded else "uncoded"
            yield Select(
                [
                    ("coded by anyone", "coded"),
                    ("uncoded", "uncoded"),
                    ("coded by me", "mine"),
                    ("not coded by me", "not-mine"),
                ],
                value=initial(coded),
                id="coded",
                prompt="coded or not",
            )
            yield Label("Uncertainty (uncoded segments: coding these first teaches the suggester most)")
            yield Checkbox("Only those the suggester is least sure about", cur.least_sure, id="least-sure")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear all", id="clear")

    def on_mount(self) -> None:
        self.load_choices()

    @work(thread=True, exclusive=True, group="filter-choices")
    def load_choices(self) -> None:
        worker = get_current_worker()
        with Project.open(self.project.path, coder=self.project.coder, check=False) as project:
            found = speakers(project), attribute_values(project)
        if not worker.is_cancelled:
            self.app.call_from_thread(self.fill_choices, *found)

    def fill_choices(self, names: list[str], attrs: list[tuple[str, str]]) -> None:
        if not self.is_mounted:
            return
        for select_id, options in (
            ("speaker", [(s, s) for s in names]),
            ("attribute", [(f"{k} = {v}", f"{k}\x1f{v}") for k, v in attrs]),
        ):
            select = self.query_one(f"#{select_id}", Select)
            keep = select.value  # the value in force, or one the coder chose while the lists loaded
            select.set_options(options)
            if any(v == keep for _, v in options):
                select.value = keep

    def action_apply(self) -> None:
        def val(name: str) -> str | None:
            v = chosen(self.query_one(f"#{name}", Select))
            return None if v is None else str(v)

        attribute = val("attribute")
        coded = val("coded")
        self.dismiss(
            SegmentFilter(
                code=val("code"),
                speaker=val("speaker"),
                attribute=tuple(attribute.split("\x1f", 1)) if attribute else None,  # type: ignore[arg-type]
                coded=None if coded is None else coded in ("coded", "mine"),
                coder=self.coder if coded in ("mine", "not-mine") else None,
                least_sure=self.query_one("#least-sure", Checkbox).value,
            )
        )

    @on(Button.Pressed, "#apply")
    def apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#clear")
    def clear_pressed(self) -> None:
        self.dismiss(SegmentFilter())
