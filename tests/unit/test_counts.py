"""The counts the writes keep (schema V_COUNTS) equal a fresh recount after any sequence of imports, codings,
uncodings, undo and redo, code merges, case changes, deletes and merges of coders' copies: they cannot drift."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.app.actions import read_codebook_file
from qualcode.app.session import CodingSession
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.errors import QualcodeError
from qualcode.store.browse import document_progress
from qualcode.store.codebook import code_codings, save_codebook
from qualcode.store.codebook_edit import merge_codes
from qualcode.store.codings import add_coding
from qualcode.store.copies import export_for
from qualcode.store.documents import add_documents, list_documents
from qualcode.store.merge import merge_projects
from qualcode.store.project import Project
from qualcode.store.speakers import set_interviewers
from tests.conftest import CODEBOOK, old_schema

# What `documents` counted before the counts were kept: the reference the kept counts must equal.
RECOUNT_DOCUMENTS = """SELECT d.id,
      (SELECT count(*) FROM segments s WHERE s.document_id = d.id) AS segments,
      (SELECT count(DISTINCT s.case_id) FROM segments s WHERE s.document_id = d.id) AS cases,
      (SELECT count(DISTINCT k.segment_id) FROM codings k WHERE k.document_id = d.id) AS coded_segments,
      (SELECT count(*) FROM segments s WHERE s.document_id = d.id AND s.case_id IS NOT NULL) AS participant_segments,
      (SELECT count(DISTINCT k.segment_id) FROM codings k JOIN segments s ON s.id = k.segment_id
          WHERE k.document_id = d.id AND s.case_id IS NOT NULL) AS coded_participant_segments,
      (SELECT count(*) FROM codings k WHERE k.document_id = d.id) AS codings
   FROM documents d ORDER BY d.id"""
COLUMNS = (
    "segments",
    "cases",
    "coded_segments",
    "participant_segments",
    "coded_participant_segments",
    "codings",
)


def recounted(conn: sqlite3.Connection) -> dict[str, Any]:
    """Every kept count, counted afresh from segments and codings."""
    return {
        "documents": {r[0]: dict(zip(COLUMNS, r[1:], strict=True)) for r in conn.execute(RECOUNT_DOCUMENTS)},
        "document_cases": set(
            conn.execute(
                "SELECT document_id, case_id, count(*) FROM segments WHERE case_id IS NOT NULL"
                " GROUP BY document_id, case_id"
            )
        ),
        "coded_segments": set(
            conn.execute(
                "SELECT k.document_id, k.segment_id, count(*),"
                " coalesce(max(CASE WHEN s.case_id IS NOT NULL THEN 1 ELSE 0 END), 0)"
                " FROM codings k LEFT JOIN segments s ON s.id = k.segment_id WHERE k.segment_id IS NOT NULL"
                " GROUP BY k.document_id, k.segment_id"
            )
        ),
        "codes": dict(conn.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id")),
        "progress": {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT d.id, (SELECT count(*) FROM segments s WHERE s.document_id = d.id AND s.case_id IS NOT NULL"
                "   AND EXISTS (SELECT 1 FROM codings k WHERE k.segment_id = s.id)),"
                " (SELECT count(*) FROM segments s WHERE s.document_id = d.id AND s.case_id IS NOT NULL)"
                " FROM documents d"
            )
        },
    }


def kept(project: Project) -> dict[str, Any]:
    """The same counts as qualcode reads them (and the raw count tables, so no stale row hides)."""
    conn = project.conn
    key_ids = dict(conn.execute("SELECT key, id FROM codes"))
    return {
        "documents": {r["id"]: {c: r[c] for c in COLUMNS} for r in list_documents(project)},
        "document_cases": set(
            conn.execute("SELECT document_id, case_id, segments FROM document_case_counts")
        ),
        "coded_segments": set(
            conn.execute("SELECT document_id, segment_id, codings, participant FROM coded_segment_counts")
        ),
        "codes": {key_ids[k]: n for k, n in code_codings(project).items() if n}
        | {r[0]: r[1] for r in conn.execute("SELECT code_id, codings FROM code_counts")},
        "progress": {
            d: document_progress(project, d) for d in {r[0] for r in conn.execute("SELECT id FROM documents")}
        },
        "document_rows": {r[0] for r in conn.execute("SELECT document_id FROM document_counts")},
    }


def assert_counts_right(project: Project) -> None:
    fresh, mine = recounted(project.conn), kept(project)
    assert mine.pop("document_rows") == set(fresh["documents"])  # one row per document, none left behind
    assert mine == fresh


def transcript(n: int) -> ParsedDocument:
    """A small interview: an interviewer (no case) and two participants (cases P1, P2 of this document)."""
    turns = [("Interviewer", "How did it go"), ("P1", "We refer people now"), ("P2", "Housing was hard")]
    turns = (turns * 2)[: 2 + n % 4]
    text, segs = "", []
    for speaker, words in turns:
        start = len(text) + len(speaker) + 2
        text += f"{speaker}: {words} {n}\n"
        case = None if speaker == "Interviewer" else f"d{n}-{speaker}"
        segs.append(ParsedSegment(start, len(text) - 1, speaker=speaker, case=case))
    cases = {s.case: {} for s in segs if s.case}
    return ParsedDocument(f"d{n}", "interview", text, segs, f"d{n}.txt", f"sha{n}", cases)


ops = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "import",
                "code",
                "code",
                "code",
                "span",
                "uncode",
                "undo",
                "redo",
                "merge_codes",
                "interviewers",
                "delete_case",
                "delete_document",
                "delete_segment",
                "delete_coding_sql",
                "merge_copy",
            ]
        ),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    min_size=1,
    max_size=25,
)


def _pick(rows: list[Any], i: int) -> Any:
    return rows[i % len(rows)] if rows else None


def apply(project: Project, session: CodingSession, op: str, a: int, b: int, tmp: Path, step: int) -> None:
    conn = project.conn
    segments = [r[0] for r in conn.execute("SELECT id FROM segments ORDER BY id")]
    codes = [r[0] for r in conn.execute("SELECT key FROM codes ORDER BY id")]
    codings = [r[0] for r in conn.execute("SELECT id FROM codings ORDER BY id")]
    documents = [r[0] for r in conn.execute("SELECT name FROM documents ORDER BY id")]
    if op == "import":
        add_documents(project, [transcript(step * 7 + a % 5)], allow_duplicate=True)
    elif op == "code" and segments:
        session.code(_pick(segments, a), _pick(codes, b))
    elif op == "span" and segments:  # part of a segment, by another coder
        seg = _pick(segments, a)
        start, end = conn.execute('SELECT start, "end" FROM segments WHERE id = ?', (seg,)).fetchone()
        add_coding(
            project, _pick(codes, b), segment_id=seg, start=start, end=max(start + 1, end - 2), coder="ben"
        )
    elif op == "uncode" and codings:
        session.uncode(_pick(codings, a))
    elif op == "undo":
        session.undo()
    elif op == "redo":
        session.redo()
    elif op == "merge_codes" and codings:  # a code with codings folded into another: they move over
        used = [
            r[0]
            for r in conn.execute("SELECT DISTINCT c.key FROM codings k JOIN codes c ON c.id = k.code_id")
        ]
        merge_codes(project, _pick(used, a), _pick(codes, b))
    elif op == "interviewers" and documents:
        set_interviewers(project, _pick(documents, a), [_pick(["P1", "P2"], b)])
    elif op == "delete_case":  # a case removed: its segments belong to no case (ON DELETE SET NULL)
        with project.transaction():
            conn.execute(
                "DELETE FROM cases WHERE id = (SELECT id FROM cases ORDER BY id LIMIT 1 OFFSET ?)",
                (a % max(1, len(documents)),),
            )
    elif op == "delete_document" and documents:  # segments and codings go with it (ON DELETE CASCADE)
        with project.transaction():
            conn.execute("DELETE FROM documents WHERE name = ?", (_pick(documents, a),))
    elif op == "delete_segment" and segments:  # its codings stay, in no segment (ON DELETE SET NULL)
        with project.transaction():
            conn.execute("DELETE FROM segments WHERE id = ?", (_pick(segments, a),))
    elif op == "delete_coding_sql" and codings:
        with project.transaction():
            conn.execute("DELETE FROM codings WHERE id >= ?", (_pick(codings, a),))
    elif op == "merge_copy" and segments:  # a coder's blind copy, coded there, merged back
        copy = tmp / f"copy-{step}.qcdb"
        export_for(project, "cara", copy, blind=True)
        with Project.open(copy, coder="cara") as other:
            other_segments = [r[0] for r in other.conn.execute("SELECT id FROM segments ORDER BY id")]
            add_coding(other, _pick(codes, b), segment_id=_pick(other_segments, a), coder="cara")
            assert_counts_right(other)
        merge_projects(project, [copy])


def _fresh(path: Path) -> Project:
    project = Project.create(path, coder="ana")
    save_codebook(project, read_codebook_file(CODEBOOK))
    add_documents(project, [transcript(0), transcript(1)])
    return project


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_kept_counts_equal_a_recount_after_any_writes(tmp_path_factory, steps):
    """On project files (50 random write sequences); a server study keeps its counts with the same triggers in
    PL/pgSQL: test_counts_do_not_drift_on_a_busy_study and the count check run on both backends."""
    tmp = tmp_path_factory.mktemp("counts")
    project = _fresh(tmp / "study.qcdb")
    session = CodingSession(project, "ana")
    try:
        for step, (op, a, b) in enumerate(steps):
            # a refused write (a duplicate coding, a merge into a descendant, an undo whose code or document is
            # gone) is rolled back whole
            with contextlib.suppress(QualcodeError, sqlite3.IntegrityError):
                apply(project, session, op, a, b, tmp, step)
            assert_counts_right(project)
    finally:
        project.close()


def test_counts_do_not_drift_on_a_busy_study(project_location):
    """A fixed sequence (hand-checkable): after it, the kept counts and `documents` agree with a recount."""
    project = _fresh(project_location)
    session = CodingSession(project, "ana")
    d0 = [
        r[0] for r in project.conn.execute("SELECT id FROM segments WHERE document_id = 1 ORDER BY position")
    ]
    session.code(d0[1], "org.signposting")
    session.code(d0[1], "practice.knowledge")
    session.code(d0[0], "org.signposting")  # the interviewer's turn: coded, but no participant
    (doc,) = list_documents(project, 1)
    assert (doc["segments"], doc["cases"], doc["codings"]) == (2, 1, 3)
    assert (doc["coded_segments"], doc["participant_segments"], doc["coded_participant_segments"]) == (
        2,
        1,
        1,
    )
    assert document_progress(project, 1) == (1, 1)
    assert code_codings(project)["org.signposting"] == 2
    session.undo()
    session.undo()
    assert list_documents(project, 1)[0]["codings"] == 1
    assert code_codings(project)["practice.knowledge"] == 0
    assert_counts_right(project)
    project.close()


def test_an_older_project_gets_its_counts_on_upgrade(tmp_path):
    """The migration backfills the counts of a project made before them, and the triggers then keep them."""
    from qualcode.store.schema import MIGRATIONS

    version = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE document_counts" in str(m[0]))
    with old_schema(version):
        project = _fresh(tmp_path / "old.qcdb")
        seg = project.scalar("SELECT id FROM segments WHERE case_id IS NOT NULL ORDER BY id LIMIT 1")
        add_coding(project, "org.signposting", segment_id=seg, coder="ana")
        assert project.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'document_counts'") == 0
        project.close()
    shutil.copy(tmp_path / "old.qcdb", tmp_path / "kept.qcdb")
    with Project.open(tmp_path / "old.qcdb", coder="ana") as project:
        assert project.scalar("SELECT sum(codings) FROM document_counts") == 1
        assert_counts_right(project)
        add_coding(project, "practice.knowledge", segment_id=seg, coder="ana")
        assert list_documents(project)[0]["codings"] == 2
        assert_counts_right(project)


@pytest.mark.parametrize(
    "table", ["document_counts", "document_case_counts", "coded_segment_counts", "code_counts"]
)
def test_the_check_catches_a_count_gone_wrong(tmp_path, table):
    """The comparison itself: one kept count off by one is seen. (Project files only: a server study's counts
    are views computed on reading, which cannot be set wrong.)"""
    project = _fresh(tmp_path / "study.qcdb")
    add_coding(
        project, "org.signposting", segment_id=project.scalar("SELECT max(id) FROM segments"), coder="ana"
    )
    assert_counts_right(project)
    column = {"document_counts": "codings", "code_counts": "codings", "coded_segment_counts": "codings"}.get(
        table, "segments"
    )
    project.conn.execute(f"UPDATE {table} SET {column} = {column} + 1")
    with pytest.raises(AssertionError):
        assert_counts_right(project)
    project.close()
