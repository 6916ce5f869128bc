"""Matrices: code x case (0/1 with case attributes), code x source type, code x document, co-occurrence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from qualcode.core.reportdoc import Table
from qualcode.errors import InputError
from qualcode.reports.evidence import Evidence
from qualcode.reports.themes import NOT_RECORDED, attribute_values


@dataclass(slots=True)
class MatrixRow:
    """One row: the values of the head columns (in `Matrix.head` order) and a number per code key."""

    head: list[Any]
    counts: dict[str, int]


@dataclass(slots=True)
class Matrix:
    """Head columns and code columns are kept apart, so a case attribute called `case` or a code whose key is
    an attribute's name can never overwrite another column."""

    kind: str
    head: list[str]
    codes: list[str]
    rows: list[MatrixRow]


RESERVED = "codes"  # the key under which JSON rows carry the code columns


def head_names(fixed: list[str], extra: list[str]) -> list[str]:
    """`fixed` then `extra` column names, each distinct (and not `codes`): an extra name that is already taken
    is shown as 'name (attribute)', then 'name (attribute 2)', ..."""
    taken = {RESERVED, *fixed}
    names = list(fixed)
    for name in extra:
        unique, n = name, 1
        while unique in taken:
            unique = f"{name} (attribute{'' if n == 1 else f' {n}'})"
            n += 1
        taken.add(unique)
        names.append(unique)
    return names


def applied_codes(evidence: Evidence) -> list[str]:
    """Codes as applied (not rolled up to parents), in codebook order."""
    used = {i.code for i in evidence.items}
    return [c.key for c in evidence.codebook.codes if c.key in used]


def case_matrix(evidence: Evidence) -> Matrix:
    """One row per participant: source types, every case attribute, then 1/0 per code."""
    codes = applied_codes(evidence)
    names: list[str] = []
    for case in evidence.cases.values():
        names += [n for n in case.attributes if n not in names]
    names.sort(key=str.casefold)
    coded: dict[str, set[str]] = defaultdict(set)
    for item in evidence.items:
        if item.case:
            coded[item.case].add(item.code)
    rows = [
        MatrixRow(
            [case.name, ", ".join(sorted(case.source_types)), *(case.attributes.get(n, "") for n in names)],
            {k: int(k in coded[case.name]) for k in codes},
        )
        for case in sorted(evidence.cases.values(), key=lambda c: c.name)
    ]
    return Matrix("case", head_names(["case", "source types"], names), codes, rows)


def source_type_matrix(evidence: Evidence) -> Matrix:
    """One row per code: coded segments in each source type."""
    codes = applied_codes(evidence)
    types = evidence.source_types() + sorted(
        {i.source_type for i in evidence.items} - set(evidence.source_types())
    )
    units: dict[tuple[str, str], set[object]] = defaultdict(set)
    for item in evidence.items:
        units[(item.code, item.source_type)].add(item.unit)
    rows = [MatrixRow([t], {k: len(units.get((k, t), ())) for k in codes}) for t in types]
    return Matrix("source-type", ["source type"], codes, rows)


def document_matrix(evidence: Evidence) -> Matrix:
    """One row per document: coded segments per code."""
    codes = applied_codes(evidence)
    units: dict[tuple[str, str], set[object]] = defaultdict(set)
    for item in evidence.items:
        units[(item.document, item.code)].add(item.unit)
    rows = [
        MatrixRow([name, stype], {k: len(units.get((name, k), ())) for k in codes})
        for name, stype in evidence.documents
    ]
    return Matrix("document", ["document", "source type"], codes, rows)


def attribute_matrix(evidence: Evidence, name: str) -> Matrix:
    """One row per value of a case attribute: distinct cases with that value coded with each code."""
    values = attribute_values(evidence, name)
    codes = applied_codes(evidence)
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in evidence.items:
        if item.case in evidence.cases:
            value = evidence.cases[item.case].attributes.get(name, "").strip() or NOT_RECORDED
            cases[(value, item.code)].add(item.case)
    rows = [MatrixRow([v, n], {k: len(cases.get((v, k), ())) for k in codes}) for v, n in values.items()]
    return Matrix(f"attribute:{name}", head_names(["cases"], [name])[::-1], codes, rows)


def build_matrix(evidence: Evidence, by: str | None) -> Matrix:
    """`by`: case (default), source-type, document, or the name of a case attribute."""
    by = by or "case"
    if by == "case":
        return case_matrix(evidence)
    if by == "source-type":
        return source_type_matrix(evidence)
    if by == "document":
        return document_matrix(evidence)
    try:
        return attribute_matrix(evidence, by)
    except InputError as exc:
        raise InputError(
            f"matrix --by takes case, source-type, document or a case attribute: {exc}"
        ) from None


def cooccurrence(evidence: Evidence) -> Matrix:
    """Segments coded with both codes (any coder); the diagonal is the segments coded with the code."""
    codes = applied_codes(evidence)
    per_unit: dict[object, set[str]] = defaultdict(set)
    for item in evidence.items:
        per_unit[item.unit].add(item.code)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for found in per_unit.values():
        for k in found:
            counts[(k, k)] += 1
        for a, b in combinations(sorted(found), 2):
            counts[(a, b)] += 1
            counts[(b, a)] += 1
    labels = evidence.codebook.by_key()
    rows = [MatrixRow([a, labels[a].label], {b: counts.get((a, b), 0) for b in codes}) for a in codes]
    return Matrix("cooccurrence", ["code", "label"], codes, rows)


def matrix_json(matrix: Matrix) -> list[dict[str, Any]]:
    """Each row: its head columns, then `codes` mapping code key -> number."""
    return [{**dict(zip(matrix.head, r.head, strict=True)), RESERVED: dict(r.counts)} for r in matrix.rows]


TITLES = {
    "case": "Code x case (1 = the participant's evidence has the code)",
    "source-type": "Code x source type (coded segments)",
    "document": "Code x document (coded segments)",
    "cooccurrence": "Code co-occurrence (segments coded with both codes)",
}


def matrix_table(matrix: Matrix) -> Table:
    title = TITLES.get(matrix.kind) or f"Code x {matrix.kind.split(':', 1)[1]} (cases coded)"
    key = (
        "cooccurrence" if matrix.kind == "cooccurrence" else "matrix-" + matrix.kind.replace("attribute:", "")
    )
    rows = [[*r.head, *(r.counts[k] for k in matrix.codes)] for r in matrix.rows]
    note = (
        "Codes are counted as applied: a parent code's column counts only codings made with that code itself."
    )
    # A code key may equal a head column's name (a code `sector` beside the attribute `sector`): say which is which.
    code_columns = [f"{k} (code)" if k in matrix.head else k for k in matrix.codes]
    return Table(key, title, matrix.head + code_columns, rows, note=note, wide=True)
