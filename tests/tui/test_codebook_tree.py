"""The codebook tree follows Codebook.walk(): a child listed before its parent still hangs under it."""

from __future__ import annotations

from textual.app import App, ComposeResult

from qualcode.core.models import Code, Codebook
from qualcode.tui.widgets.codebook_tree import CodebookTree

# Flat codebook order as a file with `parent:` may give it: the child comes first.
CHILD_FIRST = Codebook(
    codes=[
        Code(key="practice.confidence", label="Confidence", parent="practice"),
        Code(key="practice", label="Individual practice"),
        Code(key="org", label="Organisational impact"),
    ]
)


class TreeApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CodebookTree()


async def test_child_listed_first_hangs_under_its_parent_with_totals():
    app = TreeApp()
    async with app.run_test(size=(60, 12)) as pilot:
        tree = app.query_one(CodebookTree)
        tree.load(CHILD_FIRST, {"practice.confidence": 3, "practice": 2, "org": 1})
        await pilot.pause()
        child = tree.nodes["practice.confidence"]
        assert child.parent is tree.nodes["practice"]
        assert tree.shown == {"practice.confidence": 3, "practice": 5, "org": 1}
        assert tree.nodes["practice"].allow_expand and not tree.nodes["org"].allow_expand
