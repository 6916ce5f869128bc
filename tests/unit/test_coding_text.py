"""A coding's text comes from its segment, or (a span beyond it) from its document: same text either way."""

from __future__ import annotations

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.store.codings import add_coding, export_codings, get_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.report_data import coding_evidence_rows
from qualcode.store.reviews import list_review_items

TEXT = "Interviewer: hi\nP1: we refer people to housing now"


def _doc() -> ParsedDocument:
    segs = [
        ParsedSegment(13, 15, speaker="Interviewer"),
        ParsedSegment(20, len(TEXT), speaker="P1", case="C1"),
    ]
    return ParsedDocument("d1", "interview", TEXT, segs, "d1.txt", "abc", {"C1": {}})


def test_coding_text_from_segment_sub_span_and_from_document_beyond_it(project):
    add_documents(project, [_doc()])
    seg = list_segments(project)[1]
    whole = add_coding(project, "org.signposting", segment_id=seg["id"])
    part = add_coding(project, "org.signposting", segment_id=seg["id"], start=23, end=28)  # "refer"
    across = add_coding(project, "practice.knowledge", document="d1", start=13, end=25)  # "hi\nP1: we re"
    expected = {whole: "we refer people to housing now", part: "refer", across: "hi\nP1: we re"}
    assert {c: get_coding(project, c)["text"] for c in expected} == expected
    assert {r["id"]: r["text"] for r in export_codings(project)} == expected
    assert {r["id"]: r["text"] for r in list_review_items(project)} == expected
    assert {r[0]: r[10] for r in coding_evidence_rows(project)} == expected
