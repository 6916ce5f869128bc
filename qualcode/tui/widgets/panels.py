"""Small panels of the workbench: the document list and the status bar."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from qualcode.core.display import safe_text

SOURCE_ABBREV = {"interview": "INT", "focus-group": "FG", "survey": "SUR", "steering-group": "STG",
                 "workshop": "WS", "document": "DOC"}


NAME_WIDTH = 16  # the document column is 30 cells wide: percent, source type, then the name


def document_label(doc: dict[str, Any]) -> Text:
    coded, total = doc["coded_participant_segments"], doc["participant_segments"]
    pct = f"{100 * coded / total:.0f}%" if total else "-"
    label = Text(f"{pct:>4} ", style="green" if coded else "dim", no_wrap=True, overflow="ellipsis")
    label.append(f"{SOURCE_ABBREV.get(doc['source_type'], '?'):<4}", style="dim")
    name = safe_text(doc["name"])
    label.append(name if len(name) <= NAME_WIDTH else name[:NAME_WIDTH - 1] + "…")
    return label


class DocumentList(OptionList):
    """Documents with source type and share of segments coded; option ids are document ids."""

    def load(self, documents: list[dict[str, Any]], selected: int | None = None) -> None:
        self.clear_options()
        self.add_options([Option(document_label(d), id=str(d["id"])) for d in documents])
        if selected is not None:
            self.select(selected)

    def select(self, document_id: int) -> None:
        try:
            self.highlighted = self.get_option_index(str(document_id))
        except OptionDoesNotExist:
            return


class StatusBar(Static):
    def show(self, project: str, coder: str, document: str, coded: int, total: int, note: str = "") -> None:
        text = Text()
        text.append(f" {safe_text(project)} ", style="bold reverse")
        text.append(f"  coder: {safe_text(coder)}")
        text.append(f"  │  {safe_text(document)}: {coded}/{total} coded")
        text.append("  │  ✓ saved", style="green")
        if note:
            text.append(f"  │  {safe_text(note)}", style="italic")
        self.update(text)
