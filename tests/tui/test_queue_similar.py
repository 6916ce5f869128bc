"""The auto-coding review queue (A), segments like this one (L), the "least sure" filter and codes needing help."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Label

from qualcode.nlp import embeddings as emb
from qualcode.store.pending import add_pending
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from tests.tui.helpers import SIZE, current_segment, ready, rows

from .keys import covers

PENDING = "SELECT segment_id FROM pending_suggestions ORDER BY id"
CODED = (
    "SELECT k.segment_id, k.provenance FROM codings k JOIN codes c ON c.id = k.code_id"
    " WHERE k.coder = 'zoe' AND c.key = 'org.signposting' ORDER BY k.id"
)
REJECTED = (
    "SELECT f.segment_id FROM suggestion_feedback f JOIN codes c ON c.id = f.code_id"
    " WHERE f.coder = 'zoe' AND f.decision = 'rejected' AND c.key = 'org.signposting'"
)


def propose(path, segment_ids: list[int]) -> None:
    """Two pending suggestions as `qualcode autocode` stores them (scores 0.9 and 0.5, best first)."""
    with Project.open(path) as p:
        add_pending(
            p,
            "org.signposting",
            [
                {
                    "segment_id": s,
                    "score": score,
                    "reason": "keyword: signpost",
                    "method": "lexical",
                    "model_version": "test",
                }
                for s, score in zip(segment_ids, (0.9, 0.5), strict=True)
            ],
            "lead",
        )


@covers("A")
@covers("a", "r", "u", "escape", "A", screen="PendingScreen")
async def test_queue_accepts_and_rejects_each_pending_suggestion_with_undo(demo_location):
    propose(demo_location, [2, 4])
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert type(app.screen).__name__ == "PendingScreen" and len(app.screen.rows) == 2
        await pilot.press("a")  # accept the best (segment 2, 0.9): a coding with the queue's provenance
        await pilot.pause()
        coded = rows(demo_location, CODED)
        assert [c["segment_id"] for c in coded] == [2] and '"autocode:lexical"' in coded[0]["provenance"]
        assert [r["segment_id"] for r in rows(demo_location, PENDING)] == [4]
        await pilot.press("r")  # reject segment 4: remembered, so the suggester learns from it
        await pilot.pause()
        assert rows(demo_location, PENDING) == [] and [
            r["segment_id"] for r in rows(demo_location, REJECTED)
        ] == [4]
        assert "nothing pending" in str(app.screen.query_one("#queue-title").render())
        await pilot.press("u")  # undo the rejection: the suggestion is back in the queue
        await pilot.pause()
        assert [r["segment_id"] for r in rows(demo_location, PENDING)] == [4] and rows(
            demo_location, REJECTED
        ) == []
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        await pilot.press("u")  # the workbench's undo shares the session: takes back the acceptance
        await pilot.pause()
        assert rows(demo_location, CODED) == [] and [
            r["segment_id"] for r in rows(demo_location, PENDING)
        ] == [2, 4]
        await pilot.press("A")
        await pilot.pause()
        await pilot.press("A")  # A again closes the queue
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"


@covers("L")
async def test_segments_like_this_one_and_enter_jumps_there(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")  # segment 2, the commissioner's first answer
        source = current_segment(app)["id"]
        await pilot.press("L")
        await ready(pilot)
        screen = app.screen
        assert type(screen).__name__ == "SimilarScreen" and screen.found
        assert source not in [r["segment_id"] for r in screen.found]
        sims = [r["similarity"] for r in screen.found]
        assert sims == sorted(sims, reverse=True) and 0 < sims[0] <= 1
        await pilot.press("down", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        assert current_segment(app)["id"] == screen.found[1]["segment_id"]


@pytest.mark.skipif(not emb.available(), reason="qualcode[embeddings] is not installed")
async def test_segments_like_this_one_use_the_embedding_model_when_installed(
    demo_copy, tmp_path, monkeypatch
):
    """L ranks by the embedding model when it is installed (as `qualcode similar` does), keeping the vectors."""
    path = demo_copy
    monkeypatch.setenv("QUALCODE_EMBEDDINGS", "1")
    app = QualcodeApp(path, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "L")
        await ready(pilot)
        screen = app.screen
        assert screen.method.startswith("embeddings") and screen.found
        assert "by embeddings" in str(screen.query_one("#similar-title", Label).render())
    assert rows(path, "SELECT count(*) AS n FROM segment_embeddings")[0]["n"] > 1


async def test_least_sure_filter_shows_the_segments_least_sure_asks_for(demo_location):
    from qualcode.app.autocode import least_sure
    from qualcode.tui.screens.workbench_more import LEAST_SURE

    with Project.open(demo_location) as p:
        expected = {r["segment_id"] for r in least_sure(p, "zoe", LEAST_SURE, "int01-commissioner")}
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#least-sure", Checkbox).value = True
        await pilot.press("ctrl+s")
        await ready(pilot)
        await ready(pilot)
        view = app.screen.query_one("TranscriptView")
        assert view.total == len(expected) > 0
        assert set(app.screen.filter.only) == expected and "least sure" in app.screen.filter.describe()
        await pilot.press("F")
        await pilot.pause()
        assert view.total == 40


@covers("h", screen="CodebookScreen")
async def test_codebook_lists_codes_needing_help(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("h")
        await ready(pilot)
        found = app.screen.needing_help
        assert found and all(r["what_would_help"] for r in found)
        shown = str(app.screen.query_one("#cb-help").render())
        assert f"Codes that need help ({len(found)})" in shown and found[0]["code"] in shown
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
