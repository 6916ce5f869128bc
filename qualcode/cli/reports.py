"""The report command: theme, contribution and HLS tables, matrices and listings, to a file or as JSON."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import emit_json, err, open_project, out, parse_attrs, project_arg

KIND_NAMES = (
    "themes",
    "contribution",
    "findings",
    "framework",
    "hls",
    "matrix",
    "cooccurrence",
    "quotes",
    "codebook",
    "participants",
    "survey",
    "monitoring",
    "all",
)
FORMAT_NAMES = ("csv", "xlsx", "docx", "md", "html", "json")


def register(cli: click.Group) -> None:
    cli.add_command(report)


@click.command()
@project_arg
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    help="Output format (default: csv for one table, html for all and findings).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: exports/ here)."
)
@click.option(
    "--by",
    help="themes/participants: a case attribute; matrix: case, source-type, document or an attribute;"
    " framework: source-type or case.",
)
@click.option(
    "--code", "codes", multiple=True, metavar="KEY", help="Only this code and its sub-codes, repeatable."
)
@click.option(
    "--attr", "attrs", multiple=True, metavar="KEY=VALUE", help="Only cases with this attribute, repeatable."
)
@click.option("--accepted-only", is_flag=True, help="Only codings a reviewer accepted.")
@click.option("--coder", help="Only this coder's codings.")
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(dir_okay=False),
    help="YAML file changing report rules (triangulation, capacity, quote caps).",
)
@click.option(
    "--instrument", help="survey: only this instrument; other reports: survey evidence from it only."
)
@click.option("--wave", help="survey: only this wave.")
@click.option(
    "--question",
    "questions",
    multiple=True,
    metavar="COL",
    help="survey: only this question; monitoring: only this measure; repeatable.",
)
@click.option(
    "--base",
    type=click.Choice(["answered", "all"]),
    default="answered",
    show_default=True,
    help="survey: percentages of those who answered, or of every respondent.",
)
def report(
    project: str,
    kind: str,
    fmt: str | None,
    output: str | None,
    by: str | None,
    codes: tuple[str, ...],
    attrs: tuple[str, ...],
    accepted_only: bool,
    coder: str | None,
    settings_file: str | None,
    instrument: str | None,
    wave: str | None,
    questions: tuple[str, ...],
    base: str,
) -> None:
    """Compute a report (themes, contribution, findings, framework, hls, matrix, cooccurrence, quotes, codebook, participants,
    survey, monitoring or all) and write it as CSV, XLSX, DOCX, Markdown or HTML, or print it as JSON."""
    from qualcode.app.reporting import check_request, run_report
    from qualcode.reports.evidence import Filters
    from qualcode.reports.settings import load_settings

    if kind == "survey":
        from qualcode.cli.survey import survey_report_command

        survey_report_command(project, fmt or "json", output, instrument, wave, questions, by, base)
        return
    if kind == "monitoring":
        from qualcode.cli.survey import monitoring_report_command

        monitoring_report_command(project, fmt or "json", output, questions, by)
        return
    given = [o for o, v in (("--wave", wave), ("--question", questions), ("--base", base != "answered")) if v]
    if given:
        raise click.UsageError(f"{given[0]} applies to the survey report only")
    fmt = fmt or ("html" if kind in ("all", "findings") else "csv")
    check_request(kind, fmt, by)
    filters = Filters(
        accepted_only=accepted_only,
        coder=coder,
        codes=codes,
        attributes=parse_attrs(attrs),
        instrument=instrument,
    )
    settings = load_settings(Path(settings_file) if settings_file else None)
    from qualcode.cli.progress import working

    with open_project(project) as p, working(err, f"Computing the {kind} report"):
        result = run_report(
            p, kind, fmt, Path(output) if output else None, by=by, filters=filters, settings=settings
        )
    if result.path is None:
        emit_json(result.data)
    else:
        out.print(f"Wrote {result.path}", highlight=False, soft_wrap=True)
