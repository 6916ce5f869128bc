"""The outcome map screen: boundary partners -> their outcomes -> claims, with evidence counts and judgements."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, Tree

from qualcode.core.display import safe_text
from qualcode.store.outcomes import map_tree
from qualcode.store.project import Project
from qualcode.tui.widgets.footer import KeyFooter


def claim_label(claim: dict[str, Any]) -> Text:
    text = Text(safe_text(claim["text"]))
    text.append(f"  {claim['supports']} for", style="green")
    if claim["contradicts"]:
        text.append(f" · {claim['contradicts']} against", style="red")
    if claim["mixed"]:
        text.append(f" · {claim['mixed']} mixed", style="yellow")
    text.append(
        f"  [{safe_text(claim['judgement'])}]" if claim["judgement"] else "  (not judged)",
        style="bold cyan" if claim["judgement"] else "dim",
    )
    return text


class OutcomeMapScreen(Screen[None]):
    """Read-only for now: the map is edited as YAML (`qualcode outcomes import`) and judged with `qualcode judge`.
    Counts are codings linked to each claim, by the polarity of the link."""

    BINDINGS = [Binding("r", "reload", "Reload"), Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        yield Label("Outcome map: partners → outcomes → claims (codings for / against)", id="map-title")
        yield Tree("Outcome map", id="map")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        tree: Tree[Any] = self.query_one("#map", Tree)
        tree.clear()
        partners = map_tree(self.project)
        if not partners:
            tree.root.add_leaf("No outcome map yet: qualcode outcomes import PROJECT map.yaml")
        for partner in partners:
            kind = f" ({partner['kind']})" if partner["kind"] else ""
            node = tree.root.add(Text(safe_text(partner["label"]) + kind, style="bold"), expand=True)
            for outcome in partner["outcomes"]:
                leaf = node.add(safe_text(outcome["label"]), expand=True)
                for claim in outcome["claims"]:
                    leaf.add_leaf(claim_label(claim), data=claim["key"])
                if not outcome["claims"]:
                    leaf.add_leaf(Text("no claims yet", style="dim"))
        tree.root.expand()
