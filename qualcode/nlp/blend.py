"""How the codebook score, the learned model and each code's prior combine into one calibrated score."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

PARTS = ("codebook", "model", "prior")
LOGP_FLOOR = -9.0  # log-probabilities below this say nothing more (and would swamp the blend)
# Without data to fit on: one z unit of codebook score moves the log-odds by 1, and a code with average cold
# evidence sits near 1 in 50. Replaced by a fit on the codebook's own examples when it has enough of them.
DEFAULT_COLD = (1.0, -4.0)
MIN_EXAMPLES_TO_CALIBRATE = 6


@dataclass(slots=True)
class Blend:
    """score = sigmoid(codebook * cold + model * log p + prior * log prior + bias), weights never negative."""

    codebook: float
    model: float = 0.0
    prior: float = 0.0
    bias: float = 0.0
    fitted: str = "default"  # "default", "codebook examples" or "inner cross-validation"

    def logits(
        self, cold: np.ndarray, logp: np.ndarray | None = None, logprior: np.ndarray | None = None
    ) -> np.ndarray:
        out = self.codebook * cold + self.bias
        if logp is not None and self.model:
            out = out + self.model * logp
        if logprior is not None and self.prior:
            out = out + self.prior * logprior
        return np.asarray(out, dtype=np.float64)

    def describe(self) -> str:
        return (
            f"{self.codebook:.2f}×codebook + {self.model:.2f}×log model + {self.prior:.2f}×log prior"
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


def cold_blend(cold: np.ndarray | None, owner: np.ndarray | None) -> Blend:
    """Calibrate the codebook score on the codebook's own examples (scored as if they were segments: the cold
    score never reads them), so that a cold score reads as a chance; `owner[i]` is example i's code column."""
    if cold is None or owner is None or len(owner) < MIN_EXAMPLES_TO_CALIBRATE or cold.shape[1] < 2:
        return Blend(*DEFAULT_COLD)
    y = np.zeros_like(cold, dtype=np.int8)
    y[np.arange(len(owner)), owner] = 1
    fit = _fit_logistic(cold.reshape(-1, 1), y.ravel())
    if fit is None or fit[0][0] <= 0:
        return Blend(*DEFAULT_COLD)
    return Blend(float(fit[0][0]), bias=fit[1], fitted="codebook examples")


def default_warm_blend(cold: Blend) -> Blend:
    """Too few codings to fit weights: the model's log-probability shifts the cold log-odds, a code the model
    puts at even odds keeping its cold score."""
    return Blend(cold.codebook, 1.0, 0.0, cold.bias - math.log(0.5), "default")


def fit_blend(
    cold: np.ndarray,
    logp: np.ndarray,
    logprior: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray | None,
    fallback: Blend,
) -> Blend:
    """Fit the weights on out-of-fold scores: one row per (segment, code), `truth` 1 where a coder applied the
    code, `weight` larger for explicit rejections. Negative weights (a part that misleads) are set to 0."""
    X = np.column_stack([cold.ravel(), logp.ravel(), logprior.ravel()])
    fit = _fit_logistic(X, truth.ravel().astype(np.int8), None if weight is None else weight.ravel())
    if fit is None:
        return fallback
    coef, bias = fit
    coef = np.maximum(coef, 0.0)
    if coef[0] == 0 and coef[1] == 0:
        return fallback
    return Blend(float(coef[0]), float(coef[1]), float(coef[2]), bias, "inner cross-validation")
