"""Commands that code and uncode, move codings in and out, list cases, and build the demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import click

from qualcode.cli.common import (
    QualcodeGroup,
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


def register(cli: click.Group) -> None:
    for command in (code, uncode, codings, cases, memos, demo):
        cli.add_command(command)


@click.command()
@project_arg
@click.argument("segment_id", type=int)
@click.argument("code_key")
@click.option("--start", type=int, help="Code only part of the segment: start offset in the document.")
@click.option("--end", type=int, help="End offset (exclusive) of the part to code.")
@click.option(
    "--contribution",
    type=click.Choice(["sufficient", "necessary", "improved", "none"]),
    help="Contribution category of the evidence.",
)
@click.option("--claim", help="The claim (key or text) this evidence bears on; a new text becomes a claim.")
@click.option(
    "--claim-polarity",
    type=click.Choice(["supports", "contradicts", "mixed"]),
    help="Whether the evidence supports the claim (default), contradicts it, or is mixed.",
)
@click.option(
    "--polarity",
    type=click.Choice(["supports", "contradicts", "mixed"]),
    help="The coding's own polarity toward its code, e.g. contradicts for 'no leadership support here'.",
)
@click.option("--memo", help="A note on this coding.")
@json_opt
@coder_opt
def code(
    project: str,
    segment_id: int,
    code_key: str,
    start: int | None,
    end: int | None,
    contribution: str | None,
    claim: str | None,
    claim_polarity: str | None,
    polarity: str | None,
    memo: str | None,
    as_json: bool,
    coder: str | None,
) -> None:
    """Apply CODE_KEY to a segment (or part of it). On a span this coder already coded with CODE_KEY, the
    options given (contribution, claim, polarity, memo) update that coding."""
    from qualcode.store.codings import add_coding, get_coding

    with open_project(project, coder) as p:
        before = p.scalar("SELECT max(id) FROM codings")
        cid = add_coding(
            p,
            code_key,
            segment_id=segment_id,
            start=start,
            end=end,
            coder=coder,
            contribution=contribution,
            claim=claim,
            memo=memo,
            polarity=polarity,
            claim_polarity=claim_polarity,
            update_existing=any(v is not None for v in (contribution, claim, polarity, memo)),
        )
        coding = get_coding(p, cid)
    if as_json:
        emit_json(coding)
    elif before is not None and cid <= before:
        out.print(f"Coding {cid}: segment {segment_id} {code_key} by {coding['coder']} updated.")
    else:
        out.print(f"Coding {cid}: segment {segment_id} coded {code_key} by {coding['coder']}.")


@click.command()
@project_arg
@click.argument("segment_id", type=int)
@click.argument("code_key")
@coder_opt
def uncode(project: str, segment_id: int, code_key: str, coder: str | None) -> None:
    """Remove CODE_KEY from a segment (this coder's codings only)."""
    from qualcode.store.codings import remove_segment_code

    with open_project(project, coder) as p:
        ids = remove_segment_code(p, segment_id, code_key, coder)
    out.print(f"Removed {len(ids)} coding(s) of {code_key} from segment {segment_id}.")


@click.group(cls=QualcodeGroup)
def codings() -> None:
    """Bring codings in from a CSV or take them out as CSV/JSON."""


@codings.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--max-mb", type=click.IntRange(1, 100_000), default=100, show_default=True, help="Largest file accepted."
)
@click.option(
    "--update",
    is_flag=True,
    help="Change contribution, claim links, polarity and memo of codings already"
    " present to what the file says (without it, such rows are reported as conflicts).",
)
@delimiter_opt
@coder_opt
@json_opt
def codings_import(
    project: str,
    file: str,
    max_mb: int,
    update: bool,
    delimiter: str | None,
    coder: str | None,
    as_json: bool,
) -> None:
    """Import codings from CSV: segment_id, or document+start+end, or document+quote; code; optional coder,
    contribution, memo, polarity, claim (key or text; one row per claim link, its polarity the link's), rival.
    All rows are checked first; any bad row imports nothing. Empty cells change nothing."""
    from qualcode.app.actions import import_codings_file
    from qualcode.cli.progress import working
    from qualcode.store.codings_import import describe_conflict

    with working(err, "Importing codings"), open_project(project, coder) as p:
        result = import_codings_file(
            p, Path(file), coder, max_bytes=max_mb * 1024 * 1024, delimiter=delimiter, update=update
        )
    if as_json:
        emit_json(result)
        return
    out.print(
        f"{result['added']} coding(s) added, {result['updated']} updated, {result['already_present']} row(s)"
        f" already present, {len(result['conflicts'])} conflict(s)."
    )
    for conflict in result["conflicts"]:
        err.print(f"conflict: {describe_conflict(conflict)}")
    if result["conflicts"]:
        err.print("Conflicting codings were left as they are; import again with --update to apply the file.")


@codings.command("export")
@project_arg
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: print).")
@click.option("--coder", help="Only this coder's codings.")
@click.option(
    "--status",
    type=click.Choice(["pending", "accepted", "queried", "rejected"]),
    help="Only codings whose latest review decision is this (e.g. accepted evidence only).",
)
def codings_export(project: str, fmt: str, output: str | None, coder: str | None, status: str | None) -> None:
    """Export every coding with its text, code, coder, contribution, claim and memo."""
    from qualcode.app.actions import write_csv_rows, write_json_rows
    from qualcode.cli.progress import counted, working
    from qualcode.files import atomic_writer
    from qualcode.store.codebook import kept_coding_count
    from qualcode.store.codings import CODING_COLUMNS, iter_export_codings

    what = "Exporting codings"

    def write(out: IO[str]) -> int:  # row by row: a million codings never sit in memory together
        total = None if coder or status else kept_coding_count(p)
        rows = counted(iter_export_codings(p, coder, status), report, what, total, key=lambda r: r["id"])
        if fmt == "csv":
            return write_csv_rows(out, rows, CODING_COLUMNS)
        n = write_json_rows(out, rows)
        out.write("\n")
        return n

    # progress on stderr (a terminal only): `codings export P > out.csv` writes the same bytes either way
    with working(err, what, streaming=not output) as report, open_project(project) as p:
        if output:
            with atomic_writer(Path(output), encoding="utf-8-sig" if fmt == "csv" else "utf-8") as fh:
                n = write(fh)
        else:
            write(sys.stdout)
    if output:
        err.print(f"Wrote {n} coding(s) to {output}")


@click.command()
@project_arg
@json_opt
def cases(project: str, as_json: bool) -> None:
    """List cases (participants) with their attributes and source types."""
    from qualcode.cli.progress import working
    from qualcode.store.documents import list_cases

    with working(err, "Reading cases"), open_project(project) as p:
        rows = list_cases(p)
    if as_json:
        emit_json(rows)
        return
    table(
        ["case", "source types", "segments", "attributes"],
        [
            [
                r["name"],
                ", ".join(r["source_types"]),
                r["segments"],
                "; ".join(f"{k}={v}" for k, v in r["attributes"].items()),
            ]
            for r in rows
        ],
    )


@click.command()
@project_arg
@click.option(
    "--kind",
    type=click.Choice(["project", "document", "segment", "case", "code", "coding"]),
    help="Only memos on this kind of thing.",
)
@click.option("--coder", help="Only this coder's memos.")
@json_opt
def memos(project: str, kind: str | None, coder: str | None, as_json: bool) -> None:
    """List memos (written in the workbench with m, or carried in by merges and REFI-QDA imports)."""
    from qualcode.cli.progress import working
    from qualcode.store.memos import list_memos

    with working(err, "Reading memos"), open_project(project) as p:
        rows = list_memos(p, kind, coder)
    if as_json:
        emit_json(rows)
        return
    table(
        ["id", "on", "coder", "updated", "memo"],
        [
            [
                "" if r["id"] is None else r["id"],
                f"{r['target_kind']} {r['target_id'] or ''}".strip(),
                r["coder"],
                r["updated"],
                r["text"],
            ]
            for r in rows
        ],
    )


@click.command()
@click.option("--build-only", is_flag=True, help="Build the demo project and exit without opening it.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Where to build it (default: user data folder)."
)
@click.option("--rebuild", is_flag=True, help="Build afresh even if the demo project exists.")
@coder_opt
def demo(build_only: bool, output: str | None, rebuild: bool, coder: str | None) -> None:
    """Build the fictional Practice Development Unit study and open it."""
    from qualcode.app.demo import build_demo, default_demo_path
    from qualcode.errors import InputError
    from qualcode.store.project import delete_project_files

    path = Path(output) if output else default_demo_path()
    if path.exists() and (rebuild or build_only):
        if output and build_only and not rebuild:
            raise InputError(f"{path}: already exists (add --rebuild to replace it)")
        delete_project_files(path)
    if not path.exists():
        from qualcode.cli.progress import working

        with working(err, "Building the demo study"):
            summary = build_demo(path)
        err.print(
            f"Built the demo study: {summary['documents']} documents, {summary['codings']} codings -> {path}"
        )
    if build_only:
        return
    from qualcode.cli.project import open_tui

    open_tui(str(path), coder)
