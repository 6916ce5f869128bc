"""Segments most like a given one: by the optional embedding model's cosine, else TF-IDF cosine over lemmas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qualcode.nlp.codebook_index import make_vectorizer
from qualcode.nlp.embeddings import EmbeddingCache
from qualcode.nlp.pipeline import content_lemmas, lemmatise

METHOD = "tf-idf"


def most_similar(target: str, candidates: Sequence[tuple[int, str]], top: int = 10) -> list[dict[str, Any]]:
    """The `top` candidates (id, text) closest to `target`, best first, with their cosine similarity; candidates
    sharing no word with the target are left out."""
    docs = [content_lemmas(x) for x in lemmatise([target, *[t for _, t in candidates]])]
    vectorizer = make_vectorizer(ngram_range=(1, 2))
    X = vectorizer.fit_transform(docs)
    sims = np.asarray((X[1:] @ X[0].T).todense()).ravel()
    order = np.argsort(-sims, kind="stable")[:top]
    return [
        {"segment_id": candidates[i][0], "similarity": round(float(sims[i]), 4), "text": candidates[i][1]}
        for i in order
        if sims[i] > 0
    ]


def most_similar_by_meaning(
    target: str, candidates: Sequence[tuple[int, str]], cache: EmbeddingCache, top: int = 10
) -> list[dict[str, Any]]:
    """The `top` candidates closest to `target` by the cosine of their sentence embeddings, best first."""
    if not candidates:
        return []
    vectors = cache.vectors([target, *[t for _, t in candidates]])
    sims = vectors[1:] @ vectors[0]
    order = np.argsort(-sims, kind="stable")[:top]
    return [
        {"segment_id": candidates[i][0], "similarity": round(float(sims[i]), 4), "text": candidates[i][1]}
        for i in order
    ]
