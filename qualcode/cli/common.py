"""What every command shares: safe consoles, one-line errors, the group class, options and small helpers."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qualcode.core.display import safe_text
from qualcode.errors import InputError, QualcodeError


class SafeConsole(Console):
    """A console for untrusted text: markup and emoji codes are never interpreted (`[laughs]` and `:fire:` print
    as written), and terminal control and bidi-override characters print as U+FFFD instead of being obeyed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_neutralised(o) for o in objects), **kwargs)


def _neutralised(obj: Any) -> Any:
    if isinstance(obj, str):
        return safe_text(obj)
    if isinstance(obj, Text):
        copy = obj.copy()
        copy.plain = safe_text(copy.plain)  # one character for one, so styles keep their places
        return copy
    return obj


out = SafeConsole(soft_wrap=False)
err = SafeConsole(stderr=True, soft_wrap=True)


class OneLineUsageError(click.UsageError):
    """A usage error as one line naming the option (or argument) and where help is, instead of click's usage
    block: `qualcode code: No such option: --bogus (see 'qualcode code --help')`."""

    @classmethod
    def from_error(cls, exc: click.UsageError) -> OneLineUsageError:
        return cls(exc.format_message(), exc.ctx)

    def show(self, file: Any = None) -> None:
        where = self.ctx.command_path if self.ctx is not None else "qualcode"
        message = " ".join(self.format_message().split()).rstrip(".")
        err.print(Text(f"{where}: {safe_text(message)} (see '{where} --help')", style="red"))


def one_line(exc: click.UsageError) -> click.UsageError:
    """Usage errors become one line; asking for help with no arguments still shows the help."""
    if isinstance(exc, (OneLineUsageError, click.exceptions.NoArgsIsHelpError)):
        return exc
    return OneLineUsageError.from_error(exc)


class QualcodeGroup(click.Group):
    """Turns every QualcodeError into one line on stderr and its exit code, and every usage error into one line
    naming the option and --help (exit 2); never a traceback."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise one_line(exc) from None
        except QualcodeError as exc:
            err.print(Text(f"qualcode: {safe_text(str(exc))}", style="red"))
            ctx.exit(exc.exit_code)
        except sqlite3.DatabaseError as exc:
            if "malformed" in str(exc) or "not a database" in str(exc):  # found by a read, not at open
                err.print(
                    Text(
                        f"qualcode: the project file is damaged ({exc}); run 'qualcode check PROJECT' for"
                        " details, and 'qualcode backup PROJECT --list' to find a backup to restore with"
                        " 'qualcode restore'",
                        style="red",
                    )
                )
            else:
                err.print(Text(f"qualcode: database error: {exc}", style="red"))
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            err.print("qualcode: interrupted; nothing was half-written")
            ctx.exit(130)
        except Exception as exc:  # the last line of defence: a bug, reported in one line
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            err.print(
                Text(
                    f"qualcode: internal error: {type(exc).__name__}: {exc} (QUALCODE_DEBUG=1 shows details)",
                    style="red",
                )
            )
            ctx.exit(1)


def emit_json(data: Any) -> None:
    from qualcode.app.actions import rows_to_json

    click.echo(rows_to_json(data))


# Above this many rows a table is printed as aligned plain lines: rich measures every cell of every row, about
# 1.5 ms a row, which made listing 1,000 documents take over a second.
PLAIN_TABLE_ROWS = 200
PLAIN_TABLE_CHUNK = 2000


def _plain_table(columns: list[str], cells: list[list[str]], title: str | None) -> None:
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [title] if title else []
    lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    lines.append("  ".join("─" * w for w in widths))
    # Every cell is already neutralised (safe_text): written as it is, not measured again line by line by rich
    # (which took longer than computing 10,000 segments' suggestions), and in parts: no one string of every line.
    for start in range(0, len(cells), PLAIN_TABLE_CHUNK):
        lines += [
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
            for r in cells[start : start + PLAIN_TABLE_CHUNK]
        ]
        click.echo("\n".join(lines))
        lines = []


def table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    """Print rows as a rich table; every cell is plain Text, so '[laughs]' stays literal. A long table of
    one-line cells is printed as aligned plain columns (same cells, no borders), as fast as it can be read."""
    if len(rows) > PLAIN_TABLE_ROWS:
        cells = [[safe_text("" if v is None else str(v)) for v in row] for row in rows]
        if not any("\n" in v or "\r" in v for row in cells for v in row):
            _plain_table(columns, cells, safe_text(title) if title else None)
            return
    t = Table(title=Text(safe_text(title)) if title else None, show_lines=False)
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*[Text(safe_text("" if v is None else str(v))) for v in row])
    out.print(t)


def open_project(path: str, coder: str | None = None) -> Any:
    """Open a project for a command; its coder is resolved by the one rule (qualcode.config.resolve_coder)."""
    from qualcode.config import resolve_coder
    from qualcode.store.project import Project

    return Project.open(path, coder=resolve_coder(coder))


def parse_attrs(values: tuple[str, ...]) -> dict[str, str]:
    attrs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--attr takes KEY=VALUE (got {item!r})")
        attrs[key.strip()] = value.strip()
    return attrs


class ListByDefault(QualcodeGroup):
    """A group whose first word may be a project: `qualcode documents PROJECT` still lists, as before the
    group had sub-commands (`documents set ...`). The listing answers to `list` too, but is kept out of
    `commands`: it is the group's own behaviour (documented as `qualcode documents PROJECT`)."""

    def __init__(self, name: str, listing: click.Command, **kwargs: object) -> None:
        super().__init__(name, **kwargs)  # type: ignore[arg-type]
        self.listing = listing

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.listing if cmd_name == "list" else super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, "list"])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("list", "-h", "--help"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


# CSV field separators a user can name (csv files otherwise have theirs found; see ingest/csvread.py).
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
delimiter_opt = click.option(
    "--delimiter",
    type=click.Choice(sorted(DELIMITERS)),
    callback=lambda _c, _p, v: DELIMITERS.get(v) if v else None,
    help="CSV: the field separator (default: found from the file; refused if it could be more than one).",
)

project_arg = click.argument("project", type=click.Path(dir_okay=False))
json_opt = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")
CODER_DEFAULT = "default: $QUALCODE_CODER, else the name the workbench saved, else your login name"
coder_opt = click.option("--coder", help=f"Coder name ({CODER_DEFAULT}).")


embeddings_opt = click.option(
    "--embeddings/--no-embeddings",
    default=None,
    help="Use the optional sentence-embedding model (qualcode[embeddings]); by default it is used when"
    " installed (QUALCODE_EMBEDDINGS=0 turns it off).",
)


def embeddings_wanted(flag: bool | None) -> bool:
    """--embeddings requires the model (one-line error without it); the default uses it when installed."""
    from qualcode.nlp import embeddings

    if flag is None:
        return embeddings.enabled()
    if flag and not embeddings.available():
        raise InputError("the embedding model is not installed: pip install 'qualcode[embeddings]'")
    return flag
