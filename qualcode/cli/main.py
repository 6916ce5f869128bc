"""The `qualcode` command group: every area's commands registered on it."""

from __future__ import annotations

import click

from qualcode import __version__
from qualcode.cli import (
    autocode,
    claims,
    coding,
    documents,
    nlp,
    project,
    refi,
    reports,
    server,
    survey,
    team,
    trust,
    users,
)
from qualcode.cli.common import QualcodeGroup


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
def cli() -> None:
    """qualcode: code interviews, focus groups and surveys against a codebook, and report on them."""


for _area in (
    project,
    coding,
    claims,
    documents,
    team,
    nlp,
    autocode,
    refi,
    reports,
    trust,
    survey,
    server,
    users,
):
    _area.register(cli)


def main() -> None:
    cli(prog_name="qualcode")


if __name__ == "__main__":
    main()  # click exits the process itself (standalone mode), with the command's exit code
