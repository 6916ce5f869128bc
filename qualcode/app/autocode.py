"""Auto-coding as a review queue: propose one code for many segments as pending suggestions, never as codings."""

from __future__ import annotations

import re
from typing import Any

from qualcode.errors import InputError
from qualcode.store.codebook import resolve_code
from qualcode.store.documents import segment_texts_except, segments_sharing_words
from qualcode.store.pending import add_pending
from qualcode.store.project import Project
from qualcode.store.suggestions import leaf_code_keys

DEFAULT_MIN_SCORE = 0.1  # the `suggest evaluate` default threshold: run it to see what a score means here


def propose(
    project: Project,
    code: str,
    coder: str,
    min_score: float | None = None,
    top: int | None = None,
    documents: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Score every segment (or those of `documents`) for `code` and store the ones at or above `min_score`, or
    the `top` best, as pending suggestions. Segments that already carry the code (from any coder), that this
    coder rejected it on, or that already have it pending are left out. One transaction, logged."""
    if min_score is not None and top is not None:
        raise InputError("choose one of --min-score or --top")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise InputError("--min-score must be between 0 and 1")
    if top is not None and top < 1:
        raise InputError("--top must be at least 1")
    if min_score is None and top is None:
        min_score = DEFAULT_MIN_SCORE
    resolve_code(project, code)  # a clear error for an unknown code
    if code not in leaf_code_keys(project):
        raise InputError(f"'{code}' has sub-codes: auto-code with one of them instead")
    from qualcode.nlp.suggest import Suggester  # spaCy and scikit-learn load only when needed

    params: list[Any] = []
    sql = (
        "SELECT s.id, s.text FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE NOT EXISTS (SELECT 1 FROM codings k JOIN codes c ON c.id = k.code_id"
        "   WHERE k.segment_id = s.id AND c.key = ?)"
        " AND NOT EXISTS (SELECT 1 FROM pending_suggestions p JOIN codes c ON c.id = p.code_id"
        "   WHERE p.segment_id = s.id AND c.key = ?)"
    )
    params += [code, code]
    if documents:
        known = {r[0] for r in project.conn.execute("SELECT name FROM documents")}
        missing = [d for d in documents if d not in known]
        if missing:
            raise InputError(f"no document named '{missing[0]}'")
        sql += f" AND d.name IN ({','.join('?' * len(documents))})"
        params += list(documents)
    rows = project.conn.execute(sql + " ORDER BY s.document_id, s.position", params).fetchall()
    suggester = Suggester.from_project(project, coder)
    rejected = suggester.decided.segments_with(code)
    segments = [(r[0], r[1]) for r in rows if r[0] not in rejected]
    j = suggester.keys.index(code)
    scored: list[tuple[float, int, str]] = []
    for start in range(0, len(segments), 1000):
        batch = segments[start : start + 1000]
        scores = suggester.score([t for _, t in batch], with_matches=False)[0][:, j]
        scored += [(float(s), sid, text) for s, (sid, text) in zip(scores, batch, strict=True)]
    scored.sort(key=lambda x: (-x[0], x[1]))
    chosen = scored[:top] if top is not None else [x for x in scored if x[0] >= (min_score or 0.0)]
    # Reasons for the chosen ones only (they cost more than the scores).
    proposals = []
    for start in range(0, len(chosen), 500):
        group = chosen[start : start + 500]
        reasons = suggester.explain([(sid, text) for _, sid, text in group], code)
        proposals += [
            {
                "segment_id": sid,
                "score": round(score, 4),
                "reason": reasons[sid],
                "method": suggester.method(code),
                "model_version": suggester.version,
            }
            for score, sid, _ in group
        ]
    added = add_pending(project, code, proposals, coder) if proposals else 0
    return {
        "code": code,
        "scored": len(segments),
        "proposed": added,
        "model_version": suggester.version,
        "min_score": min_score,
        "top": top,
    }


def least_sure(
    project: Project, coder: str, limit: int = 20, document: str | None = None
) -> list[dict[str, Any]]:
    """Uncoded segments the suggester is least sure about, most unsure first: coding these first teaches the
    model most (uncertainty sampling). Each row: segment_id, document, text, uncertainty, best guess."""
    from qualcode.nlp.suggest import Suggester

    sql = (
        "SELECT s.id, s.text, d.name FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE NOT EXISTS (SELECT 1 FROM codings k WHERE k.segment_id = s.id) AND trim(s.text) != ''"
    )
    params: list[Any] = []
    if document is not None:
        if not project.scalar("SELECT 1 FROM documents WHERE name = ?", (document,)):
            raise InputError(f"no document named '{document}'")
        sql += " AND d.name = ?"
        params.append(document)
    rows = project.conn.execute(sql + " ORDER BY s.id", params).fetchall()
    if not rows:
        return []
    suggester = Suggester.from_project(project, coder)
    unsure = suggester.uncertainty([r[1] for r in rows])
    guesses = suggester.rank([r[1] for r in rows])
    order = sorted(range(len(rows)), key=lambda i: (-unsure[i], rows[i][0]))[:limit]
    return [
        {
            "segment_id": rows[i][0],
            "document": rows[i][2],
            "text": rows[i][1],
            "uncertainty": round(float(unsure[i]), 4),
            "best_guess": guesses[i][0][0],
        }
        for i in order
    ]


# Up to this many segments, `similar` compares the segment with every other one; above it, with the segments
# the search index ranks best for its words: PRESELECT of them by TF-IDF, PRESELECT_BY_MEANING by the embedding
# model (each not yet embedded costs about 15 ms of CPU the first time).
COMPARE_ALL_UP_TO = 50_000
PRESELECT = 20_000
PRESELECT_BY_MEANING = 2_000


def _words(text: str) -> list[str]:
    """The distinct words of `text` worth searching for (no stop words, no numbers), in order, at most 40."""
    from qualcode.nlp.pipeline import content_lemmas

    return list(dict.fromkeys(content_lemmas(re.findall(r"[^\W\d_]+", text.lower()))))[:40]


def similar_segments(
    project: Project, segment_id: int, top: int = 20, embeddings: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Segments most like `segment_id`, best first, each with its document name and similarity, and the
    method used: by the optional sentence-embedding model with `embeddings` (each segment embedded once and
    kept in the project), else by TF-IDF cosine over lemmas. Used by `qualcode similar` and the workbench's L."""
    from qualcode.nlp.similar import METHOD, most_similar
    from qualcode.store.documents import get_segment

    target = get_segment(project, segment_id)
    if project.scalar("SELECT count(*) FROM segments") > COMPARE_ALL_UP_TO:
        # A large project: TF-IDF over every segment took 89 s and 3.7 GB at a million segments, and the
        # embedding model would first embed every segment (hours). Only segments sharing a word with this one
        # can score above zero by TF-IDF, so compare the best-ranked of those (by meaning too: it then only
        # finds segments that also share a word).
        rows = [
            r
            for r in segments_sharing_words(
                project, _words(target["text"]), PRESELECT_BY_MEANING if embeddings else PRESELECT
            )
            if r[0] != segment_id and r[1].strip()
        ]
    else:
        rows = segment_texts_except(project, segment_id)
    names = {r[0]: r[2] for r in rows}
    candidates = [(r[0], r[1]) for r in rows]
    if embeddings:
        from qualcode.nlp.embeddings import MODEL_ID, keep_new, project_cache
        from qualcode.nlp.similar import most_similar_by_meaning

        segments = [(segment_id, target["text"]), *candidates]
        cache = project_cache(project, [sid for sid, _ in segments])
        found = most_similar_by_meaning(target["text"], candidates, cache, top)
        keep_new(project, cache, segments)
        method = f"embeddings ({MODEL_ID})"
    else:
        found = most_similar(target["text"], candidates, top)
        method = METHOD
    return method, [{**r, "document": names[r["segment_id"]]} for r in found]


def codes_needing_help(project: Project) -> list[dict[str, Any]]:
    """The codes `qualcode suggest evaluate` says need help (too few examples, or rarely in the suggester's top
    3 for the segments that carry them), each with what would help. Cross-validates: seconds on a study."""
    from qualcode.nlp.evaluate import evaluate_project

    try:
        return list(evaluate_project(project)["codes_needing_help"])
    except InputError:  # too few coded segments to cross-validate: nothing to say yet
        return []
