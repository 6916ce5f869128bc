"""Drive the workbench with Pilot as a coder would, then check what the project file holds."""

from __future__ import annotations

import json

from qualcode.store.documents import search_segments
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.transcript import TranscriptView

from .keys import covers

SIZE = (120, 40)


def rows(path, sql, params=()):
    with Project.open(path) as p:
        return p.query(sql, params)


def current_segment(app):
    return app.screen.query_one(TranscriptView).current


@covers("j", "c", "u", "U")
async def test_code_by_fuzzy_key_then_undo_and_redo(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j")
        seg = current_segment(app)
        await pilot.press("c", *"signp", "enter")
        await pilot.pause()
        sql = "SELECT c.key, k.start, k.\"end\" FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.segment_id = ? AND k.coder = 'zoe'"
        assert rows(demo_location, sql, (seg["id"],)) == [
            {"key": "org.signposting", "start": seg["start"], "end": seg["end"]}
        ]
        assert any(c["code"] == "org.signposting" for c in current_segment(app)["codings"])
        await pilot.press("u")
        await pilot.pause()
        assert rows(demo_location, sql, (seg["id"],)) == []
        await pilot.press("U")
        await pilot.pause()
        assert [r["key"] for r in rows(demo_location, sql, (seg["id"],))] == ["org.signposting"]
        # pin the code to quick key 1 (p on the code highlighted in the codebook), then apply it with 1
        tree = app.screen.query_one(CodebookTree)
        tree.move_cursor(tree.nodes["org.signposting"])
        await pilot.press("p", "j", "j", "1")
        await pilot.pause()
        nxt = current_segment(app)
        assert [r["key"] for r in rows(demo_location, sql, (nxt["id"],))] == ["org.signposting"]
    actions = [
        r["action"]
        for r in rows(demo_location, "SELECT action FROM change_log WHERE who = 'zoe' ORDER BY id")
    ]
    # Redo puts back the coding that undo removed (same id), logged as a restore.
    assert actions == ["code", "uncode", "code.restore", "code"]


@covers("s", "x")
async def test_remove_code_and_code_part_of_a_segment(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        seg = current_segment(app)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("shift+right", "shift+right", "shift+right", "shift+right", "shift+right", "enter")
        await pilot.pause()
        await pilot.press(*"confid", "enter")
        await pilot.pause()
        got = rows(
            demo_location,
            'SELECT c.key, substr(d.text, k.start + 1, k."end" - k.start) AS text FROM codings k'
            " JOIN codes c ON c.id = k.code_id JOIN documents d ON d.id = k.document_id"
            " WHERE k.coder = 'zoe'",
        )
        assert got == [{"key": "practice.confidence", "text": seg["text"][:5]}]
        await pilot.press("x")
        await pilot.pause()
        assert rows(demo_location, "SELECT id FROM codings WHERE coder = 'zoe'") == []


@covers("m")
async def test_memo_and_contribution(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        seg = current_segment(app)
        await pilot.press("m", *"Check tone", "ctrl+s")
        await pilot.pause()
        assert rows(demo_location, "SELECT target_kind, target_id, text FROM memos WHERE coder = 'zoe'") == [
            {"target_kind": "segment", "target_id": seg["id"], "text": "Check tone"}
        ]
        await pilot.press("c", *"joint", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        # radio set: (none), sufficient, necessary...: move to 'necessary' and select it, then type a claim
        await pilot.press("down", "down", "enter", "tab", *"More joint casework", "enter")
        await pilot.pause()
        got = rows(demo_location, "SELECT contribution, claim FROM codings WHERE coder = 'zoe'")
        assert got == [{"contribution": "necessary", "claim": "More joint casework"}]


@covers("slash")
async def test_search_jumps_to_the_hit(demo_location):
    with Project.open(demo_location) as p:
        best = search_segments(p, "induction", limit=1)[0]  # each backend's own ranking
        target = {"id": best["id"], "name": best["document"]}
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"induction", "enter")
        await app.workers.wait_for_complete()  # the search runs in a worker thread
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert current_segment(app)["id"] == target["id"]
        assert app.screen.document["name"] == target["name"]


@covers("n", "F")
async def test_filter_uncoded_and_next_uncoded(demo_location):
    app = QualcodeApp(demo_location, coder="amira")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        seg = current_segment(app)
        assert seg["case"] is not None
        assert not [c for c in seg["codings"] if c["coder"] == "amira"]
        view = app.screen.query_one(TranscriptView)
        total = view.total
        app.screen.filter = type(app.screen.filter)(coded=False)
        app.screen.open_document(app.screen.document["id"])
        await pilot.pause()
        assert 0 < view.total < total and all(not r["codings"] for r in view.rows)
        await pilot.press("F")
        await pilot.pause()
        assert view.total == total


@covers("R")
@covers("a", "w", "r", screen="ReviewScreen")
async def test_review_a_quote(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
        first = app.screen.items[0]["id"]
        await pilot.press("a")
        await pilot.pause()
        second = app.screen.items[0]["id"]
        await pilot.press("w", *"Is this really TIC?", "enter")
        await pilot.pause()
        third = app.screen.items[0]["id"]
        await pilot.press("r")
        await pilot.pause()
    got = rows(demo_location, "SELECT coding_id, status, reviewer, comment FROM reviews ORDER BY id")
    assert got == [
        {"coding_id": first, "status": "accepted", "reviewer": "lead", "comment": None},
        {"coding_id": second, "status": "queried", "reviewer": "lead", "comment": "Is this really TIC?"},
        {"coding_id": third, "status": "rejected", "reviewer": "lead", "comment": None},
    ]
    assert len(rows(demo_location, "SELECT id FROM change_log WHERE action = 'review'")) == 3


@covers("b")
@covers("g", screen="CodebookScreen")
async def test_merge_two_codes_keeps_every_coding(demo_location):
    before = rows(
        demo_location,
        "SELECT count(*) AS n FROM codings k JOIN codes c ON c.id = k.code_id"
        " WHERE c.key IN ('practice.awareness', 'practice.knowledge')",
    )[0]["n"]
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("down")  # practice -> practice.awareness
        await pilot.pause()
        await pilot.press("g", *"practice.knowledge", "enter")
        await pilot.app.workers.wait_for_complete()  # the merge runs off the UI thread
        await pilot.pause()
        await pilot.press("escape")
    keys = {r["key"] for r in rows(demo_location, "SELECT key FROM codes")}
    assert "practice.awareness" not in keys and "practice.knowledge" in keys
    after = rows(
        demo_location,
        "SELECT count(*) AS n FROM codings k JOIN codes c ON c.id = k.code_id"
        " WHERE c.key = 'practice.knowledge'",
    )[0]["n"]
    folded = rows(demo_location, "SELECT count(*) AS n FROM change_log WHERE action = 'merge.fold'")[0]["n"]
    assert after + folded == before
    merge = rows(demo_location, "SELECT detail FROM change_log WHERE action = 'codebook.merge'")
    assert json.loads(merge[0]["detail"])["source"]["key"] == "practice.awareness"


async def test_coder_name_is_asked_once_and_remembered(demo_location):
    app = QualcodeApp(demo_location)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nadia", "enter")
        await pilot.pause()
        assert app.coder == "nadia"
    again = QualcodeApp(demo_location)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.coder == "nadia"
        assert type(again.screen).__name__ == "Workbench"


from tests.tui.helpers import ready  # noqa: E402


@covers("a", "r")
async def test_accept_and_reject_suggestions_change_later_rankings(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j")
        screen = app.screen
        seg = current_segment(app)
        first, second = screen.suggestions[0], screen.suggestions[1]
        await pilot.press("a")
        await pilot.pause()
        got = rows(
            demo_location,
            "SELECT c.key, k.provenance FROM codings k JOIN codes c ON c.id = k.code_id"
            " WHERE k.coder = 'zoe'",
        )
        assert [g["key"] for g in got] == [first.code]
        prov = json.loads(got[0]["provenance"])
        assert (
            prov["method"] == first.method and prov["model_version"] == first.model_version and prov["reason"]
        )
        assert first.code not in [s.code for s in screen.suggestions]  # accepted: no longer proposed
        top = screen.suggestions[0].code
        await pilot.press("r")
        await pilot.pause()
        assert top not in [s.code for s in screen.suggestions]
        fb = rows(
            demo_location,
            "SELECT c.key, f.decision FROM suggestion_feedback f JOIN codes c ON c.id = f.code_id"
            " WHERE f.coder = 'zoe' ORDER BY f.id",
        )
        assert fb == [{"key": first.code, "decision": "accepted"}, {"key": top, "decision": "rejected"}]
        # a rebuilt suggester (as after retraining or a restart) still never proposes what zoe decided
        screen.train_suggester()
        await ready(pilot)
        screen.update_current()
        assert {first.code, top}.isdisjoint(s.code for s in screen.suggestions)
        assert current_segment(app)["id"] == seg["id"]
        # undoing the rejection forgets it
        await pilot.press("u")
        await pilot.pause()
        assert rows(demo_location, "SELECT decision FROM suggestion_feedback WHERE coder = 'zoe'") == [
            {"decision": "accepted"}
        ]
        assert second.code


@covers("E")
async def test_export_screen_writes_the_report(demo_location, tmp_path):
    out = tmp_path / "report.html"
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one("#output").value = str(out)
        await pilot.press("ctrl+s")
        await ready(pilot)
        assert "Wrote" in str(app.screen.query_one("#result").render())
    html = out.read_text(encoding="utf-8")
    assert "Contribution" in html and "Who took part" in html
