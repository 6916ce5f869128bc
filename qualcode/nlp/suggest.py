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
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from qualcode.core.models import Codebook
from qualcode.nlp import embeddings as embedding_model
from qualcode.nlp.blend import Blend, cold_blend, default_warm_blend, fit_blend, log_model, log_prior, sigmoid
from qualcode.nlp.codebook_index import CodebookIndex, ColdScores, code_description, code_text, zscore
from qualcode.nlp.embeddings import EmbeddingCache, cosine, unit
from qualcode.nlp.model import feature_names, fit_model
from qualcode.nlp.pipeline import content_lemmas, lemmatise
from qualcode.store.codebook import load_codebook
from qualcode.store.project import Project, now
from qualcode.store.suggestions import (
    Decisions,
    TrainingSummary,
    accept_code,
    capped_segments,
    coder_decided,
    labels_of,
    reject_code,
    sample_order,
    segment_texts,
    training_summary,
)

BACKGROUND_LIMIT = 2000  # segments sampled to weigh words by rarity; more adds time, not accuracy
INNER_FOLDS = 3
INNER_MIN_SEGMENTS = 20  # fewer coded segments than this: default blend weights, no inner cross-validation
INNER_LIMIT = 600  # segments used to fit the blend weights (three numbers; the model itself learns from all)
# The refit learns from at most this many coded (and as many rejected) segments per code, an even sample in a
# fixed order of the segment ids (store.suggestions.sample_order); a code with fewer keeps them all. Beyond it a
# logistic regression gains little and the refit (spaCy lemmas of every training segment) grew with the
# project: 22 s at 45,000 codings, 46 s at 125,000. `from_project` has the database cut the sample, and reads
# only the sampled segments; the priors still count every coding.
TRAIN_ROWS_PER_CODE = 1000
NEGATIVE_WEIGHT = 3.0  # a rejected suggestion counts this much more than a code simply not applied
MIN_SCORE = 1e-4  # codes scoring below this (about nothing in common with the segment) are not proposed
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
    groups: list[str] = field(default_factory=list)  # participant (case) or document: kept together in CV
    # Set by from_project, whose rows are already the capped sample: counts and fingerprint of every decided
    # segment, read by the database (the rows alone would give the sample's).
    summary: TrainingSummary | None = None

    def __len__(self) -> int:
        return len(self.segment_ids)

    def subset(self, rows: Sequence[int]) -> TrainingData:
        """These rows, as training data of their own (no summary: the counts would be the whole set's)."""
        return TrainingData(
            [self.segment_ids[i] for i in rows],
            [self.texts[i] for i in rows],
            [self.labels[i] for i in rows],
            [self.rejected[i] for i in rows],
            [self.groups[i] for i in rows] if self.groups else [],
        )

    def group(self, i: int) -> str:
        return self.groups[i] if self.groups else f"segment:{self.segment_ids[i]}"

    def fingerprint(self) -> str:
        if self.summary is not None:
            return self.summary.fingerprint
        items = sorted(
            zip(
                self.segment_ids,
                (sorted(x) for x in self.labels),
                (sorted(x) for x in self.rejected),
                strict=True,
            )
        )
        return hashlib.sha1(json.dumps(items).encode()).hexdigest()


def _decided_segments(training: TrainingData) -> int:
    """Segments the coders decided on: all of them, also when the rows hold only the refit's sample."""
    return training.summary.segments if training.summary is not None else len(training)


def _background(project: Project) -> list[str]:
    """An even sample of segment texts for word rarity: those whose id is a multiple of a step, up to
    BACKGROUND_LIMIT, read by id (a scan for `id % step = 0` reads the whole segments table: 0.1 s CPU, and
    seconds of disk on a cold 1M-segment file). The same texts as that scan, in the same order."""
    total = int(project.scalar("SELECT coalesce(sum(segments), 0) FROM document_counts") or 0)  # kept count
    if not total:
        return []
    step = max(1, -(-total // BACKGROUND_LIMIT))
    low = int(project.scalar("SELECT min(id) FROM segments"))
    high = int(project.scalar("SELECT max(id) FROM segments"))
    out: list[str] = []
    start = -(-low // step) * step
    for first in range(start, high + 1, 500 * step):
        chunk = list(range(first, min(high, first + 499 * step) + 1, step))
        marks = ",".join("?" * len(chunk))
        out += [
            r[0]
            for r in project.conn.execute(
                f"SELECT text FROM segments WHERE id IN ({marks}) ORDER BY id", chunk
            )
        ]
        if len(out) >= BACKGROUND_LIMIT:
            return out[:BACKGROUND_LIMIT]
    return out


def segment_group(row: dict[str, Any], group_by: str = "case") -> str:
    """A participant's segments stay together; turns with no case (interviewers, notes) go by document."""
    if group_by == "case" and row.get("case"):
        return f"case:{row['case']}"
    return f"document:{row['document']}"


def _snippet(text: str, limit: int = 70) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(slots=True)
class _Evidence:
    """Per batch: the row of the most similar coded segment for each (segment, code), its similarity, and the
    segments' model features (csr)."""

    best_row: np.ndarray
    best_sim: np.ndarray
    X: Any


class Suggester:
    """Ranks a codebook's leaf codes for segments. Holds no database connection: safe to use in a worker thread
    after `from_project` has read what it needs.

    Cold (no codings yet): the codebook score, calibrated on the codebook's own examples. Warm: a per-code
    logistic regression over the coders' codings and the codebook's examples, blended with the codebook score
    and each code's prior; the blend weights are fitted by an inner cross-validation on the codings.
    """

    def __init__(
        self,
        codebook: Codebook,
        training: TrainingData | None = None,
        background: Sequence[str] = (),
        decided: Decisions | dict[int, set[str]] | None = None,
        version: str = "",
        index: CodebookIndex | None = None,
        embeddings: EmbeddingCache | None = None,
    ) -> None:
        """`background`: segment texts (no labels) for word rarity; `index`: a prebuilt CodebookIndex for this
        codebook, shared between suggesters (evaluation builds several per fold); `embeddings`: the optional
        sentence-embedding model's vectors, added to the blend as a fourth part."""
        self.index = index or CodebookIndex(codebook, background)
        self.emb = embeddings
        self._code_vec: np.ndarray | None
        self._plain_vec: np.ndarray | None
        self._code_vec, self._plain_vec = self._code_vectors() if embeddings else (None, None)
        self._centroids: np.ndarray | None = None
        self.training_segments: list[tuple[int, str]] = []  # (id, text) read by from_project
        self.keys = self.index.keys
        self._col = {k: j for j, k in enumerate(self.keys)}
        self.decided = decided if isinstance(decided, Decisions) else Decisions.of(decided or {})
        self.model_: Pipeline | None = None
        self.n_human_ = np.zeros(len(self.keys), dtype=np.int64)
        self.logprior_: np.ndarray | None = None
        self._train_ids: list[int] = []
        self._train_row: dict[int, int] = {}
        self._train_texts: list[str] = []
        self._train_X: sp.csr_matrix | None = None
        self._rows_by_code: list[np.ndarray] = []
        self._snippets: dict[int, str] = {}
        self._coef: np.ndarray | None = None
        self._names: Any = None
        self._examples = self._example_rows(codebook)
        self.cold_blend = getattr(self.index, self._cold_key(), None) or self._calibrate_cold()
        self.blend = self.cold_blend
        training = training or TrainingData()
        self.n_training = _decided_segments(training)
        self.version = version or self._version(codebook, training)
        if embeddings is not None and not version:
            self.version += "+emb"
        self._fit(training)

    @staticmethod
    def _version(codebook: Codebook, training: TrainingData) -> str:
        digest = hashlib.sha1()
        digest.update(json.dumps([(c.key, code_description(c), c.exclude) for c in codebook.codes]).encode())
        digest.update(training.fingerprint().encode())
        n = _decided_segments(training)
        kind = f"lr{n}" if n else "codebook"
        return f"{kind}-{digest.hexdigest()[:10]}"

    @classmethod
    def from_project(
        cls, project: Project, coder: str | None = None, embeddings: bool | EmbeddingCache | None = None
    ) -> Suggester:
        """Build the codebook index and fit the model from the project's codings and rejections (nothing is
        unpickled). Reads everything up front; the Suggester keeps no reference to the project.

        `embeddings`: None uses the optional embedding model when it is installed (qualcode[embeddings]) and
        not turned off by QUALCODE_EMBEDDINGS=0; True requires it; False leaves it out; or a prepared cache."""
        coder = (coder or project.coder).strip()
        codebook = load_codebook(project)
        index = CodebookIndex(codebook, _background(project))
        # The database counts every decided segment and cuts each code's sample; only the sampled segments'
        # codes and texts are read (at 400,000 codings: about 4,000 segments, not 200,000).
        summary = training_summary(project, index.keys)
        ids = capped_segments(project, index.keys, TRAIN_ROWS_PER_CODE)
        labels, rejected = labels_of(project, ids)
        rows = {r["id"]: r for r in segment_texts(project, ids)}
        training = TrainingData(
            ids,
            [rows[i]["text"] for i in ids],
            [labels.get(i, set()) for i in ids],
            [rejected.get(i, set()) for i in ids],
            [segment_group(rows[i]) for i in ids],
            summary,
        )
        cache = embeddings if isinstance(embeddings, EmbeddingCache) else None
        if cache is None and (embeddings or (embeddings is None and embedding_model.enabled())):
            cache = embedding_model.project_cache(project, ids)
        suggester = cls(
            codebook, training, decided=coder_decided(project, coder), index=index, embeddings=cache
        )
        suggester.training_segments = list(zip(ids, training.texts, strict=True))
        return suggester

    # -- fitting -------------------------------------------------------------------------------------------
    def _example_rows(self, codebook: Codebook) -> list[tuple[int, str]]:
        by_key = codebook.by_key()
        return [
            (self._col[k], ex)
            for k in self.keys
            for ex in [*by_key[k].examples, *by_key[k].atypical_examples]
            if ex.strip()
        ]

    def _cold_key(self) -> str:
        return f"_cold_blend_{self.emb.model_id}" if self.emb else "_cold_blend"

    def _code_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Each code's meaning as one unit vector: its text with its examples (cold), and its text alone (what
        the warm blend compares with, the examples being training rows there); cached on the index."""
        assert self.emb is not None
        key = f"_code_vectors_{self.emb.model_id}"
        cached = getattr(self.index, key, None)
        if cached is None:
            plain = self.emb.vectors([code_text(c) for c in self.index.codes])
            full = plain.copy()
            for j, code in enumerate(self.index.codes):
                examples = [e for e in [*code.examples, *code.atypical_examples] if e.strip()]
                if examples:
                    full[j] += self.emb.vectors(examples).sum(axis=0)
            cached = (unit(full), plain)
            setattr(self.index, key, cached)
        return cached

    def _meaning(self, vectors: np.ndarray, against: np.ndarray) -> np.ndarray:
        """The embedding part of the score: cosine with each code's vector, z-scored across the codes."""
        return zscore(cosine(vectors, against))

    def _calibrate_cold(self) -> Blend:
        """Fit the cold score's scale on the codebook's examples, scored against the codes' text alone (the full
        cold score contains them); cached on the index (shared across folds)."""
        texts = [ex for _, ex in self._examples]
        cold = self.index.score(lemmatise(texts), texts, with_matches=False).definition if texts else None
        owner = np.asarray([j for j, _ in self._examples], dtype=np.int64) if texts else None
        meaning = None
        if self.emb is not None and texts:
            meaning = self._meaning(self.emb.vectors(texts), self._plain_vec)  # type: ignore[arg-type]
        blend = cold_blend(cold, owner, meaning)
        if self.emb is not None and not blend.embedding and blend.fitted == "default":
            blend.embedding = (
                1.0  # too few examples to fit it: one z unit of meaning counts as one of wording
            )
        setattr(self.index, self._cold_key(), blend)
        return blend

    def _matrices(self, training: TrainingData, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        keys, col = self.keys, self._col
        Y = np.zeros((len(rows), len(keys)), dtype=np.int8)
        negatives = np.zeros((len(rows), len(keys)), dtype=bool)
        for r, i in enumerate(rows):
            for key in training.labels[i] & col.keys():
                Y[r, col[key]] = 1
            for key in training.rejected[i] & col.keys():
                negatives[r, col[key]] = True
        return Y, negatives

    def _fit_lr(self, docs: list[list[str]], Y: np.ndarray, negatives: np.ndarray) -> Pipeline:
        """The learned model: the coders' rows plus the codebook's examples as extra positive rows."""
        if self._examples:
            extra = np.zeros((len(self._examples), len(self.keys)), dtype=np.int8)
            extra[np.arange(len(self._examples)), [j for j, _ in self._examples]] = 1
            Y = np.vstack([Y, extra])
            negatives = np.vstack([negatives, np.zeros_like(extra, dtype=bool)])
            docs = docs + self._example_docs
        return fit_model(docs, Y, negatives)

    def _fit(self, training: TrainingData) -> None:
        col = self._col
        human = [
            i
            for i, labels in enumerate(training.labels)
            if labels & col.keys() or training.rejected[i] & col.keys()
        ]
        if not any(training.labels[i] & col.keys() for i in human):
            return  # nothing learned yet: the codebook alone speaks
        if training.summary is None:  # priors from every coding
            n_all, n_rows = self._matrices(training, human)[0].sum(axis=0), len(human)
        else:  # the rows are a sample: the database counted them all
            n_all = np.asarray([training.summary.coded.get(k, 0) for k in self.keys], dtype=np.int64)
            n_rows = training.summary.segments
        human = self._capped(training, human)
        texts = [training.texts[i] for i in human]
        lemmas = lemmatise(texts)
        docs = [content_lemmas(x) for x in lemmas]
        self._example_docs = [content_lemmas(x) for x in lemmatise([ex for _, ex in self._examples])]
        Y, negatives = self._matrices(training, human)
        self.model_ = self._fit_lr(docs, Y, negatives)
        self.n_human_ = n_all
        self.logprior_ = log_prior(self.n_human_, n_rows)
        train_vecs = self.emb.vectors(texts) if self.emb is not None else None
        self.blend = self._fit_blend(training, human, docs, lemmas, texts, Y, negatives, train_vecs)
        if train_vecs is not None:
            self._centroids = self._centroids_of(train_vecs, Y)
        self._train_ids = [training.segment_ids[i] for i in human]
        self._train_texts = texts
        self._train_row = {sid: r for r, sid in enumerate(self._train_ids)}
        self._train_X = self.model_.named_steps["tfidf"].transform(docs).T.tocsr()
        self._rows_by_code = [np.flatnonzero(Y[:, j]) for j in range(len(self.keys))]

    def _capped(self, training: TrainingData, human: list[int]) -> list[int]:
        """The training rows kept, in their order: for each code, the first TRAIN_ROWS_PER_CODE of the rows it
        was applied to and the first TRAIN_ROWS_PER_CODE of those it was rejected on, in `sample_order` (a code
        with fewer keeps them all): the sample store.suggestions.capped_segments has the database cut, so
        from_project's rows come back unchanged."""
        if len(human) <= TRAIN_ROWS_PER_CODE:
            return human
        col = self._col.keys()
        seen: dict[tuple[str, str], int] = {}
        kept = []
        for i in sorted(human, key=lambda i: sample_order(training.segment_ids[i])):
            wants = [("+", k) for k in training.labels[i] & col] + [
                ("-", k) for k in training.rejected[i] & col
            ]
            if any(seen.get(w, 0) < TRAIN_ROWS_PER_CODE for w in wants):
                kept.append(i)
            for w in wants:
                seen[w] = seen.get(w, 0) + 1
        return sorted(kept)

    def _fit_blend(
        self,
        training: TrainingData,
        human: list[int],
        docs: list[list[str]],
        lemmas: list[Any],
        texts: list[str],
        Y: np.ndarray,
        negatives: np.ndarray,
        vectors: np.ndarray | None = None,
    ) -> Blend:
        """Blend weights from an inner cross-validation over the coders' own segments, grouped by participant
        so the weights reflect text the model has not seen."""
        fallback = default_warm_blend(self.cold_blend)
        positives = np.flatnonzero(Y.sum(axis=1) > 0)
        groups = np.asarray([training.group(i) for i in human])
        if len(positives) < INNER_MIN_SEGMENTS or len(set(groups)) < 2:
            return fallback
        rows = np.arange(len(human))
        if len(rows) > INNER_LIMIT:  # an even sample: the weights are three numbers, not a vocabulary
            rows = np.random.default_rng(0).choice(rows, INNER_LIMIT, replace=False)
            rows.sort()
        cold = self.index.score(
            [lemmas[r] for r in rows], [texts[r] for r in rows], with_matches=False
        ).definition
        logp = np.zeros_like(cold, dtype=np.float64)
        logprior = np.zeros_like(cold, dtype=np.float64)
        meaning = np.zeros_like(cold, dtype=np.float64) if vectors is not None else None
        splitter = GroupKFold(n_splits=min(INNER_FOLDS, len(set(groups[rows]))))
        for tr, va in splitter.split(rows, groups=groups[rows]):
            inner_train = rows[tr]
            model = self._fit_lr([docs[r] for r in inner_train], Y[inner_train], negatives[inner_train])
            X = model.named_steps["tfidf"].transform([docs[r] for r in rows[va]])
            logp[va] = log_model(model.named_steps["clf"].predict_proba(X))
            logprior[va] = log_prior(Y[inner_train].sum(axis=0), len(inner_train))
            if vectors is not None and meaning is not None:
                centroids = self._centroids_of(vectors[inner_train], Y[inner_train])
                meaning[va] = self._meaning(vectors[rows[va]], centroids)
        weight = np.where(negatives[rows] & (Y[rows] == 0), NEGATIVE_WEIGHT, 1.0)
        return fit_blend(cold, logp, logprior, Y[rows], weight, fallback, meaning)

    def _centroids_of(self, vectors: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Each code's meaning once coded: the sum of its coded segments' vectors and its own text's, unit length
        (a code nobody has applied yet keeps its text's vector)."""
        assert self._plain_vec is not None
        return unit(self._plain_vec + Y.T.astype(np.float32) @ vectors)

    # -- scoring -------------------------------------------------------------------------------------------
    def score(
        self, texts: Sequence[str], with_matches: bool = True
    ) -> tuple[np.ndarray, ColdScores, np.ndarray | None, Any]:
        """Scores in [0, 1] (texts x codes), the cold-start parts, the model's probabilities, and model features."""
        texts = list(texts)
        lemmas = lemmatise(texts)
        cold = self.index.score(lemmas, texts, with_matches=with_matches)
        vectors = self.emb.vectors(texts) if self.emb is not None else None
        if self.model_ is None:
            meaning = None if vectors is None else self._meaning(vectors, self._code_vec)  # type: ignore[arg-type]
            return sigmoid(self.cold_blend.logits(cold.total, meaning=meaning)), cold, None, None
        X = self.model_.named_steps["tfidf"].transform([content_lemmas(x) for x in lemmas])
        prob = self.model_.named_steps["clf"].predict_proba(X)
        meaning = None if vectors is None else self._meaning(vectors, self._centroids)  # type: ignore[arg-type]
        logits = self.blend.logits(cold.definition, log_model(prob), self.logprior_, meaning)
        return sigmoid(logits), cold, prob, X

    def rank(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Every leaf code for each text, best first (no exclusions): what evaluation measures."""
        scores = self.score(texts, with_matches=False)[0]
        order = np.argsort(-scores, axis=1, kind="stable")
        return [[(self.keys[j], float(scores[i, j])) for j in order[i]] for i in range(len(texts))]

    def uncertainty(self, texts: Sequence[str]) -> np.ndarray:
        """How unsure the suggester is about each text, in [0, 1]: 1 minus the gap between its two best codes'
        shares of the scores. Coding the least sure segments first teaches the model most."""
        scores = self.score(texts, with_matches=False)[0]
        if scores.shape[1] < 2:
            return np.ones(len(texts))
        share = scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)
        top = -np.sort(-share, axis=1)
        return 1.0 - (top[:, 0] - top[:, 1])

    def suggest(self, segments: Sequence[tuple[int, str]], top_k: int = 5) -> dict[int, list[Suggestion]]:
        """Up to `top_k` codes per segment, best first, leaving out codes this coder already applied or
        rejected on that segment. Each suggestion says why."""
        out: dict[int, list[Suggestion]] = {}
        for start in range(0, len(segments), 512):  # bounds the memory of the segment x example similarities
            out.update(self._suggest_batch(segments[start : start + 512], top_k))
        return out

    def _suggest_batch(self, segments: Sequence[tuple[int, str]], top_k: int) -> dict[int, list[Suggestion]]:
        out: dict[int, list[Suggestion]] = {}
        scores, cold, _prob, X = self.score([text for _, text in segments])
        evidence = self._evidence(segments, X)
        # Ranks by one argsort of the whole batch; reasons only for the codes picked.
        order = np.argsort(-scores, axis=1, kind="stable")
        for i, (sid, _text) in enumerate(segments):
            skip = self.decided.get(sid, ())
            row = scores[i]
            picked: list[Suggestion] = []
            for j in order[i]:
                if len(picked) >= top_k or row[j] < MIN_SCORE:
                    break
                key = self.keys[j]
                if key in skip:
                    continue
                reason = self._reason(i, int(j), cold, evidence)
                picked.append(
                    Suggestion(key, round(float(row[j]), 4), reason, self.method(key), self.version)
                )
            out[sid] = picked
        return out

    def method(self, code: str) -> str:
        """What proposes `code`: the codebook alone, or the learned model blended with it."""
        learned = self.model_ is not None and self.n_human_[self._col[code]] > 0
        return METHOD_BLEND if learned else METHOD_CODEBOOK

    def explain(self, segments: Sequence[tuple[int, str]], code: str) -> dict[int, str]:
        """Why `code` scores as it does on each segment (the reason a suggestion would carry)."""
        j = self._col[code]
        _scores, cold, _prob, X = self.score([text for _, text in segments])
        evidence = self._evidence(segments, X)
        return {sid: self._reason(i, j, cold, evidence) for i, (sid, _) in enumerate(segments)}

    def _evidence(self, segments: Sequence[tuple[int, str]], X: Any) -> _Evidence | None:
        """What the learned part's reasons cite, for a whole batch at once: for each segment and code the most
        similar coded segment carrying that code (never the segment itself), and the segments' model features."""
        if X is None or self._train_X is None:
            return None
        sims = (X @ self._train_X).toarray()
        for i, (sid, _) in enumerate(segments):
            r = self._train_row.get(sid)
            if r is not None:
                sims[i, r] = -np.inf  # a segment is not its own example
        n, k = len(segments), len(self.keys)
        best_row = np.full((n, k), -1, dtype=np.int64)
        best_sim = np.zeros((n, k), dtype=np.float64)
        everyone = np.arange(n)
        for j, rows in enumerate(self._rows_by_code):
            if len(rows) and self.n_human_[j] > 0:
                sub = sims[:, rows]
                top = sub.argmax(axis=1)
                best_row[:, j] = rows[top]
                best_sim[:, j] = sub[everyone, top]
        return _Evidence(best_row, best_sim, X.tocsr())

    def _reason(self, i: int, j: int, cold: ColdScores, evidence: _Evidence | None) -> str:
        parts = []
        found = sorted(cold.matches[i].get(j, []), key=lambda m: -m.weight)[:4]
        if found:
            parts.append(
                "matched " + ", ".join(f'"{m.seen}"≈"{m.term}"' if m.seen else f'"{m.term}"' for m in found)
            )
        if evidence is not None:
            r = int(evidence.best_row[i, j])
            if r >= 0 and evidence.best_sim[i, j] > 0:
                parts.append(f'like segment {self._train_ids[r]} "{self._snippet(r)}"')
            X = evidence.X
            lo, hi = X.indptr[i], X.indptr[i + 1]
            words = self._model_words(X.indices[lo:hi], X.data[lo:hi], j)
            if words:
                parts.append("words that raised it: " + ", ".join(words))
        if not found:
            shared = cold.shared_words(i, j, self.index)
            if shared:
                parts.append("shares words with the code's description: " + ", ".join(shared))
        if not parts:
            parts.append(
                f"close to the code's description in wording (similarity {cold.word[i, j]:.2f},"
                f" spelling {cold.char[i, j]:.2f})"
            )
        if cold.exclude[i, j] > 0.1:
            parts.append(f"some exclude wording (similarity {cold.exclude[i, j]:.2f})")
        return "; ".join(parts)

    def _model_words(self, indices: np.ndarray, values: np.ndarray, j: int, n: int = 3) -> list[str]:
        """The segment's words that push code j's learned score up most (the model's coefficients and
        vocabulary are looked up once, not per reason)."""
        if self._coef is None:
            self._coef = self.model_.named_steps["clf"].coef_  # type: ignore[union-attr]
            self._names = feature_names(self.model_)  # type: ignore[arg-type]
        if len(indices) == 0:
            return []
        weights = self._coef[j, indices] * values
        order = np.argsort(-weights)[:n]
        return [str(self._names[indices[i]]) for i in order if weights[i] > 0]

    def _snippet(self, row: int) -> str:
        cached = self._snippets.get(row)
        if cached is None:
            cached = self._snippets[row] = _snippet(self._train_texts[row])
        return cached

    def mark_decided(self, segment_id: int, code: str) -> None:
        """Stop proposing `code` on a segment (after an accept or reject) until the next `from_project`."""
        self.decided.add(segment_id, code)


def accept_suggestion(
    project: Project, segment_id: int, suggestion: Suggestion, coder: str | None = None
) -> int:
    """Apply a suggested code to the segment, storing its provenance on the coding and the acceptance in
    suggestion_feedback; one transaction, logged. Returns the coding id."""
    return accept_code(
        project, segment_id, suggestion.code, (coder or project.coder).strip(), suggestion.provenance()
    )


def reject_suggestion(
    project: Project, segment_id: int, suggestion: Suggestion, coder: str | None = None
) -> None:
    """Record the rejection: it is never proposed again to this coder on this segment, and the model learns
    from it as negative evidence the next time it is built."""
    reject_code(
        project, segment_id, suggestion.code, (coder or project.coder).strip(), suggestion.provenance()
    )
