"""The reads behind reports and agreement, as plain rows: the report layer computes from these and holds no SQL."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any, TypeVar

from qualcode.errors import InputError, ProjectBusyError
from qualcode.store.codings import CODING_TEXT_SQL
from qualcode.store.project import Project

T = TypeVar("T")


# -- a consistent snapshot with the file's hash (reports) ----------------------------------------------------
# Up to this size the report's snapshot is a copy in memory (fastest); above it, a copy in a private temporary
# folder, so memory stays small whatever the project's size (an in-memory copy costs about twice the file).
SNAPSHOT_IN_MEMORY_MAX = 64 << 20
SERVER_HASH_METHOD = "SHA-256 of the change log's head hash in the report's snapshot (a server study)"


def _read_lock(project: Project, attempts: int, take: Callable[[], T]) -> T:
    """`take()` inside a read transaction that begins once the WAL is empty (every committed change is then in
    the main file); the transaction is still open when this returns: the caller ends it with COMMIT."""
    wal = Path(str(project.path) + "-wal")
    for _ in range(attempts):
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        project.conn.execute("BEGIN")
        project.conn.execute("SELECT count(*) FROM meta").fetchone()  # starts the read snapshot
        try:
            if not wal.exists() or os.path.getsize(wal) == 0:
                return take()
        except BaseException:
            project.conn.execute("COMMIT")
            raise
        project.conn.execute("COMMIT")
        time.sleep(0.1)  # another program wrote in between: try again
    raise ProjectBusyError(
        f"{project.path}: another program keeps writing to the project; try the report again"
    )


def checkpoint_and_hash(project: Project, attempts: int = 5) -> str:
    """SHA-256 of the project file once the WAL is empty; leaves the read transaction open (see _read_lock).

    The checkpoint moves every committed change into the main file; the read transaction that follows keeps
    any later checkpoint from changing it while we hash, so the hash matches the data the report reads.
    A server study: a repeatable-read snapshot, identified by the change log's head (every change is logged).
    """
    if project.on_server:
        project.conn.execute("BEGIN")  # REPEATABLE READ: every read until end_read sees this one state
        head = project.scalar("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1") or ""
        return hashlib.sha256(f"qualcode change log head {head}".encode()).hexdigest()

    def digest() -> str:
        sha = hashlib.sha256()
        with open(project.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                sha.update(chunk)
        return sha.hexdigest()

    return _read_lock(project, attempts, digest)


def _locked(project: Project, attempts: int, take: Callable[[], T]) -> T:
    """`take()` under the read lock of `_read_lock`, which is released before this returns."""
    try:
        return _read_lock(project, attempts, take)
    finally:
        if project.conn.in_transaction:
            project.conn.execute("COMMIT")


@contextmanager
def snapshot(project: Project, attempts: int = 5) -> Iterator[tuple[Project, str]]:
    """A read-only copy of the project file as of one moment, and the SHA-256 of those bytes.

    Only copying the bytes holds the file's read lock (about 20 ms for 100,000 segments, under a second for a
    million), so a coder saving meanwhile hardly waits; reading the evidence happens on the copy, with no lock
    at all. A small file is copied into memory; a large one into a private temporary folder (removed on
    exit), read in 1 MiB pieces, so memory stays small whatever the project's size. A server study has no file
    to copy: the report reads one repeatable-read snapshot of it, named by the change log's head."""
    if project.on_server:
        sha = checkpoint_and_hash(project)
        try:
            yield project, sha
        finally:
            end_read(project)
        return
    if os.path.getsize(project.path) <= SNAPSHOT_IN_MEMORY_MAX:
        data = _locked(project, attempts, project.path.read_bytes)
        digest = hashlib.sha256(data).hexdigest()
        copy = bytearray(data)
        del data
        copy[18:20] = b"\x01\x01"  # rollback-journal header: an in-memory database cannot be in WAL mode
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.deserialize(bytes(copy))
        del copy
        try:
            yield Project(project.path, conn, project.coder), digest
        finally:
            conn.close()
        return
    with tempfile.TemporaryDirectory(prefix="qualcode-report-") as folder:
        target = Path(folder) / "snapshot.qcdb"

        def copy_and_hash() -> str:
            sha = hashlib.sha256()
            with open(project.path, "rb") as src, open(target, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    sha.update(chunk)
                    dst.write(chunk)
            return sha.hexdigest()

        digest = _locked(project, attempts, copy_and_hash)
        with open(target, "r+b") as fh:  # rollback-journal header: the copy needs no WAL beside it
            fh.seek(18)
            fh.write(b"\x01\x01")
        conn = sqlite3.connect(f"{target.as_uri()}?immutable=1", uri=True, isolation_level=None)
        try:
            yield Project(project.path, conn, project.coder), digest
        finally:
            conn.close()


def end_read(project: Project) -> None:
    """End the read transaction `checkpoint_and_hash` began."""
    project.conn.execute("COMMIT")


def case_attributes(project: Project) -> dict[int, dict[str, str]]:
    """case id -> attribute name -> value."""
    attrs: dict[int, dict[str, str]] = {}
    for case_id, name, value in project.conn.execute("SELECT case_id, name, value FROM case_attributes"):
        attrs.setdefault(case_id, {})[name] = value
    return attrs


def case_names(project: Project) -> dict[int, str]:
    return dict(project.conn.execute("SELECT id, name FROM cases"))


def case_source_types(
    project: Project, excluded: set[int] | frozenset[int] = frozenset()
) -> dict[int, set[str]]:
    """case id -> the source types of the documents it takes part in: where it speaks (a segment), and every
    survey it answered, open text or not (schema 5 keeps respondents). Documents in `excluded` are left out."""
    types: dict[int, set[str]] = {}
    for case_id, source_type, doc_id in project.conn.execute(
        "SELECT DISTINCT s.case_id, d.source_type, d.id FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE s.case_id IS NOT NULL"
        " UNION SELECT DISTINCT r.case_id, d.source_type, d.id FROM survey_respondents r"
        " JOIN documents d ON d.id = r.document_id"
    ):
        if doc_id not in excluded:
            types.setdefault(case_id, set()).add(source_type)
    return types


def documents_in_order(
    project: Project, excluded: set[int] | frozenset[int] = frozenset()
) -> list[tuple[str, str]]:
    """(name, source type) of every document not in `excluded`, in import order."""
    return [
        (r[0], r[1])
        for r in project.conn.execute("SELECT name, source_type, id FROM documents ORDER BY id")
        if r[2] not in excluded
    ]


def document_names(project: Project, ids: set[int]) -> set[str]:
    return {r[0] for r in project.conn.execute("SELECT name, id FROM documents") if r[1] in ids}


def other_instruments(project: Project, instrument: str | None) -> set[int]:
    """Ids of survey documents that belong to instruments other than `instrument` (none without one)."""
    if not instrument:
        return set()
    rows = project.conn.execute("SELECT DISTINCT instrument, document_id FROM survey_respondents").fetchall()
    if instrument not in {r[0] for r in rows}:
        known = ", ".join(sorted({r[0] for r in rows})) or "none imported"
        raise InputError(f"no survey instrument {instrument!r} (instruments: {known})")
    return {int(d) for i, d in rows if i != instrument}


def code_keys(project: Project) -> dict[int, str]:
    return dict(project.conn.execute("SELECT id, key FROM codes"))


def coding_evidence_rows(project: Project) -> Iterator[tuple[Any, ...]]:
    """Every coding in id order as (id, segment id, document, source type, case id, code id, coder,
    contribution, claim, memo, coded text, start, end, polarity); the text is the segment's when the coding covers it.
    Read one by one from a cursor, so the caller holds only what it keeps."""
    cur = project.conn.execute(
        "SELECT k.id, k.segment_id, d.name, d.source_type, s.case_id, k.code_id, k.coder, k.contribution, k.claim,"
        f' k.memo, {CODING_TEXT_SQL}, k.start, k."end", k.polarity'
        " FROM codings k JOIN documents d ON d.id = k.document_id LEFT JOIN segments s ON s.id = k.segment_id"
        " ORDER BY k.id"
    )
    texts: dict[str, str] = {}  # a span beyond its segment: cut from its document, each read once
    for row in cur:
        if row[10] is None:
            if row[2] not in texts:
                texts[row[2]] = project.scalar("SELECT text FROM documents WHERE name = ?", (row[2],)) or ""
            row = (*row[:10], texts[row[2]][row[11] : row[12]], *row[11:])
        yield row


# -- the contribution argument -------------------------------------------------------------------------------
def argument_rows(project: Project) -> dict[str, Any]:
    """The outcome map, claims, evidence links, rivals, recommendations, judgements and category labels as plain
    rows, read in the caller's snapshot."""
    q = project.query
    return {
        "aims": q("SELECT key, label, success FROM aims ORDER BY position, id"),
        "partners": q("SELECT key, label, kind FROM partners ORDER BY position, id"),
        "outcomes": q(
            "SELECT o.key, o.label, o.mechanism, p.key AS partner,"
            " (SELECT group_concat(a.key, '|') FROM outcome_aims oa JOIN aims a ON a.id = oa.aim_id"
            "  WHERE oa.outcome_id = o.id) AS aims"
            " FROM outcomes o LEFT JOIN partners p ON p.id = o.partner_id"
            " ORDER BY p.position, o.position, o.id"
        ),
        "claims": q(
            "SELECT c.key, c.text, c.category, o.key AS outcome, a.key AS aim FROM claims c"
            " LEFT JOIN outcomes o ON o.id = c.outcome_id LEFT JOIN aims a ON a.id = c.aim_id ORDER BY c.id"
        ),
        "links": project.conn.execute(
            "SELECT e.coding_id, c.key, e.polarity FROM claim_evidence e"
            " JOIN claims c ON c.id = e.claim_id ORDER BY e.coding_id, c.id"
        ).fetchall(),
        "rivals": q("SELECT key, label, description FROM rivals ORDER BY id"),
        "claim_rivals": project.conn.execute(
            "SELECT c.key, r.key FROM claim_rivals cr JOIN claims c"
            " ON c.id = cr.claim_id JOIN rivals r ON r.id = cr.rival_id"
            " ORDER BY r.id"
        ).fetchall(),
        "rival_evidence": project.conn.execute(
            "SELECT e.coding_id, r.key FROM rival_evidence e JOIN rivals r"
            " ON r.id = e.rival_id ORDER BY e.coding_id"
        ).fetchall(),
        "recommendations": q(
            "SELECT r.key, r.text, r.priority, r.owner,"
            " (SELECT group_concat(l.target, '|') FROM recommendation_links l"
            "  WHERE l.recommendation_id = r.id) AS links"
            " FROM recommendations r ORDER BY r.position, r.id"
        ),
        "judgements": q(
            "SELECT target, rating, confidence, rationale, who, created FROM judgements ORDER BY id"
        ),
        "labels": (
            project.conn.execute("SELECT value FROM meta WHERE key = 'category_labels'").fetchone() or ["{}"]
        )[0],
    }


# -- agreement ------------------------------------------------------------------------------------------
def known_coders(project: Project) -> set[str]:
    """Coders registered in the project or named on a coding."""
    return {r[0] for r in project.conn.execute("SELECT name FROM coders UNION SELECT coder FROM codings")}


def coders_with_codings(project: Project, coders: Sequence[str]) -> set[str]:
    """Which of `coders` have at least one coding."""
    marks = ",".join("?" * len(coders))
    return {
        r[0]
        for r in project.conn.execute(
            f"SELECT DISTINCT coder FROM codings WHERE coder IN ({marks})", list(coders)
        )
    }


def coded_by(project: Project, coders: Sequence[str]) -> list[tuple[str, str, str | None, str]]:
    """Distinct (document, source type, case of the coded segment or None, coder) for the coders' codings,
    in document order then case name."""
    marks = ",".join("?" * len(coders))
    return project.conn.execute(
        "SELECT d.name, d.source_type, c.name, k.coder FROM codings k JOIN documents d ON d.id = k.document_id"
        " LEFT JOIN segments s ON s.id = k.segment_id LEFT JOIN cases c ON c.id = s.case_id"
        f" WHERE k.coder IN ({marks}) GROUP BY d.id, c.name, k.coder"
        " ORDER BY d.id, c.name IS NOT NULL, c.name",  # no case first, on either backend
        list(coders),
    ).fetchall()


def agreement_documents(
    project: Project, coders: Sequence[str], documents: Sequence[str], with_text: bool
) -> Iterator[tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Per named document, in document order: (name, its segments in order as (id, start, end, text or None,
    case name or None), the coders' codings in it as (id, start, end, code key, coder)).

    Two cursors, both in index order, are read side by side: memory holds one document at a time."""
    ids: dict[int, str] = {}
    names = list(dict.fromkeys(documents))
    for i in range(0, len(names), 500):
        chunk = names[i : i + 500]
        marks = ",".join("?" * len(chunk))
        ids.update(project.conn.execute(f"SELECT id, name FROM documents WHERE name IN ({marks})", chunk))
    if not ids:
        return
    only = f" WHERE s.document_id IN ({','.join(map(str, ids))})" if len(ids) <= 500 else ""
    segments = project.conn.execute(
        f'SELECT s.document_id, s.id, s.start, s."end", {"s.text" if with_text else "NULL"}, c.name'
        f" FROM segments s LEFT JOIN cases c ON c.id = s.case_id{only} ORDER BY s.document_id, s.position"
    )
    marks = ",".join("?" * len(coders))
    codings = project.conn.execute(
        'SELECT k.document_id, k.id, k.start, k."end", c.key, k.coder FROM codings k'
        f" JOIN codes c ON c.id = k.code_id WHERE k.coder IN ({marks}) ORDER BY k.document_id",
        list(coders),
    )
    pending = codings.fetchone()
    for doc_id, rows in groupby(segments, key=lambda r: r[0]):
        mine: list[tuple[Any, ...]] = []
        while pending is not None and pending[0] <= doc_id:
            if pending[0] == doc_id:
                mine.append(pending[1:])
            pending = codings.fetchone()
        if doc_id in ids:
            yield ids[doc_id], [r[1:] for r in rows], mine


def segment_texts(project: Project, ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """segment id -> (start, text) for the given segments."""
    out: dict[int, tuple[int, str]] = {}
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        rows = project.conn.execute(
            f"SELECT id, start, text FROM segments WHERE id IN ({','.join('?' * len(chunk))})", chunk
        )
        out.update((sid, (start, text)) for sid, start, text in rows)
    return out
