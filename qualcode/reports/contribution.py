"""Contribution table (category -> claim -> evidence, with triangulation) and the HLS capacity table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from qualcode.core.models import CONTRIBUTION_CATEGORIES
from qualcode.core.reportdoc import Block, Quote, QuoteList, Table
from qualcode.errors import InputError
from qualcode.reports.evidence import ClaimInfo, Evidence, EvidenceItem, pick_quotes
from qualcode.reports.settings import ReportSettings
from qualcode.reports.themes import items_by_code

SUPPORTING = ("sufficient", "necessary", "improved")
STRENGTH_ORDER = {"strong": 0, "moderate": 1, "single-source": 2}
FOR = ("supports", "mixed")  # mixed evidence counts both for and against
AGAINST = ("contradicts", "mixed")
UNCATEGORISED = "uncategorised"


def triangulation(source_types: int, cases: int, settings: ReportSettings) -> str:
    """strong: >= 3 source types AND >= 5 cases; moderate: >= 2 source types OR >= 3 cases (configurable)."""
    if source_types >= settings.strong_source_types and cases >= settings.strong_cases:
        return "strong"
    if source_types >= settings.moderate_source_types or cases >= settings.moderate_cases:
        return "moderate"
    return "single-source"


def hls_capacity(
    source_types: int, supports: int, settings: ReportSettings, contradicts: int = 0, cases: int | None = None
) -> str:
    """The HLS rule. `cases` (default: `supports`) is every case with evidence either way:
    insufficient evidence: fewer than `hls_min_cases` cases;
    higher: supporting evidence from >= 2 source types AND >= 3 cases, and more cases supporting than
    contradicting (thresholds configurable); otherwise lower."""
    if (supports if cases is None else cases) < settings.hls_min_cases:
        return "insufficient evidence"
    if (
        source_types >= settings.hls_higher_source_types
        and supports >= settings.hls_higher_cases
        and supports > contradicts
    ):
        return "higher"
    return "lower"


@dataclass(slots=True)
class RivalEvidence:
    key: str
    label: str
    cases: int
    evidence: list[int]
    quotes: list[Quote] = field(default_factory=list)


@dataclass(slots=True)
class Claim:
    claim: str
    evidence: list[int]  # coding ids of the supporting (or mixed) evidence
    cases: int  # distinct cases of the supporting evidence
    source_types: list[str]
    strength: str
    codes: list[str]
    quotes: list[Quote] = field(default_factory=list)
    # Codings that contradict the claim (or are mixed on it), with their quotes.
    contradicting: list[int] = field(default_factory=list)
    contradicting_quotes: list[Quote] = field(default_factory=list)
    key: str = ""
    category: str = UNCATEGORISED
    outcome: str | None = None
    aim: str | None = None
    supports: int = 0  # distinct cases for
    contradicts: int = 0  # distinct cases against
    judgement: str | None = None
    confidence: str | None = None
    rationale: str | None = None
    judged_by: str | None = None
    rivals: list[RivalEvidence] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Category:
    category: str
    description: str
    claims: list[Claim]


def _spread(items: list[EvidenceItem]) -> tuple[int, list[str]]:
    """Distinct participant cases, and the source types they speak in; caseless evidence counts for neither."""
    with_case = [i for i in items if i.case]
    types = sorted({i.source_type for i in with_case})
    return len({i.case for i in with_case}), types


def claim_evidence(
    evidence: Evidence,
) -> tuple[dict[str, ClaimInfo], dict[str, list[tuple[EvidenceItem, str]]]]:
    """Every claim with its evidence as (coding, polarity of the link). Evidence given a contribution category
    but no claim stands for a claim of its own per code ('<code label> (no claim recorded)')."""
    claims = dict(evidence.argument.claims)
    by_text = {" ".join(c.text.split()).casefold(): k for k, c in claims.items()}
    linked: dict[str, list[tuple[EvidenceItem, str]]] = defaultdict(list)
    labels = evidence.codebook.by_key()
    for item in evidence.items:
        for key, polarity in item.links:
            linked[key].append((item, polarity))
        if not item.links and item.claim and item.claim.strip():
            # A claim typed on a coding by a tool that knows only the text (a merge, a REFI-QDA import): the claim
            # with that text, else one of its own; a coding marked 'none' speaks against it.
            folded = " ".join(item.claim.split()).casefold()
            key = by_text.setdefault(folded, f"text:{folded}")
            claims.setdefault(
                key, ClaimInfo(key, " ".join(item.claim.split()), None, None, None, free_text=True)
            )
            linked[key].append((item, "contradicts" if item.contribution == "none" else "supports"))
        elif not item.links and item.contribution:
            key = f"code:{item.code}"
            label = labels[item.code].label if item.code in labels else item.code
            claims.setdefault(
                key, ClaimInfo(key, f"{label} (no claim recorded)", None, None, None, free_text=True)
            )
            linked[key].append((item, "contradicts" if item.contribution == "none" else "supports"))
    return claims, linked


def _category(info: ClaimInfo, pairs: list[tuple[EvidenceItem, str]]) -> str:
    """The claim's own category; else the one most of its supporting codings give (ties: the stronger);
    'none' when its codings only say 'none'; else uncategorised."""
    if info.category:
        return info.category
    votes: dict[str, int] = defaultdict(int)
    for item, polarity in pairs:
        if polarity in FOR and item.contribution in SUPPORTING:
            votes[item.contribution] += 1
    if votes:
        return min(votes, key=lambda c: (-votes[c], SUPPORTING.index(c)))
    if any(item.contribution == "none" for item, _ in pairs):
        return "none"
    return UNCATEGORISED


def build_claim(evidence: Evidence, info: ClaimInfo, pairs: list[tuple[EvidenceItem, str]]) -> Claim:
    """One claim's evidence for and against (every quote, best first), judgement, rivals (with their evidence)
    and recommendations."""
    s = evidence.settings
    arg = evidence.argument
    pro = [i for i, p in pairs if p in FOR]
    con = [i for i, p in pairs if p in AGAINST]
    cases, types = _spread(pro)
    against, _ = _spread(con)
    judged = arg.judgements.get(f"claim:{info.key}") or {}
    claim = Claim(
        info.text,
        [i.id for i in pro],
        cases,
        types,
        triangulation(len(types), cases, s),
        sorted({i.code for i, _ in pairs}),
        pick_quotes(evidence, pro, len(pro)),
        [i.id for i in con],
        pick_quotes(evidence, con, len(con)),
        key=info.key,
        category=_category(info, pairs),
        outcome=info.outcome,
        aim=info.aim,
        supports=cases,
        contradicts=against,
        judgement=judged.get("rating"),
        confidence=judged.get("confidence"),
        rationale=judged.get("rationale"),
        judged_by=judged.get("who"),
    )
    for rival in info.rivals:
        items = [i for i in evidence.items if rival in i.rivals]
        n, _ = _spread(items)
        claim.rivals.append(
            RivalEvidence(
                rival,
                arg.rivals.get(rival, {}).get("label", rival),
                n,
                [i.id for i in items],
                pick_quotes(evidence, items, len(items)),
            )
        )
    targets = {f"claim:{info.key}"}
    claim.recommendations = [r for r in arg.recommendations if targets & set(r["links"])]
    return claim


def contribution_table(evidence: Evidence) -> list[Category]:
    claims, linked = claim_evidence(evidence)
    grouped: dict[str, list[Claim]] = {c: [] for c in (*CONTRIBUTION_CATEGORIES, UNCATEGORISED)}
    for key, info in claims.items():
        if key not in linked and info.free_text:
            continue
        claim = build_claim(evidence, info, linked.get(key, []))
        grouped[claim.category].append(claim)
    out = []
    labels = evidence.argument.labels
    for category, claim_list in grouped.items():
        if category == UNCATEGORISED and not claim_list:
            continue
        claim_list.sort(
            key=lambda c: (STRENGTH_ORDER[c.strength], -c.cases, -len(c.evidence), c.claim.casefold())
        )
        out.append(Category(category, labels.get(category, "no category given yet"), claim_list))
    return out


def contribution_json(categories: list[Category]) -> list[dict[str, Any]]:
    return [asdict(c) for c in categories]


def _capped(
    quotes: list[Quote], limit: int, note: str = "", shown: set[tuple[str, str]] | None = None
) -> QuoteList:
    """The first `limit` quotes not yet `shown` in this table (a quote appears in one row only)."""
    fresh = [q for q in quotes if shown is None or (q.text, q.attribution) not in shown]
    picked = fresh[:limit]
    if shown is not None:
        shown.update((q.text, q.attribution) for q in picked)
    return QuoteList(picked, max(0, len(quotes) - len(picked)), note)


def judgement_text(claim: Claim) -> str:
    if not claim.judgement:
        return "not yet judged"
    confidence = f" ({claim.confidence} confidence)" if claim.confidence else ""
    return (
        f"{claim.judgement}{confidence}: {claim.rationale}"
        if claim.rationale
        else claim.judgement + confidence
    )


def rivals_cell(claim: Claim, limit: int, shown: set[tuple[str, str]] | None = None) -> QuoteList | None:
    if not claim.rivals:
        return None
    note = "; ".join(f"{r.label}: {r.cases} case{'s' if r.cases != 1 else ''}" for r in claim.rivals)
    firsts = [_capped(r.quotes, 1, shown=shown).quotes for r in claim.rivals]
    return QuoteList([q for f in firsts for q in f][:limit], 0, f"Rival explanations: {note}")


def contribution_blocks(evidence: Evidence, categories: list[Category]) -> list[Block]:
    s = evidence.settings
    columns = [
        "Contribution / claim",
        "Judgement",
        "Strength",
        "Cases for / against",
        "Source types",
        "Supporting evidence",
        "Contradicting evidence and rival explanations",
    ]
    rows: list[list[Any]] = []
    styles: list[str] = []
    shown: set[tuple[str, str]] = set()
    for cat in categories:
        heading = cat.category if cat.category != UNCATEGORISED else "not yet categorised"
        empty = "" if cat.claims else " (no evidence in this category)"
        rows.append([f"{heading}: {cat.description}{empty}", None, None, None, None, None, None])
        styles.append("group")
        for c in cat.claims:
            supporting = _capped(c.quotes, s.quotes_per_claim, shown=shown)
            against = (
                _capped(c.contradicting_quotes, s.quotes_per_cell, shown=shown) if c.contradicting else None
            )
            rivals = rivals_cell(c, s.quotes_per_cell, shown)
            if rivals and against:
                against = QuoteList(against.quotes + rivals.quotes, against.more + rivals.more, rivals.note)
            rows.append(
                [
                    c.claim,
                    judgement_text(c),
                    c.strength,
                    f"{c.supports} / {c.contradicts}",
                    ", ".join(c.source_types),
                    supporting,
                    against or rivals,
                ]
            )
            styles.append("")
    note = (
        f"Strength (triangulation of the supporting evidence): strong = at least {s.strong_source_types} source "
        f"types and {s.strong_cases} cases; moderate = at least {s.moderate_source_types} source types or "
        f"{s.moderate_cases} cases; otherwise single-source. Cases for / against count distinct participants whose "
        "evidence supports or contradicts the claim (mixed evidence counts both ways). Judgements are the "
        f"evaluator's, newest first. Up to {s.quotes_per_claim} supporting and {s.quotes_per_cell} opposing quotes "
        "are shown per claim (reviewer-accepted first), each quote once in the table; the quotes report lists all."
    )
    return [
        Table("contribution", "Contribution analysis", columns, rows, note=note, styles=styles, wide=True)
    ]


@dataclass(slots=True)
class HlsRow:
    code: str
    label: str
    segments: int
    codings: int
    cases: int  # distinct cases with evidence either way
    source_types: list[str]  # of the supporting evidence (what the rule counts)
    capacity: str  # the level reported: the evaluator's override if any, else the rule's
    quote: Quote | None  # a supporting quote
    level: str = ""
    rule_level: str = ""
    override: str | None = None
    rationale: str | None = None
    confidence: str | None = None
    judged_by: str | None = None
    supports: int = 0  # distinct cases with supporting (or mixed) evidence
    contradicts: int = 0  # distinct cases with contradicting (or mixed) evidence
    contradicting_quote: Quote | None = None


def hls_table(evidence: Evidence) -> list[HlsRow]:
    """The nine Human Learning Systems conditions for change: the codebook's `hls.*` codes, each rated by the
    rule (see `hls_capacity`) from its codings' own polarity, beside the evaluator's override."""
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
        pro = [i for i in items if i.polarity in FOR]
        con = [i for i in items if i.polarity in AGAINST]
        cases, _ = _spread(items)
        supports, types = _spread(pro)
        against, _ = _spread(con)
        rule = hls_capacity(len(types), supports, evidence.settings, against, cases)
        judged = evidence.argument.judgements.get(f"hls:{code.key}") or {}
        level = judged.get("rating") or rule
        quotes = pick_quotes(evidence, [i for i in items if i.polarity == "supports"], 1)
        opposing = pick_quotes(evidence, con, 1)
        rows.append(
            HlsRow(
                code.key,
                code.label,
                len({i.unit for i in items}),
                len(items),
                cases,
                types,
                level,
                quotes[0] if quotes else None,
                level,
                rule,
                judged.get("rating"),
                judged.get("rationale"),
                judged.get("confidence"),
                judged.get("who"),
                supports,
                against,
                opposing[0] if opposing else None,
            )
        )
    return rows


def hls_json(rows: list[HlsRow]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def hls_blocks(evidence: Evidence, rows: list[HlsRow]) -> list[Block]:
    s = evidence.settings
    columns = [
        "Condition for change",
        "Code",
        "Cases for / against",
        "Source types",
        "Rule",
        "Evaluator's rating",
        "Rationale",
        "Exemplar quote",
    ]
    body: list[list[Any]] = []
    for r in rows:
        quotes = [q for q in (r.quote, r.contradicting_quote) if q]
        note = "" if quotes else "No evidence coded."
        if r.contradicting_quote:
            note = "Supporting, then contradicting:" if r.quote else "Contradicting:"
        body.append(
            [
                r.label,
                r.code,
                f"{r.supports} / {r.contradicts}",
                ", ".join(r.source_types),
                r.rule_level,
                r.override or "(rule stands)",
                r.rationale or "",
                QuoteList(quotes, note=note),
            ]
        )
    note = (
        f"Rule: 'higher' where supporting evidence comes from at least {s.hls_higher_source_types} source types and "
        f"{s.hls_higher_cases} cases, and more cases support the condition than contradict it; 'insufficient "
        f"evidence' where fewer than {s.hls_min_cases} cases speak to it either way; otherwise 'lower'. Cases for / "
        "against count participants whose codings support or contradict the condition (mixed counts both). The "
        "evaluator's rating, where recorded (qualcode judge), overrides the rule and is reported with its rationale."
    )
    return [
        Table("hls", "Human Learning Systems: conditions for change", columns, body, note=note, wide=True)
    ]
