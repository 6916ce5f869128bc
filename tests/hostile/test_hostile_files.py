"""Known attacks and broken files, generated here (never committed): each gives one clean error or a safe
import, and never touches anything outside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualcode.cli import cli
from qualcode.errors import InputError
from qualcode.store.project import Project
from tests.hostile.inputs import (
    QDE,
    SEEDS,
    attempt,
    project_digest,
    project_dump,
    run_import,
    suffix,
    zip_bytes,
    zip_members,
)

SECRET = "TOP-SECRET-MARKER-31337"
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
    + "]>\n"
)


@pytest.fixture
def study(new_location, tmp_path):
    from qualcode.app.actions import import_codebook_file
    from tests.conftest import CODEBOOK

    p = Project.create(new_location("study"), coder="zoe")
    import_codebook_file(p, CODEBOOK)
    yield p
    p.close()


def refused(study, kind: str, data: bytes, folder: Path, match: str | None = None) -> None:
    before = project_digest(study)
    path = folder / f"hostile{suffix(kind)}"
    path.write_bytes(data)
    with pytest.raises(InputError, match=match):
        run_import(study, kind, path)
    assert project_digest(study) == before


def docx_with(document_xml: bytes) -> bytes:
    members = zip_members(SEEDS["docx"]())
    members["word/document.xml"] = document_xml
    return zip_bytes(members)


def xlsx_with(sheet_xml: bytes) -> bytes:
    members = zip_members(SEEDS["xlsx"]())
    members["xl/worksheets/sheet1.xml"] = sheet_xml
    return zip_bytes(members)


# -- zip bombs and zip slip ----------------------------------------------------------------------------------
def zip_bomb(kind: str) -> bytes:
    members = zip_members(SEEDS[kind]())
    members["padding.bin"] = b"\0" * (40 * 1024 * 1024)  # 40 MB of zeros: ~40 KB packed, ratio ~1000:1
    return zip_bytes(members)


@pytest.mark.parametrize("kind", ["docx", "xlsx", "qdpx"])
def test_zip_bomb_is_refused_before_unpacking(study, tmp_path, kind):
    refused(study, kind, zip_bomb(kind), tmp_path, "zip bomb")


def test_a_zip_that_lies_about_its_sizes_is_refused(study, tmp_path):
    """Declared sizes are what the caps check, and zipfile never inflates past a member's declared size."""
    data = bytearray(zip_bytes({"project.qde": QDE, "sources/s.txt": "x" * 5000}))
    at = data.rfind(b"sources/s.txt") - 46 + 24  # the central directory's uncompressed size of that member
    data[at : at + 4] = (10).to_bytes(4, "little")
    before = project_digest(study)
    path = tmp_path / "liar.qdpx"
    path.write_bytes(bytes(data))
    try:
        run_import(study, "qdpx", path)
    except InputError:
        assert project_digest(study) == before
    else:  # if it imported, it holds at most the declared 10 characters of that member
        assert "x" * 11 not in "".join(r[0] for r in study.conn.execute("SELECT text FROM documents"))


def test_zip_slip_members_are_never_written_anywhere(study, tmp_path, monkeypatch):
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    members = {
        "project.qde": QDE.replace("internal://s.txt", "internal://../../evil.txt"),
        "sources/s.txt": "hello world",
        "../../evil.txt": "pwned",
        "/tmp/qualcode-evil.txt": "pwned",
        "sources/../../../evil2.txt": "pwned",
    }
    path = tmp_path / "slip.qdpx"
    path.write_bytes(zip_bytes(members))
    before = project_digest(study)
    try:
        run_import(study, "qdpx", path)
    except InputError:
        assert project_digest(study) == before
    texts = [r[0] for r in study.conn.execute("SELECT text FROM documents")]
    assert all("pwned" not in t for t in texts)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "evil2.txt").exists()
    assert not Path("/tmp/qualcode-evil.txt").exists()
    for kind in ("docx", "xlsx"):
        members = {**zip_members(SEEDS[kind]()), "../../evil.txt": "pwned"}
        attempt(study, kind, zip_bytes(members), tmp_path)
        assert not (tmp_path / "evil.txt").exists()


# -- XML: billion laughs and XXE -------------------------------------------------------------------------------
def test_billion_laughs_in_every_xml_format(study, tmp_path):
    bomb = (LAUGHS + '<Project name="&lol9;"/>').encode()
    refused(study, "qdpx", zip_bytes({"project.qde": bomb}), tmp_path, "document type declaration")
    qdc = tmp_path / "bomb.qdc"
    qdc.write_bytes((LAUGHS + '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>').encode())
    with pytest.raises(InputError, match="document type declaration"):
        run_import(study, "yaml", qdc)
    word = (
        LAUGHS + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>P1: &lol9;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    _never_expanded(study, "docx", docx_with(word), tmp_path)
    sheet = (
        LAUGHS + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    _never_expanded(study, "xlsx", xlsx_with(sheet), tmp_path)


def _never_expanded(study, kind: str, data: bytes, folder: Path) -> None:
    """Either refused, or imported with the entity left unexpanded (never a billion 'lol's)."""
    outcome = attempt(study, kind, data, folder)
    if outcome == "ok":
        biggest = study.scalar("SELECT max(length(text)) FROM documents")
        assert biggest < 10_000


def test_xxe_never_reads_local_files(study, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doctype = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    refused(
        study,
        "qdpx",
        zip_bytes({"project.qde": doctype + '<Project name="&xxe;"/>'}),
        tmp_path,
        "document type declaration",
    )
    word = (
        doctype
        + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>Interviewer: hi</w:t></w:r></w:p><w:p><w:r><w:t>P1: &xxe; said</w:t></w:r></w:p>"
        "</w:body></w:document>"
    ).encode()
    attempt(study, "docx", docx_with(word), tmp_path)
    sheet = (
        doctype + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>answer</t>'
        '</is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>R1</t></is></c><c r="B2" t="inlineStr">'
        "<is><t>&xxe;</t></is></c></row></sheetData></worksheet>"
    ).encode()
    attempt(study, "xlsx", xlsx_with(sheet), tmp_path)
    dump = project_dump(study)
    assert SECRET not in dump


# -- broken text ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["txt", "csv", "vtt", "yaml", "codings"])
def test_invalid_utf8_is_one_clean_error_or_read_as_windows_1252(study, tmp_path, kind):
    data = SEEDS[kind]().replace(b"e", b"\x81\x8d", 1)  # bytes that are neither UTF-8 nor Windows-1252
    refused(study, kind, data, tmp_path, "neither UTF-8 nor Windows-1252")


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_empty_file(study, tmp_path, kind):
    refused(study, kind, b"", tmp_path, "empty file")


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_a_200_mb_file_is_refused_by_its_size_without_reading_it(study, tmp_path, kind):
    path = tmp_path / f"huge{suffix(kind)}"
    with path.open("wb") as fh:  # sparse: the size is real, the disk blocks are not
        fh.seek(200 * 1024 * 1024)
        fh.write(b"\n")
    assert path.stat().st_size > 200 * 1024 * 1024
    before = project_digest(study)
    with pytest.raises(InputError, match=r"over the \d+ MB limit"):
        run_import(study, kind, path)
    assert project_digest(study) == before


def test_yaml_alias_bombs_and_self_reference_are_refused(study, tmp_path):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    refused(study, "yaml", (laughs + "codes: [*i]\nname: *i\n").encode(), tmp_path, "aliases")
    refused(study, "yaml", b"codes: &c [{key: a, label: A, children: *c}]\n", tmp_path, "aliases")
    deep = "codes:\n" + "".join(
        "  " * i + f"- key: k{i}\n" + "  " * i + "  label: L\n" + "  " * i + "  children:\n"
        for i in range(300)
    )
    refused(study, "yaml", deep.encode(), tmp_path, "nested")


def test_the_cli_reports_hostile_files_in_one_line_with_exit_code_2(new_location, tmp_path):
    from click.testing import CliRunner

    runner = CliRunner()
    proj = new_location("p")
    assert runner.invoke(cli, ["init", str(proj)]).exit_code == 0
    files = {
        "bomb.docx": zip_bomb("docx"),
        "empty.txt": b"",
        "laughs.qdpx": zip_bytes({"project.qde": LAUGHS + "<a/>"}),
        "junk.xlsx": os.urandom(3000),
        "bad.vtt": b"WEBVTT\n\n00:00:01.000 --> nonsense\n<v x>y",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(cli, ["import", str(proj), str(tmp_path / name), "--text-column", "a"])
        assert result.exit_code == 2, (name, result.output)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.seek(200 * 1024 * 1024)
        fh.write(b"x")
    result = runner.invoke(cli, ["import", str(proj), str(huge)])
    assert result.exit_code == 2 and "raise it with --max-mb" in result.stderr
    result = runner.invoke(cli, ["codings", "import", str(proj), str(huge)])
    assert result.exit_code == 2 and "--max-mb" in result.stderr


def test_zip_reading_never_uses_member_names_as_paths():
    """The zip layer only ever reads members into memory: no importer calls extract/extractall."""
    root = Path(__file__).resolve().parents[2] / "qualcode"
    offenders = [
        p.name for p in root.rglob("*.py") if ".extract(" in p.read_text() or "extractall" in p.read_text()
    ]
    assert offenders == []
