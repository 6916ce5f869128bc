"""A server study survives its server restarting: nothing acknowledged is lost, the next action reconnects, an
action cut in the middle says so in one line and leaves nothing behind."""

from __future__ import annotations

import json

import pytest

from qualcode.errors import ConnectionLostError
from qualcode.store.audit import verify_log
from qualcode.store.codings import add_coding
from qualcode.store.project import Project
from tests.conftest import run_cli

KEYS = ("org.signposting", "practice.confidence", "org.joint-working")


@pytest.fixture
def restartable(pg_server, demo_master):
    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    if not server.can_restart:
        pytest.skip("the test server is not ours to restart ($QUALCODE_TEST_PG_URL)")
    from qualcode.store.transfer import push

    url = server.new_database()
    push(demo_master, url)
    yield server, url
    server.drop_database(url)


def _mine(url: str) -> list[tuple[int, str]]:
    with Project.open(url) as p:
        return [
            tuple(r)
            for r in p.conn.execute(
                "SELECT k.id, c.key FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.coder = 'restart-test'"
                " ORDER BY k.id"
            )
        ]


def test_a_restart_between_two_actions_and_one_in_the_middle_of_an_action(restartable, runner):
    server, url = restartable
    with Project.open(url, coder="restart-test") as p:
        seg = int(p.scalar("SELECT min(id) FROM segments WHERE case_id IS NOT NULL"))
        first = add_coding(p, KEYS[0], segment_id=seg)
        server.restart()  # between two actions: the next one reconnects and goes ahead
        second = add_coding(p, KEYS[1], segment_id=seg)
        assert p.server_conn.reconnects == 1
        # in the middle of one: refused, nothing kept
        with pytest.raises(ConnectionLostError) as cut, p.transaction():
            add_coding(p, KEYS[2], segment_id=seg)
            server.restart()
            p.log("note", "project", None, {"after": "the restart"})
        assert str(cut.value).endswith(
            "connection to the server was lost; nothing from the interrupted action was saved"
        )
        assert "\n" not in str(cut.value)
        assert _mine(url) == [(first, KEYS[0]), (second, KEYS[1])]
        third = add_coding(p, KEYS[2], segment_id=seg)  # and the one after that works again
        assert p.server_conn.reconnects == 2
    assert _mine(url) == [(first, KEYS[0]), (second, KEYS[1]), (third, KEYS[2])]
    with Project.open(url) as p:
        assert verify_log(p)["ok"]
        assert p.scalar("SELECT count(*) FROM change_log WHERE action = 'note'") == 0
    server.restart()
    # a command after a restart works
    result = run_cli(runner, "codings", "export", url, "--coder", "restart-test", "--format", "json")
    assert sorted(r["code"] for r in json.loads(result.stdout)) == sorted(KEYS)
