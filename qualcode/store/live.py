"""Noticing other people's writes while a study is open: a cheap mark to poll (a project file) and a listener
on a second connection (a server study), so the workbench can show others' codings without a restart."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qualcode.store.pg import CHANGE_CHANNEL

if TYPE_CHECKING:
    from qualcode.store.project import Project

# Every write transaction on a server study sends this notification with its COMMIT (store/pg.py); PostgreSQL
# delivers it to listeners only if the transaction commits, once per transaction.
CHANNEL = CHANGE_CHANNEL


def file_mark(project: Project) -> int:
    """SQLite's data_version: it changes when another connection (another workbench, the CLI) commits to the
    file, never for this connection's own writes. Reading it costs a few microseconds and no disk read."""
    return int(project.conn.execute("PRAGMA data_version").fetchone()[0])


def own_backend_pid(project: Project) -> Callable[[], int | None]:
    """The server process serving this project's own connection (its notifications are its own writes, which
    the screen already shows); read afresh each time, as a reconnection changes it."""

    def pid() -> int | None:
        with contextlib.suppress(Exception):
            return int(project.server_conn.raw.info.backend_pid)
        return None

    return pid


def listen_for_changes(
    url: str,
    changed: Callable[[], None],
    stop: threading.Event,
    interval: float = 2.0,
    own_pid: Callable[[], int | None] = lambda: None,
) -> None:
    """Call `changed()` (from this thread) at most once per `interval` seconds while other connections commit
    to the server study at `url`, until `stop` is set. Runs on its own connection, LISTENing: while nobody
    writes it only wakes every `interval` to look at `stop` and sends the server nothing. If the connection
    breaks (the server restarted) it connects again every `interval` and then calls `changed()` once, since
    notifications sent meanwhile were not delivered."""
    import psycopg

    from qualcode.errors import QualcodeError
    from qualcode.store.pg import connect

    conn = None
    broken = False
    try:
        while not stop.is_set():
            if conn is None:
                try:
                    conn = connect(url)
                    conn.execute(f"LISTEN {CHANNEL}")
                except (QualcodeError, psycopg.Error):
                    conn, broken = None, True
                    stop.wait(interval)
                    continue
                if broken:
                    broken = False
                    changed()
            try:
                senders = _wait_for_notifications(conn, interval)
            except (psycopg.Error, OSError, ValueError):
                with contextlib.suppress(Exception):
                    conn.close()
                conn, broken = None, True
                continue
            mine = own_pid()
            if any(pid != mine for pid in senders) and not stop.is_set():
                changed()
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


def _wait_for_notifications(conn: Any, seconds: float) -> list[int]:
    """The server processes that sent notifications within `seconds` (one select() on the socket: psycopg's
    own `notifies(timeout=...)` wakes every 0.1 s to look, which cost an idle workbench 70 ms of CPU a
    minute). A broken connection raises psycopg.OperationalError."""
    import select

    pgconn = conn.pgconn
    ready, _, _ = select.select([pgconn.socket], [], [], seconds)
    senders: list[int] = []
    if ready:
        pgconn.consume_input()
        while (note := pgconn.notifies()) is not None:
            senders.append(int(note.be_pid))
    return senders
