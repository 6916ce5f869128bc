"""Users of a server study: add, list, change the role of, and remove the logins who work on it."""

from __future__ import annotations

import sys

import click
from rich.text import Text

from qualcode.cli.common import QualcodeGroup, emit_json, json_opt, open_project, out, table
from qualcode.errors import InputError

ROLE_CHOICE = click.Choice(["coder", "reviewer", "lead", "admin"], case_sensitive=False)
URL_ARG = click.argument("url", metavar="URL")


def _open(url: str):  # noqa: ANN202 - a Project
    from qualcode.store.pg import is_server_location

    if not is_server_location(url):
        raise InputError(
            f"{url}: 'qualcode users' is for server studies (postgresql://...); a project file has one user"
            " and no roles"
        )
    return open_project(url)


def _password(login: str, from_stdin: bool) -> str:
    """The new login's password: one line from stdin, or typed twice, hidden. Never echoed or kept."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    else:
        password = click.prompt(
            f"Password for {login}", hide_input=True, confirmation_prompt=True, err=True, show_default=False
        )
    if not password:
        raise InputError(f"{login}: the password is empty")
    return password


@click.group(cls=QualcodeGroup)
def users() -> None:
    """Who may do what in a server study: coders code, reviewers also decide on codings, leads also change
    the codebook, outcome map, claims and documents, admins also manage users. The database enforces it."""


@users.command("add")
@URL_ARG
@click.argument("login")
@click.option("--role", type=ROLE_CHOICE, required=True, help="coder, reviewer, lead or admin.")
@click.option("--coder", help="The name their codings carry (default: the login).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the new login's password from the first line of stdin."
)
@json_opt
def users_add(
    url: str, login: str, role: str, coder: str | None, password_stdin: bool, as_json: bool
) -> None:
    """Add LOGIN to the study at URL with a role. A new PostgreSQL login is created with a password (asked
    twice, hidden, or read from stdin), sent to the server only as a SCRAM hash; an existing login (a user of
    another study on this server) keeps its password. Needs an admin, or the study's owner, with CREATEROLE."""
    from qualcode.store.pg_users import add_user, login_exists, require_admin

    with _open(url) as p:
        require_admin(p)
        password = None if login_exists(p, login) else _password(login, password_stdin)
        result = add_user(p, login, role.lower(), coder, password)
    if as_json:
        emit_json(result)
        return
    how = "new login" if result["new_login"] else "existing login, password unchanged"
    out.print(
        Text(f"Added {result['login']} as {result['role']}, coding as '{result['coder']}' ({how})."),
        soft_wrap=True,
    )


@users.command("list")
@URL_ARG
@json_opt
def users_list(url: str, as_json: bool) -> None:
    """The study's owner and users: login, coder name, role, who added them and when."""
    from qualcode.store.pg_users import list_users

    with _open(url) as p:
        rows = list_users(p)
    if as_json:
        emit_json(rows)
        return
    table(
        ["login", "coder", "role", "added", "by", "can log in"],
        [
            [
                r["login"],
                r["coder"] or "",
                r["role"],
                (r["created"] or "")[:16],
                r["created_by"] or "",
                "yes" if r["can_login"] else "no",
            ]
            for r in rows
        ],  # fmt: skip
        title="Users",
    )


@users.command("set-role")
@URL_ARG
@click.argument("login")
@click.argument("role", type=ROLE_CHOICE)
@json_opt
def users_set_role(url: str, login: str, role: str, as_json: bool) -> None:
    """Give LOGIN another ROLE in the study (coder, reviewer, lead, admin)."""
    from qualcode.store.pg_users import set_role

    with _open(url) as p:
        result = set_role(p, login, role.lower())
    if as_json:
        emit_json(result)
        return
    if result["changed"]:
        out.print(Text(f"{login} is now a {result['role']}."), soft_wrap=True)
    else:
        out.print(Text(f"{login} is already a {result['role']}; nothing changed."), soft_wrap=True)


@users.command("remove")
@URL_ARG
@click.argument("login")
@json_opt
def users_remove(url: str, login: str, as_json: bool) -> None:
    """Take LOGIN out of the study: they can no longer open it. Their codings, memos and decisions stay, under
    their coder name; the PostgreSQL login itself stays (it may work on other studies)."""
    from qualcode.store.pg_users import remove_user

    with _open(url) as p:
        result = remove_user(p, login)
    if as_json:
        emit_json(result)
        return
    out.print(
        Text(f"Removed {login} ({result['role']}); their work stays under '{result['coder']}'."),
        soft_wrap=True,
    )


def register(group: click.Group) -> None:
    group.add_command(users)
