"""The outcome map's dialogs: add or edit an aim, a boundary partner, an outcome or a claim; confirm a deletion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, SelectionList, TextArea

from qualcode.core.display import safe_text
from qualcode.core.models import CONTRIBUTION_CATEGORIES
from qualcode.tui.screens.dialogs import Dialog, DialogBody
from qualcode.tui.widgets.choice import chosen, initial

# Tries the fields: None when saved, else the one-line message to show in the dialog (which stays open).
Saver = Callable[[dict[str, Any]], "str | None"]


class ItemDialog(Dialog):
    """A form for one outcome map item. Ctrl+S (or Enter in a one-line field) saves through `save`; a problem
    (a duplicate key, an empty label) is shown in the dialog, which stays open; Escape cancels."""

    BINDINGS = [Binding("ctrl+s", "save", "Save")]
    WHAT = "item"
    TALL = False  # the longer forms take most of the screen, their fields scrolling inside

    def __init__(self, item: dict[str, Any], save: Saver, new: bool) -> None:
        super().__init__()
        self.item, self.save, self.new = item, save, new

    def compose(self) -> ComposeResult:
        title = f"New {self.WHAT}" if self.new else f"Edit {self.WHAT} {self.item.get('key', '')}"
        # The title, a problem with the fields and the keys stay in view while the fields scroll (80x24).
        with Vertical(classes="box wide tall" if self.TALL else "box wide"):
            yield Label(safe_text(title), classes="title")
            with DialogBody(classes="map-fields fill" if self.TALL else "map-fields"):
                yield Label("Key (letters, digits, '.', '_', '-')")
                yield Input(self.item.get("key", ""), id="key")
                yield from self.compose_fields()
            yield Label("", id="error")
            yield Label("Ctrl+S saves (Enter too, in a one-line box); Escape cancels.", classes="hint")

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#key" if self.new else self.FIRST).focus()

    FIRST = "#label"

    def fields(self) -> dict[str, Any]:
        return {"key": self.query_one("#key", Input).value.strip()}

    def action_save(self) -> None:
        error = self.save(self.fields())
        label = self.query_one("#error", Label)
        if error:
            label.update(Text(safe_text(error), style="bold red"))
            label.display = True
            label.scroll_visible()
        else:
            self.dismiss(True)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def text_area(self, value: str, id: str) -> TextArea:
        return TextArea(value, id=id, soft_wrap=True, classes="field")

    @staticmethod
    def radios(choices: list[tuple[str, str]], current: str, id: str) -> RadioSet:
        return RadioSet(
            *[RadioButton(label, value=current == name, name=name) for name, label in choices],
            id=id,
            classes="across",
        )

    def pressed(self, id: str) -> str:
        button = self.query_one(f"#{id}", RadioSet).pressed_button
        return (button.name or "") if button is not None else ""


class AimDialog(ItemDialog):
    WHAT = "aim"

    def compose_fields(self) -> ComposeResult:
        yield Label("Label (what the programme wants to change)")
        yield Input(self.item.get("label", ""), id="label")
        yield Label("Success criteria, one per line")
        yield self.text_area("\n".join(self.item.get("success", [])), "success")

    def fields(self) -> dict[str, Any]:
        return {
            **super().fields(),
            "label": self.query_one("#label", Input).value,
            "success": self.query_one("#success", TextArea).text,
        }


class PartnerDialog(ItemDialog):
    WHAT = "boundary partner"

    def compose_fields(self) -> ComposeResult:
        yield Label("Label (who the programme works with or influences)")
        yield Input(self.item.get("label", ""), id="label")
        yield Label("Direct (works with the programme) or indirect (influenced through others)")
        yield self.radios(
            [("direct", "direct"), ("indirect", "indirect")], self.item.get("kind", "direct"), "kind"
        )

    def fields(self) -> dict[str, Any]:
        return {
            **super().fields(),
            "label": self.query_one("#label", Input).value,
            "kind": self.pressed("kind"),
        }


class OutcomeDialog(ItemDialog):
    WHAT = "outcome"
    TALL = True

    def __init__(
        self,
        item: dict[str, Any],
        save: Saver,
        new: bool,
        partners: list[tuple[str, str]],
        aims: list[tuple[str, str]],
    ) -> None:
        """`partners` and `aims`: (key, label) of each, to choose from."""
        super().__init__(item, save, new)
        self.partners, self.aims = partners, aims

    def compose_fields(self) -> ComposeResult:
        yield Label("Label (the change expected)")
        yield Input(self.item.get("label", ""), id="label")
        yield Label("Boundary partner")
        yield Select(
            [(Text(f"{safe_text(label)} ({key})"), key) for key, label in self.partners],
            value=initial(self.item.get("partner")),
            id="partner",
            prompt="choose a partner",
        )
        yield Label("Mechanism (how the programme is expected to cause it)")
        yield self.text_area(self.item.get("mechanism", ""), "mechanism")
        yield Label("Aims it serves (Space ticks)")
        yield SelectionList[str](
            *[
                (Text(f"{key}  {safe_text(label)}"), key, key in self.item.get("aims", []))
                for key, label in self.aims
            ],
            id="aims",
        )

    def fields(self) -> dict[str, Any]:
        partner = chosen(self.query_one("#partner", Select))
        return {
            **super().fields(),
            "label": self.query_one("#label", Input).value,
            "partner": "" if partner is None else str(partner),
            "mechanism": self.query_one("#mechanism", TextArea).text,
            "aims": list(self.query_one("#aims", SelectionList).selected),
        }


class ClaimDialog(ItemDialog):
    WHAT = "claim"
    TALL = True
    FIRST = "#text"

    def __init__(self, item: dict[str, Any], save: Saver, new: bool, about: list[tuple[str, str]]) -> None:
        """`about`: (key, label) of the outcomes and aims a claim can be about."""
        super().__init__(item, save, new)
        self.about = about

    def compose_fields(self) -> ComposeResult:
        yield Label("Claim (what changed)")
        yield self.text_area(self.item.get("text", ""), "text")
        yield Label("About (an outcome or an aim)")
        yield Select(
            [(Text(f"{key}  {safe_text(label)}"), key) for key, label in self.about],
            value=initial(self.item.get("about")),
            id="about",
            prompt="(neither)",
        )
        yield Label("Contribution category")
        yield self.radios(
            [("", "(not set)"), *[(c, c) for c in CONTRIBUTION_CATEGORIES]],
            self.item.get("category", ""),
            "category",
        )
        yield Label(
            "Judgement (a change adds an entry to the claim's judgement history; no rating records none)",
            classes="hint",
        )
        yield Label("Rating (e.g. strong, plausible, weak)")
        yield Input(self.item.get("rating", ""), id="rating")
        yield Label("Confidence")
        yield self.radios(
            [("", "(not set)"), ("low", "low"), ("medium", "medium"), ("high", "high")],
            self.item.get("confidence", ""),
            "confidence",
        )
        yield Label("Rationale (why)")
        yield self.text_area(self.item.get("rationale", ""), "rationale")

    def fields(self) -> dict[str, Any]:
        about = chosen(self.query_one("#about", Select))
        return {
            **super().fields(),
            "text": self.query_one("#text", TextArea).text,
            "about": "" if about is None else str(about),
            "category": self.pressed("category"),
            "rating": self.query_one("#rating", Input).value,
            "confidence": self.pressed("confidence"),
            "rationale": self.query_one("#rationale", TextArea).text,
        }


class ConfirmDialog(Dialog):
    """Say what an action will do; y or Enter goes ahead, n or Escape does not. Result: True or None."""

    BINDINGS = [
        Binding("y,enter", "yes", "Yes", priority=True),
        Binding("n", "cancel", "No"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide", id="confirm"):
            yield Label(safe_text(self.title_text), classes="title")
            yield Label(safe_text(self.message))
            yield Label("y or Enter: yes · n or Escape: no (u undoes it afterwards)", classes="hint")

    def action_yes(self) -> None:
        self.dismiss(True)
