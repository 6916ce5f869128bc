"""The learned part: TF-IDF over lemma n-grams and one logistic regression per code (one-vs-rest)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from qualcode.nlp.codebook_index import make_vectorizer


class OneVsRestLogistic(ClassifierMixin, BaseEstimator):
    """One binary logistic regression per code on shared features, so that each code can weigh its own explicit
    negatives (rejected suggestions) more than the implicit ones (segments coded with something else).

    Scores are the regressions' probabilities: with `positive_weight` left at 1 they estimate how often a segment
    like this one carries the code.
    """

    def __init__(self, C: float = 10.0, negative_weight: float = 3.0, positive_weight: float = 5.0) -> None:
        self.C = C
        self.negative_weight = negative_weight
        self.positive_weight = positive_weight

    def fit(
        self,
        X: sp.spmatrix,
        Y: np.ndarray,
        negatives: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> OneVsRestLogistic:
        """`Y` (samples x codes) holds 1 where a sample has the code; `negatives` marks explicit rejections."""
        Y = np.asarray(Y, dtype=np.int8)
        n, k = Y.shape
        base = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        coef = np.zeros((k, X.shape[1]), dtype=np.float64)
        intercept = np.full(k, -30.0)  # a code never seen gets probability ~0 from the model
        for j in range(k):
            y = Y[:, j]
            positives = int(y.sum())
            if positives == 0:
                continue
            if positives == n:
                intercept[j] = 30.0
                continue
            weight = base * np.where(y == 1, self.positive_weight, 1.0)
            if negatives is not None:
                weight = weight * np.where(negatives[:, j] & (y == 0), self.negative_weight, 1.0)
            clf = LogisticRegression(C=self.C, solver="liblinear", max_iter=200)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y, sample_weight=weight)
            coef[j] = clf.coef_[0]
            intercept[j] = clf.intercept_[0]
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_positive_ = Y.sum(axis=0)
        self.classes_ = np.arange(k)
        return self

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Per-code probabilities (each column on its own: a segment can carry several codes)."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.decision_function(X), -30, 30)))

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int8)


def make_model(C: float = 10.0, negative_weight: float = 3.0) -> Pipeline:
    """Lemma unigrams and bigrams (stop words already removed) into per-code logistic regressions."""
    return Pipeline(
        [
            ("tfidf", make_vectorizer(ngram_range=(1, 2))),
            ("clf", OneVsRestLogistic(C=C, negative_weight=negative_weight)),
        ]
    )


def feature_names(model: Pipeline) -> np.ndarray:
    vec = model.named_steps["tfidf"]
    names = getattr(vec, "_qualcode_names", None)
    if names is None:  # computed once: get_feature_names_out builds a large array each call
        names = vec.get_feature_names_out()
        vec._qualcode_names = names
    return names


def fit_model(
    docs: Sequence[list[str]],
    Y: np.ndarray,
    negatives: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
    C: float = 10.0,
) -> Pipeline:
    model = make_model(C=C)
    return model.fit(list(docs), Y, clf__negatives=negatives, clf__sample_weight=sample_weight)
