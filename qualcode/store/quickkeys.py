"""A coder's pinned quick keys (slots 1-9 -> code keys), kept in the project's meta table per coder."""

from __future__ import annotations

import json

from qualcode.store.project import Project

SLOTS = 9


def _meta_key(coder: str) -> str:
    return f"quickkeys:{coder}"


def load_quick_keys(project: Project, coder: str) -> list[str | None]:
    """Nine slots (index 0 is key 1); an empty slot is None. A damaged value reads as all slots empty."""
    raw = project.meta(_meta_key(coder))
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        value = []
    slots = (
        [v if isinstance(v, str) and v else None for v in value][:SLOTS] if isinstance(value, list) else []
    )
    return slots + [None] * (SLOTS - len(slots))


def save_quick_keys(project: Project, coder: str, slots: list[str | None]) -> list[str | None]:
    """Store the coder's slots in one transaction (the meta table: no schema change); returns what was stored."""
    slots = (list(slots) + [None] * SLOTS)[:SLOTS]
    value = json.dumps(slots)
    with project.transaction():
        project.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_meta_key(coder), value),
        )
    return slots
