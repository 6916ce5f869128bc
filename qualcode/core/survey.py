"""Closed survey questions as data: the question types and the statistics reported on them (pure functions)."""

from __future__ import annotations

import statistics
from collections import Counter
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
class SurveyRespondent:
    """A row of a survey: its case, wave, spreadsheet row and answers (question key -> [(item, value)])."""

    case: str
    wave: str
    row: int
    answers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass(slots=True)
class SurveyData:
    """What a survey file adds beyond its open text: the instrument, its questions and every respondent."""

    instrument: str
    questions: list[SurveyQuestion]
    respondents: list[SurveyRespondent]


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


def question_stats(question: SurveyQuestion, answers: list[list[tuple[str, str]]], respondents: int,
                   base_all: bool = False) -> dict[str, Any]:
    """Statistics of one question over the answers of a group of respondents (one list per respondent who
    answered; `respondents` counts everyone in the group). The base is those who answered, or everyone."""
    answered = len(answers)
    base = respondents if base_all else answered
    out: dict[str, Any] = {"answered": answered, "base": base, "options": [], "items": []}
    kind = question.type
    if kind in ("single", "likert", "text", "multiple"):
        counts: Counter[str] = Counter()
        for answer in answers:
            for _, value in answer:
                if kind == "multiple":
                    counts.update(split_multiple(value, question.separator))
                else:
                    counts[value] += 1
        if kind == "likert":
            order = list(question.options)
        else:
            known = [o for o in question.options]
            rest = sorted((v for v in counts if v not in known), key=lambda v: (-counts[v], v.casefold()))
            order = known + rest
        out["options"] = [{"value": v, "count": counts[v], "percent": percent(counts[v], base)} for v in order]
        if kind == "likert" and len(order) >= 2:
            top = counts[order[0]] + counts[order[1]]
            out["top2"] = {"values": order[:2], "count": top, "percent": percent(top, base)}
    elif kind == "ranking":
        k = len(question.options)
        ranked_by: dict[str, Counter[int]] = {item: Counter() for item in question.options}
        for answer in answers:
            for item, value in answer:
                ranked_by.setdefault(item, Counter())[int(value)] += 1
        items = []
        for item, ranks in ranked_by.items():
            n = sum(ranks.values())
            weighted = sum((k - r + 1) * c for r, c in ranks.items())
            items.append({"item": item, "score": round(weighted / n, 2) if n else 0.0,
                          "mean_rank": round(sum(r * c for r, c in ranks.items()) / n, 2) if n else None,
                          "answered": n, "ranks": {str(r): ranks[r] for r in range(1, k + 1)}})
        out["items"] = sorted(items, key=lambda i: (-i["score"], question.options.index(i["item"])
                                                    if i["item"] in question.options else k))
    elif kind == "numeric":
        values = [float(v) for a in answers for _, v in a]
        out["stats"] = {"n": len(values), "mean": round(statistics.fmean(values), 2) if values else None,
                        "median": statistics.median(values) if values else None,
                        "min": min(values) if values else None, "max": max(values) if values else None}
    elif kind == "date":
        values = sorted(v for a in answers for _, v in a)
        out["stats"] = {"n": len(values), "min": values[0] if values else None, "max": values[-1] if values else None}
    return out
