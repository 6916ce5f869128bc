"""Charts follow the table's rule (no percentage below 10 cases) and exemplar quotes are distinct across the
rows of one theme table; on the hand-countable study of tests/report_study.py (interviewees N=2, focus group
participants N=3, survey respondents N=10)."""

from __future__ import annotations

import io
import re

import docx
import pytest

from qualcode.core.reportdoc import BarChart, QuoteList
from qualcode.export import charts as chart_module
from qualcode.export.render import render
from qualcode.reports.build import build_report
from qualcode.reports.settings import ReportSettings
from qualcode.store.project import Project
from tests.report_study import build_study


@pytest.fixture(scope="module")
def themes(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "small.qcdb"
    build_study(path)
    with Project.open(path) as p:
        return build_report(p, "themes")


def charts_of(built) -> list[BarChart]:
    return [b for b in built.doc.blocks if isinstance(b, BarChart)]


def test_the_chart_of_theme_a_gives_counts_below_ten_cases(themes):
    """a1: interview 1 of 2, focus group 1 of 3, survey 3 of 10; a2: 1 of 2, 0 of 3, 1 of 10 (R06 rejected)."""
    chart = next(c for c in charts_of(themes) if c.title.startswith("Practice change"))
    assert chart.categories == ["Faster referrals", "Confidence"]
    labels = [[chart.label(s, c) for s in range(3)] for c in range(len(chart.categories))]
    assert labels == [["1 of 2", "1 of 3", "30%"], ["1 of 2", "0 of 3", "10%"]]
    assert [chart.drawn(s) for s in range(3)] == [False, False, True]
    assert "fewer than 10 cases" in chart.note


def test_html_svg_never_prints_a_percentage_the_table_refused(themes):
    html = render(themes.doc, "html").decode("utf-8")
    figures = re.findall(r"<figure>.*?</figure>", html, re.S)
    assert figures
    a = next(f for f in figures if "1 of 2" in f)
    # The value labels: 1 of 2 would have been drawn as 50%, 1 of 3 as 33%; no bar is drawn for them.
    labels = re.findall(r'font-size="9"[^>]*>([^<]+)</text>', a)
    assert labels == ["1 of 2", "1 of 3", "30%", "1 of 2", "0 of 3", "10%"]
    bars = re.findall(r'<rect x="230" y="[\d.]+" width="([\d.]+)" height', a)
    assert bars == ["126.0", "42.0"]  # only the survey respondents' bars: 30% and 10% of the 420-pixel plot
    assert "fewer than 10 cases" in a  # the note, under the chart


def test_markdown_chart_table_uses_counts(themes):
    md = render(themes.doc, "md").decode("utf-8")
    assert "| Faster referrals | 1 of 2 | 1 of 3 | 30% |" in md
    assert "| Confidence | 1 of 2 | 0 of 3 | 10% |" in md
    assert not re.search(r"\| 50% \|", md) and "| 33% |" not in md


def test_docx_chart_draws_no_bar_and_writes_counts(themes, monkeypatch):
    texts: list[str] = []
    widths: list[float] = []
    from matplotlib.axes import Axes

    real_text, real_barh = Axes.text, Axes.barh

    def text(self, x, y, s, *a, **k):
        texts.append(s)
        return real_text(self, x, y, s, *a, **k)

    def barh(self, y, width, *a, **k):
        widths.extend(width if k.get("color") != "none" else [])
        return real_barh(self, y, width, *a, **k)

    monkeypatch.setattr(Axes, "text", text)
    monkeypatch.setattr(Axes, "barh", barh)
    data = render(themes.doc, "docx")
    assert "1 of 2" in texts and "1 of 3" in texts and "50%" not in texts
    assert 50.0 not in widths and 33.3 not in widths and 30.0 in widths
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert any("fewer than 10 cases" in t for t in paragraphs)


def test_no_charts_when_no_source_type_has_enough_cases(new_location, tmp_path):
    build_study(new_location("s"))
    with Project.open(new_location("s")) as p:
        built = build_report(p, "themes", settings=ReportSettings(percent_min_cases=11))
    assert charts_of(built) == []
    assert any("No prevalence charts" in getattr(b, "text", "") for b in built.doc.blocks)


def test_a_chart_without_counts_draws_every_series():
    chart = BarChart("t", ["x"], [("a", [50.0])])
    assert chart.drawn(0) and chart.label(0, 0) == "50%"
    assert "50%" in chart_module.svg_bar_chart(chart)


def test_exemplar_quotes_are_distinct_across_the_theme_table(themes):
    table = themes.doc.tables()[0]
    quotes = [
        q.coding_id for row in table.rows for cell in row if isinstance(cell, QuoteList) for q in cell.quotes
    ]
    texts = [q.text for row in table.rows for cell in row if isinstance(cell, QuoteList) for q in cell.quotes]
    assert quotes and len(texts) == len(set(texts))
    rows = {r[1]: r[-1] for r in table.rows}
    # Specific codes pick first (a1 keeps the accepted R01 answer); the group A gets what a1 and a2 left.
    assert rows["a1"].quotes[0].status == "accepted"
    assert [q.coding_id for q in rows["A"].quotes] and not {q.text for q in rows["A"].quotes} & {
        q.text for q in rows["a1"].quotes + rows["a2"].quotes
    }
    # hls.leadership's only coded turn (I2) is a2's quote already: said, not repeated; the group hls has none left.
    assert rows["hls.leadership"].quotes == [] and "under another theme" in rows["hls.leadership"].note
    assert rows["hls"].quotes == [] and rows["hls"].note == "Quotes are under its sub-themes."
