"""The findings report's JSON shape on the claim study, and Word output fit for a report."""

from __future__ import annotations

import docx
import pytest

from qualcode.app.reporting import run_report
from qualcode.core.reportdoc import QuoteList, Table
from qualcode.errors import InputError
from qualcode.export.word import column_widths
from qualcode.reports.build import build_report
from qualcode.store.claims import judge
from qualcode.store.outcomes import import_recommendations
from qualcode.store.project import Project
from tests.claim_study import build_claim_study

CLAIM_KEYS = {
    "key",
    "claim",
    "category",
    "judgement",
    "confidence",
    "rationale",
    "supports",
    "contradicts",
    "cases",
    "source_types",
    "strength",
    "quotes",
    "rivals",
    "recommendations",
}


@pytest.fixture
def cstudy(project_location):
    path = project_location
    build_claim_study(path)
    with Project.open(path, coder="lead") as p:
        judge(p, "claim:c.ref", "strong", "Rival checked", "high")
        import_recommendations(
            p,
            [
                {
                    "key": "r1",
                    "text": "Keep the directory",
                    "priority": "high",
                    "owner": "PDU",
                    "links": "claim:c.ref; outcome:out.ref; aim:aim.voice",
                }
            ],
        )
        yield p


def test_findings_json_groups_claims_by_outcome_and_aim(cstudy):
    data = build_report(cstudy, "findings").data
    assert set(data) == {"aims", "outcomes", "recommendations"}
    [outcome] = data["outcomes"]
    assert (outcome["key"], outcome["label"], outcome["partner"]) == (
        "out.ref",
        "Faster referrals",
        "practitioners",
    )
    [ref] = outcome["claims"]
    assert set(ref) >= CLAIM_KEYS
    assert {
        k: ref[k]
        for k in (
            "key",
            "category",
            "judgement",
            "confidence",
            "rationale",
            "supports",
            "contradicts",
            "cases",
            "strength",
        )
    } == {
        "key": "c.ref",
        "category": "improved",
        "judgement": "strong",
        "confidence": "high",
        "rationale": "Rival checked",
        "supports": 4,
        "contradicts": 2,
        "cases": 4,
        "strength": "moderate",
    }
    assert [r["key"] for r in ref["recommendations"]] == ["r1"]
    assert [(r["key"], r["cases"]) for r in ref["rivals"]] == [("covid", 1)]
    [aim] = data["aims"]
    assert [c["key"] for c in aim["claims"]] == ["c.conf"]  # a claim about the aim itself
    assert aim["outcomes"] == ["out.ref"] and [r["key"] for r in aim["recommendations"]] == ["r1"]
    # Every quote in the report is used once: I1's coding supports both claims, but is quoted under one.
    quotes = [
        q["coding_id"]
        for c in (ref, aim["claims"][0])
        for q in c["quotes"]["supporting"] + c["quotes"]["contradicting"]
    ]
    quotes += [q["coding_id"] for r in ref["rivals"] for q in r["quotes"]]
    assert len(quotes) == len(set(quotes))
    assert aim["claims"][0]["quotes"]["supporting"] == []


def test_findings_docx_and_html_read_as_a_chapter(cstudy, tmp_path):
    d = docx.Document(str(run_report(cstudy, "findings", "docx", tmp_path / "f.docx").path))
    headings = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 2", "Outcome: Faster referrals") in headings
    assert ("Heading 3", "Faster referrals to housing") in headings
    assert all(p.paragraph_format.keep_with_next for p in d.paragraphs if p.style.name.startswith("Heading"))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Evaluator's judgement: strong (high confidence). Rival checked" in text
    assert text.count("Recommendation r1 (high priority, PDU): Keep the directory") == 1
    html = run_report(cstudy, "findings", "html", tmp_path / "f.html").path.read_text("utf-8")
    assert "Faster referrals to housing" in html and "Covid-19 (1 case)" in html
    sheets = run_report(cstudy, "findings", "xlsx", tmp_path / "f.xlsx")
    import openpyxl

    assert {"findings", "aims", "recommendations"} <= set(openpyxl.load_workbook(sheets.path).sheetnames)


def test_docx_quote_columns_get_the_width_and_code_keys_do_not_break():
    quote = "a long answer about what changed in practice and why " * 3
    table = Table(
        "t",
        "T",
        ["Coding", "Code", "Quote", "Attribution", "Document", "Case", "Coder", "Claim", "Memo", "Review"],
        [
            [
                i,
                "practice.awareness",
                quote,
                "(Interviewee, statutory)",
                "int02-attendee-housing",
                "INT02",
                "amira",
                "",
                "",
                "pending",
            ]
            for i in range(30)
        ],
        quote_columns=frozenset({2}),
    )
    widths = column_widths(table, 26.0, 0.19)
    assert widths[2] == max(widths)
    assert widths[1] >= len("practice.awareness") * 0.19 and widths[4] >= len("attendee-") * 0.19
    assert sum(widths) == pytest.approx(26.0)
    few = Table(
        "t",
        "T",
        ["Quote", "Attribution", "Coding"],
        [[quote, "(Interviewee, statutory)", i] for i in range(30)],
        quote_columns=frozenset({0}),
    )
    assert column_widths(few, 26.0, 0.23)[0] >= 0.45 * 26.0
    five = Table("q", "", ["Quote", "Code", "Source"], [[QuoteList(), "system.sharing-learning", "fg01"]])
    assert column_widths(five, 26.0, 0.23)[1] >= len("system.sharing-") * 0.23


def test_attribute_keys_are_shown_as_labels(new_location, tmp_path):
    from tests.report_study import build_study

    path = new_location("s")
    build_study(path)
    with Project.open(path) as p:
        table = build_report(p, "participants").doc.tables()[0]
        assert [r[0] for r in table.rows if r[1] and r[0] != "Method"][:1] == [
            "Role"
        ]  # method rows come first
        assert "Sector: statutory (N=7)" in build_report(p, "themes", by="sector").doc.tables()[0].columns


def test_framework_matrix_counts_cases_for_and_against_per_source_type(cstudy):
    rows = {r["key"]: r for r in build_report(cstudy, "framework").data}
    ref = rows["out.ref"]
    # c.ref: interview I1 for, I2 against; focus group F1 and mixed F2 for, F2 against; survey R1 for.
    assert (ref["kind"], ref["claims"]) == ("outcome", 1)
    assert ref["cells"] == {
        "interview": {"supports": 1, "contradicts": 1},
        "focus-group": {"supports": 2, "contradicts": 1},
        "survey": {"supports": 1, "contradicts": 0},
    }
    aim = rows["aim.voice"]  # c.conf (about the aim) and c.ref (its outcome serves the aim): I1 counts once
    assert (aim["claims"], aim["cells"]["interview"]) == (2, {"supports": 1, "contradicts": 1})
    by_case = {r["key"]: r for r in build_report(cstudy, "framework", by="case").data}
    assert by_case["out.ref"]["cells"]["F2"] == {"supports": 1, "contradicts": 1}
    table = build_report(cstudy, "framework").doc.tables()[0]
    assert ["Faster referrals", 1, "1 for, 1 against", "2 for, 1 against", "1 for"] in table.rows
    with pytest.raises(InputError, match="framework --by"):
        build_report(cstudy, "framework", by="sector")
