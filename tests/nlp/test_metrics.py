"""The evaluation arithmetic against a hand-worked example."""

import pytest

from qualcode.nlp.metrics import hit_at_k, precision_at_1, recall_at_k, threshold_figures

# Three segments. Truth, and the suggester's ranking (code, score), best first:
#   s1 truth {a}      ranked a .9, b .5, c .1
#   s2 truth {b, c}   ranked a .6, b .4, d .3, c .05
#   s3 truth {d}      ranked b .7, c .2, a .1, d .05
TRUTH = [{"a"}, {"b", "c"}, {"d"}]
RANKED = [
    [("a", 0.9), ("b", 0.5), ("c", 0.1)],
    [("a", 0.6), ("b", 0.4), ("d", 0.3), ("c", 0.05)],
    [("b", 0.7), ("c", 0.2), ("a", 0.1), ("d", 0.05)],
]


def test_precision_at_1():
    # top codes a, a, b: only s1's is right -> 1/3
    assert precision_at_1(TRUTH, RANKED) == pytest.approx(1 / 3)


def test_recall_and_hit_at_3():
    # top 3: s1 {a,b,c} finds 1/1; s2 {a,b,d} finds b of {b,c} = 1/2; s3 {b,c,a} finds 0/1
    # recall@3 = (1 + 0.5 + 0) / 3 = 0.5; hit@3 = 2/3 (s1 and s2 have a hit)
    assert recall_at_k(TRUTH, RANKED, 3) == pytest.approx(0.5)
    assert hit_at_k(TRUTH, RANKED, 3) == pytest.approx(2 / 3)
    # top 1 only: recall@1 = (1 + 0 + 0) / 3
    assert recall_at_k(TRUTH, RANKED, 1) == pytest.approx(1 / 3)


def test_threshold_f1_micro_macro_and_per_code():
    # threshold 0.4 predicts s1 {a, b}, s2 {a, b}, s3 {b}
    #   a: tp 1 (s1), fp 1 (s2), fn 0          -> P 1/2, R 1,   F1 2/3
    #   b: tp 1 (s2), fp 2 (s1, s3), fn 0      -> P 1/3, R 1,   F1 1/2
    #   c: tp 0, fp 0, fn 1 (s2)               -> P 0,   R 0,   F1 0
    #   d: tp 0, fp 0, fn 1 (s3)               -> F1 0
    # micro: tp 2, fp 3, fn 2 -> P 2/5, R 2/4, F1 = 2*.4*.5/.9 = 4/9
    # macro F1 over a, b, c, d = (2/3 + 1/2 + 0 + 0) / 4 = 7/24
    got = threshold_figures(TRUTH, RANKED, 0.4)
    assert got["micro"]["precision"] == pytest.approx(2 / 5)
    assert got["micro"]["recall"] == pytest.approx(1 / 2)
    assert got["micro"]["f1"] == pytest.approx(4 / 9)
    assert got["macro_f1"] == pytest.approx(7 / 24)
    assert got["per_code"]["a"] == pytest.approx(
        {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1, "predicted": 2}
    )
    assert got["per_code"]["b"]["f1"] == pytest.approx(0.5)
    assert got["per_code"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError):
        precision_at_1(TRUTH, RANKED[:2])
