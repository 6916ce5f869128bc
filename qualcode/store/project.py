"""Open, create and migrate a project file; transactions and the hash-chained change log."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sqlite_utils

from qualcode.errors import InputError, NotAProjectError, NotFoundError, ProjectBusyError, ProjectError
from qualcode.store.schema import APPLICATION_ID, MIGRATIONS, REBUILDS, SCHEMA_VERSION

if TYPE_CHECKING:
    from qualcode.store.pg import PgConnection

BUSY_TIMEOUT_MS = 5000
GENESIS_HASH = "0" * 64
_SQLITE_HEADER = b"SQLite format 3\x00"
# SQLite 3.7.0 to 3.51.2 have the "WAL-reset bug": two connections that write or checkpoint at the same moment
# can corrupt a WAL database (https://sqlite.org/wal.html#walresetbug; fixed in 3.51.3, 2026-03-13). On those
# versions a project uses the rollback journal, which the bug cannot touch, with a full sync at each commit.
WAL_SAFE_SQLITE = (3, 51, 3)
SIDE_FILES = ("-wal", "-shm", "-journal")


def delete_project_files(path: str | Path) -> None:
    """Remove a project file and its side files; a stale journal would be replayed into a new file of that name.
    A server study (a URL) loses its tables, leaving the empty database (only for a study just made here)."""
    from qualcode.store.pg import is_server_location

    if is_server_location(str(path)):
        from qualcode.store.pg_project import drop_study

        drop_study(getattr(path, "url", str(path)))
        return
    for suffix in ("", *SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def journal_settings(version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> tuple[str, str]:
    """(journal_mode, synchronous) for this SQLite library: WAL only where it is free of the WAL-reset bug."""
    if version >= WAL_SAFE_SQLITE:
        return "wal", "NORMAL"  # NORMAL is durable across crashes of the program in WAL mode
    return "delete", "FULL"


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def damaged_message(path: Path, problem: str) -> str:
    lines = [ln.strip() for ln in problem.splitlines() if ln.strip() and not ln.startswith("***")]
    problem = "; ".join(lines[:2])[:160] or problem
    return (
        f"{path}: the project file is damaged ({problem}); run 'qualcode check {path}' for details, and"
        f" 'qualcode backup {path} --list' to find a backup to restore with 'qualcode restore'"
    )


def not_closed_cleanly(path: Path) -> bool:
    """True when a journal or WAL file lies beside the project: a write was cut short (a crash, a killed
    process) or another program has it open. A cleanly closed SQLite file has neither."""
    for suffix in ("-journal", "-wal"):
        side = path.with_name(path.name + suffix)
        try:
            if side.stat().st_size > 0:
                return True
        except OSError:
            continue
    return False


def location_of(value: str | Path) -> Path | str:
    """A project's location as given on the command line: a server study's URL stays a string (a Path would
    fold its '//'), anything else is a file path."""
    from qualcode.store.pg import is_server_location

    return str(value) if is_server_location(str(value)) else Path(value)


def project_exists(location: str | Path) -> bool:
    """A project file is there, or the database holds a qualcode study."""
    from qualcode.store.pg import is_server_location

    if is_server_location(str(location)):
        from qualcode.store.pg_project import study_exists

        return study_exists(getattr(location, "url", str(location)))
    return Path(location).exists()


def now() -> str:
    """UTC time as ISO 8601 with microseconds, so log order and time order agree."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def default_coder() -> str:
    """The coder when none is given: $QUALCODE_CODER, the name saved in the user config, the login name."""
    from qualcode.config import resolve_coder

    return resolve_coder()


def chain_hash(
    prev_hash: str, at: str, who: str, action: str, entity: str, entity_id: str | None, detail: str
) -> str:
    payload = json.dumps([prev_hash, at, who, action, entity, entity_id, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Project:
    """An open project file. Not shared across threads: open one per thread."""

    def __init__(self, path: Path, conn: sqlite3.Connection, coder: str) -> None:
        self.path = path
        self.conn = conn
        # "sqlite" (a project file) or "postgresql" (a server study: conn is a store.pg.PgConnection)
        self.backend: str = getattr(conn, "backend", "sqlite")
        self.db = sqlite_utils.Database(conn) if self.backend == "sqlite" else None
        self.coder = coder
        self._depth = 0

    @property
    def on_server(self) -> bool:
        return self.backend == "postgresql"

    @property
    def server_conn(self) -> PgConnection:
        """A server study's connection, typed as what it is (its psycopg connection is `.raw`)."""
        if not self.on_server:
            raise ProjectError(f"{self.path}: not a server study")
        return cast("PgConnection", self.conn)

    # -- opening -------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, coder: str | None = None, name: str | None = None) -> Project:
        from qualcode.store.pg import is_server_location

        if is_server_location(path):
            from qualcode.store.pg_project import create_server

            return create_server(cls, getattr(path, "url", str(path)), coder, name)
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
            delete_project_files(path)
            raise

    @classmethod
    def open(cls, path: str | Path, coder: str | None = None, check: bool = True) -> Project:
        """Open a project; with `check`, SQLite's quick_check runs first when the file was not closed cleanly
        (a crash left a journal or WAL beside it) and before a schema upgrade, so damage is reported at once.
        It reads the whole file (0.1 s at 100,000 segments, seconds at a million), so a cleanly closed file
        opens without it: `qualcode check` and every backup check the whole file.
        A postgresql:// URL opens a server study instead (store/pg_project.py)."""
        from qualcode.store.pg import is_server_location

        if is_server_location(path):
            from qualcode.store.pg_project import open_server

            return open_server(cls, getattr(path, "url", str(path)), coder)
        path = Path(path)
        if not path.exists():
            raise NotFoundError(f"{path}: no such project (create one with 'qualcode init {path}')")
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not a project file")
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise NotAProjectError(f"{path}: not a qualcode project (not an SQLite file)")
        return cls._connect(path, coder, new=False, check=check)

    @classmethod
    def _connect(cls, path: Path, coder: str | None, new: bool, check: bool = False) -> Project:
        unclean = not new and not_closed_cleanly(path)  # before SQLite's first read rolls a hot journal back
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open ({exc})") from None
        project = cls(path, conn, (coder or default_coder()).strip() or "coder")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not new and app_id != APPLICATION_ID:
                raise NotAProjectError(f"{path}: not a qualcode project")
            if version > SCHEMA_VERSION:
                raise ProjectError(
                    f"{path}: made by a newer qualcode (schema {version}, this one knows {SCHEMA_VERSION})"
                )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if check and (unclean or 0 < version < SCHEMA_VERSION):
                problems = [r[0] for r in conn.execute("PRAGMA quick_check(10)")]
                if problems != ["ok"]:
                    raise ProjectError(damaged_message(path, problems[0]))
            mode, sync = journal_settings()
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != mode:
                conn.execute(f"PRAGMA journal_mode = {mode}")
            conn.execute(f"PRAGMA synchronous = {sync}")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: bulk imports and FTS merges stay in memory
            conn.execute("PRAGMA temp_store = MEMORY")
            if new:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            project._migrate(version)
        except sqlite3.OperationalError as exc:
            conn.close()
            if _is_busy(exc):
                raise ProjectBusyError(
                    f"{path}: project busy (another process is writing); try again"
                ) from None
            raise ProjectError(damaged_message(path, str(exc))) from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ProjectError(damaged_message(path, str(exc))) from None
        except BaseException:
            conn.close()
            raise
        return project

    def _migrate(self, version: int) -> None:
        if 0 < version < SCHEMA_VERSION:
            from qualcode.store.backup import backup_before  # deferred: backup imports this module

            backup_before(self, f"before-upgrade-to-schema-{SCHEMA_VERSION}")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            rebuild = target in REBUILDS
            if rebuild:
                self.conn.execute("PRAGMA foreign_keys = OFF")  # only takes effect outside a transaction
            try:
                with self.transaction():
                    for statement in MIGRATIONS[target - 1]:
                        if callable(statement):
                            statement(self.conn)
                        else:
                            self.conn.execute(statement)
                    if rebuild:
                        broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise ProjectError(
                                f"{self.path}: upgrading to schema {target} would break "
                                f"{len(broken)} reference(s) (first: {tuple(broken[0])}); nothing changed"
                            )
                    self.conn.execute(f"PRAGMA user_version = {target}")
            finally:
                if rebuild:
                    self.conn.execute("PRAGMA foreign_keys = ON")

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
            if _is_busy(exc):
                raise ProjectBusyError(
                    f"{self.path}: project busy (another process is writing); try again"
                ) from None
            raise
        self._depth = 1
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:  # SQLite may already have rolled back (e.g. disk full)
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                # In rollback-journal mode COMMIT waits for readers; if they outlast the timeout, undo it whole.
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if _is_busy(exc):
                    raise ProjectBusyError(
                        f"{self.path}: project busy (another process is reading or writing);"
                        " nothing was saved, try again"
                    ) from None
                raise
        finally:
            self._depth = 0

    def require_transaction(self) -> None:
        if not self._depth:
            raise RuntimeError("a write outside a transaction")

    def log(self, action: str, entity: str, entity_id: Any, detail: dict[str, Any] | None = None) -> None:
        """Append one change-log entry, chained to the previous entry's hash."""
        self.log_many([(action, entity, entity_id, detail)])

    def log_many(self, entries: Iterable[tuple[str, str, Any, dict[str, Any] | None]]) -> int:
        """Append entries (action, entity, entity id, detail) in order, each chained to the one before, as
        many `log` calls would; the head is read once and the rows written in one statement (a bulk import
        logs every coding it adds). Returns how many were written."""
        self.require_transaction()
        # The id is given, not left to the database: the next after the last, so the ids stay gapless (a
        # PostgreSQL sequence would skip the ids of rolled-back entries, which verify_log reads as deletions).
        row = self.conn.execute("SELECT id, hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone()
        next_id, prev = (int(row[0]) + 1, row[1]) if row else (1, GENESIS_HASH)
        at = now()
        rows = []
        for action, entity, entity_id, detail in entries:
            eid = None if entity_id is None else str(entity_id)
            text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
            digest = chain_hash(prev, at, self.coder, action, entity, eid, text)
            rows.append((next_id, at, self.coder, action, entity, eid, text, prev, digest))
            prev, next_id = digest, next_id + 1
        self.conn.executemany(
            "INSERT INTO change_log(id, at, who, action, entity, entity_id, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def ensure_coder(self, name: str | None = None) -> str:
        name = (name or self.coder).strip()
        if not name:
            raise InputError("coder name is empty")
        if (
            self.conn.execute("SELECT 1 FROM coders WHERE name = ?", (name,)).fetchone() is None
        ):  # read first: cheap
            self.conn.execute("INSERT INTO coders(name, created) VALUES (?, ?)", (name, now()))
        return name

    # -- small reads -------------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def name(self) -> str:
        return self.meta("name") or self.path.stem

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        if self.db is not None:
            return list(self.db.query(sql, params))
        cur = self.conn.execute(sql, params)
        keys = [d[0] for d in cur.description or ()]
        return [dict(zip(keys, row, strict=True)) for row in cur]

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None
