"""Small panels of the workbench: the document list and the status bar."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from qualcode.core.display import safe_text
from qualcode.tui.widgets.inplace import InPlaceOptionList

SOURCE_ABBREV = {
    "interview": "INT",
    "focus-group": "FG",
    "survey": "SUR",
    "steering-group": "STG",
    "workshop": "WS",
    "document": "DOC",
}


NAME_WIDTH = 16  # name cells when the panel's width is not known yet


def document_label(doc: dict[str, Any], width: int = 0) -> Text:
    """One line: share coded, source type, name (shortened to fit `width` cells, the type dropped when tight)."""
    coded, total = doc["coded_participant_segments"], doc["participant_segments"]
    pct = f"{100 * coded / total:.0f}%" if total else "-"
    label = Text(f"{pct:>4} ", style="green" if coded else "dim", no_wrap=True, overflow="ellipsis")
    room = width - 5 if width else NAME_WIDTH + 4
    if room >= 20:
        label.append(f"{SOURCE_ABBREV.get(doc['source_type'], '?'):<4}", style="dim")
        room -= 4
    name = safe_text(doc["name"])
    room = max(4, room)
    label.append(name if len(name) <= room else name[: room - 1] + "…")
    return label


class DocumentList(InPlaceOptionList):
    """Documents with source type and share of segments coded; option ids are document ids."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents: list[dict[str, Any]] = []
        self.label_width = 0

    def load(self, documents: list[dict[str, Any]], selected: int | None = None) -> None:
        self.documents = documents
        self.label_width = self.scrollable_content_region.width - 1
        keep = self.highlighted
        self.clear_options()
        self.add_options([Option(document_label(d, self.label_width), id=str(d["id"])) for d in documents])
        if selected is not None:
            self.select(selected)
        elif keep is not None and keep < len(documents):
            self.highlighted = keep

    def on_resize(self) -> None:
        if self.documents and self.scrollable_content_region.width - 1 != self.label_width:
            self.load(self.documents)

    def relabel(self, doc: dict[str, Any]) -> None:
        self.documents = [doc if d["id"] == doc["id"] else d for d in self.documents]
        try:
            self.replace_prompt_in_place(
                self.get_option_index(str(doc["id"])), document_label(doc, self.label_width)
            )
        except OptionDoesNotExist:
            return

    def get(self, document_id: int) -> dict[str, Any] | None:
        """The listed document with its counts (as loaded, and as relabelled since)."""
        return next((d for d in self.documents if d["id"] == document_id), None)

    def select(self, document_id: int) -> None:
        try:
            self.highlighted = self.get_option_index(str(document_id))
        except OptionDoesNotExist:
            return


def update_line(widget: Static, text: Text) -> None:
    """Update a one-line label; re-lay out the screen only if its height may change (text wider than it).

    Static.update re-lays out the whole screen by default: on every coding, several milliseconds of work
    and a redraw of every panel, where redrawing the label is enough."""
    width = widget.content_size.width
    fits = bool(width) and widget.size.height == 1 and text.cell_len <= width
    widget.update(text, layout=not fits)


class StatusBar(Static):
    """One line: progress first, then coder and the last action, the project name shortened to what fits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields: tuple[str, str, str, int, int, str] | None = None

    def show(self, project: str, coder: str, document: str, coded: int, total: int, note: str = "") -> None:
        self.fields = (project, coder, document, coded, total, note)
        # One line cut to the width: once laid out, its size never changes, so no re-layout of the screen.
        self.update(self.line(self.size.width or 80), layout=not self.size.width)

    def on_resize(self) -> None:
        if self.fields is not None:
            self.update(self.line(self.size.width))

    def line(self, width: int) -> Text:
        assert self.fields is not None
        project, coder, document, coded, total, note = self.fields
        rest = Text()
        rest.append(f" {safe_text(document)} {coded}/{total} coded", style="bold")
        rest.append(f" │ {safe_text(coder)}")
        rest.append(" │ ✓ saved", style="green")
        if note:
            rest.append(f" │ {safe_text(note)}", style="italic")
        room = width - rest.cell_len - 3
        text = Text(no_wrap=True, overflow="ellipsis")
        if room >= 8:
            name = safe_text(project)
            text.append(f" {name if len(name) <= room else name[: room - 1] + '…'} ", style="bold reverse")
        text.append_text(rest)
        text.truncate(width, overflow="ellipsis")
        return text
