"""The PostgreSQL backend: each SQL translation rule, the schema kept in step with SQLite's, writers serialised."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.errors import ProjectBusyError
from qualcode.store.pg import ServerLocation, UntranslatableSQL, redact, translate
from qualcode.store.project import Project
from qualcode.store.schema import SCHEMA_VERSION
from qualcode.store.schema_pg import PG_SCHEMA_VERSION


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        ("SELECT '50%' || ? FROM t", "SELECT '50%%' || %s FROM t"),
        ("SELECT 'what?' FROM t WHERE x = ?", "SELECT 'what?' FROM t WHERE x = %s"),
        ('SELECT "end" FROM t', 'SELECT "end" FROM t'),
        ("SELECT 1 FROM t WHERE x LIKE ?", "SELECT 1 FROM t WHERE x ILIKE %s"),
        ("SELECT 1 FROM t WHERE x IS ?", "SELECT 1 FROM t WHERE x IS NOT DISTINCT FROM %s"),
        ("SELECT 1 FROM t WHERE x IS NOT ?", "SELECT 1 FROM t WHERE x IS DISTINCT FROM %s"),
        ("SELECT 1 FROM t WHERE x IS NULL", "SELECT 1 FROM t WHERE x IS NULL"),
        ("SELECT CAST(a AS REAL) FROM t", "SELECT CAST(a AS DOUBLE PRECISION) FROM t"),
        ("SELECT IFNULL(a, 0), instr(a, 'x') FROM t", "SELECT coalesce(a, 0), strpos(a, 'x') FROM t"),
        ("SELECT group_concat(k, ', ') FROM t", "SELECT string_agg(CAST(k AS TEXT), ', ') FROM t"),
        ("SELECT group_concat(DISTINCT k) FROM t", "SELECT string_agg(DISTINCT CAST(k AS TEXT), ',') FROM t"),
        ("SELECT max(a), min(b) FROM t", "SELECT max(a), min(b) FROM t"),
        ("SELECT max(a, coalesce(b, 0)) FROM t", "SELECT greatest(a, coalesce(b, 0)) FROM t"),
        ("SELECT min(a, b) FROM t", "SELECT least(a, b) FROM t"),
        ("SELECT substr(s, a - b + 1, 3) FROM t", "SELECT substr(s, CAST(a - b + 1 AS INTEGER), CAST(3 AS INTEGER)) FROM t"),
        ("INSERT OR IGNORE INTO t(a, b) VALUES (?, ?)", "INSERT INTO t(a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
        (
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('k', ?)",
            "INSERT INTO meta(key, value) VALUES ('k', %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ),
        (  # the embedding model's vectors (a server study crashed on `suggest --embeddings`)
            "INSERT OR REPLACE INTO segment_embeddings(segment_id, model, text_hash, vector) VALUES (?, ?, ?, ?)",
            "INSERT INTO segment_embeddings(segment_id, model, text_hash, vector) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (segment_id, model) DO UPDATE SET text_hash = excluded.text_hash, vector = excluded.vector",
        ),
        (
            "INSERT OR REPLACE INTO text_embeddings(text_hash, model, vector) VALUES (?, ?, ?)",
            "INSERT INTO text_embeddings(text_hash, model, vector) VALUES (%s, %s, %s)"
            " ON CONFLICT (text_hash, model) DO UPDATE SET vector = excluded.vector",
        ),
    ],
)  # fmt: skip
def test_each_rule(sqlite, postgres):
    assert translate(sqlite) == postgres


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA user_version",
        "SELECT sql FROM sqlite_master",
        "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?",
        "SELECT snippet(f, 0, '[', ']', '', 9) FROM f",
        "INSERT OR REPLACE INTO codes(key, label) VALUES (?, ?)",  # no known conflict target
        "SELECT group_concat(a, b, c) FROM t",
    ],
)
def test_sqlite_only_sql_is_refused_not_guessed(sql):
    with pytest.raises(UntranslatableSQL):
        translate(sql)


def test_a_password_is_never_shown():
    url = "postgresql://amira:s3cret@db.example.org:5433/study"
    assert redact(url) == "postgresql://amira:***@db.example.org:5433/study"
    location = ServerLocation(url)
    assert str(location) == redact(url) and location.url == url and location.stem == "study"


def test_the_server_schema_follows_the_sqlite_migrations():
    """A new SQLite migration needs its PostgreSQL twin in schema_pg.PG_MIGRATIONS."""
    assert PG_SCHEMA_VERSION == SCHEMA_VERSION


@pytest.fixture
def server_url(pg_server):
    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    url = server.new_database()
    yield url
    server.drop_database(url)


def test_both_schemas_have_the_same_tables_and_columns(server_url, tmp_path):
    with Project.create(tmp_path / "s.qcdb") as lite, Project.create(server_url) as pg:
        tables = [r[0] for r in lite.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        expected = {
            t: [r[1] for r in lite.conn.execute(f"PRAGMA table_info({t})")]
            for t in tables
            if not t.startswith(("sqlite_", "segments_fts"))
        }
        rows = pg.conn.raw.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name NOT IN ('qualcode_schema', 'qualcode_users') AND column_name <> 'tsv'"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
        got: dict[str, list[str]] = {}
        for table, column in rows:
            got.setdefault(table, []).append(column)
        assert {t: sorted(c) for t, c in got.items()} == {t: sorted(c) for t, c in expected.items()}


def test_a_second_writer_waits_then_is_told_busy_never_overwrites(server_url):
    with Project.create(server_url, coder="a") as first, Project.open(server_url, coder="b") as second:
        second.conn.raw.execute("SET lock_timeout = 200")
        with first.transaction():
            first.conn.execute("INSERT INTO meta(key, value) VALUES ('k', 'first')")
            with pytest.raises(ProjectBusyError, match="busy"), second.transaction():
                second.conn.execute("INSERT INTO meta(key, value) VALUES ('k', 'second')")
        assert second.meta("k") == "first"
        assert not second.conn.in_transaction


def test_integrity_errors_speak_sqlites_words(server_url):
    with Project.create(server_url) as p, p.transaction():
        p.conn.execute("INSERT INTO cases(name) VALUES ('C1')")
        with pytest.raises(sqlite3.IntegrityError, match=r"^UNIQUE constraint failed: cases\.name$"):
            p.conn.execute("INSERT INTO cases(name) VALUES ('C1')")
        # the failed statement alone is undone, as in SQLite: the transaction goes on
        assert p.scalar("SELECT count(*) FROM cases") == 1


def test_two_coders_on_one_segment_get_one_coding_and_a_clear_message(server_url, codebook_path):
    from qualcode.app.actions import read_codebook_file
    from qualcode.errors import DuplicateError
    from qualcode.store.codebook import save_codebook
    from qualcode.store.codings import add_coding
    from qualcode.store.documents import add_documents, list_segments
    from tests.unit.test_store import doc

    with Project.create(server_url, coder="lead") as lead:
        save_codebook(lead, read_codebook_file(codebook_path))
        add_documents(lead, [doc()])
    with Project.open(server_url, coder="amira") as one, Project.open(server_url, coder="amira") as two:
        seg = list_segments(one)[1]["id"]
        add_coding(one, "org.signposting", segment_id=seg)
        with pytest.raises(DuplicateError, match="already has this code"):
            add_coding(two, "org.signposting", segment_id=seg)
        assert two.scalar("SELECT count(*) FROM codings") == 1
        assert not two.conn.in_transaction


def test_a_rolled_back_entry_leaves_no_gap_in_the_log(project):
    """A sequence would give the rolled-back entry's id away for good, and verify would call the gap a deletion."""
    from qualcode.store.audit import verify_log

    with pytest.raises(RuntimeError), project.transaction():
        project.log("note", "project", None, {"n": 1})
        raise RuntimeError("the action fails after logging")
    with project.transaction():
        project.log("note", "project", None, {"n": 2})
    result = verify_log(project)
    assert result["ok"], result["problems"]
    assert [r[0] for r in project.conn.execute("SELECT id FROM change_log ORDER BY id")] == list(
        range(1, result["entries"] + 1)
    )


def test_opening_refuses_an_empty_database_and_a_newer_study_in_one_line(server_url, runner):
    """The server twins of test_store.py's file checks: a database without a study is refused as bad input
    (exit 2), a study made by a newer qualcode as a project problem (exit 1, as for a file); one line, and
    the study is left as it was."""
    from tests.conftest import project_state, run_cli

    assert "not a qualcode study" in run_cli(runner, "documents", server_url, code=2).stderr
    Project.create(server_url).close()
    with Project.open(server_url) as p:
        p.conn.raw.execute("UPDATE qualcode_schema SET version = version + 1")
    before = project_state(server_url)
    result = run_cli(runner, "documents", server_url, code=1)
    assert "made by a newer qualcode" in result.stderr and result.stderr.count("\n") == 1
    assert project_state(server_url) == before
