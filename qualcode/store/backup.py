"""Backups of a project (SQLite's online backup API, checked before they count), restore, and a full check."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from qualcode.errors import InputError, NotFoundError, ProjectBusyError, ProjectError, QualcodeError
from qualcode.store.audit import verify_log
from qualcode.store.project import BUSY_TIMEOUT_MS, SIDE_FILES, Project, _is_busy, delete_project_files
from qualcode.store.schema import APPLICATION_ID, SCHEMA_VERSION

AUTO_BACKUPS_KEPT = 10
# An import counts as bulk (and gets a backup first) from this many documents or segments.
BULK_DOCUMENTS = 5
BULK_SEGMENTS = 1000
_STALE_TEMP_SECONDS = 3600
_AUTO_RE = re.compile(r"^auto-\d{8}T\d{6}\d*Z-.*\.qcdb$")


def backup_root() -> Path:
    """$QUALCODE_BACKUP_DIR, else the user data folder: outside any folder a user might sync or share."""
    env = os.environ.get("QUALCODE_BACKUP_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir  # deferred: only needed when a backup is made

    return Path(user_data_dir("qualcode", appauthor=False)) / "backups"


def backup_folder(project_path: Path) -> Path:
    """One folder per project: its name plus a hash of its full path, so two `study.qcdb` never mix."""
    resolved = str(project_path.resolve())
    stem = re.sub(r"[^\w.-]+", "_", project_path.stem)[:60] or "project"
    return backup_root() / f"{stem}-{hashlib.sha256(resolved.encode('utf-8')).hexdigest()[:12]}"


def _private_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise QualcodeError(
            f"cannot create the backup folder {folder} ({exc.strerror}); set QUALCODE_BACKUP_DIR"
        ) from None
    return folder


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


@contextlib.contextmanager
def staged_copy(source: sqlite3.Connection, dest: Path, *, guard: Path | None = None) -> Iterator[Path]:
    """A copy of a live database that lands at `dest` whole or not at all. SQLite's backup API (safe while others
    use the source) writes a private temporary file beside `dest`, as one self-contained file; the caller may
    change it inside the `with`; then it must pass integrity_check, is fsynced and renamed into place."""
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{folder}: folder does not exist")
    if guard is not None and dest.exists() and dest.resolve() == guard.resolve():
        raise InputError(f"{dest}: that is the project itself")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        os.chmod(tmp, 0o600)
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            try:
                source.backup(copy)
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise ProjectBusyError("project busy (another process is writing); try again") from None
                raise
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        yield Path(tmp)
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode = DELETE")  # the caller may have opened it in WAL mode
            result = [r[0] for r in copy.execute("PRAGMA integrity_check(10)")]
        finally:
            copy.close()
        if result != ["ok"]:
            raise ProjectError(f"the copy failed its integrity check ({result[0]}); nothing was written")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        delete_project_files(tmp)
        raise


def copy_database(source: sqlite3.Connection, dest: Path, guard: Path | None = None) -> dict[str, Any]:
    """A checked copy of a live database at `dest`; returns what it holds."""
    with staged_copy(source, dest, guard=guard):
        pass
    copy = sqlite3.connect(f"file:{quote(str(dest.resolve()))}?mode=ro", uri=True)
    try:
        info = {
            "log_entries": copy.execute("SELECT count(*) FROM change_log").fetchone()[0],
            "log_head": (
                copy.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone() or [None]
            )[0],
        }
    finally:
        copy.close()
    return {"file": str(dest.resolve()), "bytes": dest.stat().st_size, **info}


def make_backup(project: Project, output: Path | None = None, reason: str = "manual") -> dict[str, Any]:
    """A checked copy of the project: to `output`, or into its backup folder. Automatic backups (any reason but
    'manual') rotate: the newest AUTO_BACKUPS_KEPT are kept; manual ones are never deleted."""
    if project.on_server:
        raise InputError(SERVER_BACKUPS)
    if output is not None:
        return {**copy_database(project.conn, output, guard=project.path), "reason": reason}
    folder = _private_folder(backup_folder(project.path))
    _remove_stale_temps(folder)
    kind = "manual" if reason == "manual" else "auto"
    tag = re.sub(r"[^\w.-]+", "-", reason)[:40]
    dest = folder / (f"manual-{_stamp()}.qcdb" if kind == "manual" else f"auto-{_stamp()}-{tag}.qcdb")
    try:
        result = copy_database(project.conn, dest)
    except OSError as exc:
        raise QualcodeError(
            f"cannot write a backup to {folder} ({exc.strerror}); nothing was changed"
        ) from None
    if kind == "auto":
        rotate(folder)
    return {**result, "reason": reason}


def backup_before(project: Project, reason: str) -> dict[str, Any] | None:
    """The automatic backup before a risky change; skipped when the project holds nothing yet (no documents,
    no codings), since then there is nothing to lose. A server study has none: the server's own backups
    (pg_dump, the host's snapshots) keep it."""
    if project.on_server:
        return None
    if not project.scalar("SELECT EXISTS(SELECT 1 FROM documents) OR EXISTS(SELECT 1 FROM codings)"):
        return None
    return make_backup(project, reason=reason)


def is_bulk_import(documents: int, segments: int) -> bool:
    return documents >= BULK_DOCUMENTS or segments >= BULK_SEGMENTS


def rotate(folder: Path, keep: int = AUTO_BACKUPS_KEPT) -> list[Path]:
    autos = sorted(p for p in folder.iterdir() if _AUTO_RE.match(p.name))
    removed = autos[:-keep] if len(autos) > keep else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _remove_stale_temps(folder: Path) -> None:
    """Temporary files left by a backup that was killed half-way (never a finished backup)."""
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for path in folder.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def list_backups(project_path: Path) -> list[dict[str, Any]]:
    folder = backup_folder(project_path)
    if not folder.is_dir():
        return []
    rows = []
    for path in sorted(folder.glob("*.qcdb"), key=lambda p: p.name.split("-", 1)[1], reverse=True):
        kind, _, rest = path.name.partition("-")
        stamp = rest[:15]
        when = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}Z"
        reason = path.stem.split("Z-", 1)[1] if "Z-" in path.stem else "manual"
        rows.append(
            {"file": str(path), "kind": kind, "taken": when, "reason": reason, "bytes": path.stat().st_size}
        )
    return rows


# -- restore -------------------------------------------------------------------------------------------------
def _open_backup(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise NotFoundError(f"{path}: no such backup")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        result = [r[0] for r in conn.execute("PRAGMA integrity_check(10)")]
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a usable backup ({exc})") from None
    if app_id != APPLICATION_ID:
        conn.close()
        raise InputError(f"{path}: not a qualcode project or backup")
    if version > SCHEMA_VERSION:
        conn.close()
        raise InputError(f"{path}: made by a newer qualcode (schema {version})")
    if result != ["ok"]:
        conn.close()
        raise InputError(f"{path}: the backup is damaged ({result[0]}); choose another")
    return conn


def _healthy(path: Path) -> bool:
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            return [r[0] for r in conn.execute("PRAGMA quick_check(1)")] == ["ok"]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise ProjectBusyError(f"{path}: project busy (another process is writing); try again") from None
        return False
    except sqlite3.DatabaseError:
        return False


def restore_backup(backup: Path, location: Path | str, coder: str | None = None) -> dict[str, Any]:
    """Put a backup's content into PROJECT. The current project is backed up first (or, if it is damaged,
    its file is copied aside as it is). A healthy project is overwritten through the backup API, so any other
    program that has it open sees the restored content rather than writing on to a deleted file."""
    from qualcode.store.pg import is_server_location

    if is_server_location(str(location)):
        raise InputError(
            "restore writes a project file; a server study is restored by its server (pg_restore), or a copy's"
            " work is brought back with 'qualcode merge'"
        )
    project_path = Path(location)
    src = _open_backup(backup)
    saved: str | None = None
    try:
        if project_path.exists() and backup.resolve() == project_path.resolve():
            raise InputError(f"{backup}: that is the project itself")
        if project_path.exists() and _healthy(project_path):
            with Project.open(project_path, coder=coder) as current:
                saved = make_backup(current, reason="before-restore")["file"]
                try:
                    src.backup(current.conn)
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc):
                        raise ProjectBusyError(
                            f"{project_path}: project busy; close other programs using it and try again"
                        ) from None
                    raise
        else:
            if project_path.exists():
                folder = _private_folder(backup_folder(project_path))
                target = folder / f"manual-{_stamp()}-damaged.qcdb"
                shutil.copyfile(project_path, target)
                os.chmod(target, 0o600)
                saved = str(target)
            elif not project_path.parent.is_dir():
                raise InputError(f"{project_path.parent}: folder does not exist")
            copy_database(src, project_path)
            for suffix in SIDE_FILES:  # a damaged file's journal belongs to the old content
                Path(str(project_path) + suffix).unlink(missing_ok=True)
        head = (src.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone() or [None])[0]
    finally:
        src.close()
    with Project.open(project_path, coder=coder) as restored:
        detail = {"backup": str(backup.resolve()), "backup_log_head": head, "previous_saved_as": saved}
        with restored.transaction():
            restored.log("restore", "project", restored.name, detail)
        return {
            "project": str(project_path.resolve()),
            **detail,
            "documents": restored.scalar("SELECT count(*) FROM documents"),
            "codings": restored.scalar("SELECT count(*) FROM codings"),
        }


# -- check ---------------------------------------------------------------------------------------------------
def check_project(project: Project) -> dict[str, Any]:
    """integrity_check (every page and index), foreign_key_check, the change log's hash chain, file modes.
    A server study: the change log's hash chain and guard triggers (PostgreSQL enforces foreign keys itself;
    its page checks are the server administrator's, with pg_amcheck)."""
    if project.on_server:
        return _check_server(project)
    try:
        integrity = [r[0] for r in project.conn.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as exc:
        integrity = [str(exc)]
    problems: list[str] = [] if integrity == ["ok"] else [f"integrity: {p}" for p in integrity]
    try:
        fks = [
            {"table": r[0], "rowid": r[1], "parent": r[2]}
            for r in project.conn.execute("PRAGMA foreign_key_check")
        ]
    except sqlite3.DatabaseError as exc:
        fks = [{"table": "?", "rowid": None, "parent": str(exc)}]
    problems += [
        f"foreign key: {f['table']} row {f['rowid']} refers to a missing {f['parent']}" for f in fks[:20]
    ]
    try:
        audit = verify_log(project)
    except sqlite3.DatabaseError as exc:
        audit = {
            "ok": False,
            "entries": None,
            "head": None,
            "problems": [f"the change log is unreadable ({exc})"],
        }
    problems += [f"change log: {p}" for p in audit["problems"]]
    warnings = []
    for suffix in ("", *SIDE_FILES):
        path = Path(str(project.path) + suffix)
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                warnings.append(f"{path.name} can be read by other users (mode {mode:o}); chmod 600 {path}")
    return {
        "project": str(project.path),
        "ok": not problems,
        "integrity": integrity,
        "foreign_key_problems": fks,
        "audit": {k: audit.get(k) for k in ("ok", "entries", "head", "problems")},
        "problems": problems,
        "warnings": warnings,
    }


SERVER_BACKUPS = (
    "a server study is backed up by its server (pg_dump, or the host's backups); to keep a project file of it,"
    " use 'qualcode pull URL -o copy.qcdb'"
)


def _check_server(project: Project) -> dict[str, Any]:
    audit = verify_log(project)
    problems = [f"change log: {p}" for p in audit["problems"]]
    return {
        "project": str(project.path),
        "ok": not problems,
        "integrity": [
            "ok (PostgreSQL enforces foreign keys; page checks: pg_amcheck, by the server's admin)"
        ],
        "foreign_key_problems": [],
        "audit": {k: audit.get(k) for k in ("ok", "entries", "head", "problems")},
        "problems": problems,
        "warnings": [],
    }
