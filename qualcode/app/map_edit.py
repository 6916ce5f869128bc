"""Edit the outcome map item by item (aims, partners, outcomes, claims): the use cases the CLI and the TUI share."""

from __future__ import annotations

from typing import Any

from qualcode.store.map_edit import NAMES, add_item, delete_item, deletion, get_item, restore_item, set_item
from qualcode.store.project import Project

KINDS = tuple(NAMES)


def split_list(value: str | list[str] | None, separators: str = ",\n") -> list[str] | None:
    """A list typed as text (aims 'a, b'; success criteria one per line) as a list; None stays None."""
    if value is None or isinstance(value, list):
        return value
    text = value
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def form_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as a form or the command line gives them (lists as text) in the shape the store takes."""
    out = dict(fields)
    if kind == "aim" and isinstance(out.get("success"), str):
        out["success"] = split_list(out["success"], "\n")
    if kind == "outcome" and isinstance(out.get("aims"), str):
        out["aims"] = split_list(out["aims"])
    return out


def add(project: Project, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    return add_item(project, kind, form_fields(kind, fields))


def change(project: Project, kind: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return set_item(project, kind, key, form_fields(kind, fields))


def item(project: Project, kind: str, key: str) -> dict[str, Any]:
    return get_item(project, kind, key)


def deletion_plan(project: Project, kind: str, key: str) -> dict[str, Any]:
    """`refused` (a reason, or None) and `message`: what deleting the item does, in one sentence."""
    plan = deletion(project, kind, key)
    effects = plan["effects"]
    message = f"Delete {NAMES[kind]} {key}? " + (
        f"With it go {'; '.join(effects)}." if effects else "Nothing else refers to it."
    )
    return {"refused": plan["refused"], "effects": effects, "message": message}


def delete(project: Project, kind: str, key: str) -> dict[str, Any]:
    """Delete an item (refused when the store keeps things under it); returns the snapshot `restore` takes."""
    return delete_item(project, kind, key)


def restore(project: Project, snapshot: dict[str, Any]) -> str:
    return restore_item(project, snapshot)
