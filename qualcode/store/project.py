"""Open, create and migrate a project file; transactions and the hash-chained change log."""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from qualcode.errors import InputError, NotFoundError, ProjectBusyError, ProjectError
from qualcode.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000
GENESIS_HASH = "0" * 64
_SQLITE_HEADER = b"SQLite format 3\x00"


def now() -> str:
    """UTC time as ISO 8601 with microseconds, so log order and time order agree."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def default_coder() -> str:
    name = os.environ.get("QUALCODE_CODER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "coder"
    except (KeyError, OSError):
        return "coder"


def chain_hash(prev_hash: str, at: str, who: str, action: str, entity: str, entity_id: str | None, detail: str) -> str:
    payload = json.dumps([prev_hash, at, who, action, entity, entity_id, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Project:
    """An open project file. Not shared across threads: open one per thread."""

    def __init__(self, path: Path, conn: sqlite3.Connection, coder: str) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.coder = coder
        self._depth = 0

    # -- opening -------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, coder: str | None = None, name: str | None = None) -> Project:
        path = Path(path)
        if path.exists():
            raise InputError(f"{path}: already exists; choose another name or open it")
        if not path.parent.exists():
            raise InputError(f"{path.parent}: folder does not exist")
        # Created private: participants' words are personal data. SQLite copies these bits to -wal/-shm.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        try:
            project = cls._connect(path, coder, new=True)
            with project.transaction():
                project.conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('name', ?), ('created', ?)",
                    (name or path.stem, now()),
                )
                project.log("create", "project", None, {"name": name or path.stem})
            return project
        except BaseException:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, path: str | Path, coder: str | None = None) -> Project:
        path = Path(path)
        if not path.exists():
            raise NotFoundError(f"{path}: no such project (create one with 'qualcode init {path}')")
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not a project file")
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise ProjectError(f"{path}: not a qualcode project (not an SQLite file)")
        return cls._connect(path, coder, new=False)

    @classmethod
    def _connect(cls, path: Path, coder: str | None, new: bool) -> Project:
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open ({exc})") from None
        project = cls(path, conn, (coder or default_coder()).strip() or "coder")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not new and app_id != APPLICATION_ID:
                raise ProjectError(f"{path}: not a qualcode project")
            if version > SCHEMA_VERSION:
                raise ProjectError(
                    f"{path}: made by a newer qualcode (schema {version}, this one knows {SCHEMA_VERSION})"
                )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: bulk imports and FTS merges stay in memory
            conn.execute("PRAGMA temp_store = MEMORY")
            if new:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            project._migrate(version)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ProjectError(f"{path}: unreadable project file ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return project

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for statement in MIGRATIONS[target - 1]:
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {target}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and the log ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Project]:
        """One user action = one transaction; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ProjectBusyError(f"{self.path}: project busy (another process is writing); try again") from None
            raise
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def require_transaction(self) -> None:
        if not self._depth:
            raise RuntimeError("a write outside a transaction")

    def log(self, action: str, entity: str, entity_id: Any, detail: dict[str, Any] | None = None) -> None:
        """Append one change-log entry, chained to the previous entry's hash."""
        self.require_transaction()
        row = self.conn.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS_HASH
        at = now()
        eid = None if entity_id is None else str(entity_id)
        text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
        digest = chain_hash(prev, at, self.coder, action, entity, eid, text)
        self.conn.execute(
            "INSERT INTO change_log(at, who, action, entity, entity_id, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, self.coder, action, entity, eid, text, prev, digest),
        )

    def ensure_coder(self, name: str | None = None) -> str:
        name = (name or self.coder).strip()
        if not name:
            raise InputError("coder name is empty")
        self.conn.execute("INSERT OR IGNORE INTO coders(name, created) VALUES (?, ?)", (name, now()))
        return name

    # -- small reads -------------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def name(self) -> str:
        return self.meta("name") or self.path.stem

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None
