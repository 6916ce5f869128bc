"""Commands for the contribution argument: claims, judgements, the outcome map and recommendations."""

from __future__ import annotations

from pathlib import Path

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

CATEGORY_CHOICE = click.Choice(["sufficient", "necessary", "improved", "none", ""])


def register(cli: click.Group) -> None:
    for command in (claims, judge, outcomes, recommendations):
        cli.add_command(command)
    from qualcode.cli import outcome_edit

    outcome_edit.register(outcomes, claims)


@click.group(cls=QualcodeGroup)
def claims() -> None:
    """Claims of contribution: what the programme changed, with the evaluator's judgement."""


@claims.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@delimiter_opt
@coder_opt
@json_opt
def claims_import(project: str, file: str, delimiter: str | None, coder: str | None, as_json: bool) -> None:
    """Add or update claims from a CSV: key, claim, outcome (an outcome or aim key), category, judgement,
    confidence, rationale. A judgement that differs from a claim's newest joins its history."""
    from qualcode.app.argument import import_claims_file

    with open_project(project, coder) as p:
        result = import_claims_file(p, Path(file), delimiter)
    if as_json:
        emit_json(result)
    else:
        out.print(
            f"{result['added']} claim(s) added, {result['updated']} updated, {result['judged']} judgement(s)"
            " recorded."
        )


@claims.command("list")
@project_arg
@json_opt
def claims_list(project: str, as_json: bool) -> None:
    """List claims with their category, newest judgement and evidence links (supporting / contradicting / mixed)."""
    from qualcode.store.claims import list_claims

    with open_project(project) as p:
        rows = list_claims(p)
    if as_json:
        emit_json(rows)
        return
    table(
        [
            "key",
            "claim",
            "outcome",
            "category",
            "judgement",
            "confidence",
            "for",
            "against",
            "mixed",
            "rivals",
        ],
        [
            [
                r["key"],
                r["claim"],
                r["outcome"],
                r["category"],
                r["judgement"],
                r["confidence"],
                r["supports"],
                r["contradicts"],
                r["mixed"],
                r["rivals"],
            ]
            for r in rows
        ],
    )


@claims.command("export")
@project_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: print).")
@json_opt
def claims_export(project: str, output: str | None, as_json: bool) -> None:
    """Export claims as CSV (the import's columns, plus evidence counts) or JSON."""
    from qualcode.app.actions import rows_to_csv, rows_to_json
    from qualcode.files import write_text_atomic
    from qualcode.store.claims import export_claims

    with open_project(project) as p:
        rows = export_claims(p)
    text = rows_to_json(rows) + "\n" if as_json else rows_to_csv(rows, list(rows[0]) if rows else [])
    if output:
        write_text_atomic(Path(output), text, encoding="utf-8" if as_json else "utf-8-sig")
        err.print(f"Wrote {len(rows)} claim(s) to {output}")
    else:
        click.echo(text, nl=False)


@claims.command("add")
@project_arg
@click.argument("text")
@click.option("--key", help="The claim's key (default: claim-N).")
@click.option("--outcome", "about", help="The outcome (or aim) key the claim is about.")
@click.option("--category", type=CATEGORY_CHOICE, help="Contribution category.")
@coder_opt
@json_opt
def claims_add(
    project: str,
    text: str,
    key: str | None,
    about: str | None,
    category: str | None,
    coder: str | None,
    as_json: bool,
) -> None:
    """Add a claim of contribution."""
    from qualcode.store.claims import add_claim

    with open_project(project, coder) as p:
        row = add_claim(p, text, key, about, category)
    if as_json:
        emit_json(row)
    else:
        out.print(f"Claim {row['key']} added.")


@claims.command("set")
@project_arg
@click.argument("key")
@click.option("--text", help="New text of the claim.")
@click.option("--outcome", "about", help="The outcome (or aim) key it is about ('' for none).")
@click.option("--category", type=CATEGORY_CHOICE, help="Contribution category ('' for none).")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="CATEGORY=LABEL",
    help="How reports name a category in this project, e.g. 'sufficient=Happened solely because of the"
    " PDU' (KEY may then be '-'); repeatable.",
)
@coder_opt
@json_opt
def claims_set(
    project: str,
    key: str,
    text: str | None,
    about: str | None,
    category: str | None,
    labels: tuple[str, ...],
    coder: str | None,
    as_json: bool,
) -> None:
    """Change a claim's text, outcome or category; or (with KEY '-') only the category labels."""
    from qualcode.errors import InputError
    from qualcode.store.claims import set_category_labels, set_claim

    pairs = {}
    for item in labels:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--label takes CATEGORY=LABEL (got {item!r})")
        pairs[name.strip()] = value
    with open_project(project, coder) as p:
        result: dict[str, object] = {}
        if pairs:
            result["labels"] = set_category_labels(p, pairs)
        if key != "-":
            result.update(set_claim(p, key, text, about, category))
    if as_json:
        emit_json(result)
    else:
        out.print(f"Claim {key} saved." if key != "-" else "Category labels saved.")


@click.command()
@project_arg
@click.argument("target")
@click.argument("rating")
@click.option("--rationale", required=True, help="Why: the evaluator's reasoning, shown beside the rating.")
@click.option(
    "--confidence", type=click.Choice(["low", "medium", "high"]), help="Confidence in the judgement."
)
@coder_opt
@json_opt
def judge(
    project: str,
    target: str,
    rating: str,
    rationale: str,
    confidence: str | None,
    coder: str | None,
    as_json: bool,
) -> None:
    """Record a judgement on TARGET: 'claim:KEY' (any RATING, e.g. 'strong') or 'hls:CODE' (higher, lower or
    'insufficient evidence', overriding the rule). Judgements keep their history; the newest is reported."""
    from qualcode.store.claims import judge as record

    with open_project(project, coder) as p:
        row = record(p, target, rating, rationale, confidence)
    if as_json:
        emit_json(row)
    else:
        out.print(f"Judged {row['target']}: {row['rating']}.")


@click.group(cls=QualcodeGroup)
def outcomes() -> None:
    """The outcome map: aims, boundary partners and their outcomes, and rival explanations."""


@outcomes.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@coder_opt
@json_opt
def outcomes_import(project: str, file: str, coder: str | None, as_json: bool) -> None:
    """Add or update (by key) the outcome map from YAML: aims, partners with outcomes, rivals, categories."""
    from qualcode.app.argument import import_outcomes_file

    with open_project(project, coder) as p:
        result = import_outcomes_file(p, Path(file))
    if as_json:
        emit_json(result)
    else:
        out.print(
            f"{result['aims']} aim(s), {result['partners']} partner(s), {result['outcomes']} outcome(s),"
            f" {result['rivals']} rival(s) read; {result['changed']} added or changed."
        )


@outcomes.command("export")
@project_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: print).")
def outcomes_export(project: str, output: str | None) -> None:
    """Export the outcome map as YAML (the shape `outcomes import` reads)."""
    from qualcode.app.argument import outcome_map_yaml
    from qualcode.files import write_text_atomic

    with open_project(project) as p:
        text = outcome_map_yaml(p)
    if output:
        write_text_atomic(Path(output), text)
        err.print(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


@outcomes.command("list")
@project_arg
@json_opt
def outcomes_list(project: str, as_json: bool) -> None:
    """List outcomes by partner, with the aims they serve and their claims and evidence links."""
    from qualcode.store.outcomes import outcome_rows

    with open_project(project) as p:
        rows = outcome_rows(p)
    if as_json:
        emit_json(rows)
        return
    table(
        ["partner", "kind", "outcome", "label", "aims", "claims", "evidence"],
        [
            [r["partner"], r["kind"], r["outcome"], r["label"], r["aims"], r["claims"], r["evidence"]]
            for r in rows
        ],
    )


@click.group(cls=QualcodeGroup)
def recommendations() -> None:
    """Recommendations tied to claims, outcomes or aims."""


@recommendations.command("import")
@project_arg
@click.argument("file", type=click.Path(dir_okay=False))
@delimiter_opt
@coder_opt
@json_opt
def recommendations_import(
    project: str, file: str, delimiter: str | None, coder: str | None, as_json: bool
) -> None:
    """Add or update recommendations from CSV or YAML: key, text, priority, owner, links
    ('claim:KEY; outcome:KEY; aim:KEY')."""
    from qualcode.app.argument import import_recommendations_file

    with open_project(project, coder) as p:
        result = import_recommendations_file(p, Path(file), delimiter)
    if as_json:
        emit_json(result)
    else:
        out.print(f"{result['added']} recommendation(s) added, {result['updated']} updated.")


@recommendations.command("list")
@project_arg
@json_opt
def recommendations_list(project: str, as_json: bool) -> None:
    """List recommendations with what they are tied to."""
    from qualcode.store.outcomes import list_recommendations

    with open_project(project) as p:
        rows = list_recommendations(p)
    if as_json:
        emit_json(rows)
        return
    table(
        ["key", "recommendation", "priority", "owner", "tied to"],
        [[r["key"], r["text"], r["priority"], r["owner"], "; ".join(r["links"])] for r in rows],
    )
