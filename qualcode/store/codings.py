"""Codings: apply and remove codes on segments or spans, bulk import (all or nothing), export."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from qualcode.core.models import CONTRIBUTION_CATEGORIES
from qualcode.core.rows import CodingRow, CodingSnapshot, RemovedCoding
from qualcode.errors import DuplicateError, InputError, NotFoundError
from qualcode.store.codebook import resolve_code
from qualcode.store.documents import document_id
from qualcode.store.project import Project, now

_IDS_PER_QUERY = 500  # ids bound into one `IN (...)` (well under SQLite's limit)

CODING_COLUMNS = (
    "id",
    "segment_id",
    "document",
    "start",
    "end",
    "text",
    "code",
    "coder",
    "contribution",
    "polarity",
    "claim",
    "rival",
    "memo",
    "created",
)


# A coding's text read from its segment (short), never from the whole document: `substr(d.text, ...)` loads and
# walks the document's full text for every coding, so a 4-million-character survey made each coding cost
# milliseconds. Needs `LEFT JOIN segments s ON s.id = k.segment_id`; NULL when the span leaves its segment,
# which `fill_coding_texts` then cuts from the document text, read once per document.
CODING_TEXT_SQL = (
    'CASE WHEN s.id IS NOT NULL AND k.start >= s.start AND k."end" <= s."end"'
    ' THEN substr(s.text, k.start - s.start + 1, k."end" - k.start) END'
)


def fill_coding_texts(
    project: Project, rows: list[dict[str, Any]], key: str = "text"
) -> list[dict[str, Any]]:
    """Give rows whose `key` is None (a span beyond its segment) their text from the document named in
    `document`, each document's text read once."""
    texts: dict[str, str] = {}
    for row in rows:
        if row[key] is None:
            name = row["document"]
            if name not in texts:
                texts[name] = project.scalar("SELECT text FROM documents WHERE name = ?", (name,)) or ""
            row[key] = texts[name][row["start"] : row["end"]]
    return rows


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
    polarity: str = "supports"


def check_contribution(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip().lower()
    if value not in CONTRIBUTION_CATEGORIES:
        raise InputError(f"contribution must be one of {', '.join(CONTRIBUTION_CATEGORIES)} (got {value!r})")
    return value


def _segment_span(
    project: Project, segment_id: int, known: dict[int, tuple[int, int, int]] | None = None
) -> tuple[int, int, int]:
    if known is not None and segment_id in known:
        return known[segment_id]
    row = project.conn.execute(
        'SELECT document_id, start, "end" FROM segments WHERE id = ?', (segment_id,)
    ).fetchone()
    if not row:
        raise NotFoundError(f"no segment with id {segment_id}")
    return int(row[0]), int(row[1]), int(row[2])


def segment_spans(project: Project, segment_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
    """segment id -> (document id, start, end) for those of `segment_ids` that exist, 500 per query."""
    ids = sorted(set(segment_ids))
    out: dict[int, tuple[int, int, int]] = {}
    for i in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[i : i + _IDS_PER_QUERY]
        for sid, doc_id, start, end in project.conn.execute(
            f'SELECT id, document_id, start, "end" FROM segments WHERE id IN ({", ".join("?" * len(chunk))})',
            chunk,
        ):
            out[sid] = (doc_id, start, end)
    return out


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
    project: Project,
    segment_id: int | None,
    document: str | None,
    start: int | None,
    end: int | None,
    known: dict[int, tuple[int, int, int]] | None = None,
) -> tuple[int, int | None, int, int]:
    """(document id, segment id, start, end) for a coding on a segment, a sub-span of one, or a document span;
    `known` holds segment spans already read (`segment_spans`)."""
    if segment_id is not None:
        doc_id, s_start, s_end = _segment_span(project, segment_id, known)
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


def insert_coding(project: Project, req: CodingRequest) -> int:
    """Insert one coding, not logged: the caller logs it (`_insert` at once, a bulk import with the rest).
    The coder must already be in `coders`."""
    try:
        # polarity is named only when it is not the column's default, so older tools' schemas still take codings
        own = ", polarity" if req.polarity != "supports" else ""
        cur = project.conn.execute(
            'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created, contribution, claim,'
            f" memo, provenance{own}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{', ?' if own else ''})",
            (
                req.document_id,
                req.segment_id,
                req.start,
                req.end,
                req.code_id,
                req.coder,
                now(),
                req.contribution,
                req.claim,
                req.memo,
                json.dumps(req.provenance, ensure_ascii=False, sort_keys=True) if req.provenance else None,
                *([req.polarity] if own else []),
            ),
        )
    except sqlite3.IntegrityError as exc:
        if not is_duplicate_coding(exc):
            raise
        raise DuplicateError("that span already has this code from this coder") from None
    return int(cur.lastrowid or 0)


def log_added_codings(project: Project, coding_ids: list[int]) -> None:
    """The change-log entry of each new coding, as `_insert` writes it, for many codings at once."""
    project.log_many(
        ("code", "coding", row["id"], {"after": row}) for row in get_codings(project, coding_ids)
    )


def _insert(project: Project, req: CodingRequest, then: Callable[[int], object] | None = None) -> int:
    """Insert and log one coding; `then(coding_id)` runs before the log entry (e.g. to link it to claims), so the
    entry shows the coding whole."""
    project.ensure_coder(req.coder)
    coding_id = insert_coding(project, req)
    if then is not None:
        then(coding_id)
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
    polarity: str | None = None,
    claim_polarity: str | None = None,
    update_existing: bool = False,
) -> int:
    """Apply a code to a segment (or a span); one transaction, logged. Returns the coding id.

    `claim` (a claim's key or text; a new text becomes a claim) links the coding to it as evidence with
    `claim_polarity` (default supports); `polarity` is the coding's own polarity toward its code. With
    `update_existing`, a span this coder already coded with this code is updated instead of refused.
    `provenance` records how the coding came about (e.g. an accepted suggestion's method and score).
    """
    from qualcode.store.claims import check_polarity, claim_for, set_links

    with project.transaction():
        doc_id, seg_id, start, end = resolve_span(project, segment_id, document, start, end)
        req = CodingRequest(
            doc_id,
            seg_id,
            start,
            end,
            resolve_code(project, code),
            (coder or project.coder).strip(),
            check_contribution(contribution),
            None,
            (memo or "").strip() or None,
            provenance,
            check_polarity(polarity),
        )
        existing = project.scalar(
            'SELECT id FROM codings WHERE document_id=? AND start=? AND "end"=? AND code_id=? AND coder=?',
            (doc_id, start, end, req.code_id, req.coder),
        )
        if existing is not None and update_existing:
            update_coding(
                project,
                int(existing),
                contribution=contribution,
                memo=memo,
                polarity=polarity,
                claim=claim,
                claim_polarity=claim_polarity,
            )
            return int(existing)
        if not (claim and claim.strip()):
            return _insert(project, req)
        default = (
            "contradicts" if req.contribution == "none" else "supports"
        )  # 'none' speaks against the claim
        link = (claim_for(project, claim), check_polarity(claim_polarity, default))
        return _insert(project, req, lambda cid: bool(set_links(project, cid, [link])))


def get_coding(project: Project, coding_id: int) -> CodingRow:
    rows = get_codings(project, [coding_id])
    if not rows:
        raise NotFoundError(f"no coding with id {coding_id}")
    return rows[0]


def get_codings(project: Project, coding_ids: list[int]) -> list[CodingRow]:
    """Codings as `get_coding` shows each, in the order of `coding_ids` (missing ones left out), a few
    queries per 500 codings rather than two per coding (what a bulk import logs)."""
    # `k.*` repeats some names with the same values; a plain cursor (not sqlite-utils' renaming of repeated
    # names) keeps this cheap, as every coding written logs it
    found: dict[int, dict[str, Any]] = {}
    claims: dict[int, list[dict[str, str]]] = {}
    has_claims = True
    for i in range(0, len(coding_ids), _IDS_PER_QUERY):
        chunk = coding_ids[i : i + _IDS_PER_QUERY]
        marks = ", ".join("?" * len(chunk))
        cur = project.conn.execute(
            f'SELECT k.*, k.id, k.segment_id, d.name AS document, k.start, k."end", {CODING_TEXT_SQL} AS text,'
            " c.key AS code, k.coder, k.contribution, k.claim, k.memo, k.created"
            " FROM codings k JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
            f" LEFT JOIN segments s ON s.id = k.segment_id WHERE k.id IN ({marks})",
            chunk,
        )
        keys = [d[0] for d in cur.description]
        for full in fill_coding_texts(project, [dict(zip(keys, r, strict=True)) for r in cur.fetchall()]):
            found[full["id"]] = full
        if not has_claims:
            continue
        try:
            for coding_id, key, polarity in project.conn.execute(
                "SELECT e.coding_id, c.key, e.polarity FROM claim_evidence e JOIN claims c ON c.id = e.claim_id"
                f" WHERE e.coding_id IN ({marks}) ORDER BY e.coding_id, c.key",
                chunk,
            ):
                claims.setdefault(coding_id, []).append({"claim": key, "polarity": polarity})
        except sqlite3.OperationalError:  # a project still on an older schema has no claims yet
            if project.scalar("SELECT 1 FROM sqlite_master WHERE name = 'claim_evidence'"):
                raise
            has_claims = False
    out = []
    for coding_id in coding_ids:
        hit = found.get(coding_id)
        if hit is None:
            continue
        row: dict[str, Any] = {
            k: hit[k]
            for k in ("id", "segment_id", "document", "start", "end", "text", "code", "coder", "contribution")
        }
        # A project still on an older schema (being upgraded) has no polarity or claim links yet.
        row["polarity"] = hit.get("polarity", "supports")
        row.update({k: hit[k] for k in ("claim", "memo", "created")})
        row["claims"] = claims.get(coding_id, [])
        out.append(cast(CodingRow, row))
    return out


def coding_snapshot(project: Project, coding_id: int) -> CodingSnapshot:
    """Everything that goes when a coding is removed: its row, its review decisions and its REFI GUIDs."""
    rows = project.query("SELECT * FROM codings WHERE id = ?", (coding_id,))
    if not rows:
        raise NotFoundError(f"no coding with id {coding_id}")
    return {
        "row": rows[0],
        "reviews": project.query("SELECT * FROM reviews WHERE coding_id = ? ORDER BY id", (coding_id,)),
        "guids": project.query(
            "SELECT kind, local, guid FROM refi_guids WHERE kind IN ('coding', 'selection') AND local = ?",
            (str(coding_id),),
        ),
        "claim_evidence": project.query("SELECT * FROM claim_evidence WHERE coding_id = ?", (coding_id,)),
        "rival_evidence": project.query("SELECT * FROM rival_evidence WHERE coding_id = ?", (coding_id,)),
    }


def remove_coding(project: Project, coding_id: int) -> RemovedCoding:
    """Delete a coding (its memo, reviews and GUIDs go with it); returns what `restore_coding` needs to bring
    it back exactly, under the key `snapshot`, beside the coding as `get_coding` shows it."""
    with project.transaction():
        before = get_coding(project, coding_id)
        snapshot = coding_snapshot(project, coding_id)
        project.conn.execute("DELETE FROM codings WHERE id = ?", (coding_id,))
        project.log("uncode", "coding", coding_id, {"before": before, "reviews": len(snapshot["reviews"])})
    return cast(RemovedCoding, {**before, "snapshot": snapshot})


def _insert_row(project: Project, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(f'"{c}"' for c in row)
    project.conn.execute(
        f"INSERT INTO {table}({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
    )


def restore_coding(project: Project, snapshot: CodingSnapshot) -> int:
    """Put a removed coding back as it was: same id, created time, provenance, memo, reviews and GUIDs."""
    row = snapshot["row"]
    with project.transaction():
        if project.scalar("SELECT 1 FROM codings WHERE id = ?", (row["id"],)):
            raise DuplicateError(f"coding {row['id']} is already there")
        clash = project.scalar(
            'SELECT id FROM codings WHERE document_id = ? AND start = ? AND "end" = ? AND code_id = ?'
            " AND coder = ?",
            (row["document_id"], row["start"], row["end"], row["code_id"], row["coder"]),
        )
        if clash is not None:
            raise DuplicateError("that span already has this code from this coder")
        project.ensure_coder(row["coder"])
        _insert_row(project, "codings", row)
        for review in snapshot["reviews"]:
            project.ensure_coder(review["reviewer"])
            _insert_row(project, "reviews", review)
        for guid in snapshot["guids"]:
            _insert_row(project, "refi_guids", guid)
        for table in ("claim_evidence", "rival_evidence"):  # links whose claim or rival still exists
            for link in snapshot[table]:  # type: ignore[literal-required]
                target = "claims" if table == "claim_evidence" else "rivals"
                other = link["claim_id"] if table == "claim_evidence" else link["rival_id"]
                if project.scalar(f"SELECT 1 FROM {target} WHERE id = ?", (other,)):
                    _insert_row(project, table, link)
        project.log(
            "code.restore",
            "coding",
            row["id"],
            {"after": get_coding(project, row["id"]), "reviews": len(snapshot["reviews"])},
        )
    return int(row["id"])


def remove_segment_code(project: Project, segment_id: int, code: str, coder: str | None = None) -> list[int]:
    """Remove a code from a segment (every span in it) for one coder; an error if there was none."""
    with project.transaction():
        _segment_span(project, segment_id)
        code_id = resolve_code(project, code)
        coder = (coder or project.coder).strip()
        ids = [
            r[0]
            for r in project.conn.execute(
                "SELECT id FROM codings WHERE segment_id = ? AND code_id = ? AND coder = ?",
                (segment_id, code_id, coder),
            )
        ]
        if not ids:
            raise NotFoundError(f"segment {segment_id} has no coding '{code}' by {coder}")
        for cid in ids:
            remove_coding(project, cid)
    return ids


def update_coding(project: Project, coding_id: int, **fields: str | None) -> CodingRow:
    """Change contribution, claim, memo or polarity of a coding (None leaves a field as it is, '' clears it).

    `claim` makes the coding evidence for that one claim (a key or a text; '' removes every claim link), with
    `claim_polarity` (default supports); `polarity` is the coding's own polarity toward its code."""
    from qualcode.store.claims import check_polarity, claim_for, set_links

    allowed = {"contribution", "claim", "memo", "polarity", "claim_polarity"}
    unknown = set(fields) - allowed
    if unknown:
        raise InputError(f"cannot change {', '.join(sorted(unknown))} of a coding")
    link_polarity = fields.pop("claim_polarity", None)
    with project.transaction():
        before = get_coding(project, coding_id)
        changes: dict[str, str | None] = {}
        for name, value in fields.items():
            if value is None or name == "claim":
                continue
            if name == "contribution":
                changes[name] = check_contribution(value)
            elif name == "polarity":
                changes[name] = check_polarity(value)
            else:
                changes[name] = value.strip() or None
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            project.conn.execute(f"UPDATE codings SET {sets} WHERE id = ?", (*changes.values(), coding_id))
        claim = fields.get("claim")
        if claim is not None:
            links = [(claim_for(project, claim), check_polarity(link_polarity))] if claim.strip() else []
            set_links(project, coding_id, links)
        after = get_coding(project, coding_id)
        old, new = dict(before), dict(after)
        changed = [k for k in new if new[k] != old[k]]
        if changed:
            project.log(
                "coding.update",
                "coding",
                coding_id,
                {"before": {k: old[k] for k in changed}, "after": {k: new[k] for k in changed}},
            )
        return after


def _int(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        raise InputError(f"{what} must be a whole number (got {value!r})") from None


def import_codings(
    project: Project, rows: Iterable[dict[str, str]], default_coder: str | None = None, update: bool = False
) -> dict[str, Any]:
    """See qualcode.store.codings_import.import_codings (kept here for callers of the old place)."""
    from qualcode.store.codings_import import import_codings as run  # deferred: it builds on this module

    return run(project, rows, default_coder, update)


# A coding's review status: its latest decision by time, 'pending' when it has none.
REVIEW_STATUS_SQL = (
    "coalesce((SELECT r.status FROM reviews r WHERE r.coding_id = k.id"
    " ORDER BY r.created DESC, r.id DESC LIMIT 1), 'pending')"
)


def export_codings(
    project: Project, coder: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Every coding as `iter_export_codings` gives them, in a list."""
    return list(iter_export_codings(project, coder, status))


def iter_export_codings(
    project: Project, coder: str | None = None, status: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every coding, optionally only one coder's and only those whose review status is `status`, read one by
    one (a million codings never sit in memory together).

    As the import reads them: a coding linked to claims or rivals gives one row per link (`claim` with that
    link's polarity (the claim's text, which the import
    finds the claim by), or `rival`); its own row (no claim, its own polarity) comes first when it has no links or
    its own polarity is not 'supports'."""
    conditions, params = [], []
    if coder:
        conditions.append("k.coder = ?")
        params.append(coder)
    if status:
        conditions.append(f"{REVIEW_STATUS_SQL} = ?")
        params.append(status)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    links: dict[int, list[tuple[str, str, str]]] = {}
    for cid, key, polarity in project.conn.execute(
        "SELECT e.coding_id, c.text, e.polarity FROM claim_evidence e JOIN claims c ON c.id = e.claim_id"
        " ORDER BY e.coding_id, c.key"
    ):
        links.setdefault(cid, []).append(("claim", key, polarity))
    for cid, key in project.conn.execute(
        "SELECT e.coding_id, r.key FROM rival_evidence e JOIN rivals r ON r.id = e.rival_id ORDER BY 1, 2"
    ):
        links.setdefault(cid, []).append(("rival", key, ""))
    cur = project.conn.execute(
        'SELECT k.id, k.segment_id, d.name AS document, k.start, k."end",'
        f" {CODING_TEXT_SQL} AS text, c.key AS code, k.coder, k.contribution,"
        " k.polarity, k.claim, k.memo, k.created FROM codings k JOIN documents d ON d.id = k.document_id"
        " JOIN codes c ON c.id = k.code_id LEFT JOIN segments s ON s.id = k.segment_id"
        f" {where} ORDER BY k.document_id, k.start, k.id",
        params,
    )
    names = [c[0] for c in cur.description]
    document: tuple[str, str] | None = None  # rows come by document: keep only the current one's text
    for values in cur:
        row = dict(zip(names, values, strict=True))
        if row["text"] is None:
            if document is None or document[0] != row["document"]:
                text = project.scalar("SELECT text FROM documents WHERE name = ?", (row["document"],))
                document = (row["document"], text or "")
            row["text"] = document[1][row["start"] : row["end"]]
        mine = links.get(row["id"], [])
        row["claim"], row["rival"] = None, None
        if not mine or row["polarity"] != "supports":
            yield dict(row)
        for kind, key, polarity in mine:
            yield {**row, kind: key, "polarity": polarity or row["polarity"] if kind == "claim" else None}
