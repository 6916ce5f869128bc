"""Import fills the search index once per import (the per-row trigger is set aside inside the transaction)
and leaves the trigger and the index exactly as a row-by-row import would, also when the import fails.
A server study indexes a generated tsvector column itself (no trigger): there the same imports and searches
check that the index follows every import, failed ones included."""

from __future__ import annotations

import pytest

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.errors import DuplicateError
from qualcode.store.documents import add_documents, search_segments

TRIGGER = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'segments_ai'"


def _doc(name: str, text: str, sha: str) -> ParsedDocument:
    return ParsedDocument(
        name,
        "interview",
        text,
        [ParsedSegment(0, len(text), speaker="P1", case="C1")],
        f"{name}.txt",
        sha,
        {"C1": {}},
    )


def _fts_ok(project) -> None:
    if not project.on_server:
        project.conn.execute("INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")


def _trigger(project) -> str | None:
    """The FTS5 insert trigger's SQL (a server study has none: "server")."""
    return "server" if project.on_server else project.scalar(TRIGGER)


def test_import_indexes_every_segment_and_puts_the_trigger_back(project):
    trigger = _trigger(project)
    add_documents(project, [_doc("a", "housing waiting lists", "1"), _doc("b", "probation hostel", "2")])
    assert _trigger(project) == trigger
    assert [r["document"] for r in search_segments(project, "hostel")] == ["b"]
    _fts_ok(project)
    # a segment written later, one row at a time (the trigger), is found too
    with project.transaction():
        project.conn.execute(
            'INSERT INTO segments(document_id, position, start, "end", text)'
            " VALUES (1, 1, 0, 7, 'outreach')"
        )
    assert [r["document"] for r in search_segments(project, "outreach")] == ["a"]
    _fts_ok(project)


def test_a_failed_import_leaves_trigger_and_index_as_they_were(project):
    add_documents(project, [_doc("a", "housing waiting lists", "1")])
    with pytest.raises(DuplicateError):
        add_documents(project, [_doc("b", "probation hostel", "2"), _doc("c", "housing waiting lists", "1")])
    assert _trigger(project) is not None
    assert search_segments(project, "hostel") == []
    _fts_ok(project)
    # an outer transaction that catches the error and goes on keeps an indexed segment and a working trigger
    with project.transaction():
        with pytest.raises(DuplicateError):
            add_documents(
                project, [_doc("b", "probation hostel", "2"), _doc("c", "housing waiting lists", "1")]
            )
        assert _trigger(project) is not None
    assert [r["document"] for r in search_segments(project, "hostel")] == ["b"]
    _fts_ok(project)
