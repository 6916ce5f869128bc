"""Suggested codes for segments: the codebook's cold-start scores blended with a model of the human codings."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from qualcode.core.models import Codebook
from qualcode.nlp.codebook_index import CodebookIndex, ColdScores, code_description
from qualcode.nlp.model import fit_model, top_features
from qualcode.nlp.pipeline import content_lemmas, lemmatise
from qualcode.store.codebook import load_codebook
from qualcode.store.project import Project, now
from qualcode.store.suggestions import (
    accept_code,
    coder_decided,
    human_labels,
    reject_code,
    rejections,
    segment_texts,
)

# A code's model score counts for n / (n + PRIOR) of its blended score, n being its human-coded segments:
# rare codes lean on the codebook, well-used ones on what the coders did.
PRIOR = 3.0
BACKGROUND_LIMIT = 5000  # segments sampled to weigh words by rarity; more adds time, not accuracy
METHOD_CODEBOOK = "codebook"
METHOD_BLEND = "model+codebook"


@dataclass(slots=True)
class Suggestion:
    """A proposed code for a segment, with why it was proposed and what proposed it."""

    code: str
    score: float
    reason: str
    method: str
    model_version: str

    def provenance(self) -> dict[str, Any]:
        return {**asdict(self), "time": now()}


@dataclass(slots=True)
class TrainingData:
    """Segments the coders decided on: the codes applied (positives) and the suggestions rejected (negatives)."""

    segment_ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[set[str]] = field(default_factory=list)
    rejected: list[set[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.segment_ids)

    def subset(self, rows: Sequence[int]) -> TrainingData:
        return TrainingData([self.segment_ids[i] for i in rows], [self.texts[i] for i in rows],
                            [self.labels[i] for i in rows], [self.rejected[i] for i in rows])

    def fingerprint(self) -> str:
        items = sorted(zip(self.segment_ids, (sorted(x) for x in self.labels), (sorted(x) for x in self.rejected),
                           strict=True))
        return hashlib.sha1(json.dumps(items).encode()).hexdigest()


def _snippet(text: str, limit: int = 70) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Suggester:
    """Ranks a codebook's leaf codes for segments. Holds no database connection: safe to use in a worker thread
    after `from_project` has read what it needs."""

    def __init__(self, codebook: Codebook, training: TrainingData | None = None, background: Sequence[str] = (),
                 decided: dict[int, set[str]] | None = None, version: str = "",
                 index: CodebookIndex | None = None) -> None:
        """`background`: segment texts (no labels) for word rarity; `index`: a prebuilt CodebookIndex for this
        codebook, shared between suggesters (evaluation builds several per fold)."""
        self.index = index or CodebookIndex(codebook, lemmatise(background))
        self.keys = self.index.keys
        self._col = {k: j for j, k in enumerate(self.keys)}
        self.decided = {k: set(v) for k, v in (decided or {}).items()}
        self.model_: Pipeline | None = None
        self.alpha_ = np.zeros(len(self.keys), dtype=np.float32)
        self._train_ids: list[int] = []
        self._train_texts: list[str] = []
        self._train_X: sp.csr_matrix | None = None
        self._rows_by_code: list[np.ndarray] = []
        training = training or TrainingData()
        self.n_training = len(training)
        self.version = version or self._version(codebook, training)
        self._fit(codebook, training)

    @staticmethod
    def _version(codebook: Codebook, training: TrainingData) -> str:
        digest = hashlib.sha1()
        digest.update(json.dumps([(c.key, code_description(c), c.exclude) for c in codebook.codes]).encode())
        digest.update(training.fingerprint().encode())
        kind = f"lr{len(training)}" if len(training) else "codebook"
        return f"{kind}-{digest.hexdigest()[:10]}"

    @classmethod
    def from_project(cls, project: Project, coder: str | None = None) -> Suggester:
        """Build the codebook index and fit the model from the project's codings and rejections (nothing is
        unpickled). Reads everything up front; the Suggester keeps no reference to the project."""
        coder = (coder or project.coder).strip()
        codebook = load_codebook(project)
        labels, rejected = human_labels(project), rejections(project)
        # Read only what is needed: the decided segments' texts and an even sample for word rarity, so a
        # refit in a large project does not pull every segment through Python.
        total = int(project.scalar("SELECT count(*) FROM segments") or 0)
        step = max(1, -(-total // BACKGROUND_LIMIT))
        background = [r[0] for r in project.conn.execute(
            "SELECT text FROM segments WHERE id % ? = 0 ORDER BY id LIMIT ?", (step, BACKGROUND_LIMIT))]
        ids = sorted(set(labels) | set(rejected))
        texts = {r["id"]: r["text"] for r in segment_texts(project, ids)}
        training = TrainingData(ids, [texts[i] for i in ids], [labels.get(i, set()) for i in ids],
                                [rejected.get(i, set()) for i in ids])
        return cls(codebook, training, background, coder_decided(project, coder))

    # -- fitting -------------------------------------------------------------------------------------------
    def _fit(self, codebook: Codebook, training: TrainingData) -> None:
        keys, col = self.keys, self._col
        human = [i for i, labels in enumerate(training.labels) if labels & col.keys() or training.rejected[i] & col.keys()]
        if not any(training.labels[i] & col.keys() for i in human):
            return  # nothing learned yet: the codebook alone speaks
        docs = [content_lemmas(x) for x in lemmatise([training.texts[i] for i in human])]
        Y = np.zeros((len(human), len(keys)), dtype=np.int8)
        negatives = np.zeros((len(human), len(keys)), dtype=bool)
        for r, i in enumerate(human):
            for key in training.labels[i] & col.keys():
                Y[r, col[key]] = 1
            for key in training.rejected[i] & col.keys():
                negatives[r, col[key]] = True
        # The codebook's own examples are labelled data too: they give every code a few positives from the start.
        by_key = codebook.by_key()
        examples = [(col[k], ex) for k in keys for ex in [*by_key[k].examples, *by_key[k].atypical_examples]]
        if examples:
            docs += [content_lemmas(x) for x in lemmatise([ex for _, ex in examples])]
            extra = np.zeros((len(examples), len(keys)), dtype=np.int8)
            extra[np.arange(len(examples)), [j for j, _ in examples]] = 1
            Y = np.vstack([Y, extra])
            negatives = np.vstack([negatives, np.zeros_like(extra, dtype=bool)])
        self.model_ = fit_model(docs, Y, negatives)
        n_human = Y[: len(human)].sum(axis=0).astype(np.float32)
        self.alpha_ = n_human / (n_human + PRIOR)
        self._train_ids = [training.segment_ids[i] for i in human]
        self._train_texts = [training.texts[i] for i in human]
        self._train_id_array = np.asarray(self._train_ids, dtype=np.int64)
        self._train_X = self.model_.named_steps["tfidf"].transform(docs[: len(human)]).T.tocsr()
        self._rows_by_code = [np.flatnonzero(Y[: len(human), j]) for j in range(len(keys))]

    # -- scoring -------------------------------------------------------------------------------------------
    def score(self, texts: Sequence[str]) -> tuple[np.ndarray, ColdScores, np.ndarray | None, Any]:
        """Blended scores (texts x codes), the cold-start parts, the model's probabilities, and model features."""
        lemmas = lemmatise(texts)
        cold = self.index.score(lemmas)
        if self.model_ is None:
            return cold.total, cold, None, None
        X = self.model_.named_steps["tfidf"].transform([content_lemmas(x) for x in lemmas])
        prob = self.model_.named_steps["clf"].predict_proba(X)
        blended = self.alpha_ * prob + (1.0 - self.alpha_) * cold.total
        return blended, cold, prob, X

    def rank(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Every leaf code for each text, best first (no exclusions): what evaluation measures."""
        scores = self.score(texts)[0]
        order = np.argsort(-scores, axis=1, kind="stable")
        return [[(self.keys[j], float(scores[i, j])) for j in order[i]] for i in range(len(texts))]

    def suggest(self, segments: Sequence[tuple[int, str]], top_k: int = 5) -> dict[int, list[Suggestion]]:
        """Up to `top_k` codes per segment, best first, leaving out codes this coder already applied or
        rejected on that segment. Each suggestion says why."""
        out: dict[int, list[Suggestion]] = {}
        for start in range(0, len(segments), 512):  # bounds the memory of the segment x example similarities
            out.update(self._suggest_batch(segments[start:start + 512], top_k))
        return out

    def _suggest_batch(self, segments: Sequence[tuple[int, str]], top_k: int) -> dict[int, list[Suggestion]]:
        out: dict[int, list[Suggestion]] = {}
        scores, cold, _prob, X = self.score([text for _, text in segments])
        sims = None
        if X is not None and self._train_X is not None:
            sims = np.asarray((X @ self._train_X).todense())
            X = X.tocsr()
        for i, (sid, _text) in enumerate(segments):
            skip = self.decided.get(sid, set())
            row = scores[i]
            picked: list[Suggestion] = []
            for j in np.argsort(-row, kind="stable"):
                if len(picked) >= top_k:
                    break
                key = self.keys[j]
                if key in skip or row[j] <= 0:
                    continue
                reason = self._reason(i, int(j), sid, cold, X, sims)
                method = METHOD_BLEND if self.alpha_[j] > 0 else METHOD_CODEBOOK
                picked.append(Suggestion(key, round(float(row[j]), 4), reason, method, self.version))
            out[sid] = picked
        return out

    def _reason(self, i: int, j: int, segment_id: int, cold: ColdScores, X: Any, sims: Any) -> str:
        parts = []
        found = sorted(cold.matches[i].get(j, []), key=lambda m: -m.weight)[:4]
        if found:
            parts.append("matched " + ", ".join(f'"{m.seen}"≈"{m.term}"' if m.seen else f'"{m.term}"' for m in found))
        if sims is not None and self.model_ is not None and self.alpha_[j] > 0:
            rows = self._rows_by_code[j]
            rows = rows[self._train_id_array[rows] != segment_id]  # a segment is not its own example
            if len(rows):
                sim_row = sims[i, rows]
                best = int(np.argmax(sim_row))
                if sim_row[best] > 0:
                    r = rows[best]
                    parts.append(f'like segment {self._train_ids[r]} "{_snippet(self._train_texts[r])}"')
            lo, hi = X.indptr[i], X.indptr[i + 1]
            words = top_features(self.model_, X.indices[lo:hi], X.data[lo:hi], j)
            if words:
                parts.append("model words " + ", ".join(words))
        if not parts:
            parts.append(f"close to the code's description (similarity {cold.description[i, j]:.2f},"
                         f" examples {cold.example[i, j]:.2f})")
        if cold.exclude[i, j] > 0.1:
            parts.append(f"some exclude wording (−{cold.exclude[i, j]:.2f})")
        return "; ".join(parts)

    def mark_decided(self, segment_id: int, code: str) -> None:
        """Stop proposing `code` on a segment (after an accept or reject) until the next `from_project`."""
        self.decided.setdefault(segment_id, set()).add(code)


def accept_suggestion(project: Project, segment_id: int, suggestion: Suggestion, coder: str | None = None) -> int:
    """Apply a suggested code to the segment, storing its provenance on the coding and the acceptance in
    suggestion_feedback; one transaction, logged. Returns the coding id."""
    return accept_code(project, segment_id, suggestion.code, (coder or project.coder).strip(), suggestion.provenance())


def reject_suggestion(project: Project, segment_id: int, suggestion: Suggestion, coder: str | None = None) -> None:
    """Record the rejection: it is never proposed again to this coder on this segment, and the model learns
    from it as negative evidence the next time it is built."""
    reject_code(project, segment_id, suggestion.code, (coder or project.coder).strip(), suggestion.provenance())
