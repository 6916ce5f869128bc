"""Find codes from a few typed characters: exact key prefixes first, then fuzzy matches on key and label."""

from __future__ import annotations

from rapidfuzz import fuzz

from qualcode.core.models import Code


def rank_codes(query: str, codes: list[Code], limit: int = 20) -> list[tuple[Code, float]]:
    """Codes ranked for `query` (best first, score 0-100). An empty query lists codes in codebook order."""
    q = query.strip().lower()
    if not q:
        return [(c, 0.0) for c in codes[:limit]]
    scored: list[tuple[Code, float]] = []
    for code in codes:
        key, label = code.key.lower(), code.label.lower()
        leaf = key.rsplit(".", 1)[-1]
        if key == q or leaf == q:
            score = 100.0
        elif key.startswith(q) or leaf.startswith(q) or label.startswith(q):
            score = 95.0 - min(len(key) - len(q), 10) * 0.1
        elif q in key or q in label:
            score = 85.0
        else:
            score = (
                max(
                    fuzz.partial_ratio(q, key), fuzz.partial_ratio(q, label), fuzz.WRatio(q, f"{key} {label}")
                )
                * 0.8
            )
        if score >= 45:
            scored.append((code, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
