"""Survey specifications (YAML): the instrument, its waves and closed questions; checking every answer."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.core.survey import QUESTION_TYPES, SurveyQuestion, split_multiple
from qualcode.errors import InputError

# Without a spec a column with at most this many distinct values is read as a single-choice question.
INFER_MAX_OPTIONS = 12


@dataclass(slots=True)
class SurveySpec:
    """What a survey spec file says; None means 'not said' (the command-line flags or a guess fill it)."""

    instrument: str | None = None
    wave: str | None = None
    wave_column: str | None = None
    id_column: str | None = None
    text_columns: list[str] = field(default_factory=list)
    questions: list[SurveyQuestion] = field(default_factory=list)
    attribute_columns: list[str] = field(
        default_factory=list
    )  # question columns also kept as case attributes
    source: str = ""


def _strs(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int | float) for v in value):
        raise InputError(f"{where} must be a non-empty list")
    flag = next((v for v in value if isinstance(v, bool)), None)
    if flag is not None:
        # YAML reads Yes, No, On, Off, True and False unquoted as true/false: the spelling is lost.
        raise InputError(
            f'{where}: YAML read a value as {str(flag).lower()}; put words like Yes and No in quotes ("Yes")'
        )
    return [str(v).strip() for v in value]


def _ranking_key(columns: list[str]) -> str:
    """A ranking's key: the columns' common prefix (rank_deliver, rank_culture -> rank), else the first column."""
    prefix = os.path.commonprefix(columns).rstrip("_- .")
    return prefix if len(prefix) >= 2 else columns[0]


def parse_spec(data: Any, source: str) -> SurveySpec:
    """A SurveySpec from parsed YAML, every field checked; an InputError names the spec and the entry."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: a survey spec is a mapping (instrument:, questions:, ...)")
    known = {"instrument", "wave", "wave_column", "id_column", "text_columns", "questions"}
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise InputError(f"{source}: unknown key {unknown[0]!r} (a spec has {', '.join(sorted(known))})")
    spec = SurveySpec(source=source)
    for key in ("instrument", "wave", "wave_column", "id_column"):
        value = data.get(key)
        if value is not None:
            if not isinstance(value, str | int | float) or not str(value).strip():
                raise InputError(f"{source}: {key} must be a non-empty text")
            setattr(spec, key, str(value).strip())
    if spec.wave and spec.wave_column:
        raise InputError(f"{source}: give wave or wave_column, not both")
    if data.get("text_columns") is not None:
        spec.text_columns = _strs(data["text_columns"], f"{source}: text_columns")
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        raise InputError(f"{source}: questions must be a list")
    keys: set[str] = set()
    for i, entry in enumerate(questions, start=1):
        where = f"{source}: question {i}"
        if not isinstance(entry, dict):
            raise InputError(f"{where} must be a mapping (column:, type:, ...)")
        extra = sorted(
            set(map(str, entry))
            - {"column", "columns", "type", "label", "scale", "separator", "options", "key", "attribute"}
        )
        if extra:
            raise InputError(f"{where}: unknown key {extra[0]!r}")
        qtype = str(entry.get("type", "")).strip()
        if qtype not in QUESTION_TYPES:
            raise InputError(f"{where}: type must be one of {', '.join(QUESTION_TYPES)} (got {qtype!r})")
        if qtype == "ranking":
            if "columns" not in entry:
                raise InputError(f"{where}: a ranking names its item columns with columns: [...]")
            columns = _strs(entry["columns"], f"{where}: columns")
            if len(columns) < 2:
                raise InputError(f"{where}: a ranking needs at least two item columns")
            key = str(entry.get("key") or _ranking_key(columns)).strip()
            options = list(columns)
        else:
            if "column" not in entry or not str(entry["column"]).strip():
                raise InputError(f"{where}: needs column: (the column holding the answers)")
            columns = [str(entry["column"]).strip()]
            key = str(entry.get("key") or columns[0]).strip()
            options = []
        if qtype == "likert":
            if "scale" not in entry:
                raise InputError(
                    f"{where}: a likert question needs scale: [...] in order, most positive first"
                )
            options = _strs(entry["scale"], f"{where}: scale")
            if len(options) < 2 or len({o.casefold() for o in options}) != len(options):
                raise InputError(f"{where}: scale needs at least two different points")
        elif "scale" in entry:
            raise InputError(f"{where}: scale: is for likert questions")
        if qtype in ("single", "multiple") and entry.get("options") is not None:
            options = _strs(entry["options"], f"{where}: options")
        separator = None
        if qtype == "multiple":
            separator = str(entry.get("separator", ";"))
            if not separator:
                raise InputError(f"{where}: separator must not be empty")
        if key in keys:
            raise InputError(f"{where}: a second question called {key!r}")
        keys.add(key)
        attribute = entry.get("attribute", qtype == "single")
        if not isinstance(attribute, bool):
            raise InputError(f"{where}: attribute must be true or false")
        if attribute and qtype == "ranking":
            raise InputError(f"{where}: a ranking cannot be a case attribute")
        spec.questions.append(
            SurveyQuestion(key, qtype, str(entry.get("label") or "").strip(), columns, options, separator)
        )
        if attribute:
            spec.attribute_columns.extend(columns)
    return spec


def load_spec(path: Path) -> SurveySpec:
    import yaml

    from qualcode.ingest.common import decode_text, read_file_bytes

    text = decode_text(read_file_bytes(path, 5 * 1024 * 1024), path.name)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise InputError(f"{path.name}: not valid YAML{at}") from None
    return parse_spec(data, path.name)


def check_columns(spec: SurveySpec, headers: list[str], name: str) -> None:
    """Every column the spec names is in the file, and none is used twice."""
    used: dict[str, str] = {}
    for q in spec.questions:
        for col in q.columns:
            if col not in headers:
                raise InputError(
                    f"{name}: the spec's question {q.key!r} names column {col!r}, which the file "
                    f"does not have (columns: {', '.join(headers)})"
                )
            if col in used:
                raise InputError(f"{name}: column {col!r} is in two questions ({used[col]!r} and {q.key!r})")
            used[col] = q.key


def infer_questions(columns: dict[str, list[str]]) -> tuple[list[SurveyQuestion], str]:
    """Guess each closed column's type (numbers -> numeric, ISO dates -> date, few distinct values -> single;
    a column of many different words is no question) and say what was guessed, so the user can check it or
    write a spec. `columns`: each closed column's (trimmed) values."""
    questions, said = [], []
    for col, column in columns.items():
        values = [v for v in column if v]
        distinct = set(values)
        if values and all(_is_number(v) for v in values):
            qtype = "numeric"
        elif values and all(_is_date(v) or (_EXCEL_MIDNIGHT.match(v) and _is_date(v[:10])) for v in values):
            qtype = "date"
        elif len(distinct) <= INFER_MAX_OPTIONS:
            qtype = "single"
        else:
            # Many different words (names, e-mails, comments): not a question to count; stays an attribute.
            said.append(f"{col}=not a question ({len(distinct)} different values)")
            continue
        questions.append(SurveyQuestion(col, qtype))
        said.append(f"{col}={qtype}" + (f" ({len(distinct)} values)" if qtype == "single" else ""))
    note = (
        (
            "no --spec, so closed-question types were guessed: "
            + ", ".join(said)
            + "; write a spec (docs/surveys.md) to declare Likert scales, multiple choice and rankings"
        )
        if said
        else ""
    )
    return questions, note


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_RANKS = {str(i): i for i in range(1, 100)}
_EXCEL_MIDNIGHT = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$")


def answers_of(
    question: SurveyQuestion,
    cells: dict[str, str],
    row: int,
    name: str,
    scale_index: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The (item, value) answers of one row to one question, checked; blank cells are no answer."""
    if question.type == "ranking":
        k = len(question.columns)
        out: list[tuple[str, str]] = []
        seen: dict[int, str] = {}
        for col in question.columns:
            value = cells[col]
            if not value:
                continue
            rank = _RANKS.get(value, 0)
            if not rank:
                try:
                    number = float(value)
                    rank = int(number) if number.is_integer() else -1
                except (ValueError, OverflowError):
                    rank = -1
            if not 1 <= rank <= k:
                raise InputError(
                    f"{name}: row {row}, column {col!r}: rank {value!r} is not a whole number from 1 "
                    f"to {k}; nothing was imported"
                )
            if rank in seen:
                raise InputError(
                    f"{name}: row {row}, column {col!r}: rank {rank} is also given to {seen[rank]!r} "
                    "(duplicate ranks in a row); nothing was imported"
                )
            seen[rank] = col
            out.append((col, str(rank)))
        return out
    col = question.columns[0]
    value = cells[col]
    kind = question.type
    if not value or kind == "single" or kind == "text":
        return [("", value)] if value else []
    if kind == "likert":
        canonical = (scale_index or {}).get(value.casefold())
        if canonical is None:
            raise InputError(
                f"{name}: row {row}, column {col!r}: {value!r} is not on the scale "
                f"({', '.join(question.options)}); nothing was imported"
            )
        value = canonical
    elif kind == "numeric" and not _is_number(value):
        raise InputError(
            f"{name}: row {row}, column {col!r}: {value!r} is not a number (write 1.5, not 1,5); "
            "nothing was imported"
        )
    elif kind == "date" and not _is_date(value):
        if _EXCEL_MIDNIGHT.match(value) and _is_date(value[:10]):
            return [("", value[:10])]  # an Excel date cell read as a date-time at midnight
        raise InputError(
            f"{name}: row {row}, column {col!r}: {value!r} is not a date like 2021-06-30; "
            "nothing was imported"
        )
    elif kind == "multiple" and question.options:
        for part in split_multiple(value, question.separator):
            if part not in question.options:
                raise InputError(
                    f"{name}: row {row}, column {col!r}: {part!r} is not one of the options "
                    f"({', '.join(question.options)}); nothing was imported"
                )
    return [("", value)]
