"""Small modal dialogs: ask a name, pick a code, pick a coding, set a contribution, write a memo, select a span."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet, TextArea
from textual.widgets.option_list import Option

from qualcode.core.codematch import rank_codes
from qualcode.core.display import safe_text
from qualcode.core.models import CONTRIBUTION_CATEGORIES, Code


class DialogBody(VerticalScroll):
    """A dialog's box that scrolls when the terminal is short (80x24): the focus moves through its fields, never
    stops on the box itself, and the focused field is scrolled into view."""

    can_focus = False


class Dialog(ModalScreen[Any]):
    """A modal with a title, closed by Escape with no result. Keys typed while it opens are held by the app
    and delivered once its focus is set (see QualcodeApp.on_event), so fast typing loses nothing."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CLASSES = "dialog"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holding_keys = True
        self.held_keys: list[events.Key] = []

    def _on_mount(self, event: events.Mount) -> None:
        # Runs before the subclass's on_mount (which sets the focus through the app's queue); queue the release
        # behind it: first on this screen's queue, then on the app's, after the focus change.
        self.call_later(self.app.call_later, self.app.release_keys, self)  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(Dialog):
    """One line of text, e.g. the coder's name or a new label."""

    def __init__(self, title: str, value: str = "", placeholder: str = "", replace: bool = True) -> None:
        """replace=False keeps `value` as a prefix to type after (a new child key) instead of selecting it."""
        super().__init__()
        self.title_text, self.value, self.placeholder, self.replace = title, value, placeholder, replace

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(self.title_text, classes="title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt", select_on_focus=self.replace)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class CodePicker(Dialog):
    """Type part of a code's key or label; Enter applies the highlighted match."""

    BINDINGS = [Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]

    def __init__(self, codes: list[Code], title: str = "Apply code", exclude: set[str] | None = None) -> None:
        super().__init__()
        self.codes = [c for c in codes if c.key not in (exclude or set())]
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label(self.title_text, classes="title")
            yield Input(placeholder="type part of a key or label…", id="query")
            yield OptionList(id="matches")

    def on_mount(self) -> None:
        self.refill("")

    def refill(self, query: str) -> None:
        matches = self.query_one("#matches", OptionList)
        matches.clear_options()
        for code, _ in rank_codes(query, self.codes, limit=30):
            label = Text("■ ", style=code.colour or "grey50")
            label.append(code.key, style="bold")
            label.append(f"  {safe_text(code.label)}")
            matches.add_option(Option(label, id=code.key))
        if matches.option_count:
            matches.highlighted = 0

    @on(Input.Changed, "#query")
    def changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    def action_move(self, delta: int) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.option_count:
            matches.highlighted = max(0, min((matches.highlighted or 0) + delta, matches.option_count - 1))

    @on(Input.Submitted, "#query")
    def submitted(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.highlighted is not None and matches.option_count:
            self.dismiss(matches.get_option_at_index(matches.highlighted).id)

    @on(OptionList.OptionSelected, "#matches")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ChoicePicker(Dialog):
    """Choose one item from a short list (e.g. which of a segment's codings)."""

    def __init__(self, title: str, choices: list[tuple[str, Text | str]]) -> None:
        super().__init__()
        self.title_text, self.choices = title, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label(self.title_text, classes="title")
            yield OptionList(*[Option(label, id=value) for value, label in self.choices], id="choices")

    def on_mount(self) -> None:
        self.query_one("#choices", OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


def complete_claim(typed: str, claims: list[str]) -> str | None:
    """The first existing claim that starts with what was typed (ignoring case), if it adds anything."""
    folded = typed.casefold()
    if not folded:
        return None
    for claim in claims:
        if claim.casefold().startswith(folded) and len(claim) > len(typed):
            return claim
    return None


class ClaimInput(Input):
    """The claim box: Tab completes an existing claim (computed at once, so no key waits on a worker).
    The app's Tab binding calls complete_on_tab instead of moving the focus."""

    BINDINGS = [Binding("down", "to_list", show=False)]

    def __init__(self, value: str, claims: list[str], **kwargs: Any) -> None:
        super().__init__(value, suggester=SuggestFromList(claims, case_sensitive=False), **kwargs)
        self.claims = claims

    def complete_on_tab(self) -> None:
        """Complete to the first claim starting with what was typed; with nothing to complete, move on."""
        completion = complete_claim(self.value, self.claims)
        if completion is None:
            self.screen.focus_next()
            return
        self.value = completion
        self.cursor_position = len(completion)

    def action_to_list(self) -> None:
        listing = self.screen.query_one("#claim-list", OptionList)
        if listing.option_count:
            listing.highlighted = 0
            listing.focus()


POLARITY_CHOICES = ("supports", "contradicts", "mixed")


class ContributionDialog(Dialog):
    """Contribution category, claim and the coding's polarity on that claim. Result: (category or '', claim,
    polarity or None for the default: supports, or contradicts with category none)."""

    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def __init__(
        self, coding: Mapping[str, Any], claims: list[str], keys: dict[str, str] | None = None
    ) -> None:
        """`claims`: claim texts to offer; `keys`: the key of each text that is a claim object (shown in the list)."""
        super().__init__()
        self.coding, self.claims, self.keys = coding, claims, keys or {}
        links = coding.get("claims") or []
        self.polarity = links[0]["polarity"] if len(links) == 1 else None

    def compose(self) -> ComposeResult:
        with DialogBody(classes="box wide"):
            yield Label(f"Contribution for {self.coding['code']}", classes="title")
            yield Label(Text(safe_text(self.coding["text"][:300]), style="italic"))
            with RadioSet(id="category"):
                yield RadioButton("(no category)", value=not self.coding.get("contribution"), name="")
                for key, meaning in CONTRIBUTION_CATEGORIES.items():
                    yield RadioButton(
                        f"{key}: {meaning}", value=self.coding.get("contribution") == key, name=key
                    )
            yield Label(
                "Claim of change (Tab completes an existing claim; ↓ then Enter takes one from the list):"
            )
            yield ClaimInput(self.coding.get("claim") or "", self.claims, id="claim")
            yield OptionList(*self.claim_options(""), id="claim-list")
            yield Label("Evidence on the claim (nothing ticked: supports; contradicts with category none):")
            with RadioSet(id="polarity"):
                for value in POLARITY_CHOICES:
                    yield RadioButton(value, value=self.polarity == value, name=value)
            yield Label("Enter in the claim box or Ctrl+S saves; Escape cancels.", classes="hint")

    def claim_options(self, typed: str) -> list[Option]:
        folded = typed.casefold().strip()
        options = []
        for i, c in enumerate(self.claims):
            if folded in c.casefold():
                label = Text(f"{self.keys[c]}  ", style="dim") if c in self.keys else Text()
                label.append(safe_text(c))
                options.append(Option(label, id=f"claim-{i}"))
        return options

    def on_mount(self) -> None:
        self.query_one("#category", RadioSet).focus()

    @on(Input.Changed, "#claim")
    def claim_typed(self, event: Input.Changed) -> None:
        listing = self.query_one("#claim-list", OptionList)
        listing.clear_options()
        listing.add_options(self.claim_options(event.value))

    @on(OptionList.OptionSelected, "#claim-list")
    def claim_picked(self, event: OptionList.OptionSelected) -> None:
        """Enter on a listed claim takes it as written and saves (no retyping, so no variant spellings)."""
        self.query_one("#claim", ClaimInput).value = self.claims[
            int((event.option.id or "claim-0").split("-")[1])
        ]
        self.action_save()

    def action_save(self) -> None:
        radio = self.query_one("#category", RadioSet)
        button = radio.pressed_button
        category = (button.name or "") if button is not None else ""
        polarity = self.query_one("#polarity", RadioSet).pressed_button
        self.dismiss(
            (
                category,
                self.query_one("#claim", Input).value.strip(),
                polarity.name if polarity is not None else None,
            )
        )

    @on(Input.Submitted, "#claim")
    def submitted(self) -> None:
        self.action_save()


class MemoDialog(Dialog):
    """Write or edit a memo. Ctrl+S saves (empty text deletes the memo); Escape cancels."""

    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide tall"):
            yield Label(self.title_text, classes="title")
            yield TextArea(self.text, id="memo", soft_wrap=True)
            yield Label("Ctrl+S saves, Escape cancels. Saving an empty memo deletes it.", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#memo", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one("#memo", TextArea).text)


class SpanDialog(Dialog):
    """Select part of a segment (Shift+arrows or the mouse), then Enter. Result: (start, end) within the text."""

    BINDINGS = [Binding("enter", "choose", "Code selection", priority=True)]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide tall"):
            yield Label("Select the words to code (Shift+arrows or drag), then Enter", classes="title")
            yield TextArea(self.text, id="span", read_only=True, soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#span", TextArea).focus()

    def action_choose(self) -> None:
        area = self.query_one("#span", TextArea)
        sel = area.selection
        # TextArea's document is a Document at runtime; Textual types it as DocumentBase, which lacks this method.
        a = area.document.get_index_from_location(sel.start)  # type: ignore[attr-defined]
        b = area.document.get_index_from_location(sel.end)  # type: ignore[attr-defined]
        start, end = min(a, b), max(a, b)
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if end > start:
            self.dismiss((start, end))
        else:
            self.notify("Select some words first", severity="warning")
