"""Store a RefiProject read from a .qdpx or .qdc: users, codes, documents, cases, codings and memos, all or nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import PurePosixPath
from typing import Any

from qualcode.core.codebook import COLOUR_RE, KEY_RE, validate_codebook
from qualcode.core.models import (
    CONTRIBUTION_CATEGORIES,
    SOURCE_TYPES,
    Code,
    Codebook,
    ParsedDocument,
    ParsedSegment,
)
from qualcode.core.refi import (
    RefiProject,
    RefiSource,
    code_fields,
    coding_fields,
    slug,
    split_trailer,
    trailer_dict,
)
from qualcode.core.turns import parse_turns, split_paragraphs
from qualcode.errors import InputError
from qualcode.store.codebook import load_codebook, save_codebook
from qualcode.store.codings import is_duplicate_coding, segment_at
from qualcode.store.documents import add_documents, upsert_case
from qualcode.store.project import Project, now
from qualcode.store.refi import remember_guid

_REVIEW_STATUSES = ("accepted", "queried", "rejected")


def _mapped(project: Project, kind: str) -> dict[str, str]:
    """GUID -> local id for objects of `kind` imported earlier."""
    return {
        g: loc
        for loc, g in project.conn.execute("SELECT local, guid FROM refi_guids WHERE kind = ?", (kind,))
    }


def _unique(name: str, taken: set[str], pattern: str = "{name} ({n})") -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = pattern.format(name=name, n=n), n + 1
    taken.add(candidate)
    return candidate


def _case_names(refi: RefiProject) -> dict[str, str]:
    taken: set[str] = set()
    return {c.guid: _unique(c.name or f"case-{c.guid[:8]}", taken) for c in refi.cases}


def import_codes(project: Project, refi: RefiProject) -> tuple[dict[str, int], dict[str, int]]:
    """Add or update the codes; returns (code GUID -> code id, counts). Keys come from a qualcode-written
    description, else from a GUID seen before, else from the name (children as 'parent.child')."""
    existing = {c.key: c for c in load_codebook(project).codes}
    ids = dict(project.conn.execute("SELECT key, id FROM codes"))
    keys_by_id = {v: k for k, v in ids.items()}
    by_guid = {g: keys_by_id.get(int(loc)) for g, loc in _mapped(project, "code").items()}
    claimed = {k for k in by_guid.values() if k}
    taken: set[str] = set()
    key_of: dict[str, str] = {}
    codes: list[Code] = []
    for rc in refi.codes:
        fields = code_fields(rc.description)
        parent = key_of.get(rc.parent) if rc.parent else None
        key = by_guid.get(rc.guid)
        if key is None and isinstance(fields.get("key"), str) and KEY_RE.match(fields["key"]):
            key = fields["key"]
        if key is None:
            base = slug(rc.name)
            key = f"{parent}.{base}" if parent else base
            # A derived key that names another tool's code already here is a different code: keep both.
            while key in taken or key in claimed:
                key = _unique(key, taken | claimed, "{name}-{n}")
        if key in taken:
            raise InputError(f"two codes in the file both have the key '{key}'")
        taken.add(key)
        key_of[rc.guid] = key
        old = existing.get(key)
        code = Code(
            key=key,
            label=rc.name or key,
            parent=parent,
            definition=fields.get("definition", ""),
            include=fields.get("include", ""),
            exclude=fields.get("exclude", ""),
            examples=fields.get("examples", []),
            atypical_examples=fields.get("atypical_examples", []),
            keywords=fields.get("keywords", []),
            colour=rc.color if COLOUR_RE.match(rc.color or "") else "",
        )
        if old is not None and "key" not in fields:  # another tool's code: what it lacks does not erase ours
            for name in (
                "definition",
                "include",
                "exclude",
                "examples",
                "atypical_examples",
                "keywords",
                "colour",
            ):
                if not getattr(code, name):
                    setattr(code, name, getattr(old, name))
        codes.append(code)
    problems = validate_codebook(Codebook(codes), frozenset(existing))
    if problems:
        raise InputError("codebook: " + "; ".join(problems[:3]))
    counts = save_codebook(project, Codebook(codes)) if codes else {"added": 0, "updated": 0, "unchanged": 0}
    ids = dict(project.conn.execute("SELECT key, id FROM codes"))
    out = {}
    for rc in refi.codes:
        out[rc.guid] = ids[key_of[rc.guid]]
        remember_guid(project, "code", ids[key_of[rc.guid]], rc.guid)
        # isCodable as the file says, so that an export writes it back unchanged
        project.conn.execute("UPDATE codes SET codable = ? WHERE id = ?", (int(rc.codable), out[rc.guid]))
    return out, counts


def import_refi_codebook(project: Project, refi: RefiProject, source: str) -> dict[str, Any]:
    with project.transaction():
        _, counts = import_codes(project, refi)
        project.log("refi.codebook", "project", None, {"file": source, "origin": refi.origin, **counts})
    return {**counts, "found": refi.found, "skipped": refi.skipped, "warnings": list(refi.warnings)}


def _segments(source: RefiSource, trailer: dict[str, str], warnings: list[str]) -> list[ParsedSegment] | None:
    """qualcode's own segments (speakers, cases, survey questions) when its export carried them."""
    if "segments" not in trailer:
        return None
    try:
        rows = json.loads(trailer["segments"])
        segments = [ParsedSegment(int(s), int(e), sp, case, q) for s, e, sp, case, q in rows]
    except (ValueError, TypeError):
        warnings.append(
            f"{source.name}: its qualcode segments could not be read; split into paragraphs instead"
        )
        return None
    if any(not 0 <= s.start < s.end <= len(source.text) for s in segments):
        warnings.append(
            f"{source.name}: its qualcode segments do not fit the text; split into paragraphs instead"
        )
        return None
    return segments


def source_name(source: RefiSource) -> str:
    """The source's name, else its file's name (plainTextPath or richTextPath), else one made from its GUID."""
    if source.name:
        return source.name
    stem = PurePosixPath(source.path.split("://", 1)[-1].replace("\\", "/")).stem if source.path else ""
    return stem.strip() or f"source-{source.guid[:8]}"


def _documents(
    project: Project,
    refi: RefiProject,
    warnings: list[str],
    detect_speakers: bool = False,
) -> tuple[list[ParsedDocument], list[dict[str, str]]]:
    """Foreign sources are split into paragraphs: their text is whatever the other tool held (titles, notes,
    web pages), so speakers are looked for only when asked (`detect_speakers`)."""
    variables = {v.guid: v.name or v.guid for v in refi.variables}
    case_names = _case_names(refi)
    attrs = {case_names[c.guid]: {variables.get(k, k): v for k, v in c.values.items()} for c in refi.cases}
    by_source: dict[str, list[str]] = {}
    for c in refi.cases:
        for source_guid in c.sources:
            by_source.setdefault(source_guid, []).append(c.guid)
    selection_at = {sel.guid: (s.guid, sel.start, sel.end) for s in refi.sources for sel in s.selections}
    taken = {r[0] for r in project.conn.execute("SELECT name FROM documents")}
    docs, metas = [], []
    for s in refi.sources:
        body, fields = split_trailer(s.description)
        trailer = trailer_dict(fields)
        segments = _segments(s, trailer, warnings)
        own = segments is not None
        roles: dict[str, str] = {}
        if segments is None:
            if detect_speakers:
                turns = parse_turns(s.text)
                segments, roles = turns.segments, turns.roles
            else:
                segments = split_paragraphs(s.text)
            holders = by_source.get(s.guid, [])
            if len(holders) > 1:
                warnings.append(
                    f"{s.name}: {len(holders)} cases share this source; its segments belong to none"
                )
            for seg in segments:
                seg.case = case_names[holders[0]] if len(holders) == 1 else None
            for c in refi.cases:
                for sel_guid in c.selections:
                    src, start, end = selection_at.get(sel_guid, ("", 0, 0))
                    for seg in segments if src == s.guid else []:
                        if seg.start < end and start < seg.end:
                            seg.case = case_names[c.guid]
        name = source_name(s)
        if name in taken:
            new = _unique(name, taken)
            warnings.append(f"{name}: a document of that name exists; imported as '{new}'")
            name = new
        taken.add(name)
        declared_type = trailer.get("source_type")
        source_type = declared_type if declared_type in SOURCE_TYPES else "document"
        cases = {seg.case: attrs.get(seg.case, {}) for seg in segments if seg.case}
        docs.append(
            ParsedDocument(
                name,
                source_type,
                s.text,
                segments,
                trailer.get("original_name") or s.name or name,
                trailer.get("sha256") or s.raw_sha256,
                cases,
                roles=roles,
            )
        )
        metas.append(
            {"own": "1" if own else "", "imported": s.created or "", "by": s.user or "", "notes": body}
        )
    return docs, metas


def import_refi(
    project: Project,
    refi: RefiProject,
    source: str,
    allow_duplicate: bool = False,
    detect_speakers: bool = False,
) -> dict[str, Any]:
    """Import everything in one transaction: any error leaves the project as it was. Only the file's users
    become coders (the person importing is added only if something in the file has no user)."""
    warnings = list(refi.warnings)
    with project.transaction():
        users = {}
        for u in refi.users:
            users[u.guid] = project.ensure_coder(u.name or f"user-{u.guid[:8]}")
            remember_guid(project, "user", users[u.guid], u.guid)

        def coder(guid: str | None) -> str:
            if guid is None:
                return project.ensure_coder()
            if guid not in users:
                users[guid] = project.ensure_coder(f"user-{guid[:8]}")
            return users[guid]

        code_ids, code_counts = import_codes(project, refi)
        book = trailer_dict(split_trailer(refi.description)[1]).get("codebook_name")
        if book and not project.meta("codebook_name"):
            project.conn.execute("INSERT INTO meta(key, value) VALUES ('codebook_name', ?)", (book,))
        for v in refi.variables:
            remember_guid(project, "variable", v.name, v.guid)
        docs, metas = _documents(project, refi, warnings, detect_speakers)
        results = (
            add_documents(
                project, docs, allow_duplicate=allow_duplicate, same_text_in_batch=True, add_importer=False
            )
            if docs
            else []
        )
        doc_ids = {}
        for s, doc, meta in zip(refi.sources, docs, metas, strict=True):
            doc_id = int(project.scalar("SELECT id FROM documents WHERE name = ?", (doc.name,)))
            doc_ids[s.guid] = doc_id
            remember_guid(project, "document", doc_id, s.guid)
            if meta["own"] and meta["imported"]:  # qualcode's own export: keep when and by whom it came in
                project.conn.execute(
                    "UPDATE documents SET imported = ?, imported_by = ? WHERE id = ?",
                    (meta["imported"], coder(meta["by"] or None), doc_id),
                )
            elif s.user in users:  # another tool's source: the user who brought it in there
                project.conn.execute(
                    "UPDATE documents SET imported_by = ? WHERE id = ?", (users[s.user], doc_id)
                )
        case_ids = _cases(project, refi)
        codings, duplicates = _codings(project, refi, doc_ids, code_ids, coder, warnings)
        memos = _memos(project, refi, doc_ids, case_ids, code_ids, codings, coder, warnings)
        report = {
            "file": source,
            "origin": refi.origin,
            "documents": len(results),
            "codes_added": code_counts["added"],
            "codes_updated": code_counts["updated"],
            "codings": len(codings) - duplicates,
            "duplicate_codings": duplicates,
            "memos": memos,
            "cases": len(case_ids),
            "coders": len(set(users.values())),
            "found": dict(refi.found),
            "skipped": dict(refi.skipped),
        }
        project.log("refi.import", "project", None, report)
    return {**report, "warnings": warnings, "imported": results}


def _cases(project: Project, refi: RefiProject) -> dict[str, int]:
    variables = {v.guid: v.name or v.guid for v in refi.variables}
    cache: dict[str, int] = {}
    out = {}
    names = _case_names(refi)
    for c in refi.cases:
        out[c.guid] = upsert_case(
            project, names[c.guid], {variables.get(k, k): v for k, v in c.values.items()}, cache
        )
        remember_guid(project, "case", out[c.guid], c.guid)
    return out


def _codings(
    project: Project,
    refi: RefiProject,
    doc_ids: dict[str, int],
    code_ids: dict[str, int],
    coder: Any,
    warnings: list[str],
) -> tuple[dict[str, int], int]:
    """Insert every coding at its exact span; its segment is the one holding its start. Returns GUID -> id."""
    out: dict[str, int] = {}
    duplicates = 0
    bad_contribution = 0
    for s in refi.sources:
        doc_id = doc_ids[s.guid]
        for sel in s.selections:
            fields = coding_fields(sel.description)
            contribution = fields["contribution"]
            if contribution and contribution not in CONTRIBUTION_CATEGORIES:
                contribution, bad_contribution = None, bad_contribution + 1
            for n, rc in enumerate(sel.codings):
                who = coder(rc.user or sel.user)
                created = rc.created or sel.created or now()
                try:
                    cur = project.conn.execute(
                        'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created,'
                        " contribution, claim, memo, provenance) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            doc_id,
                            segment_at(project, doc_id, sel.start, sel.end),
                            sel.start,
                            sel.end,
                            code_ids[rc.code],
                            who,
                            created,
                            contribution,
                            fields["claim"],
                            fields["memo"],
                            fields["provenance"],
                        ),
                    )
                except sqlite3.IntegrityError as exc:
                    if not is_duplicate_coding(exc):
                        raise
                    duplicates += 1
                    continue
                coding_id = int(cur.lastrowid or 0)
                out[rc.guid] = coding_id
                remember_guid(project, "coding", coding_id, rc.guid)
                if n == 0:
                    remember_guid(project, "selection", coding_id, sel.guid)
                for review in fields["reviews"]:
                    if review.get("status") in _REVIEW_STATUSES and review.get("reviewer"):
                        project.conn.execute(
                            "INSERT INTO reviews(coding_id, status, reviewer, comment, created) VALUES (?,?,?,?,?)",
                            (
                                coding_id,
                                review["status"],
                                project.ensure_coder(str(review["reviewer"])),
                                review.get("comment"),
                                review.get("created") or now(),
                            ),
                        )
                project.log(
                    "refi.import",
                    "coding",
                    coding_id,
                    {
                        "after": {
                            "document": s.name,
                            "start": sel.start,
                            "end": sel.end,
                            "code_guid": rc.code,
                            "coder": who,
                        }
                    },
                )
    if duplicates:
        warnings.append(
            f"{duplicates} coding(s) repeat another by the same coder on the same span; kept once"
        )
    if bad_contribution:
        warnings.append(f"{bad_contribution} unknown contribution categories dropped")
    return out, duplicates


def _memos(
    project: Project,
    refi: RefiProject,
    doc_ids: dict[str, int],
    case_ids: dict[str, int],
    code_ids: dict[str, int],
    codings: dict[str, int],
    coder: Any,
    warnings: list[str],
) -> int:
    """Notes become memos on what they are attached to (first attachment wins); the rest are project memos."""
    targets: dict[str, list[tuple[str, int | None]]] = {}
    for guid in refi.note_refs:
        targets.setdefault(guid, []).append(("project", None))
    for c in refi.codes:
        for guid in c.note_refs:
            targets.setdefault(guid, []).append(("code", code_ids[c.guid]))
    for s in refi.sources:
        for sel in s.selections:
            for rc in sel.codings:
                for guid in rc.note_refs:
                    if rc.guid in codings:
                        targets.setdefault(guid, []).append(("coding", codings[rc.guid]))
            for guid in sel.note_refs:
                targets.setdefault(guid, []).append(
                    ("segment", segment_at(project, doc_ids[s.guid], sel.start, sel.end))
                )
        for guid in s.note_refs:
            targets.setdefault(guid, []).append(("document", doc_ids[s.guid]))
    documents = _mapped(project, "document")
    cases = {**{g: str(i) for g, i in case_ids.items()}, **_mapped(project, "case")}
    count = 0
    for note in refi.notes:
        trailer = trailer_dict(split_trailer(note.description)[1])
        kind, target = "project", None
        found = [t for t in targets.get(note.guid, []) if t[0] == "project" or t[1] is not None]
        if trailer.get("case") in cases:
            kind, target = "case", int(cases[trailer["case"]])
        elif "#" in trailer.get("segment", ""):
            doc_guid, _, span = trailer["segment"].partition("#")
            start = span.split("-")[0]
            if doc_guid in documents and start.isdigit():
                seg = project.scalar(
                    "SELECT id FROM segments WHERE document_id = ? AND start = ?",
                    (int(documents[doc_guid]), int(start)),
                )
                kind, target = ("segment", seg) if seg is not None else ("document", int(documents[doc_guid]))
        elif found:
            kind, target = found[0]
            if len(found) > 1:
                warnings.append(
                    f"note {note.name!r} is attached to {len(found)} things; kept on the first ({kind})"
                )
        if kind == "coding":
            # A note on a coding becomes that coding's own memo (the one place a coding's memo lives).
            old_memo = project.scalar("SELECT memo FROM codings WHERE id = ?", (target,))
            text = note.text if not note.name or note.name == note.text else f"{note.name}: {note.text}"
            project.conn.execute(
                "UPDATE codings SET memo = ? WHERE id = ?",
                (f"{old_memo}\n\n{text}" if old_memo else text, target),
            )
            project.log(
                "coding.update",
                "coding",
                target,
                {"before": {"memo": old_memo}, "after": {"memo": text}, "note": note.guid},
            )
            count += 1
            continue
        created = note.created or now()
        cur = project.conn.execute(
            "INSERT INTO memos(target_kind, target_id, coder, created, updated, title, text) VALUES (?,?,?,?,?,?,?)",
            (kind, target, coder(note.user), created, note.modified or created, note.name, note.text),
        )
        memo_id = int(cur.lastrowid or 0)
        remember_guid(project, "memo", memo_id, note.guid)
        project.log(
            "memo.add", "memo", memo_id, {"after": note.text, "target": [kind, target], "title": note.name}
        )
        count += 1
    return count
