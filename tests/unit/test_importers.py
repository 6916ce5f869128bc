import io
import zipfile

import docx
import openpyxl
import pytest

from qualcode.errors import InputError
from qualcode.ingest import ImportOptions, read_document
from tests.conftest import write


def texts(doc):
    return [(s.speaker, s.case, doc.text[s.start : s.end]) for s in doc.segments]


# -- plain text and Markdown ------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_text_encodings_and_line_endings(tmp_path, encoding, newline):
    body = newline.join(["Interviewer: Did the café session help?", "Ruth: Yes – I’d say so, naïvely.", ""])
    (doc,) = read_document(write(tmp_path / "int.txt", body, encoding), ImportOptions(case="INT02"))
    assert texts(doc) == [
        ("Interviewer", None, "Did the café session help?"),
        ("Ruth", "INT02", "Yes – I’d say so, naïvely."),
    ]
    assert "\r" not in doc.text
    assert doc.source_type == "interview" and doc.cases == {"INT02": {}}


def test_sha256_is_of_the_original_bytes(tmp_path):
    import hashlib

    data = b"Interviewer: a\nP1: b\n"
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    assert read_document(path)[0].sha256 == hashlib.sha256(data).hexdigest()


def test_focus_group_speakers_become_cases(tmp_path):
    body = "Facilitator: Welcome.\nP1: Hi.\nP2: Hello.\nP1: Me again.\n"
    opts = ImportOptions(
        source_type="focus-group",
        case_prefix="FG1",
        attributes={"group": "practitioners"},
        speakers={"P1": {"sector": "statutory"}},
    )
    (doc,) = read_document(write(tmp_path / "fg.txt", body), opts)
    assert [s.case for s in doc.segments] == [None, "FG1-P1", "FG1-P2", "FG1-P1"]
    assert doc.cases == {
        "FG1-P1": {"group": "practitioners", "sector": "statutory"},
        "FG1-P2": {"group": "practitioners"},
    }


def test_source_type_is_guessed_when_not_given(tmp_path):
    assert read_document(write(tmp_path / "a.txt", "Interviewer: x\nP1: y\n"))[0].source_type == "interview"
    assert (
        read_document(write(tmp_path / "b.txt", "Moderator: x\nP1: y\nP2: z\n"))[0].source_type
        == "focus-group"
    )
    assert read_document(write(tmp_path / "c.md", "# Notes\n\n- one\n- two\n"))[0].source_type == "document"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"caf\x81\x8d\x90 text", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_broken_text_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_document(path)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot import this kind of file"):
        read_document(write(tmp_path / "a.xyz", "x"))
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "nope.txt")


def test_size_limit(tmp_path):
    path = write(tmp_path / "big.txt", "P1: " + "x" * 5000)
    with pytest.raises(InputError, match="over the"):
        read_document(path, ImportOptions(max_bytes=1000))


# -- Word ---------------------------------------------------------------------------------------------------
def make_docx(path, paragraphs, table=False):
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        d.add_table(rows=1, cols=1)
    d.save(path)
    return path


def test_docx_turns_and_continuation_paragraphs(tmp_path):
    path = make_docx(
        tmp_path / "int3.docx",
        [
            "Interview 3 – transcript",
            "Interviewer: What changed?",
            "P3: We refer earlier.",
            "And we ring the hostel first.",
            "Interviewer: Thanks.",
        ],
        table=True,
    )
    (doc,) = read_document(path, ImportOptions(case="INT03"))
    assert texts(doc) == [
        (None, None, "Interview 3 – transcript"),  # a title in a transcript is nobody's words: no case
        ("Interviewer", None, "What changed?"),
        ("P3", "INT03", "We refer earlier.\n\nAnd we ring the hostel first."),
        ("Interviewer", None, "Thanks."),
    ]
    assert doc.warnings and "table" in doc.warnings[0]


def test_fake_and_broken_docx(tmp_path):
    with pytest.raises(InputError, match="not a valid zip"):
        read_document(write(tmp_path / "fake.docx", "just text"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a word file")
    (tmp_path / "zip.docx").write_bytes(buf.getvalue())
    with pytest.raises(InputError, match="not a readable Word document"):
        read_document(tmp_path / "zip.docx")


# -- WebVTT ---------------------------------------------------------------------------------------------------
VTT = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
<v Interviewer>Thanks for joining.</v>

2
00:00:03.500 --> 00:00:05.000
<v Dr Anika Rao>Happy to &amp; glad.</v>

3
00:00:05.000 --> 00:00:07.000
<v Dr Anika Rao>The sessions ran monthly.</v>

00:00:07.500 --> 00:00:08.000
<v Interviewer>Right.</v>
"""


def test_vtt_merges_consecutive_cues_of_a_speaker(tmp_path):
    (doc,) = read_document(write(tmp_path / "int4.vtt", VTT), ImportOptions(case="INT04"))
    assert texts(doc) == [
        ("Interviewer", None, "Thanks for joining."),
        ("Dr Anika Rao", "INT04", "Happy to & glad. The sessions ran monthly."),
        ("Interviewer", None, "Right."),
    ]


def test_zoom_style_vtt_labels(tmp_path):
    body = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nSam Lee: Hello there\n\n00:00:02.000 --> 00:00:03.000\nSam Lee: again\n"
    (doc,) = read_document(write(tmp_path / "z.vtt", body))
    assert texts(doc) == [("Sam Lee", "z", "Hello there again")]


def test_broken_vtt(tmp_path):
    with pytest.raises(InputError, match="not a valid WebVTT"):
        read_document(write(tmp_path / "bad.vtt", "not a caption file\nat all\n"))


# -- surveys -------------------------------------------------------------------------------------------------
SURVEY = (
    "respondent_id,sector,work_field,q1,q2\n"
    'R001,voluntary,housing,"I signpost more, and earlier.",\n'
    "R002,statutory,probation,,Network\n"
    'R003,private,other,"N/A","Line one\nline two"\n'
)


def test_csv_survey(tmp_path):
    opts = ImportOptions(id_column="respondent_id", text_columns=["q1", "q2"])
    (doc,) = read_document(write(tmp_path / "survey.csv", SURVEY), opts)
    assert doc.source_type == "survey"
    assert [(s.case, s.question, doc.text[s.start : s.end]) for s in doc.segments] == [
        ("R001", "q1", "I signpost more, and earlier."),
        ("R002", "q2", "Network"),
        ("R003", "q1", "N/A"),
        ("R003", "q2", "Line one\nline two"),
    ]
    assert doc.cases["R002"] == {"sector": "statutory", "work_field": "probation"}


def test_semicolon_csv_and_guessed_id_column(tmp_path):
    body = "Respondent ID;sector;answer\n1;voluntary;Good stuff\n2;statutory;More please\n"
    (doc,) = read_document(write(tmp_path / "s.csv", body, "cp1252"), ImportOptions(text_columns=["answer"]))
    assert [s.case for s in doc.segments] == ["1", "2"]


def test_xlsx_survey(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "sector", "attended", "open"])
    ws.append(["R1", "voluntary", 3, "Confidence to challenge"])
    ws.append(["R2", "statutory", 1.0, None])
    ws.append(["R3", "statutory", 2, "Knowing who to ring"])
    wb.save(tmp_path / "s.xlsx")
    (doc,) = read_document(tmp_path / "s.xlsx", ImportOptions(id_column="id", text_columns=["open"]))
    assert [(s.case, doc.text[s.start : s.end]) for s in doc.segments] == [
        ("R1", "Confidence to challenge"),
        ("R3", "Knowing who to ring"),
    ]
    assert doc.cases["R2"] == {"sector": "statutory", "attended": "1"}


def test_source_type_column_splits_documents(tmp_path):
    body = "id,type,text\n1,survey,a\n2,workshop,b\n3,survey,c\n"
    docs = read_document(
        write(tmp_path / "mixed.csv", body),
        ImportOptions(id_column="id", text_columns=["text"], source_type_column="type"),
    )
    assert [(d.name, d.source_type, len(d.segments)) for d in docs] == [
        ("mixed-survey", "survey", 2),
        ("mixed-workshop", "workshop", 1),
    ]
    assert docs[0].sha256 != docs[1].sha256


@pytest.mark.parametrize(
    ("body", "opts", "message"),
    [
        (SURVEY, {"id_column": "nope", "text_columns": ["q1"]}, "no id column 'nope'"),
        (SURVEY, {"id_column": "respondent_id", "text_columns": ["q9"]}, "no text column 'q9'"),
        (SURVEY, {"id_column": "respondent_id"}, "choose the open-text columns"),
        ("a,b\n1,x\n", {"text_columns": ["b"]}, "choose the respondent id column"),
        ("id,t\nR1,x\nR1,y\n", {"id_column": "id", "text_columns": ["t"]}, "appears twice"),
        ("id,t\nR1,\nR2,\n", {"id_column": "id", "text_columns": ["t"]}, "every answer"),
        ("id,t\n", {"id_column": "id", "text_columns": ["t"]}, "at least one respondent"),
        ("id,id\nR1,x\n", {"id_column": "id", "text_columns": ["id"]}, "both called"),
        (
            "id,t,kind\nR1,x,podcast\n",
            {"id_column": "id", "text_columns": ["t"], "source_type_column": "kind"},
            "source type must be one of",
        ),
    ],
)
def test_broken_surveys(tmp_path, body, opts, message):
    with pytest.raises(InputError, match=message):
        read_document(write(tmp_path / "s.csv", body), ImportOptions(**opts))


def test_fake_xlsx(tmp_path):
    with pytest.raises(InputError, match="not a valid zip"):
        read_document(
            write(tmp_path / "s.xlsx", "id,t\n1,x\n"), ImportOptions(id_column="id", text_columns=["t"])
        )
