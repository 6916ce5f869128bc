"""How the codebook score, the learned model and each code's prior combine into one calibrated score."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

PARTS = ("codebook", "model", "prior", "embedding")
LOGP_FLOOR = -9.0  # log-probabilities below this say nothing more (and would swamp the blend)
# Without data to fit on: one z unit of codebook score moves the log-odds by 1, and a code with average cold
# evidence sits near 1 in 50. Replaced by a fit on the codebook's own examples when it has enough of them.
DEFAULT_COLD = (1.0, -4.0)
MIN_EXAMPLES_TO_CALIBRATE = 6


@dataclass(slots=True)
class Blend:
    """score = sigmoid(codebook * cold + model * log p + prior * log prior + embedding * meaning + bias), weights
    never negative; `meaning` is the optional embedding model's z-scored similarity (0 weight without it)."""

    codebook: float
    model: float = 0.0
    prior: float = 0.0
    bias: float = 0.0
    fitted: str = "default"  # "default", "codebook examples" or "inner cross-validation"
    embedding: float = 0.0

    def logits(
        self,
        cold: np.ndarray,
        logp: np.ndarray | None = None,
        logprior: np.ndarray | None = None,
        meaning: np.ndarray | None = None,
    ) -> np.ndarray:
        out = self.codebook * cold + self.bias
        if logp is not None and self.model:
            out = out + self.model * logp
        if logprior is not None and self.prior:
            out = out + self.prior * logprior
        if meaning is not None and self.embedding:
            out = out + self.embedding * meaning
        return np.asarray(out, dtype=np.float64)

    def describe(self) -> str:
        meaning = f" + {self.embedding:.2f}×embedding" if self.embedding else ""
        return (
            f"{self.codebook:.2f}×codebook + {self.model:.2f}×log model + {self.prior:.2f}×log prior{meaning}"
            f" ({self.fitted})"
        )


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def log_model(prob: np.ndarray) -> np.ndarray:
    return np.maximum(np.log(np.maximum(prob, 1e-12)), LOGP_FLOOR)


def log_prior(counts: np.ndarray, n: int) -> np.ndarray:
    """Smoothed log share of training segments that carry each code."""
    return np.log((np.asarray(counts, dtype=np.float64) + 0.5) / (n + 1.0))


def _fit_logistic(
    X: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, float] | None:
    if y.min() == y.max():
        return None
    clf = LogisticRegression(C=1.0, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=weight)
    return clf.coef_[0].astype(float), float(clf.intercept_[0])


def cold_blend(cold: np.ndarray | None, owner: np.ndarray | None, meaning: np.ndarray | None = None) -> Blend:
    """Calibrate the codebook score on the codebook's own examples (scored as if they were segments: the cold
    score never reads them), so that a cold score reads as a chance; `owner[i]` is example i's code column.
    With `meaning` (the embedding similarity) its weight is fitted alongside."""
    if cold is None or owner is None or len(owner) < MIN_EXAMPLES_TO_CALIBRATE or cold.shape[1] < 2:
        return _default_cold()
    y = np.zeros_like(cold, dtype=np.int8)
    y[np.arange(len(owner)), owner] = 1
    fit = _fit_logistic(cold.reshape(-1, 1), y.ravel())
    lexical = None if fit is None or fit[0][0] <= 0 else fit
    if meaning is not None:
        both = _fit_logistic(np.column_stack([cold.ravel(), meaning.ravel()]), y.ravel())
        if both is not None and both[0][0] > 0 and both[0][1] > 0:
            return Blend(
                float(both[0][0]), bias=both[1], fitted="codebook examples", embedding=float(both[0][1])
            )
        alone = _fit_logistic(meaning.reshape(-1, 1), y.ravel())
        if lexical is None and alone is not None and alone[0][0] > 0:  # the wording misleads: meaning alone
            return Blend(0.0, bias=alone[1], fitted="codebook examples", embedding=float(alone[0][0]))
    if lexical is None:
        return _default_cold()
    return Blend(float(lexical[0][0]), bias=lexical[1], fitted="codebook examples")


def _default_cold() -> Blend:
    # By name: passed positionally, the bias once landed in the model weight (unused cold), leaving bias 0.
    return Blend(codebook=DEFAULT_COLD[0], bias=DEFAULT_COLD[1])


def default_warm_blend(cold: Blend) -> Blend:
    """Too few codings to fit weights: the model's log-probability shifts the cold log-odds, a code the model
    puts at even odds keeping its cold score."""
    return Blend(cold.codebook, 1.0, 0.0, cold.bias - math.log(0.5), "default", cold.embedding)


def fit_blend(
    cold: np.ndarray,
    logp: np.ndarray,
    logprior: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray | None,
    fallback: Blend,
    meaning: np.ndarray | None = None,
) -> Blend:
    """Fit the weights on out-of-fold scores: one row per (segment, code), `truth` 1 where a coder applied the
    code, `weight` larger for explicit rejections. Negative weights (a part that misleads) are set to 0."""
    parts = [cold.ravel(), logp.ravel(), logprior.ravel()]
    if meaning is not None:
        parts.append(meaning.ravel())
    X = np.column_stack(parts)
    fit = _fit_logistic(X, truth.ravel().astype(np.int8), None if weight is None else weight.ravel())
    if fit is None:
        return fallback
    coef, bias = fit
    coef = np.maximum(coef, 0.0)
    if coef[0] == 0 and coef[1] == 0:
        return fallback
    embedding = float(coef[3]) if meaning is not None else 0.0
    return Blend(float(coef[0]), float(coef[1]), float(coef[2]), bias, "inner cross-validation", embedding)
