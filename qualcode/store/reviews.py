"""Review decisions on coded quotes: accept, query or reject, kept as a history whose latest row is the status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qualcode.errors import InputError
from qualcode.store.codebook import resolve_code
from qualcode.store.codings import CODING_TEXT_SQL, get_coding
from qualcode.store.project import Project, now

DECISIONS: tuple[str, ...] = ("accepted", "queried", "rejected")
STATUSES: tuple[str, ...] = ("pending", *DECISIONS)

# The latest decision of a coding, by time: merged decisions get new ids but keep their original time.
_LATEST = (
    "r.id = (SELECT r2.id FROM reviews r2 WHERE r2.coding_id = k.id"
    " ORDER BY r2.created DESC, r2.id DESC LIMIT 1)"
)


def check_decision(status: str) -> str:
    value = (status or "").strip().lower()
    if value not in DECISIONS:
        raise InputError(f"review decision must be one of {', '.join(DECISIONS)} (got {status!r})")
    return value


def check_status(status: str) -> str:
    value = (status or "").strip().lower()
    if value not in STATUSES:
        raise InputError(f"review status must be one of {', '.join(STATUSES)} (got {status!r})")
    return value


def latest_review(project: Project, coding_id: int) -> dict[str, Any] | None:
    rows = project.query(
        "SELECT id, coding_id, status, reviewer, comment, created FROM reviews WHERE coding_id = ?"
        " ORDER BY created DESC, id DESC LIMIT 1",
        (coding_id,),
    )
    return rows[0] if rows else None


def set_review(
    project: Project, coding_id: int, status: str, comment: str | None = None, reviewer: str | None = None
) -> dict[str, Any]:
    """Record a decision on one coding (one transaction, logged); a 'queried' decision needs a comment."""
    status = check_decision(status)
    comment = (comment or "").strip() or None
    if status == "queried" and not comment:
        raise InputError("a 'queried' decision needs a comment saying what to check")
    with project.transaction():
        coding = get_coding(project, coding_id)
        reviewer = project.ensure_coder(reviewer)
        before = latest_review(project, coding_id)
        created = now()
        cur = project.conn.execute(
            "INSERT INTO reviews(coding_id, status, reviewer, comment, created) VALUES (?, ?, ?, ?, ?)",
            (coding_id, status, reviewer, comment, created),
        )
        after = {
            "id": int(cur.lastrowid or 0),
            "coding_id": coding_id,
            "status": status,
            "reviewer": reviewer,
            "comment": comment,
            "created": created,
        }
        project.log(
            "review",
            "coding",
            coding_id,
            {
                "before": {k: before[k] for k in ("status", "reviewer", "comment")}
                if before
                else {"status": "pending"},
                "after": {k: after[k] for k in ("status", "reviewer", "comment")},
                "coding": {k: coding[k] for k in ("document", "start", "end", "code", "coder")},
            },
        )
    return after


def review_history(project: Project, coding_id: int) -> list[dict[str, Any]]:
    """Every decision on a coding, oldest first."""
    get_coding(project, coding_id)
    return project.query(
        "SELECT id, coding_id, status, reviewer, comment, created FROM reviews WHERE coding_id = ? ORDER BY created, id",
        (coding_id,),
    )


def review_status(project: Project, coding_ids: list[int] | None = None) -> dict[int, str]:
    """The latest decision per coding, 'pending' when it has none (all codings when `coding_ids` is None)."""
    sql = f"SELECT k.id, r.status FROM codings k LEFT JOIN reviews r ON r.coding_id = k.id AND {_LATEST}"
    if coding_ids is None:
        return {int(cid): status or "pending" for cid, status in project.conn.execute(sql)}
    result: dict[int, str] = {}
    ids = [int(i) for i in coding_ids]
    for i in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for cid, status in project.conn.execute(f"{sql} WHERE k.id IN ({marks})", chunk):
            result[int(cid)] = status or "pending"
    return result


def list_review_items(
    project: Project,
    code: str | None = None,
    status: str | None = None,
    coder: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    by_code: bool = False,
) -> list[dict[str, Any]]:
    """Coded quotes with their review state, in document order (or grouped by code in codebook order);
    filters by code key, status and coder."""
    return list(iter_review_items(project, code, status, coder, limit, offset, by_code))


def iter_review_items(
    project: Project,
    code: str | None = None,
    status: str | None = None,
    coder: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    by_code: bool = False,
) -> Iterator[dict[str, Any]]:
    """`list_review_items` read one by one from a cursor: a million codings never sit in memory together."""
    where: list[str] = []
    params: list[Any] = []
    if code:
        where.append("k.code_id = ?")
        params.append(resolve_code(project, code))
    if status:
        status = check_status(status)
        if status == "pending":
            where.append("r.id IS NULL")
        else:
            where.append("r.status = ?")
            params.append(status)
    if coder:
        where.append("k.coder = ?")
        params.append(coder.strip())
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    page = ""
    if limit is not None:
        page = " LIMIT ? OFFSET ?"
        params += [limit, offset]
    cur = project.conn.execute(
        'SELECT k.id, k.segment_id, d.name AS document, d.source_type, cs.name AS "case", k.start, k."end",'
        f" {CODING_TEXT_SQL} AS text, c.key AS code, c.label AS code_label, k.coder,"
        " k.contribution, k.claim, k.memo, k.created, coalesce(r.status, 'pending') AS status,"
        " r.reviewer, r.comment, r.created AS reviewed"
        " FROM codings k JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
        " LEFT JOIN segments s ON s.id = k.segment_id LEFT JOIN cases cs ON cs.id = s.case_id"
        f" LEFT JOIN reviews r ON r.coding_id = k.id AND {_LATEST}"
        f" {clause} ORDER BY {'c.position, c.id, ' if by_code else ''}k.document_id, k.start, k.id{page}",
        params,
    )
    names = [c[0] for c in cur.description]
    texts: dict[str, str] = {}  # a span beyond its segment: cut from its document (the last one read)
    for values in cur:
        row = dict(zip(names, values, strict=True))
        if row["text"] is None:
            if row["document"] not in texts:
                texts.clear()
                texts[row["document"]] = (
                    project.scalar("SELECT text FROM documents WHERE name = ?", (row["document"],)) or ""
                )
            row["text"] = texts[row["document"]][row["start"] : row["end"]]
        yield row


def list_coders(project: Project) -> list[dict[str, Any]]:
    """Every coder with what they did: codings, documents and segments coded, memos, review decisions given."""
    return project.query(
        "SELECT n.name AS coder, n.created,"
        " (SELECT count(*) FROM codings k WHERE k.coder = n.name) AS codings,"
        " (SELECT count(DISTINCT k.document_id) FROM codings k WHERE k.coder = n.name) AS documents,"
        " (SELECT count(DISTINCT k.segment_id) FROM codings k WHERE k.coder = n.name) AS segments,"
        " (SELECT count(*) FROM memos m WHERE m.coder = n.name) AS memos,"
        " (SELECT count(*) FROM reviews r WHERE r.reviewer = n.name) AS reviews_given,"
        " (SELECT max(k.created) FROM codings k WHERE k.coder = n.name) AS last_coded"
        " FROM coders n ORDER BY n.name"
    )
