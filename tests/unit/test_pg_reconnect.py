"""A server study survives its server restarting: nothing acknowledged is lost, the next action reconnects, an
action cut in the middle says so in one line and leaves nothing behind."""

from __future__ import annotations

import json
import threading
import time

import pytest

from qualcode.errors import ConnectionLostError
from qualcode.store.audit import verify_log
from qualcode.store.codings import add_coding
from qualcode.store.live import listen_for_changes
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


def test_the_listener_hears_writes_and_after_a_restart_hears_them_again(restartable):
    server, url = restartable
    heard: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=listen_for_changes, args=(url, lambda: heard.append(1), stop, 0.05))
    thread.start()

    def write() -> None:
        with Project.open(url, coder="restart-test") as p, p.transaction():
            p.log("note", "project", None, {})

    def wait_for(count: int) -> None:
        start = time.monotonic()
        while len(heard) < count:
            assert time.monotonic() - start < 10, f"heard {len(heard)} change(s), waited for {count}"
            time.sleep(0.02)

    try:
        time.sleep(0.5)  # listening
        with Project.open(url) as p:  # a read commits nothing: nobody is told
            p.query("SELECT count(*) FROM codings")
            p.conn.execute("BEGIN")  # a report's snapshot
            p.query("SELECT count(*) FROM codings")
            p.conn.execute("COMMIT")
        time.sleep(0.3)
        assert heard == []
        write()
        wait_for(1)
        server.restart()
        wait_for(2)  # back: one redraw for whatever was missed while away
        time.sleep(0.3)
        assert len(heard) == 2
        write()
        wait_for(3)
    finally:
        stop.set()
        thread.join()
