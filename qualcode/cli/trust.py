"""Trust commands: backups, restore, a full check of a project, pseudonymisation and share copies."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from qualcode.cli.common import (
    coder_opt,
    delimiter_opt,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    project_arg,
    table,
)
from qualcode.errors import InputError
from qualcode.store.project import location_of


def register(cli: click.Group) -> None:
    for command in (backup, restore, check, pseudonymise, share):
        cli.add_command(command)


@click.command()
@project_arg
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the backup here (default: the backup folder).",
)
@click.option("--list", "list_only", is_flag=True, help="List this project's backups instead of making one.")
@json_opt
def backup(project: str, output: str | None, list_only: bool, as_json: bool) -> None:
    """Make a checked backup of PROJECT (SQLite's online backup API; safe while others use it), or list its
    backups."""
    from qualcode.store.backup import backup_folder, list_backups, make_backup

    if list_only:
        if output:
            raise InputError("--list does not take -o")
        with open_project(project) as p:
            if p.on_server:
                from qualcode.store.backup import SERVER_BACKUPS

                raise InputError(SERVER_BACKUPS)
            rows, folder = list_backups(p.path), backup_folder(p.path)
        if as_json:
            emit_json({"folder": str(folder), "backups": rows})
            return
        table(
            ["taken (UTC)", "kind", "reason", "MB", "file"],
            [[r["taken"], r["kind"], r["reason"], f"{r['bytes'] / 1e6:.1f}", r["file"]] for r in rows],
            title=f"{len(rows)} backup(s) in {folder}",
        )
        return
    from qualcode.cli.progress import working

    with working(err, "Backing up the project"), open_project(project) as p:
        result = make_backup(p, Path(output) if output else None)
    if as_json:
        emit_json(result)
    else:
        out.print(
            Text(
                f"Backed up {project} to {result['file']} ({result['bytes'] / 1e6:.1f} MB, integrity checked)."
            ),
            soft_wrap=True,
        )


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False))
@project_arg
@json_opt
@coder_opt
def restore(backup_file: str, project: str, as_json: bool, coder: str | None) -> None:
    """Restore BACKUP into PROJECT (the current content is backed up first; the restore is logged)."""
    from qualcode.cli.progress import working
    from qualcode.store.backup import restore_backup

    with working(err, "Restoring the backup"):
        result = restore_backup(Path(backup_file), location_of(project), coder)
    if as_json:
        emit_json(result)
        return
    out.print(
        Text(
            f"Restored {result['project']} from {result['backup']}: {result['documents']} document(s), "
            f"{result['codings']} coding(s)."
        ),
        soft_wrap=True,
    )
    if result["previous_saved_as"]:
        err.print(Text(f"The content it replaced was saved as {result['previous_saved_as']}"), soft_wrap=True)


@click.command()
@project_arg
@click.option(
    "--against",
    "against",
    type=click.Path(dir_okay=False),
    help="A survey file (.csv/.xlsx) this project imported: compare every stored answer with it.",
)
@click.option(
    "--document", help="With --against: the document to compare (default: those imported from that file)."
)
@delimiter_opt
@click.option("--sheet", help="With --against: the Excel sheet (default: the first).")
@json_opt
def check(
    project: str,
    against: str | None,
    document: str | None,
    delimiter: str | None,
    sheet: str | None,
    as_json: bool,
) -> None:
    """Check PROJECT fully: SQLite integrity_check, foreign keys and the change log's hash chain; exit 1 on a problem.

    With --against FILE, also compare each stored survey answer with the original file (answers cut short by an
    earlier import show as `cut`)."""
    from qualcode.cli.progress import working
    from qualcode.store.backup import check_project
    from qualcode.store.project import Project

    with working(err, "Checking the project"), Project.open(project, check=False) as p:
        result = check_project(p)
        if against:
            from qualcode.app.survey_check import check_survey_file

            result["survey"] = check_survey_file(p, Path(against), document, delimiter, sheet)
            if not result["survey"]["ok"]:
                result["ok"] = False
    if as_json:
        emit_json(result)
    else:
        survey = result.get("survey")
        if not result["problems"]:
            out.print(
                Text(
                    f"OK: {project}: integrity ok, foreign keys ok, change log intact "
                    f"({result['audit']['entries']} entries, head {result['audit']['head']})."
                ),
                soft_wrap=True,
            )
        for problem in result["problems"]:
            err.print(Text(f"PROBLEM: {problem}"), soft_wrap=True)
        for warning in result["warnings"]:
            err.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)
        if survey:
            _print_survey_check(survey)
    if not result["ok"]:
        raise click.exceptions.Exit(1)


def _print_survey_check(survey: dict) -> None:
    line = (
        f"{survey['file']} against {', '.join(survey['documents'])}: {survey['identical']} of "
        f"{survey['answers_in_file']} answer(s) in the file identical; {survey['cut']} cut short, "
        f"{survey['different']} different, {survey['missing']} missing, {survey['not_in_file']} not in the file."
    )
    (out if survey["ok"] else err).print(
        Text(("OK: " if survey["ok"] else "PROBLEM: ") + line), soft_wrap=True
    )
    for p in survey["problems"]:
        err.print(
            Text(
                f"  respondent {p['respondent']}, {p['column']}: {p['problem']} "
                f"(stored {p['stored_chars']} characters, file {p['file_chars']})"
            ),
            soft_wrap=True,
        )
    if survey["problems_total"] > len(survey["problems"]):
        err.print(Text(f"  ... and {survey['problems_total'] - len(survey['problems'])} more (see --json)"))
    if not survey["ok"]:
        err.print(
            Text(
                "  To repair: import the file again as a new document (--name NAME --allow-duplicate) and "
                "re-apply the codings of the damaged answers (`qualcode codings export` lists them)."
            ),
            soft_wrap=True,
        )


register_opt = click.option(
    "--register",
    "register_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="CSV of names: name, pseudonym, kind (person/staff/organisation/place), variants (a|b).",
)
key_opt = click.option(
    "--key-out",
    type=click.Path(dir_okay=False),
    help="Write the key (real name, pseudonym, counts) to this separate private file.",
)


def _report_pseudonymised(result: dict, as_json: bool, what: str) -> None:
    if as_json:
        emit_json(result)
        return
    out.print(
        Text(
            f"{what}: {result['replacements']} replacement(s) of {result['names']} registered name(s) in "
            f"{result['documents']} document(s); {result.get('codings_moved', 0)} coding span(s) moved"
            f"{', ' + str(result['codings_folded']) + ' folded' if result.get('codings_folded') else ''}; "
            "change log restarted."
        ),
        soft_wrap=True,
    )
    if result.get("key"):
        err.print(
            Text(f"Key written to {result['key']}: keep it apart from the project and its copies."),
            soft_wrap=True,
        )
    for warning in [*result["warnings"], *filter(None, [result.get("vacuum_note")])]:
        err.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)


@click.command()
@project_arg
@register_opt
@click.option(
    "--review",
    is_flag=True,
    help="List every replacement (where, context, original -> pseudonym); change nothing.",
)
@click.option(
    "--copy-to",
    type=click.Path(dir_okay=False),
    help="Write a pseudonymised copy here instead of changing PROJECT.",
)
@key_opt
@json_opt
@coder_opt
def pseudonymise(
    project: str,
    register_file: str,
    review: bool,
    copy_to: str | None,
    key_out: str | None,
    as_json: bool,
    coder: str | None,
) -> None:
    """Replace participants', staff and organisation names (variants, misspellings, possessives) by stable
    pseudonyms in documents, segments, codings, memos and cases, keeping every coding on the same words."""
    from qualcode.app.privacy import pseudonymise as run
    from qualcode.cli.progress import working

    with working(err, "Pseudonymising"), open_project(project, coder) as p:
        result = run(
            p,
            Path(register_file),
            review=review,
            output=Path(copy_to) if copy_to else None,
            key_out=Path(key_out) if key_out else None,
        )
    if review:
        if as_json:
            emit_json(result)
            return
        table(
            ["where", "context", "original", "pseudonym", "how"],
            [[r["where"], r["context"], r["original"], r["pseudonym"], r["how"]] for r in result["review"]],
            title=f"{result['replacements']} replacement(s) to make; nothing was changed",
        )
        for warning in result["warnings"]:
            err.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)
        return
    _report_pseudonymised(
        result,
        as_json,
        f"Wrote a pseudonymised copy to {result['output']}" if copy_to else f"Pseudonymised {project}",
    )
    if not copy_to and not as_json and result.get("backup_with_real_names"):
        err.print(
            Text(
                f"The backup made first still holds the real names: {result['backup_with_real_names']} "
                "(delete it once you have checked the result)."
            ),
            soft_wrap=True,
        )


@click.command()
@project_arg
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The share copy to write."
)
@register_opt
@click.option("--strip-memos", is_flag=True, help="Leave out every memo and coding memo.")
@key_opt
@json_opt
def share(
    project: str, output: str, register_file: str, strip_memos: bool, key_out: str | None, as_json: bool
) -> None:
    """Write a pseudonymised copy of PROJECT to share (memos stripped on request; its change log restarted)."""
    from qualcode.app.privacy import pseudonymise as run
    from qualcode.cli.progress import working

    with working(err, "Writing the share copy"), open_project(project) as p:
        result = run(
            p,
            Path(register_file),
            output=Path(output),
            strip_memos=strip_memos,
            key_out=Path(key_out) if key_out else None,
        )
    _report_pseudonymised(result, as_json, f"Wrote a share copy to {result['output']}")
