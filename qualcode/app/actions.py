"""Whole user actions shared by the CLI and the TUI: read files, then write them in one transaction."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from qualcode.core.codebook import dump_codebook_yaml, load_codebook_text
from qualcode.core.display import json_safe
from qualcode.core.models import Codebook
from qualcode.core.refi import RefiProject
from qualcode.errors import InputError
from qualcode.ingest import ImportOptions, read_document
from qualcode.ingest.common import MAX_FILE_BYTES, decode_text, read_file_bytes
from qualcode.ingest.csvread import iter_csv_records, read_csv_records
from qualcode.store.backup import backup_before, is_bulk_import
from qualcode.store.codebook import load_codebook, save_codebook
from qualcode.store.codings import import_codings
from qualcode.store.documents import add_documents
from qualcode.store.project import Project, delete_project_files, project_exists


def import_files(
    project: Project,
    paths: list[Path],
    options: ImportOptions,
    allow_duplicate: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> list[dict[str, Any]]:
    """Parse every file first, then store them all in one transaction: one bad file imports nothing.
    `progress` hears of each stage: (what, done, of how many)."""
    if options.name and len(paths) > 1:
        raise InputError("--name can only be used with a single file")
    report = progress or (lambda _what, _done, _total: None)
    with gc_paused():
        docs = []
        for done, path in enumerate(paths):
            report("Reading files", done, len(paths))
            docs.extend(read_document(path, options))
        segments = sum(len(d.segments) for d in docs)
        if is_bulk_import(len(docs), segments):
            report("Backing up the project first", 0, None)
            backup_before(project, "before-import")
        report(f"Storing {len(docs):,} document(s), {segments:,} segments", 0, None)
        return add_documents(project, docs, allow_duplicate=allow_duplicate)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a file is read and stored: an import makes millions of objects
    (a 100,000-row survey's cells) and no reference cycles, and the collector walking them again and again
    took a third of a large survey import's time. Collection resumes (as it was) afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_codebook_file(path: Path, known_parents: frozenset[str] = frozenset()) -> Codebook:
    data = read_file_bytes(path, 20 * 1024 * 1024)
    return load_codebook_text(decode_text(data, path.name), path.name, known_parents)


def import_codebook_file(project: Project, path: Path) -> dict[str, Any]:
    """Codes in the file may name parents that are already in the project; a .qdc is a REFI-QDA codebook."""
    if path.suffix.lower() == ".qdc":
        return import_refi_codebook_file(project, path)
    known = frozenset(r[0] for r in project.conn.execute("SELECT key FROM codes"))
    return save_codebook(project, read_codebook_file(path, known))


def export_codebook_yaml(project: Project) -> str:
    return dump_codebook_yaml(load_codebook(project))


def read_csv_dicts(
    path: Path, max_bytes: int = MAX_FILE_BYTES, delimiter: str | None = None
) -> list[dict[str, str]]:
    """Rows as header -> value, with the separator found as for surveys (comma, semicolon or tab)."""
    records = read_csv_records(read_file_bytes(path, max_bytes), path.name, delimiter)
    if not records:
        return []
    header = [h.strip() for h in records[0][1]]
    return [dict(zip(header, fields, strict=True)) for _, fields in records[1:]]


def iter_csv_dicts(
    path: Path, max_bytes: int = MAX_FILE_BYTES, delimiter: str | None = None
) -> Iterator[dict[str, str]]:
    """`read_csv_dicts` row by row (the file is checked whole before the first row)."""
    records = iter_csv_records(read_file_bytes(path, max_bytes), path.name, delimiter)
    first = next(records, None)
    header = [h.strip() for h in first[1]] if first else []
    return (dict(zip(header, fields, strict=True)) for _, fields in records)


def import_codings_file(
    project: Project,
    path: Path,
    coder: str | None = None,
    backup: bool = True,
    max_bytes: int = MAX_FILE_BYTES,
    delimiter: str | None = None,
    update: bool = False,
) -> dict[str, Any]:
    """`backup` makes the automatic backup first (the demo builder, filling a new project, needs none)."""
    rows = iter_csv_dicts(path, max_bytes, delimiter)
    if backup:
        backup_before(project, "before-codings-import")
    try:
        return import_codings(project, rows, default_coder=coder, update=update)
    except InputError as exc:
        raise InputError(f"{path.name}: {exc}") from None


def rows_to_csv(rows: list[dict[str, Any]], columns: list[str] | tuple[str, ...]) -> str:
    """CSV for spreadsheets: a cell that would start a formula gets a leading apostrophe (shown as text, never
    run), and control characters become U+FFFD; `unescape_cell` undoes the apostrophe on the way back in."""
    out = io.StringIO()
    write_csv_rows(out, rows, columns)
    return out.getvalue()


def write_csv_rows(out: IO[str], rows: Iterable[dict[str, Any]], columns: list[str] | tuple[str, ...]) -> int:
    """`rows_to_csv` written to `out` row by row (nothing held in memory); returns the number of rows."""
    from qualcode.export.cells import spreadsheet_safe

    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: spreadsheet_safe(row.get(k)) for k in columns})
        n += 1
    return n


def rows_to_json(rows: Any) -> str:
    return json_safe(json.dumps(rows, ensure_ascii=False, indent=2))


def write_json_rows(out: IO[str], rows: Iterable[Any]) -> int:
    """`rows_to_json` of a list written to `out` row by row, the same text; returns the number of rows."""
    n = 0
    for row in rows:
        body = json_safe(json.dumps(row, ensure_ascii=False, indent=2)).replace("\n", "\n  ")
        out.write(("[\n  " if n == 0 else ",\n  ") + body)
        n += 1
    out.write("\n]" if n else "[]")
    return n


REFI_PROJECT_SUFFIXES = (".qdpx", ".qde")


@contextlib.contextmanager
def project_for_import(
    path: Path | str, coder: str | None, create: bool, name: str | None = None
) -> Iterator[Project]:
    """Open the project, or with `create` make it first; a project made here is removed again if the import fails."""
    if not create or project_exists(path):
        with Project.open(path, coder=coder) as project:
            yield project
        return
    project = Project.create(path, coder=coder, name=name)
    try:
        yield project
    except BaseException:
        project.close()
        delete_project_files(path)
        raise
    finally:
        project.close()


def read_refi_file(path: Path, max_bytes: int | None = None) -> RefiProject:
    from qualcode.ingest.qdpx import read_refi_project  # deferred: lxml only when needed

    return read_refi_project(path, max_bytes or MAX_FILE_BYTES)


def import_refi_file(
    project: Project,
    refi: RefiProject,
    path: Path,
    allow_duplicate: bool = False,
    detect_speakers: bool = False,
) -> dict[str, Any]:
    from qualcode.store.refi_import import import_refi

    backup_before(project, "before-refi-import")
    return import_refi(
        project, refi, path.name, allow_duplicate=allow_duplicate, detect_speakers=detect_speakers
    )


def import_refi_as_coder(project: Project, refi: RefiProject, path: Path, coder: str) -> dict[str, Any]:
    """Another coder's export of the same study: their codings onto the documents already here."""
    from qualcode.store.refi_coder import import_as_coder

    backup_before(project, "before-refi-coder-import")
    return import_as_coder(project, refi, path.name, coder)


def export_qdpx(project: Project) -> bytes:
    """The project as a .qdpx in memory (the writer never sees the store); `export_qdpx_file` for a file."""
    from qualcode.export.qdpx import write_qdpx
    from qualcode.store.refi import refi_stream

    out = io.BytesIO()
    with refi_stream(project) as stream:
        write_qdpx(out, stream)
    return out.getvalue()


def export_qdpx_file(
    project: Project, path: Path, progress: Callable[[str, int, int], None] | None = None
) -> int:
    """The project written to `path` as a .qdpx as it is read, checked, then put in place (bytes written);
    on any problem `path` is left as it was. Memory holds one document and its codings at a time."""
    from qualcode.export.qdpx import write_qdpx
    from qualcode.files import atomic_writer
    from qualcode.store.refi import refi_stream

    with atomic_writer(path) as fh, refi_stream(project) as stream:
        write_qdpx(fh, stream, progress)
        return fh.tell()


def export_coded_document(project: Project, name: str, fmt: str) -> tuple[bytes, dict[str, Any]]:
    """One document with its coding for review: Word with comments, or HTML with a margin."""
    from qualcode.export.coded_transcript import build_coded_docx, build_coded_html
    from qualcode.store.coded_text import coded_document

    data = coded_document(project, name)
    build = build_coded_docx if fmt == "docx" else build_coded_html
    return build(data), {
        "document": data["document"],
        "codings": len(data["codings"]),
        "coders": sorted({k["coder"] for k in data["codings"]}),
    }


def export_codebook(project: Project, fmt: str = "yaml") -> bytes:
    if fmt == "qdc":
        from qualcode.export.qdpx import build_qdc
        from qualcode.store.refi import refi_codebook

        return build_qdc(refi_codebook(project))
    return export_codebook_yaml(project).encode("utf-8")


def import_refi_codebook_file(project: Project, path: Path) -> dict[str, Any]:
    from qualcode.ingest.qdpx import read_refi_codebook
    from qualcode.store.refi_import import import_refi_codebook

    return import_refi_codebook(project, read_refi_codebook(path), path.name)


def set_document_facts(
    project: Project, name: str, interviewers: list[str], participants: int | None, clear_participants: bool
) -> dict[str, Any]:
    """`documents set`: who the research team is and how many took part, every change in one logged transaction."""
    from qualcode.store.speakers import set_interviewers
    from qualcode.store.survey import set_participants

    if participants is not None and clear_participants:
        raise InputError("give --participants N or --clear-participants, not both")
    if not interviewers and participants is None and not clear_participants:
        raise InputError(
            "nothing to set: give --interviewer NAME (repeatable), --participants N or --clear-participants"
        )
    result: dict[str, Any] = {"document": name}
    with project.transaction():
        if interviewers:
            result.update(set_interviewers(project, name, [i.strip() for i in interviewers]))
        if participants is not None or clear_participants:
            result["participants"] = {**set_participants(project, name, participants), "after": participants}
    return result
