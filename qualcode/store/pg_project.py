"""Opening and creating a server study (PostgreSQL): connect, check or install the schema, migrate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.errors import InputError, NotAProjectError, ProjectError
from qualcode.store.pg import PgConnection, ServerLocation, check_url, connect
from qualcode.store.schema_pg import PG_BASELINE, PG_MIGRATIONS, PG_SCHEMA_VERSION

if TYPE_CHECKING:
    from qualcode.store.project import Project

_VERSION_TABLE = "qualcode_schema"


def schema_version(conn: PgConnection) -> int | None:
    """The study's schema version; None when the database holds no qualcode study."""
    row = conn.execute("SELECT to_regclass('public.qualcode_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    got = conn.execute("SELECT version FROM qualcode_schema").fetchone()
    return int(got[0]) if got else None


def _user_tables(conn: PgConnection) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchone()[0]
    )


def _connect(url: str) -> tuple[ServerLocation, PgConnection]:
    check_url(url)
    location = ServerLocation(url)
    return location, PgConnection(connect(url), str(location), url)


def _migrate(project: Project, version: int) -> None:
    for target in range(max(version, PG_BASELINE - 1) + 1, PG_SCHEMA_VERSION + 1):
        with project.transaction():
            for statement in PG_MIGRATIONS[target - PG_BASELINE]:
                project.server_conn.raw.execute(statement)
            if target == PG_BASELINE:
                project.server_conn.raw.execute(f"CREATE TABLE {_VERSION_TABLE} (version INTEGER NOT NULL)")
                project.server_conn.raw.execute(f"INSERT INTO {_VERSION_TABLE} VALUES (%s)", (target,))
            else:
                project.server_conn.raw.execute(f"UPDATE {_VERSION_TABLE} SET version = %s", (target,))


def create_server(cls: Any, url: str, coder: str | None, name: str | None, empty: bool = False) -> Project:
    """Install a new study in an empty database (made beforehand, e.g. with `createdb`); `empty`: the tables
    only, for `push` to fill."""
    from qualcode.store.project import default_coder, now

    location, conn = _connect(url)
    try:
        if schema_version(conn) is not None:
            raise InputError(f"{location}: already holds a qualcode study; open it instead")
        if _user_tables(conn):
            raise InputError(f"{location}: the database is not empty; create the study in a new database")
        project = cls(location, conn, (coder or default_coder()).strip() or "coder")
        _migrate(project, 0)
        if empty:
            return project
        with project.transaction():
            project.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('name', ?), ('created', ?)",
                (name or location.stem, now()),
            )
            project.log("create", "project", None, {"name": name or location.stem})
        return project
    except BaseException:
        conn.close()
        raise


def open_server(cls: Any, url: str, coder: str | None) -> Project:
    from qualcode.store.project import default_coder

    location, conn = _connect(url)
    try:
        version = schema_version(conn)
        if version is None:
            raise NotAProjectError(
                f"{location}: not a qualcode study (create one with 'qualcode init {location}')"
            )
        if version > PG_SCHEMA_VERSION:
            raise ProjectError(
                f"{location}: made by a newer qualcode (schema {version}, this one knows {PG_SCHEMA_VERSION})"
            )
        project = cls(location, conn, (coder or default_coder()).strip() or "coder")
        if version < PG_SCHEMA_VERSION:
            _migrate(project, version)
        return project
    except BaseException:
        conn.close()
        raise


def study_exists(url: str) -> bool:
    location, conn = _connect(url)
    try:
        return schema_version(conn) is not None
    finally:
        conn.close()


_DROP_ORDER_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def drop_study(url: str) -> None:
    """Remove a study's tables and functions (a study just made by a command that then failed)."""
    location, conn = _connect(url)
    try:
        tables = [r[0] for r in conn.execute(_DROP_ORDER_SQL).fetchall()]
        with conn.raw.transaction():
            for table in tables:
                conn.raw.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
            for (name,) in conn.raw.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema() AND p.prokind = 'f'"
            ).fetchall():
                conn.raw.execute(f'DROP FUNCTION IF EXISTS "{name}"() CASCADE')
    finally:
        conn.close()
