"""Case attributes after import: set, import from a table, recode spellings; each a logged transaction."""

from __future__ import annotations

from typing import Any

from qualcode.errors import InputError, NotFoundError
from qualcode.store.project import Project


def _case_ids(project: Project) -> dict[str, int]:
    return {name: int(cid) for cid, name in project.conn.execute("SELECT id, name FROM cases")}


def _apply(project: Project, case: str, case_id: int, attrs: dict[str, str]) -> int:
    """Set (or, for an empty value, remove) attributes of one case; returns how many values changed."""
    old = dict(project.conn.execute("SELECT name, value FROM case_attributes WHERE case_id = ?", (case_id,)))
    changed = {k: v for k, v in attrs.items() if old.get(k) != (v or None)}
    if not changed:
        return 0
    for key, value in changed.items():
        if value:
            project.conn.execute(
                "INSERT INTO case_attributes(case_id, name, value) VALUES (?, ?, ?)"
                " ON CONFLICT(case_id, name) DO UPDATE SET value = excluded.value",
                (case_id, key, value),
            )
        else:
            project.conn.execute("DELETE FROM case_attributes WHERE case_id = ? AND name = ?", (case_id, key))
    project.log(
        "case.attributes",
        "case",
        case,
        {"before": {k: old.get(k) for k in changed}, "after": {k: v or None for k, v in changed.items()}},
    )
    return len(changed)


def _unknown_case(case: str, known: dict[str, int]) -> NotFoundError:
    import difflib

    near = difflib.get_close_matches(case, list(known), n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return NotFoundError(f"no case named {case!r}{hint}")


def set_case(project: Project, case: str, attrs: dict[str, str]) -> dict[str, Any]:
    """Set attributes of an existing case; KEY= (empty) removes that attribute."""
    if not attrs:
        raise InputError("give at least one KEY=VALUE")
    with project.transaction():
        known = _case_ids(project)
        if case not in known:
            raise _unknown_case(case, known)
        changed = _apply(project, case, known[case], attrs)
    return {"case": case, "changed": changed}


def import_cases(
    project: Project, rows: list[dict[str, str]], case_column: str | None, source: str, create: bool = False
) -> dict[str, Any]:
    """Attributes from a table: one row per case, the case column plus attribute columns. Blank cells leave a
    value as it was. A case the project does not have is an error (all or nothing) unless `create`."""
    if not rows:
        raise InputError(f"{source}: no rows")
    columns = list(rows[0])
    column = case_column or columns[0]
    if column not in columns:
        raise InputError(f"{source}: no case column {column!r} (columns: {', '.join(columns)})")
    attr_columns = [c for c in columns if c != column and c.strip()]
    if not attr_columns:
        raise InputError(f"{source}: no attribute columns besides {column!r}")
    seen: dict[str, int] = {}
    counts = {"cases": 0, "changed": 0, "created": 0}
    with project.transaction():
        known = _case_ids(project)
        for n, row in enumerate(rows, start=2):
            case = (row.get(column) or "").strip()
            if not case:
                raise InputError(f"{source}: row {n} has no {column!r}; nothing was changed")
            if case in seen:
                raise InputError(
                    f"{source}: case {case!r} is on rows {seen[case]} and {n}; nothing was changed"
                )
            seen[case] = n
            if case not in known:
                if not create:
                    raise InputError(
                        f"{source}: row {n}: {_unknown_case(case, known)}; nothing was changed "
                        "(--create adds new cases)"
                    )
                known[case] = int(
                    project.conn.execute("INSERT INTO cases(name) VALUES (?)", (case,)).lastrowid or 0
                )
                project.log("case.create", "case", case, {"from": source})
                counts["created"] += 1
            values = {c: row[c].strip() for c in attr_columns if (row.get(c) or "").strip()}
            changed = _apply(project, case, known[case], values)
            counts["cases"] += 1 if changed else 0
            counts["changed"] += changed
    return {
        "rows": len(rows),
        "cases_changed": counts["cases"],
        "values_changed": counts["changed"],
        "cases_created": counts["created"],
    }


def recode(project: Project, key: str, mapping: dict[str, str]) -> dict[str, Any]:
    """Rename values of one attribute (e.g. merge spellings); a value no case has is an error (a typo)."""
    if not mapping:
        raise InputError('give --map "OLD=NEW" at least once')
    with project.transaction():
        values = {
            v: int(n)
            for v, n in project.conn.execute(
                "SELECT value, count(*) FROM case_attributes WHERE name = ? GROUP BY value", (key,)
            )
        }
        if not values:
            raise NotFoundError(f"no case has an attribute {key!r}")
        missing = [old for old in mapping if old not in values]
        if missing:
            raise InputError(
                f"no case has {key}={missing[0]!r} (values: {', '.join(sorted(values))}); nothing was changed"
            )
        changed: dict[str, int] = {}
        for old, new in mapping.items():
            if old == new:
                continue
            cur = project.conn.execute(
                "UPDATE case_attributes SET value = ? WHERE name = ? AND value = ?", (new, key, old)
            )
            changed[old] = cur.rowcount
        project.log("case.recode", "attribute", key, {"map": mapping, "cases": changed})
    return {"attribute": key, "recoded": changed}
