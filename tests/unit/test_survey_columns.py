"""A survey is read column by column (each distinct answer checked once) and its cases and respondents are
written column by column: the first problem is still the one a row-by-row reading meets first, and what is
stored is what the rows say (attributes, repeated respondents, cases already in the project)."""

from __future__ import annotations

import json

import pytest

from qualcode.app.actions import import_files
from qualcode.core.models import CaseTable
from qualcode.errors import InputError
from qualcode.ingest import ImportOptions, read_document
from qualcode.ingest.survey_spec import parse_spec
from qualcode.store.project import Project

SPEC = {
    "id_column": "id",
    "text_columns": ["said"],
    "questions": [
        {"column": "sector", "type": "single"},
        {"column": "agree", "type": "likert", "scale": ["Yes", "No"]},
        {"columns": ["r_a", "r_b"], "type": "ranking", "key": "rank"},
        {"column": "events", "type": "numeric"},
    ],
}
HEADER = "id,sector,agree,r_a,r_b,events,said"


def options(**kw) -> ImportOptions:
    spec = parse_spec({**SPEC, **kw.pop("spec", {})}, "s.yaml")
    return ImportOptions(spec=spec, **kw)


def write(tmp_path, *rows: str, header: str = HEADER):
    path = tmp_path / "s.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        # row 3's bad number comes before row 4's bad scale point, though its question comes later
        (
            ["R1,a,Yes,1,2,3,x", "R2,a,Yes,1,2,three,x", "R3,a,Maybe,1,2,3,x"],
            "row 3, column 'events': 'three' is not a number",
        ),
        # in one row, the questions' order decides: the scale point before the ranking
        (["R1,a,Maybe,1,1,3,x"], "row 2, column 'agree': 'Maybe' is not on the scale"),
        # the same bad value in two rows: the first row is named
        (["R1,a,Yes,1,2,3,x", "R2,a,Yes,2,2,3,x", "R3,a,Yes,2,2,3,x"], "row 3, column 'r_b': rank 2 is also"),
        # a respondent twice (row 3) is met before a row without an id (row 4) ...
        (["R1,a,Yes,1,2,3,x", "R1,a,Yes,1,2,3,x", ",a,Yes,1,2,3,x"], "'R1' appears twice (rows 2 and 3)"),
        # ... and a row without an id before a respondent twice
        (["R1,a,Yes,1,2,3,x", ",a,Yes,1,2,3,x", "R1,a,Yes,1,2,3,x"], "row 3 has no 'id'"),
        # row problems come before bad answers, wherever they are
        (["R1,a,Maybe,1,2,3,x", "R1,a,Yes,1,2,3,x"], "'R1' appears twice (rows 2 and 3)"),
    ],
)
def test_the_first_problem_is_the_one_a_row_by_row_reading_meets(tmp_path, rows, message):
    with pytest.raises(InputError) as err:
        read_document(write(tmp_path, *rows), options())
    assert message in str(err.value)


def test_closed_answers_are_stored_as_each_row_gives_them(tmp_path):
    path = write(
        tmp_path,
        "R1, a ,yes,2,1, 4 ,first",
        "R2,b,,,,,",
        "R3,a,No,,1,0.5,  spaced  ",
    )
    (doc,) = read_document(path, options())
    survey = doc.survey
    assert survey.cases == ["R1", "R2", "R3"] and survey.rows == [2, 3, 4]
    # trimmed, the scale's own spelling, blanks left out, a ranking's unranked item left out
    assert [json.loads(a) for a in survey.answers] == [
        {"sector": "a", "agree": "Yes", "rank": {"r_a": "2", "r_b": "1"}, "events": "4"},
        {"sector": "b"},
        {"sector": "a", "agree": "No", "rank": {"r_b": "1"}, "events": "0.5"},
    ]
    assert survey.answers[0] == '{"sector":"a","agree":"Yes","rank":{"r_a":"2","r_b":"1"},"events":"4"}'
    assert [doc.text[s.start : s.end] for s in doc.segments] == ["first", "spaced"]
    assert doc.text == "R1 | said\nfirst\n\nR3 | said\n  spaced  "


def test_a_spec_without_open_questions_imports_the_closed_answers(tmp_path):
    path = write(tmp_path, "R1,a,Yes,1,2,3,", "R2,b,No,2,1,4,")
    spec = parse_spec({k: v for k, v in SPEC.items() if k != "text_columns"}, "s.yaml")
    (doc,) = read_document(path, ImportOptions(spec=spec))
    assert doc.segments == [] and doc.text == ""
    assert [json.loads(a)["agree"] for a in doc.survey.answers] == ["Yes", "No"]


def test_case_attributes_with_attr_values_and_blank_cells(new_location, tmp_path):
    """--attr values go to every case; a non-blank cell wins over one; a blank cell is no attribute, but a
    blank --attr value is still given (as before)."""
    path = write(tmp_path, "R1,a,Yes,,,,x,north", "R2,b,Yes,,,,x,", header=HEADER + ",site")
    (doc,) = read_document(path, options(attributes={"site": "south", "team": "", "wave_of": "1"}))
    assert isinstance(doc.cases, CaseTable)
    assert dict(doc.cases) == {
        "R1": {"site": "north", "team": "", "wave_of": "1", "sector": "a"},
        "R2": {"site": "south", "team": "", "wave_of": "1", "sector": "b"},
    }
    project = Project.create(new_location("p"), coder="t")
    many = [f"R{i},a,Yes,,,,x,{'north' if i % 2 else ''}" for i in range(1, 151)]  # > 100: column by column
    import_files(project, [write(tmp_path, *many, header=HEADER + ",site")], options(attributes={"team": ""}))
    stored = project.query(
        "SELECT c.name, a.name AS attr, a.value FROM case_attributes a JOIN cases c ON c.id = a.case_id"
        " WHERE c.name IN ('R1', 'R2') ORDER BY c.name, a.name"
    )
    assert [(r["name"], r["attr"], r["value"]) for r in stored] == [
        ("R1", "sector", "a"),
        ("R1", "site", "north"),
        ("R1", "team", ""),
        ("R2", "sector", "a"),
        ("R2", "team", ""),
    ]
    project.close()


def test_a_respondent_in_two_waves_of_one_file_is_one_case(tmp_path):
    path = write(
        tmp_path,
        "R1,a,Yes,,,,x,2021,north",
        "R1,,No,,,,y,2022,",
        "R2,b,No,,,,z,2022,south",
        header=HEADER + ",wave,site",
    )
    (doc,) = read_document(path, options(spec={"wave_column": "wave"}))
    assert dict(doc.cases) == {"R1": {"sector": "a", "site": "north"}, "R2": {"sector": "b", "site": "south"}}
    assert doc.survey.cases == ["R1", "R1", "R2"] and doc.survey.waves == ["2021", "2022", "2022"]


def test_many_cases_some_already_in_the_project(new_location, tmp_path):
    """Over 100 cases are written column by column; those already in the project keep their id, and a changed
    attribute is updated and logged, as one case at a time would."""
    project = Project.create(new_location("p"), coder="t")
    first = [f"R{i:03d},a,Yes,,,,x" for i in range(1, 151)]
    import_files(project, [write(tmp_path, *first)], options(spec={"instrument": "one"}))
    ids = dict(project.conn.execute("SELECT name, id FROM cases"))
    second = [f"R{i:03d},{'b' if i == 120 else 'a'},Yes,,,,x" for i in range(101, 251)]
    (tmp_path / "two").mkdir()
    import_files(project, [write(tmp_path / "two", *second)], options(spec={"instrument": "two"}, name="two"))
    after = dict(project.conn.execute("SELECT name, id FROM cases"))
    assert len(after) == 250 and all(after[n] == i for n, i in ids.items())
    assert sorted(after[f"R{i:03d}"] for i in range(151, 251)) == list(range(151, 251))
    sectors = dict(
        project.conn.execute(
            "SELECT c.name, a.value FROM case_attributes a JOIN cases c ON c.id = a.case_id"
            " WHERE a.name = 'sector'"
        )
    )
    assert sectors["R120"] == "b" and sectors["R119"] == "a" and sectors["R250"] == "a"
    logged = project.query("SELECT entity_id, detail FROM change_log WHERE action = 'case.attributes'")
    assert [(r["entity_id"], json.loads(r["detail"])) for r in logged] == [
        ("R120", {"before": {"sector": "a"}, "after": {"sector": "b"}})
    ]
    assert project.scalar("SELECT count(*) FROM survey_respondents") == 300
    project.close()


def test_the_widest_separator_that_fails_gives_way_to_a_narrower_one_that_fits(tmp_path):
    """Read with commas the header has 3 columns but row 3 does not fit; with semicolons every row has 2:
    semicolons win, as when every separator was tried over the whole file."""
    path = tmp_path / "s.csv"
    path.write_text("id;said,more,still\nR1;a,b,c\nR2;only one\n", encoding="utf-8")
    (doc,) = read_document(path, ImportOptions(id_column="id", text_columns=["said,more,still"]))
    assert [doc.text[s.start : s.end] for s in doc.segments] == ["a,b,c", "only one"]


def test_xlsx_cells_are_normalised_like_csv_text(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "said"])
    ws.append(["R1", "line one\r\nline two\rthree"])
    wb.save(tmp_path / "s.xlsx")
    (doc,) = read_document(tmp_path / "s.xlsx", ImportOptions(id_column="id", text_columns=["said"]))
    assert [doc.text[s.start : s.end] for s in doc.segments] == ["line one\nline two\nthree"]


def test_the_import_preview_reads_a_survey_held_by_columns(tmp_path):
    from qualcode.app.import_preview import preview_files

    path = write(tmp_path, "R1,a,Yes,,,,first", "R2,b,No,,,,", "R3,a,No,,,, third ")
    (preview,) = preview_files([path], options())
    assert preview["segments"] == 2 and preview["no_case_segments"] == 0
    assert preview["cases"] == [
        {"case": "R1", "segments": 1, "attributes": {"sector": "a"}},
        {"case": "R2", "segments": 0, "attributes": {"sector": "b"}},
        {"case": "R3", "segments": 1, "attributes": {"sector": "a"}},
    ]
    assert [(t["case"], t["text"]) for t in preview["first_turns"]] == [("R1", "first"), ("R3", "third")]
