"""Monitoring figures: wide and long tables, categories, re-import that updates (logged), bad numbers refused."""

from __future__ import annotations

import json

import pytest

from qualcode.cli import cli
from qualcode.store.project import Project
from tests.conftest import project_state


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


@pytest.fixture
def project(runner, project_location):
    path = project_location
    run(runner, "init", path)
    return path


def measures(runner, path, *args):
    data = json.loads(run(runner, "report", path, "monitoring", *args).stdout)["measures"]
    return {(m["measure"], m["breakdown"]): m for m in data}


def test_wide_table_with_change_from_first_to_last_period(runner, project, tmp_path):
    wide = tmp_path / "activity.csv"
    wide.write_text('year,events,attendance\nYear 1,12,164\nYear 2,15,"1,210"\nYear 4,22,385\n')
    run(runner, "monitoring", "import", project, wide)
    m = measures(runner, project)
    attendance = m["attendance", None]
    assert [(v["period"], v["value"]) for v in attendance["values"]] == [
        ("Year 1", 164),
        ("Year 2", 1210),
        ("Year 4", 385),
    ]
    # "attendance rose from 164 in year 1 to 385 in year 4": +221, 221 / 164 = 134.76%.
    [change] = attendance["change"]
    assert (change["from"], change["to"], change["change"], change["percent"]) == (164, 385, 221, 134.76)
    assert m["events", None]["change"][0]["percent"] == 83.33  # 12 -> 22


def test_long_table_by_category_and_reimport_updates(runner, project, tmp_path):
    long = tmp_path / "by-sector.csv"
    long.write_text(
        "measure,period,sector,value\nattendance,2021,housing,60\nattendance,2021,probation,30\n"
        "attendance,2024,housing,150\n"
    )
    run(runner, "monitoring", "import", project, long, "--by", "sector")
    m = measures(runner, project, "--by", "sector")["attendance", "sector"]
    assert m["categories"] == ["housing", "probation"]
    assert [(c["category"], c["percent"]) for c in m["change"]] == [
        ("housing", 150.0)
    ]  # probation: one period
    long.write_text("measure,period,sector,value\nattendance,2021,housing,65\n")
    result = json.loads(run(runner, "monitoring", "import", project, long, "--by", "sector", "--json").stdout)
    assert (result["added"], result["changed"]) == (0, 1)
    with Project.open(project) as p:
        logs = [
            json.loads(r[0])
            for r in p.conn.execute(
                "SELECT detail FROM change_log WHERE action = 'monitoring.import' ORDER BY id"
            )
        ]
    assert logs[-1]["replaced"] == [
        {"measure": "attendance", "period": "2021", "category": "housing", "before": 60.0, "after": 65.0}
    ]
    run(runner, "report", project, "monitoring", "--by", "region", code=2)


def test_xlsx_cells_are_numbers_and_documents_have_charts(runner, project, tmp_path):
    from openpyxl import load_workbook

    wide = tmp_path / "a.csv"
    wide.write_text("year,events\n2021,12\n2022,15\n")
    run(runner, "monitoring", "import", project, wide)
    run(runner, "report", project, "monitoring", "--format", "xlsx", "-o", tmp_path / "m.xlsx")
    rows = list(load_workbook(tmp_path / "m.xlsx")["monitoring"].iter_rows(values_only=True))
    assert rows[1:] == [("events", None, None, "2021", 12), ("events", None, None, "2022", 15)]
    run(runner, "report", project, "monitoring", "--format", "html", "-o", tmp_path / "m.html")
    html = (tmp_path / "m.html").read_text()
    assert "<svg" in html and ">15</text>" in html  # counts, not percentages
    run(runner, "report", project, "monitoring", "--format", "docx", "-o", tmp_path / "m.docx")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year,events\n2021,twelve\n", "row 2, column 'events': 'twelve' is not a number"),
        ("year,events\n2021,12\n2021,13\n", "'events' for '2021' is on rows 2 and 3"),
        ("year,events\n", "no rows"),
    ],
)
def test_bad_tables_change_nothing(runner, project, tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    before = project_state(project)
    result = run(runner, "monitoring", "import", project, bad, code=2)
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert project_state(project) == before
