"""Filter the transcript's segments by code, speaker, case attribute, and coded/uncoded."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Label, Select

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
        attrs = attribute_values(self.project)
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
                [(s, s) for s in speakers(self.project)],
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
