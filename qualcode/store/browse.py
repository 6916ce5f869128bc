"""Queries behind the coding workbench: paged segments with their codings, filters, next-uncoded jumps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.store.project import Project


@dataclass(slots=True, frozen=True)
class SegmentFilter:
    """Which segments of a document to show; empty fields do not filter."""

    code: str | None = None  # has a coding with this code key (any coder)
    speaker: str | None = None
    attribute: tuple[str, str] | None = None  # the segment's case has attribute name = value
    coded: bool | None = None  # True: has any coding; False: has none
    coder: str | None = None  # with `coded`/`code`: only this coder's codings count
    least_sure: bool = False  # only the segments the suggester is least sure about (ids chosen in `only`)
    only: tuple[int, ...] | None = None  # only these segment ids

    def is_empty(self) -> bool:
        return self == SegmentFilter()

    def describe(self) -> str:
        parts = []
        if self.code:
            parts.append(f"code {self.code}")
        if self.speaker:
            parts.append(f"speaker {self.speaker}")
        if self.attribute:
            parts.append(f"{self.attribute[0]}={self.attribute[1]}")
        if self.coded is not None:
            parts.append("coded" if self.coded else "uncoded")
        if self.least_sure:
            parts.append(f"{len(self.only or ())} the suggester is least sure about")
        return ", ".join(parts) or "all segments"


def _where(flt: SegmentFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    coder_clause = " AND k.coder = ?" if flt.coder else ""
    if flt.code:
        clauses.append(
            f"EXISTS (SELECT 1 FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.segment_id = s.id"
            f" AND c.key = ?{coder_clause})"
        )
        params += [flt.code] + ([flt.coder] if flt.coder else [])
    if flt.speaker:
        clauses.append("s.speaker = ?")
        params.append(flt.speaker)
    if flt.attribute:
        clauses.append(
            "EXISTS (SELECT 1 FROM case_attributes a WHERE a.case_id = s.case_id AND a.name = ? AND a.value = ?)"
        )
        params += list(flt.attribute)
    if flt.coded is not None:
        exists = f"EXISTS (SELECT 1 FROM codings k WHERE k.segment_id = s.id{coder_clause})"
        clauses.append(exists if flt.coded else f"NOT {exists}")
        params += [flt.coder] if flt.coder else []
    if flt.only is not None:
        clauses.append(f"s.id IN ({','.join('?' * len(flt.only))})" if flt.only else "0")
        params += list(flt.only)
    return ("".join(f" AND {c}" for c in clauses), params)


def count_segments(project: Project, document_id: int, flt: SegmentFilter = SegmentFilter()) -> int:
    where, params = _where(flt)
    return int(
        project.scalar(
            f"SELECT count(*) FROM segments s WHERE s.document_id = ?{where}", [document_id, *params]
        )
    )


def segment_page(
    project: Project, document_id: int, offset: int, limit: int, flt: SegmentFilter = SegmentFilter()
) -> list[dict[str, Any]]:
    """One page of a document's segments (in order) with their codings attached as `codings`."""
    where, params = _where(flt)
    rows = project.query(
        'SELECT s.id, s.position, s.speaker, s.question, s.start, s."end", s.text, c.name AS "case"'
        " FROM segments s LEFT JOIN cases c ON c.id = s.case_id"
        f" WHERE s.document_id = ?{where} ORDER BY s.position LIMIT ? OFFSET ?",
        [document_id, *params, limit, offset],
    )
    codings = codings_for_segments(project, [r["id"] for r in rows])
    for row in rows:
        row["codings"] = codings.get(row["id"], [])
    return rows


def codings_for_segments(project: Project, segment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for i in range(0, len(segment_ids), 500):
        chunk = segment_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for row in project.query(
            'SELECT k.id, k.segment_id, k.start, k."end", k.coder, k.contribution, k.claim, k.memo, c.key AS code,'
            f" c.label, c.colour FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.segment_id IN ({marks})"
            " ORDER BY k.id",
            chunk,
        ):
            out.setdefault(row["segment_id"], []).append(row)
    return out


def segment_index(
    project: Project, segment_id: int, flt: SegmentFilter = SegmentFilter()
) -> tuple[int, int] | None:
    """(document id, index of the segment among the document's filtered segments), or None."""
    row = project.conn.execute(
        "SELECT document_id, position FROM segments WHERE id = ?", (segment_id,)
    ).fetchone()
    if row is None:
        return None
    where, params = _where(flt)
    index = project.scalar(
        f"SELECT count(*) FROM segments s WHERE s.document_id = ? AND s.position < ?{where}",
        [row[0], row[1], *params],
    )
    return int(row[0]), int(index)


def segment_matches(project: Project, segment_id: int, flt: SegmentFilter) -> bool:
    where, params = _where(flt)
    return (
        project.conn.execute(
            f"SELECT 1 FROM segments s WHERE s.id = ?{where}", [segment_id, *params]
        ).fetchone()
        is not None
    )


def next_uncoded(
    project: Project, document_id: int, after_position: int, coder: str | None = None
) -> int | None:
    """The id of the next participant segment with no coding (by `coder` if given), this document first, then later ones."""
    coder_clause = " AND k.coder = ?" if coder else ""
    params: list[Any] = [coder] if coder else []
    row = project.conn.execute(
        "SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE (s.document_id > ? OR (s.document_id = ? AND s.position > ?)) AND s.case_id IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM codings k WHERE k.segment_id = s.id{coder_clause})"
        " ORDER BY s.document_id, s.position LIMIT 1",
        [document_id, document_id, after_position, *params],
    ).fetchone()
    return int(row[0]) if row else None


def document_progress(project: Project, document_id: int) -> tuple[int, int]:
    """(coded participant segments, participant segments) of a document."""
    row = project.conn.execute(
        "SELECT count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM codings k WHERE k.segment_id = s.id) THEN 1 ELSE 0 END)"
        " FROM segments s WHERE s.document_id = ? AND s.case_id IS NOT NULL",
        (document_id,),
    ).fetchone()
    return int(row[1] or 0), int(row[0] or 0)


def speakers(project: Project) -> list[str]:
    return [
        r[0]
        for r in project.conn.execute(
            "SELECT DISTINCT speaker FROM segments WHERE speaker IS NOT NULL ORDER BY 1"
        )
    ]


def attribute_values(project: Project) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in project.conn.execute("SELECT DISTINCT name, value FROM case_attributes ORDER BY 1, 2")
    ]


def claims(project: Project) -> list[str]:
    return [
        r[0]
        for r in project.conn.execute("SELECT DISTINCT claim FROM codings WHERE claim IS NOT NULL ORDER BY 1")
    ]
