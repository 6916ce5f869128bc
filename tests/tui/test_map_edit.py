"""Editing the outcome map in the workbench (O): every dialog opens with its defaults, saves and closes; errors stay
in the dialog; deletions are confirmed or refused; every edit is undone and redone with feedback."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, RadioSet, Select, SelectionList, TextArea, Tree

from qualcode.tui.app import QualcodeApp
from tests.tui.helpers import SIZE, rows

from .keys import covers

SCREEN = "OutcomeMapScreen"


def notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_map(pilot: Any, at: tuple[str, str] | None = None) -> Any:
    await pilot.press("O")
    await pilot.pause()
    screen = pilot.app.screen
    assert type(screen).__name__ == SCREEN
    if at is not None:
        screen.move_to(at)
        await pilot.pause()
        assert (screen.current["kind"], screen.current["key"]) == at
    return screen


def value(app: Any, selector: str) -> Any:
    widget = app.screen.query_one(selector)
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, RadioSet):
        pressed = widget.pressed_button
        return pressed.name if pressed is not None else None
    if isinstance(widget, SelectionList):
        return list(widget.selected)
    return widget.value


def tree_keys(app: Any) -> list[tuple[str, str]]:
    tree = app.screen.query_one("#map", Tree)
    found = []

    def walk(node: Any) -> None:
        if node.data and node.data.get("key"):
            found.append((node.data["kind"], node.data["key"]))
        for child in node.children:
            walk(child)

    walk(tree.root)
    return found


@covers("A", "ctrl+s:dialog", "u", "U", "ctrl+y", screen=SCREEN)
async def test_new_aim_dialog_saves_an_aim_and_undo_redo_say_what_they_did(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        await pilot.press("A")
        await pilot.pause()
        assert type(app.screen).__name__ == "AimDialog"
        assert (value(app, "#key"), value(app, "#label"), value(app, "#success")) == ("", "", "")
        assert app.focused is app.screen.query_one("#key")
        await pilot.press(
            *"aim.funding", "tab", *"Funding follows the evidence", "tab", *"A grant", "enter", "x"
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(demo_location, "SELECT label, success FROM aims WHERE key = 'aim.funding'") == [
            {"label": "Funding follows the evidence", "success": '["A grant", "x"]'}
        ]
        assert ("aim", "aim.funding") in tree_keys(app)
        assert (app.screen.current["kind"], app.screen.current["key"]) == ("aim", "aim.funding")
        await pilot.press("u")
        await pilot.pause()
        assert "Undid: add aim aim.funding" in notes(app)
        assert rows(demo_location, "SELECT 1 FROM aims WHERE key = 'aim.funding'") == []
        assert ("aim", "aim.funding") not in tree_keys(app)
        await pilot.press("U")
        await pilot.pause()
        assert "Redid: add aim aim.funding" in notes(app)
        assert ("aim", "aim.funding") in tree_keys(app)
        await pilot.press("u", "ctrl+y")
        await pilot.pause()
        assert rows(demo_location, "SELECT count(*) AS n FROM aims WHERE key = 'aim.funding'") == [{"n": 1}]
        actions = rows(demo_location, "SELECT action FROM change_log WHERE who = 'zoe' ORDER BY id")
        assert [a["action"] for a in actions] == [
            "aim.add",
            "aim.delete",
            "aim.restore",
            "aim.delete",
            "aim.restore",
        ]


async def test_a_duplicate_key_or_an_empty_label_shows_in_the_dialog_which_stays_open(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        await pilot.press("A", *"aim.voice", "tab", *"Again", "ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "AimDialog"
        error = app.screen.query_one("#error")
        assert error.display and "there is already an aim 'aim.voice'" in str(error.render())
        app.screen.query_one("#key", Input).value = "aim.new"
        app.screen.query_one("#label", Input).value = "   "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "label is missing" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(demo_location, "SELECT count(*) AS n FROM aims") == [{"n": 5}]


@covers("P", screen=SCREEN)
async def test_new_partner_dialog_defaults_to_direct_and_saves_on_enter(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        await pilot.press("P")
        await pilot.pause()
        assert type(app.screen).__name__ == "PartnerDialog"
        assert (value(app, "#key"), value(app, "#label"), value(app, "#kind")) == ("", "", "direct")
        app.screen.query_one("#kind", RadioSet).query("RadioButton")[1].value = True
        await pilot.press(*"funders", "tab", *"Funders and trusts", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(demo_location, "SELECT label, kind FROM partners WHERE key = 'funders'") == [
            {"label": "Funders and trusts", "kind": "indirect"}
        ]
        # the cursor is on the new partner (its own field 'kind' must not be taken for the item's kind)
        assert (app.screen.current["kind"], app.screen.current["key"]) == ("partner", "funders")


@covers("o", screen=SCREEN)
async def test_new_outcome_dialog_takes_the_highlighted_partner(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot, ("partner", "commissioners"))
        await pilot.press("o")
        await pilot.pause()
        assert type(app.screen).__name__ == "OutcomeDialog"
        assert (value(app, "#key"), value(app, "#label"), value(app, "#mechanism"), value(app, "#aims")) == (
            "",
            "",
            "",
            [],
        )
        assert value(app, "#partner") == "commissioners"
        app.screen.query_one("#aims", SelectionList).select("aim.profile")
        await pilot.press(*"out.budgets", "tab", *"Budgets name multiple disadvantage", "ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(
            demo_location,
            "SELECT o.label, p.key AS partner, a.key AS aim FROM outcomes o JOIN partners p ON p.id = o.partner_id"
            " JOIN outcome_aims oa ON oa.outcome_id = o.id JOIN aims a ON a.id = oa.aim_id WHERE o.key = 'out.budgets'",
        ) == [
            {"label": "Budgets name multiple disadvantage", "partner": "commissioners", "aim": "aim.profile"}
        ]
        assert "added outcome out.budgets" in notes(app)


@covers("c", screen=SCREEN)
async def test_new_claim_dialog_is_about_the_highlighted_outcome_and_records_a_judgement(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot, ("outcome", "out.referrals"))
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "ClaimDialog"
        assert [
            value(app, f"#{f}") for f in ("key", "text", "rating", "rationale", "category", "confidence")
        ] == ["", "", "", "", "", ""]
        assert value(app, "#about") == "out.referrals"
        await pilot.press(*"c.duty", "tab", *"Workers share a duty-to-refer contact list")
        app.screen.query_one("#category", RadioSet).query("RadioButton")[3].value = True  # improved
        app.screen.query_one("#confidence", RadioSet).query("RadioButton")[2].value = True  # medium
        app.screen.query_one("#rating", Input).value = "plausible"
        app.screen.query_one("#rationale", TextArea).text = "Two services say so"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(
            demo_location,
            "SELECT c.text, c.category, o.key AS outcome, j.rating, j.confidence, j.rationale, j.who FROM claims c"
            " JOIN outcomes o ON o.id = c.outcome_id JOIN judgements j ON j.target = 'claim:' || c.key"
            " WHERE c.key = 'c.duty'",
        ) == [
            {
                "text": "Workers share a duty-to-refer contact list",
                "category": "improved",
                "outcome": "out.referrals",
                "rating": "plausible",
                "confidence": "medium",
                "rationale": "Two services say so",
                "who": "zoe",
            }
        ]
        assert ("claim", "c.duty") in tree_keys(app)
        await pilot.press("u")
        await pilot.pause()
        assert rows(demo_location, "SELECT count(*) AS n FROM judgements WHERE target = 'claim:c.duty'") == [
            {"n": 0}
        ]


@covers("e", "up", "down", screen=SCREEN)
async def test_edit_dialog_shows_the_claim_as_it_is_and_saves_the_change_undoably(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    before = rows(demo_location, "SELECT text FROM claims WHERE key = 'c.referrals'")[0]["text"]
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, ("claim", "c.referrals"))
        await pilot.press("down", "up")
        assert screen.current["key"] == "c.referrals"
        await pilot.press("e")
        await pilot.pause()
        assert type(app.screen).__name__ == "ClaimDialog"
        assert value(app, "#key") == "c.referrals" and value(app, "#text") == before
        assert (value(app, "#about"), value(app, "#category"), value(app, "#rating")) == (
            "out.referrals",
            "improved",
            "strong",
        )
        assert app.focused is app.screen.query_one("#text")
        app.screen.query_one("#text", TextArea).text = "Referrals between services are quicker and warmer"
        app.screen.query_one("#about", Select).value = "aim.partnership"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(
            demo_location,
            "SELECT c.text, a.key AS aim FROM claims c JOIN aims a ON a.id = c.aim_id WHERE c.key = 'c.referrals'",
        ) == [{"text": "Referrals between services are quicker and warmer", "aim": "aim.partnership"}]
        # no new judgement: rating, confidence and rationale were left as they were
        assert rows(
            demo_location, "SELECT count(*) AS n FROM judgements WHERE target = 'claim:c.referrals'"
        ) == [{"n": 1}]
        await pilot.press("u")
        await pilot.pause()
        assert "Undid: edit claim c.referrals" in notes(app)
        assert rows(demo_location, "SELECT text FROM claims WHERE key = 'c.referrals'")[0]["text"] == before


async def test_edit_dialogs_of_an_aim_a_partner_and_an_outcome_open_with_their_values(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, ("aim", "aim.voice"))
        await pilot.press("e")
        await pilot.pause()
        assert (
            value(app, "#success") == "Experts by experience co-produce events, resources and service changes"
        )
        await pilot.press("escape")
        screen.move_to(("partner", "lived-experience"))
        await pilot.press("e")
        await pilot.pause()
        assert (value(app, "#key"), value(app, "#kind")) == ("lived-experience", "direct")
        await pilot.press("escape")
        screen.move_to(("outcome", "out.referrals"))
        await pilot.press("e")
        await pilot.pause()
        assert (value(app, "#partner"), value(app, "#aims")) == ("practitioners", ["aim.partnership"])
        app.screen.query_one("#label", Input).value = "Quicker referrals"
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(demo_location, "SELECT label FROM outcomes WHERE key = 'out.referrals'") == [
            {"label": "Quicker referrals"}
        ]


@covers("d", "delete", screen=SCREEN)
async def test_delete_asks_first_and_says_what_goes_or_refuses_with_the_reason(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, ("outcome", "out.referrals"))
        await pilot.press("delete")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN  # refused: no dialog
        assert any("outcome out.referrals has 1 claim about it (c.referrals)" in n for n in notes(app))
        screen.move_to(("claim", "c.referrals"))
        await pilot.press("d")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        shown = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "With it go its evidence links from 9 codings (the codings stay); its 1 judgement" in shown
        await pilot.press("n")
        await pilot.pause()
        assert rows(demo_location, "SELECT count(*) AS n FROM claims WHERE key = 'c.referrals'") == [{"n": 1}]
        await pilot.press("d", "y")
        await pilot.pause()
        assert rows(demo_location, "SELECT count(*) AS n FROM claims WHERE key = 'c.referrals'") == [{"n": 0}]
        assert ("claim", "c.referrals") not in tree_keys(app)
        await pilot.press("u")
        await pilot.pause()
        assert rows(
            demo_location,
            "SELECT count(*) AS n FROM claim_evidence e JOIN claims c ON c.id = e.claim_id"
            " WHERE c.key = 'c.referrals'",
        ) == [{"n": 9}]
        assert "Undid: delete claim c.referrals" in notes(app)


@covers("r", "escape", "enter", screen=SCREEN)
async def test_reload_folds_and_back(demo_location):
    from qualcode.store.project import Project

    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_map(pilot, ("outcome", "out.referrals"))
        node = app.screen.query_one("#map", Tree).cursor_node
        await pilot.press("enter")
        assert not node.is_expanded
        await pilot.press("enter")
        assert node.is_expanded
        with Project.open(demo_location, coder="cli") as other:  # a change made elsewhere (the command line)
            from qualcode.app import map_edit

            map_edit.add(other, "aim", {"key": "aim.cli", "label": "From the CLI"})
        assert ("aim", "aim.cli") not in tree_keys(app)
        await pilot.press("r")
        await pilot.pause()
        assert ("aim", "aim.cli") in tree_keys(app)
        assert (screen.current["kind"], screen.current["key"]) == (
            "outcome",
            "out.referrals",
        )  # kept its place
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"


async def test_dialogs_open_with_nothing_chosen_when_the_cursor_gives_no_default(demo_location):
    """A claim started on a partner (not an outcome or aim) and an outcome started on an aim (not a partner)
    open with an empty choice: passing Textual 8's old BLANK flag as a value crashed the workbench here."""
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot, ("partner", "practitioners"))
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "ClaimDialog"
        assert app.screen.query_one("#about", Select).is_blank()
        await pilot.press(*"c.untied", "tab", *"Something changed")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
        assert rows(demo_location, "SELECT outcome_id, aim_id FROM claims WHERE key = 'c.untied'") == [
            {"outcome_id": None, "aim_id": None}
        ]


async def test_new_outcome_without_any_partner_opens_with_none_chosen(project):
    """On a study whose map has no partner yet, the outcome dialog opens with its partner choice empty."""
    path = project.path
    project.close()
    app = QualcodeApp(path, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert type(app.screen).__name__ == "OutcomeDialog"
        assert app.screen.query_one("#partner", Select).is_blank()
        await pilot.press(*"out.x", "tab", *"Something")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "OutcomeDialog"  # an outcome needs a partner: the dialog stays
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == SCREEN
