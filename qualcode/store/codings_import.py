"""Codings from rows (a CSV): add new ones, and update or report as conflicts the ones already present."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from qualcode.core.display import unescape_cell
from qualcode.errors import DuplicateError, InputError, NotFoundError
from qualcode.store.claims import check_polarity, claim_for, coding_links, find_claim, set_links
from qualcode.store.codebook import resolve_code
from qualcode.store.codings import (
    CodingRequest,
    _insert,
    _int,
    check_contribution,
    get_coding,
    insert_coding,
    log_added_codings,
    resolve_span,
    segment_at,
    segment_spans,
)
from qualcode.store.documents import document_id
from qualcode.store.project import Project

SpanKey = tuple[int, int, int, int, str]
_LOG_BATCH = 1000  # added codings logged together (one read of the log's head, one write)


@dataclass(slots=True)
class Planned:
    """What the file says about one coding (its span, code and coder), gathered over its rows.
    None (or an empty mapping) means the file does not say: an empty cell never clears anything."""

    request: CodingRequest
    row: int  # the first row (header = row 1)
    rows: int = 0
    contribution: str | None = None
    memo: str | None = None
    polarity: str | None = None  # the coding's own polarity toward its code
    links: dict[str, str] = field(default_factory=dict)  # claim key or text -> polarity
    rivals: list[str] = field(default_factory=list)


# The columns a row is read by (`quote` aside, which `_span` reads as written); `text`, `id`, `created` are
# what `codings export` adds for people and are not read back.
_READ = (
    "code",
    "coder",
    "segment_id",
    "start",
    "end",
    "document",
    "contribution",
    "memo",
    "polarity",
    "claim",
    "rival",
)


def _clean(value: str | None) -> str:
    cell = value.strip() if value else ""
    return unescape_cell(cell) if cell[:1] == "'" else cell


def _span(
    project: Project,
    row: dict[str, str],
    doc_cache: dict[str, tuple[int, str]],
    known: dict[int, tuple[int, int, int]] | None = None,
) -> tuple[int, int | None, int, int]:
    if row.get(
        "segment_id", ""
    ):  # with start and end (as `codings export` writes them): that part of the segment
        start = _int(row.get("start", ""), "start") if row.get("start", "") else None
        end = _int(row.get("end", ""), "end") if row.get("end", "") else None
        return resolve_span(project, _int(row.get("segment_id", ""), "segment_id"), None, start, end, known)
    name = row.get("document", "")
    if not name:
        raise InputError("no segment_id and no document")
    if name not in doc_cache:
        doc_cache.clear()  # rows come by document (as exported): hold one document's text, not every one
        did = document_id(project, name)
        doc_cache[name] = (did, project.scalar("SELECT text FROM documents WHERE id = ?", (did,)))
    did, text = doc_cache[name]
    if row.get("start", "") or row.get("end", ""):
        start, end = _int(row.get("start", ""), "start"), _int(row.get("end", ""), "end")
        if not (0 <= start < end <= len(text)):  # as resolve_span checks, on the text read once per document
            raise InputError(f"span {start}-{end} is outside document '{name}' (length {len(text)})")
        return did, segment_at(project, did, start, end), start, end
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
    return did, segment_at(project, did, start, end), start, end


def _with_spans(
    project: Project, rows: Iterable[dict[str, str]]
) -> Iterator[tuple[int, dict[str, str], dict[int, tuple[int, int, int]]]]:
    """(row number, row, spans of the segments its batch names): the rows are read as they come (a file's
    rows need not sit in memory together), their segments looked up 500 rows at a time, not one a row."""
    it, n = iter(rows), 1
    while batch := list(islice(it, 500)):
        known = segment_spans(project, _segment_ids(batch))
        for raw in batch:
            n += 1
            yield n, raw, known


def _segment_ids(rows: list[dict[str, str]]) -> list[int]:
    out = []
    for raw in rows:
        try:
            out.append(int((raw.get("segment_id") or "").strip()))
        except ValueError:
            continue  # not a number: `_span` says so for that row
    return out


def _merge(plan: Planned, name: str, value: str | None, n: int) -> None:
    old = getattr(plan, name)
    if value is None or value == old:
        return
    if old is not None:
        raise InputError(f"rows {plan.row} and {n} give this coding different {name} ({old!r}, {value!r})")
    setattr(plan, name, value)


def _plan(
    project: Project, rows: Iterable[dict[str, str]], default_coder: str | None
) -> tuple[list[Planned], int]:
    """Group the rows by coding (one row per claim link); returns the plans and the rows that repeat an earlier
    row exactly. Every problem is collected, and reported together (the first three)."""
    problems: list[str] = []
    plans: dict[SpanKey, Planned] = {}
    seen_rows: set[tuple[Any, ...]] = set()
    repeats = 0
    doc_cache: dict[str, tuple[int, str]] = {}
    code_ids: dict[str, int] = {}
    for n, raw, known in _with_spans(project, rows):
        # each cell cleaned once; `quote` is read raw by `_span`, which needs the cell as written
        row = {k: _clean(raw[k]) for k in _READ if k in raw}
        row["quote"] = raw.get("quote") or ""
        try:
            code_key = row.get("code", "")
            if not code_key:
                raise InputError("empty code")
            if code_key not in code_ids:
                code_ids[code_key] = resolve_code(project, code_key)
            code_id = code_ids[code_key]
            coder = row.get("coder", "") or default_coder or project.coder
            doc_id, seg_id, start, end = _span(project, row, doc_cache, known)
            key: SpanKey = (doc_id, start, end, code_id, coder)
            claim, rival = row.get("claim", ""), row.get("rival", "")
            polarity = check_polarity(row.get("polarity", "")) if row.get("polarity", "") else None
            stated = (
                key,
                check_contribution(row.get("contribution", "")),
                row.get("memo", "") or None,
                polarity,
                claim,
                rival,
            )
            if stated in seen_rows:
                repeats += 1
                continue
            seen_rows.add(stated)
            plan = plans.setdefault(
                key, Planned(CodingRequest(doc_id, seg_id, start, end, code_id, coder), n)
            )
            plan.rows += 1
            _merge(plan, "contribution", stated[1], n)
            _merge(plan, "memo", stated[2], n)
            if claim:
                # A coding marked 'none' (no contribution) that names a claim speaks against it, unless told.
                link = polarity or (
                    "contradicts" if (stated[1] or plan.contribution) == "none" else "supports"
                )
                if claim in plan.links and plan.links[claim] != link:
                    raise InputError(
                        f"rows {plan.row} and {n} link this coding to '{claim}' with different polarity"
                    )
                plan.links[claim] = link
            if rival and rival not in plan.rivals:
                plan.rivals.append(rival)
            if not claim and not rival:
                _merge(plan, "polarity", polarity, n)
        except (InputError, NotFoundError) as exc:
            problems.append(f"row {n}: {exc}")
    if problems:
        more = f" (and {len(problems) - 3} more problems)" if len(problems) > 3 else ""
        raise InputError("; ".join(problems[:3]) + more)
    return list(plans.values()), repeats


def _rival_id(project: Project, key: str) -> int:
    row = project.scalar("SELECT id FROM rivals WHERE key = ?", (key,))
    if row is None:
        raise NotFoundError(f"no rival explanation '{key}' (add it to the outcome map's rivals first)")
    return int(row)


def _differences(project: Project, coding_id: int, plan: Planned) -> dict[str, dict[str, Any]]:
    """What the file says differently from the project, field by field: {field: {project, file}}."""
    row = project.conn.execute(
        "SELECT contribution, memo, polarity FROM codings WHERE id = ?", (coding_id,)
    ).fetchone()
    out: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(("contribution", "memo", "polarity")):
        wanted = getattr(plan, name)
        if wanted is not None and wanted != row[i]:
            out[name] = {"project": row[i], "file": wanted}
    links = dict(coding_links(project, coding_id))
    for claim, polarity in plan.links.items():
        found = find_claim(project, claim)
        key = project.scalar("SELECT key FROM claims WHERE id = ?", (found,)) if found is not None else None
        if key is None or links.get(key) != polarity:
            out[f"claim {claim}"] = {"project": links.get(key) if key else None, "file": polarity}
    rivals = {
        r[0]
        for r in project.conn.execute(
            "SELECT r.key FROM rival_evidence e JOIN rivals r ON r.id = e.rival_id WHERE e.coding_id = ?",
            (coding_id,),
        )
    }
    for rival in plan.rivals:
        _rival_id(project, rival)
        if rival not in rivals:
            out[f"rival {rival}"] = {"project": None, "file": "evidence"}
    return out


def _apply(project: Project, coding_id: int, plan: Planned) -> None:
    """Write what the file says onto a coding (inside the import's transaction)."""
    for name in ("contribution", "memo", "polarity"):
        value = getattr(plan, name)
        if value is not None:
            project.conn.execute(f"UPDATE codings SET {name} = ? WHERE id = ?", (value, coding_id))
    if plan.links:
        links = {
            project.scalar("SELECT id FROM claims WHERE key = ?", (k,)): p
            for k, p in coding_links(project, coding_id)
        }
        for claim, polarity in plan.links.items():
            links[claim_for(project, claim)] = polarity
        set_links(project, coding_id, list(links.items()))
    for rival in plan.rivals:
        project.conn.execute(
            "INSERT OR IGNORE INTO rival_evidence(coding_id, rival_id) VALUES (?, ?)",
            (coding_id, _rival_id(project, rival)),
        )


def import_codings(
    project: Project, rows: Iterable[dict[str, str]], default_coder: str | None = None, update: bool = False
) -> dict[str, Any]:
    """Validate every row first, then write all or nothing. Row numbers count the header as 1.

    A row locates its text by `segment_id`, or by `document` with `start` and `end`, or by `document` with a
    `quote` that occurs exactly once in that document. One row per claim link: `claim` (a key, or a text, which
    becomes a new claim if no claim says it) with its `polarity`; a row with no claim sets the coding's own
    `polarity`; `rival` (a rival's key) marks the coding as evidence for that rival explanation. A coding already
    in the project that the file describes differently is changed with `update`, otherwise reported in
    `conflicts` (row, coding id, what differs) and left as it is. Empty cells say nothing: they clear nothing.
    """
    rows = iter(rows)  # read once, row by row: a file's rows need not sit in memory together
    first = next(rows, None)
    if first is None:
        raise InputError("no codings in the file")
    columns = set(first)
    read = 0

    def counted() -> Iterator[dict[str, str]]:
        nonlocal read
        for row in chain([first], rows):
            read += 1
            yield row

    if "code" not in columns:
        raise InputError("codings file needs a 'code' column")
    if not (
        {"segment_id"} <= columns
        or {"document", "start", "end"} <= columns
        or {"document", "quote"} <= columns
    ):
        raise InputError(
            "codings file needs 'segment_id', or 'document' with 'start' and 'end', or 'document' with 'quote'"
        )
    added = updated = present = 0
    conflicts: list[dict[str, Any]] = []
    with project.transaction():
        plans, present = _plan(project, counted(), default_coder)
        for coder in sorted({plan.request.coder for plan in plans}):
            project.ensure_coder(coder)
        new_ids: list[int] = []  # added codings not yet logged: their entries are written together
        for plan in plans:
            req = plan.request
            try:
                existing = project.scalar(
                    'SELECT id FROM codings WHERE document_id=? AND start=? AND "end"=?'
                    " AND code_id=? AND coder=?",
                    (req.document_id, req.start, req.end, req.code_id, req.coder),
                )
                if existing is None and not (plan.links or plan.rivals):
                    req.contribution, req.memo = plan.contribution, plan.memo
                    req.polarity = plan.polarity or "supports"
                    new_ids.append(insert_coding(project, req))
                    added += 1
                    if len(new_ids) >= _LOG_BATCH:
                        log_added_codings(project, new_ids)
                        new_ids = []
                    continue
                log_added_codings(project, new_ids)  # the log keeps the order the codings were made in
                new_ids = []
                if existing is None:
                    req.contribution, req.memo = plan.contribution, plan.memo
                    req.polarity = plan.polarity or "supports"
                    links = Planned(req, plan.row, links=plan.links, rivals=plan.rivals)
                    _insert(project, req, functools.partial(_apply, project, plan=links))
                    added += 1
                    continue
                differs = _differences(project, existing, plan)
                if not differs:
                    present += plan.rows
                elif update:
                    before = get_coding(project, existing)
                    _apply(project, existing, plan)
                    project.log(
                        "coding.update",
                        "coding",
                        existing,
                        {"before": before, "after": get_coding(project, existing), "source": "import"},
                    )
                    updated += 1
                else:
                    conflicts.append({"row": plan.row, "coding_id": existing, "differs": differs})
            except (InputError, NotFoundError, DuplicateError) as exc:
                raise InputError(f"row {plan.row}: {exc}") from None
        log_added_codings(project, new_ids)
    return {
        "added": added,
        "updated": updated,
        "already_present": present,
        "conflicts": conflicts,
        "rows": read,
    }


def describe_conflict(conflict: dict[str, Any]) -> str:
    """'row 7 (coding 12): contribution improved -> necessary; claim c1: none -> contradicts'."""
    parts = [f"{name} {d['project'] or '(none)'} -> {d['file']}" for name, d in conflict["differs"].items()]
    return f"row {conflict['row']} (coding {conflict['coding_id']}): " + "; ".join(parts)
