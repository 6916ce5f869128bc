"""Activity and monitoring figures (events, attendance by year, sector or work field): import and read back."""

from __future__ import annotations

import math
import re
from typing import Any

from qualcode.errors import InputError
from qualcode.store.project import Project, now

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PERIOD_NAMES = ("period", "year", "month", "quarter", "date", "wave")


def _number(value: str, where: str) -> float:
    text = value.strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a number; nothing was imported") from None
    if not math.isfinite(number):
        raise InputError(f"{where}: {value!r} is not a number; nothing was imported")
    return number


def parse_monitoring(
    rows: list[dict[str, str]], source: str, period_column: str | None = None, by: str | None = None
) -> list[tuple[str, str, str, str, float]]:
    """(measure, period, breakdown, category, value) from a table. Long: columns `measure` and `value` (and a
    period column). Wide: a period column (the first unless named), then one column per measure. `by` names a
    column holding each row's category (e.g. sector); without it the figures are overall totals."""
    if not rows:
        raise InputError(f"{source}: no rows")
    columns = list(rows[0])
    lowered = {c.strip().lower(): c for c in columns}
    for name, what in ((period_column, "period"), (by, "--by")):
        if name and name not in columns:
            raise InputError(f"{source}: no {what} column {name!r} (columns: {', '.join(columns)})")
    long = "measure" in lowered and "value" in lowered
    if period_column is None:
        period_column = next((lowered[n] for n in _PERIOD_NAMES if n in lowered), None)
        if period_column is None and not long:
            period_column = columns[0]
    out: list[tuple[str, str, str, str, float]] = []
    seen: dict[tuple[str, str, str], int] = {}
    breakdown = by or ""
    for n, row in enumerate(rows, start=2):
        period = (row.get(period_column) or "").strip() if period_column else ""
        category = (row.get(by) or "").strip() if by else ""
        if by and not category:
            raise InputError(f"{source}: row {n}, column {by!r}: no category; nothing was imported")
        if long:
            measure = (row.get(lowered["measure"]) or "").strip()
            value = (row.get(lowered["value"]) or "").strip()
            if not measure:
                raise InputError(f"{source}: row {n}: no measure; nothing was imported")
            pairs = [(measure, value, lowered["value"])] if value else []
        else:
            skip = {period_column, by}
            pairs = [
                (c.strip(), (row.get(c) or "").strip(), c) for c in columns if c not in skip and c.strip()
            ]
        for measure, value, column in pairs:
            if not value:
                continue
            key = (measure, period, category)
            if key in seen:
                raise InputError(
                    f"{source}: {measure!r} for {period or 'no period'!r}"
                    f"{' / ' + category if category else ''} is on rows {seen[key]} and {n}; "
                    "nothing was imported"
                )
            seen[key] = n
            out.append(
                (
                    measure,
                    period,
                    breakdown,
                    category,
                    _number(value, f"{source}: row {n}, column {column!r}"),
                )
            )
    if not out:
        raise InputError(f"{source}: no figures found")
    return out


def import_monitoring(
    project: Project, figures: list[tuple[str, str, str, str, float]], source: str
) -> dict[str, Any]:
    """Store figures in one transaction; a figure already there is replaced (logged with its old value)."""
    added = changed = unchanged = 0
    with project.transaction():
        old = {
            (m, p, b, c): v
            for m, p, b, c, v in project.conn.execute(
                "SELECT measure, period, breakdown, category, value FROM monitoring"
            )
        }
        replaced = []
        for measure, period, breakdown, category, value in figures:
            before = old.get((measure, period, breakdown, category))
            if before is None:
                added += 1
            elif before == value:
                unchanged += 1
                continue
            else:
                changed += 1
                replaced.append(
                    {
                        "measure": measure,
                        "period": period,
                        "category": category,
                        "before": before,
                        "after": value,
                    }
                )
            project.conn.execute(
                "INSERT INTO monitoring(measure, period, breakdown, category, value, source, imported)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(measure, breakdown, category, period)"
                " DO UPDATE SET value = excluded.value, source = excluded.source, imported = excluded.imported",
                (measure, period, breakdown, category, value, source, now()),
            )
        project.log(
            "monitoring.import",
            "monitoring",
            source,
            {"added": added, "changed": changed, "unchanged": unchanged, "replaced": replaced[:200]},
        )
    return {"file": source, "added": added, "changed": changed, "unchanged": unchanged}


def load_monitoring(
    project: Project, measures: tuple[str, ...] = (), by: str | None = None
) -> list[dict[str, Any]]:
    """Figures in import order: all of them, or those of one breakdown (`by`; '' for the overall figures)."""
    known = {r[0] for r in project.conn.execute("SELECT DISTINCT breakdown FROM monitoring")}
    if by is not None and by not in known:
        shown = ", ".join(sorted(b for b in known if b)) or "none"
        raise InputError(f"no monitoring figures by {by!r} (breakdowns: {shown})")
    if by is None:
        rows = project.query("SELECT measure, period, breakdown, category, value FROM monitoring ORDER BY id")
    else:
        rows = project.query(
            "SELECT measure, period, breakdown, category, value FROM monitoring"
            " WHERE breakdown = ? ORDER BY id",
            (by,),
        )
    if measures:
        names = {r["measure"] for r in project.query("SELECT DISTINCT measure FROM monitoring")}
        unknown = [m for m in measures if m not in names]
        if unknown:
            raise InputError(f"no monitoring measure {unknown[0]!r} (measures: {', '.join(sorted(names))})")
        rows = [r for r in rows if r["measure"] in measures]
    return rows
