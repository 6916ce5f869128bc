"""The monitoring report: each measure's figures by period (and category), its change, a table and a chart."""

from __future__ import annotations

from typing import Any

from qualcode.core.reportdoc import BarChart, Block, Heading, Paragraph, Table


def monitoring_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per measure and breakdown: periods and categories in the order they were imported, every
    figure, and the change from the first period to the last for each category."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["measure"], r["breakdown"]), []).append(r)
    out = []
    for (measure, breakdown), figures in groups.items():
        periods = list(dict.fromkeys(f["period"] for f in figures))
        categories = list(dict.fromkeys(f["category"] for f in figures))
        value = {(f["period"], f["category"]): f["value"] for f in figures}
        change = []
        for c in categories:
            given = [(p, value[p, c]) for p in periods if (p, c) in value]
            if len(given) >= 2:
                (p0, v0), (p1, v1) = given[0], given[-1]
                change.append(
                    {
                        "category": c,
                        "from_period": p0,
                        "from": v0,
                        "to_period": p1,
                        "to": v1,
                        "change": v1 - v0,
                        "percent": round(100 * (v1 - v0) / v0, 2) if v0 else None,
                    }
                )
        out.append(
            {
                "measure": measure,
                "breakdown": breakdown or None,
                "periods": periods,
                "categories": [c for c in categories if c] or None,
                "values": [
                    {"period": f["period"], "category": f["category"] or None, "value": f["value"]}
                    for f in figures
                ],
                "change": change,
            }
        )
    return out


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def monitoring_blocks(data: list[dict[str, Any]]) -> list[Block]:
    blocks: list[Block] = []
    for m in data:
        title = m["measure"] + (f" by {m['breakdown']}" if m["breakdown"] else "")
        cats = m["categories"] or [""]
        value = {(v["period"], v["category"] or ""): v["value"] for v in m["values"]}
        columns = ["Period", *(cats if m["categories"] else [m["measure"]])]
        rows: list[list[Any]] = [
            [p or "(no period)", *[_num(value[p, c]) if (p, c) in value else None for c in cats]]
            for p in m["periods"]
        ]
        notes = [
            f"{c['category'] + ': ' if c['category'] else ''}{_num(c['from'])} in {c['from_period']} to "
            f"{_num(c['to'])} in {c['to_period']}"
            + (f" ({c['percent']:+.1f}%)" if c["percent"] is not None else "")
            for c in m["change"]
        ]
        blocks.append(Heading(title, 2))
        blocks.append(
            Table(
                f"monitoring-{m['measure']}",
                title,
                columns,
                rows,
                note=("Change from the first period to the last: " + "; ".join(notes) + ".") if notes else "",
            )
        )
        blocks.append(
            BarChart(
                title,
                [p or "(no period)" for p in m["periods"]],
                [(c or m["measure"], [float(value.get((p, c), 0.0)) for p in m["periods"]]) for c in cats],
                unit=m["measure"],
            )
        )
    if not data:
        blocks.append(Paragraph("No monitoring figures in this project (qualcode monitoring import)."))
    return blocks


def monitoring_long_table(data: list[dict[str, Any]]) -> Table:
    rows: list[list[Any]] = [
        [m["measure"], m["breakdown"] or "", v["category"] or "", v["period"], _num(v["value"])]
        for m in data
        for v in m["values"]
    ]
    return Table(
        "monitoring", "Monitoring figures", ["Measure", "Breakdown", "Category", "Period", "Value"], rows
    )
