"""Surveys as data through the CLI: the worked example of docs/surveys.md, checked number by number.

tests/data/surveys/worked-example.csv has 10 respondents (5 wrote open text). By hand:
expectations (Likert, R07 blank): Exceeded 4, Met 3, Partly met 1, Unsure 1 of 9 -> 44.44, 33.33, 11.11, 11.11
  (sum 99.99: each rounded on its own); top-2 = 7/9 = 77.78; with --base all: 40, 30, 10, 10.
topics (multiple, R04 and R10 blank): training 5, networking 4, resources 3 of 8 -> 62.5, 50, 37.5.
rank (3 items; rank r weighs 4 - r): deliver ranks 1,2,1,3,1,2,1,3,2 -> (4x3 + 3x2 + 2x1)/9 = 2.22;
  culture 2,1,3,2,2,1,2,1,3 -> (3x3 + 4x2 + 2x1)/9 = 2.11; partners (R05 left it unranked)
  3,3,2,1,3,3,2,1 -> (2x3 + 2x2 + 4x1)/8 = 1.75, mean rank 18/8 = 2.25.
events (numeric, R06 blank): 5,3,4,2,6,1,3,2,4 -> n 9, mean 30/9 = 3.33, median 3, min 1, max 6.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qualcode.cli import cli
from qualcode.store.project import Project, project_exists
from tests.conftest import project_state

DATA = Path(__file__).resolve().parent.parent / "data" / "surveys"
CSV, SPEC = DATA / "worked-example.csv", DATA / "worked-example.yaml"


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


@pytest.fixture
def survey(runner, project_location):
    path = project_location
    run(runner, "import", path, CSV, "--spec", SPEC, "--create")
    return path


def report(runner, path, *args):
    return json.loads(run(runner, "report", path, "survey", *args).stdout)


def by_key(data, instrument=0):
    return {q["question"]: q for q in data["instruments"][instrument]["questions"]}


def test_worked_example_numbers(runner, survey):
    data = report(runner, survey)
    [inst] = data["instruments"]
    assert (inst["name"], inst["wave"], inst["respondents"]) == ("PDU survey", "2021-06", 10)
    q = by_key(data)
    exp = q["expectations"]
    assert (exp["answered"], exp["base"], exp["type"]) == (9, 9, "likert")
    assert [(o["value"], o["count"], o["percent"]) for o in exp["options"]] == [
        ("Exceeded", 4, 44.44),
        ("Met", 3, 33.33),
        ("Partly met", 1, 11.11),
        ("Unsure", 1, 11.11),
    ]
    assert (exp["top2"]["count"], exp["top2"]["percent"]) == (7, 77.78)
    assert [(o["value"], o["count"], o["percent"]) for o in q["topics"]["options"]] == [
        ("training", 5, 62.5),
        ("networking", 4, 50.0),
        ("resources", 3, 37.5),
    ]
    assert q["topics"]["answered"] == 8
    assert [(i["item"], i["score"], i["mean_rank"], i["answered"]) for i in q["rank"]["items"]] == [
        ("rank_deliver", 2.22, 1.78, 9),
        ("rank_culture", 2.11, 1.89, 9),
        ("rank_partners", 1.75, 2.25, 8),
    ]
    assert q["rank"]["answered"] == 9
    assert q["events"]["stats"] == {"n": 9, "mean": 3.33, "median": 3.0, "min": 1.0, "max": 6.0}


def test_base_all_counts_every_respondent(runner, survey):
    q = by_key(report(runner, survey, "--base", "all"))
    assert q["expectations"]["base"] == 10
    assert [o["percent"] for o in q["expectations"]["options"]] == [40.0, 30.0, 10.0, 10.0]
    assert [o["percent"] for o in q["topics"]["options"]] == [50.0, 40.0, 30.0]


def test_every_respondent_is_a_case_and_counts_in_participants_and_themes(runner, survey):
    cases = json.loads(run(runner, "cases", survey, "--json").stdout)
    assert len(cases) == 10  # 5 wrote open text, 5 did not
    everyone = json.loads(run(runner, "report", survey, "participants", "--format", "json").stdout)[0]
    assert (everyone["cases"], everyone["by_source_type"]) == (10, {"survey": 10})
    with Project.open(survey) as p:
        assert p.scalar("SELECT count(*) FROM segments") == 5
        assert (
            p.scalar(
                "SELECT value FROM case_attributes a JOIN cases c ON c.id = a.case_id"
                " WHERE c.name = 'R04' AND a.name = 'sector'"
            )
            == "voluntary"
        )


def test_cross_tab_by_attribute_and_by_question(runner, survey):
    q = by_key(report(runner, survey, "--question", "expectations", "--by", "sector"))
    groups = {g["group"]: g for g in q["expectations"]["groups"]}
    assert list(groups) == ["private", "statutory", "voluntary"]
    assert [(o["count"], o["percent"]) for o in groups["statutory"]["options"]] == [
        (2, 50.0),
        (1, 25.0),
        (0, 0.0),
        (1, 25.0),
    ]
    assert (groups["voluntary"]["respondents"], groups["voluntary"]["base"]) == (4, 3)
    assert [o["percent"] for o in groups["voluntary"]["options"]] == [0.0, 66.67, 33.33, 0.0]
    q = by_key(report(runner, survey, "--question", "events", "--by", "topics"))
    groups = {g["group"]: g for g in q["events"]["groups"]}
    # Ticked training: R01 5, R02 3, R05 6, R07 1, R08 3 -> mean 18/5 = 3.6; not answered: R04 2, R10 4.
    assert (groups["training"]["stats"]["n"], groups["training"]["stats"]["mean"]) == (5, 3.6)
    assert groups["(not answered)"]["stats"]["mean"] == 3.0


def test_cross_tab_by_code(runner, survey, tmp_path):
    codebook = tmp_path / "cb.yaml"
    codebook.write_text("codes:\n  - {key: refer, label: Referrals}\n")
    run(runner, "codebook", "import", survey, codebook)
    segments = json.loads(run(runner, "segments", survey, "--json").stdout)
    r01 = next(s for s in segments if s["case"] == "R01")
    run(runner, "code", survey, r01["id"], "refer")
    q = by_key(report(runner, survey, "--question", "expectations", "--by", "code:refer"))
    groups = {g["group"]: (g["respondents"], g["answered"]) for g in q["expectations"]["groups"]}
    assert groups == {"with refer": (1, 1), "without refer": (9, 8)}
    run(runner, "report", survey, "survey", "--by", "code:nosuch", code=2)


def test_waves_are_kept_apart_and_compared(new_location, runner, tmp_path):
    path = new_location("w")
    run(runner, "import", path, CSV, "--spec", SPEC, "--create")
    second = tmp_path / "wave2.csv"
    lines = CSV.read_text().splitlines()
    second.write_text("\n".join([lines[0], *[ln.replace("Met", "Exceeded") for ln in lines[1:5]]]) + "\n")
    run(runner, "import", path, second, "--spec", SPEC, "--wave", "2022-06")
    data = report(runner, path, "--question", "expectations")
    assert [(i["wave"], i["respondents"]) for i in data["instruments"]] == [("2021-06", 10), ("2022-06", 4)]
    # Wave 2: R01 Exceeded, R02 Exceeded (was Met), R03 Exceeded, R04 Partly met.
    second_wave = by_key(data, 1)["expectations"]
    assert [o["count"] for o in second_wave["options"]] == [3, 0, 1, 0]
    compared = report(runner, path, "--question", "expectations", "--by", "wave")
    [inst] = compared["instruments"]
    assert inst["wave"] is None and inst["respondents"] == 14
    groups = {g["group"]: g["base"] for g in inst["questions"][0]["groups"]}
    assert groups == {"2021-06": 9, "2022-06": 4}
    only = report(runner, path, "--wave", "2022-06")
    assert [i["respondents"] for i in only["instruments"]] == [4]
    # The same respondents in the same wave again: refused, nothing imported.
    again = run(
        runner,
        "import",
        path,
        second,
        "--spec",
        SPEC,
        "--wave",
        "2022-06",
        "--allow-duplicate",
        "--name",
        "again",
        code=2,
    )
    assert "already in instrument 'PDU survey' wave '2022-06'" in again.stderr


def test_wave_column(new_location, runner, tmp_path):
    path = new_location("wc")
    src = tmp_path / "panel.csv"
    src.write_text("id,wave,score,comment\nA,1,3,good\nA,2,5,\nB,1,4,\nB,2,,better\n")
    result = run(
        runner,
        "import",
        path,
        src,
        "--id-column",
        "id",
        "--text-column",
        "comment",
        "--wave-column",
        "wave",
        "--create",
    )
    assert "score=numeric" in result.stderr  # inferred types are reported
    data = report(runner, path)
    assert [
        (i["wave"], i["respondents"], by_key(data, n)["score"]["stats"]["mean"])
        for n, i in enumerate(data["instruments"])
    ] == [("1", 2, 3.5), ("2", 2, 5.0)]


def test_inferred_types_without_a_spec(new_location, runner, tmp_path):
    path = new_location("inf")
    result = run(
        runner,
        "import",
        path,
        CSV,
        "--id-column",
        "respondent_id",
        "--text-column",
        "what_changed",
        "--create",
    )
    assert "sector=single (3 values)" in result.stderr and "events=numeric" in result.stderr
    q = by_key(report(runner, path))
    assert q["sector"]["type"] == "single" and q["events"]["stats"]["mean"] == 3.33
    assert q["rank_deliver"]["type"] == "numeric"


SPEC_ERRORS = [
    ("expectations,Exeeded", "row 2, column 'expectations': 'Exeeded' is not on the scale"),
    ("rank_deliver,4", "row 2, column 'rank_deliver': rank '4' is not a whole number from 1 to 3"),
    ("rank_culture,1", "row 2, column 'rank_culture': rank 1 is also given to 'rank_deliver'"),
    ("events,five", "row 2, column 'events': 'five' is not a number"),
]


@pytest.mark.parametrize(("change", "message"), SPEC_ERRORS)
def test_bad_values_are_one_line_exit_2_and_nothing_imported(runner, survey, tmp_path, change, message):
    column, value = change.split(",")
    lines = CSV.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    before = project_state(survey)
    result = run(runner, "import", survey, bad, "--spec", SPEC, "--wave", "2099", code=2)
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert project_state(survey) == before


@pytest.mark.parametrize(
    ("spec_text", "message"),
    [
        (
            "questions:\n  - {column: nosuch, type: single}\n",
            "names column 'nosuch', which the file does not have",
        ),
        ("questions:\n  - {column: sector, type: stars}\n", "type must be one of single"),
        ("questions:\n  - {column: expectations, type: likert}\n", "needs scale"),
        ("questions:\n  - {columns: [rank_deliver], type: ranking}\n", "at least two item columns"),
        ("instrument: X\nwave: 1\nwave_column: w\n", "give wave or wave_column, not both"),
        ("questions: [\n", "not valid YAML"),
    ],
)
def test_bad_specs(new_location, runner, tmp_path, spec_text, message):
    spec = tmp_path / "bad.yaml"
    spec.write_text("id_column: respondent_id\ntext_columns: [what_changed]\n" + spec_text)
    path = new_location("p")
    shutil.copy(CSV, tmp_path / "s.csv")
    result = run(runner, "import", path, tmp_path / "s.csv", "--spec", spec, "--create", code=2)
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not project_exists(path)


def test_document_formats_and_numeric_xlsx_cells(runner, survey, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "s.xlsx"
    run(runner, "report", survey, "survey", "--format", "xlsx", "-o", out)
    ws = load_workbook(out)["survey"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    exceeded = next(
        r
        for r in rows
        if r[header.index("Question")] == "expectations" and r[header.index("Value")] == "Exceeded"
    )
    assert (exceeded[header.index("n")], exceeded[header.index("%")], exceeded[header.index("Base")]) == (
        4,
        44.44,
        9,
    )
    for fmt in ("html", "md", "docx", "csv"):
        run(runner, "report", survey, "survey", "--format", fmt, "-o", tmp_path / f"s.{fmt}")
    html = (tmp_path / "s.html").read_text()
    assert "<svg" in html and "Top 2: Exceeded + Met" in html
    md = (tmp_path / "s.md").read_text()
    assert "| Exceeded | 4 | 44.4 |" in md and "add up to 99.99 rather than 100" in md


def test_survey_options_only_for_the_survey_report(runner, survey):
    result = run(runner, "report", survey, "themes", "--wave", "1", code=2)
    assert "--wave applies to the survey report only" in result.output
    run(runner, "report", survey, "survey", "--instrument", "nope", code=2)
    run(runner, "report", survey, "survey", "--question", "nope", "--instrument", "PDU survey", code=2)


def test_a_column_of_many_different_words_is_not_made_a_question(new_location, runner, tmp_path):
    path = new_location("names")
    src = tmp_path / "names.csv"
    src.write_text(
        "id,email,comment\n" + "".join(f"R{i},person{i}@example.org,fine {i}\n" for i in range(15))
    )
    result = run(runner, "import", path, src, "--id-column", "id", "--text-column", "comment", "--create")
    assert "email=not a question (15 different values)" in result.stderr
    assert by_key(report(runner, path)) == {}  # e-mail addresses are never counted into a survey report
    cases = json.loads(run(runner, "cases", path, "--json").stdout)
    assert cases[0]["attributes"] == {"email": "person0@example.org"}  # still an attribute, as before


def test_likert_charts_are_stacked_bars(runner, survey, tmp_path):
    from qualcode.app.survey import SurveyRequest, survey_report
    from qualcode.core.reportdoc import BarChart

    with Project.open(survey) as p:
        _, doc = survey_report(p, SurveyRequest(questions=("expectations", "topics"), by="sector"))
    charts = [b for b in doc.blocks if isinstance(b, BarChart)]
    likert, multiple = charts
    assert likert.stacked and not multiple.stacked
    # One bar per group, the scale's points stacked in order; statutory: 50 + 25 + 0 + 25.
    assert likert.categories == ["private (n=2)", "statutory (n=4)", "voluntary (n=3)"]
    assert [(name, values[1]) for name, values in likert.series] == [
        ("Exceeded", 50.0),
        ("Met", 25.0),
        ("Partly met", 0.0),
        ("Unsure", 25.0),
    ]
    out = tmp_path / "s.html"
    run(
        runner,
        "report",
        survey,
        "survey",
        "--by",
        "sector",
        "--question",
        "expectations",
        "--format",
        "html",
        "-o",
        out,
    )
    assert out.read_text().count("<svg") == 1
    run(runner, "report", survey, "survey", "--by", "sector", "--format", "docx", "-o", tmp_path / "s.docx")


def test_xlsx_survey_with_dates_numbers_and_a_spec(new_location, runner, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "when", "score", "feel", "note"])
    ws.append(["A", dt.datetime(2021, 6, 30), 4.0, "good", "fine"])
    ws.append(["B", dt.datetime(2021, 7, 2), 2.5, "Bad", None])
    src = tmp_path / "s.xlsx"
    wb.save(src)
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "id_column: id\ntext_columns: [note]\nquestions:\n  - {column: when, type: date}\n"
        "  - {column: score, type: numeric}\n  - {column: feel, type: likert, scale: [Good, Bad]}\n"
    )
    path = new_location("x")
    run(runner, "import", path, src, "--spec", spec, "--create")
    q = by_key(report(runner, path))
    assert q["when"]["stats"] == {"n": 2, "min": "2021-06-30", "max": "2021-07-02"}  # Excel dates, no time
    assert (q["score"]["stats"]["mean"], q["score"]["stats"]["median"]) == (3.25, 3.25)
    assert [(o["value"], o["count"]) for o in q["feel"]["options"]] == [
        ("Good", 1),
        ("Bad", 1),
    ]  # case ignored


def test_theme_tables_can_take_one_instrument(runner, survey, tmp_path):
    # A second instrument: the same file as a follow-up, its respondents F-R01 ... F-R10.
    run(
        runner,
        "import",
        survey,
        CSV,
        "--spec",
        SPEC,
        "--instrument",
        "Follow-up",
        "--case-prefix",
        "F",
        "--name",
        "follow-up",
        "--allow-duplicate",
    )
    codebook = tmp_path / "cb.yaml"
    codebook.write_text("codes:\n  - {key: refer, label: Referrals}\n")
    run(runner, "codebook", "import", survey, codebook)
    segments = json.loads(run(runner, "segments", survey, "--json").stdout)
    for case in ("R01", "F-R01", "F-R03"):
        run(runner, "code", survey, next(s["id"] for s in segments if s["case"] == case), "refer")

    def survey_column(*args):
        [row] = json.loads(run(runner, "report", survey, "themes", "--format", "json", *args).stdout)
        return row["by_source_type"]["survey"]

    both, first, follow_up = (
        survey_column(),
        survey_column("--instrument", "PDU survey"),
        survey_column("--instrument", "Follow-up"),
    )
    assert (both["cases"], both["total_cases"]) == (
        3,
        20,
    )  # every respondent of both instruments is in the base
    assert (first["cases"], first["total_cases"]) == (1, 10)
    assert (follow_up["cases"], follow_up["total_cases"]) == (2, 10)
    result = run(runner, "report", survey, "themes", "--instrument", "nope", code=2)
    assert "no survey instrument 'nope'" in result.stderr
