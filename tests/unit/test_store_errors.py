"""Errors that must not be mistaken for something else: a busy project is not a search syntax error, and an
integrity error other than the duplicate rule is not a duplicate."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.app.actions import export_qdpx, read_refi_file
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.errors import DuplicateError, ProjectBusyError
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments, search_segments
from qualcode.store.project import Project
from qualcode.store.refi_import import import_refi

CODE = "practice.confidence"
TEXT = "The hub helped me.\nMy referral came late.\nNothing else."


@pytest.fixture
def doc(project: Project) -> Project:
    segs = [ParsedSegment(0, 18), ParsedSegment(19, 41), ParsedSegment(42, 55)]
    add_documents(project, [ParsedDocument("int", "interview", TEXT, segs, "int.txt", "h1")])
    return project


def test_search_syntax_errors_fall_back_to_plain_words(doc):
    assert [r["text"] for r in search_segments(doc, "referral)")] == ["My referral came late."]


def test_a_busy_project_is_reported_not_searched_as_plain_words(doc, monkeypatch):
    """'hub OR referral' is valid FTS: a lock on the first try must not turn it into a search for three words.
    On a server the lock error is PostgreSQL's (lock_timeout), which must read as 'busy' too."""
    real = doc.query
    calls = []
    if doc.on_server:
        import psycopg.errors

        locked = doc.server_conn._convert(
            psycopg.errors.LockNotAvailable("canceling statement: lock timeout")
        )
    else:
        locked = sqlite3.OperationalError("database is locked")

    def locked_once(sql, params=()):
        calls.append(params)
        if len(calls) == 1:
            raise locked
        return real(sql, params)

    monkeypatch.setattr(doc, "query", locked_once)
    with pytest.raises(ProjectBusyError, match="busy"):
        search_segments(doc, "hub OR referral")
    assert len(calls) == 1


def test_search_while_another_program_holds_the_write_lock(doc):
    """A project file: the search says busy. A server study: readers are never blocked, so the search answers,
    while a write waits for the lock and then says busy (nothing half-done)."""
    if not doc.on_server:
        doc.conn.execute("PRAGMA busy_timeout = 50")
        other = sqlite3.connect(doc.path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            with pytest.raises(ProjectBusyError):
                search_segments(doc, "hub")
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    import psycopg

    from qualcode.store.pg import WRITE_LOCK_KEY

    doc.server_conn.raw.execute("SET lock_timeout = 50")
    before = doc.scalar("SELECT count(*) FROM codings")
    with psycopg.connect(doc.server_conn.raw.info.dsn, autocommit=True) as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        assert [r["text"] for r in search_segments(doc, "hub")] == ["The hub helped me."]
        seg = list_segments(doc)[0]["id"]
        with pytest.raises(ProjectBusyError, match="busy"):
            add_coding(doc, CODE, segment_id=seg)
        other.execute("ROLLBACK")
    assert doc.scalar("SELECT count(*) FROM codings") == before
    assert not doc.conn.in_transaction


def block_codings(project: Project) -> None:
    """Stands for any rule other than the duplicate one (a foreign key, a CHECK) that refuses a coding."""
    if project.on_server:
        project.conn.raw.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION"
            " 'FOREIGN KEY constraint failed' USING ERRCODE = 'foreign_key_violation'; END $$;"
            " CREATE TRIGGER refuse BEFORE INSERT ON codings FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
        return
    project.conn.execute(
        "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.codings BEGIN"
        " SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END"
    )


def test_only_the_duplicate_rule_is_reported_as_already_coded(doc):
    seg = list_segments(doc)[0]["id"]
    add_coding(doc, CODE, segment_id=seg)
    with pytest.raises(DuplicateError, match="already has this code"):
        add_coding(doc, CODE, segment_id=seg)
    block_codings(doc)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        add_coding(doc, CODE, segment_id=list_segments(doc)[1]["id"])


def test_a_refi_import_does_not_count_a_refused_coding_as_a_duplicate(
    new_location, doc, tmp_path: Path, codebook_path
):
    add_coding(doc, CODE, segment_id=list_segments(doc)[0]["id"], coder="amira")
    qdpx = tmp_path / "study.qdpx"
    qdpx.write_bytes(export_qdpx(doc))
    refi = read_refi_file(qdpx)
    target = Project.create(new_location("target"), coder="tester")
    try:
        block_codings(target)
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            import_refi(target, refi, qdpx.name)
        assert target.scalar("SELECT count(*) FROM documents") == 0  # one transaction: nothing kept
    finally:
        target.close()
