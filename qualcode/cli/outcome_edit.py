"""Commands that edit the outcome map one item at a time: `outcomes add|set|delete` and `claims delete`."""

from __future__ import annotations

from typing import Any

import click

from qualcode.cli.common import coder_opt, emit_json, json_opt, open_project, out, project_arg
from qualcode.errors import InputError

MAP_KINDS = click.Choice(["aim", "partner", "outcome"])
# Which item each option belongs to (an option given for another kind is an error, not silently ignored).
OWNERS = {
    "success": "aim",
    "partner_kind": "partner",
    "partner": "outcome",
    "mechanism": "outcome",
    "aims": "outcome",
}


def register(outcomes: click.Group, claims: click.Group) -> None:
    for command in (outcomes_add, outcomes_set, outcomes_delete):
        outcomes.add_command(command)
    claims.add_command(claims_delete)


def item_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--label", help="The item's label."),
            click.option(
                "--success", multiple=True, help="An aim's success criterion (repeatable; replaces the list)."
            ),
            click.option(
                "--kind", "partner_kind", type=click.Choice(["direct", "indirect"]), help="A partner's kind."
            ),
            click.option("--partner", help="An outcome's boundary partner (its key)."),
            click.option("--mechanism", help="How the programme is expected to cause an outcome."),
            click.option(
                "--aims", help="The aims an outcome serves: keys separated by commas ('' for none)."
            ),
        ]
    ):
        command = option(command)
    return command


def _a(kind: str) -> str:
    return f"{'an' if kind in ('aim', 'outcome') else 'a'} {kind}"


def _fields(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or value == ():
            continue
        owner = OWNERS.get(name)
        if owner is not None and owner != kind:
            option = "--kind" if name == "partner_kind" else f"--{name}"
            raise InputError(f"{option} is for {_a(owner)}, not {_a(kind)}")
        fields["kind" if name == "partner_kind" else name] = list(value) if name == "success" else value
    return fields


@click.command("add")
@project_arg
@click.argument("kind", type=MAP_KINDS)
@click.argument("key")
@item_options
@coder_opt
@json_opt
def outcomes_add(project: str, kind: str, key: str, coder: str | None, as_json: bool, **options: Any) -> None:
    """Add an aim, boundary partner or outcome, e.g. `outcomes add P outcome out.x --label ... --partner
    practitioners --aims aim.voice`. One logged transaction."""
    from qualcode.app import map_edit

    with open_project(project, coder) as p:
        item = map_edit.add(p, kind, {"key": key, **_fields(kind, options)})
    if as_json:
        emit_json(item)
    else:
        out.print(f"Added {kind} {item['key']}.")


@click.command("set")
@project_arg
@click.argument("kind", type=MAP_KINDS)
@click.argument("key")
@click.option("--key", "new_key", help="A new key (recommendation links to it follow).")
@item_options
@coder_opt
@json_opt
def outcomes_set(
    project: str, kind: str, key: str, new_key: str | None, coder: str | None, as_json: bool, **options: Any
) -> None:
    """Change an aim's, partner's or outcome's fields (those given; the others stay)."""
    from qualcode.app import map_edit

    fields = _fields(kind, options)
    if new_key:
        fields["key"] = new_key
    with open_project(project, coder) as p:
        item = map_edit.change(p, kind, key, fields)
    item.pop("judgement", None)
    if as_json:
        emit_json(item)
    else:
        out.print(f"Saved {kind} {item['key']}.")


def _delete(project: str, kind: str, key: str, yes: bool, coder: str | None, as_json: bool) -> None:
    from qualcode.app import map_edit

    with open_project(project, coder) as p:
        plan = map_edit.deletion_plan(p, kind, key)
        if plan["refused"]:
            raise InputError(f"cannot delete: {plan['refused']}")
        if not yes:
            raise InputError(f"{plan['message']} Nothing was deleted: add --yes to delete.")
        map_edit.delete(p, kind, key)
    if as_json:
        emit_json({"deleted": f"{kind}:{key}", "effects": plan["effects"]})
    else:
        out.print(
            f"Deleted {kind} {key}."
            + (f" With it went {'; '.join(plan['effects'])}." if plan["effects"] else "")
        )


@click.command("delete")
@project_arg
@click.argument("kind", type=click.Choice(["aim", "partner", "outcome", "claim"]))
@click.argument("key")
@click.option(
    "--yes", is_flag=True, help="Delete (without it, say what deleting would do and change nothing)."
)
@coder_opt
@json_opt
def outcomes_delete(project: str, kind: str, key: str, yes: bool, coder: str | None, as_json: bool) -> None:
    """Delete an aim, partner, outcome or claim with what hangs on it (an aim's outcome links, a claim's evidence
    links and judgements, recommendation links). A partner with outcomes, or an outcome or aim with claims, is
    refused: move or delete those first."""
    _delete(project, kind, key, yes, coder, as_json)


@click.command("delete")
@project_arg
@click.argument("key")
@click.option(
    "--yes", is_flag=True, help="Delete (without it, say what deleting would do and change nothing)."
)
@coder_opt
@json_opt
def claims_delete(project: str, key: str, yes: bool, coder: str | None, as_json: bool) -> None:
    """Delete a claim with its evidence links (the codings stay), judgements, rival and recommendation links."""
    _delete(project, "claim", key, yes, coder, as_json)
