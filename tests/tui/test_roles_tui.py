"""The workbench on a server study as a coder: the login decides who codes, and a coder's work is saved."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from qualcode.store.pg_users import add_user
from qualcode.store.project import Project
from qualcode.store.transfer import push
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.transcript import TranscriptView
from tests.pg_roles import as_login

pytestmark = pytest.mark.pg


@pytest.fixture
def coder_url(demo_master, pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    url = server.new_database()
    push(demo_master, url)
    login = f"amira_{uuid.uuid4().hex[:6]}"
    with Project.open(url) as p:
        add_user(p, login, "coder", coder="noor", password="pw")
    yield url, as_login(url, login)
    server.drop_database(url)
    database = url.rsplit("/", 1)[1]
    with server.admin() as conn:
        for role in (login, *[f"{database}_{r}" for r in ("admin", "lead", "reviewer", "coder")]):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


async def test_a_coder_codes_and_pins_a_quick_key_in_the_workbench(coder_url):
    owner_url, url = coder_url
    app = QualcodeApp(url, coder="somebody else")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("j", "j", "j")
        seg = app.screen.query_one(TranscriptView).current
        await pilot.press("c", *"signp", "enter")
        await pilot.pause()
        tree = app.screen.query_one(CodebookTree)
        tree.move_cursor(tree.nodes["org.signposting"])
        await pilot.press("p", "j", "1")  # pin to quick key 1 (the coder's own setting), then use it
        await pilot.pause()
        nxt = app.screen.query_one(TranscriptView).current
        assert "noor" in app.sub_title
    with psycopg.connect(owner_url) as conn:
        rows = conn.execute(
            "SELECT k.segment_id, k.coder FROM codings k JOIN codes c ON c.id = k.code_id"
            " WHERE c.key = 'org.signposting' AND k.coder IN ('noor', 'somebody else') ORDER BY k.id"
        ).fetchall()
        pinned = conn.execute("SELECT value FROM meta WHERE key = 'quickkeys:noor'").fetchone()
    assert rows == [(seg["id"], "noor"), (nxt["id"], "noor")]
    assert pinned is not None and '"org.signposting"' in pinned[0]


async def test_a_user_of_a_server_study_is_not_asked_their_name(coder_url):
    """The workbench asks a coder's name only when nothing else gives it; on a server study the login does."""
    from qualcode.tui.screens.workbench import Workbench

    _, url = coder_url
    app = QualcodeApp(url)  # no --coder, no $QUALCODE_CODER, no saved name
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, Workbench)
        assert app.project is not None and app.project.coder == "noor" and app.sub_title.endswith("— noor")
