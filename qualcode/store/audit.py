"""The audit trail: list the hash-chained change log and verify that nobody rewrote it."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from typing import TYPE_CHECKING, Any, cast

from qualcode.errors import InputError
from qualcode.store.project import GENESIS_HASH, Project, chain_hash, now
from qualcode.store.schema import _V1

if TYPE_CHECKING:
    from qualcode.store.pg import PgConnection

LOG_COLUMNS = ("id", "at", "who", "action", "entity", "entity_id", "detail", "prev_hash", "hash")
# The triggers that make the log refuse UPDATE and DELETE; a project without them can be rewritten silently.
GUARD_TRIGGERS = ("change_log_no_update", "change_log_no_delete")
# Their CREATE statements, to put them back after a log is restarted.
_GUARD_SQL = [s for s in _V1 if "CREATE TRIGGER change_log_" in s]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$")


def check_since(since: str) -> str:
    """An ISO date or date-time (UTC) as a string that sorts against the log's `at` values."""
    value = since.strip()
    if not _DATE.match(value):
        raise InputError(f"--since takes a date like 2024-05-01 or 2024-05-01T13:00 (got {since!r})")
    return value.replace(" ", "T")


def list_log(project: Project, since: str | None = None, coder: str | None = None) -> list[dict[str, Any]]:
    """Change-log entries, oldest first; `detail` is decoded from JSON."""
    where: list[str] = []
    params: list[Any] = []
    if since:
        where.append("at >= ?")
        params.append(check_since(since))
    if coder:
        where.append("who = ?")
        params.append(coder.strip())
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = project.query(f"SELECT {', '.join(LOG_COLUMNS)} FROM change_log {clause} ORDER BY id", params)
    for row in rows:
        # A tampered, non-JSON detail is shown as it is; `audit verify` reports it.
        with contextlib.suppress(TypeError, ValueError):
            row["detail"] = json.loads(row["detail"])
    return rows


def _trigger_problem(project: Project) -> str | None:
    if project.on_server:
        from qualcode.store.pg import guard_trigger_problem

        return guard_trigger_problem(project.server_conn, GUARD_TRIGGERS)
    sql = dict(
        project.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'change_log'"
        )
    )
    for name in GUARD_TRIGGERS:
        body = sql.get(name) or ""
        if "RAISE(ABORT" not in body.upper().replace(" ", ""):
            return f"trigger {name} is missing or altered: the log no longer refuses changes"
    return None


def verify_log(project: Project, head: str | None = None) -> dict[str, Any]:
    """Recompute the hash chain from the genesis hash; report the first entry that breaks it.

    An edited entry no longer matches its hash; a deleted, inserted or reordered entry breaks the link to the
    entry before it. Deleting the newest entries leaves a valid shorter chain, so a reviewer who noted the
    head hash earlier can pass it as `head` to check it is still in the chain.
    """
    entries = 0
    prev = GENESIS_HASH
    prev_id = 0
    first_broken: dict[str, Any] | None = None
    seen_head = head is None
    for row in project.conn.execute(f"SELECT {', '.join(LOG_COLUMNS)} FROM change_log ORDER BY id"):
        rid, at, who, action, entity, entity_id, detail, prev_hash, digest = row
        entries += 1
        problem = None
        if prev_hash != prev:
            problem = "does not link to the entry before it (an entry was deleted, inserted or reordered)"
        elif rid != prev_id + 1:
            problem = f"follows entry {prev_id}: entries {prev_id + 1}-{rid - 1} are missing"
        elif digest != chain_hash(prev_hash, at, who, action, entity, entity_id, detail):
            problem = "its content does not match its hash (the entry was edited)"
        if problem and first_broken is None:
            first_broken = {"id": rid, "at": at, "who": who, "action": action, "problem": problem}
        if head is not None and digest == head.strip().lower():
            seen_head = True
        prev, prev_id = digest, rid
    problems = []
    if first_broken:
        problems.append(
            f"entry {first_broken['id']} ({first_broken['action']} at {first_broken['at']}) {first_broken['problem']}"
        )
    trigger = _trigger_problem(project)
    if trigger:
        problems.append(trigger)
    if not seen_head:
        problems.append(f"the expected head hash {head} is not in the log (newest entries were removed)")
    return {
        "ok": not problems,
        "entries": entries,
        "head": prev if entries else GENESIS_HASH,
        "first_broken": first_broken,
        "triggers_ok": trigger is None,
        "problems": problems,
    }


def restart_log(
    conn: sqlite3.Connection, who: str, action: str, entity_id: str | None, detail: dict[str, Any]
) -> dict[str, Any]:
    """Replace the whole change log by one first entry (a copy for someone else, or a pseudonymised project,
    must not carry the old log: it holds other coders' work or real names). Runs inside the caller's
    transaction; returns the old log's length and head hash, which the new first entry also records."""
    old = {
        "entries": conn.execute("SELECT count(*) FROM change_log").fetchone()[0],
        "head": (
            conn.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone() or [GENESIS_HASH]
        )[0],
    }
    if getattr(conn, "backend", "sqlite") == "postgresql":  # DDL is transactional there: all or nothing
        raw = cast("PgConnection", conn).raw
        raw.execute("ALTER TABLE change_log DISABLE TRIGGER change_log_no_delete")
        raw.execute("DELETE FROM change_log")
        raw.execute("ALTER TABLE change_log ENABLE TRIGGER change_log_no_delete")
    else:
        for name in GUARD_TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute("DELETE FROM change_log")
        for statement in _GUARD_SQL:
            conn.execute(statement)
    at = now()
    text = json.dumps({**detail, "previous_log": old}, ensure_ascii=False, sort_keys=True)
    digest = chain_hash(GENESIS_HASH, at, who, action, "project", entity_id, text)
    conn.execute(
        "INSERT INTO change_log(id, at, who, action, entity, entity_id, detail, prev_hash, hash)"
        " VALUES (1, ?, ?, ?, 'project', ?, ?, ?, ?)",
        (at, who, action, entity_id, text, GENESIS_HASH, digest),
    )
    return old
