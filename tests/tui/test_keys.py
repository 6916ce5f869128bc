"""Workbench keys not covered elsewhere: moving, redo, quick keys (pinned, per coder, kept), panels, quit,
summary, compare coders, Enter in the documents and codebook panels, memo markers, suggestion refresh."""

from __future__ import annotations

import io

from rich.console import Console

from qualcode.store.quickkeys import load_quick_keys
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.panels import DocumentList
from qualcode.tui.widgets.transcript import TranscriptView
from tests.tui.helpers import SIZE, current_segment, ready, rows

from .keys import covers

CODED_BY_ZOE = (
    "SELECT k.segment_id, c.key FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.coder = 'zoe'"
    " ORDER BY k.id"
)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@covers("j", "k", "down", "up")
async def test_moving_between_segments(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        first = current_segment(app)["id"]
        await pilot.press("j", "j", "k")
        assert view.current_index == 1
        await pilot.press("down", "down", "up")
        assert view.current_index == 2
        await pilot.press("k", "k", "k")
        assert view.current_index == 0 and current_segment(app)["id"] == first


@covers("p", *"123456789")
async def test_pinned_quick_keys_stay_put_per_coder_and_across_restarts(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        tree = screen.query_one(CodebookTree)
        keys = [c.key for c in screen.codebook.codes if not screen.codebook.children(c.key)][:10]
        for key in keys[:9]:
            tree.move_cursor(tree.nodes[key])
            await pilot.press("p")
        assert screen.quick == keys[:9]
        tree.move_cursor(tree.nodes[keys[9]])
        await pilot.press("p")  # all nine taken: nothing moves
        await pilot.pause()
        assert screen.quick == keys[:9] and any("All nine" in n for n in notes(app))
        # coding with 3 must not reorder the slots (they used to follow the most recent codes)
        await pilot.press("n")
        seg3 = current_segment(app)["id"]
        await pilot.press("3")
        await pilot.pause()
        assert screen.quick == keys[:9]
        for slot in "12456789":
            await pilot.press("n", slot)
            await pilot.pause()
    got = rows(demo_location, CODED_BY_ZOE)
    assert got[0] == {"segment_id": seg3, "key": keys[2]}
    assert [g["key"] for g in got] == [keys[2], *[keys[int(s) - 1] for s in "12456789"]]
    with __import__("qualcode.store.project", fromlist=["Project"]).Project.open(demo_location) as p:
        assert load_quick_keys(p, "zoe") == keys[:9]
        assert load_quick_keys(p, "amira") == [None] * 9  # per coder
    again = QualcodeApp(demo_location, coder="zoe")
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.screen.quick == keys[:9]
        tree = again.screen.query_one(CodebookTree)
        tree.move_cursor(tree.nodes[keys[0]])
        await pilot.press("p")  # p on a pinned code frees its key
        assert again.screen.quick[0] is None
        await pilot.press("1")
        assert any("Quick key 1 is empty" in n for n in notes(again))


@covers("u", "U", "ctrl+y")
async def test_undo_and_redo_say_what_they_did(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        assert any("Nothing to undo" in n for n in notes(app))
        await pilot.press("j", "c", *"signp", "enter")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert rows(demo_location, CODED_BY_ZOE) == []
        assert any(n == "Undid: code org.signposting" for n in notes(app))
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert [r["key"] for r in rows(demo_location, CODED_BY_ZOE)] == ["org.signposting"]
        assert any(n == "Redid: code org.signposting" for n in notes(app))
        await pilot.press("U")
        assert any("Nothing to redo" in n for n in notes(app))


@covers("enter:documents", "enter:codebook", "tab")
async def test_enter_opens_a_document_and_applies_a_code_from_the_tree(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        docs = screen.query_one(DocumentList)
        docs.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.document["name"] == "int02-attendee-housing"
        assert screen.query_one(TranscriptView).has_focus
        await pilot.press("n")
        seg = current_segment(app)["id"]
        await pilot.press("tab")  # transcript -> codebook
        assert screen.query_one(CodebookTree).has_focus
        tree = screen.query_one(CodebookTree)
        tree.move_cursor(
            tree.nodes["org.referrals"] if "org.referrals" in tree.nodes else tree.nodes["org.signposting"]
        )
        key = tree.cursor_node.data
        await pilot.press("enter")
        await pilot.pause()
    assert rows(demo_location, CODED_BY_ZOE) == [{"segment_id": seg, "key": key}]


@covers("c")
async def test_suggestions_follow_every_coding_route_and_skip_research_team_turns(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("n")
        first = screen.suggestions[0].code
        await pilot.press("c", *first, "enter")  # code the top suggestion by hand, not with a
        await pilot.pause()
        assert first not in [s.code for s in screen.suggestions]
        tree = screen.query_one(CodebookTree)
        top = screen.suggestions[0].code
        tree.move_cursor(tree.nodes[top])
        tree.focus()
        await pilot.press("enter")  # the tree route
        await pilot.pause()
        assert top not in [s.code for s in screen.suggestions]
        await pilot.press("p")
        screen.query_one(TranscriptView).focus()
        await pilot.press("n")
        nxt = screen.suggestions and screen.suggestions[0].code
        await pilot.press("1")  # the quick-key route
        await pilot.pause()
        if nxt == top:
            assert top not in [s.code for s in screen.suggestions]
        # a research-team turn (no case: the interviewer) gets no suggestions
        view = screen.query_one(TranscriptView)
        view.highlighted = next(i for i, r in enumerate(view.rows) if not r.get("case"))
        await pilot.pause()
        assert screen.suggestions == []
        assert "research-team" in str(screen.query_one("#suggestions").get_option_at_index(0).prompt)
        await pilot.press("a")
        assert any("No suggestion" in n for n in notes(app))


@covers("m")
async def test_a_memo_shows_as_a_marker_on_the_turn_and_in_reviewer_mode(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "c", *"joint", "enter")
        await pilot.pause()
        await pilot.press("m", *"Ask about the fire service", "ctrl+s")
        await pilot.pause()
        assert [m["text"] for m in current_segment(app)["memos"]] == ["Ask about the fire service"]
        console = Console(width=100, record=True, file=io.StringIO())
        from qualcode.tui.widgets.transcript import render_segment

        console.print(render_segment(current_segment(app), "zoe"))
        assert "✎ memo (zoe)" in console.export_text()
        await pilot.press("R", "c", *"joint", "enter")
        await pilot.pause()
        quotes = app.screen.query_one("#quotes")
        shown = "\n".join(
            str(quotes.get_option_at_index(i).prompt.renderables[k])
            for i in range(quotes.option_count)
            for k in range(len(quotes.get_option_at_index(i).prompt.renderables))
        )
        assert "✎ memo by zoe: Ask about the fire service" in shown


@covers("d", "t")
async def test_panel_toggles(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        left, right = screen.query_one("#left"), screen.query_one("#right")
        assert not left.display and not right.display
        await pilot.press("d")
        await pilot.pause()
        assert left.display and not right.display and screen.query_one(DocumentList).has_focus
        await pilot.press("t")
        await pilot.pause()
        assert right.display and not left.display  # narrow: one side panel at a time
        await pilot.press("t")
        await pilot.pause()
        assert not right.display and screen.query_one(TranscriptView).has_focus


@covers("q")
async def test_q_quits_without_waiting_for_the_suggester(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        app.screen.train_suggester()  # a fit is running in its thread
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running  # exited at once; the speed of a real quit is in benchmarks/bench_tui.py
        assert app.screen_stack == [] or app._exit_renderables == []


@covers("S")
async def test_summary_counts_below_ten_cases_never_percentages(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await ready(pilot)
        console = Console(width=160, record=True, file=io.StringIO())
        console.print(app.screen.table)
        chart = console.export_text()
        assert (
            "INT (N=5)" in chart and "STG (N=1)" in chart and "SUR (N=45)" in chart
        )  # abbreviated beside the survey
        assert "5 of 5" in chart and "1 of 1" in chart and "100%" not in chart
        assert "% (n=" in chart  # the survey has 44 cases: percentages there
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"


@covers("D")
async def test_compare_coders_and_open_a_disagreement(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        await ready(pilot)
        listing = app.screen.query_one("#disagreements")
        assert listing.option_count > 0
        assert "kappa" in str(app.screen.query_one("#summary").render())
        target = int(listing.get_option_at_index(0).id)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench" and current_segment(app)["id"] == target
