"""Who may do what on a server roles_study, enforced by PostgreSQL itself: raw SQL as each role, as with psql."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from qualcode.errors import PermissionDeniedError
from qualcode.store.codings import add_coding, remove_coding
from qualcode.store.documents import list_segments
from qualcode.store.pg_users import add_user, list_users, set_role
from qualcode.store.project import Project
from qualcode.store.reviews import set_review
from tests.pg_roles import as_login, code_as

pytestmark = pytest.mark.pg

Denied = psycopg.errors.InsufficientPrivilege


def _ids(roles_study) -> tuple[int, int, int]:  # noqa: ANN001
    with psycopg.connect(roles_study.url) as conn:
        seg = conn.execute("SELECT id, document_id FROM segments ORDER BY id LIMIT 1").fetchone()
        code = conn.execute("SELECT id FROM codes WHERE key = 'a2'").fetchone()[0]
    return seg[0], seg[1], code


def _insert_coding(conn, coder: str, segment: int, document: int, code: int) -> None:  # noqa: ANN001
    conn.execute(
        'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created)'
        " VALUES (%s, %s, 0, 5, %s, %s, 'now')",
        (document, segment, code, coder),
    )


def test_a_coder_cannot_insert_change_or_delete_another_coders_codings(roles_study):
    bens = code_as(roles_study, "ben", 0)
    segment, document, code = _ids(roles_study)
    before = roles_study.scalar("SELECT count(*) FROM codings WHERE coder = 'ben'")
    with roles_study.connect("amira") as amira:
        with pytest.raises(Denied, match="row-level security"):
            _insert_coding(amira, "ben", segment, document, code)
        with pytest.raises(Denied, match="only their own codings .this one is ben's"):
            amira.execute("UPDATE codings SET memo = 'mine now' WHERE id = %s", (bens,))
        with pytest.raises(Denied, match="ben's"):
            amira.execute("UPDATE codings SET coder = 'amira' WHERE id = %s", (bens,))  # taking it over
        with pytest.raises(Denied, match="ben's"):
            amira.execute("DELETE FROM codings WHERE id = %s", (bens,))
        # even as the group role itself: who you are is the login, not the role you SET
        amira.execute(
            sql.SQL("SET ROLE {}").format(sql.Identifier(f"{roles_study.url.rsplit('/', 1)[1]}_coder"))
        )
        with pytest.raises(Denied):
            _insert_coding(amira, "ben", segment, document, code)
        amira.execute("RESET ROLE")
        # their own: insert, change, delete
        _insert_coding(amira, "amira", segment, document, code)
        assert amira.execute("UPDATE codings SET memo = 'ok' WHERE coder = 'amira'").rowcount == 1
        assert amira.execute("DELETE FROM codings WHERE coder = 'amira'").rowcount == 1
    assert roles_study.scalar("SELECT count(*) FROM codings WHERE coder = 'ben'") == before == 1
    assert roles_study.scalar("SELECT memo FROM codings WHERE id = %s", (bens,)) is None


def test_a_coder_cannot_edit_the_codebook_reviews_users_or_the_log(roles_study):
    bens = code_as(roles_study, "ben", 0)
    with roles_study.connect("amira") as amira:
        for statement in (
            "UPDATE codes SET label = 'Renamed' WHERE key = 'a1'",
            "INSERT INTO codes(key, label) VALUES ('a3', 'New')",
            "DELETE FROM codes WHERE key = 'a2'",
            "UPDATE outcomes SET label = 'x'",
            "INSERT INTO claims(key, text, created, created_by) VALUES ('c1', 'A claim', 'now', 'amira')",
            "DELETE FROM documents",
            f"INSERT INTO reviews(coding_id, status, reviewer, created) VALUES ({bens}, 'accepted', 'amira', 'n')",
            "INSERT INTO qualcode_users(login, coder, role, created, created_by) VALUES ('x', 'amira', 'lead', 'n', 'x')",
            "UPDATE qualcode_users SET role = 'lead'",
            "UPDATE meta SET value = 'Renamed' WHERE key = 'name'",
            "INSERT INTO change_log(id, at, who, action, entity, prev_hash, hash)"
            " VALUES (9999, 'n', 'ben', 'code', 'coding', 'x', 'y')",  # writing in ben's name
        ):
            with pytest.raises(Denied):
                amira.execute(statement)
        assert amira.execute("SELECT label FROM codes WHERE key = 'a1'").fetchone()[0] == "Faster referrals"
    assert roles_study.scalar("SELECT count(*) FROM reviews") == 0
    assert roles_study.scalar("SELECT role FROM qualcode_users WHERE coder = 'amira'") == "coder"


def test_a_reviewer_reviews_as_themselves_and_codes_only_as_themselves(roles_study):
    bens = code_as(roles_study, "ben", 0)
    segment, document, code = _ids(roles_study)
    with roles_study.connect("rita") as rita:
        rita.execute(
            "INSERT INTO reviews(coding_id, status, reviewer, created) VALUES (%s, 'accepted', 'rita', 'n')",
            (bens,),
        )
        with pytest.raises(Denied):
            rita.execute(
                "INSERT INTO reviews(coding_id, status, reviewer, created) VALUES (%s, 'rejected', 'lee', 'n')",
                (bens,),
            )
        with pytest.raises(Denied):
            _insert_coding(rita, "ben", segment, document, code)
        _insert_coding(rita, "rita", segment, document, code)
        with pytest.raises(Denied):
            rita.execute("UPDATE codes SET label = 'x'")
    with roles_study.open("rita") as p:  # and through qualcode, in its words
        set_review(p, bens, "queried", comment="Which service?")
        with pytest.raises(PermissionDeniedError, match="rita_.* is a reviewer .* only their own codings"):
            add_coding(p, "a1", segment_id=segment, coder="ben")
    assert roles_study.scalar("SELECT count(*) FROM reviews WHERE reviewer = 'rita'") == 2


def test_a_lead_edits_the_codebook_and_anyones_codings_but_not_users(roles_study):
    bens = code_as(roles_study, "ben", 0)
    with roles_study.connect("lee") as lee:
        lee.execute("UPDATE codes SET label = 'Referrals, faster' WHERE key = 'a1'")
        lee.execute("UPDATE codings SET memo = 'checked' WHERE id = %s", (bens,))
        with pytest.raises(Denied):
            lee.execute("UPDATE qualcode_users SET role = 'admin'")
    with roles_study.open("lee") as p:
        with pytest.raises(PermissionDeniedError, match="may not manage users"):
            set_role(p, roles_study.login("amira"), "lead")
        remove_coding(p, bens)
    assert roles_study.scalar("SELECT label FROM codes WHERE key = 'a1'") == "Referrals, faster"
    assert roles_study.scalar("SELECT count(*) FROM codings") == 0


def test_an_admin_adds_users_who_can_then_work(roles_study):
    newcomer = f"zoe_{roles_study.tag}"
    roles_study.extra.append(newcomer)
    with roles_study.open("ada") as p:
        add_user(p, newcomer, "coder", coder="zoe", password="pw-zoe")
        set_role(p, roles_study.login("amira"), "reviewer")
        set_role(p, newcomer, "admin")  # an admin may make admins: their login gets CREATEROLE, and loses it
        assert roles_study.scalar("SELECT rolcreaterole FROM pg_roles WHERE rolname = %s", (newcomer,))
        set_role(p, newcomer, "coder")
        assert not roles_study.scalar("SELECT rolcreaterole FROM pg_roles WHERE rolname = %s", (newcomer,))
        assert {u["login"]: u["role"] for u in list_users(p)}[newcomer] == "coder"
    with Project.open(as_login(roles_study.url, newcomer), coder="someone else") as zoe:
        assert zoe.coder == "zoe"  # the login decides who codes, not the name given
        seg = list_segments(zoe)[1]
        cid = add_coding(zoe, "a2", segment_id=seg["id"])
    assert roles_study.scalar("SELECT coder FROM codings WHERE id = %s", (cid,)) == "zoe"
    assert roles_study.scalar("SELECT role FROM qualcode_users WHERE coder = 'amira'") == "reviewer"


def test_a_coders_own_delete_takes_its_review_decisions_with_it(roles_study):
    """ON DELETE CASCADE removes rita's decision on amira's coding: a consequence of amira's allowed change."""
    mine = code_as(roles_study, "amira", 0)
    with roles_study.open("rita") as p:
        set_review(p, mine, "accepted")
    with roles_study.open("amira") as p:
        remove_coding(p, mine)
    assert roles_study.scalar("SELECT count(*) FROM reviews") == 0


def test_a_login_that_is_not_a_user_cannot_open_the_study(roles_study, pg_server):
    stranger = f"stranger_{roles_study.tag}"
    with psycopg.connect(roles_study.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(stranger)))
    try:
        with pytest.raises(PermissionDeniedError, match="is not a user of this study") as got:
            Project.open(as_login(roles_study.url, stranger))
        assert got.value.exit_code == 3
        with psycopg.connect(as_login(roles_study.url, stranger)) as conn, pytest.raises(Denied):
            conn.execute("SELECT text FROM segments")  # nor read it with psql
    finally:
        with psycopg.connect(roles_study.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(stranger)))


def test_the_password_is_kept_only_as_a_scram_hash_and_lets_the_user_in(roles_study, pg_server):
    server, _ = pg_server
    login = roles_study.login("amira")
    stored = roles_study.scalar("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,))
    assert stored.startswith("SCRAM-SHA-256$") and roles_study.passwords["amira"] not in stored
    if not hasattr(server, "data"):
        pytest.skip("password authentication is checked on the throwaway server only")
    # This login (alone) must give its password, checked against the hash; everyone else stays on trust.
    hba = server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text(f"host all {login} 127.0.0.1/32 scram-sha-256\n{original}")
    try:
        with psycopg.connect(roles_study.url, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(as_login(roles_study.url, login, "wrong")).close()
        with psycopg.connect(roles_study.url_of("amira"), password=roles_study.passwords["amira"]) as conn:
            assert conn.execute("SELECT qualcode_coder()").fetchone()[0] == "amira"
    finally:
        hba.write_text(original)
        with psycopg.connect(roles_study.url, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")


def test_an_owner_who_is_not_a_superuser_can_init_push_and_add_users(pg_server, tmp_path):
    """The documented set-up: the study's database is owned by a plain login with CREATEROLE."""
    from qualcode.store.transfer import push
    from tests.report_study import build_study

    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    tag = uuid.uuid4().hex[:6]
    owner, database, kim = f"owner_{tag}", f"owned_{tag}", f"kim_{tag}"
    with server.admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(owner)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE qualcode_template").format(
                sql.Identifier(database), sql.Identifier(owner)
            )
        )
    url = as_login(server.url(database), owner)
    try:
        source = tmp_path / "small.qcdb"
        build_study(source)
        result = push(source, url)  # COPY under row-level security: set aside for the owner's copy
        assert result["audit"]["ok"] and result["rows"]["codings"] > 0
        with Project.open(url) as p:
            assert p.server_conn.role == "owner"
            add_user(p, kim, "coder", coder="kim", password="pw-kim")
        with Project.open(as_login(url, kim)) as p:
            seg = list_segments(p)[0]
            add_coding(p, "a2", segment_id=seg["id"])
            with pytest.raises(PermissionDeniedError):
                add_coding(p, "a2", segment_id=seg["id"], coder="amira")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM codings WHERE coder = 'kim'").fetchone()[0] == 1
    finally:
        server.drop_database(url)
        with server.admin() as conn:
            for role in (kim, *[f"{database}_{r}" for r in ("admin", "lead", "reviewer", "coder")], owner):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_a_temporary_table_cannot_pass_for_the_users_table(roles_study):
    """A session's temporary tables come first in name lookup unless pg_temp is put last: the role functions
    put it last, so a coder's own `qualcode_users` or `pg_roles` does not make them ben, a lead or a superuser."""
    segment, document, code = _ids(roles_study)
    with roles_study.connect("amira") as amira:
        amira.execute("CREATE TEMP TABLE qualcode_users (login TEXT, coder TEXT, role TEXT)")
        amira.execute("INSERT INTO qualcode_users VALUES (session_user, 'ben', 'lead')")
        amira.execute("CREATE TEMP TABLE pg_roles (rolname NAME, rolsuper BOOLEAN)")
        amira.execute("INSERT INTO pg_roles VALUES (session_user, true)")
        assert amira.execute("SELECT qualcode_role(), qualcode_coder()").fetchone() == ("coder", "amira")
        with pytest.raises(Denied):
            _insert_coding(amira, "ben", segment, document, code)
