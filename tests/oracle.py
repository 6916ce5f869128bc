"""Independent reference statistics for the agreement tests: Cohen's kappa and Krippendorff's alpha (nominal),
written from the textbook formulas in plain Python (no scikit-learn, no krippendorff package, no numpy).

Cohen (1960): kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of units the two coders put in the same
category and p_e = sum over categories of (coder A's share in it) * (coder B's share in it).

Krippendorff (2011, "Computing Krippendorff's alpha-reliability"), nominal level, any number of coders,
missing values allowed: for each unit with m_u >= 2 values, every ordered pair of values (c, k) from two
different coders adds 1 / (m_u - 1) to the coincidence o_ck. n_c = sum_k o_ck, n = sum_c n_c (the number of
pairable values). alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from fractions import Fraction

Value = Hashable | None  # None: the coder gave no value for the unit (missing)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> Fraction | None:
    """Exact Cohen's kappa of two equally long rating lists, or None when p_e = 1 (undefined)."""
    if len(a) != len(b) or not a:
        raise ValueError("two non-empty ratings of equal length are needed")
    n = len(a)
    p_o = Fraction(sum(x == y for x, y in zip(a, b, strict=True)), n)
    count_a, count_b = Counter(a), Counter(b)
    p_e = sum(
        (Fraction(count_a[c], n) * Fraction(count_b[c], n) for c in count_a.keys() | count_b.keys()),
        Fraction(0),
    )
    if p_e == 1:
        return None
    return (p_o - p_e) / (1 - p_e)


def coincidences(data: Sequence[Sequence[Value]]) -> Counter[tuple[Hashable, Hashable]]:
    """The coincidence matrix o_ck of a coders x units table (None = missing)."""
    o: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in zip(*data, strict=True):
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue  # a unit with one value has no pair: it does not count
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    o[(c, k)] += Fraction(1, m - 1)  # type: ignore[assignment]
    return o


def krippendorff_alpha_nominal(data: Sequence[Sequence[Value]]) -> Fraction | None:
    """Exact nominal alpha of a coders x units table (None = missing), or None when no disagreement is
    expected by chance (fewer than two categories among the pairable values)."""
    o = coincidences(data)
    n_c: Counter[Hashable] = Counter()
    for (c, _k), weight in o.items():
        n_c[c] += weight
    n = sum(n_c.values(), Fraction(0))
    observed = sum((w for (c, k), w in o.items() if c != k), Fraction(0))
    expected = sum((n_c[c] * n_c[k] for c in n_c for k in n_c if c != k), Fraction(0))
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected
