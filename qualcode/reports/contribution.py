"""Contribution table (category -> claim -> evidence, with triangulation) and the HLS capacity table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from qualcode.core.models import CONTRIBUTION_CATEGORIES
from qualcode.core.reportdoc import Block, Quote, QuoteList, Table
from qualcode.errors import InputError
from qualcode.reports.evidence import Evidence, EvidenceItem, pick_quotes
from qualcode.reports.settings import ReportSettings
from qualcode.reports.themes import items_by_code

SUPPORTING = ("sufficient", "necessary", "improved")
STRENGTH_ORDER = {"strong": 0, "moderate": 1, "single-source": 2}


def triangulation(source_types: int, cases: int, settings: ReportSettings) -> str:
    """strong: >= 3 source types AND >= 5 cases; moderate: >= 2 source types OR >= 3 cases (configurable)."""
    if source_types >= settings.strong_source_types and cases >= settings.strong_cases:
        return "strong"
    if source_types >= settings.moderate_source_types or cases >= settings.moderate_cases:
        return "moderate"
    return "single-source"


def hls_capacity(source_types: int, cases: int, settings: ReportSettings) -> str:
    """higher: evidence from >= 2 source types AND >= 3 cases (configurable); otherwise lower."""
    if source_types >= settings.hls_higher_source_types and cases >= settings.hls_higher_cases:
        return "higher"
    return "lower"


@dataclass(slots=True)
class Claim:
    claim: str
    evidence: list[int]  # coding ids
    cases: int
    source_types: list[str]
    strength: str
    codes: list[str]
    quotes: list[Quote] = field(default_factory=list)
    # Codings marked `none` that make the same claim: a rival explanation or contradicting evidence (only the
    # quote and memo tell which, so they are shown together beside the supporting evidence).
    contradicting: list[int] = field(default_factory=list)
    contradicting_quotes: list[Quote] = field(default_factory=list)


@dataclass(slots=True)
class Category:
    category: str
    description: str
    claims: list[Claim]


def claim_key(evidence: Evidence, item: EvidenceItem) -> tuple[str, str]:
    """(grouping key, display text). Claims group case- and space-insensitively; evidence with a
    contribution but no claim is grouped under its code's label."""
    if item.claim and item.claim.strip():
        return " ".join(item.claim.split()).casefold(), " ".join(item.claim.split())
    label = evidence.codebook.by_key().get(item.code)
    return f"\0code:{item.code}", f"{label.label if label else item.code} (no claim recorded)"


def _spread(items: list[EvidenceItem]) -> tuple[int, list[str]]:
    """Distinct participant cases, and the source types they speak in; caseless evidence counts for neither."""
    with_case = [i for i in items if i.case]
    types = sorted({i.source_type for i in with_case})
    return len({i.case for i in with_case}), types


def contribution_table(evidence: Evidence) -> list[Category]:
    settings = evidence.settings
    grouped: dict[str, dict[str, list[EvidenceItem]]] = {c: defaultdict(list) for c in CONTRIBUTION_CATEGORIES}
    display: dict[str, str] = {}
    for item in evidence.items:
        if item.contribution in grouped:
            key, text = claim_key(evidence, item)
            display.setdefault(key, text)
            grouped[item.contribution][key].append(item)
    rival_items = grouped["none"]
    out = []
    for category, description in CONTRIBUTION_CATEGORIES.items():
        claims = []
        for key, items in grouped[category].items():
            cases, types = _spread(items)
            codes = sorted({i.code for i in items})
            claim = Claim(display[key], [i.id for i in items], cases, types, triangulation(len(types), cases, settings),
                          codes, pick_quotes(evidence, items, len(items)))
            if category in SUPPORTING:
                against = rival_items.get(key, [])
                claim.contradicting = [i.id for i in against]
                claim.contradicting_quotes = pick_quotes(evidence, against, len(against))
            claims.append(claim)
        claims.sort(key=lambda c: (STRENGTH_ORDER[c.strength], -c.cases, -len(c.evidence), c.claim.casefold()))
        out.append(Category(category, description, claims))
    return out


def contribution_json(categories: list[Category]) -> list[dict[str, Any]]:
    return [asdict(c) for c in categories]


def _capped(quotes: list[Quote], limit: int, note: str = "") -> QuoteList:
    return QuoteList(quotes[:limit], max(0, len(quotes) - limit), note)


def contribution_blocks(evidence: Evidence, categories: list[Category]) -> list[Block]:
    s = evidence.settings
    columns = ["Contribution / claim", "Strength", "Cases", "Source types", "Supporting evidence",
               "Rival explanations / contradicting evidence"]
    rows: list[list[Any]] = []
    styles: list[str] = []
    for cat in categories:
        heading = "none (rival explanation / no contribution)" if cat.category == "none" else cat.category
        empty = "" if cat.claims else " (no evidence in this category)"
        rows.append([f"{heading}: {cat.description}{empty}", None, None, None, None, None])
        styles.append("group")
        for c in cat.claims:
            rows.append([
                c.claim, c.strength, c.cases, ", ".join(c.source_types),
                _capped(c.quotes, s.quotes_per_claim),
                _capped(c.contradicting_quotes, s.quotes_per_cell) if c.contradicting else None,
            ])
            styles.append("")
    note = (
        f"Strength (triangulation of the supporting evidence): strong = at least {s.strong_source_types} source "
        f"types and {s.strong_cases} cases; moderate = at least {s.moderate_source_types} source types or "
        f"{s.moderate_cases} cases; otherwise single-source. Beside each claim are the codings marked 'none' "
        "(no contribution) that make the same claim: rival explanations or contradicting evidence. Up to "
        f"{s.quotes_per_claim} supporting and {s.quotes_per_cell} opposing quotes are shown per claim "
        "(reviewer-accepted first); the quotes report lists all."
    )
    return [Table("contribution", "Contribution analysis", columns, rows, note=note, styles=styles, wide=True)]


@dataclass(slots=True)
class HlsRow:
    code: str
    label: str
    segments: int
    codings: int
    cases: int
    source_types: list[str]
    capacity: str
    quote: Quote | None


def hls_table(evidence: Evidence) -> list[HlsRow]:
    """The nine Human Learning Systems conditions for change: the codebook's `hls.*` codes."""
    codes = [c for c in evidence.codebook.codes if c.key.startswith("hls.")]
    if evidence.filters.codes:
        scope = set().union(*(evidence.descendants(k) for k in evidence.filters.codes))
        codes = [c for c in codes if c.key in scope]
    if not codes:
        raise InputError("the codebook has no Human Learning Systems codes (keys starting 'hls.') in scope")
    by_code = items_by_code(evidence)
    rows = []
    for code in codes:
        items = [i for k in evidence.descendants(code.key) for i in by_code.get(k, [])]
        cases, types = _spread(items)
        quotes = pick_quotes(evidence, items, 1)
        rows.append(HlsRow(code.key, code.label, len({i.unit for i in items}), len(items), cases, types,
                           hls_capacity(len(types), cases, evidence.settings), quotes[0] if quotes else None))
    return rows


def hls_json(rows: list[HlsRow]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def hls_blocks(evidence: Evidence, rows: list[HlsRow]) -> list[Block]:
    s = evidence.settings
    columns = ["Condition for change", "Code", "Segments", "Cases", "Source types", "Contribution capacity",
               "Exemplar quote"]
    body: list[list[Any]] = [
        [r.label, r.code, r.segments, r.cases, ", ".join(r.source_types), r.capacity,
         QuoteList([r.quote] if r.quote else [], note="" if r.quote else "No evidence coded.")]
        for r in rows
    ]
    note = (
        f"Contribution capacity is 'higher' where the evidence comes from at least {s.hls_higher_source_types} "
        f"source types and {s.hls_higher_cases} cases, otherwise 'lower'. It rates how far the evidence shows the "
        "programme can strengthen the condition; it is a starting point for the evaluator's judgement."
    )
    return [Table("hls", "Human Learning Systems: conditions for change", columns, body, note=note)]
