"""The codebook as a tree (key, label, count) and the detail of the highlighted code."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.core.display import safe_text
from qualcode.core.models import Code, Codebook


def code_label(code: Code, count: int, total: int) -> Text:
    """Key, how often used (Σ with its descendants for a group), then the label."""
    label = Text("■ ", style=code.colour or "grey50", no_wrap=True, overflow="ellipsis")
    label.append(code.key.rsplit(".", 1)[-1] if code.parent else code.key, style="bold")
    label.append(f" {count}" if total == count else f" Σ{total}", style="cyan")
    label.append(f" {safe_text(code.label)}", style="dim")
    return label


class CodebookTree(Tree[str]):
    """Keys as node data; rebuilt whenever the codebook or its counts change."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("Codebook", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 2
        self.codebook = Codebook(codes=[])
        self.nodes: dict[str | None, TreeNode[str]] = {}
        self.shown: dict[str, int] = {}

    def load(self, codebook: Codebook, counts: dict[str, int], keep: str | None = None) -> None:
        keep = keep or (self.cursor_node.data if self.cursor_node else None)
        self.clear()
        nodes: dict[str | None, TreeNode[str]] = {None: self.root}
        select = None
        totals = _totals(codebook, counts)
        parents = {c.parent for c in codebook.codes}
        for code, _depth in codebook.walk():  # parents before children, whatever order the file lists them in
            parent = nodes.get(code.parent, self.root)
            node = parent.add(
                code_label(code, counts.get(code.key, 0), totals.get(code.key, 0)),
                data=code.key,
                expand=True,
                allow_expand=code.key in parents,
            )
            nodes[code.key] = node
            if code.key == keep:
                select = node
        self.root.expand()
        self.codebook, self.nodes, self.shown = codebook, nodes, totals
        if select is not None:
            # The rebuilt tree has no line numbers until it is laid out: moving the cursor now put it on the
            # parent (after renaming a child, the next key acted on the parent).
            self.call_after_refresh(self.move_cursor, select)
        elif self.cursor_line < 0:
            self.cursor_line = 0

    def update_counts(self, counts: dict[str, int]) -> None:
        """Relabel only the codes whose counts changed (after a coding), instead of rebuilding the tree."""
        totals = _totals(self.codebook, counts)
        for code in self.codebook.codes:
            if totals.get(code.key, 0) != self.shown.get(code.key, 0):
                self.nodes[code.key].set_label(
                    code_label(code, counts.get(code.key, 0), totals.get(code.key, 0))
                )
        self.shown = totals


def _totals(codebook: Codebook, counts: dict[str, int]) -> dict[str, int]:
    """Each code's count plus its descendants' (the walk puts children after parents, so sum from the end)."""
    totals = dict(counts)
    for code, _depth in reversed(codebook.walk()):
        if code.parent:
            totals[code.parent] = totals.get(code.parent, 0) + totals.get(code.key, 0)
    return totals


def code_detail(code: Code | None) -> Text:
    """What a coder needs to apply a code consistently: definition, include, exclude, examples."""
    if code is None:
        return Text("")
    out = Text()
    out.append(f"{code.key}", style=f"bold {code.colour}" if code.colour else "bold")
    out.append(f" — {safe_text(code.label)}\n", style="bold")
    for title, value in (("", code.definition), ("Use when: ", code.include), ("Not when: ", code.exclude)):
        if value:
            out.append(
                title, style="italic green" if title.startswith("Use") else "italic red" if title else ""
            )
            out.append(safe_text(value) + "\n")
    if code.examples:
        out.append("e.g. ", style="italic")
        out.append(safe_text(" / ".join(f"“{e}”" for e in code.examples[:2])) + "\n", style="dim")
    return out


class CodeDetail(Static):
    def show(self, code: Code | None) -> None:
        self.update(code_detail(code))
