"""Load the coded evidence a report needs from a project in one consistent read, with its content hash."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from qualcode import __version__
from qualcode.core.models import CONTRIBUTION_CATEGORIES, SOURCE_TYPE_ROLES, SOURCE_TYPES, Codebook
from qualcode.core.reportdoc import Provenance, Quote
from qualcode.errors import InputError
from qualcode.reports.settings import ReportSettings
from qualcode.store.codebook import load_codebook, resolve_code
from qualcode.store.project import Project, now
from qualcode.store.report_data import (
    SERVER_HASH_METHOD,
    argument_rows,
    case_attributes,
    case_names,
    case_source_types,
    code_keys,
    coding_evidence_rows,
    document_names,
    documents_in_order,
    other_instruments,
    snapshot,
)
from qualcode.store.reviews import review_status

HASH_METHOD = "project file bytes after a full WAL checkpoint"
STATUS_RANK = {"accepted": 0, "pending": 1, "queried": 2, "rejected": 3}


@dataclass(slots=True)
class Filters:
    """Which evidence a report uses. Rejected codings (latest review decision) are always left out."""

    accepted_only: bool = False
    coder: str | None = None
    codes: tuple[str, ...] = ()  # code keys; each includes its descendants
    attributes: dict[str, str] = field(default_factory=dict)  # only cases with these attribute values
    instrument: str | None = (
        None  # survey evidence from this survey instrument only (other sources unchanged)
    )

    def describe(self) -> dict[str, str]:
        out = {
            "evidence": "accepted codings only" if self.accepted_only else "all codings except rejected ones"
        }
        if self.coder:
            out["coder"] = self.coder
        if self.codes:
            out["codes"] = ", ".join(self.codes)
        if self.attributes:
            out["cases"] = ", ".join(f"{k}={v}" for k, v in self.attributes.items())
        if self.instrument:
            out["survey instrument"] = self.instrument
        return out


@dataclass(slots=True)
class EvidenceItem:
    """One coding with everything a report says about it."""

    id: int
    segment_id: int | None
    document: str
    source_type: str
    case: str | None
    code: str
    coder: str
    contribution: str | None
    claim: str | None
    memo: str | None
    text: str
    status: str
    start: int
    end: int
    polarity: str = "supports"  # toward its code: supports, contradicts or mixed
    links: list[tuple[str, str]] = field(default_factory=list)  # (claim key, polarity)
    rivals: list[str] = field(default_factory=list)  # keys of rival explanations it evidences

    @property
    def unit(self) -> tuple[str, int, int] | int:
        """What 'a coded segment' is: the segment, or the span itself when it lies in no segment."""
        return self.segment_id if self.segment_id is not None else (self.document, self.start, self.end)


@dataclass(slots=True)
class ClaimInfo:
    key: str
    text: str
    category: str | None
    outcome: str | None
    aim: str | None
    rivals: list[str] = field(default_factory=list)
    free_text: bool = False  # a claim typed on codings that no claim object holds (e.g. from a merge)


@dataclass(slots=True)
class Argument:
    """The contribution argument as the project records it: outcome map, claims, rivals, recommendations,
    the evaluator's newest judgement per target, and the report labels of the contribution categories."""

    aims: list[dict[str, Any]] = field(default_factory=list)  # key, label, success (list)
    partners: list[dict[str, Any]] = field(default_factory=list)  # key, label, kind
    outcomes: list[dict[str, Any]] = field(
        default_factory=list
    )  # key, label, mechanism, partner, aims (list)
    claims: dict[str, ClaimInfo] = field(default_factory=dict)
    rivals: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> key, label, description
    recommendations: list[dict[str, Any]] = field(default_factory=list)  # key, text, priority, owner, links
    judgements: dict[str, dict[str, Any]] = field(default_factory=dict)  # 'claim:KEY' / 'hls:CODE' -> newest
    labels: dict[str, str] = field(default_factory=lambda: dict(CONTRIBUTION_CATEGORIES))


def _argument(
    rows: dict[str, Any],
) -> tuple[Argument, dict[int, list[tuple[str, str]]], dict[int, list[str]]]:
    """The argument, and the claim links and rival links of each coding id."""
    stored = json.loads(rows["labels"] or "{}")
    arg = Argument(
        aims=[{**a, "success": json.loads(a["success"] or "[]")} for a in rows["aims"]],
        partners=rows["partners"],
        outcomes=[{**o, "aims": (o["aims"] or "").split("|") if o["aims"] else []} for o in rows["outcomes"]],
        claims={
            c["key"]: ClaimInfo(c["key"], c["text"], c["category"], c["outcome"], c["aim"])
            for c in rows["claims"]
        },
        rivals={r["key"]: r for r in rows["rivals"]},
        recommendations=[
            {**r, "links": (r["links"] or "").split("|") if r["links"] else []}
            for r in rows["recommendations"]
        ],
        judgements={j["target"]: j for j in rows["judgements"]},
        labels={c: stored.get(c) or d for c, d in CONTRIBUTION_CATEGORIES.items()},
    )
    for claim, rival in rows["claim_rivals"]:
        arg.claims[claim].rivals.append(rival)
    links: dict[int, list[tuple[str, str]]] = {}
    for coding_id, key, polarity in rows["links"]:
        links.setdefault(coding_id, []).append((key, polarity))
    rivals: dict[int, list[str]] = {}
    for coding_id, key in rows["rival_evidence"]:
        rivals.setdefault(coding_id, []).append(key)
    return arg, links, rivals


@dataclass(slots=True)
class CaseInfo:
    name: str
    attributes: dict[str, str]
    source_types: set[str]


@dataclass(slots=True)
class Evidence:
    """A snapshot of the project for reporting; everything downstream is pure computation over it."""

    codebook: Codebook
    items: list[EvidenceItem]
    cases: dict[
        str, CaseInfo
    ]  # cases with a segment or a survey response (and matching the attribute filter)
    documents: list[tuple[str, str]]  # (name, source type) in import order
    provenance: Provenance
    filters: Filters
    settings: ReportSettings
    cases_without_segments: int = 0
    methods: list[dict[str, object]] = field(
        default_factory=list
    )  # who took part by method (store/survey.py)
    argument: Argument = field(default_factory=Argument)
    _descendants: dict[str, set[str]] = field(default_factory=dict)

    def source_types(self) -> list[str]:
        """Source types that have participants, in the canonical order."""
        present = {t for c in self.cases.values() for t in c.source_types}
        return [t for t in SOURCE_TYPES if t in present]

    def totals(self) -> dict[str, int]:
        """Distinct cases per source type: the denominators of prevalence."""
        out = dict.fromkeys(self.source_types(), 0)
        for case in self.cases.values():
            for t in case.source_types:
                out[t] += 1
        return out

    def descendants(self, key: str) -> set[str]:
        """The code and every code below it."""
        if not self._descendants:
            self._descendants = self.codebook.subtrees()
        return self._descendants.get(key, {key})

    def attribution(self, item: EvidenceItem) -> str:
        role = SOURCE_TYPE_ROLES.get(item.source_type, item.source_type)
        parts = [role]
        attrs = self.cases[item.case].attributes if item.case in self.cases else {}
        for name in self.settings.attribution_attributes:
            value = attrs.get(name, "").strip()
            if value and not any(value.casefold() in p.casefold() for p in parts):
                parts.append(value)
        return "(" + ", ".join(parts) + ")"

    def quote(self, item: EvidenceItem) -> Quote:
        return Quote(item.text, self.attribution(item), item.id, item.status)


def load_evidence(
    project: Project, filters: Filters | None = None, settings: ReportSettings | None = None
) -> Evidence:
    """Read codebook, cases and codings from one consistent state of the project, with the hash of that state."""
    filters = filters or Filters()
    settings = settings or ReportSettings()
    for key in filters.codes:
        resolve_code(project, key)  # an unknown key names the nearest real one
    with snapshot(project) as (copy, sha):
        return _read(copy, filters, settings, sha)


def _read(project: Project, filters: Filters, settings: ReportSettings, sha: str) -> Evidence:
    codebook = load_codebook(project)
    attrs = case_attributes(project)
    names = case_names(project)
    excluded = other_instruments(project, filters.instrument)
    types = case_source_types(project, excluded)
    known_attrs = {k for a in attrs.values() for k in a}
    for name in filters.attributes:
        if name not in known_attrs:
            raise InputError(
                f"no case has an attribute '{name}' (known: {', '.join(sorted(known_attrs)) or 'none'})"
            )
    cases: dict[str, CaseInfo] = {}
    for case_id, source_types in types.items():
        a = attrs.get(case_id, {})
        if all(a.get(k) == v for k, v in filters.attributes.items()):
            cases[names[case_id]] = CaseInfo(names[case_id], a, source_types)
    documents = documents_in_order(project, excluded)
    excluded_names = document_names(project, excluded)
    provenance = Provenance(
        project=project.name,
        file=project.path.name,
        sha256=sha,
        hash_method=SERVER_HASH_METHOD if project.on_server else HASH_METHOD,
        generated=now()[:19] + "Z",
        qualcode_version=__version__,
        filters=filters.describe(),
    )
    scope: set[str] | None = None
    evidence = Evidence(
        codebook,
        [],
        cases,
        documents,
        provenance,
        filters,
        settings,
        cases_without_segments=len(names) - len(types),
    )
    from qualcode.store.survey import participation

    evidence.methods = participation(project)
    if filters.codes:
        scope = set().union(*(evidence.descendants(k) for k in filters.codes))
    keys = code_keys(project)
    argument, links, rival_links = _argument(argument_rows(project))
    evidence.argument = argument
    rows = coding_evidence_rows(project)
    statuses = review_status(project)  # the latest decision by time, as the review commands define it
    items = evidence.items
    for (
        cid,
        seg,
        doc,
        stype,
        case_id,
        code_id,
        coder,
        contrib,
        claim,
        memo,
        text,
        start,
        end,
        polarity,
    ) in rows:
        status = statuses.get(cid, "pending")
        if status == "rejected" or (filters.accepted_only and status != "accepted"):
            continue
        if filters.coder and coder != filters.coder:
            continue
        code = keys[code_id]
        if scope is not None and code not in scope:
            continue
        if doc in excluded_names:
            continue
        case = names.get(case_id) if case_id is not None else None
        if filters.attributes and case not in cases:
            continue
        mine = links.get(cid, [])
        items.append(
            EvidenceItem(
                cid,
                seg,
                doc,
                stype,
                case,
                code,
                coder,
                contrib,
                claim,
                memo,
                text,
                status,
                start,
                end,
                polarity or "supports",
                mine,
                rival_links.get(cid, []),
            )
        )
    return evidence


def quote_rank(item: EvidenceItem) -> tuple[int, int, int]:
    """Better exemplars sort first: reviewer-accepted, then readable length, then the earliest coding."""
    readable = 0 if 40 <= len(item.text) <= 400 else 1
    return STATUS_RANK.get(item.status, 1), readable, item.id


def pick_quotes(
    evidence: Evidence, items: list[EvidenceItem], limit: int, taken: set[object] | None = None
) -> list[Quote]:
    """Exemplar quotes: reviewer-accepted first, then unreviewed, then queried; one per case where possible,
    quotes of readable length (40-400 characters) before very short or very long ones; ties by coding id.
    Units in `taken` are not picked, and the units picked are added to it (distinct quotes across a table)."""

    chosen: list[EvidenceItem] = []
    seen_units: set[object] = set(taken) if taken is not None else set()
    seen_cases: set[str | None] = set()
    ordered = sorted(items, key=quote_rank)
    for second_pass in (False, True):
        for item in ordered:
            if len(chosen) >= limit:
                break
            if item.unit in seen_units or (not second_pass and item.case in seen_cases):
                continue
            chosen.append(item)
            seen_units.add(item.unit)
            seen_cases.add(item.case)
    if taken is not None:
        taken.update(i.unit for i in chosen)
    return [evidence.quote(i) for i in chosen]
