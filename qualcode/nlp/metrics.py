"""Quality figures for ranked code suggestions: precision@1, recall@k, hit@k, and F1 at a score threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Ranked = Sequence[tuple[str, float]]  # (code, score), best first


def _check(truth: Sequence[set[str]], ranked: Sequence[Ranked]) -> None:
    if len(truth) != len(ranked):
        raise ValueError("truth and rankings differ in length")


def precision_at_1(truth: Sequence[set[str]], ranked: Sequence[Ranked]) -> float:
    """Share of segments whose top suggestion is one of the human's codes."""
    _check(truth, ranked)
    if not truth:
        return 0.0
    return sum(1 for t, r in zip(truth, ranked, strict=True) if r and r[0][0] in t) / len(truth)


def recall_at_k(truth: Sequence[set[str]], ranked: Sequence[Ranked], k: int = 3) -> float:
    """Mean over segments of the share of the human's codes found in the top k suggestions."""
    _check(truth, ranked)
    scored = [(t, r) for t, r in zip(truth, ranked, strict=True) if t]
    if not scored:
        return 0.0
    return sum(len(t & {c for c, _ in r[:k]}) / len(t) for t, r in scored) / len(scored)


def hit_at_k(truth: Sequence[set[str]], ranked: Sequence[Ranked], k: int = 3) -> float:
    """Share of segments with at least one of the human's codes in the top k suggestions."""
    _check(truth, ranked)
    if not truth:
        return 0.0
    return sum(1 for t, r in zip(truth, ranked, strict=True) if t & {c for c, _ in r[:k]}) / len(truth)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def threshold_figures(
    truth: Sequence[set[str]], ranked: Sequence[Ranked], threshold: float
) -> dict[str, Any]:
    """Codes scoring at or above `threshold` count as predicted. Micro figures pool every (segment, code)
    decision; macro F1 averages per-code F1 over every code that is true or predicted somewhere."""
    _check(truth, ranked)
    counts: dict[str, list[int]] = {}  # code -> [tp, fp, fn]
    for t, r in zip(truth, ranked, strict=True):
        predicted = {c for c, s in r if s >= threshold}
        for code in predicted | t:
            c = counts.setdefault(code, [0, 0, 0])
            if code in predicted and code in t:
                c[0] += 1
            elif code in predicted:
                c[1] += 1
            else:
                c[2] += 1
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    per_code = {
        code: {**_prf(*c), "support": c[0] + c[2], "predicted": c[0] + c[1]}
        for code, c in sorted(counts.items())
    }
    macro = sum(v["f1"] for v in per_code.values()) / len(per_code) if per_code else 0.0
    return {"threshold": threshold, "micro": _prf(tp, fp, fn), "macro_f1": macro, "per_code": per_code}


def ranking_figures(truth: Sequence[set[str]], ranked: Sequence[Ranked]) -> dict[str, float]:
    return {
        "segments": len(truth),
        "precision_at_1": precision_at_1(truth, ranked),
        "recall_at_3": recall_at_k(truth, ranked, 3),
        "hit_at_3": hit_at_k(truth, ranked, 3),
        "recall_at_5": recall_at_k(truth, ranked, 5),
    }
