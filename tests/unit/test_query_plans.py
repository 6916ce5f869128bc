"""Hot-path queries use indexes: EXPLAIN QUERY PLAN of every SELECT they run, on the demo project, must not
scan a large table where an index should serve (a scan per row inside a correlated subquery, or a whole-table
scan by a call that reads a few rows)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from qualcode.nlp import suggest
from qualcode.store import browse, codebook, codings, documents, report_data, reviews, suggestions
from qualcode.store.project import Project

# Tables that grow with the study (segments, codings and what hangs off them).
LARGE = {
    "segments",
    "codings",
    "change_log",
    "reviews",
    "documents",
    "suggestion_feedback",
    "survey_respondents",
    "pending_suggestions",
    "claim_evidence",
    "rival_evidence",
    "refi_guids",
    "memos",
}
# (call, table) pairs that read the whole table by design: exports and reports of every coding, a list of
# every document, the suggester's training labels.
WHOLE = {
    ("documents", "documents"),
    ("export", "codings"),
    ("export", "claim_evidence"),
    ("export", "rival_evidence"),
    ("export_coder", "claim_evidence"),
    ("export_coder", "rival_evidence"),
    ("evidence", "codings"),
    ("human_labels", "codings"),
    ("rejections", "suggestion_feedback"),
    ("decided", "suggestion_feedback"),
    ("known_coders", "codings"),
    # the refit's counts and fingerprint: one grouped pass over each table's (code, segment) index
    ("training_summary", "codings"),
    ("training_summary", "suggestion_feedback"),
}
_KEYWORDS = {
    "WHERE",
    "ON",
    "LEFT",
    "JOIN",
    "ORDER",
    "GROUP",
    "LIMIT",
    "UNION",
    "AS",
    "USING",
    "INNER",
    "CROSS",
}


def _aliases(sql: str) -> dict[str, str]:
    """alias -> table for every `FROM table [AS] alias` / `JOIN table alias` in the SQL."""
    out: dict[str, str] = {}
    for table, alias in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql, flags=re.I):
        out[table] = table
        if alias and alias.upper() not in _KEYWORDS:
            out[alias] = table
    return out


def full_scans(conn: Any, sql: str, call: str) -> list[str]:
    """The scans of large tables in the plan of `sql` that an index should have served."""
    plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    parents = {node: parent for node, parent, _, _ in plan}
    details = {node: detail for node, _, _, detail in plan}
    aliases = _aliases(sql)
    # A query that reads rows in index order and stops at LIMIT (no sort of every row first) is bounded.
    bounded = re.search(r"\bLIMIT\b", sql, flags=re.I) is not None and not any(
        d.startswith("USE TEMP B-TREE FOR ORDER BY") and parents[n] == 0 for n, d in details.items()
    )
    bad = []
    for node, detail in details.items():
        m = re.match(r"SCAN (\w+)", detail)
        if not m or "VIRTUAL TABLE" in detail or aliases.get(m.group(1)) not in LARGE:
            continue
        table = aliases[m.group(1)]
        up, correlated = parents[node], False
        while up:
            correlated = correlated or details.get(up, "").startswith("CORRELATED")
            up = parents.get(up, 0)
        if correlated or not (bounded or (call, table) in WHOLE):
            bad.append(
                f"{call}: {detail} ({table}{', per row' if correlated else ''})\n    {' '.join(sql.split())[:300]}"
            )
    return bad


@pytest.fixture
def demo(demo_master, tmp_path):
    path = tmp_path / "demo.qcdb"
    shutil.copy(demo_master, path)
    with Project.open(path, coder="tester") as p:
        yield p


def _calls(p: Project) -> dict[str, Callable[[], Any]]:
    doc = p.scalar("SELECT id FROM documents ORDER BY id LIMIT 1")
    name = p.scalar("SELECT name FROM documents WHERE id = ?", (doc,))
    coding = p.scalar("SELECT id FROM codings ORDER BY id LIMIT 1")
    coder = p.scalar("SELECT coder FROM codings ORDER BY id LIMIT 1")
    every = [r[0] for r in p.conn.execute("SELECT name FROM coders")]
    names = [r[0] for r in p.conn.execute("SELECT name FROM documents")]
    leaves = suggestions.leaf_code_keys(p)
    return {
        "documents": lambda: documents.list_documents(p),
        "one_document": lambda: documents.list_documents(p, doc),
        "segments": lambda: documents.list_segments(p, limit=50),
        "segments_of_document": lambda: documents.list_segments(p, name, limit=50),
        "search": lambda: documents.search_segments(p, "housing"),
        "page": lambda: browse.segment_page(p, doc, 0, 50, browse.SegmentFilter(coded=False, coder=coder)),
        "count": lambda: browse.count_segments(p, doc, browse.SegmentFilter(code="org.signposting")),
        "next_uncoded": lambda: browse.next_uncoded(p, doc, 0, coder),
        "progress": lambda: browse.document_progress(p, doc),
        "get_coding": lambda: codings.get_coding(p, coding),
        "export": lambda: codings.export_codings(p),
        "export_coder": lambda: codings.export_codings(p, coder=coder),
        "review": lambda: reviews.list_review_items(p, limit=50),
        "review_pending": lambda: reviews.list_review_items(p, status="pending", limit=50),
        "coders": lambda: reviews.list_coders(p),
        "evidence": lambda: list(report_data.coding_evidence_rows(p)),
        "known_coders": lambda: report_data.known_coders(p),
        "coders_with_codings": lambda: report_data.coders_with_codings(p, every),
        "coded_by": lambda: report_data.coded_by(p, [coder]),
        "agreement_units": lambda: list(report_data.agreement_documents(p, [coder], names[:1], True)),
        "disagreement_texts": lambda: report_data.segment_texts(p, [1, 2, 3]),
        "code_counts": lambda: codebook.code_counts(p),
        "human_labels": lambda: suggestions.human_labels(p),
        "rejections": lambda: suggestions.rejections(p),
        "decided": lambda: suggestions.coder_decided(p, coder),
        "segment_texts": lambda: suggestions.segment_texts(p, limit=50),
        "training_summary": lambda: suggestions.training_summary(p, leaves),
        "capped_segments": lambda: suggestions.capped_segments(p, leaves, 5),
        "labels_of": lambda: suggestions.labels_of(p, [1, 2, 3]),
        "refit_background": lambda: suggest._background(p),
    }


def test_hot_path_queries_use_indexes(demo):
    assert demo.scalar("SELECT count(*) FROM codings") > 100  # a project with data: plans see real tables
    seen: list[str] = []
    bad: list[str] = []
    checked = 0
    for call, run in _calls(demo).items():
        seen.clear()
        demo.conn.set_trace_callback(seen.append)
        try:
            run()
        finally:
            demo.conn.set_trace_callback(None)
        for sql in [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]:
            checked += 1
            bad += full_scans(demo.conn, sql, call)
    assert checked >= 30
    assert not bad, "full scans where an index should serve:\n" + "\n".join(bad)


def test_the_check_finds_a_per_row_scan(demo):
    """The rule itself: a correlated count over codings by an unindexed column is caught; by an index, not."""
    sql = "SELECT d.id, (SELECT count(*) FROM codings k WHERE k.memo = d.name) FROM documents d"
    assert full_scans(demo.conn, sql, "documents") != []
    sql = "SELECT d.id, (SELECT count(*) FROM codings k WHERE k.document_id = d.id) FROM documents d"
    assert full_scans(demo.conn, sql, "documents") == []
    assert full_scans(demo.conn, "SELECT id FROM segments WHERE speaker = 'x'", "segments") != []


def test_next_uncoded_reads_in_index_order_without_sorting(demo):
    """`n` stops at the first uncoded segment after the current one: no sort of every later segment (it took
    70 ms on a 50,000-answer survey, against 0.05 ms), and it still finds the same segment."""
    doc = demo.scalar("SELECT id FROM documents ORDER BY id LIMIT 1")
    seen: list[str] = []
    demo.conn.set_trace_callback(seen.append)
    try:
        found = browse.next_uncoded(demo, doc, 3, "tester")
    finally:
        demo.conn.set_trace_callback(None)
    (sql,) = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    plan = [r[3] for r in demo.conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert not any("TEMP B-TREE" in d for d in plan), plan
    expected = demo.scalar(
        "SELECT s.id FROM segments s WHERE s.case_id IS NOT NULL AND (s.document_id > ? OR (s.document_id = ?"
        " AND s.position > 3)) AND NOT EXISTS (SELECT 1 FROM codings k WHERE k.segment_id = s.id AND"
        " k.coder = 'tester') ORDER BY s.document_id, s.position LIMIT 1",
        (doc, doc),
    )
    assert found == expected is not None


def test_kept_code_counts_equal_the_full_count(demo):
    full = {k: v["codings"] for k, v in codebook.code_counts(demo).items()}
    assert any(full.values()) and not all(full.values())
    assert codebook.code_codings(demo) == full
