"""Moving a study between a project file and a server study: push (file -> server) and pull (server -> file)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from qualcode.errors import InputError, ProjectError
from qualcode.store.audit import verify_log
from qualcode.store.pg import ServerLocation, is_server_location
from qualcode.store.project import Project, delete_project_files
from qualcode.store.schema_counts import COUNT_TABLES, refill_counts
from qualcode.store.schema_pg_roles import OWNED_ROWS

_SKIP = ("sqlite_", "segments_fts")


def _file_tables(conn: sqlite3.Connection) -> list[tuple[str, list[str], bool]]:
    """Each table of a project file: its name, columns, and whether its ids are AUTOINCREMENT (never reused)."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    out = []
    for name, sql in rows:
        if name.startswith(_SKIP) or name in COUNT_TABLES:  # counts: views on a server, refilled in a file
            continue
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
        out.append((name, columns, "AUTOINCREMENT" in (sql or "").upper()))
    return out


def _cols(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def push(source: Path, url: str, coder: str | None = None) -> dict[str, Any]:
    """Copy a project file into a new server study (an empty database), all or nothing: every row with its id,
    the change log as it is (so its hash chain still verifies), then one 'push' entry chained to it."""
    from qualcode.store.merge import open_source
    from qualcode.store.pg_project import create_server

    if not is_server_location(url):
        raise InputError(f"{url}: push needs a postgresql:// URL")
    src = open_source(source)  # read-only; refuses a file on another schema version
    try:
        src.execute("BEGIN")
        tables = _file_tables(src)
        sequences = dict(src.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        head = src.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone()
        project = create_server(Project, url, coder, None, empty=True)
    except BaseException:
        src.close()
        raise
    counts: dict[str, int] = {}
    try:
        raw = project.server_conn.raw
        with project.transaction():
            raw.execute(
                "SET CONSTRAINTS ALL DEFERRED"
            )  # rows arrive table by table, references checked at commit
            # COPY cannot run under row-level security: the owner (who alone may push) sets it aside for the
            # copy, inside this transaction, and puts it back before committing.
            for name in OWNED_ROWS:
                raw.execute(f'ALTER TABLE "{name}" NO FORCE ROW LEVEL SECURITY')
            for name, columns, _ in tables:
                with raw.cursor().copy(f'COPY "{name}" ({_cols(columns)}) FROM STDIN') as copy:
                    n = 0
                    for row in src.execute(f'SELECT {_cols(columns)} FROM "{name}"'):
                        copy.write_row(tuple(row))
                        n += 1
                counts[name] = n
                if "id" in columns:
                    top = max(
                        int(raw.execute(f'SELECT coalesce(max(id), 0) FROM "{name}"').fetchone()[0]),
                        int(sequences.get(name, 0) or 0),
                    )
                    raw.execute(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), %s, true)", (max(top, 1),)
                    )
            raw.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the references are checked now, all rows being in
            for name in OWNED_ROWS:
                raw.execute(f'ALTER TABLE "{name}" FORCE ROW LEVEL SECURITY')
            project.log(
                "push",
                "project",
                None,
                {
                    "source": source.name,
                    "entries": counts.get("change_log", 0),
                    "head": head[0] if head else None,
                },
            )
        audit = verify_log(project)
    except BaseException:
        project.close()
        src.close()
        delete_project_files(url)
        raise
    project.close()
    src.close()
    return {"source": str(source), "study": str(ServerLocation(url)), "rows": counts, "audit": audit}


def pull(url: str, output: Path, coder: str | None = None) -> dict[str, Any]:
    """A project file holding a server study as of one moment (one repeatable-read snapshot), written whole or
    not at all; its change log is the server's, then one 'pull' entry. `qualcode merge` brings its work back."""
    if not is_server_location(url):
        raise InputError(f"{url}: pull needs a postgresql:// URL")
    if output.exists():
        raise InputError(f"{output}: already exists; choose another name")
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: folder does not exist")
    tmp = output.with_name(f".{output.name}.pull-tmp")
    delete_project_files(tmp)
    server = Project.open(url, coder=coder)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        copy = Project._connect(tmp, server.coder, new=True)
        counts: dict[str, int] = {}
        try:
            server.conn.execute("BEGIN")  # one snapshot of the whole study
            tables = _file_tables(copy.conn)
            copy.conn.execute("PRAGMA foreign_keys = OFF")
            with copy.transaction():
                for name, columns, autoincrement in tables:
                    order = " ORDER BY id" if "id" in columns else ""
                    rows = server.server_conn.raw.execute(
                        f'SELECT {_cols(columns)} FROM "{name}"{order}'
                    ).fetchall()
                    marks = ", ".join("?" * len(columns))
                    copy.conn.executemany(f'INSERT INTO "{name}" ({_cols(columns)}) VALUES ({marks})', rows)
                    counts[name] = len(rows)
                    if autoincrement:
                        last = server.server_conn.raw.execute(
                            "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END"
                            f" FROM {_sequence(server, name)}"
                        ).fetchone()[0]
                        copy.conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
                        copy.conn.execute(
                            "INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)",
                            (name, max(int(last), max((r[0] for r in rows), default=0))),
                        )
                refill_counts(copy.conn)  # the rows came table by table, not in the order the triggers follow
                broken = copy.conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise ProjectError(f"{server.path}: the copy would break {len(broken)} reference(s)")
                head = copy.scalar("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1")
                copy.log("pull", "project", None, {"source": str(server.path), "head": head})
            copy.conn.execute("PRAGMA foreign_keys = ON")
            audit = verify_log(copy)
        finally:
            copy.close()
            if server.conn.in_transaction:
                server.conn.execute("COMMIT")
        os.replace(tmp, output)
    except BaseException:
        delete_project_files(tmp)
        raise
    finally:
        server.close()
    return {"study": str(server.path), "output": str(output), "rows": counts, "audit": audit}


def _sequence(server: Project, table: str) -> str:
    return str(
        server.server_conn.raw.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    )
