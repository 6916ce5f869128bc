"""Trust commands: backups, restore, a full check of a project, pseudonymisation and share copies."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from qualcode.cli import coder_opt, emit_json, err, json_opt, open_project, out, project_arg, table


def register(cli: click.Group) -> None:
    for command in (backup, restore, check):
        cli.add_command(command)


@click.command()
@project_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the backup here (default: the backup folder).")
@click.option("--list", "list_only", is_flag=True, help="List this project's backups instead of making one.")
@json_opt
def backup(project: str, output: str | None, list_only: bool, as_json: bool) -> None:
    """Make a checked backup of PROJECT (SQLite's online backup API; safe while others use it), or list its
    backups."""
    from qualcode.store.backup import backup_folder, list_backups, make_backup

    if list_only:
        if output:
            from qualcode.errors import InputError

            raise InputError("--list does not take -o")
        with open_project(project) as p:
            rows, folder = list_backups(p.path), backup_folder(p.path)
        if as_json:
            emit_json({"folder": str(folder), "backups": rows})
            return
        table(["taken (UTC)", "kind", "reason", "MB", "file"],
              [[r["taken"], r["kind"], r["reason"], f"{r['bytes'] / 1e6:.1f}", r["file"]] for r in rows],
              title=f"{len(rows)} backup(s) in {folder}")
        return
    with open_project(project) as p:
        result = make_backup(p, Path(output) if output else None)
    if as_json:
        emit_json(result)
    else:
        out.print(Text(f"Backed up {project} to {result['file']} ({result['bytes'] / 1e6:.1f} MB, integrity checked)."),
                  soft_wrap=True)


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False))
@project_arg
@json_opt
@coder_opt
def restore(backup_file: str, project: str, as_json: bool, coder: str | None) -> None:
    """Restore BACKUP into PROJECT (the current content is backed up first; the restore is logged)."""
    from qualcode.store.backup import restore_backup

    result = restore_backup(Path(backup_file), Path(project), coder)
    if as_json:
        emit_json(result)
        return
    out.print(Text(f"Restored {result['project']} from {result['backup']}: {result['documents']} document(s), "
                   f"{result['codings']} coding(s)."), soft_wrap=True)
    if result["previous_saved_as"]:
        err.print(Text(f"The content it replaced was saved as {result['previous_saved_as']}"), soft_wrap=True)


@click.command()
@project_arg
@json_opt
def check(project: str, as_json: bool) -> None:
    """Check PROJECT fully: SQLite integrity_check, foreign keys and the change log's hash chain; exit 1 on a problem."""
    from qualcode.store.backup import check_project
    from qualcode.store.project import Project

    with Project.open(project, check=False) as p:
        result = check_project(p)
    if as_json:
        emit_json(result)
    else:
        if result["ok"]:
            out.print(Text(f"OK: {project}: integrity ok, foreign keys ok, change log intact "
                           f"({result['audit']['entries']} entries, head {result['audit']['head']})."), soft_wrap=True)
        for problem in result["problems"]:
            err.print(Text(f"PROBLEM: {problem}"), soft_wrap=True)
        for warning in result["warnings"]:
            err.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)
    if not result["ok"]:
        raise click.exceptions.Exit(1)
