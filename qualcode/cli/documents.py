"""Document commands: list documents, set who a document's research team is, and preview an import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from qualcode.cli.common import (
    ListByDefault,
    coder_opt,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    project_arg,
    table,
)
from qualcode.ingest import ImportOptions


def register(cli: click.Group) -> None:
    cli.add_command(documents)


@click.command("list")
@project_arg
@json_opt
def documents_list(project: str, as_json: bool) -> None:
    """List documents with segment, case and coding counts."""
    from qualcode.store.documents import list_documents

    with open_project(project) as p:
        rows = list_documents(p)
    if as_json:
        emit_json(rows)
        return
    table(
        ["id", "document", "source type", "segments", "cases", "coded", "codings"],
        [
            [
                r["id"],
                r["name"],
                r["source_type"],
                r["segments"],
                r["cases"],
                f"{100 * r['coded_participant_segments'] / r['participant_segments']:.0f}%"
                if r["participant_segments"]
                else "-",
                r["codings"],
            ]
            for r in rows
        ],
    )


documents = ListByDefault(
    "documents",
    documents_list,
    help="List documents (`documents PROJECT`), or change what qualcode knows about one (`documents set`).",
)


@documents.command("set")
@project_arg
@click.argument("name")
@click.option(
    "--interviewer",
    "interviewers",
    multiple=True,
    metavar="NAME",
    help="A speaker (name or legend code) of the research team, repeatable; the document's named team"
    " becomes exactly these, and every segment's case is derived again.",
)
@click.option(
    "--participants",
    type=click.IntRange(0),
    help="How many people took part in the session (a workshop or group recorded without speaker labels).",
)
@click.option("--clear-participants", is_flag=True, help="Forget a recorded number of participants.")
@json_opt
@coder_opt
def documents_set(
    project: str,
    name: str,
    interviewers: tuple[str, ...],
    participants: int | None,
    clear_participants: bool,
    as_json: bool,
    coder: str | None,
) -> None:
    """Change what qualcode knows about document NAME (each option is one change, all in one logged transaction)."""
    from qualcode.app.actions import set_document_facts

    with open_project(project, coder) as p:
        result = set_document_facts(p, name, list(interviewers), participants, clear_participants)
    if as_json:
        emit_json(result)
        return
    if interviewers:
        table(["speaker", "role"], [[s, r] for s, r in result["roles"].items()], title=f"Speakers of {name}")
        out.print(
            f"{result['segments_moved']} segment(s) changed case"
            + (
                f"; empty case(s) removed: {', '.join(result['cases_removed'])}"
                if result["cases_removed"]
                else ""
            )
        )
    if "participants" in result:
        before = result["participants"]["before"]
        out.print(
            f"{name}: participants {before if before is not None else 'not recorded'}"
            f" -> {participants if participants is not None else 'not recorded'}"
        )


def print_preview(paths: list[Path], options: ImportOptions, as_json: bool) -> None:
    """`import --dry-run`: what would be stored, and nothing is."""
    from qualcode.app.import_preview import preview_files

    previews = preview_files(paths, options)
    if as_json:
        emit_json(previews)
        return
    for pv in previews:
        _print_one(pv)
    err.print("Dry run: nothing was stored.")


def _print_one(pv: dict[str, Any]) -> None:
    out.print(
        Text(
            f"{pv['document']} ({pv['file']}): {pv['source_type']}, {pv['segments']} segment(s)", style="bold"
        )
    )
    if pv["speakers"]:
        table(
            ["speaker", "code", "role", "turns"],
            [[s["speaker"], s["code"] or "", s["role"], s["turns"]] for s in pv["speakers"]],
            title="Speakers",
        )
    table(
        ["case", "segments"],
        [[c["case"], c["segments"]] for c in pv["cases"]]
        + ([["(no case)", pv["no_case_segments"]]] if pv["no_case_segments"] else []),
        title="Cases",
    )
    table(
        ["speaker", "case", "time", "text"],
        [[t["speaker"] or "", t["case"] or "", t["time"] or "", t["text"][:100]] for t in pv["first_turns"]],
        title="First turns",
    )
    for w in pv["warnings"]:
        err.print(Text(f"warning: {w}", style="yellow"))
