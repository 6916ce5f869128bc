"""Survey statistics as pure functions: hand-computed medians, rankings with unranked items, multiple choice."""

from __future__ import annotations

from qualcode.core.survey import SurveyQuestion, count_answers, question_stats, split_multiple


def stats(question, answers, respondents, base_all=False):
    counts, answered = count_answers(answers)
    return question_stats(question, counts, answered, respondents, base_all)


def test_numeric_median_of_an_even_count_and_the_mean():
    q = SurveyQuestion("age", "numeric")
    out = stats(q, [[("", v)] for v in ("30", "20", "40", "10")], 5)
    # Sorted 10, 20, 30, 40: median (20 + 30) / 2 = 25; mean 100 / 4 = 25; one of 5 did not answer.
    assert out["stats"] == {"n": 4, "mean": 25.0, "median": 25.0, "min": 10.0, "max": 40.0}
    assert (out["answered"], out["base"]) == (4, 4)


def test_ranking_score_ignores_respondents_who_left_an_item_unranked():
    q = SurveyQuestion("r", "ranking", columns=["a", "b", "c", "d"], options=["a", "b", "c", "d"])
    # k = 4: rank 1 weighs 4, rank 4 weighs 1. Item d ranked only once, 4th: score 1.0, not dragged to 0.33.
    answers = [
        [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")],
        [("a", "2"), ("b", "1"), ("c", "3")],
        [("c", "1"), ("a", "2")],
    ]
    items = {i["item"]: i for i in stats(q, answers, 3)["items"]}
    assert (items["a"]["score"], items["a"]["mean_rank"], items["a"]["answered"]) == (
        3.33,
        1.67,
        3,
    )  # (4+3+3)/3
    assert (items["b"]["score"], items["c"]["score"], items["d"]["score"]) == (
        3.5,
        2.67,
        1.0,
    )  # (3+4)/2, (2+2+4)/3
    assert [i["item"] for i in stats(q, answers, 3)["items"]] == ["b", "a", "c", "d"]


def test_multiple_choice_shares_and_declared_option_order():
    q = SurveyQuestion("t", "multiple", options=["x", "y", "z"], separator=";")
    out = stats(q, [[("", "y;x")], [("", "y")], [("", " y ; y ")]], 4, base_all=True)
    # Repeats in one cell count once; base all = 4 respondents: x 1/4, y 3/4, z 0.
    assert [(o["value"], o["count"], o["percent"]) for o in out["options"]] == [
        ("x", 1, 25.0),
        ("y", 3, 75.0),
        ("z", 0, 0.0),
    ]
    assert split_multiple(" a;;b ;a", ";") == ["a", "b"]


def test_likert_keeps_scale_order_even_for_unused_points():
    q = SurveyQuestion("e", "likert", options=["High", "Mid", "Low"])
    out = stats(q, [[("", "Low")], [("", "Low")], [("", "High")]], 3)
    assert [(o["value"], o["count"]) for o in out["options"]] == [("High", 1), ("Mid", 0), ("Low", 2)]
    assert (out["top2"]["count"], out["top2"]["percent"]) == (1, 33.33)
