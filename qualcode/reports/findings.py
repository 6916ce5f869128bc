"""The findings report: per aim and outcome, each claim with its judgement, evidence for and against, rivals and
recommendations, the skeleton of a findings chapter."""

from __future__ import annotations

from typing import Any

from qualcode.core.reportdoc import Block, Heading, Paragraph, Quote, QuoteList, Table
from qualcode.reports.contribution import UNCATEGORISED, Claim, build_claim, claim_evidence
from qualcode.reports.evidence import Evidence

NO_OUTCOME = "Claims not yet tied to an outcome or aim"


def _quotes(quotes: list[Quote], limit: int, shown: set[tuple[str, str]]) -> list[Quote]:
    """The best `limit` quotes not already used elsewhere in the report."""
    out: list[Quote] = []
    for q in quotes:
        if len(out) >= limit:
            break
        if (q.text, q.attribution) not in shown:
            shown.add((q.text, q.attribution))
            out.append(q)
    return out


def _quote_json(q: Quote) -> dict[str, Any]:
    return {"text": q.text, "attribution": q.attribution, "coding_id": q.coding_id, "status": q.status}


def _claim_json(evidence: Evidence, c: Claim, shown: set[tuple[str, str]]) -> dict[str, Any]:
    s = evidence.settings
    labels = evidence.argument.labels
    return {
        "key": c.key,
        "claim": c.claim,
        "category": None if c.category == UNCATEGORISED else c.category,
        "category_label": labels.get(c.category),
        "judgement": c.judgement,
        "confidence": c.confidence,
        "rationale": c.rationale,
        "judged_by": c.judged_by,
        "supports": c.supports,
        "contradicts": c.contradicts,
        "cases": c.cases,
        "source_types": c.source_types,
        "strength": c.strength,
        "quotes": {
            "supporting": [_quote_json(q) for q in _quotes(c.quotes, s.quotes_per_claim, shown)],
            "contradicting": [
                _quote_json(q) for q in _quotes(c.contradicting_quotes, s.quotes_per_cell, shown)
            ],
        },
        "rivals": [
            {
                "key": r.key,
                "label": r.label,
                "cases": r.cases,
                "quotes": [_quote_json(q) for q in _quotes(r.quotes, 1, shown)],
            }
            for r in c.rivals
        ],
        "recommendations": [
            {k: r[k] for k in ("key", "text", "priority", "owner")} for r in c.recommendations
        ],
    }


def findings(evidence: Evidence) -> dict[str, Any]:
    """The documented JSON shape: {"aims": [...], "outcomes": [{"key", "label", "partner", "claims": [...]}],
    "recommendations": [...]}. `supports` and `contradicts` count distinct cases; quotes are the best ones,
    each used once in the whole report."""
    arg = evidence.argument
    infos, linked = claim_evidence(evidence)
    shown: set[tuple[str, str]] = set()
    claims = {
        k: _claim_json(evidence, build_claim(evidence, info, linked.get(k, [])), shown)
        for k, info in infos.items()
        if not info.free_text or k in linked
    }
    by_outcome: dict[str | None, list[dict[str, Any]]] = {}
    by_aim: dict[str, list[dict[str, Any]]] = {}
    for key, data in claims.items():
        info = infos[key]
        if info.outcome:
            by_outcome.setdefault(info.outcome, []).append(data)
        elif info.aim:
            by_aim.setdefault(info.aim, []).append(data)
        else:
            by_outcome.setdefault(None, []).append(data)
    partners = {p["key"]: p for p in arg.partners}

    def recs(target: str) -> list[dict[str, Any]]:
        return [
            {k: r[k] for k in ("key", "text", "priority", "owner")}
            for r in arg.recommendations
            if target in r["links"]
        ]

    outcomes = []
    for o in arg.outcomes:
        partner = partners.get(o["partner"] or "", {})
        outcomes.append(
            {
                "key": o["key"],
                "label": o["label"],
                "partner": o["partner"],
                "partner_label": partner.get("label"),
                "partner_kind": partner.get("kind"),
                "mechanism": o["mechanism"],
                "aims": o["aims"],
                "claims": by_outcome.get(o["key"], []),
                "recommendations": recs(f"outcome:{o['key']}"),
            }
        )
    if by_outcome.get(None):
        outcomes.append(
            {
                "key": None,
                "label": NO_OUTCOME,
                "partner": None,
                "partner_label": None,
                "partner_kind": None,
                "mechanism": "",
                "aims": [],
                "claims": by_outcome[None],
                "recommendations": [],
            }
        )
    aims = [
        {
            "key": a["key"],
            "label": a["label"],
            "success": a["success"],
            "outcomes": [o["key"] for o in arg.outcomes if a["key"] in o["aims"]],
            "claims": by_aim.get(a["key"], []),
            "recommendations": recs(f"aim:{a['key']}"),
        }
        for a in arg.aims
    ]
    return {
        "aims": aims,
        "outcomes": outcomes,
        "recommendations": [{**r, "links": list(r["links"])} for r in arg.recommendations],
    }


# -- layout ---------------------------------------------------------------------------------------------------
def _q(data: dict[str, Any]) -> Quote:
    return Quote(data["text"], data["attribution"], data["coding_id"], data["status"])


def _judgement(c: dict[str, Any]) -> str:
    if not c["judgement"]:
        return "Not yet judged by the evaluator."
    confidence = f" ({c['confidence']} confidence)" if c["confidence"] else ""
    return f"Evaluator's judgement: {c['judgement']}{confidence}. {c['rationale'] or ''}".strip()


def _evidence_line(c: dict[str, Any]) -> str:
    types = ", ".join(t.replace("-", " ") for t in c["source_types"]) or "no source type"
    against = (
        f"; contradicted by {c['contradicts']} case{'s' if c['contradicts'] != 1 else ''}"
        if c["contradicts"]
        else "; no contradicting evidence coded"
    )
    n = len(c["source_types"])
    return (
        f"Evidence ({c['strength']}): supported by {c['supports']} case{'s' if c['supports'] != 1 else ''} in"
        f" {n} source type{'s' if n != 1 else ''} ({types}){against}."
    )


def _claim_blocks(c: dict[str, Any], level: int) -> list[Block]:
    category = c["category_label"] or "no contribution category given yet"
    blocks: list[Block] = [
        Heading(c["claim"], level),
        Paragraph(f"Contribution: {category}. {_judgement(c)}"),
        Paragraph(_evidence_line(c)),
    ]
    supporting = [_q(q) for q in c["quotes"]["supporting"]]
    against = [_q(q) for q in c["quotes"]["contradicting"]]
    rivals = [_q(q) for r in c["rivals"] for q in r["quotes"]]
    columns = ["Supporting evidence", "Contradicting evidence"]
    row: list[Any] = [
        QuoteList(supporting, note="" if supporting else "None coded."),
        QuoteList(against, note="" if against else "None coded."),
    ]
    if c["rivals"]:
        columns.append("Rival explanations")
        names = "; ".join(
            f"{r['label']} ({r['cases']} case{'s' if r['cases'] != 1 else ''})" for r in c["rivals"]
        )
        row.append(QuoteList(rivals, note=names))
    blocks.append(Table(f"evidence-{c['key']}", "", columns, [row]))
    for r in c["recommendations"]:
        blocks.append(Paragraph(_recommendation_line(r)))
    return blocks


def _recommendation_line(r: dict[str, Any]) -> str:
    extra = ", ".join(x for x in (f"{r['priority']} priority" if r["priority"] else "", r["owner"]) if x)
    return f"Recommendation {r['key']}{f' ({extra})' if extra else ''}: {r['text']}"


def summary_table(data: dict[str, Any]) -> Table:
    """One row per claim: where it sits, its category, judgement and the weight of evidence."""
    rows: list[list[Any]] = []
    places = [(o["label"], o["claims"]) for o in data["outcomes"]] + [
        (a["label"], a["claims"]) for a in data["aims"]
    ]
    for place, claims in places:
        for c in claims:
            rows.append(
                [
                    c["claim"],
                    place,
                    c["category"] or "",
                    c["judgement"] or "not yet judged",
                    c["confidence"] or "",
                    c["supports"],
                    c["contradicts"],
                    len(c["source_types"]),
                    c["strength"],
                ]
            )
    return Table(
        "findings",
        "Summary of claims",
        [
            "Claim",
            "Outcome or aim",
            "Category",
            "Judgement",
            "Confidence",
            "Cases for",
            "Cases against",
            "Source types",
            "Strength",
        ],
        rows,
        note="Cases for / against count distinct participants whose coded evidence supports or contradicts"
        " the claim (mixed evidence counts both ways). Strength triangulates the supporting evidence.",
    )


def findings_blocks(evidence: Evidence, data: dict[str, Any], flat: bool = False) -> list[Block]:
    """A findings chapter: summary, aims, then partner by partner each outcome and its claims, then the
    recommendations. `flat` (spreadsheets, CSV) keeps to the tables that make sense as sheets."""
    s = evidence.settings
    labels = {o["key"]: o["label"] for o in data["outcomes"] if o["key"]}

    def bullets(items: list[str]) -> str:
        return "\n".join(f"\u2022 {x}" for x in items) if len(items) > 1 else "".join(items)

    aim_rows = [
        [
            a["label"],
            bullets(a["success"]),
            bullets([labels.get(k, k) for k in a["outcomes"]]),
            len(a["claims"]) + sum(len(o["claims"]) for o in data["outcomes"] if o["key"] in a["outcomes"]),
        ]
        for a in data["aims"]
    ]
    aims = Table(
        "aims",
        "Aims and success criteria",
        ["Aim", "Success criteria", "Outcomes serving it", "Claims"],
        aim_rows,
    )
    rec_rows = [
        [r["key"], r["text"], r["priority"], r["owner"], "; ".join(r["links"])]
        for r in data["recommendations"]
    ]
    recs = Table(
        "recommendations",
        "Recommendations",
        ["Key", "Recommendation", "Priority", "Owner", "Tied to"],
        rec_rows,
    )
    if flat:
        return [summary_table(data), aims, recs]
    blocks: list[Block] = [
        Paragraph(
            f"Each claim states what the programme contributed to, the evaluator's judgement and rationale, and the "
            f"evidence for and against it: cases count distinct participants; strength is strong with at least "
            f"{s.strong_source_types} source types and {s.strong_cases} cases, moderate with {s.moderate_source_types} "
            f"source types or {s.moderate_cases} cases. Quotes are the best coded evidence (reviewer-accepted first), "
            "each quoted once in this report."
        )
    ]
    blocks.append(summary_table(data))
    if data["aims"]:
        blocks += [Heading("Aims and success criteria", 1), aims]
        for a in data["aims"]:
            if a["claims"]:
                blocks.append(Heading(f"Claims about the aim: {a['label']}", 2))
                for c in a["claims"]:
                    blocks += _claim_blocks(c, 3)
    current = object()
    for o in data["outcomes"]:
        if o["partner"] != current:
            current = o["partner"]
            title = f"{o['partner_label']} ({o['partner_kind']} partner)" if o["partner"] else NO_OUTCOME
            blocks.append(Heading(title, 1))
        if o["key"]:
            blocks.append(Heading(f"Outcome: {o['label']}", 2))
            serves = ", ".join(a["label"] for a in data["aims"] if a["key"] in o["aims"])
            line = " ".join(
                x
                for x in (
                    f"Mechanism: {o['mechanism']}." if o["mechanism"] else "",
                    f"Serves: {serves}." if serves else "",
                )
                if x
            )
            if line:
                blocks.append(Paragraph(line))
            if not o["claims"]:
                blocks.append(Paragraph("No claim recorded for this outcome yet."))
        for c in o["claims"]:
            blocks += _claim_blocks(c, 3)
        said = {r["key"] for c in o["claims"] for r in c["recommendations"]}  # each once, under its claim
        for r in o["recommendations"]:
            if r["key"] not in said:
                blocks.append(Paragraph(_recommendation_line(r)))
    if rec_rows:
        blocks += [Heading("Recommendations", 1), recs]
    return blocks


# -- framework matrix -----------------------------------------------------------------------------------------
def framework(evidence: Evidence, by: str | None = None) -> list[dict[str, Any]]:
    """Outcome or aim x source type (default) or case: each cell counts the distinct cases whose evidence on the
    row's claims supports or contradicts them (mixed counts both). An aim's row takes the claims about it and
    about the outcomes that serve it."""
    from qualcode.errors import InputError
    from qualcode.reports.contribution import AGAINST, FOR

    by = by or "source-type"
    if by not in ("source-type", "case"):
        raise InputError(f"framework --by takes source-type or case (got {by!r})")
    arg = evidence.argument
    infos, linked = claim_evidence(evidence)
    columns = evidence.source_types() if by == "source-type" else sorted(evidence.cases)

    def cells(claim_keys: set[str]) -> dict[str, dict[str, int]]:
        pro: dict[str, set[str]] = {c: set() for c in columns}
        con: dict[str, set[str]] = {c: set() for c in columns}
        for key in claim_keys:
            for item, polarity in linked.get(key, []):
                if not item.case:
                    continue
                column = item.source_type if by == "source-type" else item.case
                if column not in pro:
                    continue
                if polarity in FOR:
                    pro[column].add(item.case)
                if polarity in AGAINST:
                    con[column].add(item.case)
        return {c: {"supports": len(pro[c]), "contradicts": len(con[c])} for c in columns}

    rows = []
    for o in arg.outcomes:
        keys = {k for k, i in infos.items() if i.outcome == o["key"]}
        rows.append(
            {
                "kind": "outcome",
                "key": o["key"],
                "label": o["label"],
                "claims": len(keys),
                "cells": cells(keys),
            }
        )
    for a in arg.aims:
        serving = {o["key"] for o in arg.outcomes if a["key"] in o["aims"]}
        keys = {k for k, i in infos.items() if i.aim == a["key"] or i.outcome in serving}
        rows.append(
            {"kind": "aim", "key": a["key"], "label": a["label"], "claims": len(keys), "cells": cells(keys)}
        )
    return rows


def framework_table(evidence: Evidence, rows: list[dict[str, Any]], by: str | None = None) -> Table:
    from qualcode.reports.themes import plural_role

    columns = list(rows[0]["cells"]) if rows else []
    heads = [plural_role(c) if (by or "source-type") == "source-type" else c for c in columns]

    def cell(c: dict[str, int]) -> str:
        if not c["supports"] and not c["contradicts"]:
            return "-"
        return f"{c['supports']} for" + (f", {c['contradicts']} against" if c["contradicts"] else "")

    body: list[list[Any]] = []
    styles: list[str] = []
    for kind in ("outcome", "aim"):
        mine = [r for r in rows if r["kind"] == kind]
        if mine:
            body.append([f"{kind.capitalize()}s", None, *([None] * len(columns))])
            styles.append("group")
        for r in mine:
            body.append([r["label"], r["claims"], *[cell(r["cells"][c]) for c in columns]])
            styles.append("")
    return Table(
        "framework",
        "Framework matrix: evidence on each outcome and aim",
        ["Outcome or aim", "Claims", *heads],
        body,
        styles=styles,
        wide=len(columns) > 6,
        note="Each cell: the cases in that column whose coded evidence supports the row's claims, and those"
        " whose evidence contradicts them (mixed evidence counts both ways); '-' where none speaks to"
        " it. An aim's row covers the claims about it and about the outcomes that serve it.",
    )
