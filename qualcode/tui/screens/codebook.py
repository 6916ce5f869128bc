"""Codebook editing: add, rename, re-key, move, merge codes and edit definitions; every change logged."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static, TextArea, Tree

from qualcode.core.display import safe_text
from qualcode.core.models import Code
from qualcode.errors import QualcodeError
from qualcode.store.codebook import code_codings, load_codebook
from qualcode.store.codebook_edit import add_code, merge_codes, move_code, rekey_code, update_code
from qualcode.store.project import Project
from qualcode.tui.screens.dialogs import CodePicker, Dialog, TextPrompt
from qualcode.tui.widgets.busy import Ticker
from qualcode.tui.widgets.codebook_tree import CodebookTree, CodeDetail
from qualcode.tui.widgets.footer import KeyFooter

TITLE = "Codebook — merges keep every coding; every change goes to the log"


class CodeEditDialog(Dialog):
    """Edit a code's label, definition, include, exclude, keywords and colour. Ctrl+S saves."""

    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def __init__(self, code: Code) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        c = self.code
        with VerticalScroll(classes="box wide tall"):
            yield Label(f"Edit {c.key} (Ctrl+S saves, Escape cancels)", classes="title")
            yield Label("Label")
            yield Input(c.label, id="label")
            for name in ("definition", "include", "exclude"):
                yield Label(name.capitalize())
                yield TextArea(getattr(c, name), id=name, soft_wrap=True, classes="field")
            yield Label("Keywords (comma-separated)")
            yield Input(", ".join(c.keywords), id="keywords")
            yield Label("Colour (#RRGGBB)")
            yield Input(c.colour, id="colour")

    def action_save(self) -> None:
        fields: dict[str, Any] = {
            "label": self.query_one("#label", Input).value,
            "keywords": [k.strip() for k in self.query_one("#keywords", Input).value.split(",")],
            "colour": self.query_one("#colour", Input).value,
        }
        for name in ("definition", "include", "exclude"):
            fields[name] = self.query_one(f"#{name}", TextArea).text
        self.dismiss(fields)


class CodebookScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "add(True)", "Add child"),
        Binding("A", "add(False)", "Add top-level"),
        Binding("e", "edit", "Edit"),
        Binding("l", "rename", "Rename label"),
        Binding("K", "rekey", "Change key"),
        Binding("m", "move", "Move"),
        Binding("g", "merge", "Merge into…"),
        Binding("h", "needing_help", "Which codes need help"),
        Binding("escape,b", "leave", "Back"),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.codebook = load_codebook(project)
        self.needing_help: list[dict[str, Any]] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="cb-left"):
                yield Label(TITLE, id="cb-title", classes="panel-title")
                yield CodebookTree(id="cb-tree")
            with VerticalScroll(id="cb-right"):
                yield CodeDetail("", id="cb-detail")
                yield Static(
                    Text(
                        "h: which codes the suggester needs help with (cross-validates: a few seconds)",
                        style="dim",
                    ),
                    id="cb-help",
                )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.ticker = Ticker(self.query_one("#cb-title", Label))
        self.help_ticker = Ticker(self.query_one("#cb-help", Static))
        self.reload()
        self.query_one(CodebookTree).focus()

    def reload(self, keep: str | None = None) -> None:
        self.codebook = load_codebook(self.project)
        counts = code_codings(self.project)
        self.query_one(CodebookTree).load(self.codebook, counts, keep)
        self.query_one(CodeDetail).show(self.current)

    @property
    def current(self) -> Code | None:
        node = self.query_one(CodebookTree).cursor_node
        return self.codebook.by_key().get(node.data) if node is not None and node.data else None

    @on(Tree.NodeHighlighted)
    def highlighted(self) -> None:
        self.query_one(CodeDetail).show(self.current)

    def attempt(self, action: Any, *args: Any, keep: str | None = None, note: str = "") -> None:
        if self.ticker.running:
            self.notify("A merge is still running: wait for it to finish.", severity="warning")
            return
        try:
            action(self.project, *args)
        except QualcodeError as exc:
            # Messages quote user text (keys, names): shown as written, never as markup.
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        self.reload(keep)
        if note:
            self.notify(note)

    def action_add(self, as_child: bool) -> None:
        parent = self.current.key if (as_child and self.current) else None

        def got_key(key: str | None) -> None:
            if key:

                def got_label(label: str | None) -> None:
                    if label:
                        self.attempt(add_code, key, label, parent, keep=key)

                self.app.push_screen(TextPrompt(f"Label for {key}"), got_label)

        prefix = f"{parent}." if parent else ""
        self.app.push_screen(TextPrompt("Key for the new code", prefix, replace=False), got_key)

    def action_edit(self) -> None:
        code = self.current
        if code:

            def edited(fields: dict[str, Any] | None) -> None:
                if fields:
                    self.attempt(lambda p: update_code(p, code.key, **fields), keep=code.key, note="saved")

            self.app.push_screen(CodeEditDialog(code), edited)

    def action_rename(self) -> None:
        code = self.current
        if code:

            def relabelled(label: str | None) -> None:
                if label:
                    self.attempt(lambda p: update_code(p, code.key, label=label), keep=code.key)

            self.app.push_screen(TextPrompt(f"New label for {code.key}", code.label), relabelled)

    def action_rekey(self) -> None:
        code = self.current
        if code:

            def rekeyed(key: str | None) -> None:
                if key and key != code.key:
                    self.attempt(rekey_code, code.key, key, keep=key)

            self.app.push_screen(TextPrompt(f"New key for {code.key}", code.key), rekeyed)

    def action_move(self) -> None:
        code = self.current
        if code:
            top = Code(key="(top level)", label="no parent")
            picker = CodePicker(
                [top, *self.codebook.codes], title=f"Move {code.key} under…", exclude={code.key}
            )

            def moved(key: str | None) -> None:
                if key:
                    self.attempt(move_code, code.key, None if key == "(top level)" else key, keep=code.key)

            self.app.push_screen(picker, moved)

    def action_merge(self) -> None:
        code = self.current
        if code:
            picker = CodePicker(
                self.codebook.codes,
                title=f"Merge {code.key} into… (its codings move there)",
                exclude={code.key},
            )

            def merged(key: str | None) -> None:
                if key and not self.ticker.running:
                    self.ticker.start(Text(safe_text(f"Merging {code.key} into {key}…"), style="bold"))
                    self.merge(code.key, key)

            self.app.push_screen(picker, merged)

    @work(thread=True, exclusive=True, group="merge")
    def merge(self, source: str, target: str) -> None:
        """Move every coding of `source` to `target` on its own connection, off the UI thread: 51,000 codings
        take seconds, and the screen keeps answering (other edits wait until it is done)."""
        error = None
        try:
            with Project.open(self.project.path, coder=self.project.coder) as project:
                merge_codes(project, source, target)
        except QualcodeError as exc:
            error = str(exc)
        self.app.call_from_thread(self.merged, source, target, error)

    def action_leave(self) -> None:
        if self.ticker.running:  # the workbench reloads the codebook when this screen closes: after the merge
            self.notify("A merge is still running: wait for it to finish.", severity="warning")
            return
        self.app.pop_screen()

    def merged(self, source: str, target: str, error: str | None) -> None:
        self.ticker.stop()
        self.query_one("#cb-title", Label).update(TITLE)
        if error is not None:
            self.notify(safe_text(error), severity="error", markup=False)
            return
        self.reload(target)
        self.notify(safe_text(f"merged {source} into {target}"), markup=False)

    def action_needing_help(self) -> None:
        self.help_ticker.start("Cross-validating the suggester on your codings…")
        self.find_needing_help()

    @work(thread=True, exclusive=True)
    def find_needing_help(self) -> None:
        """`qualcode suggest evaluate`'s codes that need help, with its own connection (seconds)."""
        from qualcode.app.autocode import codes_needing_help

        with Project.open(self.project.path) as project:
            rows = codes_needing_help(project)
        self.app.call_from_thread(self.show_needing_help, rows)

    def show_needing_help(self, rows: list[dict[str, Any]]) -> None:
        self.help_ticker.stop()
        self.needing_help = rows
        text = Text(
            f"Codes that need help ({len(rows)})\n"
            if rows
            else "No code needs help: each has enough examples and the suggester finds it.",
            style="bold",
        )
        for r in rows:
            text.append(f"\n{safe_text(r['code'])}", style="bold yellow")
            text.append(f"  {r['coded_segments']} coded, {r['examples']} examples\n", style="dim")
            text.append(safe_text(r["what_would_help"]) + "\n")
        self.query_one("#cb-help", Static).update(text)
