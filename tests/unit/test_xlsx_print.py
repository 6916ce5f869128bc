"""XLSX for printing: header row repeated on every page, fitted to the page width, landscape where wide, and
explicit heights for rows with wrapped text (which neither Excel nor LibreOffice sizes when opening a file)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from qualcode.core.reportdoc import Provenance, ReportDoc, Table
from qualcode.export.render import render
from qualcode.export.xlsx import row_height


def doc_with(*tables: Table) -> ReportDoc:
    return ReportDoc(
        "Printing",
        Provenance(
            project="p",
            file="p.qcdb",
            sha256="0" * 64,
            hash_method="sha256",
            generated="now",
            qualcode_version="0",
        ),
        list(tables),
    )


def test_row_height_is_the_lines_the_tallest_wrapped_cell_needs():
    # A 70-character column takes int(70 * 1.1) - 2 = 75 characters a line; 15 points a line, 3 to spare.
    assert row_height(["x" * 75], [70.0], {0}) is None  # one line: the default height is right
    assert row_height(["x" * 76], [70.0], {0}) == 33.0  # two lines
    assert row_height(["a\nb\nc", "y" * 300], [10.0, 70.0], {0, 1}) == 63.0  # 300/75 = 4 lines beat 3
    assert row_height(["y" * 300], [70.0], set()) is None  # only wrapped columns count
    assert row_height(["z" * 100_000], [70.0], {0}) == 409.0  # Excel's tallest row


@pytest.fixture
def workbook():
    narrow = Table("narrow", "Narrow", ["a", "b"], [["1", "2"]])
    quotes = Table(
        "quotes",
        "Quotes",
        ["id", "text", "who"],
        [[1, "word " * 40, "Interviewee"], [2, "short", "Survey respondent"]],
        quote_columns=frozenset({1}),
    )
    wide = Table(
        "wide", "Wide", [f"column number {i}" for i in range(12)], [[str(i) for i in range(12)]], wide=True
    )
    grid = Table(
        "grid", "Matrix", ["case", *[f"theme.number-{i}" for i in range(25)]], [["P1", *range(25)]], wide=True
    )
    text = Table("text", "Text", ["a", "b", "c", "d", "e", "f"], [["t" * 70] * 6])
    data = render(doc_with(narrow, quotes, wide, grid, text), "xlsx")
    return openpyxl.load_workbook(io.BytesIO(data))


def test_every_table_sheet_prints_fitted_to_width_with_its_header_on_each_page(workbook):
    for name in ("narrow", "quotes", "wide"):
        ws = workbook[name]
        assert ws.print_title_rows == "$1:$1"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (
            1,
            0,
        )  # one page wide, any number down
        assert ws.page_setup.paperSize == 9  # A4
        assert "&P" in ws.oddFooter.center.text
    about = workbook["About"]
    assert about.sheet_properties.pageSetUpPr.fitToPage is True and about.print_title_rows is None


def test_landscape_only_where_the_columns_are_wide(workbook):
    assert workbook["narrow"].page_setup.orientation == "portrait"
    # Headers longer than 14 characters wrap instead of widening a column: 12 columns of 14 = 168 > 110.
    assert workbook["wide"].page_setup.orientation == "landscape"
    assert workbook["wide"].column_dimensions["A"].width == 14


def test_a_wide_grid_spreads_across_pages_repeating_its_first_column(workbook):
    grid = workbook["grid"]  # 6 + 25 columns of 14 = 356 characters: two pages across, 'case' on each
    assert (grid.page_setup.fitToWidth, grid.print_title_cols) == (2, "$A:$A")
    assert grid.row_dimensions[1].height == 33.0  # 'theme.number-10' wraps onto a second line
    text = workbook["text"]  # 6 columns of 70 = 420 characters of text: each row stays whole on one page
    assert (text.page_setup.fitToWidth, text.print_title_cols) == (1, None)


def test_wrapped_rows_get_an_explicit_height_and_read_from_the_top(workbook):
    ws = workbook["quotes"]
    # "word " * 40 is 200 characters in a column sized to its longest line, capped at 70: 200/75 -> 3 lines.
    assert ws.column_dimensions["B"].width == 70
    assert ws.row_dimensions[2].height == 48.0 and ws.row_dimensions[2].customHeight
    assert ws.row_dimensions[3].height is None  # "short" needs one line
    assert ws["B2"].alignment.wrap_text and ws["A2"].alignment.vertical == "top"
