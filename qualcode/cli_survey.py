"""Survey and participation commands: the survey report, sessions' participant counts, cases after import."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import emit_json, open_project, out


def survey_report_command(project: str, fmt: str, output: str | None, instrument: str | None, wave: str | None,
                          questions: tuple[str, ...], by: str | None, base: str) -> None:
    """`qualcode report PROJECT survey`: JSON on stdout unless a file or another format is asked for."""
    from qualcode.app.survey import SurveyRequest, run_survey_report

    request = SurveyRequest(instrument, wave, questions, by, base)
    with open_project(project) as p:
        result = run_survey_report(p, request, fmt, Path(output) if output else None)
    if result.path is None:
        emit_json(result.data)
    else:
        out.print(f"Wrote {result.path}", highlight=False, soft_wrap=True)


def register(cli: click.Group) -> None:
    """Nothing yet beyond the report kind."""
