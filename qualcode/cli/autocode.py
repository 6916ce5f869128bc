"""Commands for auto-coding as a review queue (`autocode`, `pending`) and for finding similar segments."""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text

from qualcode.cli.common import (
    QualcodeGroup,
    coder_opt,
    embeddings_opt,
    embeddings_wanted,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    project_arg,
    table,
)
from qualcode.core.display import safe_text
from qualcode.errors import InputError


@click.command()
@project_arg
@click.option("--code", "code", required=True, help="The (leaf) code to propose.")
@click.option(
    "--min-score",
    type=float,
    default=None,
    help="Propose it where the suggester's score is at least this (0-1; default 0.1). `qualcode suggest"
    " evaluate` shows the precision and recall each score gives on your own codings.",
)
@click.option("--top", type=int, default=None, help="Propose it on the N best-scoring segments instead.")
@click.option("--document", "documents", multiple=True, help="Only segments of this document (repeatable).")
@coder_opt
@json_opt
def autocode(
    project: str,
    code: str,
    min_score: float | None,
    top: int | None,
    documents: tuple[str, ...],
    coder: str | None,
    as_json: bool,
) -> None:
    """Propose CODE for many segments at once as pending suggestions (never as codings): review them with
    `qualcode pending list / accept / reject`; each decision trains the suggester."""
    from qualcode.app.autocode import propose
    from qualcode.cli.progress import working

    with working(err, "Scoring segments"), open_project(project, coder) as p:
        result = propose(p, code, p.coder, min_score=min_score, top=top, documents=documents)
    if as_json:
        emit_json(result)
        return
    rule = (
        f"top {result['top']}" if result["top"] is not None else f"score at least {result['min_score']:.2f}"
    )
    out.print(
        Text(
            safe_text(
                f"{result['proposed']} pending suggestions of '{code}' ({rule}; {result['scored']}"
                f" segments scored, model {result['model_version']}). Review them with"
                f" `qualcode pending list {project} --code {code}`."
            )
        )
    )


@click.group(cls=QualcodeGroup)
def pending() -> None:
    """Review pending suggestions made by `qualcode autocode`: list, accept or reject them."""


@pending.command("list")
@project_arg
@click.option("--code", help="Only this code.")
@click.option("--document", help="Only segments of this document.")
@json_opt
def pending_list(project: str, code: str | None, document: str | None, as_json: bool) -> None:
    """Pending suggestions, best score first within each code."""
    from qualcode.store.pending import list_pending

    with open_project(project) as p:
        rows = list_pending(p, code, document)
    if as_json:
        emit_json(rows)
        return
    table(
        ["id", "code", "score", "segment", "document", "text", "reason"],
        [
            [
                r["id"],
                r["code"],
                f"{r['score']:.2f}",
                r["segment_id"],
                r["document"],
                r["text"],
                r["reason"] or "",
            ]
            for r in rows
        ],
        title=f"{len(rows)} pending suggestions",
    )


def _decide(
    project: str, ids: tuple[int, ...], code: str | None, all_of_code: bool, coder: str | None, decision: str
) -> list[dict[str, Any]]:
    from qualcode.store.pending import decide_pending, list_pending

    with open_project(project, coder) as p:
        if all_of_code:
            if not code:
                raise InputError("--all needs --code KEY")
            ids = tuple(r["id"] for r in list_pending(p, code))
        elif code:
            raise InputError("--code goes with --all; to decide single suggestions give their ids")
        return decide_pending(p, ids, decision, p.coder)


@pending.command("accept")
@project_arg
@click.argument("ids", nargs=-1, type=int)
@click.option("--code", help="With --all: every pending suggestion of this code.")
@click.option("--all", "all_of_code", is_flag=True, help="Accept every pending suggestion of --code.")
@coder_opt
def pending_accept(
    project: str, ids: tuple[int, ...], code: str | None, all_of_code: bool, coder: str | None
) -> None:
    """Accept pending suggestions by id: each becomes a coding that records where it came from."""
    rows = _decide(project, ids, code, all_of_code, coder, "accepted")
    out.print(f"accepted {len(rows)}: " + ", ".join(f"segment {r['segment_id']} {r['code']}" for r in rows))


@pending.command("reject")
@project_arg
@click.argument("ids", nargs=-1, type=int)
@click.option("--code", help="With --all: every pending suggestion of this code.")
@click.option("--all", "all_of_code", is_flag=True, help="Reject every pending suggestion of --code.")
@coder_opt
def pending_reject(
    project: str, ids: tuple[int, ...], code: str | None, all_of_code: bool, coder: str | None
) -> None:
    """Reject pending suggestions by id: the suggester learns from each rejection."""
    rows = _decide(project, ids, code, all_of_code, coder, "rejected")
    out.print(f"rejected {len(rows)}: " + ", ".join(f"segment {r['segment_id']} {r['code']}" for r in rows))


@click.command()
@project_arg
@click.argument("segment_id", type=int)
@click.option("--top", type=click.IntRange(1, 200), default=10, show_default=True, help="How many segments.")
@embeddings_opt
@json_opt
def similar(project: str, segment_id: int, top: int, embeddings: bool | None, as_json: bool) -> None:
    """Segments most like SEGMENT_ID, best first: by the optional embedding model when installed (each
    segment embedded once and kept in the project), else by TF-IDF cosine over lemmas."""
    from qualcode.app.autocode import similar_segments
    from qualcode.cli.progress import working
    from qualcode.store.documents import get_segment

    with working(err, "Finding similar segments"), open_project(project) as p:
        target = get_segment(p, segment_id)
        method, found = similar_segments(p, segment_id, top, embeddings_wanted(embeddings))
    if as_json:
        emit_json({"segment_id": segment_id, "method": method, "similar": found})
        return
    out.print(Text(safe_text(f"Segment {segment_id}: {target['text']}")))
    table(
        ["segment", "similarity", "text"],
        [[r["segment_id"], f"{r['similarity']:.2f}", r["text"]] for r in found],
        title=f"Most similar segments ({method})",
    )


def register(cli: click.Group) -> None:
    cli.add_command(autocode)
    cli.add_command(pending)
    cli.add_command(similar)
