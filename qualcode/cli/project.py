"""Project commands: create a project, import files, the codebook, list and search segments, open the workbench."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from qualcode.cli.common import (
    QualcodeGroup,
    coder_opt,
    delimiter_opt,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    parse_attrs,
    project_arg,
    table,
)
from qualcode.errors import InputError
from qualcode.store.project import location_of


def register(cli: click.Group) -> None:
    for command in (init, import_, codebook, segments, search, tui):
        cli.add_command(command)


@click.command()
@project_arg
@click.option(
    "--codebook", "codebook_file", type=click.Path(dir_okay=False), help="YAML or .qdc codebook to load."
)
@click.option("--name", help="Study name (default: the file name).")
@coder_opt
def init(project: str, codebook_file: str | None, name: str | None, coder: str | None) -> None:
    """Create a new, empty project file."""
    from qualcode.app.actions import import_codebook_file, read_codebook_file
    from qualcode.config import resolve_coder
    from qualcode.store.project import Project

    if codebook_file and Path(codebook_file).suffix.lower() == ".qdc":
        from qualcode.ingest.qdpx import read_refi_codebook

        read_refi_codebook(Path(codebook_file))  # validate before creating anything
    elif codebook_file:
        read_codebook_file(Path(codebook_file))
    with Project.create(project, coder=resolve_coder(coder), name=name) as p:
        counts = import_codebook_file(p, Path(codebook_file)) if codebook_file else {"added": 0}
    out.print(f"Created {project} with {counts['added']} codes.")


@click.command("import")
@project_arg
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--source-type", help="interview, focus-group, survey, steering-group, workshop or document.")
@click.option("--name", help="Document name (one file only; default: the file name without extension).")
@click.option(
    "--case", help="Case (participant) for an interview or a document (default: the document name)."
)
@click.option("--case-prefix", help="Prefix for focus-group speaker cases and survey respondent cases.")
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE", help="Case attribute, repeatable.")
@click.option("--id-column", help="Survey: the respondent id column.")
@click.option("--text-column", "text_columns", multiple=True, help="Survey: an open-text column, repeatable.")
@click.option("--source-type-column", help="Survey: a column holding each row's source type.")
@click.option("--sheet", help="Excel: the sheet to read (default: the first).")
@delimiter_opt
@click.option(
    "--spec",
    "spec_file",
    type=click.Path(dir_okay=False),
    help="Survey: a YAML spec naming the instrument, waves and closed questions (docs/surveys.md).",
)
@click.option(
    "--instrument", help="Survey: the instrument's name (default: the spec's, else the document name)."
)
@click.option("--wave", help="Survey: the wave every row belongs to (e.g. 2021-06).")
@click.option("--wave-column", help="Survey: a column holding each row's wave.")
@click.option("--participants", type=click.IntRange(0), help="How many people took part in the session.")
@click.option(
    "--allow-duplicate", is_flag=True, help="Import a file even if the same content was imported before."
)
@click.option(
    "--max-mb", type=click.IntRange(1, 100_000), default=100, show_default=True, help="Largest file accepted."
)
@click.option(
    "--create",
    is_flag=True,
    help="Create PROJECT first if it does not exist (removed again if the import fails).",
)
@click.option(
    "--interviewer",
    "interviewers",
    multiple=True,
    metavar="NAME",
    help="A speaker (name or legend code) of the research team, repeatable: their turns belong to no case.",
)
@click.option(
    "--detect-speakers",
    is_flag=True,
    help="REFI-QDA: look for speaker turns in its sources (default: paragraphs).",
)
@click.option(
    "--as-coder",
    metavar="NAME",
    help="REFI-QDA: add this coder's codings to the documents and codes already here (matched by text and"
    " code name), to compare coders with `agreement`.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would be imported (source type, speakers, cases, first turns); store nothing.",
)
@json_opt
@coder_opt
def import_(
    project: str,
    files: tuple[str, ...],
    source_type: str | None,
    name: str | None,
    case: str | None,
    case_prefix: str | None,
    attrs: tuple[str, ...],
    id_column: str | None,
    text_columns: tuple[str, ...],
    source_type_column: str | None,
    sheet: str | None,
    delimiter: str | None,
    spec_file: str | None,
    instrument: str | None,
    wave: str | None,
    wave_column: str | None,
    participants: int | None,
    allow_duplicate: bool,
    max_mb: int,
    create: bool,
    interviewers: tuple[str, ...],
    detect_speakers: bool,
    as_coder: str | None,
    dry_run: bool,
    as_json: bool,
    coder: str | None,
) -> None:
    """Import transcripts (.txt .md .docx .vtt .rtf .odt .html .pdf), surveys (.csv .xlsx) or a REFI-QDA project
    (.qdpx .qde); all or none. Run with --dry-run first to see the speakers and cases qualcode finds."""
    from qualcode.app.actions import REFI_PROJECT_SUFFIXES, import_files, project_for_import
    from qualcode.ingest import ImportOptions
    from qualcode.ingest.common import check_source_type

    if any(Path(f).suffix.lower() in REFI_PROJECT_SUFFIXES for f in files):
        from qualcode.cli.refi import import_refi_project

        given = [
            opt
            for opt, v in (
                ("--source-type", source_type),
                ("--name", name),
                ("--case", case),
                ("--case-prefix", case_prefix),
                ("--attr", attrs),
                ("--id-column", id_column),
                ("--text-column", text_columns),
                ("--source-type-column", source_type_column),
                ("--sheet", sheet),
                ("--delimiter", delimiter),
                ("--spec", spec_file),
                ("--instrument", instrument),
                ("--wave", wave),
                ("--wave-column", wave_column),
                ("--participants", participants is not None),
                ("--interviewer", interviewers),
                ("--dry-run", dry_run),
            )
            if v
        ]
        import_refi_project(
            project,
            files,
            given,
            allow_duplicate,
            max_mb,
            create,
            as_json,
            coder,
            detect_speakers=detect_speakers,
            as_coder=as_coder,
        )
        return
    if detect_speakers or as_coder:
        raise InputError(
            f"{'--detect-speakers' if detect_speakers else '--as-coder'} is for REFI-QDA projects"
            " (.qdpx, .qde); transcripts always have their speakers looked for"
        )
    options = ImportOptions(
        source_type=check_source_type(source_type) if source_type else None,
        name=name,
        case=case,
        case_prefix=case_prefix,
        attributes=parse_attrs(attrs),
        id_column=id_column,
        text_columns=list(text_columns),
        source_type_column=source_type_column,
        sheet=sheet,
        max_bytes=max_mb * 1024 * 1024,
        delimiter=delimiter,
        instrument=instrument,
        wave=wave,
        wave_column=wave_column,
        participants=participants,
        interviewers=[i.strip() for i in interviewers if i.strip()],
    )
    if spec_file:
        from qualcode.ingest.survey_spec import load_spec

        options.spec = load_spec(Path(spec_file))
    if dry_run:
        from qualcode.cli.documents import print_preview

        print_preview([Path(f) for f in files], options, as_json)
        return
    from qualcode.cli.progress import working

    with working(err, "Importing") as report, project_for_import(location_of(project), coder, create) as p:
        results = import_files(
            p, [Path(f) for f in files], options, allow_duplicate=allow_duplicate, progress=report
        )
    if as_json:
        emit_json(results)
        return
    table(
        ["document", "source type", "segments", "cases", "file"],
        [[r["document"], r["source_type"], r["segments"], r["cases"], r["file"]] for r in results],
        title=f"Imported {len(results)} document(s)",
    )
    for r in results:
        if "respondents" in r:
            err.print(
                f"{r['document']}: {r['respondents']} respondent(s) and {r['questions']} closed question(s) "
                f"in instrument {r['instrument']!r}"
            )
        for w in r["warnings"]:
            err.print(Text(f"warning: {w}", style="yellow"))


@click.group(cls=QualcodeGroup)
def codebook() -> None:
    """Import, export and list the project's codebook."""


@codebook.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@json_opt
@coder_opt
def codebook_import(project: str, file: str, as_json: bool, coder: str | None) -> None:
    """Add or update codes from a YAML or REFI-QDA (.qdc) codebook (codes not in the file are kept)."""
    from qualcode.app.actions import import_codebook_file
    from qualcode.cli.progress import working

    with working(err, "Importing the codebook"), open_project(project, coder) as p:
        counts = import_codebook_file(p, Path(file))
    if as_json:
        emit_json(counts)
    else:
        out.print(f"{counts['added']} added, {counts['updated']} updated, {counts['unchanged']} unchanged.")
        for w in counts.get("warnings", []):
            err.print(Text(f"warning: {w}", style="yellow"))


@codebook.command("export")
@project_arg
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "qdc"]),
    default="yaml",
    show_default=True,
    help="yaml, or qdc (a REFI-QDA, QDA-XML 1.0, codebook).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: print).")
def codebook_export(project: str, fmt: str, output: str | None) -> None:
    """Write the codebook as YAML or as a REFI-QDA .qdc file."""
    from qualcode.app.actions import export_codebook
    from qualcode.cli.progress import working
    from qualcode.files import write_bytes_atomic

    with working(err, "Exporting the codebook"), open_project(project) as p:
        data = export_codebook(p, fmt)
    if output:
        write_bytes_atomic(Path(output), data)
        err.print(f"Wrote {output}")
    else:
        click.echo(data.decode("utf-8"), nl=False)


@codebook.command("list")
@project_arg
@json_opt
def codebook_list(project: str, as_json: bool) -> None:
    """List codes with how often each is used."""
    from dataclasses import asdict

    from qualcode.cli.progress import working
    from qualcode.store.codebook import code_counts, load_codebook

    with working(err, "Counting codings per code"), open_project(project) as p:
        cb, counts = load_codebook(p), code_counts(p)
    rows = [{**asdict(c), **counts.get(c.key, {})} for c in cb.codes]
    if as_json:
        emit_json(rows)
        return
    depth = {c.key: d for c, d in cb.walk()}
    table(
        ["key", "label", "codings", "definition"],
        [["  " * depth[r["key"]] + r["key"], r["label"], r["codings"], r["definition"][:70]] for r in rows],
    )


@click.command()
@project_arg
@click.option("--document", help="Only this document.")
@click.option("--limit", type=click.IntRange(1), help="At most this many segments.")
@json_opt
def segments(project: str, document: str | None, limit: int | None, as_json: bool) -> None:
    """List segments: id, document, case, speaker, source type, offsets and text."""
    from qualcode.cli.progress import stdout_is_terminal, working
    from qualcode.core.rows import SegmentRow
    from qualcode.store.documents import list_segments

    def show(rows: list[SegmentRow]) -> None:
        if as_json:
            emit_json(rows)
            return
        table(
            ["id", "document", "case", "speaker", "text"],
            [
                [r["id"], r["document"], r["case"], r["speaker"] or r["question"], r["text"][:90]]
                for r in rows
            ],
        )

    with working(err, "Reading segments") as report, open_project(project) as p:
        rows = list_segments(p, document, limit=limit)
        if not stdout_is_terminal():  # to a file: a million lines take a while too
            report("Writing the segments", 0, None)
            show(rows)
            return
    show(rows)


@click.command()
@project_arg
@click.argument("query")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@json_opt
def search(project: str, query: str, limit: int, as_json: bool) -> None:
    """Full-text search of segments (FTS5 syntax: words, "phrases", OR, NOT, prefix*)."""
    from qualcode.cli.progress import working
    from qualcode.store.documents import search_segments

    with working(err, "Searching"), open_project(project) as p:
        rows = search_segments(p, query, limit)
    if as_json:
        emit_json(rows)
        return
    table(
        ["id", "document", "case", "codes", "match"],
        [[r["id"], r["document"], r["case"], " ".join(r["codes"]), r["snippet"]] for r in rows],
        title=f"{len(rows)} hit(s) for {query!r}",
    )


def open_tui(path: str, coder: str | None) -> None:
    """Open the coding workbench (Textual is imported only here: it is slow to load)."""
    open_project(path, coder).close()  # report a missing or broken project as a one-line error first
    from qualcode.tui.app import QualcodeApp

    QualcodeApp(path, coder).run()


@click.command()
@project_arg
@coder_opt
def tui(project: str, coder: str | None) -> None:
    """Open PROJECT in the coding workbench (asks your coder name once and remembers it)."""
    open_tui(project, coder)
