"""The survey report: per closed question its distribution, top-2-box, ranking scores or numbers, by group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qualcode.core.reportdoc import BarChart, Block, Heading, Paragraph, Table
from qualcode.core.survey import NOT_ANSWERED, SurveyQuestion, count_answers, question_stats, split_multiple
from qualcode.store.project import Project
from qualcode.store.survey import InstrumentData, load_instruments

NOT_RECORDED = "(not recorded)"


@dataclass(slots=True)
class Grouping:
    """How `--by` splits respondents: the groups in order, and a function giving each respondent's groups."""

    name: str
    order: list[str]
    groups_of: Callable[[int], list[str]]


@dataclass(slots=True)
class SurveyEntry:
    """One instrument (and wave, unless grouped by wave) as reported."""

    instrument: InstrumentData
    wave: str | None
    respondents: list[int]
    grouping: Grouping | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    not_asked: list[str] = field(default_factory=list)  # questions nobody in this wave answered


def _entry_stats(
    q: SurveyQuestion, answers: dict[int, list[tuple[str, str]]], members: list[int], base_all: bool
) -> dict[str, Any]:
    counts, answered = count_answers(answers[r] for r in members if r in answers)
    return question_stats(q, counts, answered, len(members), base_all)


def _counted_stats(
    inst: InstrumentData, q: SurveyQuestion, waves: list[str], members: int, base_all: bool
) -> dict[str, Any]:
    """Statistics from the store's counts per wave (no per-respondent answers needed)."""
    counts: Counter[tuple[str, str]] = Counter()
    answered = 0
    for w in waves:
        c, n = inst.counts.get(w, {}).get(q.key, (Counter(), 0))
        counts.update(c)
        answered += n
    return question_stats(q, counts, answered, members, base_all)


def question_grouping(inst: InstrumentData, key: str) -> Grouping:
    """Respondents grouped by their answer to another question (a multiple choice: by each option ticked)."""
    q = next(q for q in inst.questions if q.key == key)
    answers = inst.answers.get(key, {})

    def groups_of(rid: int) -> list[str]:
        given = answers.get(rid)
        if not given:
            return [NOT_ANSWERED]
        if q.type == "multiple":
            return split_multiple(given[0][1], q.separator) or [NOT_ANSWERED]
        if q.type == "ranking":
            return [f"{item} ranked {value}" for item, value in given]
        return [given[0][1]]

    found: dict[str, int] = {}
    for rid in inst.respondents:
        for g in groups_of(rid):
            found[g] = found.get(g, 0) + 1
    known = list(q.options) if q.type in ("likert", "multiple", "single") else []
    order = [o for o in known if o in found] + sorted(
        (g for g in found if g not in known and g != NOT_ANSWERED), key=str.casefold
    )
    if NOT_ANSWERED in found:
        order.append(NOT_ANSWERED)
    return Grouping(key, order, groups_of)


def value_grouping(name: str, value_of: Callable[[int], str], respondents: list[int]) -> Grouping:
    """Respondents grouped by one value each (a case attribute, the wave, having a code or not)."""
    values = {value_of(r) for r in respondents}
    order = sorted((v for v in values if v != NOT_RECORDED), key=str.casefold)
    if NOT_RECORDED in values:
        order.append(NOT_RECORDED)
    return Grouping(name, order, lambda rid: [value_of(rid)])


def build_entries(instruments: list[InstrumentData], by_wave: bool) -> list[SurveyEntry]:
    """One entry per instrument and wave; one per instrument when the report compares waves."""
    entries = []
    for inst in instruments:
        if by_wave:
            entries.append(SurveyEntry(inst, None, sorted(inst.respondents)))
            continue
        waves: dict[str, list[int]] = {}
        for rid, (_, wave, _) in sorted(inst.respondents.items()):
            waves.setdefault(wave, []).append(rid)
        entries += [SurveyEntry(inst, w or None, members) for w, members in sorted(waves.items())]
    return entries


def compute(entries: list[SurveyEntry], base_all: bool) -> None:
    """Fill each entry's question statistics (and per-group statistics when grouped)."""
    for entry in entries:
        inst = entry.instrument
        per_wave: dict[str, int] = Counter(w for _, w, _ in inst.respondents.values())
        waves = set(per_wave)
        counted = not inst.answers  # the store gave counts per wave, not each respondent's answers
        mine = [entry.wave or ""] if entry.wave is not None or len(waves) == 1 else sorted(waves)
        for q in inst.questions:
            answers = inst.answers.get(q.key, {})
            stats = (
                _counted_stats(inst, q, mine, len(entry.respondents), base_all)
                if counted
                else _entry_stats(q, answers, entry.respondents, base_all)
            )
            if entry.wave is not None and len(waves) > 1 and not stats["answered"]:
                entry.not_asked.append(q.key)  # a question of another wave (e.g. only in the follow-up)
                continue
            row: dict[str, Any] = {
                "question": q.key,
                "label": q.label,
                "type": q.type,
                "respondents": len(entry.respondents),
                **stats,
            }
            if q.type == "ranking":
                row["k"] = len(q.options)
            if entry.grouping is not None:
                members: dict[str, list[int]] = {g: [] for g in entry.grouping.order}
                for rid in entry.respondents:
                    for g in entry.grouping.groups_of(rid):
                        members.setdefault(g, []).append(rid)
                row["by"] = entry.grouping.name
                if counted:  # grouped by wave: each group is one wave's counts
                    row["groups"] = [
                        {
                            "group": g,
                            "respondents": len(m),
                            **_counted_stats(inst, q, [inst.respondents[m[0]][1]], len(m), base_all),
                        }
                        for g, m in members.items()
                        if m
                    ]
                else:
                    row["groups"] = [
                        {"group": g, "respondents": len(m), **_entry_stats(q, answers, m, base_all)}
                        for g, m in members.items()
                        if m
                    ]
            entry.questions.append(row)


def survey_json(entries: list[SurveyEntry]) -> dict[str, Any]:
    return {
        "instruments": [
            {
                "name": e.instrument.name,
                "wave": e.wave,
                "respondents": len(e.respondents),
                "questions": e.questions,
                "not_answered_in_wave": e.not_asked,
            }
            for e in entries
        ]
    }


def _pct(value: float, decimals: int) -> float:
    return round(value, decimals)


_RANKING_NOTE = (
    "Score: SurveyMonkey's ranking average. With k items, rank r has weight k - r + 1; an item's "
    "score is the sum of weight x respondents giving that rank, divided by the respondents who ranked "
    "that item (so items some respondents left unranked are not penalised). Mean rank: 1 is best."
)


def _base_note(q: dict[str, Any], base_all: bool) -> str:
    base = (
        f"Base: all {q['base']} respondents of the instrument (including {q['respondents'] - q['answered']} who "
        "did not answer)"
        if base_all
        else f"Base: the {q['base']} respondents who answered, of {q['respondents']}"
    )
    if q["type"] == "multiple":
        return (
            base + ". Respondents could choose several options, so the percentages add up to more than 100."
        )
    if q["type"] in ("single", "likert", "text"):
        shown = sum(o["percent"] for o in q["options"])
        if q["answered"] and not base_all and abs(shown - 100) > 1e-9:
            return base + (
                f". Percentages are rounded each on its own, so they add up to {shown:.2f} rather than 100."
            )
    return base + "."


def _question_blocks(q: dict[str, Any], base_all: bool, decimals: int) -> list[Block]:
    title = q["label"] if q["label"] == q["question"] else f"{q['label']} ({q['question']})"
    blocks: list[Block] = [Heading(title, 2)]
    groups = q.get("groups")
    if q["type"] == "ranking":
        if groups:
            items = [i["item"] for i in q["items"]]
            columns = [q["by"], "Respondents", *[f"{i}: score" for i in items]]
            rows: list[list[Any]] = [
                [
                    g["group"],
                    g["respondents"],
                    *[next(x["score"] for x in g["items"] if x["item"] == i) for i in items],
                ]
                for g in groups
            ]
        else:
            columns = ["Item", "Score", "Mean rank", "Ranked by"]
            rows = [[i["item"], i["score"], i["mean_rank"], i["answered"]] for i in q["items"]]
            blocks.append(
                BarChart(
                    f"{title}: score as % of the highest possible ({q['k']})",
                    [i["item"] for i in q["items"]],
                    [("Score", [100 * i["score"] / q["k"] for i in q["items"]])],
                )
            )
        blocks.insert(
            1,
            Table(
                f"survey-{q['question']}",
                title,
                columns,
                rows,
                note=f"{q['answered']} of {q['respondents']} respondents ranked at least one item. "
                + _RANKING_NOTE,
            ),
        )
        return blocks
    if q["type"] in ("numeric", "date"):
        measures = ["n", "mean", "median", "min", "max"] if q["type"] == "numeric" else ["n", "min", "max"]
        if groups:
            columns = [q["by"], "Respondents", *measures]
            rows = [[g["group"], g["respondents"], *[g["stats"][m] for m in measures]] for g in groups]
        else:
            columns, rows = ["Measure", "Value"], [[m, q["stats"][m]] for m in measures]
        blocks.append(
            Table(
                f"survey-{q['question']}",
                title,
                columns,
                rows,
                note=f"{q['answered']} of {q['respondents']} respondents answered.",
            )
        )
        return blocks
    values = [o["value"] for o in q["options"]]
    if groups:
        columns = [q["by"], "Respondents", "Base"]
        for v in values:
            columns += [f"{v}: n", f"{v}: %"]
        rows = []
        for g in groups:
            counts = {o["value"]: o for o in g["options"]}
            row: list[Any] = [g["group"], g["respondents"], g["base"]]
            for v in values:
                o = counts.get(v, {"count": 0, "percent": 0.0})
                row += [o["count"], _pct(o["percent"], decimals)]
            rows.append(row)
        note = "Row percentages: each group's base is its own. " + _base_note(q, base_all)
        blocks.append(
            Table(f"survey-{q['question']}", title, columns, rows, note=note, wide=len(columns) > 8)
        )
        share = {g["group"]: {o["value"]: o["percent"] for o in g["options"]} for g in groups}
        groups = [g for g in groups if g["base"]]  # a group with nobody to count has no bar
        if q["type"] == "likert":  # one stacked bar per group, the scale from its first point
            blocks.append(
                BarChart(
                    title,
                    [f"{g['group']} (n={g['base']})" for g in groups],
                    [(v, [share[g["group"]].get(v, 0.0) for g in groups]) for v in values],
                    stacked=True,
                )
            )
        else:
            blocks.append(
                BarChart(
                    title,
                    values,
                    [
                        (f"{g['group']} (n={g['base']})", [share[g["group"]].get(v, 0.0) for v in values])
                        for g in groups
                    ],
                )
            )
        return blocks
    rows = [[o["value"], o["count"], _pct(o["percent"], decimals)] for o in q["options"]]
    styles = [""] * len(rows)
    if "top2" in q:
        t = q["top2"]
        rows.append([f"Top 2: {' + '.join(t['values'])}", t["count"], _pct(t["percent"], decimals)])
        styles.append("group")
    blocks.append(
        Table(
            f"survey-{q['question']}",
            title,
            ["Answer", "n", "%"],
            rows,
            note=_base_note(q, base_all),
            styles=styles,
        )
    )
    if q["type"] == "likert":
        blocks.append(
            BarChart(
                title,
                [f"All (n={q['base']})"],
                [(o["value"], [o["percent"]]) for o in q["options"]],
                stacked=True,
            )
        )
    else:
        blocks.append(
            BarChart(
                f"{title} (n={q['base']})", values, [("% of base", [o["percent"] for o in q["options"]])]
            )
        )
    return blocks


def survey_blocks(entries: list[SurveyEntry], base_all: bool, decimals: int = 1) -> list[Block]:
    """Headings, tables and charts for documents (HTML, Word, Markdown): a table per question."""
    blocks: list[Block] = []
    for e in entries:
        wave = f", wave {e.wave}" if e.wave else ""
        blocks.append(Heading(f"{e.instrument.name}{wave}", 1))
        skipped = (
            f" Not answered by anyone in this wave (asked in another): {', '.join(e.not_asked)}."
            if e.not_asked
            else ""
        )
        people = len({e.instrument.respondents[r][0] for r in e.respondents})
        counted = (
            f"{len(e.respondents)} responses from {people} people across waves"
            if people != len(e.respondents)
            else f"{len(e.respondents)} respondents"
        )
        blocks.append(
            Paragraph(
                f"{counted}, every one counted whether or not they wrote "
                f"open text. Percentages to {decimals} decimal(s).{skipped}"
            )
        )
        for q in e.questions:
            blocks.extend(_question_blocks(q, base_all, decimals))
    if not entries:
        blocks.append(Paragraph("No survey instruments in this project."))
    return blocks


LONG_COLUMNS = [
    "Instrument",
    "Wave",
    "Question",
    "Label",
    "Type",
    "Group",
    "Respondents",
    "Answered",
    "Base",
    "Value",
    "n",
    "%",
    "Score",
    "Mean rank",
    "Statistic",
]


def survey_long_table(entries: list[SurveyEntry], base_all: bool) -> Table:
    """Every figure as one row with numeric cells (n and % in their own columns): for CSV and Excel."""
    rows: list[list[Any]] = []

    def add(e: SurveyEntry, q: dict[str, Any], group: str, part: dict[str, Any], respondents: int) -> None:
        head = [
            e.instrument.name,
            e.wave or "",
            q["question"],
            q["label"],
            q["type"],
            group,
            respondents,
            part["answered"],
            part["base"],
        ]
        for o in part["options"]:
            rows.append([*head, o["value"], o["count"], o["percent"], None, None, None])
        if "top2" in part:
            t = part["top2"]
            rows.append(
                [*head, f"Top 2: {' + '.join(t['values'])}", t["count"], t["percent"], None, None, None]
            )
        for i in part["items"]:
            rows.append([*head, i["item"], i["answered"], None, i["score"], i["mean_rank"], None])
        for name, value in part.get("stats", {}).items():
            rows.append([*head, name, None, None, None, None, value])

    for e in entries:
        for q in e.questions:
            if q.get("groups"):
                for g in q["groups"]:
                    add(e, q, f"{q['by']}: {g['group']}", g, g["respondents"])
            else:
                add(e, q, "All", q, q["respondents"])
    base = "all respondents" if base_all else "respondents who answered"
    note = (
        f"% = n / Base x 100, to 2 decimals; Base = {base}. Multiple choice: share of respondents, so a "
        "question's percentages can add up to more than 100. Ranking rows: n = respondents who ranked the item. "
        + _RANKING_NOTE
    )
    return Table("survey", "Survey questions", LONG_COLUMNS, rows, note=note, wide=True)


def survey_section(project: Project, spreadsheet: bool = False) -> list[Block]:
    """The survey questions of every instrument and wave, for the full report ([] when there are none)."""
    instruments = load_instruments(project, per_respondent=False)
    if not instruments:
        return []
    entries = build_entries(instruments, by_wave=False)
    compute(entries, base_all=False)
    if spreadsheet:
        return [Heading("Survey questions", 1), survey_long_table(entries, base_all=False)]
    blocks = survey_blocks(entries, base_all=False)
    for b in blocks:  # one level down: the full report's sections are level 1
        if isinstance(b, Heading):
            b.level += 1
    return [Heading("Survey questions", 1), *blocks]
