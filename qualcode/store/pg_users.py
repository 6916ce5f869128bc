"""A server study's users: PostgreSQL logins in the study's group roles, mapped to coder names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.errors import InputError, NotFoundError, PermissionDeniedError
from qualcode.store.schema_pg_roles import ROLES, grant_statements, group_names

if TYPE_CHECKING:
    from qualcode.store.project import Project

MAX_LOGIN = 63  # PostgreSQL's limit on a role's name (NAMEDATALEN - 1)


def require_server(project: Project) -> None:
    if not project.on_server:
        raise InputError(
            f"{project.path}: 'qualcode users' is for server studies (postgresql://...); a project file has one"
            " user and no roles"
        )


def require_admin(project: Project) -> None:
    """Only an admin (or the study's owner) manages users: said before anything is asked or changed."""
    require_server(project)
    conn = project.server_conn
    if conn.role not in ("admin", "owner"):
        raise PermissionDeniedError(
            f"not allowed: {conn.login} is a {conn.role} in this study and may not manage users; ask an admin"
        )


def _run(project: Project, statement: Any, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """A statement built with psycopg.sql (names and literals quoted by psycopg, never by hand), run in the
    open transaction; a refusal becomes one line."""
    import psycopg

    conn = project.server_conn
    try:
        cur = conn.raw.execute(statement, params or None)
        return cur.fetchall() if cur.description else []
    except psycopg.errors.InsufficientPrivilege as exc:
        if any(w in str(exc).lower() for w in ("create role", "alter role", "admin option", "createrole")):
            raise PermissionDeniedError(
                f"not allowed: {conn.login} may not create or change PostgreSQL logins; the server's"
                f" administrator gives the study's admin that right with 'ALTER ROLE {conn.login} CREATEROLE'"
            ) from None
        raise conn._convert(exc) from None
    except psycopg.Error as exc:
        raise conn._convert(exc) from None


def _database_and_schema(project: Project) -> tuple[str, str]:
    row = project.server_conn.raw.execute("SELECT current_database(), current_schema()").fetchone()
    return str(row[0]), str(row[1])


def login_exists(project: Project, login: str) -> bool:
    return bool(
        project.server_conn.raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
    )


def ensure_groups(project: Project) -> None:
    """Make the study's group roles if missing, each a member of the one below it, and (as the study's owner)
    grant them their rights on the current tables. Idempotent; runs inside the caller's transaction."""
    from psycopg import sql

    database, schema = _database_and_schema(project)
    groups = group_names(database)
    for role in ROLES:
        if not login_exists(project, groups[role]):
            _run(project, sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(groups[role])))
    for lower, upper in zip(ROLES, ROLES[1:], strict=False):
        if not _is_member(project, groups[upper], groups[lower]):
            _run(
                project,
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(groups[lower]), sql.Identifier(groups[upper])
                ),
            )
    if project.server_conn.role == "owner":
        apply_grants(project)


def apply_grants(project: Project) -> None:
    """The groups' rights on every table the study has now (after a migration added one, too)."""
    database, schema = _database_and_schema(project)
    tables = [
        r[0]
        for r in project.server_conn.raw.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v')"
        ).fetchall()
    ]
    for statement in grant_statements(database, tables, schema):
        _run(project, statement)


def groups_exist(project: Project) -> bool:
    database, _ = _database_and_schema(project)
    return login_exists(project, group_names(database)["coder"])


def _is_member(project: Project, member: str, group: str) -> bool:
    row = project.server_conn.raw.execute(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
        " WHERE r.rolname = %s AND u.rolname = %s",
        (group, member),
    ).fetchone()
    return row is not None


def _check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def _check_login(login: str) -> str:
    if not login.strip() or login != login.strip():
        raise InputError(f"login {login!r}: give a name without spaces around it")
    if len(login.encode()) > MAX_LOGIN:
        raise InputError(f"login {login[:20]!r}...: longer than PostgreSQL's {MAX_LOGIN} bytes")
    if login.lower().startswith("pg_"):
        raise InputError(f"login {login!r}: names starting 'pg_' are PostgreSQL's own")
    return login


def _user(project: Project, login: str) -> dict[str, Any]:
    rows = project.query("SELECT login, coder, role FROM qualcode_users WHERE login = ?", (login,))
    if not rows:
        raise NotFoundError(f"{login}: not a user of this study (see 'qualcode users list')")
    return rows[0]


def add_user(
    project: Project, login: str, role: str, coder: str | None = None, password: str | None = None
) -> dict[str, Any]:
    """Add LOGIN as a user with ROLE, coding as CODER (default: the login). A new login is created with the
    password, hashed here (SCRAM-SHA-256, by libpq) so the server, its logs and pg_stat_activity only ever see
    the hash; an existing login (a user of another study on this server) keeps its password."""
    from psycopg import sql

    require_admin(project)
    login, role = _check_login(login), _check_role(role)
    coder = (coder or login).strip()
    if not coder:
        raise InputError("coder name is empty")
    with project.transaction():
        if project.scalar("SELECT 1 FROM qualcode_users WHERE login = ?", (login,)):
            raise InputError(
                f"{login}: already a user of this study (change the role with 'qualcode users set-role')"
            )
        taken = project.scalar("SELECT login FROM qualcode_users WHERE coder = ?", (coder,))
        if taken:
            raise InputError(f"coder name {coder!r} is already {taken}'s; choose another with --coder")
        ensure_groups(project)
        database, _ = _database_and_schema(project)
        existed = login_exists(project, login)
        if not existed:
            if not password:
                raise InputError(f"{login}: a new login needs a password")
            conn = project.server_conn.raw
            verifier = conn.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")
            _run(
                project,
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(login), sql.Literal(verifier.decode())
                ),
            )
        _grant(project, login, database, role)
        project.ensure_coder(coder)
        from qualcode.store.project import now

        project.conn.execute(
            "INSERT INTO qualcode_users(login, coder, role, created, created_by) VALUES (?, ?, ?, ?, ?)",
            (login, coder, role, now(), project.server_conn.login),
        )
        project.log("add", "user", login, {"role": role, "coder": coder, "new_login": not existed})
    return {"login": login, "coder": coder, "role": role, "new_login": not existed}


def _grant(project: Project, login: str, database: str, role: str) -> None:
    from psycopg import sql

    group = group_names(database)[role]
    _run(project, sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login)))
    if role == "admin":  # adding users means creating logins
        _run(project, sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(login)))


def _revoke(project: Project, login: str, database: str, role: str) -> None:
    from psycopg import sql

    _run(
        project,
        sql.SQL("REVOKE {} FROM {}").format(
            sql.Identifier(group_names(database)[role]), sql.Identifier(login)
        ),
    )
    if role == "admin":
        _run(project, sql.SQL("ALTER ROLE {} NOCREATEROLE").format(sql.Identifier(login)))


def set_role(project: Project, login: str, role: str) -> dict[str, Any]:
    require_admin(project)
    role = _check_role(role)
    with project.transaction():
        user = _user(project, login)
        if user["role"] == role:
            return {**user, "changed": False}
        database, _ = _database_and_schema(project)
        _revoke(project, login, database, user["role"])
        _grant(project, login, database, role)
        project.conn.execute("UPDATE qualcode_users SET role = ? WHERE login = ?", (role, login))
        project.log("set-role", "user", login, {"from": user["role"], "to": role})
    return {**user, "role": role, "changed": True}


def remove_user(project: Project, login: str) -> dict[str, Any]:
    """Take LOGIN's place in this study away. The login itself stays (it may be a user of other studies on the
    server), and so does everything it coded, under its coder name."""
    require_admin(project)
    with project.transaction():
        user = _user(project, login)
        if login == project.server_conn.login:
            raise InputError(f"{login}: you cannot remove yourself; another admin can")
        database, _ = _database_and_schema(project)
        _revoke(project, login, database, user["role"])
        project.conn.execute("DELETE FROM qualcode_users WHERE login = ?", (login,))
        project.log("remove", "user", login, {"role": user["role"], "coder": user["coder"]})
    return user


def list_users(project: Project) -> list[dict[str, Any]]:
    """The study's owner, then every user by login: coder name, role, whether the login may log in now."""
    require_server(project)
    owner = project.server_conn.raw.execute(
        "SELECT r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = current_database()"
    ).fetchone()[0]
    rows = project.query(
        "SELECT u.login, u.coder, u.role, u.created, u.created_by,"
        " coalesce((SELECT r.rolcanlogin FROM pg_roles r WHERE r.rolname = u.login), false) AS can_login"
        " FROM qualcode_users u ORDER BY u.login"
    )
    users = [{**r, "can_login": bool(r["can_login"])} for r in rows]
    if not any(u["login"] == owner for u in users):
        users.insert(0, {"login": owner, "coder": None, "role": "owner", "created": None, "created_by": None,
                         "can_login": True})  # fmt: skip
    else:
        for u in users:
            if u["login"] == owner:
                u["role"] = f"owner ({u['role']})"
    return users
