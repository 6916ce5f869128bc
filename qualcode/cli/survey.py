"""Survey and participation commands: the survey report, sessions' participant counts, cases after import."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    ListByDefault,
    QualcodeGroup,
    coder_opt,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    parse_attrs,
    project_arg,
)


def survey_report_command(
    project: str,
    fmt: str,
    output: str | None,
    instrument: str | None,
    wave: str | None,
    questions: tuple[str, ...],
    by: str | None,
    base: str,
) -> None:
    """`qualcode report PROJECT survey`: JSON on stdout unless a file or another format is asked for."""
    from qualcode.app.survey import SurveyRequest, run_survey_report

    request = SurveyRequest(instrument, wave, questions, by, base)
    from qualcode.cli.progress import working

    with working(err, "Computing the survey report"), open_project(project) as p:
        result = run_survey_report(p, request, fmt, Path(output) if output else None)
    if result.path is None:
        emit_json(result.data)
    else:
        out.print(f"Wrote {result.path}", highlight=False, soft_wrap=True)


def monitoring_report_command(
    project: str, fmt: str, output: str | None, measures: tuple[str, ...], by: str | None
) -> None:
    """`qualcode report PROJECT monitoring`: JSON on stdout unless a file or another format is asked for."""
    from qualcode.app.survey import run_monitoring_report
    from qualcode.cli.progress import working

    with working(err, "Computing the monitoring report"), open_project(project) as p:
        result = run_monitoring_report(p, fmt, Path(output) if output else None, measures, by)
    if result.path is None:
        emit_json(result.data)
    else:
        out.print(f"Wrote {result.path}", highlight=False, soft_wrap=True)


@click.group(cls=QualcodeGroup)
def monitoring() -> None:
    """Activity and monitoring figures: events, attendance and the like, by period and category."""


@monitoring.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--period-column", help="The column naming each row's period (default: period, year ... or the first)."
)
@click.option(
    "--by", help="A column naming each row's category (e.g. sector); default: the figures are totals."
)
@json_opt
@coder_opt
def monitoring_import(
    project: str, file: str, period_column: str | None, by: str | None, as_json: bool, coder: str | None
) -> None:
    """Import figures from a CSV, long (measure, period, value) or wide (period, then a column per measure)."""
    from qualcode.app.actions import read_csv_dicts
    from qualcode.store.monitoring import import_monitoring, parse_monitoring

    figures = parse_monitoring(read_csv_dicts(Path(file)), Path(file).name, period_column, by)
    from qualcode.cli.progress import working

    with working(err, "Importing figures"), open_project(project, coder) as p:
        result = import_monitoring(p, figures, Path(file).name)
    if as_json:
        emit_json(result)
    else:
        out.print(
            f"{result['file']}: {result['added']} figure(s) added, {result['changed']} changed, "
            f"{result['unchanged']} unchanged"
        )


@click.command("set")
@project_arg
@click.argument("case")
@click.argument("values", nargs=-1, required=True, metavar="KEY=VALUE...")
@coder_opt
def cases_set(project: str, case: str, values: tuple[str, ...], coder: str | None) -> None:
    """Set attributes of a case (KEY= with no value removes one); logged."""
    from qualcode.store.cases import set_case

    with open_project(project, coder) as p:
        result = set_case(p, case, parse_attrs(values))
    out.print(f"{case}: {result['changed']} value(s) changed")


@click.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--case-column", help="The column naming the case (default: the first).")
@click.option(
    "--create", is_flag=True, help="Add cases the project does not have (default: refuse the file)."
)
@json_opt
@coder_opt
def cases_import(
    project: str, file: str, case_column: str | None, create: bool, as_json: bool, coder: str | None
) -> None:
    """Update case attributes from a CSV: a case column, then one column per attribute (blank = unchanged)."""
    from qualcode.app.actions import read_csv_dicts
    from qualcode.store.cases import import_cases

    rows = read_csv_dicts(Path(file))
    from qualcode.cli.progress import working

    with working(err, "Importing case attributes"), open_project(project, coder) as p:
        result = import_cases(p, rows, case_column, Path(file).name, create)
    if as_json:
        emit_json(result)
    else:
        out.print(
            f"{result['rows']} row(s): {result['cases_changed']} case(s) changed "
            f"({result['values_changed']} value(s)), {result['cases_created']} created"
        )


@click.command("recode")
@project_arg
@click.argument("key")
@click.option(
    "--map",
    "mappings",
    multiple=True,
    required=True,
    metavar="OLD=NEW",
    help="Rename value OLD to NEW, repeatable (merges spellings).",
)
@coder_opt
def cases_recode(project: str, key: str, mappings: tuple[str, ...], coder: str | None) -> None:
    """Rename values of a case attribute, e.g. --map "Beneficiary ambassador=Beneficiary Ambassador"; logged."""
    from qualcode.errors import InputError
    from qualcode.store.cases import recode

    mapping: dict[str, str] = {}
    for item in mappings:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"--map takes OLD=NEW (got {item!r})")
        mapping[old.strip()] = new.strip()
    with open_project(project, coder) as p:
        result = recode(p, key, mapping)
    for old, n in result["recoded"].items():
        out.print(f"{key}: {old!r} -> {mapping[old]!r} on {n} case(s)")


def _grouped(cli: click.Group, name: str, help_text: str, *commands: click.Command) -> None:
    """Turn the existing listing command `name` into a group: `name PROJECT` lists, `name set ...` etc."""
    listing = cli.commands.pop(name)
    group = ListByDefault(name, listing, help=help_text)
    for command in commands:
        group.add_command(command)
    cli.add_command(group)


def register(cli: click.Group) -> None:
    cli.add_command(monitoring)
    _grouped(
        cli,
        "cases",
        "List cases (cases PROJECT), or set, import and recode their attributes.",
        cases_set,
        cases_import,
        cases_recode,
    )
