"""What the suggester learns from: coded and rejected segments, each coder's decisions, and feedback writes."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from qualcode.errors import DuplicateError, InputError
from qualcode.store.codebook import resolve_code
from qualcode.store.codings import add_coding, get_coding, resolve_span
from qualcode.store.project import Project, now


def leaf_code_keys(project: Project) -> list[str]:
    """Codes without children, in codebook order: the only codes a suggester proposes."""
    rows = project.conn.execute(
        "SELECT c.key FROM codes c WHERE NOT EXISTS (SELECT 1 FROM codes k WHERE k.parent_id = c.id)"
        " ORDER BY c.position, c.id"
    )
    return [r[0] for r in rows]


def segment_texts(
    project: Project, ids: list[int] | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Segments with the text and the group they belong to (case, else document) for grouped evaluation."""
    sql = (
        'SELECT s.id, s.text, s.document_id, d.name AS document, c.name AS "case" FROM segments s'
        " JOIN documents d ON d.id = s.document_id LEFT JOIN cases c ON c.id = s.case_id"
    )
    params: list[Any] = []
    if ids is not None:
        rows: list[dict[str, Any]] = []
        for i in range(0, len(ids), 500):  # stay under SQLite's variable limit
            chunk = ids[i : i + 500]
            rows += project.query(f"{sql} WHERE s.id IN ({','.join('?' * len(chunk))})", chunk)
        return rows
    sql += " ORDER BY s.document_id, s.position"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return project.query(sql, params)


def human_labels(project: Project) -> dict[int, set[str]]:
    """Segment id -> the codes any coder applied to it (codings outside a segment are left out)."""
    labels: dict[int, set[str]] = {}
    for seg_id, key in project.conn.execute(
        "SELECT k.segment_id, c.key FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.segment_id IS NOT NULL"
    ):
        labels.setdefault(int(seg_id), set()).add(key)
    return labels


def rejections(project: Project) -> dict[int, set[str]]:
    """Segment id -> codes some coder rejected when suggested there."""
    out: dict[int, set[str]] = {}
    for seg_id, key in project.conn.execute(
        "SELECT f.segment_id, c.key FROM suggestion_feedback f JOIN codes c ON c.id = f.code_id"
        " WHERE f.decision = 'rejected'"
    ):
        out.setdefault(int(seg_id), set()).add(key)
    return out


class Decisions:
    """Segment id -> the codes one coder applied or rejected there: one sorted array of (segment, code) pairs
    read straight from the database (a dict of sets for 200,000 codings took 0.7 s to build), and the
    decisions made since (`add`)."""

    _SHIFT = 32  # a pair is segment_id * 2**32 + code id

    def __init__(self, pairs: np.ndarray, keys: dict[int, str]) -> None:
        pairs = np.sort(pairs)  # (np.unique hashes: 0.2 s for 200,000 pairs, a sort of sorted ones 2 ms)
        self._pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
        self._keys = keys
        self._added: dict[int, set[str]] = {}

    @classmethod
    def of(cls, decided: dict[int, set[str]]) -> Decisions:
        """From a plain mapping (tests, evaluation)."""
        ids = {k: i for i, k in enumerate(sorted({k for v in decided.values() for k in v}))}
        pairs = [(s << cls._SHIFT) + ids[k] for s, keys in decided.items() for k in keys]
        return cls(np.asarray(pairs, dtype=np.int64), {i: k for k, i in ids.items()})

    def get(self, segment_id: int, default: Iterable[str] = ()) -> set[str]:
        lo, hi = np.searchsorted(self._pairs, [segment_id << self._SHIFT, (segment_id + 1) << self._SHIFT])
        found = {self._keys[int(p) & 0xFFFFFFFF] for p in self._pairs[lo:hi]} | self._added.get(
            segment_id, set()
        )
        return found or set(default)

    def add(self, segment_id: int, code: str) -> None:
        self._added.setdefault(segment_id, set()).add(code)

    def segments_with(self, code: str) -> set[int]:
        """The segments where this coder applied or rejected `code`."""
        ids = [i for i, k in self._keys.items() if k == code]
        mask = np.isin(self._pairs & 0xFFFFFFFF, ids)
        return {int(s) for s in self._pairs[mask] >> self._SHIFT} | {
            s for s, keys in self._added.items() if code in keys
        }

    def __len__(self) -> int:
        return len(set((self._pairs >> self._SHIFT).tolist()) | set(self._added))


def coder_decided(project: Project, coder: str) -> Decisions:
    """What this coder already applied to each segment or rejected there: never suggest it again. Read as
    (segment, code id) pairs packed by the database, no row built in Python."""
    parts = [
        np.fromiter(
            chain.from_iterable(
                project.conn.execute(
                    f"SELECT segment_id * {1 << Decisions._SHIFT} + code_id {source}", (coder,)
                )
            ),
            dtype=np.int64,
        )
        for source in (
            "FROM codings WHERE coder = ? AND segment_id IS NOT NULL",
            "FROM suggestion_feedback WHERE coder = ? AND decision = 'rejected'",
        )
    ]
    return Decisions(np.concatenate(parts), _code_keys(project))


def _code_keys(project: Project) -> dict[int, str]:
    return {int(i): k for i, k in project.conn.execute("SELECT id, key FROM codes")}


# -- what a refit reads (issue 17): counts and a capped sample from the indexes, never every coding's row ---------
# The order in which the refit samples a frequent code's segments: a fixed scramble of the segment id (Knuth's
# multiplicative hash, a one-to-one map of ids below 2**32), computed alike by SQLite, PostgreSQL and Python, so
# the sample is spread evenly over the documents and the same on every run.
SAMPLE_MULTIPLIER = 2654435761
SAMPLE_MODULUS = 1 << 32
_SCRAMBLE = f"(segment_id * {SAMPLE_MULTIPLIER}) % {SAMPLE_MODULUS}"
# A second, different scramble: the fingerprint sums both, so a change would have to balance two sums to pass.
_SCRAMBLE_2 = "(segment_id * 40503 + 12345) % 65521"
# Codings that count (as in human_labels) and rejections (as in rejections).
_DECIDED = {
    "codings": "FROM codings WHERE segment_id IS NOT NULL",
    "rejections": "FROM suggestion_feedback WHERE decision = 'rejected'",
}


def sample_order(segment_id: int) -> tuple[int, int]:
    """Where a segment comes in the refit's sample of a code's segments (as `capped_segments` orders them)."""
    return (segment_id * SAMPLE_MULTIPLIER) % SAMPLE_MODULUS, segment_id


@dataclass(frozen=True, slots=True)
class TrainingSummary:
    """What a refit needs to know of every decided segment without reading them one by one.

    `coded`: leaf code key -> segments any coder applied it to (codings in a segment); `segments`: segments
    with a leaf code applied or rejected; `fingerprint`: changes when a coding in a segment or a rejection is
    added, removed, or moved to another code or segment, and with nothing else (a checksum of each code's
    count and two sums of scrambled segment ids: two different sets of codings would have to agree on all of
    them to share it)."""

    coded: dict[str, int]
    segments: int
    fingerprint: str


def training_summary(project: Project, leaves: Iterable[str]) -> TrainingSummary:
    """Per-code counts and the fingerprint from one grouped read of each table's (code, segment) index."""
    keys = _code_keys(project)
    wanted = set(leaves)
    leaf_ids = sorted(i for i, k in keys.items() if k in wanted)
    parts: dict[str, list[tuple[Any, ...]]] = {}
    coded: dict[str, int] = {}
    for name, source in _DECIDED.items():
        rows = project.conn.execute(
            f"SELECT code_id, count(*), count(DISTINCT segment_id), sum({_SCRAMBLE}), sum({_SCRAMBLE_2})"
            f" {source} GROUP BY code_id"
        ).fetchall()
        parts[name] = sorted((keys[r[0]], *(int(x) for x in r[1:])) for r in rows)
        if name == "codings":
            coded = {keys[r[0]]: int(r[2]) for r in rows if keys[r[0]] in wanted}
    segments = 0
    if leaf_ids:
        marks = ",".join("?" * len(leaf_ids))
        segments = int(
            project.scalar(
                f"SELECT count(*) FROM (SELECT segment_id {_DECIDED['codings']} AND code_id IN ({marks})"
                f" UNION SELECT segment_id {_DECIDED['rejections']} AND code_id IN ({marks})) decided",
                [*leaf_ids, *leaf_ids],
            )
            or 0
        )
    digest = hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return TrainingSummary(coded, segments, digest)


def capped_segments(project: Project, leaves: Iterable[str], cap: int) -> list[int]:
    """The segments a refit learns from, sorted: for each leaf code, the first `cap` of the segments it was
    applied to and the first `cap` of those it was rejected on, in `sample_order` (a code with fewer keeps
    them all). Each code's sample is cut by the database (ORDER BY ... LIMIT over its index range), so only
    the sampled ids reach Python."""
    keys = _code_keys(project)
    wanted = set(leaves)
    kept: set[int] = set()
    for code_id in sorted(i for i, k in keys.items() if k in wanted):
        for source in _DECIDED.values():
            kept.update(
                r[0]
                for r in project.conn.execute(
                    f"SELECT segment_id {source} AND code_id = ? GROUP BY segment_id"
                    f" ORDER BY {_SCRAMBLE}, segment_id LIMIT ?",
                    (code_id, cap),
                )
            )
    return sorted(kept)


def labels_of(project: Project, ids: list[int]) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """For these segments only: the codes any coder applied (as human_labels) and rejected (as rejections)."""
    keys = _code_keys(project)
    labels: dict[int, set[str]] = {}
    rejected: dict[int, set[str]] = {}
    for i in range(0, len(ids), 500):  # stay under SQLite's variable limit
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for out, source in ((labels, _DECIDED["codings"]), (rejected, _DECIDED["rejections"])):
            for seg_id, code_id in project.conn.execute(
                f"SELECT segment_id, code_id {source} AND segment_id IN ({marks})", chunk
            ):
                out.setdefault(int(seg_id), set()).add(keys[code_id])
    return labels, rejected


def _record_feedback(
    project: Project, segment_id: int, code_id: int, coder: str, decision: str, detail: dict[str, Any]
) -> dict[str, Any] | None:
    """Insert or replace this coder's decision on (segment, code); returns the decision it replaced."""
    old = project.query(
        "SELECT decision, score, method, model_version, reason, created FROM suggestion_feedback"
        " WHERE segment_id = ? AND code_id = ? AND coder = ?",
        (segment_id, code_id, coder),
    )
    project.conn.execute(
        "INSERT INTO suggestion_feedback(segment_id, code_id, coder, decision, score, method, model_version, reason,"
        " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(segment_id, code_id, coder) DO UPDATE SET"
        " decision = excluded.decision, score = excluded.score, method = excluded.method,"
        " model_version = excluded.model_version, reason = excluded.reason, created = excluded.created",
        (
            segment_id,
            code_id,
            coder,
            decision,
            detail.get("score"),
            detail.get("method"),
            detail.get("model_version"),
            detail.get("reason"),
            detail.get("time") or now(),
        ),
    )
    return old[0] if old else None


def accept_code(project: Project, segment_id: int, code: str, coder: str, provenance: dict[str, Any]) -> int:
    """Apply a suggested code to the whole segment with its provenance, and record the acceptance; one
    transaction, logged. Returns the new coding's id."""
    with project.transaction():
        coder = project.ensure_coder(coder)
        code_id = resolve_code(project, code)
        try:
            coding_id = add_coding(project, code, segment_id=segment_id, coder=coder, provenance=provenance)
        except DuplicateError:
            raise DuplicateError(f"segment {segment_id} already has '{code}' from {coder}") from None
        before = _record_feedback(project, segment_id, code_id, coder, "accepted", provenance)
        project.log(
            "suggestion.accept",
            "segment",
            segment_id,
            {"before": before, "after": {"code": code, "coder": coder, "coding_id": coding_id, **provenance}},
        )
    return coding_id


def reject_code(project: Project, segment_id: int, code: str, coder: str, provenance: dict[str, Any]) -> None:
    """Record that this coder rejected a suggested code on a segment; one transaction, logged."""
    with project.transaction():
        coder = project.ensure_coder(coder)
        resolve_span(project, segment_id, None, None, None)
        code_id = resolve_code(project, code)
        try:
            before = _record_feedback(project, segment_id, code_id, coder, "rejected", provenance)
        except sqlite3.IntegrityError as exc:
            raise InputError(f"cannot record the rejection: {exc}") from None
        project.log(
            "suggestion.reject",
            "segment",
            segment_id,
            {"before": before, "after": {"code": code, "coder": coder, **provenance}},
        )


def coding_provenance(project: Project, coding_id: int) -> dict[str, Any] | None:
    text = project.scalar("SELECT provenance FROM codings WHERE id = ?", (coding_id,))
    get_coding(project, coding_id)  # a clear error for an unknown id
    return json.loads(text) if text else None


def withdraw_feedback(project: Project, segment_id: int, code: str, coder: str) -> None:
    """Forget this coder's accept/reject decision on (segment, code), e.g. when the coder undoes it; logged."""
    with project.transaction():
        code_id = resolve_code(project, code)
        old = project.query(
            "SELECT decision FROM suggestion_feedback WHERE segment_id = ? AND code_id = ? AND coder = ?",
            (segment_id, code_id, coder),
        )
        if old:
            project.conn.execute(
                "DELETE FROM suggestion_feedback WHERE segment_id = ? AND code_id = ? AND coder = ?",
                (segment_id, code_id, coder),
            )
            project.log(
                "suggestion.withdraw",
                "segment",
                segment_id,
                {"before": {"code": code, "coder": coder, **old[0]}},
            )
