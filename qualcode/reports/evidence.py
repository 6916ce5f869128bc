"""Load the coded evidence a report needs from a project in one consistent read, with its content hash."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from qualcode import __version__
from qualcode.core.models import SOURCE_TYPE_ROLES, SOURCE_TYPES, Codebook
from qualcode.core.reportdoc import Provenance, Quote
from qualcode.errors import InputError, ProjectBusyError
from qualcode.reports.settings import ReportSettings
from qualcode.store.codebook import load_codebook, resolve_code
from qualcode.store.project import Project, now
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
    instrument: str | None = None  # survey evidence from this survey instrument only (other sources unchanged)

    def describe(self) -> dict[str, str]:
        out = {"evidence": "accepted codings only" if self.accepted_only else "all codings except rejected ones"}
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

    @property
    def unit(self) -> tuple[str, int, int] | int:
        """What 'a coded segment' is: the segment, or the span itself when it lies in no segment."""
        return self.segment_id if self.segment_id is not None else (self.document, self.start, self.end)


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
    cases: dict[str, CaseInfo]  # cases with a segment or a survey response (and matching the attribute filter)
    documents: list[tuple[str, str]]  # (name, source type) in import order
    provenance: Provenance
    filters: Filters
    settings: ReportSettings
    cases_without_segments: int = 0
    methods: list[dict[str, object]] = field(default_factory=list)  # who took part by method (store/survey.py)
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
            kids: dict[str | None, list[str]] = {}
            for c in self.codebook.codes:
                kids.setdefault(c.parent, []).append(c.key)

            def walk(k: str) -> set[str]:
                if k not in self._descendants:
                    found = {k}
                    for child in kids.get(k, []):
                        found |= walk(child)
                    self._descendants[k] = found
                return self._descendants[k]

            for c in self.codebook.codes:
                walk(c.key)
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


def checkpoint_and_hash(project: Project, attempts: int = 5) -> str:
    """SHA-256 of the project file once the WAL is empty; call inside a read transaction.

    The checkpoint moves every committed change into the main file; the read transaction that follows keeps
    any later checkpoint from changing it while we hash, so the hash matches the data the report reads.
    """
    wal = Path(str(project.path) + "-wal")
    for _ in range(attempts):
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        project.conn.execute("BEGIN")
        project.conn.execute("SELECT count(*) FROM meta").fetchone()  # starts the read snapshot
        try:
            if not wal.exists() or os.path.getsize(wal) == 0:
                digest = hashlib.sha256()
                with open(project.path, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
                return digest.hexdigest()
        except BaseException:
            project.conn.execute("COMMIT")
            raise
        project.conn.execute("COMMIT")
        time.sleep(0.1)  # another program wrote in between: try again
    raise ProjectBusyError(f"{project.path}: another program keeps writing to the project; try the report again")


def load_evidence(project: Project, filters: Filters | None = None, settings: ReportSettings | None = None) -> Evidence:
    """Read codebook, cases and codings in one read transaction, together with the file's hash."""
    filters = filters or Filters()
    settings = settings or ReportSettings()
    for key in filters.codes:
        resolve_code(project, key)  # an unknown key names the nearest real one
    sha = checkpoint_and_hash(project)
    try:
        return _read(project, filters, settings, sha)
    finally:
        project.conn.execute("COMMIT")


def _read(project: Project, filters: Filters, settings: ReportSettings, sha: str) -> Evidence:
    codebook = load_codebook(project)
    conn = project.conn
    attrs: dict[int, dict[str, str]] = {}
    for case_id, name, value in conn.execute("SELECT case_id, name, value FROM case_attributes"):
        attrs.setdefault(case_id, {})[name] = value
    names = dict(conn.execute("SELECT id, name FROM cases"))
    excluded = _other_instruments(project, filters.instrument)
    types: dict[int, set[str]] = {}
    for case_id, source_type, doc_id in conn.execute(
        "SELECT DISTINCT s.case_id, d.source_type, d.id FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE s.case_id IS NOT NULL"
    ):
        if doc_id not in excluded:
            types.setdefault(case_id, set()).add(source_type)
    # Every survey respondent takes part, whether or not they wrote open text (schema 5 keeps them).
    for case_id, source_type, doc_id in conn.execute(
        "SELECT DISTINCT r.case_id, d.source_type, d.id FROM survey_respondents r"
        " JOIN documents d ON d.id = r.document_id"
    ):
        if doc_id not in excluded:
            types.setdefault(case_id, set()).add(source_type)
    known_attrs = {k for a in attrs.values() for k in a}
    for name in filters.attributes:
        if name not in known_attrs:
            raise InputError(f"no case has an attribute '{name}' (known: {', '.join(sorted(known_attrs)) or 'none'})")
    cases: dict[str, CaseInfo] = {}
    for case_id, source_types in types.items():
        a = attrs.get(case_id, {})
        if all(a.get(k) == v for k, v in filters.attributes.items()):
            cases[names[case_id]] = CaseInfo(names[case_id], a, source_types)
    documents = [(r[0], r[1]) for r in conn.execute("SELECT name, source_type, id FROM documents ORDER BY id")
                 if r[2] not in excluded]
    excluded_names = {r[0] for r in conn.execute("SELECT name, id FROM documents") if r[1] in excluded}
    provenance = Provenance(
        project=project.name, file=project.path.name, sha256=sha, hash_method=HASH_METHOD,
        generated=now()[:19] + "Z", qualcode_version=__version__, filters=filters.describe(),
    )
    scope: set[str] | None = None
    evidence = Evidence(codebook, [], cases, documents, provenance, filters, settings,
                        cases_without_segments=len(names) - len(types))
    from qualcode.store.survey import participation

    evidence.methods = participation(project)
    if filters.codes:
        scope = set().union(*(evidence.descendants(k) for k in filters.codes))
    code_keys = dict(conn.execute("SELECT id, key FROM codes"))
    rows = conn.execute(
        'SELECT k.id, k.segment_id, d.name, d.source_type, s.case_id, k.code_id, k.coder, k.contribution, k.claim,'
        ' k.memo, CASE WHEN s.id IS NOT NULL AND k.start = s.start AND k."end" = s."end" THEN s.text'
        ' ELSE substr(d.text, k.start + 1, k."end" - k.start) END,'
        ' k.start, k."end"'
        " FROM codings k JOIN documents d ON d.id = k.document_id LEFT JOIN segments s ON s.id = k.segment_id"
        " ORDER BY k.id"
    )
    statuses = review_status(project)  # the latest decision by time, as the review commands define it
    items = evidence.items
    for (cid, seg, doc, stype, case_id, code_id, coder, contrib, claim, memo, text, start, end) in rows:
        status = statuses.get(cid, "pending")
        if status == "rejected" or (filters.accepted_only and status != "accepted"):
            continue
        if filters.coder and coder != filters.coder:
            continue
        code = code_keys[code_id]
        if scope is not None and code not in scope:
            continue
        if doc in excluded_names:
            continue
        case = names.get(case_id) if case_id is not None else None
        if filters.attributes and case not in cases:
            continue
        items.append(EvidenceItem(cid, seg, doc, stype, case, code, coder, contrib, claim, memo, text, status,
                                  start, end))
    return evidence


def _other_instruments(project: Project, instrument: str | None) -> set[int]:
    """Ids of survey documents that belong to instruments other than `instrument` (none without one)."""
    if not instrument:
        return set()
    rows = project.conn.execute("SELECT DISTINCT instrument, document_id FROM survey_respondents").fetchall()
    if instrument not in {r[0] for r in rows}:
        known = ", ".join(sorted({r[0] for r in rows})) or "none imported"
        raise InputError(f"no survey instrument {instrument!r} (instruments: {known})")
    return {int(d) for i, d in rows if i != instrument}


def quote_rank(item: EvidenceItem) -> tuple[int, int, int]:
    """Better exemplars sort first: reviewer-accepted, then readable length, then the earliest coding."""
    readable = 0 if 40 <= len(item.text) <= 400 else 1
    return STATUS_RANK.get(item.status, 1), readable, item.id


def pick_quotes(evidence: Evidence, items: list[EvidenceItem], limit: int) -> list[Quote]:
    """Exemplar quotes: reviewer-accepted first, then unreviewed, then queried; one per case where possible,
    quotes of readable length (40-400 characters) before very short or very long ones; ties by coding id."""

    chosen: list[EvidenceItem] = []
    seen_units: set[object] = set()
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
    return [evidence.quote(i) for i in chosen]
