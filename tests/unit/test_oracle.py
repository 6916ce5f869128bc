"""The independent kappa/alpha oracle (tests/oracle.py) on hand-worked cases, then qualcode's agreement
statistics checked against it (qualcode computes them from rating-pattern counts; the oracle from the ratings)."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.reports.agreement import agreement_from_codes, alpha, kappa, statistics
from tests.oracle import cohen_kappa, coincidences, krippendorff_alpha_nominal

# Three coders, six units, one code (1 = applied). Used by several tests below.
A = [1, 1, 1, 0, 0, 0]
B = [1, 1, 0, 0, 0, 0]
C = [1, 0, 0, 1, 1, 0]


def test_oracle_kappa_two_coders_hand_worked():
    # amira 1 1 1 1 0 0 0 0 0 0 / tom 1 1 1 0 1 0 0 0 0 0: p_o = 8/10; each says yes 4/10, so
    # p_e = .4*.4 + .6*.6 = .52; kappa = (.8 - .52) / (1 - .52) = .28/.48 = 7/12.
    assert cohen_kappa([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]) == Fraction(7, 12)
    # Perfect agreement on two categories: p_o = 1, p_e = .5 -> 1. Total chance agreement: undefined.
    assert cohen_kappa([1, 0], [1, 0]) == 1
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) is None
    # Systematic disagreement: p_o = 0, p_e = .5*.5 + .5*.5 = .5 -> (0 - .5)/.5 = -1.
    assert cohen_kappa([1, 0], [0, 1]) == -1


def test_oracle_pairwise_kappa_three_coders_hand_worked():
    # A|B: agree on 5 of 6 (p_o = 5/6); A yes 3/6, B yes 2/6: p_e = 1/2*1/3 + 1/2*2/3 = 1/2;
    #      kappa = (5/6 - 1/2) / (1/2) = 2/3.
    # A|C: agree on u1 and u6 only (p_o = 1/3); C yes 3/6: p_e = 1/2*1/2 + 1/2*1/2 = 1/2; kappa = -1/3.
    # B|C: agree on u1, u3, u6 (p_o = 1/2); p_e = 1/3*1/2 + 2/3*1/2 = 1/2; kappa = 0.
    assert [cohen_kappa(x, y) for x, y in ((A, B), (A, C), (B, C))] == [Fraction(2, 3), Fraction(-1, 3), 0]


def test_oracle_alpha_three_coders_hand_worked():
    # Columns (A, B, C): u1 (1,1,1) u2 (1,1,0) u3 (1,0,0) u4 (0,0,1) u5 (0,0,1) u6 (0,0,0), m_u = 3 each, so
    # every ordered pair weighs 1/2. u1: 6 pairs 1-1 -> o11 += 3. u2: 1-1 x2, 1-0 x2, 0-1 x2 -> o11, o10, o01
    # += 1. u3, u4, u5: 0-0 x2, 1-0 x2, 0-1 x2 -> o00, o10, o01 += 1 each. u6: o00 += 3.
    # o11 = 4, o00 = 6, o01 = o10 = 4; n1 = 8, n0 = 10, n = 18.
    # alpha = 1 - (n-1) * (o01 + o10) / (n0*n1 + n1*n0) = 1 - 17*8/160 = 24/160 = 3/20.
    o = coincidences([A, B, C])
    assert (o[(1, 1)], o[(0, 0)], o[(0, 1)], o[(1, 0)]) == (4, 6, 4, 4)
    assert krippendorff_alpha_nominal([A, B, C]) == Fraction(3, 20)


def test_oracle_alpha_three_coders_with_missing_data_hand_worked():
    # Coders x units, None = not coded:
    #   A: 1 0 1 - 0
    #   B: 1 0 0 1 0
    #   C: 1 - 0 - 0
    # u1 (1,1,1), m=3: 6 ordered 1-1 pairs / 2 -> o11 += 3
    # u2 (0,0),   m=2: 2 ordered 0-0 pairs / 1 -> o00 += 2
    # u3 (1,0,0), m=3: 1-0 x2, 0-1 x2, 0-0 x2, each / 2 -> o10 += 1, o01 += 1, o00 += 1
    # u4 (1),     m=1: no pair, the unit does not count
    # u5 (0,0,0), m=3: o00 += 3
    # o00 = 6, o11 = 3, o01 = o10 = 1; n0 = 7, n1 = 4, n = 11 pairable values.
    # D_o = 2/11; D_e = 2*7*4 / (11*10) = 56/110; alpha = 1 - (2/11)/(56/110) = 1 - 220/616 = 9/14 = 0.642857.
    data = [[1, 0, 1, None, 0], [1, 0, 0, 1, 0], [1, None, 0, None, 0]]
    assert krippendorff_alpha_nominal(data) == Fraction(9, 14)


def test_oracle_alpha_matches_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units nominal
    # example with missing values: alpha = 0.743 (113/152 exactly).
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    assert round(float(krippendorff_alpha_nominal(data)), 3) == 0.743
    assert krippendorff_alpha_nominal([[1, 1, None], [1, 1, 1]]) is None  # one category: undefined


def test_qualcode_pairwise_kappa_and_alpha_for_three_coders():
    """With three coders kappa is given per pair (the hand-worked values above) and alpha over all three."""
    result = statistics(["A", "B", "C"], [A, B, C])
    assert result["kappa"] is None and "pairwise" in result["kappa_note"]
    assert result["pairwise_kappa"] == {
        "A|B": pytest.approx(2 / 3),
        "A|C": pytest.approx(-1 / 3),
        "B|C": pytest.approx(0),
    }
    assert result["alpha"] == pytest.approx(3 / 20)
    assert (result["all_present"], result["all_absent"], result["disagreements"]) == (1, 1, 4)
    # Two coders: one kappa, no pairwise table.
    two = statistics(["A", "C"], [A, C])
    assert two["kappa"] == pytest.approx(-1 / 3) and "pairwise_kappa" not in two


binary_tables = st.integers(2, 4).flatmap(
    lambda coders: st.integers(1, 30).flatmap(
        lambda units: st.lists(
            st.lists(st.integers(0, 1), min_size=units, max_size=units), min_size=coders, max_size=coders
        )
    )
)


def _same(value, expected) -> bool:
    return value is None if expected is None else value == pytest.approx(float(expected), abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(binary_tables)
def test_kappa_and_alpha_equal_the_oracle(table):
    """qualcode's kappa (every pair) and alpha for any 0/1 coders x units table equal the textbook formulas."""
    for i, j in combinations(range(len(table)), 2):
        assert _same(kappa(table[i], table[j])[0], cohen_kappa(table[i], table[j]))
    assert _same(alpha(table)[0], krippendorff_alpha_nominal(table))
    coders = [f"c{i}" for i in range(len(table))]
    result = statistics(coders, table)
    if len(table) == 2:
        assert _same(result["kappa"], cohen_kappa(table[0], table[1]))
    else:
        assert result["pairwise_kappa"].keys() == {f"{a}|{b}" for a, b in combinations(coders, 2)}
        for (i, a), (j, b) in combinations(enumerate(coders), 2):
            assert _same(result["pairwise_kappa"][f"{a}|{b}"], cohen_kappa(table[i], table[j]))


assignments = st.integers(2, 4).flatmap(
    lambda n_coders: st.integers(1, 20).flatmap(
        lambda n_units: st.tuples(
            st.just(n_units),
            st.lists(
                st.dictionaries(
                    st.integers(0, n_units - 1), st.sets(st.sampled_from("abc"), max_size=3), max_size=n_units
                ),
                min_size=n_coders,
                max_size=n_coders,
            ),
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(assignments)
def test_per_code_and_pooled_statistics_equal_the_oracle(data):
    """Per code, and pooled over codes (each code's units side by side), against the oracle."""
    n_units, maps = data
    coders = [f"c{i}" for i in range(len(maps))]
    assigned = dict(zip(coders, maps, strict=True))
    codes = ["a", "b", "c"]
    result = agreement_from_codes(coders, n_units, assigned, codes)
    vectors = {
        code: [[int(code in assigned[c].get(u, set())) for u in range(n_units)] for c in coders]
        for code in codes
    }
    pooled = [[v for code in codes for v in vectors[code][i]] for i in range(len(coders))]
    for row in [*result["codes"], result["overall"]]:
        table = vectors[row["code"]] if "code" in row else pooled
        assert _same(row["alpha"], krippendorff_alpha_nominal(table))
        assert row["units"] == len(table[0])
        agree = sum(len(set(col)) == 1 for col in zip(*table, strict=True))
        assert row["percent_agreement"] == pytest.approx(100 * agree / len(table[0]))
        if len(coders) == 2:
            assert _same(row["kappa"], cohen_kappa(table[0], table[1]))
