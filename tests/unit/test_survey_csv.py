"""Survey CSV import keeps every answer whole: real-shaped exports, every dialect csv.writer can write, and
rows that do not fit are refused with their row number."""

from __future__ import annotations

import csv
import io
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.ingest import ImportOptions, read_document
from qualcode.ingest.common import normalise_text
from tests.conftest import run_cli

SURVEYS = Path(__file__).resolve().parent.parent / "data" / "surveys"


def answers(doc) -> dict[tuple[str, str], str]:
    """(case, question) -> stored segment text, checking each segment is its own span of the document."""
    out = {}
    for seg in doc.segments:
        assert seg.end > seg.start
        out[(seg.case, seg.question)] = doc.text[seg.start : seg.end]
    return out


def expected(
    path: Path, encoding: str, delimiter: str, id_col: str, text_cols: list[str], skip_rows: int = 0
):
    """The answers as Python's csv module reads the file when told its dialect (nothing guessed)."""
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    header, body = rows[0], rows[1 + skip_rows :]
    out = {}
    for row in body:
        for col in text_cols:
            value = normalise_text(row[header.index(col)]).strip()
            if value:
                out[(row[header.index(id_col)], col)] = value
    return out


SM_TEXT = ["What, if anything, has changed in how you work since the PDU?", "Any other comments?"]


@pytest.mark.parametrize(
    ("file", "encoding", "delimiter", "id_col", "text_cols", "skip_rows", "n_answers"),
    [
        ("surveymonkey.csv", "utf-8", ",", "Respondent ID", SM_TEXT, 1, 4),
        ("qualtrics.csv", "utf-8-sig", ",", "ResponseId", ["Q2_TEXT"], 2, 2),
        (
            "google-forms.csv",
            "utf-8",
            ",",
            "Timestamp",
            ["What will you do differently after today's session?"],
            0,
            2,
        ),
        ("microsoft-forms.csv", "utf-8-sig", ",", "ID", ["Tell us about a change you have made"], 0, 2),
        ("excel-utf8.csv", "utf-8-sig", ",", "respondent", ["answer"], 0, 3),
        ("european-semicolon.csv", "cp1252", ";", "respondent", ["answer"], 0, 2),
    ],
)
def test_real_shaped_exports_import_whole(file, encoding, delimiter, id_col, text_cols, skip_rows, n_answers):
    path = SURVEYS / file
    (doc,) = read_document(
        path, ImportOptions(id_column=id_col, text_columns=text_cols, source_type="survey")
    )
    want = expected(path, encoding, delimiter, id_col, text_cols, skip_rows)
    got = {(case, q): text for (case, q), text in answers(doc).items()}
    assert len(want) == n_answers
    assert got == want


def test_qualtrics_and_surveymonkey_header_rows_are_not_respondents():
    (qt,) = read_document(
        SURVEYS / "qualtrics.csv", ImportOptions(id_column="ResponseId", text_columns=["Q2_TEXT"])
    )
    assert sorted(qt.cases) == ["R_1abcDEF234ghIJ5", "R_2klmNOP678qrST9", "R_3uvwXYZ012abCD3"]
    assert qt.cases["R_1abcDEF234ghIJ5"]["Q1"] == "Housing"
    assert any("Qualtrics" in w for w in qt.warnings)
    (sm,) = read_document(
        SURVEYS / "surveymonkey.csv", ImportOptions(id_column="Respondent ID", text_columns=SM_TEXT)
    )
    assert sorted(sm.cases) == ["11402345671", "11402345672", "11402345673"]
    # The option columns under one question are named "question - option".
    assert sm.cases["11402345672"]["Which events did you attend? - Housing First"] == "Housing First"
    assert (
        sm.cases["11402345672"]["Which events did you attend? - Other (please specify)"] == "Women's services"
    )


def test_apostrophes_do_not_make_quotes_of_single_quotes(tmp_path):
    """The bug csv.Sniffer caused: with 'joined up' in the text it chose ' as the quote character and cut
    every double-quoted answer at its first comma."""
    phrases = [
        "it felt 'joined up'",
        "'joined up','person-centred'",
        "Before, we worked alone; now, with the hub, we don't",
    ]
    rows = [["respondent", "answer"]] + [[f"R{i}", phrases[i % 3]] for i in range(40)]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp_path / "s.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    (doc,) = read_document(path, ImportOptions(id_column="respondent", text_columns=["answer"]))
    assert [doc.text[s.start : s.end] for s in doc.segments] == [r[1] for r in rows[1:]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'id,answer\nR1,fine\nR2,"one, two",extra\nR3,ok\n',
            r"row 3 \(line 3\) has 3 field\(s\) but the header has 2",
        ),
        ('id,answer\nR1,"never closed\nR2,ok\n', r"row 2 \(line 2\) has a broken quote"),
        ('id,answer\nR1,"closed"then text\n', r"row 2 \(line 2\) has a broken quote"),
        ("a;b,c\n1;2,3\n", "could be comma or semicolon; choose it with --delimiter"),
    ],
)
def test_rows_that_do_not_fit_are_refused_with_their_number(tmp_path, body, message):
    path = tmp_path / "s.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_document(path, ImportOptions(id_column="id", text_columns=["answer"]))


def test_named_delimiter_is_used(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id;answer,with comma\nR1;yes, really\n", encoding="utf-8")
    (doc,) = read_document(
        path, ImportOptions(id_column="id", text_columns=["answer,with comma"], delimiter=";")
    )
    assert [doc.text[s.start : s.end] for s in doc.segments] == ["yes, really"]


def test_answer_spacing_is_kept_in_the_document(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('id,answer\nR1,"  two leading, two trailing  "\n', encoding="utf-8")
    (doc,) = read_document(path, ImportOptions(id_column="id", text_columns=["answer"]))
    (seg,) = doc.segments
    assert doc.text[seg.start : seg.end] == "two leading, two trailing"
    assert "  two leading, two trailing  " in doc.text


# Answers: any text a respondent can type, including quotes, apostrophes, separators and line breaks.
_answer = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
    | st.sampled_from(list("\n\r\t\"',;| ")),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    answers_=st.lists(_answer.filter(lambda a: a.strip()), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    lineterminator=st.sampled_from(["\r\n", "\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    attribute=st.sampled_from(["Housing", "it's 'joined up'", "a, b; c"]),
)
def test_anything_csv_writer_writes_imports_back_exactly(
    tmp_path_factory, answers_, delimiter, quoting, lineterminator, encoding, attribute
):
    rows = [["respondent", "role", "answer"]] + [[f"R{i}", attribute, a] for i, a in enumerate(answers_)]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=lineterminator).writerows(rows)
    # csv.writer leaves a lone "\r" unquoted when the line ends are "\n"; no reader (csv's own included) can
    # read such a file back, so the property covers the files csv itself round-trips.
    assume(list(csv.reader(io.StringIO(buf.getvalue(), newline=""), delimiter=delimiter)) == rows)
    path = tmp_path_factory.mktemp("prop") / "survey.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    (doc,) = read_document(path, ImportOptions(id_column="respondent", text_columns=["answer"]))
    got = [doc.text[s.start : s.end] for s in doc.segments]
    assert got == [normalise_text(a).strip() for a in answers_]
    assert all(doc.cases[f"R{i}"]["role"] == attribute for i in range(len(answers_)))


def test_check_against_finds_answers_cut_by_an_earlier_import(new_location, tmp_path, runner):
    full = tmp_path / "full" / "survey.csv"
    cut = tmp_path / "cut" / "survey.csv"
    full.parent.mkdir()
    cut.parent.mkdir()
    full.write_text(
        'respondent,answer\nR1,"Before, we worked alone"\nR2,Fine\nR3,"Now, together"\n', encoding="utf-8"
    )
    # What the sniffer-era import stored: each quoted answer cut at its first comma; R3 lost entirely.
    cut.write_text("respondent,answer\nR1,Before\nR2,Fine\n", encoding="utf-8")
    project = new_location("p")
    run_cli(runner, "import", project, cut, "--create", "--text-column", "answer")
    result = run_cli(runner, "check", project, "--against", full, "--json", code=1)
    import json

    report = json.loads(result.stdout)["survey"]
    assert (report["identical"], report["cut"], report["missing"], report["different"]) == (1, 1, 1, 0)
    assert {(p["respondent"], p["problem"]) for p in report["problems"]} == {("R1", "cut"), ("R3", "missing")}
    # The same file imported whole checks clean.
    project2 = new_location("p2")
    run_cli(runner, "import", project2, full, "--create", "--text-column", "answer")
    ok = run_cli(runner, "check", project2, "--against", full)
    assert "3 of 3 answer(s) in the file identical" in ok.stdout


def test_semicolon_codings_csv_imports(demo_location, tmp_path, runner):
    """European Excel saves CSV with semicolons; codings import reads them like surveys."""
    project = demo_location
    seg = run_cli(runner, "segments", project, "--json", "--limit", "5")
    import json

    first = json.loads(seg.stdout)[0]
    path = tmp_path / "codings.csv"
    path.write_text(
        f'segment_id;code;memo\n{first["id"]};practice.awareness;"seen; noted, twice"\n', encoding="utf-8"
    )
    result = run_cli(runner, "codings", "import", project, path, "--coder", "eva", "--json")
    assert json.loads(result.stdout)["added"] == 1


def test_a_file_without_the_named_text_column_is_refused(tmp_path):
    """A file whose only column is the id has no text column to import: refused with one clear message."""
    path = tmp_path / "s.csv"
    path.write_text("id\n" + "\n".join(string.ascii_uppercase) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no text column 'answer'"):
        read_document(path, ImportOptions(id_column="id", text_columns=["answer"]))
