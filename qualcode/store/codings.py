"""Codings: apply and remove codes on segments or spans, bulk import (all or nothing), export."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from qualcode.core.display import unescape_cell
from qualcode.core.models import CONTRIBUTION_CATEGORIES
from qualcode.errors import DuplicateError, InputError, NotFoundError
from qualcode.store.codebook import resolve_code
from qualcode.store.documents import document_id
from qualcode.store.project import Project, now

CODING_COLUMNS = (
    "id", "segment_id", "document", "start", "end", "text", "code", "coder", "contribution", "claim", "memo", "created",
)


@dataclass(slots=True)
class CodingRequest:
    """One coding to make, already resolved to ids and offsets."""

    document_id: int
    segment_id: int | None
    start: int
    end: int
    code_id: int
    coder: str
    contribution: str | None = None
    claim: str | None = None
    memo: str | None = None
    provenance: dict[str, Any] | None = None


def check_contribution(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip().lower()
    if value not in CONTRIBUTION_CATEGORIES:
        raise InputError(f"contribution must be one of {', '.join(CONTRIBUTION_CATEGORIES)} (got {value!r})")
    return value


def _segment_span(project: Project, segment_id: int) -> tuple[int, int, int]:
    row = project.conn.execute('SELECT document_id, start, "end" FROM segments WHERE id = ?', (segment_id,)).fetchone()
    if not row:
        raise NotFoundError(f"no segment with id {segment_id}")
    return int(row[0]), int(row[1]), int(row[2])


def segment_at(project: Project, doc_id: int, start: int, end: int) -> int | None:
    """The segment holding a span: the one containing it, else the one where it starts."""
    row = project.conn.execute(
        'SELECT id FROM segments WHERE document_id = ? AND start <= ? AND "end" >= ? ORDER BY start DESC LIMIT 1',
        (doc_id, start, end),
    ).fetchone()
    if row is None:
        row = project.conn.execute(
            'SELECT id FROM segments WHERE document_id = ? AND start <= ? AND "end" > ? ORDER BY start DESC LIMIT 1',
            (doc_id, start, start),
        ).fetchone()
    return int(row[0]) if row else None


def resolve_span(
    project: Project, segment_id: int | None, document: str | None, start: int | None, end: int | None
) -> tuple[int, int | None, int, int]:
    """(document id, segment id, start, end) for a coding on a segment, a sub-span of one, or a document span."""
    if segment_id is not None:
        doc_id, s_start, s_end = _segment_span(project, segment_id)
        start = s_start if start is None else start
        end = s_end if end is None else end
        if not (s_start <= start < end <= s_end):
            raise InputError(f"span {start}-{end} is not inside segment {segment_id} ({s_start}-{s_end})")
        return doc_id, segment_id, start, end
    if document is None or start is None or end is None:
        raise InputError("a coding needs a segment id, or a document with start and end")
    doc_id = document_id(project, document)
    length = project.scalar("SELECT length(text) FROM documents WHERE id = ?", (doc_id,))
    if not (0 <= start < end <= length):
        raise InputError(f"span {start}-{end} is outside document '{document}' (length {length})")
    return doc_id, segment_at(project, doc_id, start, end), start, end


def is_duplicate_coding(exc: sqlite3.IntegrityError) -> bool:
    """True only for the one rule a duplicate breaks (same span, code and coder); every other integrity error
    (a foreign key, a CHECK) is a real error and must not be reported as a duplicate."""
    return str(exc).startswith("UNIQUE constraint failed: codings.document_id, codings.start")


def _insert(project: Project, req: CodingRequest) -> int:
    project.ensure_coder(req.coder)
    try:
        cur = project.conn.execute(
            'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created, contribution, claim,'
            " memo, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (req.document_id, req.segment_id, req.start, req.end, req.code_id, req.coder, now(),
             req.contribution, req.claim, req.memo,
             json.dumps(req.provenance, ensure_ascii=False, sort_keys=True) if req.provenance else None),
        )
    except sqlite3.IntegrityError as exc:
        if not is_duplicate_coding(exc):
            raise
        raise DuplicateError("that span already has this code from this coder") from None
    coding_id = int(cur.lastrowid or 0)
    project.log("code", "coding", coding_id, {"after": get_coding(project, coding_id)})
    return coding_id


def add_coding(
    project: Project,
    code: str,
    segment_id: int | None = None,
    document: str | None = None,
    start: int | None = None,
    end: int | None = None,
    coder: str | None = None,
    contribution: str | None = None,
    claim: str | None = None,
    memo: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> int:
    """Apply a code to a segment (or a span); one transaction, logged. Returns the coding id.

    `provenance` records how the coding came about (e.g. an accepted suggestion's method and score).
    """
    with project.transaction():
        doc_id, seg_id, start, end = resolve_span(project, segment_id, document, start, end)
        req = CodingRequest(
            doc_id, seg_id, start, end, resolve_code(project, code), (coder or project.coder).strip(),
            check_contribution(contribution), (claim or "").strip() or None, (memo or "").strip() or None,
            provenance,
        )
        return _insert(project, req)


def get_coding(project: Project, coding_id: int) -> dict[str, Any]:
    rows = project.query(
        'SELECT k.id, k.segment_id, d.name AS document, k.start, k."end", substr(d.text, k.start + 1, k."end" - k.start) AS text,'
        " c.key AS code, k.coder, k.contribution, k.claim, k.memo, k.created"
        " FROM codings k JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id WHERE k.id = ?",
        (coding_id,),
    )
    if not rows:
        raise NotFoundError(f"no coding with id {coding_id}")
    return rows[0]


def coding_snapshot(project: Project, coding_id: int) -> dict[str, Any]:
    """Everything that goes when a coding is removed: its row, its review decisions and its REFI GUIDs."""
    rows = project.query("SELECT * FROM codings WHERE id = ?", (coding_id,))
    if not rows:
        raise NotFoundError(f"no coding with id {coding_id}")
    return {
        "row": rows[0],
        "reviews": project.query("SELECT * FROM reviews WHERE coding_id = ? ORDER BY id", (coding_id,)),
        "guids": project.query("SELECT kind, local, guid FROM refi_guids WHERE kind IN ('coding', 'selection')"
                               " AND local = ?", (str(coding_id),)),
    }


def remove_coding(project: Project, coding_id: int) -> dict[str, Any]:
    """Delete a coding (its memo, reviews and GUIDs go with it); returns what `restore_coding` needs to bring
    it back exactly, under the key `snapshot`, beside the coding as `get_coding` shows it."""
    with project.transaction():
        before = get_coding(project, coding_id)
        snapshot = coding_snapshot(project, coding_id)
        project.conn.execute("DELETE FROM codings WHERE id = ?", (coding_id,))
        project.log("uncode", "coding", coding_id, {"before": before, "reviews": len(snapshot["reviews"])})
    return {**before, "snapshot": snapshot}


def _insert_row(project: Project, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(f'"{c}"' for c in row)
    project.conn.execute(f"INSERT INTO {table}({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))


def restore_coding(project: Project, snapshot: dict[str, Any]) -> int:
    """Put a removed coding back as it was: same id, created time, provenance, memo, reviews and GUIDs."""
    row = snapshot["row"]
    with project.transaction():
        if project.scalar("SELECT 1 FROM codings WHERE id = ?", (row["id"],)):
            raise DuplicateError(f"coding {row['id']} is already there")
        clash = project.scalar('SELECT id FROM codings WHERE document_id = ? AND start = ? AND "end" = ? AND code_id = ?'
                               " AND coder = ?", (row["document_id"], row["start"], row["end"], row["code_id"],
                                                  row["coder"]))
        if clash is not None:
            raise DuplicateError("that span already has this code from this coder")
        project.ensure_coder(row["coder"])
        _insert_row(project, "codings", row)
        for review in snapshot["reviews"]:
            project.ensure_coder(review["reviewer"])
            _insert_row(project, "reviews", review)
        for guid in snapshot["guids"]:
            _insert_row(project, "refi_guids", guid)
        project.log("code.restore", "coding", row["id"], {"after": get_coding(project, row["id"]),
                                                     "reviews": len(snapshot["reviews"])})
    return int(row["id"])


def remove_segment_code(project: Project, segment_id: int, code: str, coder: str | None = None) -> list[int]:
    """Remove a code from a segment (every span in it) for one coder; an error if there was none."""
    with project.transaction():
        _segment_span(project, segment_id)
        code_id = resolve_code(project, code)
        coder = (coder or project.coder).strip()
        ids = [r[0] for r in project.conn.execute(
            "SELECT id FROM codings WHERE segment_id = ? AND code_id = ? AND coder = ?", (segment_id, code_id, coder)
        )]
        if not ids:
            raise NotFoundError(f"segment {segment_id} has no coding '{code}' by {coder}")
        for cid in ids:
            remove_coding(project, cid)
    return ids


def update_coding(project: Project, coding_id: int, **fields: str | None) -> dict[str, Any]:
    """Change contribution, claim or memo of a coding (None leaves a field as it is, '' clears it)."""
    allowed = {"contribution", "claim", "memo"}
    unknown = set(fields) - allowed
    if unknown:
        raise InputError(f"cannot change {', '.join(sorted(unknown))} of a coding")
    with project.transaction():
        before = get_coding(project, coding_id)
        changes: dict[str, str | None] = {}
        for name, value in fields.items():
            if value is None:
                continue
            changes[name] = check_contribution(value) if name == "contribution" else (value.strip() or None)
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            project.conn.execute(f"UPDATE codings SET {sets} WHERE id = ?", (*changes.values(), coding_id))
            after = get_coding(project, coding_id)
            project.log("coding.update", "coding", coding_id, {"before": {k: before[k] for k in changes},
                                                                "after": {k: after[k] for k in changes}})
            return after
        return before


def _int(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        raise InputError(f"{what} must be a whole number (got {value!r})") from None


def import_codings(project: Project, rows: list[dict[str, str]], default_coder: str | None = None) -> dict[str, int]:
    """Validate every row first, then insert all or nothing. Row numbers in errors count the header as 1.

    A row locates its text by `segment_id`, or by `document` with `start` and `end`, or by `document` with a
    `quote` that occurs exactly once in that document.
    """
    if not rows:
        raise InputError("no codings in the file")
    columns = set(rows[0])
    if "code" not in columns:
        raise InputError("codings file needs a 'code' column")
    if not ({"segment_id"} <= columns or {"document", "start", "end"} <= columns or {"document", "quote"} <= columns):
        raise InputError("codings file needs 'segment_id', or 'document' with 'start' and 'end', or 'document' with 'quote'")
    problems: list[str] = []
    requests: list[CodingRequest] = []
    doc_cache: dict[str, tuple[int, str]] = {}
    with project.transaction():
        for n, row in enumerate(rows, start=2):
            try:
                requests.append(_request_from_row(project, row, default_coder, doc_cache))
            except InputError as exc:
                problems.append(f"row {n}: {exc}")
        if problems:
            more = f" (and {len(problems) - 3} more problems)" if len(problems) > 3 else ""
            raise InputError("; ".join(problems[:3]) + more)
        added = skipped = 0
        seen: set[tuple[int, int, int, int, str]] = set()
        for req in requests:
            key = (req.document_id, req.start, req.end, req.code_id, req.coder)
            exists = key in seen or project.conn.execute(
                'SELECT 1 FROM codings WHERE document_id=? AND start=? AND "end"=? AND code_id=? AND coder=?', key
            ).fetchone()
            seen.add(key)
            if exists:
                skipped += 1
                continue
            _insert(project, req)
            added += 1
    return {"added": added, "already_present": skipped, "rows": len(rows)}


def _request_from_row(
    project: Project, row: dict[str, str], default_coder: str | None, doc_cache: dict[str, tuple[int, str]]
) -> CodingRequest:
    get = lambda name: unescape_cell((row.get(name) or "").strip())  # noqa: E731
    code_key = get("code")
    if not code_key:
        raise InputError("empty code")
    code_id = resolve_code(project, code_key)
    coder = get("coder") or default_coder or project.coder
    if get("segment_id"):
        doc_id, seg_id, start, end = resolve_span(project, _int(get("segment_id"), "segment_id"), None, None, None)
    else:
        name = get("document")
        if not name:
            raise InputError("no segment_id and no document")
        if name not in doc_cache:
            did = document_id(project, name)
            doc_cache[name] = (did, project.scalar("SELECT text FROM documents WHERE id = ?", (did,)))
        did, text = doc_cache[name]
        if get("start") or get("end"):
            doc_id, seg_id, start, end = resolve_span(project, None, name, _int(get("start"), "start"), _int(get("end"), "end"))
        else:
            quote = (row.get("quote") or "").strip()
            if not quote:
                raise InputError("no start/end and no quote")
            if text.find(quote) < 0:  # a quote that went through our formula-safe CSV writer
                quote = unescape_cell(quote)
            start = text.find(quote)
            if start < 0:
                raise InputError(f"quote not found in '{name}': {quote[:60]!r}")
            if text.find(quote, start + 1) >= 0:
                raise InputError(f"quote occurs more than once in '{name}': {quote[:60]!r}")
            end = start + len(quote)
            doc_id, seg_id = did, segment_at(project, did, start, end)
    claim = get("claim") or None
    return CodingRequest(doc_id, seg_id, start, end, code_id, coder, check_contribution(get("contribution")),
                         claim, get("memo") or None)


# A coding's review status: its latest decision by time, 'pending' when it has none.
REVIEW_STATUS_SQL = ("coalesce((SELECT r.status FROM reviews r WHERE r.coding_id = k.id"
                     " ORDER BY r.created DESC, r.id DESC LIMIT 1), 'pending')")


def export_codings(project: Project, coder: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Every coding, optionally only one coder's and only those whose review status is `status`."""
    conditions, params = [], []
    if coder:
        conditions.append("k.coder = ?")
        params.append(coder)
    if status:
        conditions.append(f"{REVIEW_STATUS_SQL} = ?")
        params.append(status)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return project.query(
        'SELECT k.id, k.segment_id, d.name AS document, k.start, k."end",'
        ' substr(d.text, k.start + 1, k."end" - k.start) AS text, c.key AS code, k.coder, k.contribution,'
        " k.claim, k.memo, k.created FROM codings k JOIN documents d ON d.id = k.document_id"
        f" JOIN codes c ON c.id = k.code_id {where} ORDER BY k.document_id, k.start, k.id",
        params,
    )
