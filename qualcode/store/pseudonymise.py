"""Pseudonymise a project: replace registered names everywhere they are stored, keep every coding on the same
words, restart the change log (it holds the real names), and leave no old page behind."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.core.pseudonyms import Replacement, apply_replacements, context, replace_all
from qualcode.errors import InputError, ProjectError
from qualcode.store.audit import restart_log
from qualcode.store.backup import backup_before, staged_copy
from qualcode.store.project import Project, _is_busy

Finder = Callable[[str | None], list[Replacement]]
_BIG = 1 << 40  # codings are moved out of the way first, so no two ever share a span half-way through

# Plain-text columns that may hold names: (table, key columns, column, what a row is called in the review).
TEXT_COLUMNS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("meta", ("key",), "value", "project setting"),
    ("documents", ("id",), "name", "document name"),
    ("documents", ("id",), "original_name", "document file name"),
    ("segments", ("id",), "speaker", "speaker of segment"),
    ("document_speakers", ("document_id", "speaker"), "speaker", "speaker of document"),
    ("document_speakers", ("document_id", "speaker"), "code", "legend code of speaker"),
    ("segments", ("id",), "question", "question of segment"),
    ("cases", ("id",), "name", "case name"),
    ("case_attributes", ("case_id", "name"), "value", "case attribute"),
    ("codes", ("id",), "label", "code label"),
    ("codes", ("id",), "definition", "code definition"),
    ("codes", ("id",), "include", "code include"),
    ("codes", ("id",), "exclude", "code exclude"),
    ("codings", ("id",), "claim", "claim of coding"),
    ("codings", ("id",), "memo", "memo of coding"),
    ("memos", ("id",), "title", "memo title"),
    ("memos", ("id",), "text", "memo"),
    ("reviews", ("id",), "comment", "review comment"),
    ("suggestion_feedback", ("id",), "reason", "suggestion reason"),
    ("claims", ("id",), "text", "claim"),
    ("judgements", ("id",), "rationale", "judgement rationale"),
    ("judgements", ("id",), "rating", "judgement rating"),
    ("aims", ("id",), "label", "aim"),
    ("partners", ("id",), "label", "boundary partner"),
    ("outcomes", ("id",), "label", "outcome"),
    ("outcomes", ("id",), "mechanism", "outcome mechanism"),
    ("rivals", ("id",), "label", "rival explanation"),
    ("rivals", ("id",), "description", "rival explanation description"),
    ("recommendations", ("id",), "text", "recommendation"),
    ("recommendations", ("id",), "owner", "recommendation owner"),
]
# JSON columns: every string inside is searched.
JSON_COLUMNS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("codes", ("id",), "examples", "code examples"),
    ("codes", ("id",), "atypical_examples", "code atypical examples"),
    ("codes", ("id",), "keywords", "code keywords"),
    ("codings", ("id",), "provenance", "provenance of coding"),
    ("aims", ("id",), "success", "aim success criteria"),
]


@dataclass(slots=True)
class FieldChange:
    table: str
    key: tuple[Any, ...]
    column: str
    where: str
    before: str
    after: str
    found: list[tuple[str, Replacement]] = field(
        default_factory=list
    )  # (the string searched, what was found)


@dataclass(slots=True)
class Found:
    documents: dict[int, tuple[str, str, list[Replacement]]] = field(
        default_factory=dict
    )  # id -> name, text, reps
    fields: list[FieldChange] = field(default_factory=list)

    def replacements(self) -> list[Replacement]:
        return [r for _, _, reps in self.documents.values() for r in reps] + [
            r for f in self.fields for _, r in f.found
        ]


def _map_json(value: Any, find: Finder, found: list[tuple[str, Replacement]]) -> Any:
    if isinstance(value, str):
        reps = find(value)
        found.extend((value, r) for r in reps)
        return replace_all(value, reps)
    if isinstance(value, list):
        return [_map_json(v, find, found) for v in value]
    if isinstance(value, dict):
        return {k: _map_json(v, find, found) for k, v in value.items()}
    return value


def find_names(project: Project, find: Finder) -> Found:
    """Every registered name in the project, nothing changed yet."""
    result = Found()
    for doc_id, name, text in project.conn.execute("SELECT id, name, text FROM documents ORDER BY id"):
        reps = find(text)
        if reps:
            result.documents[doc_id] = (name, text, reps)
    for table, keys, column, label in TEXT_COLUMNS + JSON_COLUMNS:
        is_json = (table, keys, column, label) in JSON_COLUMNS
        sql = f"SELECT {', '.join(keys)}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} != ''"
        for row in project.conn.execute(sql):
            *key, value = row
            found: list[tuple[str, Replacement]] = []
            if is_json:
                try:
                    after = json.dumps(
                        _map_json(json.loads(value), find, found),
                        ensure_ascii=False,
                        sort_keys=column == "provenance",
                    )
                except ValueError:
                    after = value
            else:
                reps = find(value)
                found = [(value, r) for r in reps]
                after = replace_all(value, reps) or value
            if found:
                where = f"{label} {':'.join(str(k) for k in key)}"
                result.fields.append(FieldChange(table, tuple(key), column, where, value, after, found))
    return result


def review_rows(found: Found) -> list[dict[str, Any]]:
    """Every replacement with where it is and its context, in the order a researcher would check them."""
    rows = []
    for name, text, reps in found.documents.values():
        rows += [
            {
                "where": f"document {name}",
                "start": r.start,
                "end": r.end,
                "context": context(text, r),
                "original": r.original,
                "pseudonym": r.pseudonym,
                "how": r.how,
            }
            for r in reps
        ]
    for change in found.fields:
        rows += [
            {
                "where": change.where,
                "start": r.start,
                "end": r.end,
                "context": context(text, r),
                "original": r.original,
                "pseudonym": r.pseudonym,
                "how": r.how,
            }
            for text, r in change.found
        ]
    return rows


def summary_of(found: Found) -> dict[str, Any]:
    """Counts and pseudonyms only: this goes into the change log, so it must never hold a real name."""
    reps = found.replacements()
    return {
        "replacements": len(reps),
        "documents": len(found.documents),
        "fields": dict(Counter(f"{f.table}.{f.column}" for f in found.fields)),
        "by_pseudonym": dict(sorted(Counter(r.pseudonym for r in reps).items())),
        "by_method": dict(sorted(Counter(r.how for r in reps).items())),
    }


def _check_unique_names(project: Project, found: Found) -> None:
    for table, label in (("cases", "case"), ("documents", "document")):
        names = dict(project.conn.execute(f"SELECT id, name FROM {table}"))
        for change in found.fields:
            if change.table == table and change.column == "name":
                names[change.key[0]] = change.after
        seen: dict[str, int] = {}
        for row_id, name in names.items():
            if name in seen:
                raise InputError(
                    f"two {label}s would both be called {name!r} after pseudonymising "
                    f"(ids {seen[name]} and {row_id}); give them distinct pseudonyms or rename one first"
                )
            seen[name] = row_id


def _rewrite_document(project: Project, doc_id: int, text: str, reps: list[Replacement]) -> dict[str, int]:
    """New text; segment and coding offsets mapped so each still covers the same words (names now pseudonyms)."""
    conn = project.conn
    new_text, where = apply_replacements(text, reps)
    conn.execute("UPDATE documents SET text = ? WHERE id = ?", (new_text, doc_id))
    segments = conn.execute(
        'SELECT id, start, "end" FROM segments WHERE document_id = ?', (doc_id,)
    ).fetchall()
    for seg_id, start, end in segments:
        s, e = where.start(start), where.end(end)
        conn.execute(
            'UPDATE segments SET start = ?, "end" = ?, text = ? WHERE id = ?', (s, e, new_text[s:e], seg_id)
        )
    codings = conn.execute(
        'SELECT id, start, "end", code_id, coder FROM codings WHERE document_id = ? ORDER BY id', (doc_id,)
    ).fetchall()
    conn.execute(
        'UPDATE codings SET start = start + ?, "end" = "end" + ? WHERE document_id = ?', (_BIG, _BIG, doc_id)
    )
    taken: set[tuple[int, int, int, str]] = set()
    moved = folded = 0
    for coding_id, start, end, code_id, coder in codings:
        s, e = where.start(start), where.end(end)
        if (s, e, code_id, coder) in taken:
            # Two spans that differed only inside a name now cover the same words: keep the first coding.
            conn.execute("DELETE FROM codings WHERE id = ?", (coding_id,))
            folded += 1
            continue
        taken.add((s, e, code_id, coder))
        moved += (s, e) != (start, end)
        conn.execute('UPDATE codings SET start = ?, "end" = ? WHERE id = ?', (s, e, coding_id))
    return {"codings_moved": moved, "codings_folded": folded}


def _apply(project: Project, found: Found, strip_memos: bool, detail: dict[str, Any]) -> dict[str, Any]:
    conn = project.conn
    _check_unique_names(project, found)
    counts: Counter[str] = Counter()
    if strip_memos:
        counts["memos_stripped"] = conn.execute("DELETE FROM memos").rowcount
        counts["coding_memos_stripped"] = conn.execute(
            "UPDATE codings SET memo = NULL WHERE memo IS NOT NULL"
        ).rowcount
    for doc_id, (_, text, reps) in found.documents.items():
        counts.update(_rewrite_document(project, doc_id, text, reps))
    for change in found.fields:
        if strip_memos and (change.table == "memos" or (change.table, change.column) == ("codings", "memo")):
            continue
        keys = " AND ".join(f"{k} = ?" for k in _keys_of(change.table))
        conn.execute(
            f"UPDATE {change.table} SET {change.column} = ? WHERE {keys}", (change.after, *change.key)
        )
    # Rebuilt, not just updated: FTS5 keeps deleted words in its index until a merge. (PostgreSQL's search
    # column is generated from the text, so it already holds only the new words.)
    if getattr(conn, "backend", "sqlite") == "sqlite":
        conn.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
    detail = {**detail, **summary_of(found), **counts}
    detail["previous_log"] = restart_log(conn, project.coder, "pseudonymise", None, detail)
    return detail


def _keys_of(table: str) -> tuple[str, ...]:
    return next(keys for t, keys, _, _ in TEXT_COLUMNS + JSON_COLUMNS if t == table)


class _Remembered:
    """A finder that remembers what it found in each text, so the second look (inside the write transaction)
    only runs the name finder on text that changed since the first look (outside it)."""

    def __init__(self, find: Finder) -> None:
        self._find = find
        self._seen: dict[bytes, list[Replacement]] = {}

    def __call__(self, text: str | None) -> list[Replacement]:
        if not text:
            return self._find(text)
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).digest()
        if key not in self._seen:
            self._seen[key] = self._find(text)
        return list(self._seen[key])


KeyWriter = Callable[[dict[str, Any]], None]
_BUSY_VACUUM = (
    "another program had the project open, so the file was not compacted (VACUUM); the pseudonymised "
    "project and its key are complete, and the space the change freed was overwritten with zeros"
)


@contextlib.contextmanager
def _zeroing_deletes(project: Project) -> Iterator[None]:
    """`secure_delete` for the rewrite: every freed page and deleted cell is overwritten with zeros, so the real
    names are gone from the file even if the VACUUM afterwards cannot run. (SQLite only: see _scrub_free_pages.)"""
    if project.on_server:
        yield
        return
    before = project.scalar("PRAGMA secure_delete")
    project.conn.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        project.conn.execute(f"PRAGMA secure_delete = {int(before)}")


def _scrub_free_pages(project: Project) -> dict[str, Any]:
    """VACUUM rewrites the file without the freed pages that still hold old text; the WAL is emptied too.
    Best effort: the change is already committed and its freed pages zeroed, so a busy project is reported, not
    failed. A server study: PostgreSQL's VACUUM frees the old row versions for reuse (their bytes stay on disk
    until overwritten; the server's own disk encryption and retention govern them)."""
    if project.on_server:
        project.conn.execute("VACUUM")
        return {"vacuumed": True}
    try:
        with _zeroing_deletes(project):
            project.conn.execute("VACUUM")
        if project.scalar("PRAGMA journal_mode") == "wal":
            project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:
        if not _is_busy(exc):
            raise
        return {"vacuumed": False, "vacuum_note": _BUSY_VACUUM}
    return {"vacuumed": True}


def _pseudonymise(
    project: Project, find: Finder, strip_memos: bool, detail: dict[str, Any], key_writer: KeyWriter | None
) -> tuple[Found, dict[str, Any]]:
    """Find and replace in one write transaction (what is written is computed from what it read); `key_writer`
    runs before the commit, so a change is never kept without its key (a failed key write changes nothing)."""
    with _zeroing_deletes(project), project.transaction():
        found = find_names(project, find)
        detail = _apply(project, found, strip_memos, detail)
        if key_writer is not None:
            key_writer(detail)
    return found, detail


def pseudonymise_in_place(
    project: Project, find: Finder, review: bool = False, key_writer: KeyWriter | None = None
) -> dict[str, Any]:
    """Replace the names in the project itself. The automatic backup made first still holds them.

    Names are looked for once outside the write transaction (the slow part: coders can keep working) and again
    inside it, where only text changed meanwhile is searched afresh, so no concurrent edit is overwritten."""
    remembered = _Remembered(find)
    found = find_names(project, remembered)
    if review:
        return {**summary_of(found), "review": review_rows(found)}
    backup = backup_before(project, "before-pseudonymise")
    _, detail = _pseudonymise(project, remembered, False, {"in_place": True}, key_writer)
    detail.update(_scrub_free_pages(project))
    return {**detail, "backup_with_real_names": backup["file"] if backup else None}


def share_copy(
    project: Project,
    output: Path,
    find: Finder,
    strip_memos: bool = False,
    key_writer: KeyWriter | None = None,
) -> dict[str, Any]:
    """A pseudonymised copy (memos stripped on request) written whole or not at all: SQLite's backup API into
    a private temporary file beside `output`, pseudonymised and vacuumed there, checked, then renamed."""
    with (
        staged_copy(project.conn, output, guard=project.path) as tmp,
        Project.open(tmp, coder=project.coder) as copy,
    ):
        found, detail = _pseudonymise(
            copy, find, strip_memos, {"share_copy": True, "memos_stripped": strip_memos}, key_writer
        )
        scrub = _scrub_free_pages(copy)
        if not scrub["vacuumed"]:  # the copy is private to this process: nothing else can hold it open
            raise ProjectError(f"{output}: the share copy could not be compacted; nothing was written")
    with project.transaction():
        project.log(
            "share",
            "project",
            project.name,
            {"output": str(output.resolve()), **summary_of(found), "memos_stripped": strip_memos},
        )
    return {**detail, "output": str(output.resolve())}
