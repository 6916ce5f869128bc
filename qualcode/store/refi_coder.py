"""A second coder's REFI-QDA export of the same study: their codings added to the documents and codes already here."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from qualcode.core.refi import RefiProject, coding_fields
from qualcode.errors import InputError
from qualcode.store.codings import is_duplicate_coding, segment_at
from qualcode.store.project import Project, now
from qualcode.store.refi_import import source_name

# Whitespace another tool may add or drop without changing the text: at line ends and at the very end.
_LOOSE_WHITESPACE = re.compile(r"[ \t\r\f\v]+(?=\n)|\s+\Z")


class _Normalised:
    """A text with trailing whitespace ignored, and a way back from positions in it to the original's."""

    def __init__(self, text: str) -> None:
        dropped = [False] * len(text)
        for m in _LOOSE_WHITESPACE.finditer(text):
            dropped[m.start() : m.end()] = [True] * (m.end() - m.start())
        self.kept = [i for i, gone in enumerate(dropped) if not gone]
        self.text = "".join(text[i] for i in self.kept)
        self.length = len(text)
        self.before = [0] * (len(text) + 1)  # original offset -> how many kept characters come before it
        n = 0
        for i, gone in enumerate(dropped):
            self.before[i] = n
            n += 0 if gone else 1
        self.before[len(text)] = n

    def start_in(self, other: _Normalised, offset: int) -> int:
        n = self.before[min(offset, self.length)]
        return other.kept[n] if n < len(other.kept) else other.length

    def end_in(self, other: _Normalised, offset: int) -> int:
        n = self.before[min(offset, self.length)]
        return other.kept[n - 1] + 1 if n > 0 else 0


def _path_key(path: list[str]) -> str:
    return "/".join(" ".join(p.split()).casefold() for p in path)


def _code_paths(project: Project) -> dict[str, int]:
    """'parent label/child label' (case and spacing ignored) -> code id."""
    rows = {r["id"]: r for r in project.query("SELECT id, key, label, parent_id FROM codes")}

    def path(code_id: int | None) -> list[str]:
        out: list[str] = []
        seen: set[int] = set()
        while code_id in rows and code_id not in seen:
            seen.add(code_id)  # type: ignore[arg-type]
            out.insert(0, rows[code_id]["label"] or rows[code_id]["key"])
            code_id = rows[code_id]["parent_id"]
        return out

    return {_path_key(path(i)): i for i in rows}


def _match_codes(project: Project, refi: RefiProject) -> dict[str, int]:
    """Code GUID -> code id: by a GUID seen before, else by the code's name path."""
    known = {
        g: int(loc)
        for loc, g in project.conn.execute("SELECT local, guid FROM refi_guids WHERE kind = 'code'")
    }
    ids = {r[0] for r in project.conn.execute("SELECT id FROM codes")}
    paths = _code_paths(project)
    by_guid = {c.guid: c for c in refi.codes}
    out: dict[str, int] = {}
    for c in refi.codes:
        if known.get(c.guid) in ids:
            out[c.guid] = known[c.guid]
            continue
        names: list[str] = []
        guid, seen = c.guid, set()
        while guid in by_guid and guid not in seen:
            seen.add(guid)
            names.insert(0, by_guid[guid].name)
            guid = by_guid[guid].parent  # type: ignore[assignment]
        match = paths.get(_path_key(names))
        if match is not None:
            out[c.guid] = match
    return out


def import_as_coder(project: Project, refi: RefiProject, source: str, coder: str) -> dict[str, Any]:
    """Add every coding in the file to the matching document here, as `coder`'s; all in one transaction.
    Documents match by text (trailing whitespace and line endings aside), codes by GUID or name path; what
    does not match is listed and nothing is created for it."""
    coder = coder.strip()
    if not coder:
        raise InputError("--as-coder needs a coder name")
    docs = project.query("SELECT id, name, text FROM documents ORDER BY id")
    if not docs:
        raise InputError(
            f"{project.path.name}: has no documents to add {coder}'s codings to; import the study first"
        )
    here: dict[str, list[tuple[int, str, _Normalised]]] = {}
    for d in docs:
        norm = _Normalised(d["text"])
        here.setdefault(norm.text, []).append((d["id"], d["name"], norm))
    code_ids = _match_codes(project, refi)
    code_names = {c.guid: c.name for c in refi.codes}
    unmatched_docs: list[str] = []
    unmatched_codes: dict[str, int] = {}
    added = duplicates = 0
    matched: dict[str, str] = {}
    with project.transaction():
        project.ensure_coder(coder)
        for s in refi.sources:
            theirs = _Normalised(s.text)
            candidates = here.get(theirs.text, [])
            if not candidates:
                unmatched_docs.append(source_name(s))
                continue
            doc_id, doc_name, ours = candidates[0]
            if len(candidates) > 1:  # identical texts here: pair them in order
                candidates.append(candidates.pop(0))
            matched[source_name(s)] = doc_name
            for sel in s.selections:
                start, end = theirs.start_in(ours, sel.start), theirs.end_in(ours, sel.end)
                if start >= end:
                    continue
                memo = coding_fields(sel.description)["memo"]
                for rc in sel.codings:
                    if rc.code not in code_ids:
                        name = code_names.get(rc.code, rc.code)
                        unmatched_codes[name] = unmatched_codes.get(name, 0) + 1
                        continue
                    try:
                        cur = project.conn.execute(
                            'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created, memo)'
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                doc_id,
                                segment_at(project, doc_id, start, end),
                                start,
                                end,
                                code_ids[rc.code],
                                coder,
                                rc.created or sel.created or now(),
                                memo,
                            ),
                        )
                    except sqlite3.IntegrityError as exc:
                        if not is_duplicate_coding(exc):
                            raise
                        duplicates += 1
                        continue
                    added += 1
                    project.log(
                        "refi.import",
                        "coding",
                        cur.lastrowid,
                        {
                            "after": {
                                "document": doc_name,
                                "start": start,
                                "end": end,
                                "code_id": code_ids[rc.code],
                                "coder": coder,
                            }
                        },
                    )
        report = {
            "file": source,
            "origin": refi.origin,
            "coder": coder,
            "codings": added,
            "duplicate_codings": duplicates,
            "documents_matched": matched,
            "unmatched_documents": unmatched_docs,
            "unmatched_codes": [{"code": k, "codings": v} for k, v in sorted(unmatched_codes.items())],
        }
        project.log("refi.import_coder", "project", None, report)
    warnings = []
    if len({u.guid for u in refi.users}) > 1:
        warnings.append(
            f"{source}: the file has {len(refi.users)} users; every coding was added as {coder}'s"
        )
    if unmatched_docs:
        warnings.append(
            f"{len(unmatched_docs)} source(s) match no document here (by text); their codings were"
            f" not added: {', '.join(unmatched_docs)}"
        )
    if unmatched_codes:
        warnings.append(
            f"{sum(unmatched_codes.values())} coding(s) use codes not in this codebook (by name path);"
            f" not added: {', '.join(sorted(unmatched_codes))}"
        )
    return {**report, "warnings": warnings}
