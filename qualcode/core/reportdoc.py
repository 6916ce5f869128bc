"""A report as plain blocks (headings, paragraphs, tables, quotes, charts) that every writer can render."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Quote:
    """A coded quote with its role attribution, e.g. '(Survey respondent, statutory)'; never a name."""

    text: str
    attribution: str
    coding_id: int | None = None
    status: str = "pending"


@dataclass(slots=True)
class QuoteList:
    """Quotes in one table cell; `more` counts quotes left out by a cap, `note` is shown before them."""

    quotes: list[Quote] = field(default_factory=list)
    more: int = 0
    note: str = ""


Cell = str | int | float | None | QuoteList


@dataclass(slots=True)
class Table:
    """A table: `key` names it (sheet name, CSV title); `styles[i]` is '' or 'group' (a heading row)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    styles: list[str] = field(default_factory=list)
    quote_columns: frozenset[int] = (
        frozenset()
    )  # plain-text columns holding transcript text (shown as quotes)
    wide: bool = False  # many columns: writers may shrink the font

    def style(self, i: int) -> str:
        return self.styles[i] if i < len(self.styles) else ""

    def spans(self, i: int) -> bool:
        """A group row with only its first cell filled is a sub-heading across the whole table."""
        row = self.rows[i]
        return self.style(i) == "group" and all(c is None or c == "" for c in row[1:])


@dataclass(slots=True)
class Heading:
    text: str
    level: int = 1


@dataclass(slots=True)
class Paragraph:
    text: str


@dataclass(slots=True)
class BarChart:
    """Horizontal grouped bars: one group per category, one bar per series; values are percentages 0-100.

    With `counts` and `totals` (cases per series and category, and each series' N), a series with fewer than
    `min_cases` cases follows the table's rule: no bar and no percentage, only 'k of N' (see `label`).

    Stacked: one bar per category made of the series in order (each a share of the bar)."""

    title: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = "%"
    counts: list[list[int]] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    min_cases: int = 0
    note: str = ""
    stacked: bool = False  # one bar per category, the series side by side along it (e.g. a Likert scale)

    def drawn(self, s: int) -> bool:
        """Whether series `s` is drawn as bars (enough cases for a percentage)."""
        return not self.totals or self.totals[s] >= self.min_cases

    def label(self, s: int, c: int) -> str:
        """What the chart prints for series `s`, category `c`: '31%', or 'k of N' below `min_cases`."""
        if self.drawn(s):
            return f"{float(self.series[s][1][c]):.0f}{self.unit}"
        return f"{self.counts[s][c]} of {self.totals[s]}"


Block = Heading | Paragraph | Table | BarChart


@dataclass(slots=True)
class Provenance:
    """What a table was computed from, so it can be traced to its data."""

    project: str
    file: str
    sha256: str
    hash_method: str
    generated: str
    qualcode_version: str
    filters: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[tuple[str, str]]:
        out = [
            ("Project", self.project),
            ("Project file", self.file),
            ("Project SHA-256", self.sha256),
            ("Hash of", self.hash_method),
            ("Generated (UTC)", self.generated),
            ("qualcode version", self.qualcode_version),
        ]
        out += [(f"Filter: {k}", v) for k, v in self.filters.items()]
        return out


@dataclass(slots=True)
class ReportDoc:
    title: str
    provenance: Provenance
    blocks: list[Block] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def captioned(self) -> list[tuple[Block, bool]]:
        """Blocks with whether a table needs its own caption: not when the heading just before says the same."""
        out: list[tuple[Block, bool]] = []
        previous: Block | None = None
        for block in self.blocks:
            same = isinstance(previous, Heading) and isinstance(block, Table) and previous.text == block.title
            untitled = isinstance(block, Table) and not block.title  # a table the text before introduces
            out.append((block, not (same or untitled)))
            previous = block
        return out


def quote_plain(quote: Quote) -> str:
    """A quote as one line of plain text: “text” (attribution)."""
    return f"\u201c{quote.text}\u201d {quote.attribution}".strip()


def cell_plain(cell: Cell) -> str | int | float:
    """A cell for CSV or a spreadsheet: numbers stay numbers, quote lists become lines of text."""
    if cell is None:
        return ""
    if isinstance(cell, QuoteList):
        lines = [cell.note] if cell.note else []
        lines += [quote_plain(q) for q in cell.quotes]
        if cell.more:
            lines.append(f"(+{cell.more} more)")
        return "\n".join(lines)
    return cell
