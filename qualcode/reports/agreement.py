"""Intercoder agreement per code and overall: percent agreement, Cohen's kappa, Krippendorff's alpha."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from qualcode.core.agreement import (
    Span,
    Unit,
    codes_on_units,
    count_ratings,
    make_units,
    reliability_flag,
    single_category_reason,
)
from qualcode.errors import InputError
from qualcode.store.codebook import resolve_code
from qualcode.store.project import Project
from qualcode.store.report_data import (
    coded_by,
    coders_with_codings,
    codings_of,
    document_texts,
    known_coders,
    segments_of,
)

RULE = (
    "Units are the {unit}s of documents (in a survey: of respondents) that every listed coder coded at least "
    "once; of those, only units that "
    "at least one listed coder coded (with any code) count, unless uncoded units are included on request. "
    "For each code, a unit is present for a coder when one of that coder's codings of the code overlaps it."
)


def kappa(a: Sequence[int], b: Sequence[int]) -> tuple[float | None, str | None]:
    """Cohen's kappa (scikit-learn) or (None, why it is undefined)."""
    reason = single_category_reason([a, b])
    if reason:
        return None, reason
    from sklearn.metrics import cohen_kappa_score  # deferred: scikit-learn is slow to import

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(list(a), list(b), labels=[0, 1]))
    if math.isnan(value) or math.isinf(value):
        return None, "kappa is undefined: chance agreement is total"
    return value, None


def alpha(matrix: Sequence[Sequence[int]]) -> tuple[float | None, str | None]:
    """Krippendorff's alpha, nominal (the krippendorff package), or (None, why it is undefined)."""
    reason = single_category_reason(matrix)
    if reason:
        return None, reason
    import krippendorff  # deferred: pulls in numpy

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(
                krippendorff.alpha(reliability_data=[list(r) for r in matrix], level_of_measurement="nominal")
            )
    except ValueError as exc:
        return None, f"alpha is undefined: {exc}"
    if math.isnan(value) or math.isinf(value):
        return None, "alpha is undefined: no disagreement is expected by chance"
    return value, None


def statistics(coders: Sequence[str], matrix: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Counts, percent agreement, kappa (two coders; pairwise for more) and alpha for a coders x units matrix."""
    counts = count_ratings(matrix)
    result: dict[str, Any] = {
        "units": counts.units,
        "all_present": counts.all_present,
        "all_absent": counts.all_absent,
        "disagreements": counts.disagreements,
        "present_by_coder": {c: int(sum(row)) for c, row in zip(coders, matrix, strict=True)},
        "percent_agreement": counts.percent_agreement,
    }
    if len(coders) == 2:
        result["kappa"], result["kappa_note"] = kappa(matrix[0], matrix[1])
    else:
        result["kappa"], result["kappa_note"] = None, "Cohen's kappa compares two coders: see pairwise_kappa"
        result["pairwise_kappa"] = {
            f"{coders[i]}|{coders[j]}": kappa(matrix[i], matrix[j])[0]
            for i, j in combinations(range(len(coders)), 2)
        }
    result["alpha"], result["alpha_note"] = alpha(matrix)
    result["flag"] = reliability_flag(result["alpha"])
    return result


def agreement_from_codes(
    coders: Sequence[str], n_units: int, codes_by_coder: dict[str, dict[int, set[str]]], codes: Sequence[str]
) -> dict[str, Any]:
    """Per-code and pooled statistics from who applied which code to which unit (units numbered 0..n-1)."""
    per_code = []
    pooled: list[list[int]] = [[] for _ in coders]
    for code in codes:
        matrix = [
            [1 if code in codes_by_coder.get(c, {}).get(u, ()) else 0 for u in range(n_units)] for c in coders
        ]
        for row, ratings in zip(pooled, matrix, strict=True):
            row.extend(ratings)
        per_code.append({"code": code, **statistics(coders, matrix)})
    overall = statistics(coders, pooled)
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
    project: Project, coders: Sequence[str], unit: str, shared: dict[str, set[str | None] | None]
) -> tuple[list[Unit], list[Span], dict[int, dict[str, Any]]]:
    if not shared:
        return [], [], {}
    documents = list(shared)
    seg_rows = []
    for r in segments_of(project, documents):
        cases = shared[r["document"]]
        if cases is None or r["case"] in cases:
            seg_rows.append(r)
    units = make_units(((r["document"], r["id"], r["start"], r["end"], r["text"]) for r in seg_rows), unit)
    spans = [
        Span(r["document"], r["start"], r["end"], r["code"], r["coder"], r["id"])
        for r in codings_of(project, documents, coders)
    ]
    return units, spans, {r["id"]: r for r in seg_rows}


def _prepare(
    project: Project, coders: Sequence[str], unit: str, codes: Sequence[str] | None, include_uncoded: bool
) -> dict[str, Any]:
    names = _check_coders(project, coders)
    if unit not in ("segment", "sentence"):
        raise InputError(f"--unit must be segment or sentence (got {unit!r})")
    for key in codes or ():
        resolve_code(project, key)
    shared, partly = _assigned(project, names)
    units, spans, segments = _load(project, names, unit, shared)
    on_units = codes_on_units(units, spans)
    coded = set().union(*(set(m) for m in on_units.values())) if on_units else set()
    keep = list(range(len(units))) if include_uncoded else sorted(coded)
    renumber = {old: new for new, old in enumerate(keep)}
    by_coder = {c: {renumber[u]: s for u, s in on_units.get(c, {}).items() if u in renumber} for c in names}
    used = sorted({code for m in by_coder.values() for s in m.values() for code in s})
    return {
        "coders": names,
        "unit": unit,
        "documents": list(shared),
        "partly_coded_documents": partly,
        "survey_respondents": {d: len(c - {None}) for d, c in shared.items() if c is not None},
        "units": [units[i] for i in keep],
        "uncoded_units": len(units) - len(coded),
        "by_coder": by_coder,
        "codes": list(codes) if codes else used,
        "segments": segments,
        "spans": spans,
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
    prep = _prepare(project, coders, unit, codes, include_uncoded)
    names, units, chosen = prep["coders"], prep["units"], set(prep["codes"])
    texts = document_texts(project) if units else {}
    spans_by_doc: dict[str, list[Span]] = {}
    for s in prep["spans"]:
        if s.code in chosen:
            spans_by_doc.setdefault(s.document, []).append(s)
    result = []
    for i, u in enumerate(units):
        applied = {c: prep["by_coder"][c].get(i, set()) & chosen for c in names}
        differing = sorted(set().union(*applied.values()) - set.intersection(*applied.values()))
        if not differing:
            continue
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
        seg = prep["segments"][u.segment_id]
        result.append(
            {
                "document": u.document,
                "segment_id": u.segment_id,
                "case": seg["case"],
                "start": u.start,
                "end": u.end,
                "text": texts[u.document][u.start : u.end],
                "differing_codes": differing,
                "codes_by_coder": {c: sorted(applied[c]) for c in names},
                "codings": codings,
            }
        )
    return result
