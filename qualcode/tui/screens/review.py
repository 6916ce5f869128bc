"""Reviewer mode: coded quotes by code; accept, query (with a comment) or reject each; decisions are logged."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.codebook import load_codebook
from qualcode.store.memos import memos_on
from qualcode.store.project import Project
from qualcode.store.reviews import STATUSES, list_review_items, set_review
from qualcode.tui.screens.dialogs import CodePicker, TextPrompt
from qualcode.tui.widgets.footer import KeyFooter

PAGE = 300
STATUS_STYLE = {"pending": "dim", "accepted": "green", "queried": "yellow", "rejected": "red"}


def quote_label(item: dict[str, Any]) -> Group:
    head = Text(f"{item['code']}", style="bold")
    head.append(f"  {item['status'].upper()}", style=f"bold {STATUS_STYLE[item['status']]}")
    head.append(
        f"  {safe_text(item['case'] or '-')} · {item['source_type']} · coder {safe_text(item['coder'])}",
        style="dim",
    )
    if item.get("contribution"):
        head.append(f" · {item['contribution']}", style="cyan")
        if item.get("claim"):
            head.append(f": {safe_text(item['claim'])}", style="cyan")
    body = Text("“" + safe_text(item["text"]) + "”", style="italic")
    parts: list[Any] = [head, body]
    if item.get("memo"):
        parts.append(Text(f"✎ coding memo: {safe_text(item['memo'])}", style="magenta"))
    for memo in item.get("memos") or []:
        parts.append(
            Text(f"✎ memo by {safe_text(memo['coder'])}: {safe_text(memo['text'])}", style="magenta")
        )
    if item.get("comment"):
        parts.append(Text(f"{item['reviewer']}: {safe_text(item['comment'])}", style="yellow"))
    parts.append(Text(""))
    return Group(*parts)


class ReviewScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "decide('accepted')", "Accept"),
        Binding("w", "query_quote", "Query…"),
        Binding("r", "decide('rejected')", "Reject"),
        Binding("c", "pick_code", "Code filter"),
        Binding("s", "cycle_status", "Status filter"),
        Binding("j", "move(1)", show=False),
        Binding("k", "move(-1)", show=False),
        Binding("escape,R", "app.pop_screen", "Back"),
    ]

    def __init__(self, project: Project, reviewer: str) -> None:
        super().__init__()
        self.project, self.reviewer = project, reviewer
        self.code: str | None = None
        self.status: str | None = "pending"
        self.items: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="review-title", classes="panel-title")
        yield OptionList(id="quotes")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#quotes", OptionList).focus()

    def load(self, keep_index: int = 0) -> None:
        self.items = list_review_items(
            self.project, code=self.code, status=self.status, limit=PAGE, by_code=True
        )
        on_segments = memos_on(
            self.project, "segment", sorted({i["segment_id"] for i in self.items if i["segment_id"]})
        )
        on_codings = memos_on(self.project, "coding", [i["id"] for i in self.items])
        for item in self.items:
            item["memos"] = on_segments.get(item["segment_id"], []) + on_codings.get(item["id"], [])
        quotes = self.query_one("#quotes", OptionList)
        quotes.clear_options()
        quotes.add_options([Option(quote_label(i), id=str(i["id"])) for i in self.items])
        if self.items:
            quotes.highlighted = min(keep_index, len(self.items) - 1)
        more = f" (first {PAGE})" if len(self.items) == PAGE else ""
        self.query_one("#review-title", Label).update(
            f"Review — reviewer {self.reviewer} — code: {self.code or 'all'} — status: {self.status or 'all'}"
            f" — {len(self.items)} quote(s){more}   a accept · w query · r reject · c code · s status"
        )

    @property
    def current(self) -> tuple[int, dict[str, Any]] | None:
        index = self.query_one("#quotes", OptionList).highlighted
        return (index, self.items[index]) if index is not None and index < len(self.items) else None

    def action_move(self, delta: int) -> None:
        quotes = self.query_one("#quotes", OptionList)
        if self.items:
            quotes.highlighted = max(0, min((quotes.highlighted or 0) + delta, len(self.items) - 1))

    def action_decide(self, status: str, comment: str | None = None) -> None:
        cur = self.current
        if cur is None:
            return
        index, item = cur
        try:
            set_review(self.project, item["id"], status, comment, reviewer=self.reviewer)
        except QualcodeError as exc:
            # Messages quote user text (keys, names): shown as written, never as markup.
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        self.load(index if self.status is None else index)  # filtered lists drop the decided quote

    def action_query_quote(self) -> None:
        if self.current is not None:

            def got_text(text: str | None) -> None:
                if text:
                    self.action_decide("queried", text)

            self.app.push_screen(TextPrompt("What should the coder check? (required)"), got_text)

    def action_pick_code(self) -> None:
        codes = load_codebook(self.project).codes
        self.app.push_screen(
            CodePicker(codes, title="Show quotes of which code? (Escape: all codes)"), self.set_code
        )

    def set_code(self, key: str | None) -> None:
        self.code = key
        self.load()

    def action_cycle_status(self) -> None:
        order: list[str | None] = [None, *STATUSES]
        self.status = order[(order.index(self.status) + 1) % len(order)]
        self.load()
