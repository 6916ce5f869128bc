"""Closed survey questions as data: the question types and the statistics reported on them (pure functions)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

QUESTION_TYPES = ("single", "multiple", "likert", "ranking", "numeric", "date", "text")
NOT_ANSWERED = "(not answered)"


@dataclass(slots=True)
class SurveyQuestion:
    """One closed question of an instrument. `key` is its column (a ranking: its first item column unless
    the spec names it); `options` is a Likert scale in order, a ranking's item columns, or a multiple choice's
    known options (may be empty: then the options are the values found)."""

    key: str
    type: str
    label: str = ""
    columns: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    separator: str | None = None

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = [self.key]
        if not self.label:
            self.label = self.key


@dataclass(slots=True)
class SurveyData:
    """What a survey file adds beyond its open text: the instrument, its questions and every respondent, held
    column by column (a 100,000-row survey is a few lists, not 100,000 objects): respondent i is case
    `cases[i]`, in wave `waves[i]`, from spreadsheet row `rows[i]`, with the answers `answers[i]`."""

    instrument: str
    questions: list[SurveyQuestion]
    cases: list[str]
    waves: list[str]
    rows: list[int]
    answers: list[str]  # JSON objects (see answer_json): question key -> value (a ranking: item -> rank)


def answer_json(key: str, value: str | dict[str, str]) -> str:
    """One answer as it is stored in a respondent's JSON object, with its leading comma: `,"key":value`.
    A respondent's object is `"{" + "".join(its answers)[1:] + "}"`, the text json.dumps(..., ensure_ascii=
    False, separators=(",", ":")) writes for the same dict (each distinct answer is encoded once per import)."""
    dump = json.dumps
    return f",{dump(key, ensure_ascii=False)}:{dump(value, ensure_ascii=False, separators=(',', ':'))}"


def split_multiple(value: str, separator: str | None) -> list[str]:
    """The options ticked in a multiple-choice cell, each trimmed, blanks and repeats dropped."""
    parts = value.split(separator) if separator else [value]
    seen: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in seen:
            seen.append(p)
    return seen


def percent(count: int, base: int) -> float:
    return round(100 * count / base, 2) if base else 0.0


def count_answers(answers: Iterable[list[tuple[str, str]]]) -> tuple[Counter[tuple[str, str]], int]:
    """The (item, value) counts of some respondents' answers, and how many of them answered."""
    counts: Counter[tuple[str, str]] = Counter()
    answered = 0
    for answer in answers:
        answered += 1
        counts.update(answer)
    return counts, answered


def _median(pairs: list[tuple[float, int]], n: int) -> float:
    """The median of values given as (value, how many times), sorted by value."""

    def nth(k: int) -> float:
        seen = 0
        for value, c in pairs:
            seen += c
            if seen > k:
                return value
        return pairs[-1][0]

    return nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2


def question_stats(
    question: SurveyQuestion,
    counts: Counter[tuple[str, str]],
    answered: int,
    respondents: int,
    base_all: bool = False,
) -> dict[str, Any]:
    """Statistics of one question over a group of respondents, from the counts of their (item, value) answers
    (see count_answers), how many answered, and how many are in the group. The base is those who answered,
    or everyone in the group with `base_all`."""
    base = respondents if base_all else answered
    out: dict[str, Any] = {"answered": answered, "base": base, "options": [], "items": []}
    kind = question.type
    if kind in ("single", "likert", "text", "multiple"):
        values: Counter[str] = Counter()
        for (_, value), c in counts.items():
            if kind == "multiple":
                for option in split_multiple(value, question.separator):
                    values[option] += c
            else:
                values[value] += c
        if kind == "likert":
            order = list(question.options)
        else:
            known = list(question.options)
            order = known + sorted(
                (v for v in values if v not in known), key=lambda v: (-values[v], v.casefold())
            )
        out["options"] = [
            {"value": v, "count": values[v], "percent": percent(values[v], base)} for v in order
        ]
        if kind == "likert" and len(order) >= 2:
            top = values[order[0]] + values[order[1]]
            out["top2"] = {"values": order[:2], "count": top, "percent": percent(top, base)}
    elif kind == "ranking":
        k = len(question.options)
        ranked_by: dict[str, Counter[int]] = {item: Counter() for item in question.options}
        for (item, value), c in counts.items():
            ranked_by.setdefault(item, Counter())[int(value)] += c
        items = []
        for item, ranks in ranked_by.items():
            n = sum(ranks.values())
            weighted = sum((k - r + 1) * c for r, c in ranks.items())
            items.append(
                {
                    "item": item,
                    "score": round(weighted / n, 2) if n else 0.0,
                    "mean_rank": round(sum(r * c for r, c in ranks.items()) / n, 2) if n else None,
                    "answered": n,
                    "ranks": {str(r): ranks[r] for r in range(1, k + 1)},
                }
            )
        position = {item: i for i, item in enumerate(question.options)}
        out["items"] = sorted(items, key=lambda i: (-i["score"], position.get(i["item"], k)))
    elif kind == "numeric":
        pairs = sorted((float(v), c) for (_, v), c in counts.items())
        n = sum(c for _, c in pairs)
        out["stats"] = {
            "n": n,
            "mean": round(sum(v * c for v, c in pairs) / n, 2) if n else None,
            "median": _median(pairs, n) if n else None,
            "min": pairs[0][0] if n else None,
            "max": pairs[-1][0] if n else None,
        }
    elif kind == "date":
        dates = sorted(v for (_, v) in counts)
        out["stats"] = {
            "n": sum(counts.values()),
            "min": dates[0] if dates else None,
            "max": dates[-1] if dates else None,
        }
    return out
