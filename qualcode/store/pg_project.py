"""Opening and creating a server study (PostgreSQL): connect, check or install the schema, migrate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.errors import InputError, NotAProjectError, PermissionDeniedError, ProjectError
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
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
    ).fetchone()
    return int(row[0]) if row else 0


def read_identity(conn: PgConnection) -> None:
    """Who the database says this login is: its name, its role in the study ('owner' for the database's owner
    and superusers) and the coder name it codes as (None: the owner not added as a user codes under the name
    qualcode is given, as on a file)."""
    login, has_roles = conn.raw.execute(
        "SELECT session_user, to_regproc('qualcode_role') IS NOT NULL"
    ).fetchone() or ("", False)
    conn.login = str(login)
    if not has_roles:  # a study from before roles: only its owner can open and upgrade it
        conn.role, conn.coder = "owner", None
        return
    conn.role, conn.coder = conn.raw.execute("SELECT qualcode_role(), qualcode_coder()").fetchone() or (
        None,
        None,
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


def _grant_new_tables(project: Project) -> None:
    """After an upgrade, the study's group roles (if it has users) get their rights on any new table."""
    from qualcode.store.pg_users import apply_grants, groups_exist

    if groups_exist(project):
        with project.transaction():
            apply_grants(project)


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
        read_identity(conn)
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
        read_identity(conn)
        if conn.role is None:
            raise PermissionDeniedError(
                f"{location}: {conn.login} is not a user of this study; its admin adds you with"
                f" 'qualcode users add {location} {conn.login}'"
            )
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
            _grant_new_tables(project)
            read_identity(conn)
        if conn.coder:  # the login decides who codes: the name in the study's users table
            project.coder = conn.coder
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
            for (signature,) in conn.raw.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema() AND p.prokind = 'f'"
            ).fetchall():
                conn.raw.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")  # with its argument types
    finally:
        conn.close()
