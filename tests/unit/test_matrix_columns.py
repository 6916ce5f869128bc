"""Matrix columns never collide (B5): a survey column called `case`, `codes` or `source types`, or a code key
equal to an attribute's name, keeps every value in its own column."""

from __future__ import annotations

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.reports.build import build_report
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.project import Project

CODE = "practice.confidence"


def survey(project: Project) -> Project:
    text = "More confident now\nNothing changed"
    segs = [ParsedSegment(0, 18, case="R1"), ParsedSegment(19, 34, case="R2")]
    attrs = {
        "R1": {"case": "C-17", "codes": "A;B", "source types": "paper", CODE: "yes", "cases": "a"},
        "R2": {"case": "C-18", "codes": "", "source types": "web", CODE: "no", "cases": "b"},
    }
    add_documents(project, [ParsedDocument("survey", "survey", text, segs, "s.csv", "h1", cases=attrs)])
    add_coding(project, CODE, segment_id=list_segments(project)[0]["id"])
    return project


def test_code_by_case_matrix_keeps_the_respondent_id_and_every_attribute(project):
    data = build_report(survey(project), "matrix").data
    rows = {r["case"]: r for r in data}
    assert set(rows) == {"R1", "R2"}
    r1 = rows["R1"]
    assert r1["source types"] == "survey" and r1["codes"] == {CODE: 1}
    assert (r1["case (attribute)"], r1["codes (attribute)"], r1["source types (attribute)"]) == (
        "C-17",
        "A;B",
        "paper",
    )
    assert r1[CODE] == "yes" and rows["R2"][CODE] == "no" and rows["R2"]["codes"] == {CODE: 0}


def test_matrix_table_headers_are_distinct_and_line_up_with_the_values(project):
    table = build_report(survey(project), "matrix").doc.blocks[0]
    assert len(set(table.columns)) == len(table.columns)
    r1 = dict(zip(table.columns, table.rows[0], strict=True))
    assert r1["case"] == "R1" and r1["case (attribute)"] == "C-17"
    assert r1[CODE] == "yes" and r1[f"{CODE} (code)"] == 1


def test_an_attribute_called_cases_keeps_the_case_count(project):
    data = build_report(survey(project), "matrix", by="cases").data
    assert {r["cases (attribute)"]: (r["cases"], r["codes"][CODE]) for r in data} == {
        "a": (1, 1),
        "b": (1, 0),
    }
