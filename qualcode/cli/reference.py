"""The command reference (docs/commands.md), written from the CLI's own help so the two cannot drift apart.

Regenerate with `python -m qualcode.cli.reference > docs/commands.md`; a test fails when the file is stale.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

_WIDTH = 100


def walk(group: click.Group, ctx: click.Context) -> Iterator[tuple[click.Context, click.Command]]:
    """Every command below `group`, each with a context that knows its full name (qualcode codings import)."""
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        sub = click.Context(
            command,
            info_name=name,
            parent=ctx,
            terminal_width=_WIDTH,
            max_content_width=_WIDTH,
            help_option_names=ctx.help_option_names,
        )
        yield sub, command
        if isinstance(command, click.Group):
            yield from walk(command, sub)


def command_reference() -> str:
    from qualcode.cli.main import cli

    # The group's own settings (-h as well as --help), as when qualcode runs.
    root = click.Context(
        cli, info_name="qualcode", terminal_width=_WIDTH, max_content_width=_WIDTH, **cli.context_settings
    )
    parts = [
        "# Command reference",
        "",
        "Every `qualcode` command with its options, exactly as `qualcode COMMAND --help` prints them. This file is",
        "generated (`python -m qualcode.cli.reference > docs/commands.md`); a test fails when it is out of date.",
        "",
        "Exit codes: 0 done; 1 a check found a problem, or the command failed for another reason; 2 bad input",
        "(a file, option or value qualcode cannot use: nothing was changed).",
        "",
        "Contents: " + ", ".join(f"`{ctx.command_path}`" for ctx, _ in walk(cli, root)),
        "",
        "## qualcode",
        "",
        "```text",
        cli.get_help(root).rstrip(),
        "```",
    ]
    for ctx, command in walk(cli, root):
        parts += ["", f"## {ctx.command_path}", "", "```text", command.get_help(ctx).rstrip(), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    click.echo(command_reference(), nl=False)
