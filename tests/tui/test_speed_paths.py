"""The workbench's fast paths give the same answers as the slow ones: searches and the filter's lists run off
the UI thread, counts kept current by each coding equal a fresh count, and `a` never accepts a suggestion
computed for another segment."""

from __future__ import annotations

import threading

from textual.widgets import OptionList, Select

from qualcode.store import browse, documents
from qualcode.store.browse import document_progress
from qualcode.store.codebook import code_counts
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.panels import DocumentList, StatusBar
from qualcode.tui.widgets.transcript import TranscriptView
from tests.tui.helpers import SIZE, current_segment, ready


async def test_search_runs_off_the_ui_thread(demo_location, monkeypatch):
    threads: list[threading.Thread] = []
    search = documents.search_segments

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return search(*args, **kwargs)

    monkeypatch.setattr("qualcode.tui.screens.search.search_segments", spy)
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"housing", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#results", OptionList).option_count > 0
    assert threads and all(t is not threading.main_thread() for t in threads)


async def test_filter_lists_load_off_the_ui_thread_and_keep_the_filter_in_force(demo_location, monkeypatch):
    threads: list[threading.Thread] = []
    values = browse.attribute_values

    def spy(project):
        threads.append(threading.current_thread())
        return values(project)

    monkeypatch.setattr("qualcode.tui.screens.filters.attribute_values", spy)
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        attribute = app.screen.query_one("#attribute", Select)
        options = [v for _, v in attribute._options if v is not Select.NULL]
        assert options, "the case attributes arrived"
        attribute.value = options[0]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.filter.attribute == tuple(options[0].split("\x1f", 1))
        await pilot.press("f")  # reopened: the attribute in force is shown, before and after the lists load
        await pilot.pause()
        assert app.screen.query_one("#attribute", Select).value == options[0]
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#attribute", Select).value == options[0]
    assert threads and all(t is not threading.main_thread() for t in threads)


async def test_counts_kept_by_codings_equal_a_fresh_count(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        workbench = app.screen
        tree = workbench.query_one(CodebookTree)
        tree.move_cursor(tree.nodes["org.signposting"])
        await pilot.press("p")  # quick key 1
        for keys in (["n", "1"], ["n", "1"], ["x"], ["c", *"joint", "enter"], ["u"], ["U"]):
            await pilot.press(*keys)
            await pilot.pause()
            project = app.project
            doc = workbench.document
            fresh = document_progress(project, doc["id"])
            assert (doc["coded_participant_segments"], doc["participant_segments"]) == fresh, keys
            assert workbench.query_one(DocumentList).get(doc["id"])["coded_participant_segments"] == fresh[0]
            assert workbench.query_one(StatusBar).fields[3:5] == fresh
            assert workbench.counts == {k: v["codings"] for k, v in code_counts(project).items()}


async def test_accept_right_after_moving_uses_the_new_segments_suggestions(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        workbench = app.screen
        await pilot.press("n")
        await pilot.pause()
        assert workbench.suggester is not None
        # Move and accept in one go, before the panel has caught up with the move.
        workbench.action_next_uncoded()
        seg = current_segment(app)
        assert workbench.suggestions_for != seg["id"]  # the panel still shows the previous segment's
        expected = workbench.suggester.suggest([(seg["id"], seg["text"])], top_k=5).get(seg["id"], [])
        workbench.action_accept_suggestion()
        await pilot.pause()
        coded = {c["code"] for c in workbench.query_one(TranscriptView).row(seg["id"])["codings"]}
        if expected:
            assert expected[0].code in coded
        else:
            assert not coded


async def test_footer_keeps_its_keys_across_a_dialog(demo_location):
    """Opening and closing a dialog leaves the workbench's key footer as it was, without rebuilding it."""
    from qualcode.tui.widgets.footer import KeyFooter

    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        footer = app.screen.query_one(KeyFooter)
        before = list(footer.children)
        assert len(before) > 10 and any(getattr(k, "key", None) == "n" for k in before)
        for key in ("m", "slash", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        assert list(footer.children) == before


async def test_a_filtered_document_is_counted_in_a_worker(demo_location, monkeypatch):
    """Under a filter the first page shows at once; the count (a probe per segment) arrives from a worker and
    the title then gives it. A page of 5 makes the demo's documents long enough to need the count."""
    from qualcode.store.browse import SegmentFilter, count_segments
    from qualcode.tui.widgets import transcript

    monkeypatch.setattr(transcript, "PAGE", 5)
    threads: list[threading.Thread] = []

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return count_segments(*args, **kwargs)

    monkeypatch.setattr(transcript, "count_segments", spy)
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        workbench, view = app.screen, app.screen.query_one(TranscriptView)
        flt = SegmentFilter(coded=False)
        workbench.set_filter(flt)
        assert view.counting and len(view.rows) == 5
        await app.workers.wait_for_complete()
        await pilot.pause()
        expected = count_segments(app.project, workbench.document["id"], flt)
        assert expected > 5 and view.total == expected and not view.counting
        assert f"{expected} segments" in str(workbench.query_one("#doc-title").render())
        for _ in range(7):  # now the cursor goes past the first page
            await pilot.press("j")
        assert view.current_index == 7
    assert threads and all(t is not threading.main_thread() for t in threads)
