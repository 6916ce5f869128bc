"""Stored sentence embeddings: one vector per segment and model, dropped when the segment's text changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

from qualcode.store.project import Project

CHUNK = 900  # ids per query (SQLite's variable limit is 999 on old builds)


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def stored_vectors(project: Project, model: str, segment_ids: Sequence[int]) -> dict[str, np.ndarray]:
    """Vectors stored for these segments by `model`, by text hash; one whose text has changed since is left
    out (the trigger deletes it on UPDATE; the hash check covers any other way the text could change)."""
    out: dict[str, np.ndarray] = {}
    ids = list(dict.fromkeys(segment_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        for text, stored_hash, blob in project.conn.execute(
            f"SELECT s.text, e.text_hash, e.vector FROM segment_embeddings e JOIN segments s ON s.id = e.segment_id"
            f" WHERE e.model = ? AND e.segment_id IN ({marks})",
            (model, *chunk),
        ):
            if text_hash(text) == stored_hash:
                out[stored_hash] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    return out


def stored_texts(project: Project, model: str) -> dict[str, np.ndarray]:
    """Vectors stored for texts that are not segments (the codebook's descriptions and examples), by hash."""
    return {
        h: np.frombuffer(blob, dtype="<f4").astype(np.float32)
        for h, blob in project.conn.execute(
            "SELECT text_hash, vector FROM text_embeddings WHERE model = ?", (model,)
        )
    }


def store_vectors(
    project: Project, model: str, segments: Iterable[tuple[int, str]], vectors: dict[str, np.ndarray]
) -> int:
    """Keep the vectors computed for these (id, text) segments, and the rest of `vectors` (the codebook's texts)
    by their hash alone; one transaction, logged. Returns how many segments got one."""
    rows = [
        (sid, model, h, np.asarray(vectors[h], dtype="<f4").tobytes())
        for sid, text in segments
        if (h := text_hash(text)) in vectors
    ]
    seen = {r[2] for r in rows}
    others = [(h, model, np.asarray(v, dtype="<f4").tobytes()) for h, v in vectors.items() if h not in seen]
    if not rows and not others:
        return 0
    with project.transaction():
        project.conn.executemany(
            "INSERT OR REPLACE INTO segment_embeddings(segment_id, model, text_hash, vector) VALUES (?, ?, ?, ?)",
            rows,
        )
        project.conn.executemany(
            "INSERT OR REPLACE INTO text_embeddings(text_hash, model, vector) VALUES (?, ?, ?)", others
        )
        project.log(
            "embed", "segments", None, {"model": model, "segments": len(rows), "other texts": len(others)}
        )
    return len(rows)


def embedded_count(project: Project, model: str) -> int:
    return int(project.scalar("SELECT count(*) FROM segment_embeddings WHERE model = ?", (model,)) or 0)
