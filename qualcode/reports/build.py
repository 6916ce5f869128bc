"""Named reports: compute a kind's data (for JSON) and lay it out as a ReportDoc (for the writers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.core.reportdoc import Block, Heading, Paragraph, ReportDoc
from qualcode.errors import InputError
from qualcode.reports.contribution import (
    contribution_blocks,
    contribution_json,
    contribution_table,
    hls_blocks,
    hls_json,
    hls_table,
)
from qualcode.reports.evidence import Evidence, Filters, load_evidence
from qualcode.reports.findings import findings, findings_blocks, framework, framework_table
from qualcode.reports.listing import (
    codebook_rows,
    codebook_table,
    participant_rows,
    participants_table,
    quote_rows,
    quotes_blocks,
    quotes_table,
)
from qualcode.reports.matrices import build_matrix, cooccurrence, matrix_json, matrix_table
from qualcode.reports.settings import ReportSettings
from qualcode.reports.themes import theme_rows, themes_blocks, themes_json
from qualcode.store.project import Project

KINDS: dict[str, str] = {
    "themes": "Theme table",
    "contribution": "Contribution analysis",
    "findings": "Findings",
    "framework": "Framework matrix",
    "hls": "Human Learning Systems conditions for change",
    "matrix": "Matrix",
    "cooccurrence": "Code co-occurrence",
    "quotes": "Quotes",
    "codebook": "Codebook",
    "participants": "Who took part",
}
TAKES_BY = {"themes", "matrix", "participants", "framework"}


@dataclass(slots=True)
class BuiltReport:
    kind: str
    data: Any  # the documented JSON shape (a list of rows; findings: a mapping)
    doc: ReportDoc


def check_kind(kind: str, by: str | None = None) -> None:
    if kind not in KINDS:
        raise InputError(f"unknown report '{kind}' (choose from {', '.join(KINDS)}, or all)")
    if by and kind not in TAKES_BY:
        raise InputError(
            f"--by does not apply to the {kind} report (it does to {', '.join(sorted(TAKES_BY))})"
        )


def report_from_evidence(
    evidence: Evidence, kind: str, by: str | None = None, flat: bool = False
) -> BuiltReport:
    """Compute one kind of report from loaded evidence; `flat` lays it out for a spreadsheet (tables only)."""
    check_kind(kind, by)
    blocks: list[Block]
    data: Any
    title = KINDS[kind]
    if kind == "themes":
        rows = theme_rows(evidence, by)
        data, blocks = themes_json(rows), themes_blocks(evidence, rows, by)
    elif kind == "contribution":
        categories = contribution_table(evidence)
        data, blocks = contribution_json(categories), contribution_blocks(evidence, categories)
    elif kind == "findings":
        data = findings(evidence)
        blocks = findings_blocks(evidence, data, flat)
    elif kind == "framework":
        data = framework(evidence, by)
        blocks = [framework_table(evidence, data, by)]
    elif kind == "hls":
        hls = hls_table(evidence)
        data, blocks = hls_json(hls), hls_blocks(evidence, hls)
    elif kind in ("matrix", "cooccurrence"):
        matrix = build_matrix(evidence, by) if kind == "matrix" else cooccurrence(evidence)
        table = matrix_table(matrix)
        data, blocks, title = matrix_json(matrix), [table], table.title
    elif kind == "quotes":
        data = quote_rows(evidence)
        blocks = [quotes_table(data)] if flat else quotes_blocks(data)
    elif kind == "codebook":
        data = codebook_rows(evidence)
        blocks = [codebook_table(data)]
    else:
        data, skipped = participant_rows(evidence, by)
        blocks = [participants_table(evidence, data, skipped)]
    return BuiltReport(
        kind, data, ReportDoc(f"{title}: {evidence.provenance.project}", evidence.provenance, blocks)
    )


def build_report(
    project: Project,
    kind: str,
    by: str | None = None,
    filters: Filters | None = None,
    settings: ReportSettings | None = None,
    flat: bool = False,
) -> BuiltReport:
    """Load the evidence and compute one named report."""
    check_kind(kind, by)
    return report_from_evidence(load_evidence(project, filters, settings), kind, by, flat)


def full_report_from_evidence(evidence: Evidence, spreadsheet: bool = False) -> ReportDoc:
    """Every table in one document. A spreadsheet (one sheet per table) also gets the wide matrices and
    every quote; a document (HTML, DOCX, Markdown) keeps to tables that fit a page."""
    p = evidence.provenance
    blocks: list[Block] = [
        Paragraph(
            f"{len(evidence.documents)} documents, {len(evidence.cases)} participants (cases), "
            f"{len(evidence.items)} codings used ({p.filters['evidence']})."
        )
    ]

    def section(title: str, kind: str, by: str | None = None) -> None:
        blocks.append(Heading(title, 1))
        blocks.extend(report_from_evidence(evidence, kind, by).doc.blocks)

    section("Who took part", "participants")
    section("Theme prevalence", "themes")
    section("Contribution analysis", "contribution")
    if any(c.key.startswith("hls.") for c in evidence.codebook.codes):
        section("Human Learning Systems: conditions for change", "hls")
    if spreadsheet:
        section("Code x source type", "matrix", "source-type")
        section("Code x case", "matrix", "case")
        section("Code x document", "matrix", "document")
        section("Code co-occurrence", "cooccurrence")
        per_code = evidence.settings.full_report_quotes_per_code
        blocks.append(Heading(f"Quotes (up to {per_code} per code)", 1))
        blocks.append(quotes_table(quote_rows(evidence, per_code), f"Quotes (up to {per_code} per code)"))
    section("Appendix: codebook", "codebook")
    return ReportDoc(f"Evaluation report: {p.project}", p, blocks)


def build_full_report(
    project: Project,
    filters: Filters | None = None,
    settings: ReportSettings | None = None,
    spreadsheet: bool = False,
) -> ReportDoc:
    doc = full_report_from_evidence(load_evidence(project, filters, settings), spreadsheet)
    from qualcode.reports.survey import survey_section

    survey = survey_section(project, spreadsheet)
    if survey:  # before the codebook appendix
        at = next(
            (
                i
                for i, b in enumerate(doc.blocks)
                if isinstance(b, Heading) and b.text == "Appendix: codebook"
            ),
            len(doc.blocks),
        )
        doc.blocks[at:at] = survey
    return doc
