"""Every writer's file reopened and read back: content, provenance, and hostile quotes left inert."""

import csv
import io
import json
from html.parser import HTMLParser

import docx
import openpyxl
import pytest

from qualcode.app.reporting import run_report
from qualcode.core.reportdoc import Provenance, Quote, QuoteList, ReportDoc, Table
from qualcode.errors import InputError
from qualcode.export.cells import spreadsheet_safe
from qualcode.export.markdown import escape_md
from qualcode.export.render import render
from tests.report_study import HOSTILE, build_study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    build_study(folder / "small.qcdb")
    return folder / "small.qcdb"


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    blank = lines.index("")
    meta = lines[:blank]
    return meta, list(csv.reader(io.StringIO("\r\n".join(lines[blank + 1 :]))))


def test_formula_cells_become_text():
    assert [spreadsheet_safe(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "plain", 3, 2.5)] == [
        "'=1+1",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        3,
        2.5,
    ]
    assert (
        spreadsheet_safe("\r=1") == "\ufffd=1"
    )  # a carriage return is replaced, so nothing can start a formula


def test_markdown_escaping():
    assert escape_md("| pipes |") == "\\| pipes \\|"
    assert escape_md("<script>") == "&lt;script&gt;"
    assert escape_md("**md**") == "\\*\\*md\\*\\*"
    assert escape_md("# h\n- item\n> q\n1. x") == "\\# h<br>\\- item<br>&gt; q<br>1\\. x"
    assert escape_md("a\\b") == "a\\\\b"


def test_csv_themes(study, tmp_path):
    result = run_report(study, "themes", "csv", tmp_path / "themes.csv", by="sector")
    meta, rows = read_csv(result.path)
    assert meta[0].startswith("# Theme prevalence: Small study")
    assert f"# Project SHA-256: {result.provenance.sha256}" in meta
    assert any(m.startswith("# Generated (UTC): ") for m in meta)
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert header[:6] == [
        "Theme",
        "Code",
        "Segments",
        "Interviewees (N=2)",
        "Focus group participants (N=3)",
        "Survey respondents (N=10)",
    ]
    assert body["a1"][2:9] == ["6", "1 of 2", "1 of 3", "30% (n=3)", "5 of 7", "0 of 7", "0 of 1"]
    assert body["a1"][-1].startswith("\u201cSurvey answer number 1")  # the accepted quote comes first


def test_csv_quotes_are_formula_safe(study, tmp_path):
    _, rows = read_csv(run_report(study, "quotes", "csv", tmp_path / "q.csv").path)
    header = rows[0]
    texts = [r[header.index("Quote")] for r in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in texts
    assert HOSTILE["R08"] in texts and HOSTILE["R09"] in texts
    memos = [r[header.index("Memo")] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in memos
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_xlsx_full_report(study, tmp_path):
    result = run_report(study, "all", "xlsx", tmp_path / "all.xlsx")
    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames[:5] == ["About", "participants", "themes", "contribution", "hls"]
    assert {"matrix-case", "matrix-document", "cooccurrence", "quotes", "codebook"} <= set(wb.sheetnames)
    about = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True) if r and r[0]}
    assert about["Project SHA-256"] == result.provenance.sha256
    themes = wb["themes"]
    assert themes.freeze_panes == "B2" and themes["A1"].font.bold and themes.column_dimensions["A"].width > 5
    rows = {r[1]: r for r in themes.iter_rows(min_row=2, values_only=True)}
    assert rows["a1"][2] == 6 and rows["a1"][5] == "30% (n=3)"
    assert themes.cell(row=2, column=1).font.bold  # the group row 'A'
    quotes = wb["quotes"]
    cells = [c for row in quotes.iter_rows() for c in row if c.value is not None]
    hostile = [c for c in cells if isinstance(c.value, str) and "cmd|" in c.value]
    assert hostile and all(c.data_type == "s" and c.value.startswith("'=") for c in hostile)
    assert not any(c.data_type == "f" for c in cells)
    cases = wb["matrix-case"]
    header = [c.value for c in cases[1]]
    i1 = next(r for r in cases.iter_rows(min_row=2, values_only=True) if r[0] == "I1")
    assert (
        i1[header.index("a1")] == 1
        and i1[header.index("a2")] == 0
        and i1[header.index("sector")] == "statutory"
    )


def test_docx_full_report(study, tmp_path):
    result = run_report(study, "all", "docx", tmp_path / "all.docx")
    d = docx.Document(str(result.path))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]
    assert headings[:4] == [
        "Evaluation report: Small study",
        "Who took part",
        "Theme prevalence",
        "Contribution analysis",
    ]
    assert result.provenance.sha256 in "\n".join(p.text for p in d.paragraphs)
    themes = next(t for t in d.tables if t.rows[0].cells[0].text == "Theme")
    a1 = next(r for r in themes.rows if r.cells[1].text == "a1")
    assert [c.text for c in a1.cells[2:6]] == ["6", "1 of 2", "1 of 3", "30% (n=3)"]
    quote_runs = [run for p in a1.cells[-1].paragraphs for run in p.runs]
    assert quote_runs[0].italic and quote_runs[0].text.startswith("\u201cSurvey answer number 1")
    assert quote_runs[1].text == " (Survey respondent, statutory)" and not quote_runs[1].italic
    contribution = next(t for t in d.tables if t.rows[0].cells[0].text == "Contribution / claim")
    claim = next(r for r in contribution.rows if r.cells[0].text == "Faster referrals")
    assert [claim.cells[i].text for i in (2, 3, 4)] == ["strong", "5 / 1", "focus-group, interview, survey"]
    assert (
        "Covid changed how we work" in claim.cells[6].text
    )  # the coding marked 'none' contradicts the claim
    assert len(d.inline_shapes) >= 1  # the prevalence charts


def test_docx_keeps_hostile_text_as_text(study, tmp_path):
    d = docx.Document(str(run_report(study, "quotes", "docx", tmp_path / "q.docx").path))
    texts = {c.text for t in d.tables for r in t.rows for c in r.cells}
    assert set(HOSTILE.values()) <= texts


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.attrs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_html_full_report_is_self_contained_and_escaped(study, tmp_path):
    result = run_report(study, "all", "html", tmp_path / "all.html")
    page = result.path.read_text("utf-8")
    parser = Collector()
    parser.feed(page)
    text = "".join(parser.text)
    assert "script" not in parser.tags and "b" not in parser.tags and "a" not in parser.tags
    assert not any(name in ("src", "href") for name, _ in parser.attrs)
    assert "svg" in parser.tags and "rect" in parser.tags  # the prevalence charts, inline
    assert "Survey answer number 1" in text and "30% (n=3)" in text
    assert result.provenance.sha256 in text
    assert "Content-Security-Policy" in page and "http://" not in page.split("<body>")[1].replace(
        "http://www.w3.org/2000/svg", ""
    )
    quotes = Collector()
    quotes.feed(run_report(study, "quotes", "html", tmp_path / "q.html").path.read_text("utf-8"))
    quote_text = "".join(quotes.text)
    assert all(q in quote_text for q in HOSTILE.values())
    assert "script" not in quotes.tags


def test_markdown_report_escapes_quotes(study, tmp_path):
    md = run_report(study, "quotes", "md", tmp_path / "q.md").path.read_text("utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\| pipes \\|" in md and "\\*\\*md\\*\\*" in md and "\\[link\\]" in md
    header = next(line for line in md.splitlines() if line.startswith("| Quote"))
    columns = header.count(" | ") + 1
    for line in md.splitlines():
        if line.startswith("| ") and line != header:
            assert len(line.replace("\\|", "").split(" | ")) == columns, line  # no cell was split by a pipe
    full = run_report(study, "all", "md", tmp_path / "all.md").path.read_text("utf-8")
    assert full.startswith("# Evaluation report: Small study") and "## Contribution analysis" in full


def test_json_file_and_csv_refuses_several_tables(study, tmp_path):
    result = run_report(study, "hls", "json", tmp_path / "hls.json")
    assert json.loads(result.path.read_text("utf-8")) == result.data
    assert run_report(study, "hls", "json").path is None
    prov = Provenance("p", "p.qcdb", "0" * 64, "x", "t", "v")
    two = ReportDoc("t", prov, [Table("a", "A", ["x"], [[1]]), Table("b", "B", ["y"], [[2]])])
    with pytest.raises(InputError, match="CSV holds one table"):
        render(two, "csv")


def test_writers_render_quote_lists_and_control_characters():
    prov = Provenance("p", "p.qcdb", "0" * 64, "x", "t", "v")
    cell = QuoteList([Quote("bell\x07 and \u202eevil", "(Interviewee)", 1, "accepted")], more=2, note="n")
    doc = ReportDoc("t", prov, [Table("k", "K", ["Quotes"], [[cell]])])
    for fmt in ("csv", "md", "html"):
        out = render(doc, fmt).decode("utf-8-sig")
        assert "\x07" not in out and "\u202e" not in out and "bell\ufffd" in out
    wb = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")))
    assert wb["k"]["A2"].value == "n\n\u201cbell\ufffd and \ufffdevil\u201d (Interviewee)\n(+2 more)"
    d = docx.Document(io.BytesIO(render(doc, "docx")))
    assert "bell\ufffd" in d.tables[0].rows[1].cells[0].text
