"""REFI-QDA fixes of issue 15: identical sources, no invented speakers or users, isCodable kept, names from
paths, bare .qde, and a second coder's export added with --as-coder (then compared by `agreement`)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import ROOT, db, run_cli, zip_bytes

NS = "urn:QDA-XML:project:1.0"
SHARED_REFI = ROOT.parent / "shared" / "refi"
TEXT = "Interviewer: How was it?\nP1: Good. We came back.\nInterviewer: Why?\nP1: The staff knew us.\n"


def A(n: int) -> str:  # Ana's file's GUIDs
    return f"11111111-1111-4111-8111-{n:012d}"


def B(n: int) -> str:  # Bo's: other GUIDs for the same things
    return f"22222222-2222-4222-8222-{n:012d}"


def project_xml(sources: str, codes: str, users: str = f'<User guid="{A(1)}" name="Ana"/>') -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="study" origin="NVivo 15">'
        f"<Users>{users}</Users><CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>"
    )


def source(guid: str, name: str | None, text: str, selections: str = "", path: str | None = None) -> str:
    named = f' name="{name}"' if name is not None else ""
    if path:
        return f'<TextSource guid="{guid}"{named} plainTextPath="{path}">{selections}</TextSource>'
    return (
        f'<TextSource guid="{guid}"{named}><PlainTextContent>{text}</PlainTextContent>{selections}'
        "</TextSource>"
    )


def selection(guid: str, start: int, end: int, coding: str, code: str, user: str) -> str:
    return (
        f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}" creatingUser="{user}">'
        f'<Coding guid="{coding}" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
    )


CODES_A = (
    f'<Code guid="{A(2)}" name="Experience" isCodable="true">'
    f'<Code guid="{A(3)}" name="Returning" isCodable="true"/></Code>'
    f'<Code guid="{A(4)}" name="Staff" isCodable="true"/><Code guid="{A(5)}" name="Grouping" isCodable="false"/>'
)


def qdpx(path: Path, xml: str, files: dict[str, str] | None = None) -> Path:
    path.write_bytes(zip_bytes({"project.qde": xml, **{f"Sources/{k}": v for k, v in (files or {}).items()}}))
    return path


def q(proj: Path, sql: str) -> list:
    with db(proj) as conn:
        return conn.execute(sql).fetchall()


def test_identical_sources_all_import_with_distinct_names_and_round_trip(new_location, tmp_path, runner):
    sources = (
        source(f"{A(6)}", "Interview 1", TEXT)
        + source(f"{A(7)}", "Interview 1", TEXT)
        + source(f"{A(8)}", None, "", path="internal://interview-three.txt")
    )
    file = qdpx(tmp_path / "same.qdpx", project_xml(sources, CODES_A), {"interview-three.txt": TEXT})
    proj = new_location("p")
    report = json.loads(run_cli(runner, "import", proj, file, "--create", "--json").stdout)
    assert report["documents"] == 3
    assert q(proj, "SELECT name FROM documents ORDER BY id") == [
        ("Interview 1",),
        ("Interview 1 (2)",),
        ("interview-three",),
    ]
    run_cli(runner, "export", proj, "-o", tmp_path / "back.qdpx")
    again = json.loads(
        run_cli(runner, "import", new_location("q"), tmp_path / "back.qdpx", "--create", "--json").stdout
    )
    assert again["documents"] == 3


def test_no_speakers_looked_for_unless_asked(new_location, tmp_path, runner):
    file = qdpx(tmp_path / "s.qdpx", project_xml(source(f"{A(6)}", "Interview 1", TEXT), CODES_A))
    run_cli(runner, "import", new_location("p"), file, "--create")
    assert q(new_location("p"), "SELECT speaker, text FROM segments") == [(None, TEXT.strip())]
    run_cli(runner, "import", new_location("d"), file, "--create", "--detect-speakers")
    got = q(
        new_location("d"),
        "SELECT s.speaker, c.name, s.text FROM segments s LEFT JOIN cases c"
        " ON c.id = s.case_id ORDER BY s.position",
    )
    assert got == [
        ("Interviewer", None, "How was it?"),
        ("P1", None, "Good. We came back."),
        ("Interviewer", None, "Why?"),
        ("P1", None, "The staff knew us."),
    ]


def test_is_codable_kept_and_no_user_invented(new_location, tmp_path, runner):
    file = qdpx(tmp_path / "s.qdpx", project_xml(source(f"{A(6)}", "Interview 1", TEXT), CODES_A))
    proj = new_location("p")
    run_cli(runner, "import", proj, file, "--create", "--coder", "importer-login")
    assert q(proj, "SELECT name FROM coders") == [("Ana",)]
    run_cli(runner, "export", proj, "-o", tmp_path / "out.qdpx")
    root = ET.fromstring(zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde"))
    codable = {c.get("name"): c.get("isCodable") for c in root.iter(f"{{{NS}}}Code")}
    assert codable == {"Experience": "true", "Returning": "true", "Staff": "true", "Grouping": "false"}
    assert [u.get("name") for u in root.iter(f"{{{NS}}}User")] == ["Ana"]
    assert (
        root.get("creatingUserGUID") is None
    )  # the project's creator is the importer: not a user of the file


def test_bare_qde_imports_and_the_unsupported_message_names_it(new_location, tmp_path, runner):
    qde = tmp_path / "project.qde"
    qde.write_text(project_xml(source(f"{A(6)}", "Interview 1", TEXT), CODES_A), encoding="utf-8")
    report = json.loads(run_cli(runner, "import", new_location("p"), qde, "--create", "--json").stdout)
    assert report["documents"] == 1 and report["codes_added"] == 4
    bad = run_cli(runner, "import", new_location("p"), tmp_path / "x.odp", code=2)
    assert ".qde" in bad.stderr and ".qdpx" in bad.stderr


def _coder_files(tmp_path: Path) -> tuple[Path, Path]:
    """Ana's export and Bo's of the same interview: Bo's has other GUIDs, one trailing newline less and
    trailing spaces after a line, one code Ana's codebook lacks, and a source Ana never had."""
    # 'Good. We came back.' is 29-48; 'The staff knew us.' is 71-89 in TEXT.
    ana_sels = selection(f"{A(9)}", 29, 48, f"{A(10)}", f"{A(3)}", f"{A(1)}") + selection(
        f"{A(11)}", 71, 89, f"{A(12)}", f"{A(4)}", f"{A(1)}"
    )
    ana = qdpx(tmp_path / "ana.qdpx", project_xml(source(f"{A(6)}", "Interview 1", TEXT, ana_sels), CODES_A))
    bo_text = TEXT.replace("How was it?\n", "How was it?  \n").rstrip("\n")  # offsets after it shift by 2
    codes_b = (
        f'<Code guid="{B(2)}" name="experience" isCodable="true"><Code guid="{B(3)}" name="Returning"'
        f' isCodable="true"/></Code><Code guid="{B(4)}" name="Staff" isCodable="true"/>'
        f'<Code guid="{B(5)}" name="Only Bo" isCodable="true"/>'
    )
    bo_sels = (
        selection(f"{B(9)}", 31, 50, f"{B(10)}", f"{B(3)}", f"{B(1)}")  # Returning, same span as Ana
        + selection(
            f"{B(11)}", 31, 35, f"{B(12)}", f"{B(4)}", f"{B(1)}"
        )  # Staff on 'Good' where Ana has none
        + selection(f"{B(13)}", 73, 91, f"{B(14)}", f"{B(5)}", f"{B(1)}")
    )  # a code Ana's codebook lacks
    sources = source(f"{B(6)}", "interview1", bo_text, bo_sels) + source(
        f"{B(7)}", "Other", "Not in Ana's study."
    )
    bo = qdpx(tmp_path / "bo.qdpx", project_xml(sources, codes_b, f'<User guid="{B(1)}" name="Bo N"/>'))
    return ana, bo


def test_second_coder_codings_added_by_text_and_code_path(new_location, tmp_path, runner):
    ana, bo = _coder_files(tmp_path)
    proj = new_location("p")
    run_cli(runner, "import", proj, ana, "--create", "--detect-speakers")
    before = q(proj, "SELECT count(*) FROM documents"), q(proj, "SELECT count(*) FROM codes")
    result = run_cli(runner, "import", proj, bo, "--as-coder", "Bo", "--json")
    report = json.loads(result.stdout)
    assert report["codings"] == 2 and report["documents_matched"] == {"interview1": "Interview 1"}
    assert report["unmatched_documents"] == ["Other"]
    assert report["unmatched_codes"] == [{"code": "Only Bo", "codings": 1}]
    assert (q(proj, "SELECT count(*) FROM documents"), q(proj, "SELECT count(*) FROM codes")) == before
    got = q(
        proj,
        'SELECT c.label, substr(d.text, k.start + 1, k."end" - k.start), k.coder FROM codings k'
        " JOIN codes c ON c.id = k.code_id JOIN documents d ON d.id = k.document_id"
        " WHERE k.coder = 'Bo' ORDER BY k.start, c.label",
    )
    assert got == [("Returning", "Good. We came back.", "Bo"), ("Staff", "Good", "Bo")]
    assert q(proj, "SELECT count(*) FROM change_log WHERE action = 'refi.import_coder'") == [(1,)]


def test_agreement_compares_the_two_coders(new_location, tmp_path, runner):
    ana, bo = _coder_files(tmp_path)
    proj = new_location("p")
    run_cli(runner, "import", proj, ana, "--create", "--detect-speakers")
    run_cli(runner, "import", proj, bo, "--as-coder", "Bo")
    rows = json.loads(run_cli(runner, "agreement", proj, "--coders", "Ana", "Bo", "--json").stdout)
    by_code = (
        {r["code"]: r for r in rows["codes"]} if isinstance(rows, dict) else {r["code"]: r for r in rows}
    )
    # Units: the two P1 turns (segments), both coded by someone. Returning: both coders on turn 2 and nobody on
    # turn 4, so 2 of 2 agree. Staff: Ana on turn 4, Bo on turn 2: 0 of 2 agree.
    assert by_code["experience.returning"]["percent_agreement"] == 100.0
    assert by_code["staff"]["percent_agreement"] == 0.0


def test_as_coder_refused_for_transcripts_and_bad_files_change_nothing(new_location, tmp_path, runner):
    proj = new_location("p")
    run_cli(runner, "init", proj)
    bad = run_cli(
        runner,
        "import",
        proj,
        ROOT / "tests" / "data" / "transcripts" / "rev.txt",
        "--as-coder",
        "Bo",
        code=2,
    )
    assert "REFI-QDA" in bad.stderr
    ana, _ = _coder_files(tmp_path)
    empty = run_cli(runner, "import", proj, ana, "--as-coder", "Bo", code=2)
    assert "no documents" in empty.stderr and q(proj, "SELECT count(*) FROM codings") == [(0,)]


@pytest.mark.skipif(
    not (SHARED_REFI / "nvivo-12.6-windows.qdpx").exists(), reason="../shared/refi is not here"
)
def test_real_nvivo_project_no_invented_speakers_users_or_codable_changes(new_location, tmp_path, runner):
    proj = new_location("n")
    run_cli(runner, "import", proj, SHARED_REFI / "nvivo-12.6-windows.qdpx", "--create", "--coder", "someone")
    assert q(proj, "SELECT count(*) FROM segments WHERE speaker IS NOT NULL") == [(0,)]
    assert q(proj, "SELECT count(*) FROM coders WHERE name = 'someone'") == [(0,)]
    run_cli(runner, "export", proj, "-o", tmp_path / "n.qdpx")
    src = ET.fromstring(zipfile.ZipFile(SHARED_REFI / "nvivo-12.6-windows.qdpx").read("project.qde"))
    out = ET.fromstring(zipfile.ZipFile(tmp_path / "n.qdpx").read("project.qde"))

    def codable(root):
        return {
            c.get("guid").strip("{}").lower(): c.get("isCodable")
            for c in root.iter()
            if c.tag.endswith("}Code")
        }

    assert codable(src) == codable(out)
    assert sorted(u.get("name") for u in out.iter(f"{{{NS}}}User")) == sorted(
        u.get("name") for u in src.iter() if u.tag.endswith("}User")
    )
    # The same study coded again in NVivo by someone else: every coding matches by text and GUID.
    added = json.loads(
        run_cli(
            runner, "import", proj, SHARED_REFI / "nvivo-12.6-windows.qdpx", "--as-coder", "Second", "--json"
        ).stdout
    )
    assert added["codings"] == 97 and added["unmatched_codes"] == [] and added["unmatched_documents"] == []
