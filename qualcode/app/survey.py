"""Survey use cases shared by the CLI and the TUI: the survey report, sessions' participant counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode import __version__
from qualcode.core.reportdoc import Provenance, ReportDoc
from qualcode.errors import InputError
from qualcode.export.render import FORMATS, render
from qualcode.files import write_bytes_atomic
from qualcode.reports.evidence import HASH_METHOD, SERVER_HASH_METHOD
from qualcode.reports.survey import (
    NOT_RECORDED,
    Grouping,
    build_entries,
    compute,
    question_grouping,
    survey_blocks,
    survey_json,
    survey_long_table,
    value_grouping,
)
from qualcode.store.project import Project, now
from qualcode.store.report_data import checkpoint_and_hash
from qualcode.store.survey import case_attribute, cases_with_code, load_instruments, question_keys

BASES = ("answered", "all")


@dataclass(slots=True)
class SurveyRequest:
    instrument: str | None = None
    wave: str | None = None
    questions: tuple[str, ...] = ()
    by: str | None = None
    base: str = "answered"
    decimals: int = 1


@dataclass(slots=True)
class SurveyResult:
    path: Path | None
    data: dict[str, Any]
    doc: ReportDoc


def _groupings(project: Project, request: SurveyRequest, entries: list[Any]) -> None:
    by = request.by
    if not by or by == "wave":
        if by == "wave":
            for e in entries:
                waves = {rid: w or NOT_RECORDED for rid, (_, w, _) in e.instrument.respondents.items()}
                e.grouping = value_grouping("wave", waves.__getitem__, e.respondents)
        return
    if by.startswith("code:"):
        key = by[5:].strip()
        coded = cases_with_code(project, key)
        for e in entries:
            resp = e.instrument.respondents
            e.grouping = Grouping(by, [f"with {key}", f"without {key}"], _has_code(resp, coded, key))
        return
    attribute = case_attribute(project, by)
    for e in entries:
        if by in question_keys(project, e.instrument.name):
            e.grouping = question_grouping(
                load_instruments(project, e.instrument.name, request.wave, (by,))[0], by
            )
        elif attribute:
            resp = e.instrument.respondents
            e.grouping = value_grouping(by, _attribute_of(resp, attribute), e.respondents)
        else:
            raise InputError(
                f"--by {by}: no case attribute or question of instrument {e.instrument.name!r} "
                "has that name (or use wave, or code:KEY)"
            )


def survey_report(
    project: Project, request: SurveyRequest, spreadsheet: bool = False
) -> tuple[dict[str, Any], ReportDoc]:
    """The survey report's JSON and its document, read in one snapshot together with the file's hash."""
    if request.base not in BASES:
        raise InputError(f"--base must be answered or all (got {request.base!r})")
    sha = checkpoint_and_hash(project)
    try:
        # Each respondent's answers are read only when --by splits by something other than the wave.
        per_respondent = bool(request.by) and request.by != "wave"
        instruments = load_instruments(
            project, request.instrument, request.wave, request.questions, per_respondent
        )
        entries = build_entries(instruments, by_wave=request.by == "wave")
        _groupings(project, request, entries)
    finally:
        project.conn.execute("COMMIT")
    base_all = request.base == "all"
    compute(entries, base_all)
    data = survey_json(entries)
    filters = {"base": "all respondents" if base_all else "respondents who answered"}
    for label, value in (
        ("instrument", request.instrument),
        ("wave", request.wave),
        ("by", request.by),
        ("questions", ", ".join(request.questions)),
    ):
        if value:
            filters[label] = value
    provenance = Provenance(
        project=project.name,
        file=project.path.name,
        sha256=sha,
        hash_method=SERVER_HASH_METHOD if project.on_server else HASH_METHOD,
        generated=now()[:19] + "Z",
        qualcode_version=__version__,
        filters=filters,
    )
    blocks = (
        [survey_long_table(entries, base_all)]
        if spreadsheet
        else survey_blocks(entries, base_all, request.decimals)
    )
    return data, ReportDoc(f"Survey questions: {project.name}", provenance, list(blocks))


def run_survey_report(
    project: Project | str | Path, request: SurveyRequest, fmt: str, output: Path | None = None
) -> SurveyResult:
    """Compute the survey report and write it as `fmt` (JSON is only returned unless `output` is given)."""
    if fmt not in (*FORMATS, "json"):
        raise InputError(f"unknown format '{fmt}' (choose from {', '.join((*FORMATS, 'json'))})")
    if not isinstance(project, Project):
        with Project.open(project) as opened:
            return run_survey_report(opened, request, fmt, output)
    data, doc = survey_report(project, request, spreadsheet=fmt in ("csv", "xlsx"))
    if fmt == "json":
        if output is None:
            return SurveyResult(None, data, doc)
        payload = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        payload = render(doc, fmt)
    if output is None:
        from qualcode.app.reporting import default_output

        output = default_output(project.path, "survey", fmt, request.by)
    write_bytes_atomic(output, payload)
    return SurveyResult(output, data, doc)


def monitoring_report(
    project: Project, measures: tuple[str, ...] = (), by: str | None = None, spreadsheet: bool = False
) -> tuple[list[dict[str, Any]], ReportDoc]:
    from qualcode.reports.monitoring import monitoring_blocks, monitoring_json, monitoring_long_table
    from qualcode.store.monitoring import load_monitoring

    sha = checkpoint_and_hash(project)
    try:
        rows = load_monitoring(project, measures, by)
    finally:
        project.conn.execute("COMMIT")
    data = monitoring_json(rows)
    filters = {k: v for k, v in (("by", by or ""), ("measures", ", ".join(measures))) if v}
    provenance = Provenance(
        project=project.name,
        file=project.path.name,
        sha256=sha,
        hash_method=SERVER_HASH_METHOD if project.on_server else HASH_METHOD,
        generated=now()[:19] + "Z",
        qualcode_version=__version__,
        filters=filters,
    )
    blocks = [monitoring_long_table(data)] if spreadsheet else monitoring_blocks(data)
    return data, ReportDoc(f"Monitoring: {project.name}", provenance, list(blocks))


def run_monitoring_report(
    project: Project,
    fmt: str,
    output: Path | None = None,
    measures: tuple[str, ...] = (),
    by: str | None = None,
) -> SurveyResult:
    if fmt not in (*FORMATS, "json"):
        raise InputError(f"unknown format '{fmt}' (choose from {', '.join((*FORMATS, 'json'))})")
    data, doc = monitoring_report(project, measures, by, spreadsheet=fmt in ("csv", "xlsx"))
    if fmt == "md":  # Markdown draws a chart as a table of percentages; the figures' own table says it all
        from qualcode.core.reportdoc import BarChart

        doc.blocks = [b for b in doc.blocks if not isinstance(b, BarChart)]
    if fmt == "json":
        if output is None:
            return SurveyResult(None, {"measures": data}, doc)
        payload = (json.dumps({"measures": data}, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        payload = render(doc, fmt)
    if output is None:
        from qualcode.app.reporting import default_output

        output = default_output(project.path, "monitoring", fmt, by)
    write_bytes_atomic(output, payload)
    return SurveyResult(output, {"measures": data}, doc)


def _has_code(
    respondents: dict[int, Any], coded: set[tuple[int, int]], key: str
) -> Callable[[int], list[str]]:
    """A respondent's group when splitting by a code: 'with KEY' if any of their answers has it."""

    def groups_of(rid: int) -> list[str]:
        row = respondents[rid]
        return [f"with {key}" if (row[0], row[2]) in coded else f"without {key}"]

    return groups_of


def _attribute_of(respondents: dict[int, Any], attribute: dict[int, str]) -> Callable[[int], str]:
    """A respondent's value of a case attribute ('(not recorded)' when blank)."""

    def value_of(rid: int) -> str:
        return attribute.get(respondents[rid][0], "").strip() or NOT_RECORDED

    return value_of
