"""A coder's working copy of a project, optionally blind to other coders' work."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from qualcode.errors import InputError
from qualcode.store.audit import restart_log
from qualcode.store.backup import staged_copy
from qualcode.store.pg import ServerLocation, is_server_location
from qualcode.store.project import GENESIS_HASH, Project, delete_project_files


def export_for(project: Project, coder: str, output: str | Path, blind: bool = False) -> dict[str, Any]:
    """Write a copy of the project for `coder` to `output` (whole or not at all); log it in both projects.

    The copy is made with SQLite's backup API into a temporary file beside the output, stripped, then renamed
    into place. A blind copy keeps only this coder's codings, memos, review decisions and suggestion feedback,
    and starts a fresh change log (the old one would show others' codings), whose first entry names the source
    project and its log head so the copy can be traced back; it is vacuumed so no deleted page keeps old data.
    """
    coder = coder.strip()
    if not coder:
        raise InputError("--coder is empty")
    if is_server_location(str(output)):
        same = project.on_server and str(ServerLocation(str(output))) == str(project.path)
        raise InputError(
            f"{output}: {'that is the project itself' if same else 'a server study'}; export-for writes a project file"
        )
    output = Path(output)
    known = {r[0] for r in project.conn.execute("SELECT name FROM coders")}
    head = project.scalar("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1") or GENESIS_HASH
    detail = {
        "coder": coder,
        "blind": blind,
        "output": str(output.resolve()),
        "source": str(project.path) if project.on_server else str(project.path.resolve()),
        "source_name": project.name,
        "source_log_head": head,
        "new_coder": coder not in known,
    }
    staging = (
        _pulled(project, output)
        if project.on_server
        else staged_copy(project.conn, output, guard=project.path)
    )
    with staging as tmp:
        counts: dict[str, int] = {}
        if blind:
            dest = sqlite3.connect(tmp, isolation_level=None)
            try:
                counts = _strip(dest, coder, detail)
            finally:
                dest.close()
        with Project.open(tmp, coder=coder) as copy, copy.transaction():
            copy.ensure_coder(coder)
            copy.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('copy_for', ?)", (coder,))
            copy.log("export-for", "project", copy.name, {**detail, "removed": counts})
    with project.transaction():
        project.log("export-for", "project", project.name, {**detail, "removed": counts})
    return {**detail, "removed": counts}


@contextlib.contextmanager
def _pulled(project: Project, output: Path) -> Iterator[Path]:
    """A server study's copy: pulled into a temporary file beside `output`, renamed into place at the end."""
    from qualcode.store.transfer import pull

    if output.exists():
        raise InputError(f"{output}: already exists; choose another name")
    tmp = output.with_name(f".{output.name}.export-tmp")
    delete_project_files(tmp)
    try:
        pull(cast(ServerLocation, project.path).url, tmp, project.coder)
        yield tmp
        os.replace(tmp, output)
    finally:
        delete_project_files(tmp)


def _strip(conn: sqlite3.Connection, coder: str, detail: dict[str, Any]) -> dict[str, int]:
    """Remove other coders' work from a fresh copy and restart its log; runs before the copy is ever opened."""
    counts: dict[str, int] = {}
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table, column in (
            ("reviews", "reviewer"),
            ("memos", "coder"),
            ("suggestion_feedback", "coder"),
            ("codings", "coder"),
        ):
            counts[table] = conn.execute(f"DELETE FROM {table} WHERE {column} != ?", (coder,)).rowcount
        # Reviews of removed codings go too (foreign keys cannot be switched on inside a transaction).
        counts["reviews"] += conn.execute(
            "DELETE FROM reviews WHERE coding_id NOT IN (SELECT id FROM codings)"
        ).rowcount
        counts["memos"] += conn.execute(
            "DELETE FROM memos WHERE target_kind = 'coding' AND target_id NOT IN (SELECT id FROM codings)"
        ).rowcount
        counts["log_entries"] = conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
        # The fresh log's first entry says where the copy came from (who exported it is in the source's log).
        restart_log(conn, coder, "blind-copy", detail["source_name"], {**detail, "removed": dict(counts)})
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("VACUUM")
    return counts
