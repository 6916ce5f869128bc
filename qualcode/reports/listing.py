"""Row listings: every quote for a set of codes, who took part, and the codebook with its counts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from qualcode.core.reportdoc import Block, Heading, Paragraph, Table
from qualcode.reports.evidence import Evidence, quote_rank
from qualcode.reports.themes import (
    NOT_RECORDED,
    attribute_label,
    attribute_values,
    items_by_code,
    plural_role,
    scoped_codes,
)


def quote_rows(evidence: Evidence, per_code: int | None = None) -> list[dict[str, Any]]:
    """Every coding in scope (or the best `per_code` of each code: accepted first), in codebook order,
    then document order, then position."""
    position = {c.key: i for i, c in enumerate(evidence.codebook.codes)}
    doc_order = {name: i for i, (name, _) in enumerate(evidence.documents)}
    labels = evidence.codebook.by_key()
    items = evidence.items
    if per_code is not None:
        items = [
            i for group in items_by_code(evidence).values() for i in sorted(group, key=quote_rank)[:per_code]
        ]
    items = sorted(
        items, key=lambda i: (position.get(i.code, 1 << 30), doc_order.get(i.document, 0), i.start, i.id)
    )
    return [
        {
            "coding_id": i.id,
            "code": i.code,
            "label": labels[i.code].label if i.code in labels else i.code,
            "text": i.text,
            "attribution": evidence.attribution(i),
            "document": i.document,
            "case": i.case,
            "source_type": i.source_type,
            "coder": i.coder,
            "contribution": i.contribution,
            "claim": i.claim,
            "memo": i.memo,
            "status": i.status,
            "segment_id": i.segment_id,
        }
        for i in items
    ]


def quotes_table(rows: list[dict[str, Any]], title: str = "Quotes") -> Table:
    columns = [
        "Coding",
        "Code",
        "Quote",
        "Attribution",
        "Document",
        "Case",
        "Source type",
        "Coder",
        "Contribution",
        "Claim",
        "Memo",
        "Review",
    ]
    keys = (
        "coding_id",
        "code",
        "text",
        "attribution",
        "document",
        "case",
        "source_type",
        "coder",
        "contribution",
        "claim",
        "memo",
        "status",
    )
    body = [[r[k] for k in keys] for r in rows]
    return Table(
        "quotes",
        title,
        columns,
        body,
        quote_columns=frozenset({2}),
        wide=True,
        note="Review is the latest reviewer decision on the coding ('pending' if none).",
    )


def quotes_blocks(rows: list[dict[str, Any]]) -> list[Block]:
    """The quotes report for reading (HTML, Word, Markdown): a heading per code, then its quotes in a table whose
    quote column has the room; contribution, claim, memo and review status are gathered in one notes column."""
    blocks: list[Block] = []
    current = None
    body: list[list[Any]] = []

    def flush() -> None:
        if body:
            blocks.append(
                Table(
                    f"quotes-{current}",
                    "",
                    ["Quote", "Attribution", "Source", "Coding", "Notes"],
                    list(body),
                    quote_columns=frozenset({0}),
                )
            )
            body.clear()

    for r in rows:
        if r["code"] != current:
            flush()
            current = r["code"]
            count = sum(1 for x in rows if x["code"] == current)
            blocks.append(Heading(f"{r['label']} ({r['code']}): {count} quote{'s' if count != 1 else ''}", 2))
        notes = [
            f"{name}: {r[key]}"
            for name, key in (("Contribution", "contribution"), ("Claim", "claim"), ("Memo", "memo"))
            if r[key]
        ]
        if r["status"] != "pending":
            notes.append(f"Review: {r['status']}")
        source = r["document"] + (f", {r['case']}" if r["case"] else "")
        body.append(
            [
                r["text"],
                r["attribution"].strip("()"),
                source,
                f"{r['coding_id']} ({r['coder']})",
                "\n".join(notes),
            ]
        )
    flush()
    if not blocks:
        blocks.append(Paragraph("No coded quotes under these filters."))
    return blocks


def participant_rows(evidence: Evidence, by: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """'Who took part': cases per source type, then per value of each case attribute, then one row per method
    (characteristic 'Method': sessions and people, counting respondents without open text and sessions'
    recorded --participants). An attribute's percentages have as base the cases with a recorded value; the
    '(not recorded)' row has no percentage.

    Returns the rows and the attributes left out for having more than `participants_max_values` values.
    """
    types = evidence.source_types()
    total = len(evidence.cases)

    def row(characteristic: str, value: str, cases: list[Any], base: int) -> dict[str, Any]:
        per_type = {t: sum(1 for c in cases if t in c.source_types) for t in types}
        counted = value != NOT_RECORDED
        return {
            "characteristic": characteristic,
            "value": value,
            "by_source_type": per_type,
            "cases": len(cases),
            "base": base if counted else None,
            "percent": round(100 * len(cases) / base, 1) if base and counted else None,
        }

    rows = [row("All participants", "", list(evidence.cases.values()), total)]
    names = (
        [by] if by else sorted({k for c in evidence.cases.values() for k in c.attributes}, key=str.casefold)
    )
    skipped = []
    for name in names:
        values = attribute_values(evidence, name)
        if not by and len(values) > evidence.settings.participants_max_values:
            skipped.append(name)
            continue
        members: dict[str, list[Any]] = defaultdict(list)
        for case in evidence.cases.values():
            members[case.attributes.get(name, "").strip() or NOT_RECORDED].append(case)
        base = sum(len(m) for v, m in members.items() if v != NOT_RECORDED)
        rows += [row(name, v, members[v], base) for v in values]
    for m in evidence.methods:
        rows.append(
            {
                "characteristic": "Method",
                "value": _method_name(m),
                "by_source_type": {},
                "cases": m["named"],
                "base": None,
                "percent": None,
                "sessions": m["sessions"],
                "participants": m["participants"],
                "counted": m["counted"],
            }
        )
    return rows, skipped


def _method_name(m: dict[str, Any]) -> str:
    if m["method"] == "everyone":
        return "Everyone"
    if m["instrument"] is not None:
        return f"Survey: {m['instrument']}" + (f", wave {m['wave']}" if m["wave"] else "")
    return plural_role(str(m["method"]))


def participants_table(evidence: Evidence, rows: list[dict[str, Any]], skipped: list[str]) -> Table:
    """One table (so that it is also one CSV): the methods first, then the breakdown by characteristic."""
    types = evidence.source_types()
    columns = [
        "Characteristic",
        "Value",
        "Sessions",
        *[plural_role(t) for t in types],
        "All participants",
        "Base",
        "% of base",
    ]
    methods = [r for r in rows if r["characteristic"] == "Method"]
    body: list[list[Any]] = [
        ["Method", r["value"], r["sessions"], *[None for _ in types], r["participants"], None, None]
        for r in methods
    ]
    styles = ["group" if r["value"] == "Everyone" else "" for r in methods]
    for r in rows:
        if r["characteristic"] != "Method":
            body.append(
                [
                    attribute_label(r["characteristic"]) if r["value"] else r["characteristic"],
                    r["value"],
                    None,
                    *[r["by_source_type"][t] for t in types],
                    r["cases"],
                    r["base"],
                    r["percent"],
                ]
            )
            styles.append("group" if r["characteristic"] == "All participants" else "")
    note = (
        "Method rows: sessions are documents (a survey file per instrument and wave); participants are survey "
        "respondents whether or not they wrote open text, and for other methods the distinct speaker-labelled "
        "cases, or a session's recorded number of people (import --participants, documents set "
        "--participants) when given, which includes its labelled speakers. 'Everyone' counts each case once "
        "across methods, plus the unlabelled people of sessions recorded by number; method rows count "
        "everyone, whatever --attr filters the rest. Characteristic rows: a participant is a case with at least "
        "one segment or survey response; interviewer and facilitator turns belong to no case; a case that "
        "speaks in two source types counts once in 'All participants'. Base: the cases with a recorded value "
        "of that characteristic; '(not recorded)' is shown but never part of a base. People recorded only as "
        "a number have no attributes and are in no characteristic row."
    )
    if evidence.cases_without_segments:
        note += (
            f" {evidence.cases_without_segments} case(s) have no segments and no survey response (e.g. "
            "respondents imported before schema 5 who left every open question blank: re-import the survey to "
            "count them) and are not counted."
        )
    if skipped:
        note += f" Left out for having many distinct values: {', '.join(skipped)}."
    return Table("participants", "Who took part", columns, body, note=note, styles=styles)


def codebook_rows(evidence: Evidence) -> list[dict[str, Any]]:
    """The codebook with coded segments and codings per code (group codes: union of their sub-codes)."""
    by_code = items_by_code(evidence)
    codes = evidence.codebook.by_key()
    out = []
    for key in scoped_codes(evidence):
        code = codes[key]
        items = [i for k in evidence.descendants(key) for i in by_code.get(k, [])]
        out.append(
            {
                "key": key,
                "label": code.label,
                "parent": code.parent,
                "definition": code.definition,
                "include": code.include,
                "exclude": code.exclude,
                "examples": list(code.examples),
                "atypical_examples": list(code.atypical_examples),
                "segments": len({i.unit for i in items}),
                "codings": len(items),
            }
        )
    return out


def codebook_table(rows: list[dict[str, Any]]) -> Table:
    columns = ["Key", "Label", "Definition", "Include", "Exclude", "Examples", "Segments"]
    body: list[list[Any]] = []
    for r in rows:
        examples = [f"\u201c{e}\u201d" for e in r["examples"]] + [
            f"\u201c{e}\u201d (atypical)" for e in r["atypical_examples"]
        ]
        body.append(
            [
                r["key"],
                r["label"],
                r["definition"],
                r["include"],
                r["exclude"],
                "\n".join(examples),
                r["segments"],
            ]
        )
    return Table(
        "codebook",
        "Codebook",
        columns,
        body,
        wide=True,
        styles=["group" if not r["parent"] else "" for r in rows],
        note="Segments: coded segments under the filters of this report; group codes count their sub-codes.",
    )
