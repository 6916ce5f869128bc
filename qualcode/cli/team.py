"""Team commands: coders, review decisions, intercoder agreement, merging copies, and the audit trail."""

from __future__ import annotations

import sys
from typing import Any

import click

from qualcode.cli.common import (
    CODER_DEFAULT,
    QualcodeGroup,
    coder_opt,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    project_arg,
    table,
)

STATUS_CHOICE = click.Choice(["pending", "accepted", "queried", "rejected"])


class ListingGroup(QualcodeGroup):
    """A group whose bare form (`qualcode review PROJECT ...`) runs its `list` subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


class CodersCommand(click.Command):
    """Lets `--coders A B C` take several names (click options take one value each): names run up to the next
    option, and commas separate names too (`--coders A,B`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rewritten: list[str] = []
        taking = False
        for arg in args:
            if arg == "--coders":
                taking = True
                continue
            if arg.startswith("--coders="):
                arg, taking = arg.split("=", 1)[1], True
            elif arg.startswith("-"):
                taking = False
            if taking:
                for name in filter(None, (n.strip() for n in arg.split(","))):
                    rewritten += ["--coders", name]
            else:
                rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


def register(cli: click.Group) -> None:
    for command in (coders, review, agreement, merge, export_for, audit):
        cli.add_command(command)


def _short(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@project_arg
@json_opt
def coders(project: str, as_json: bool) -> None:
    """List coders with their codings, documents, memos and review decisions."""
    from qualcode.cli.progress import working
    from qualcode.store.reviews import list_coders

    with working(err, "Counting each coder's work"), open_project(project) as p:
        rows = list_coders(p)
    if as_json:
        emit_json(rows)
        return
    table(
        ["coder", "codings", "documents", "segments", "memos", "reviews given", "last coded"],
        [
            [
                r["coder"],
                r["codings"],
                r["documents"],
                r["segments"],
                r["memos"],
                r["reviews_given"],
                r["last_coded"],
            ]
            for r in rows
        ],
    )


# -- review decisions --------------------------------------------------------------------------------------
@click.group(cls=ListingGroup)
def review() -> None:
    """Review coded quotes: 'qualcode review PROJECT [--code KEY] [--status S] [--coder NAME]' lists them;
    'qualcode review set PROJECT CODING_ID accepted|queried|rejected' records a decision."""


@review.command("list")
@project_arg
@click.option("--code", "code_key", help="Only codings of this code.")
@click.option("--status", type=STATUS_CHOICE, help="Only codings whose latest decision is this.")
@click.option("--coder", help="Only this coder's codings.")
@click.option("--limit", type=click.IntRange(1), help="At most this many codings.")
@json_opt
def review_list(
    project: str,
    code_key: str | None,
    status: str | None,
    coder: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List coded quotes with their review status, reviewer and comment (same as 'qualcode review PROJECT')."""
    from qualcode.app.actions import write_json_rows
    from qualcode.cli.progress import counted, stdout_is_terminal, working
    from qualcode.store.codebook import kept_coding_count
    from qualcode.store.reviews import iter_review_items

    def show(cells: list[list[Any]]) -> None:
        table(
            ["id", "document", "case", "code", "coder", "status", "reviewer", "comment", "text"],
            cells,
            title=f"{len(cells)} coding(s)",
        )

    what = "Reading coded quotes"
    # row by row: only the table's short cells are held; progress on stderr, and only on a terminal
    with working(err, what, streaming=as_json) as report, open_project(project) as p:
        total = None if status or coder else kept_coding_count(p, code_key)
        if limit is not None and total is not None:
            total = min(limit, total)
        rows = counted(
            iter_review_items(p, code=code_key, status=status, coder=coder, limit=limit), report, what, total
        )
        if as_json:
            stdout = sys.stdout
            write_json_rows(stdout, rows)
            stdout.write("\n")
            return
        cells = [
            [
                r["id"],
                r["document"],
                r["case"],
                r["code"],
                r["coder"],
                r["status"],
                r["reviewer"],
                _short(r["comment"], 30),
                _short(r["text"], 70),
            ]
            for r in rows
        ]
        if (
            not stdout_is_terminal()
        ):  # to a file: 400,000 lines take a while too, and the line stays meanwhile
            report("Writing the table", 0, None)
            show(cells)
            return
    show(cells)  # on the terminal: after the progress line has gone (the lines scrolling by show progress)


@review.command("set")
@project_arg
@click.argument("coding_id", type=int)
@click.argument("decision", type=click.Choice(["accepted", "queried", "rejected"]), metavar="DECISION")
@click.option("--comment", help="Why; required for 'queried'.")
@click.option("--reviewer", help=f"Reviewer name ({CODER_DEFAULT}).")
@json_opt
def review_set(
    project: str, coding_id: int, decision: str, comment: str | None, reviewer: str | None, as_json: bool
) -> None:
    """Record a review decision on one coding: accepted, queried (with a comment) or rejected."""
    from qualcode.store.reviews import set_review

    with open_project(project, reviewer) as p:
        result = set_review(p, coding_id, decision, comment=comment, reviewer=reviewer)
    if as_json:
        emit_json(result)
    else:
        out.print(f"Coding {coding_id}: {result['status']} by {result['reviewer']}.")


# -- agreement ----------------------------------------------------------------------------------------------
def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


@click.command(cls=CodersCommand)
@project_arg
@click.option(
    "--coders",
    "coder_names",
    required=True,
    multiple=True,
    metavar="A B [C...]",
    help="The coders to compare, two or more (after PROJECT: --coders amira tom).",
)
@click.option(
    "--unit",
    type=click.Choice(["segment", "sentence"]),
    default="segment",
    show_default=True,
    help="What a unit of comparison is.",
)
@click.option(
    "--code", "code_keys", multiple=True, help="Only this code, repeatable (default: every code used)."
)
@click.option(
    "--include-uncoded",
    is_flag=True,
    help="Also count units no listed coder coded (as agreement that no code applies).",
)
@click.option(
    "--disagreements",
    "show_disagreements",
    is_flag=True,
    help="List the units where the coders differ, with each coder's codes and the text.",
)
@json_opt
def agreement(
    project: str,
    coder_names: tuple[str, ...],
    unit: str,
    code_keys: tuple[str, ...],
    include_uncoded: bool,
    show_disagreements: bool,
    as_json: bool,
) -> None:
    """Intercoder agreement per code and overall: percent agreement, Cohen's kappa, Krippendorff's alpha."""
    from qualcode.cli.progress import working
    from qualcode.reports.agreement import agreement_report, disagreements

    with open_project(project) as p, working(err, "Comparing the coders"):
        if show_disagreements:
            rows = disagreements(p, coder_names, unit, code_keys or None, include_uncoded)
        else:
            report = agreement_report(p, coder_names, unit, code_keys or None, include_uncoded)
    if show_disagreements:
        if as_json:
            emit_json(rows)
            return
        table(
            ["document", "case", "segment", *coder_names, "text"],
            [
                [
                    r["document"],
                    r["case"],
                    r["segment_id"],
                    *(" ".join(r["codes_by_coder"][c]) or "-" for c in coder_names),
                    _short(r["text"], 80),
                ]
                for r in rows
            ],
            title=f"{len(rows)} {unit}(s) where {', '.join(coder_names)} differ",
        )
        return
    if as_json:
        emit_json(report)
        return
    table_rows = [
        [
            c["code"],
            c["units"],
            c["all_present"],
            c["all_absent"],
            c["disagreements"],
            _num(c["percent_agreement"], 1),
            _num(c["kappa"]),
            _num(c["alpha"]),
            c["flag"],
        ]
        for c in report["codes"]
    ]
    o = report["overall"]
    table_rows.append(
        [
            "overall",
            o["units"],
            o["all_present"],
            o["all_absent"],
            o["disagreements"],
            _num(o["percent_agreement"], 1),
            _num(o["kappa"]),
            _num(o["alpha"]),
            o["flag"],
        ]
    )
    # "yes"/"no": every coder applied / did not apply the code to the unit; "differ": the coders disagree.
    table(
        ["code", "units", "yes", "no", "differ", "%agree", "kappa", "alpha", "flag"],
        table_rows,
        title=f"Agreement of {', '.join(report['coders'])} on {len(report['documents'])} document(s), "
        f"{report['unit_count']} {unit}(s)",
    )
    err.print(report["rule"])
    if report["partly_coded_documents"]:
        err.print(
            "Not compared (not coded by every coder): "
            + ", ".join(
                f"{d['document']} (not by {', '.join(d['not_coded_by'])})"
                if "not_coded_by" in d
                else f"{d['respondents_not_coded_by_all']} respondent(s) of {d['document']}"
                for d in report["partly_coded_documents"]
            )
        )
    for name, n in report["survey_respondents"].items():
        err.print(f"{name}: {n} respondent(s) coded by every coder are compared.")
    for note in report["notes"]:
        err.print(note)
    if o["alpha"] is None and o["alpha_note"]:
        err.print(f"Overall alpha: {o['alpha_note']}")


# -- merging and working copies -------------------------------------------------------------------------
@click.command()
@click.argument("target", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report what would be merged, and change nothing.")
@json_opt
@coder_opt
def merge(target: str, sources: tuple[str, ...], dry_run: bool, as_json: bool, coder: str | None) -> None:
    """Merge codings, memos, codes, cases and review decisions from other coders' copies into TARGET."""
    from qualcode.cli.progress import working
    from qualcode.store.merge import merge_projects

    with working(err, "Merging"), open_project(target, coder) as p:
        summaries = merge_projects(p, list(sources), dry_run=dry_run)
    if as_json:
        emit_json(summaries)
        return
    for s in summaries:
        verb = "would add" if dry_run else "added"
        out.print(
            f"{s['source']['name']} ({s['source']['path']}): {verb} {s['codings_added']} coding(s), "
            f"{s['codes_added']} code(s), {s['reviews_added']} review decision(s), {s['memos_added']} memo(s), "
            f"{s['documents_added']} document(s); {s['codings_present']} coding(s) already present.",
            soft_wrap=True,
        )
        for c in s["conflicts"]:
            err.print(f"conflict: {c['message']}")


@click.command("export-for")
@project_arg
@click.option("--coder", required=True, help="The coder the copy is for.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The copy to write.")
@click.option("--blind", is_flag=True, help="Leave out other coders' codings, memos and review decisions.")
@json_opt
def export_for(project: str, coder: str, output: str, blind: bool, as_json: bool) -> None:
    """Write a coder's working copy of the project (optionally blind to other coders' work)."""
    from pathlib import Path

    from qualcode.cli.progress import working
    from qualcode.store.copies import export_for as make_copy

    with working(err, "Writing the copy"), open_project(project) as p:
        result = make_copy(p, coder, Path(output), blind=blind)
    if as_json:
        emit_json(result)
        return
    removed = result["removed"]
    extra = (
        (
            f" (blind: removed {removed.get('codings', 0)} coding(s), {removed.get('memos', 0)} memo(s), "
            f"{removed.get('reviews', 0)} review decision(s) by others)"
        )
        if blind
        else ""
    )
    out.print(f"Wrote a copy for {coder} to {output}{extra}.", soft_wrap=True)


# -- the audit trail --------------------------------------------------------------------------------------
@click.group(cls=ListingGroup)
def audit() -> None:
    """The change log: 'qualcode audit PROJECT [--since DATE] [--coder NAME] [--json|--csv]' lists it;
    'qualcode audit verify PROJECT' checks its hash chain."""


def _summary(detail: Any) -> str:
    if not isinstance(detail, dict):
        return _short(detail, 80)
    keys = [k for k in ("after", "before", "source", "name", "segments") if k in detail]
    return _short("; ".join(f"{k}={detail[k]}" for k in keys) or detail, 80)


@audit.command("list")
@project_arg
@click.option(
    "--since", help="Only entries at or after this UTC date or time (2024-05-01, 2024-05-01T13:00)."
)
@click.option("--coder", help="Only entries made by this person.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@json_opt
def audit_list(project: str, since: str | None, coder: str | None, as_csv: bool, as_json: bool) -> None:
    """List change-log entries: who, when, what, before and after (same as 'qualcode audit PROJECT')."""
    import json

    from qualcode.app.actions import rows_to_csv
    from qualcode.errors import InputError
    from qualcode.store.audit import LOG_COLUMNS, list_log

    if as_csv and as_json:
        raise InputError("choose one of --json and --csv")
    from qualcode.cli.progress import working

    with working(err, "Reading the change log"), open_project(project) as p:
        rows = list_log(p, since, coder)
    if as_json:
        emit_json(rows)
    elif as_csv:
        flat = [
            {
                **r,
                "detail": r["detail"]
                if isinstance(r["detail"], str)
                else json.dumps(r["detail"], ensure_ascii=False, sort_keys=True),
            }
            for r in rows
        ]
        click.echo(rows_to_csv(flat, LOG_COLUMNS), nl=False)
    else:
        table(
            ["id", "at", "who", "action", "entity", "id", "detail"],
            [
                [
                    r["id"],
                    r["at"][:19],
                    r["who"],
                    r["action"],
                    r["entity"],
                    r["entity_id"],
                    _summary(r["detail"]),
                ]
                for r in rows
            ],
            title=f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}",
        )


@audit.command("verify")
@project_arg
@click.option(
    "--head", help="A head hash noted earlier: check the log still contains it (detects removed entries)."
)
@json_opt
def audit_verify(project: str, head: str | None, as_json: bool) -> None:
    """Recompute the change log's hash chain; exit 1 and name the first broken entry if it was tampered with."""
    from qualcode.cli.progress import working
    from qualcode.store.audit import verify_log

    with working(err, "Checking the change log"), open_project(project) as p:
        result = verify_log(p, head)
    if as_json:
        emit_json(result)
    elif result["ok"]:
        out.print(
            f"OK: {result['entries']} entries, hash chain intact, log protected. Head: {result['head']}",
            soft_wrap=True,
        )
    else:
        for problem in result["problems"]:
            err.print(f"BROKEN: {problem}")
    if not result["ok"]:
        raise click.exceptions.Exit(1)
