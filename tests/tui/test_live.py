"""Others' work appears in an open workbench without a restart, on a project file and on a server study."""

from __future__ import annotations

import time

import pytest
from textual.widgets import TextArea

from qualcode.store.codings import add_coding
from qualcode.store.documents import list_documents
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import MemoDialog
from qualcode.tui.screens.workbench import Workbench
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.transcript import TranscriptView

SIZE = (120, 40)
INTERVAL = 0.1
KEY = "org.signposting"


def workbench(app) -> Workbench:
    return next(s for s in app.screen_stack if isinstance(s, Workbench))


async def wait_for(pilot, condition, seconds: float = 5.0) -> float:
    """Let the app run until `condition()` holds; the seconds it took (fails after `seconds`)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "the change never appeared"
        await pilot.pause(0.02)
    return time.monotonic() - start


async def test_another_coders_coding_appears_with_the_cursor_and_an_open_dialog_kept(
    demo_location, monkeypatch
):
    monkeypatch.setattr(Workbench, "LIVE_SECONDS", INTERVAL)
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j")
        await pilot.pause()
        wb = workbench(app)
        view = wb.query_one(TranscriptView)
        seg, index = view.current, view.current_index
        assert not any(c["coder"] == "amira" and c["code"] == KEY for c in seg["codings"])
        before = wb.query_one(CodebookTree).shown[KEY]
        await pilot.press("m", *"half a memo")  # a dialog open, with words typed in it
        await pilot.pause()
        assert isinstance(app.screen, MemoDialog)

        with Project.open(demo_location, coder="amira") as other:  # another coder, another connection
            add_coding(other, KEY, segment_id=seg["id"], coder="amira")
            fresh_doc = list_documents(other, wb.document["id"])[0]

        def shown() -> bool:
            return any(c["coder"] == "amira" and c["code"] == KEY for c in view.current["codings"])

        took = await wait_for(pilot, shown)
        assert took < INTERVAL + 2.0  # within the interval, with room for a loaded machine
        await pilot.pause()
        assert view.current_index == index and view.current["id"] == seg["id"]  # the cursor did not move
        assert wb.query_one(CodebookTree).shown[KEY] == before + 1  # the code tree's count
        assert wb.document == fresh_doc  # the document's counts, as the status bar shows them
        assert isinstance(app.screen, MemoDialog)  # the dialog is still open, its words kept
        assert app.screen.query_one("#memo", TextArea).text == "half a memo"
        await pilot.press("ctrl+s")
        await pilot.pause()
    with Project.open(demo_location) as p:
        assert p.query("SELECT text FROM memos WHERE coder = 'zoe'") == [{"text": "half a memo"}]


async def test_own_codings_do_not_trigger_a_second_redraw(demo_location, monkeypatch):
    monkeypatch.setattr(Workbench, "LIVE_SECONDS", INTERVAL)
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "c", *"signp", "enter")
        await pilot.pause(INTERVAL * 5)
        wb = workbench(app)
        assert any(c["coder"] == "zoe" for c in wb.query_one(TranscriptView).current["codings"])
        assert wb.live_refreshes == 0
        with Project.open(demo_location, coder="amira") as other:
            add_coding(other, KEY, segment_id=wb.query_one(TranscriptView).current["id"], coder="amira")
        await wait_for(pilot, lambda: wb.live_refreshes >= 1)
        await pilot.pause(INTERVAL * 5)
        assert wb.live_refreshes == 1  # one commit by another coder, one redraw


@pytest.fixture
def server_study(pg_server, demo_master):
    """The demo study on the test server only (a project file has no server to lose)."""
    from qualcode.store.transfer import push

    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    url = server.new_database()
    push(demo_master, url)
    yield url
    server.drop_database(url)


async def test_a_server_gone_away_is_said_and_the_workbench_stays(server_study, monkeypatch, tmp_path):
    """With the server down (not restarting: reconnecting fails too), a key that reads says so in one
    notification and the workbench stays open; once the server is back the next key works."""
    from qualcode.errors import ServerUnreachableError
    from qualcode.store import pg

    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    app = QualcodeApp(server_study, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        wb = workbench(app)
        start = wb.query_one(TranscriptView).current["id"]

        def down(url: str):
            raise ServerUnreachableError("study: cannot reach the server (connection refused)")

        real_connect = pg.connect
        monkeypatch.setattr(pg, "connect", down)
        wb.project.conn.raw.close()  # the connection is gone and a new one cannot be made
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert any("cannot reach the server" in str(n.message) for n in app._notifications)
        assert wb.query_one(TranscriptView).current["id"] == start  # nothing moved, nothing half-done
        monkeypatch.setattr(pg, "connect", real_connect)  # the server is back
        await pilot.press("n")
        await pilot.pause()
        assert wb.query_one(TranscriptView).current["id"] != start
