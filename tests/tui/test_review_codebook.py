"""Reviewer mode and the codebook editor: every key, opened with its defaults, checked in the project file."""

from __future__ import annotations

from textual.widgets import Input

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.codebook_tree import CodebookTree
from tests.tui.helpers import SIZE, rows

from .keys import covers


@covers("c", "s", "j", "k", "escape", "R", "down", screen="ReviewScreen")
async def test_reviewer_filters_moves_and_leaves(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
        review = app.screen
        assert review.status == "pending" and review.items
        await pilot.press("c", *"org.signposting", "enter")
        await pilot.pause()
        assert review.code == "org.signposting" and {i["code"] for i in review.items} == {"org.signposting"}
        quotes = review.query_one("#quotes")
        await pilot.press("j", "j", "k")
        assert quotes.highlighted == 1
        await pilot.press("a")  # accept the second quote
        await pilot.pause()
        await pilot.press("s")  # pending -> accepted
        await pilot.pause()
        assert review.status == "accepted" and len(review.items) == 1
        for _ in range(4):  # -> queried -> rejected -> all -> pending
            await pilot.press("s")
            await pilot.pause()
        assert review.status == "pending"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("R")  # R also leaves
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
    got = rows(
        demo_location,
        "SELECT c.key, r.status FROM reviews r JOIN codings k ON k.id = r.coding_id"
        " JOIN codes c ON c.id = k.code_id",
    )
    assert got == [{"key": "org.signposting", "status": "accepted"}]


async def open_codebook(pilot, key: str) -> CodebookTree:
    await pilot.press("b")
    await pilot.pause()
    tree = pilot.app.screen.query_one(CodebookTree)
    tree.move_cursor(tree.nodes[key])
    await pilot.pause()
    return tree


def codes(path) -> dict[str, dict]:
    return {
        r["key"]: r
        for r in rows(
            path,
            "SELECT c.key, c.label, c.definition, p.key AS parent FROM codes c"
            " LEFT JOIN codes p ON p.id = c.parent_id",
        )
    }


@covers("a", "A", "l", "K", "m", "escape", "b", screen="CodebookScreen")
async def test_codebook_add_rename_rekey_move(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook(pilot, "practice")
        await pilot.press("a", *"peer", "enter")  # key field starts with "practice."
        await pilot.pause()
        await pilot.press(*"Peer learning", "enter")
        await pilot.pause()
        await pilot.press("A", *"newtheme", "enter")
        await pilot.pause()
        await pilot.press(*"A new theme", "enter")
        await pilot.pause()
        tree = app.screen.query_one(CodebookTree)
        tree.move_cursor(tree.nodes["practice.peer"])
        await pilot.pause()
        assert app.screen.current.key == "practice.peer"
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one(Input).value = ""
        await pilot.press(*"Learning from peers", "enter")
        await pilot.pause()
        assert app.screen.current.key == "practice.peer"
        await pilot.press("K")
        await pilot.pause()
        app.screen.query_one(Input).value = "practice.peers"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("m", *"newtheme", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("b")  # b also leaves
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
    got = codes(demo_location)
    assert (
        got["practice.peers"]["label"] == "Learning from peers"
        and got["practice.peers"]["parent"] == "newtheme"
    )
    assert got["newtheme"]["label"] == "A new theme" and got["newtheme"]["parent"] is None
    assert "practice.peer" not in got


@covers("e", screen="CodebookScreen")
async def test_codebook_edit_definition(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await open_codebook(pilot, "org.signposting")
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one("#definition")
        area.text = "Pointing people to other services."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "CodebookScreen"
        await pilot.press("e", "escape")  # Escape leaves the dialog without saving
        await pilot.pause()
        assert type(app.screen).__name__ == "CodebookScreen"
    assert codes(demo_location)["org.signposting"]["definition"] == "Pointing people to other services."


@covers("escape:dialog")
async def test_escape_closes_each_dialog_without_saving(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("c", "s", "m", "slash", "f", "E", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ != "Workbench", key
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen).__name__ == "Workbench", key
    assert rows(demo_location, "SELECT id FROM change_log WHERE who = 'zoe'") == []
