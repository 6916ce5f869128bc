"""REFI-QDA commands: export a project as .qdpx, and import one (reached through `qualcode import`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from qualcode.cli.common import emit_json, err, json_opt, open_project, out, project_arg, table
from qualcode.errors import InputError
from qualcode.store.project import location_of


def register(cli: click.Group) -> None:
    cli.add_command(export)


@click.command()
@project_arg
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["qdpx", "docx", "html"]),
    default="qdpx",
    show_default=True,
    help="qdpx: a REFI-QDA (QDA-XML 1.0) project file; docx or html: one --document, coded.",
)
@click.option(
    "--document",
    help="docx/html: the document to write, its coded spans highlighted and each coding's"
    " code, coder and memo as a Word comment or in the HTML margin.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="The file to write.")
@json_opt
def export(project: str, fmt: str, document: str | None, output: str, as_json: bool) -> None:
    """Export the whole project (documents, codebook, codings, memos, cases) as a REFI-QDA .qdpx file, or one
    coded transcript for review (--document NAME --format docx|html)."""
    from qualcode.app.actions import export_coded_document, export_qdpx_file
    from qualcode.files import write_bytes_atomic

    if fmt == "qdpx" and document:
        raise InputError("--document is for --format docx or html (a .qdpx holds the whole project)")
    if fmt != "qdpx":
        if not document:
            raise InputError(f"--format {fmt} writes one coded transcript: name it with --document NAME")
        from qualcode.cli.progress import working

        with working(err, "Writing the coded document"), open_project(project) as p:
            data, summary = export_coded_document(p, document, fmt)
        write_bytes_atomic(Path(output), data)
        if as_json:
            emit_json({"file": output, "format": fmt, "bytes": len(data), **summary})
        else:
            err.print(
                f"Wrote {output}: {summary['document']}, {summary['codings']} coding(s) by"
                f" {', '.join(summary['coders']) or 'nobody'}"
            )
        return
    from qualcode.cli.progress import working

    with working(err, "Exporting the project") as progress, open_project(project) as p:
        size = export_qdpx_file(p, Path(output), progress)
        counts = {
            "documents": p.scalar("SELECT count(*) FROM documents"),
            "codes": p.scalar("SELECT count(*) FROM codes"),
            "codings": p.scalar("SELECT count(*) FROM codings"),
            "memos": p.scalar("SELECT count(*) FROM memos"),
            "cases": p.scalar("SELECT count(*) FROM cases"),
        }
    if as_json:
        emit_json({"file": output, "format": fmt, "bytes": size, **counts})
    else:
        err.print(f"Wrote {output}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def import_refi_project(
    project: str,
    files: tuple[str, ...],
    other_options: list[str],
    allow_duplicate: bool,
    max_mb: int,
    create: bool,
    as_json: bool,
    coder: str | None,
    detect_speakers: bool = False,
    as_coder: str | None = None,
) -> None:
    """`qualcode import PROJECT FILE.qdpx`: the file is read and checked whole before the project is touched."""
    from qualcode.app.actions import import_refi_file, project_for_import, read_refi_file

    if len(files) != 1:
        raise InputError("import a .qdpx project on its own, not together with other files")
    if other_options:
        raise InputError(
            f"{', '.join(other_options)} cannot be used with a .qdpx project (it names its own documents and cases)"
        )
    from qualcode.cli.progress import working

    path = Path(files[0])
    with working(err, f"Reading {path.name}"):
        refi = read_refi_file(path, max_mb * 1024 * 1024)
    if as_coder is not None:
        _import_as_coder(project, refi, path, as_coder, coder, as_json)
        return
    with (
        working(err, "Importing the REFI-QDA project"),
        project_for_import(location_of(project), coder, create, name=refi.name or None) as p,
    ):
        report = import_refi_file(
            p, refi, path, allow_duplicate=allow_duplicate, detect_speakers=detect_speakers
        )
    if as_json:
        emit_json({k: v for k, v in report.items() if k != "imported"})
        return
    _print_report(report)


def _import_as_coder(
    project: str, refi: Any, path: Path, as_coder: str, coder: str | None, as_json: bool
) -> None:
    from qualcode.app.actions import import_refi_as_coder
    from qualcode.cli.progress import working

    with working(err, "Importing the coder's codings"), open_project(project, coder) as p:
        report = import_refi_as_coder(p, refi, path, as_coder)
    if as_json:
        emit_json(report)
        return
    out.print(
        f"Added {report['codings']} coding(s) by {report['coder']} to {len(report['documents_matched'])}"
        f" document(s) from {report['file']}"
        + (f" ({report['duplicate_codings']} repeated, kept once)" if report["duplicate_codings"] else "")
        + "."
    )
    if report["documents_matched"]:
        table(["in the file", "document here"], [[k, v] for k, v in report["documents_matched"].items()])
    for w in report["warnings"]:
        err.print(Text(f"warning: {w}", style="yellow"))


def _print_report(report: dict[str, Any]) -> None:
    found, skipped = report["found"], report["skipped"]
    imported = {
        "codes": report["codes_added"] + report["codes_updated"],
        "sources": report["documents"],
        "codings": report["codings"],
        "notes": report["memos"],
        "cases": report["cases"],
        "users": report["coders"],
    }
    rows = [
        [kind, found.get(kind, 0), imported.get(kind, "-"), skipped.get(kind, 0)]
        for kind in (
            "users",
            "codes",
            "sources",
            "selections",
            "codings",
            "notes",
            "cases",
            "variables",
            "sets",
            "links",
            "graphs",
        )
        if found.get(kind)
    ]
    table(
        ["in the file", "found", "imported", "skipped"],
        rows,
        title=f"Imported {report['file']} ({report['origin'] or 'unknown producer'})",
    )
    out.print(
        f"{report['documents']} document(s), {report['codes_added']} new code(s), {report['codings']} coding(s),"
        f" {report['memos']} memo(s)."
    )
    for w in report["warnings"]:
        err.print(Text(f"warning: {w}", style="yellow"))
