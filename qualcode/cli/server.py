"""Team server commands: push a project file to a server study, pull a server study into a project file."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from qualcode.cli.common import coder_opt, emit_json, err, json_opt, out
from qualcode.cli.progress import working


@click.command()
@click.argument("project", type=click.Path(dir_okay=False, exists=False))
@click.argument("url", metavar="URL")
@json_opt
@coder_opt
def push(project: str, url: str, as_json: bool, coder: str | None) -> None:
    """Copy PROJECT (a .qcdb file) into a new server study at URL (postgresql://..., an empty database), all or
    nothing; the change log comes along and still verifies."""
    from qualcode.store.transfer import push as do_push

    with working(err, "Copying the project to the server"):
        result = do_push(Path(project), url, coder)
    if as_json:
        emit_json(result)
        return
    rows = result["rows"]
    out.print(
        Text(
            f"Pushed {project} to {result['study']}: {rows.get('documents', 0)} document(s), "
            f"{rows.get('codings', 0)} coding(s), {rows.get('change_log', 0)} change-log entries "
            f"(chain {'verified' if result['audit']['ok'] else 'BROKEN'})."
        ),
        soft_wrap=True,
    )


@click.command()
@click.argument("url", metavar="URL")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The project file to write."
)
@json_opt
@coder_opt
def pull(url: str, output: str, as_json: bool, coder: str | None) -> None:
    """Copy the server study at URL into a new project file (one consistent moment), for offline work;
    `qualcode merge URL COPY` brings its work back."""
    from qualcode.store.transfer import pull as do_pull

    with working(err, "Copying the study from the server"):
        result = do_pull(url, Path(output), coder)
    if as_json:
        emit_json(result)
        return
    rows = result["rows"]
    out.print(
        Text(
            f"Pulled {result['study']} to {output}: {rows.get('documents', 0)} document(s), "
            f"{rows.get('codings', 0)} coding(s) (change log {'verified' if result['audit']['ok'] else 'BROKEN'})."
        ),
        soft_wrap=True,
    )


def register(group: click.Group) -> None:
    group.add_command(push)
    group.add_command(pull)
