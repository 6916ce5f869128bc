"""Intercoder agreement per code and overall: percent agreement, Cohen's kappa, Krippendorff's alpha."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from qualcode.core.agreement import (
    Span,
    Unit,
    codes_on_units,
    count_patterns,
    make_units,
    reliability_flag,
    single_category_reason_of,
)
from qualcode.errors import InputError
from qualcode.store.codebook import resolve_code
from qualcode.store.project import Project
from qualcode.store.report_data import (
    agreement_documents,
    coded_by,
    coders_with_codings,
    known_coders,
    segment_texts,
)

RULE = (
    "Units are the {unit}s of documents (in a survey: of respondents) that every listed coder coded at least "
    "once; of those, only units that "
    "at least one listed coder coded (with any code) count, unless uncoded units are included on request. "
    "For each code, a unit is present for a coder when one of that coder's codings of the code overlaps it."
)


# Ratings are counted, never laid out unit by unit: a column pattern (one 0/1 per coder) -> how many units have
# it. A million units of twenty codes are then a handful of numbers, and the statistics below are the textbook
# formulas on those counts (tests/oracle.py checks them against exact fractions).
Patterns = Counter[tuple[int, ...]]


def patterns_of(matrix: Sequence[Sequence[int]]) -> Patterns:
    """The column patterns of a coders x units matrix of 0/1 ratings."""
    return Counter(zip(*matrix, strict=True))


def _pair(patterns: Patterns, i: int, j: int) -> Patterns:
    out: Patterns = Counter()
    for column, n in patterns.items():
        out[(column[i], column[j])] += n
    return out


def kappa(a: Sequence[int], b: Sequence[int]) -> tuple[float | None, str | None]:
    """Cohen's kappa or (None, why it is undefined)."""
    return kappa_of(patterns_of([a, b]))


def kappa_of(patterns: Patterns) -> tuple[float | None, str | None]:
    """Cohen's kappa of two coders' ratings given as patterns (a, b) -> units, or (None, why it is undefined):
    1 - observed disagreements / disagreements expected from each coder's own rates."""
    reason = single_category_reason_of(patterns, 2)
    if reason:
        return None, reason
    n = sum(patterns.values())
    first = [sum(c for (a, _), c in patterns.items() if a == v) for v in (0, 1)]
    second = [sum(c for (_, b), c in patterns.items() if b == v) for v in (0, 1)]
    expected = first[0] * second[1] + first[1] * second[0]  # times n
    if expected == 0:
        return None, "kappa is undefined: chance agreement is total"
    observed = patterns.get((0, 1), 0) + patterns.get((1, 0), 0)
    return 1 - observed * n / expected, None


def alpha(matrix: Sequence[Sequence[int]]) -> tuple[float | None, str | None]:
    """Krippendorff's alpha, nominal, of a coders x units matrix, or (None, why it is undefined)."""
    return alpha_of(patterns_of(matrix), len(matrix))


def alpha_of(patterns: Patterns, coders: int) -> tuple[float | None, str | None]:
    """Krippendorff's alpha, nominal, for complete 0/1 ratings by `coders` coders given as column patterns:
    1 - (n - 1) * sum over units of n0 * n1 / ((m - 1) * N0 * N1), with n0, n1 a unit's zeros and ones, m the
    coders, N0, N1 all zeros and ones, n = N0 + N1 (the coincidence matrix of Krippendorff 2011)."""
    reason = single_category_reason_of(patterns, coders)
    if reason:
        return None, reason
    if coders < 2:
        return None, "alpha is undefined: it needs at least two coders"
    ones = sum(sum(column) * c for column, c in patterns.items())
    n = coders * sum(patterns.values())
    zeros = n - ones
    if zeros * ones == 0:
        return None, "alpha is undefined: no disagreement is expected by chance"
    within = sum((coders - sum(column)) * sum(column) * c for column, c in patterns.items())
    return 1 - (n - 1) * within / ((coders - 1) * zeros * ones), None


def statistics(coders: Sequence[str], matrix: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Counts, percent agreement, kappa (two coders; pairwise for more) and alpha for a coders x units matrix."""
    return statistics_of(coders, patterns_of(matrix))


def statistics_of(coders: Sequence[str], patterns: Patterns) -> dict[str, Any]:
    """`statistics` of ratings given as column patterns (one 0/1 per coder) -> number of units."""
    counts = count_patterns(patterns, len(coders))
    result: dict[str, Any] = {
        "units": counts.units,
        "all_present": counts.all_present,
        "all_absent": counts.all_absent,
        "disagreements": counts.disagreements,
        "present_by_coder": {
            c: sum(column[i] * n for column, n in patterns.items()) for i, c in enumerate(coders)
        },
        "percent_agreement": counts.percent_agreement,
    }
    if len(coders) == 2:
        result["kappa"], result["kappa_note"] = kappa_of(patterns)
    else:
        result["kappa"], result["kappa_note"] = None, "Cohen's kappa compares two coders: see pairwise_kappa"
        result["pairwise_kappa"] = {
            f"{coders[i]}|{coders[j]}": kappa_of(_pair(patterns, i, j))[0]
            for i, j in combinations(range(len(coders)), 2)
        }
    result["alpha"], result["alpha_note"] = alpha_of(patterns, len(coders))
    result["flag"] = reliability_flag(result["alpha"])
    return result


def agreement_from_codes(
    coders: Sequence[str], n_units: int, codes_by_coder: dict[str, dict[int, set[str]]], codes: Sequence[str]
) -> dict[str, Any]:
    """Per-code and pooled statistics from who applied which code to which unit (units numbered 0..n-1).

    Only the units some coder coded are visited; the others count as one pattern (no coder applied it)."""
    marks: dict[str, dict[int, int]] = {code: {} for code in codes}  # code -> unit -> bit per coder
    for bit, coder in enumerate(coders):
        for unit, applied in codes_by_coder.get(coder, {}).items():
            if 0 <= unit < n_units:
                for code in applied:
                    if code in marks:
                        marks[code][unit] = marks[code].get(unit, 0) | (1 << bit)
    per_code = []
    pooled: Patterns = Counter()
    for code in codes:
        patterns: Patterns = Counter()
        for mask in marks[code].values():
            patterns[tuple((mask >> bit) & 1 for bit in range(len(coders)))] += 1
        if n_units > len(marks[code]):
            patterns[(0,) * len(coders)] += n_units - len(marks[code])
        pooled.update(patterns)
        per_code.append({"code": code, **statistics_of(coders, patterns)})
    overall = statistics_of(coders, pooled)
    overall["codes"] = len(codes)
    return {"codes": per_code, "overall": overall}


def _check_coders(project: Project, coders: Sequence[str]) -> list[str]:
    names = [c.strip() for c in coders if c.strip()]
    if len(names) < 2:
        raise InputError("agreement needs at least two coders (--coders A B)")
    if len(set(names)) != len(names):
        raise InputError("a coder is listed twice in --coders")
    known = known_coders(project)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(
            f"no coder named {unknown[0]!r} in this project (coders: {', '.join(sorted(known)) or 'none'})"
        )
    return names


def _assigned(
    project: Project, coders: Sequence[str]
) -> tuple[dict[str, set[str | None] | None], list[dict[str, Any]]]:
    """What every coder coded at least once: a document, or in a survey a respondent (case).

    Returns document -> None (the whole document is compared) or the survey cases compared, and the
    documents (or survey respondents) left out with who never coded them. Survey respondents are handled one
    by one because coders usually split a survey between them, as they would split interviews.
    """
    coded: dict[tuple[str, str | None], set[str]] = {}
    surveys: set[str] = set()
    for doc, source_type, case, coder in coded_by(project, coders):
        if source_type == "survey":
            surveys.add(doc)
        coded.setdefault((doc, case if source_type == "survey" else None), set()).add(coder)
    # In a survey each respondent is compared on their own; codings on no respondent's answer form one more
    # group (None): the survey's segments without a respondent, compared only if every coder coded there. A
    # survey is never compared whole, and the outcome does not depend on the order of the rows.
    respondents: dict[str, set[str | None]] = {}
    whole: list[str] = []
    partly: dict[str, dict[str, Any]] = {}
    for (doc, case), who in coded.items():
        everyone = len(who) == len(coders)
        if doc in surveys:
            group = respondents.setdefault(doc, set())
            if everyone:
                group.add(case)
            elif case is not None:
                entry = partly.setdefault(doc, {"document": doc, "respondents_not_coded_by_all": 0})
                entry["respondents_not_coded_by_all"] += 1
        elif everyone:
            whole.append(doc)
        else:
            partly[doc] = {"document": doc, "not_coded_by": [c for c in coders if c not in who]}
    shared: dict[str, set[str | None] | None] = {}
    for doc in dict.fromkeys(doc for doc, _ in coded):  # document order
        if doc in whole:
            shared[doc] = None
        elif respondents.get(doc):
            shared[doc] = respondents[doc]
    return shared, list(partly.values())


def _load(
    project: Project,
    coders: Sequence[str],
    unit: str,
    shared: dict[str, set[str | None] | None],
    include_uncoded: bool,
    keep_spans: bool,
) -> dict[str, Any]:
    """The units compared (only the coded ones unless `include_uncoded`), numbered in document order, with
    who applied which code to each; read one document at a time, so memory holds the kept units only."""
    units: list[Unit] = []
    by_coder: dict[str, dict[int, set[str]]] = {c: {} for c in coders}
    cases: dict[int, str | None] = {}  # segment id -> case, for the kept units
    spans: list[Span] = []
    uncoded = 0
    for doc, seg_rows, coding_rows in agreement_documents(project, coders, list(shared), unit == "sentence"):
        allowed = shared[doc]
        rows = [r for r in seg_rows if allowed is None or r[4] in allowed]
        doc_units = make_units(((doc, r[0], r[1], r[2], r[3]) for r in rows), unit)
        doc_spans = [Span(doc, start, end, code, coder, cid) for cid, start, end, code, coder in coding_rows]
        on_units = codes_on_units(doc_units, doc_spans)
        coded = set().union(*(set(m) for m in on_units.values())) if on_units else set()
        keep = range(len(doc_units)) if include_uncoded else sorted(coded)
        renumber = {old: len(units) + new for new, old in enumerate(keep)}
        for c in coders:
            by_coder[c].update((renumber[u], s) for u, s in on_units.get(c, {}).items() if u in renumber)
        case_of = {r[0]: r[4] for r in rows}
        for i in keep:
            units.append(doc_units[i])
            cases[doc_units[i].segment_id] = case_of[doc_units[i].segment_id]
        uncoded += len(doc_units) - len(coded)
        if keep_spans:
            spans += doc_spans
    return {"units": units, "by_coder": by_coder, "cases": cases, "spans": spans, "uncoded_units": uncoded}


def _prepare(
    project: Project,
    coders: Sequence[str],
    unit: str,
    codes: Sequence[str] | None,
    include_uncoded: bool,
    keep_spans: bool = False,
) -> dict[str, Any]:
    names = _check_coders(project, coders)
    if unit not in ("segment", "sentence"):
        raise InputError(f"--unit must be segment or sentence (got {unit!r})")
    for key in codes or ():
        resolve_code(project, key)
    shared, partly = _assigned(project, names)
    loaded = _load(project, names, unit, shared, include_uncoded, keep_spans)
    by_coder = loaded["by_coder"]
    used = sorted({code for m in by_coder.values() for s in m.values() for code in s})
    return {
        "coders": names,
        "unit": unit,
        "documents": list(shared),
        "partly_coded_documents": partly,
        "survey_respondents": {d: len(c - {None}) for d, c in shared.items() if c is not None},
        "units": loaded["units"],
        "uncoded_units": loaded["uncoded_units"],
        "by_coder": by_coder,
        "codes": list(codes) if codes else used,
        "cases": loaded["cases"],
        "spans": loaded["spans"],
    }


def agreement_report(
    project: Project,
    coders: Sequence[str],
    unit: str = "segment",
    codes: Sequence[str] | None = None,
    include_uncoded: bool = False,
) -> dict[str, Any]:
    """Agreement between coders on the documents they all coded (see RULE), per code and pooled."""
    prep = _prepare(project, coders, unit, codes, include_uncoded)
    names = prep["coders"]
    stats = agreement_from_codes(names, len(prep["units"]), prep["by_coder"], prep["codes"])
    have_codings = coders_with_codings(project, names)
    coded_nothing = [c for c in names if c not in have_codings]
    notes = []
    if coded_nothing:
        notes.append(
            f"{', '.join(coded_nothing)} coded nothing, so no document was coded by every listed coder"
        )
    elif not prep["documents"]:
        notes.append(f"no document was coded by all of {', '.join(names)}: nothing to compare")
    elif not prep["codes"]:
        notes.append("no listed coder applied any code to the shared documents")
    return {
        "coders": names,
        "unit": unit,
        "rule": RULE.format(unit=unit),
        "include_uncoded": include_uncoded,
        "documents": prep["documents"],
        "survey_respondents": prep["survey_respondents"],
        "unit_count": len(prep["units"]),
        "partly_coded_documents": prep["partly_coded_documents"],
        "uncoded_units": prep["uncoded_units"],
        "coders_without_codings": coded_nothing,
        "notes": notes,
        **stats,
    }


def disagreements(
    project: Project,
    coders: Sequence[str],
    unit: str = "segment",
    codes: Sequence[str] | None = None,
    include_uncoded: bool = False,
) -> list[dict[str, Any]]:
    """Each unit where the coders differ on a code, with every coder's codings there and the unit's text."""
    prep = _prepare(project, coders, unit, codes, include_uncoded, keep_spans=True)
    names, units, chosen = prep["coders"], prep["units"], set(prep["codes"])
    spans_by_doc: dict[str, list[Span]] = {}
    for s in prep["spans"]:
        if s.code in chosen:
            spans_by_doc.setdefault(s.document, []).append(s)
    differ: list[tuple[int, list[str], dict[str, set[str]]]] = []
    for i in range(len(units)):
        applied = {c: prep["by_coder"][c].get(i, set()) & chosen for c in names}
        differing = sorted(set().union(*applied.values()) - set.intersection(*applied.values()))
        if differing:
            differ.append((i, differing, applied))
    texts = segment_texts(project, [units[i].segment_id for i, _, _ in differ])  # a unit lies in its segment
    result = []
    for i, differing, applied in differ:
        u = units[i]
        codings = {
            c: sorted(
                (
                    {"id": s.coding_id, "code": s.code}
                    for s in spans_by_doc.get(u.document, [])
                    if s.coder == c and s.start < u.end and s.end > u.start
                ),
                key=lambda k: (k["code"], k["id"]),
            )
            for c in names
        }
        seg_start, seg_text = texts[u.segment_id]
        result.append(
            {
                "document": u.document,
                "segment_id": u.segment_id,
                "case": prep["cases"][u.segment_id],
                "start": u.start,
                "end": u.end,
                "text": seg_text[u.start - seg_start : u.end - seg_start],
                "differing_codes": differing,
                "codes_by_coder": {c: sorted(applied[c]) for c in names},
                "codings": codings,
            }
        )
    return result
