"""Theme table: coded segments per code and the share of each source type's cases that mention it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from qualcode.core.models import SOURCE_TYPE_ROLES
from qualcode.core.reportdoc import BarChart, Block, Paragraph, Quote, QuoteList, Table
from qualcode.errors import InputError
from qualcode.reports.evidence import Evidence, EvidenceItem, pick_quotes
from qualcode.reports.settings import ReportSettings

NOT_RECORDED = "(not recorded)"


@dataclass(slots=True)
class Share:
    """`cases` of `total_cases` (distinct participants); percent rounded to one decimal."""

    cases: int
    total_cases: int
    percent: float

    @classmethod
    def of(cls, cases: int, total: int) -> Share:
        return cls(cases, total, round(100 * cases / total, 1) if total else 0.0)


@dataclass(slots=True)
class ThemeRow:
    code: str
    label: str
    parent: str | None
    depth: int
    group: bool  # has child codes: its numbers are the union over itself and its descendants
    segments: int
    codings: int
    cases: int
    by_source_type: dict[str, Share]
    by_attribute: dict[str, Share] = field(default_factory=dict)
    quotes: list[Quote] = field(default_factory=list)  # supporting evidence only
    contradicting_cases: int = 0  # cases whose coding contradicts the theme (or is mixed on it)


def attribute_label(name: str) -> str:
    """How a report names a case attribute: 'work_field' -> 'Work field' (the key stays in JSON)."""
    words = name.replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or name
    return text[:1].upper() + text[1:]


def plural_role(source_type: str) -> str:
    return SOURCE_TYPE_ROLES.get(source_type, source_type) + "s"


def share_text(share: Share, settings: ReportSettings) -> str:
    """'31% (n=14)' for source types with many cases, '5 of 5' for few; percentages round half up."""
    if share.total_cases == 0:
        return "-"
    if share.total_cases < settings.percent_min_cases:
        return f"{share.cases} of {share.total_cases}"
    return f"{int(100 * share.cases / share.total_cases + 0.5)}% (n={share.cases})"


def items_by_code(evidence: Evidence) -> dict[str, list[EvidenceItem]]:
    out: dict[str, list[EvidenceItem]] = defaultdict(list)
    for item in evidence.items:
        out[item.code].append(item)
    return out


def scoped_codes(evidence: Evidence) -> list[str]:
    """Codebook keys in order, limited to the --code filter (each with its descendants)."""
    keys = [c.key for c in evidence.codebook.codes]
    if evidence.filters.codes:
        scope = set().union(*(evidence.descendants(k) for k in evidence.filters.codes))
        keys = [k for k in keys if k in scope]
    return keys


def attribute_values(evidence: Evidence, name: str) -> dict[str, int]:
    """Each value of a case attribute with its number of cases, in first-seen order by case name."""
    if not any(name in c.attributes for c in evidence.cases.values()):
        known = sorted({k for c in evidence.cases.values() for k in c.attributes})
        raise InputError(f"no case has an attribute '{name}' (known: {', '.join(known) or 'none'})")
    counts: dict[str, int] = {}
    for case in sorted(evidence.cases.values(), key=lambda c: c.name):
        value = case.attributes.get(name, "").strip() or NOT_RECORDED
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] == NOT_RECORDED, kv[0].casefold())))


def theme_rows(evidence: Evidence, by: str | None = None) -> list[ThemeRow]:
    """One row per code in codebook order; group codes count the union of their descendants' codings."""
    by_code = items_by_code(evidence)
    totals = evidence.totals()
    values = attribute_values(evidence, by) if by else {}
    depth: dict[str, int] = {}
    rows = []
    for code in evidence.codebook.codes:
        depth[code.key] = depth.get(code.parent, -1) + 1 if code.parent else 0
    children = {c.parent for c in evidence.codebook.codes if c.parent}
    codes = evidence.codebook.by_key()
    row_items: list[list[EvidenceItem]] = []
    for key in scoped_codes(evidence):
        code = codes[key]
        items = [i for k in evidence.descendants(key) for i in by_code.get(k, [])]
        participant = [i for i in items if i.case in evidence.cases]
        per_type: dict[str, set[str]] = defaultdict(set)
        for i in participant:
            per_type[i.source_type].add(i.case)  # type: ignore[arg-type]
        row = ThemeRow(
            code=key,
            label=code.label,
            parent=code.parent,
            depth=depth[key],
            group=key in children,
            segments=len({i.unit for i in items}),
            codings=len(items),
            cases=len({i.case for i in participant}),
            by_source_type={t: Share.of(len(per_type.get(t, ())), n) for t, n in totals.items()},
        )
        row.contradicting_cases = len({i.case for i in participant if i.polarity in ("contradicts", "mixed")})
        row_items.append([i for i in items if i.polarity == "supports"])
        if by:
            coded: dict[str, set[str]] = defaultdict(set)
            for i in participant:
                value = evidence.cases[i.case].attributes.get(by, "").strip() or NOT_RECORDED  # type: ignore[index]
                coded[value].add(i.case)  # type: ignore[arg-type]
            row.by_attribute = {v: Share.of(len(coded.get(v, ())), n) for v, n in values.items()}
        rows.append(row)
    # Each quote appears once in the table: specific codes pick first, then groups (deepest first) from the rest.
    taken: set[object] = set()
    order = sorted(range(len(rows)), key=lambda i: (rows[i].group, -rows[i].depth if rows[i].group else 0, i))
    for k in order:
        rows[k].quotes = pick_quotes(evidence, row_items[k], evidence.settings.quotes_per_theme, taken)
    return rows


def themes_json(rows: list[ThemeRow]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        d = asdict(r)
        if not r.by_attribute:
            d.pop("by_attribute")
        out.append(d)
    return out


def themes_table(evidence: Evidence, rows: list[ThemeRow], by: str | None = None) -> Table:
    settings = evidence.settings
    totals = evidence.totals()
    columns = ["Theme", "Code", "Segments"] + [f"{plural_role(t)} (N={n})" for t, n in totals.items()]
    values = attribute_values(evidence, by) if by else {}
    label = attribute_label(by) if by else ""
    columns += [f"{label}: {v} (N={n})" for v, n in values.items()]
    against = any(r.contradicting_cases for r in rows)  # the column only when some evidence speaks against
    if against:
        columns.append("Cases against")
    columns.append("Exemplar quotes")
    body: list[list[Any]] = []
    for r in rows:
        cells: list[Any] = [r.label, r.code, r.segments]
        cells += [share_text(r.by_source_type[t], settings) for t in totals]
        cells += [share_text(r.by_attribute[v], settings) for v in values]
        if against:
            cells.append(r.contradicting_cases)
        cells.append(QuoteList(r.quotes, note=_no_quote_note(r)))
        body.append(cells)
    note = (
        "Cells give the participants (cases) of each source type whose coded evidence mentions the theme: "
        f"'k of N' where a source type has fewer than {settings.percent_min_cases} cases, otherwise 'p% (n=k)'. "
        "Group rows count the union of their sub-codes. Interviewer and facilitator turns belong to no case. "
        "Exemplar quotes are supporting evidence"
        + (
            ", each shown once; 'Cases against' counts participants whose coding contradicts the theme."
            if against
            else ", each shown once."
        )
    )
    return Table(
        "themes",
        "Theme prevalence",
        columns,
        body,
        note=note,
        styles=["group" if r.group else "" for r in rows],
        wide=len(columns) > 6,
    )


def _no_quote_note(row: ThemeRow) -> str:
    """Why a coded theme shows no quote: each quote is shown once per table, under the most specific theme."""
    if row.quotes or not row.segments:
        return ""
    return "Quotes are under its sub-themes." if row.group else "Its quotes are shown under another theme."


def prevalence_charts(evidence: Evidence, rows: list[ThemeRow]) -> list[BarChart]:
    """One chart per top-level theme: its sub-themes' prevalence (% of cases) per source type. A source type
    with fewer cases than the table's threshold gets no bar, only 'k of N', as in the table; when no source
    type has enough cases there are no charts (the table says it all)."""
    totals = evidence.totals()
    least = evidence.settings.percent_min_cases
    if not any(n >= least for n in totals.values()):
        return []
    small = [plural_role(t) for t, n in totals.items() if n < least]
    note = (
        f"{', '.join(small)}: fewer than {least} cases, so no bar and no percentage; shown as 'k of N'"
        " as in the table."
        if small
        else ""
    )
    charts = []
    by_parent: dict[str | None, list[ThemeRow]] = defaultdict(list)
    for r in rows:
        by_parent[r.parent].append(r)
    for top in [r for r in rows if r.depth == 0 or r.parent not in {x.code for x in rows}]:
        members = [r for r in by_parent.get(top.code, []) if r.cases] or ([top] if top.cases else [])
        if not members:
            continue
        series = [
            (f"{plural_role(t)} (N={n})", [r.by_source_type[t].percent for r in members])
            for t, n in totals.items()
        ]
        counts = [[r.by_source_type[t].cases for r in members] for t in totals]
        charts.append(
            BarChart(
                f"{top.label}: % of cases mentioning each theme, by source type",
                [r.label for r in members],
                series,
                counts=counts,
                totals=list(totals.values()),
                min_cases=least,
                note=note,
            )
        )
    return charts


def themes_blocks(
    evidence: Evidence, rows: list[ThemeRow], by: str | None = None, charts: bool = True
) -> list[Block]:
    blocks: list[Block] = [themes_table(evidence, rows, by)]
    if charts:
        found = prevalence_charts(evidence, rows)
        if found:
            blocks.append(
                Paragraph("Theme prevalence by source type (percentage of each source type's cases).")
            )
            blocks.extend(found)
        elif rows:
            blocks.append(
                Paragraph(
                    f"No prevalence charts: every source type has fewer than"
                    f" {evidence.settings.percent_min_cases} cases, too few for percentages;"
                    " the table gives 'k of N'."
                )
            )
    return blocks
