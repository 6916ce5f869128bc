"""The outcome map screen: aims, boundary partners -> outcomes -> claims with evidence counts, edited in place."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.app import map_edit
from qualcode.app.session import CodingSession
from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.outcomes import map_view
from qualcode.tui.screens.map_dialogs import (
    AimDialog,
    ClaimDialog,
    ConfirmDialog,
    ItemDialog,
    OutcomeDialog,
    PartnerDialog,
)
from qualcode.tui.widgets.footer import KeyFooter

COUNTS_RULE = "for / against: distinct cases whose codings support / contradict (mixed counts as both)"


def counts(item: dict[str, Any]) -> Text:
    text = Text()
    text.append(f"{item['supports']} for", style="green")
    text.append(" · ")
    text.append(f"{item['contradicts']} against", style="red" if item["contradicts"] else "dim")
    return text


def claim_label(claim: dict[str, Any]) -> Text:
    text = Text(f"{claim['key']}  ", style="dim")
    text.append_text(counts(claim))
    text.append(f"  {safe_text(claim['text'])}")
    if claim["judgement"]:
        judged = claim["judgement"] + (f", {claim['confidence']}" if claim["confidence"] else "")
        text.append(f"  [{safe_text(judged)}]", style="bold cyan")
    else:
        text.append("  (not judged)", style="dim")
    return text


def item_label(key: str, label: str, item: dict[str, Any]) -> Text:
    text = Text(f"{key}  ", style="dim")
    text.append_text(counts(item))
    text.append(f"  {safe_text(label)}")
    return text


class OutcomeMapScreen(Screen[None]):
    """Aims, partners, outcomes and claims as one tree. Every edit is a step of the coder's session (u undoes
    it, here or in the workbench) and goes through the same use cases as `qualcode outcomes add|set|delete`."""

    BINDINGS = [
        Binding("A", "add('aim')", "New aim", show=False),
        Binding("P", "add('partner')", "New partner", show=False),
        Binding("o", "add('outcome')", "New outcome"),
        Binding("c", "add('claim')", "New claim"),
        Binding("e", "edit", "Edit"),
        Binding("d,delete", "delete", "Delete"),
        Binding("u", "undo", "Undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, session: CodingSession) -> None:
        super().__init__()
        self.session = session
        self.project = session.project
        self.view: dict[str, Any] = {"aims": [], "partners": [], "loose": []}

    def compose(self) -> ComposeResult:
        yield Label(
            "Outcome map: aims; partners → outcomes → claims (cases for · against)",
            id="map-title",
            classes="panel-title",
        )
        yield Tree("Outcome map", id="map")
        yield Static("", id="map-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one("#map", Tree).focus()

    # -- the tree ---------------------------------------------------------------------------------------
    def action_reload(self, keep: tuple[str, str] | None = None) -> None:
        tree: Tree[dict[str, Any]] = self.query_one("#map", Tree)
        keep = keep or self.current_ref()
        tree.clear()
        tree.show_root = False
        self.view = view = map_view(self.project)
        tree.root.data = {"kind": "root"}
        aims = tree.root.add(
            Text(f"Aims ({len(view['aims'])})", style="bold"), data={"kind": "aims"}, expand=True
        )
        for aim in view["aims"]:
            node = aims.add(item_label(aim["key"], aim["label"], aim), data=self.ref("aim", aim), expand=True)
            for claim in aim["claims"]:
                node.add_leaf(claim_label(claim), data=self.ref("claim", claim, about=aim["key"]))
            node.allow_expand = bool(aim["claims"])
        partners = tree.root.add(
            Text(f"Boundary partners ({len(view['partners'])})", style="bold"),
            data={"kind": "partners"},
            expand=True,
        )
        for partner in view["partners"]:
            pnode = partners.add(
                Text(f"{safe_text(partner['label'])} ({partner['kind']})", style="bold"),
                data=self.ref("partner", partner, partner=partner["key"]),
                expand=True,
            )
            for outcome in partner["outcomes"]:
                onode = pnode.add(
                    item_label(outcome["key"], outcome["label"], outcome),
                    data=self.ref("outcome", outcome, partner=partner["key"], about=outcome["key"]),
                    expand=True,
                )
                for claim in outcome["claims"]:
                    onode.add_leaf(
                        claim_label(claim),
                        data=self.ref("claim", claim, partner=partner["key"], about=outcome["key"]),
                    )
                if not outcome["claims"]:
                    onode.add_leaf(Text("no claims yet: c adds one", style="dim"), data=onode.data)
        if not view["partners"]:
            partners.add_leaf(Text("no partners yet: P adds one", style="dim"), data={"kind": "partners"})
        if view["loose"]:
            loose = tree.root.add(
                Text("Claims tied to no outcome or aim", style="bold"), data={"kind": "loose"}
            )
            for claim in view["loose"]:
                loose.add_leaf(claim_label(claim), data=self.ref("claim", claim))
            loose.expand()
        tree.root.expand()
        if keep:
            # The tree places its rows when it next renders; only then can the cursor go to a node.
            self.call_after_refresh(self.move_to, keep)
        self.call_after_refresh(self.show_detail)  # the node under the cursor once the rows are placed

    @staticmethod
    def ref(kind: str, item: dict[str, Any], **context: str) -> dict[str, Any]:
        return {"kind": kind, "key": item["key"], "item": item, **context}

    def move_to(self, ref: tuple[str, str]) -> None:
        tree: Tree[dict[str, Any]] = self.query_one("#map", Tree)

        def walk(node: TreeNode[dict[str, Any]]) -> TreeNode[dict[str, Any]] | None:
            data = node.data or {}
            if (data.get("kind"), data.get("key")) == ref:
                return node
            for child in node.children:
                found = walk(child)
                if found is not None:
                    return found
            return None

        found = walk(tree.root)
        if found is not None:
            tree.move_cursor(found)
            self.show_detail()

    @property
    def current(self) -> dict[str, Any]:
        node = self.query_one("#map", Tree).cursor_node
        return (node.data if node is not None else None) or {"kind": "root"}

    def current_ref(self) -> tuple[str, str] | None:
        data = self.current
        return (data["kind"], data["key"]) if data.get("key") else None

    @on(Tree.NodeHighlighted)
    def highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        data = self.current
        item, kind = data.get("item"), data["kind"]
        text = Text()
        if item is None:
            text.append(
                "A adds an aim, P a boundary partner, o an outcome (under the highlighted partner), c a claim (about"
                " the highlighted outcome or aim); e edits, d deletes, u undoes.\n",
            )
            text.append(COUNTS_RULE, style="dim")
        elif kind == "claim":
            text.append(f"Claim {item['key']}", style="bold")
            text.append(f"  {item['category'] or 'no category'}\n")
            text.append(safe_text(item["text"]) + "\n")
            text.append_text(counts(item))
            text.append(f" cases, in {item['codings']} evidence coding(s)\n", style="dim")
            judged = item["judgement"] or "not judged"
            text.append(
                f"Judgement: {safe_text(judged)}" + (f" ({item['confidence']})" if item["confidence"] else "")
            )
            if item["rationale"]:
                text.append(
                    f" by {safe_text(item['judged_by'])}: {safe_text(item['rationale'])}", style="dim"
                )
        elif kind == "partner":
            text.append(f"Boundary partner {item['key']} ({item['kind']})\n", style="bold")
            text.append(safe_text(item["label"]) + "\n")
            text.append(f"{len(item['outcomes'])} outcome(s)", style="dim")
        else:
            text.append(f"{kind.capitalize()} {item['key']}\n", style="bold")
            text.append(safe_text(item["label"]) + "\n")
            if kind == "aim":
                for criterion in item["success"]:
                    text.append(f"• {safe_text(criterion)}\n")
                text.append(
                    f"Served by {item['outcomes']} outcome(s); {len(item['claims'])} claim(s) about it."
                    f" Evidence from the {item['toward']} claim(s) about it or its outcomes: ",
                    style="dim",
                )
            else:
                if item["mechanism"]:
                    text.append(f"Mechanism: {safe_text(item['mechanism'])}\n")
                text.append(f"Serves: {', '.join(item['aims']) or 'no aim'}. ", style="dim")
            if kind == "outcome":
                text.append(f"{len(item['claims'])} claim(s): ", style="dim")
            text.append_text(counts(item))
            text.append(f" cases, in {item['codings']} evidence coding(s)", style="dim")
        self.query_one("#map-detail", Static).update(text)

    # -- editing ----------------------------------------------------------------------------------------
    def saver(self, kind: str, run: Any, verb: str) -> Any:
        """A dialog's save: run the session's action; an error stays in the dialog, success reloads the map."""

        def save(fields: dict[str, Any]) -> str | None:
            try:
                result = run(fields)
            except QualcodeError as exc:
                return str(exc)
            self.action_reload((kind, result["key"]))
            self.notify(f"{verb} {kind} {safe_text(result['key'])}", markup=False)
            return None

        return save

    def dialog(self, kind: str, item: dict[str, Any], save: Any, new: bool) -> ItemDialog:
        view = self.view
        if kind == "aim":
            return AimDialog(item, save, new)
        if kind == "partner":
            return PartnerDialog(item, save, new)
        if kind == "outcome":
            partners = [(p["key"], p["label"]) for p in view["partners"]]
            return OutcomeDialog(item, save, new, partners, [(a["key"], a["label"]) for a in view["aims"]])
        about = [(o["key"], o["label"]) for p in view["partners"] for o in p["outcomes"]]
        return ClaimDialog(item, save, new, about + [(a["key"], a["label"]) for a in view["aims"]])

    def action_add(self, kind: str) -> None:
        data = self.current
        defaults: dict[str, Any] = {}
        if kind == "partner":
            defaults["kind"] = "direct"
        elif kind == "outcome":
            first = self.view["partners"][0]["key"] if self.view["partners"] else ""
            defaults["partner"] = data.get("partner") or first
        elif kind == "claim":
            defaults["about"] = data.get("about") or (data["key"] if data["kind"] == "aim" else "")

        def run(fields: dict[str, Any]) -> dict[str, Any]:
            return self.session.map_add(kind, fields)

        self.app.push_screen(self.dialog(kind, defaults, self.saver(kind, run, "added"), new=True))

    def action_edit(self) -> None:
        data = self.current
        kind = data["kind"]
        if not data.get("key"):
            self.notify("Highlight an aim, partner, outcome or claim to edit it.")
            return
        try:
            item = map_edit.item(self.project, kind, data["key"])
        except QualcodeError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return

        def run(fields: dict[str, Any]) -> dict[str, Any]:
            return self.session.map_set(kind, item["key"], fields)

        self.app.push_screen(self.dialog(kind, item, self.saver(kind, run, "saved"), new=False))

    def action_delete(self) -> None:
        data = self.current
        kind, key = data["kind"], data.get("key")
        if not key:
            self.notify("Highlight an aim, partner, outcome or claim to delete it.")
            return
        try:
            plan = map_edit.deletion_plan(self.project, kind, key)
        except QualcodeError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        if plan["refused"]:
            self.notify(
                f"Cannot delete: {safe_text(plan['refused'])}.", severity="error", markup=False, timeout=8
            )
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.session.map_delete(kind, key)
            except QualcodeError as exc:
                self.notify(safe_text(str(exc)), severity="error", markup=False)
                return
            self.action_reload()
            self.notify(f"deleted {kind} {safe_text(key)} (u undoes)", markup=False)

        self.app.push_screen(ConfirmDialog(f"Delete {kind} {key}", plan["message"]), confirmed)

    def action_undo(self) -> None:
        self.undo_redo(self.session.undo, "undid")

    def action_redo(self) -> None:
        self.undo_redo(self.session.redo, "redid")

    def undo_redo(self, action: Any, verb: str) -> None:
        try:
            label = action()
        except QualcodeError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        if label is None:
            self.notify(f"Nothing to {'undo' if verb == 'undid' else 'redo'}.")
            return
        self.action_reload()
        self.notify(f"{verb.capitalize()}: {safe_text(label)}", markup=False)
