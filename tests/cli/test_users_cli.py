"""qualcode users: add, list, set-role, remove; a password never shown or kept; refusals in one line, exit 3."""

from __future__ import annotations

import json

import psycopg
import pytest

from qualcode.cli import cli
from tests.conftest import project_state, run_cli
from tests.pg_roles import as_login

pytestmark = pytest.mark.pg

SECRET = "Sesame-7731!correct horse"


def _server_log(pg_server) -> str:  # noqa: ANN001
    server, _ = pg_server
    return (server.root / "log").read_text(errors="replace") if hasattr(server, "root") else ""


def test_add_list_set_role_remove(runner, roles_study, pg_server, monkeypatch):
    study = roles_study
    login = f"noor_{study.tag}"
    study.extra.append(login)
    # Every statement the owner's connection sends is written to the server's log: the password must not be.
    monkeypatch.setenv("PGOPTIONS", "-c log_statement=all")
    result = runner.invoke(
        cli,
        ["users", "add", study.url, login, "--role", "coder", "--coder", "noor", "--password-stdin"],
        input=SECRET + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Added {login} as coder, coding as 'noor' (new login).\n"
    assert SECRET not in result.output + result.stderr
    log = _server_log(pg_server)
    if hasattr(pg_server[0], "root"):  # the throwaway server's log (a server of yours: not readable here)
        assert "SCRAM-SHA-256$" in log and SECRET not in log  # the statement was logged, with the hash only
    monkeypatch.delenv("PGOPTIONS")
    with psycopg.connect(study.url) as conn:
        entries = conn.execute(
            "SELECT action, entity_id, detail FROM change_log WHERE entity = 'user'"
        ).fetchall()
        assert (
            "add",
            login,
            json.dumps({"coder": "noor", "new_login": True, "role": "coder"}, sort_keys=True),
        ) in entries
        assert not conn.execute(
            "SELECT count(*) FROM change_log WHERE detail LIKE %s", (f"%{SECRET[:7]}%",)
        ).fetchone()[0]
        # nothing in the study holds it, in any table
        for (table,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall():
            assert SECRET not in repr(conn.execute(f'SELECT * FROM "{table}"').fetchall()), table

    listed = json.loads(run_cli(runner, "users", "list", study.url, "--json").stdout)
    assert {u["login"]: (u["coder"], u["role"]) for u in listed}[login] == ("noor", "coder")
    assert listed[0]["role"] == "owner"
    table = run_cli(runner, "users", "list", study.url).stdout
    assert login in table and "reviewer" in table and SECRET not in table

    assert (
        run_cli(runner, "users", "set-role", study.url, login, "lead").stdout == f"{login} is now a lead.\n"
    )
    again = run_cli(runner, "users", "set-role", study.url, login, "lead").stdout
    assert again == f"{login} is already a lead; nothing changed.\n"
    run_cli(runner, "users", "remove", study.url, login)
    bad = run_cli(runner, "code", as_login(study.url, login), "1", "a1", code=3)
    assert bad.stderr == (
        f"qualcode: {as_login(study.url, login)}: {login} is not a user of this study; its admin adds you with"
        f" 'qualcode users add {as_login(study.url, login)} {login}'\n"
    )
    # back again: the login exists, so no password is asked and it keeps its own
    back = run_cli(runner, "users", "add", study.url, login, "--role", "reviewer", "--coder", "noor")
    assert "existing login, password unchanged" in back.stdout


def test_the_password_prompt_is_hidden_and_asked_twice(runner, roles_study):
    login = f"omar_{roles_study.tag}"
    roles_study.extra.append(login)
    mismatch = runner.invoke(
        cli, ["users", "add", roles_study.url, login, "--role", "coder"], input="a1\nb2\n"
    )
    assert mismatch.exit_code != 0 and "a1" not in mismatch.output and "b2" not in mismatch.output
    result = runner.invoke(
        cli, ["users", "add", roles_study.url, login, "--role", "coder"], input=f"{SECRET}\n{SECRET}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password for" in result.stderr and SECRET not in result.output + result.stderr


def test_users_on_a_project_file_says_it_is_for_servers(runner, tmp_path):
    result = run_cli(runner, "users", "list", tmp_path / "study.qcdb", code=2)
    assert result.stderr == (
        f"qualcode: {tmp_path / 'study.qcdb'}: 'qualcode users' is for server studies (postgresql://...);"
        " a project file has one user and no roles\n"
    )


def test_only_an_admin_manages_users_and_is_told_so_before_any_password(runner, roles_study):
    study = roles_study
    for name in ("amira", "lee"):
        result = run_cli(
            runner, "users", "add", study.url_of(name), f"x_{study.tag}", "--role", "lead", code=3
        )
        assert result.stderr == (
            f"qualcode: not allowed: {study.login(name)} is a {'coder' if name == 'amira' else 'lead'} in this"
            " study and may not manage users; ask an admin\n"
        )
        assert "Password" not in result.output
    run_cli(runner, "users", "set-role", study.url_of("ada"), study.login("ben"), "reviewer")


def test_a_coder_codes_from_the_cli_and_is_refused_the_codebook_in_one_line(
    runner, roles_study, codebook_path
):
    study = roles_study
    amira = study.url_of("amira")
    done = run_cli(runner, "code", amira, "2", "a1", "--coder", "amira")
    assert done.stdout == "Coding 1: segment 2 coded a1 by amira.\n"
    implicit = run_cli(runner, "code", amira, "3", "a2")  # no --coder: the login says who
    assert implicit.stdout.endswith("coded a2 by amira.\n")
    before = project_state(study.url)
    refused = run_cli(runner, "codebook", "import", amira, codebook_path, code=3)
    assert refused.stderr == (
        f"qualcode: not allowed: {study.login('amira')} is a coder in this study and may not change the"
        " codebook; ask a lead\n"
    )
    as_ben = run_cli(runner, "code", amira, "2", "a2", "--coder", "ben", code=3)
    assert as_ben.stderr == (
        f"qualcode: not allowed: {study.login('amira')} is a coder in this study and writes only their own"
        " codings (as 'amira'); a lead may write anyone's\n"
    )
    review = run_cli(runner, "review", "set", amira, "1", "accepted", code=3)
    assert "may not record review decisions; ask a reviewer or lead" in review.stderr
    assert project_state(study.url) == before
    # the reviewer decides, the lead changes the codebook
    run_cli(runner, "review", "set", study.url_of("rita"), "1", "accepted")
    run_cli(runner, "codebook", "import", study.url_of("lee"), codebook_path)


def test_a_coder_merges_their_own_offline_work_back_but_not_anothers(runner, roles_study, tmp_path):
    study = roles_study
    amira = study.url_of("amira")
    copy = tmp_path / "field.qcdb"
    run_cli(runner, "pull", amira, "-o", copy)
    run_cli(runner, "code", copy, "2", "a1", "--coder", "amira")
    merged = run_cli(runner, "merge", amira, copy)
    assert "added 1 coding(s)" in merged.stdout
    run_cli(runner, "code", copy, "3", "a1", "--coder", "ben")
    before = project_state(study.url)
    refused = run_cli(runner, "merge", amira, copy, code=3)
    assert "writes only their own codings (as 'amira')" in refused.stderr
    assert project_state(study.url) == before
    assert "added 1 coding(s)" in run_cli(runner, "merge", study.url_of("lee"), copy).stdout
