"""REFI-QDA: every reference file imports with the right counts; exports validate, round-trip and are read by
an independent parser; malformed files leave the project untouched."""

from __future__ import annotations

import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest
from lxml import etree

from qualcode.app.actions import read_codebook_file
from qualcode.cli import cli
from qualcode.ingest import ImportOptions, read_document
from qualcode.store.codebook import load_codebook, save_codebook
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents
from qualcode.store.memos import write_memo
from qualcode.store.project import Project, project_exists
from qualcode.store.reviews import set_review
from tests.conftest import ROOT, SHARED_REFI, write, zip_bytes

NVIVO = SHARED_REFI / "nvivo-12.6-windows.qdpx"
# The real files from other QDA programs live beside the repository (CI has them); a fresh clone has its own
# small look-alikes in tests/data/refi (tests/cli/test_refi_producers.py), and these tests say why they skip.
needs_shared = pytest.mark.skipif(
    not SHARED_REFI.is_dir(),
    reason=f"needs the real REFI-QDA files and schemas in {SHARED_REFI} (beside this checkout; CI has them)",
)
SMALL_CODEBOOK = """name: Small study codebook
codes:
  - key: change
    label: Change in practice
    definition: |-
      What people now do differently.

      Include: a line that looks like a section
    colour: "#2E86AB"
    children:
      - key: change.referral
        label: Referrals ☕
        include: Named referrals
        exclude: Plans only
        examples: {typical: ["I refer sooner"], atypical: ["We might"]}
        keywords: [refer, signpost]
  - key: voice
    label: صوت التجربة
"""
# CRLF line endings, emoji (astral and joined), accents, right-to-left text.
INTERVIEW = (
    "Interviewer: What changed? 🙂\r\n"
    "Zoë: I refer people 😀 sooner — café staff too.\r\n"
    "Interviewer: And the hub?\r\n"
    "Zoë: שלום עולם, مرحبا 👩🏽‍⚕️ the hub helps.\r\n"
)
NOTES = "First paragraph with naïve résumé.\r\n\r\nSecond one 🎉 here.\r\n"


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def state(path: Path) -> dict:
    """Everything a round trip must keep, keyed by names rather than ids."""
    with Project.open(path) as p:
        docs = p.query(
            "SELECT id, name, source_type, original_name, sha256, text, imported, imported_by FROM documents"
            " ORDER BY name"
        )
        names = {d.pop("id"): d["name"] for d in docs}
        segs = p.query(
            'SELECT s.id, s.document_id, s.position, s.start, s."end", s.speaker, c.name AS "case",'
            " s.question, s.text FROM segments s LEFT JOIN cases c ON c.id = s.case_id"
        )
        seg_key = {s.pop("id"): (names[s["document_id"]], s["position"]) for s in segs}
        for s in segs:
            s["document_id"] = names[s["document_id"]]
        codings = p.query(
            'SELECT k.id, k.document_id, k.segment_id, k.start, k."end", c.key, k.coder, k.created,'
            " k.contribution, k.claim, k.memo, k.provenance FROM codings k JOIN codes c ON c.id = k.code_id"
        )
        coding_key = {}
        for k in codings:
            k["document_id"], k["segment_id"] = names[k["document_id"]], seg_key.get(k["segment_id"])
            coding_key[k.pop("id")] = (k["document_id"], k["start"], k["end"], k["key"], k["coder"])
        reviews = [
            (coding_key[r["coding_id"]], r["status"], r["reviewer"], r["comment"], r["created"])
            for r in p.query("SELECT * FROM reviews")
        ]
        cases = {c["name"]: c["id"] for c in p.query("SELECT id, name FROM cases")}
        case_names = {v: k for k, v in cases.items()}
        codes = {r["id"]: r["key"] for r in p.query("SELECT id, key FROM codes")}
        targets = {
            "document": names,
            "segment": seg_key,
            "case": case_names,
            "code": codes,
            "coding": coding_key,
        }
        memos = [
            (
                m["target_kind"],
                targets.get(m["target_kind"], {}).get(m["target_id"]),
                m["coder"],
                m["created"],
                m["updated"],
                m["title"],
                m["text"],
            )
            for m in p.query("SELECT * FROM memos")
        ]
        attrs = sorted(
            (case_names[r["case_id"]], r["name"], r["value"])
            for r in p.query("SELECT * FROM case_attributes")
        )
        book = load_codebook(p)
        return {
            "documents": docs,
            "segments": sorted(segs, key=lambda s: (s["document_id"], s["position"])),
            "codings": sorted(
                codings, key=lambda k: (k["document_id"], k["start"], k["end"], k["key"], k["coder"])
            ),
            "reviews": sorted(reviews),
            "memos": sorted(memos, key=str),
            "cases": sorted(cases),
            "attributes": attrs,
            "codebook": (book.name, [asdict(c) for c in book.codes]),
        }


def add_memo(p: Project, kind: str, target: int | None, title: str, text: str, coder: str = "amira") -> None:
    write_memo(p, kind, target, text, coder=coder, title=title)


@pytest.fixture
def small_study(new_location, tmp_path) -> Path:
    """Emoji, CRLF, accents and right-to-left text; codings with contribution, claims, memos, reviews."""
    path = new_location("small")
    p = Project.create(path, coder="amira", name="Small study")
    save_codebook(p, read_codebook_file(write(tmp_path / "cb.yaml", SMALL_CODEBOOK)))
    docs = read_document(
        write(tmp_path / "int01.txt", INTERVIEW),
        ImportOptions(case="Zoë", attributes={"sector": "santé", "role": "nurse"}),
    )
    docs += read_document(write(tmp_path / "notes.md", NOTES), ImportOptions(source_type="workshop"))
    add_documents(p, docs)
    text = p.scalar("SELECT text FROM documents WHERE name = 'int01'")
    segs = p.query('SELECT id, start, "end", text FROM segments WHERE document_id = 1 ORDER BY position')
    emoji = text.index("😀")
    c1 = add_coding(
        p,
        "change.referral",
        segment_id=segs[1]["id"],
        coder="amira",
        contribution="necessary",
        claim="Referrals come sooner\nacross services",
        memo="emoji inside: check",
    )
    add_coding(
        p,
        "change.referral",
        document="int01",
        start=emoji,
        end=emoji + 8,
        coder="tom",
        contribution="improved",
    )
    rtl = text.index("שלום")
    c3 = add_coding(p, "voice", document="int01", start=rtl, end=text.index("the hub helps"), coder="tom")
    add_coding(
        p, "change", document="notes", start=0, end=5, coder="amira", memo="qualcode:looks=like a trailer"
    )
    set_review(p, c1, "accepted", reviewer="lead")
    set_review(p, c3, "queried", comment="Is this about the hub?", reviewer="lead")
    add_memo(p, "project", None, "Reflexive note", "We are both former practitioners.\nMind the bias.")
    add_memo(p, "document", 1, "Context", "Phone interview ☎")
    add_memo(p, "segment", segs[3]["id"], "Translation", "Hello world, hello")
    add_memo(p, "case", p.scalar("SELECT id FROM cases WHERE name = 'Zoë'"), "About Zoë", "Nurse, 10 years")
    add_memo(
        p, "code", p.scalar("SELECT id FROM codes WHERE key = 'voice'"), "Code idea", "Split by language?"
    )
    # A coding's memo is the coding's own field (schema 4): this one goes to a coding that had none.
    add_memo(p, "coding", c3, "Why", "Clear partnership example")
    p.close()
    return path


def test_small_study_round_trips_exactly(new_location, runner, small_study, tmp_path):
    out = tmp_path / "small.qdpx"
    run(runner, "export", small_study, "--format", "qdpx", "-o", out)
    copy = new_location("copy")
    result = json.loads(run(runner, "import", copy, out, "--create", "--coder", "importer", "--json").stdout)
    assert result["codings"] == 4 and result["memos"] == 5 and result["documents"] == 2
    assert state(copy) == state(small_study)
    with Project.open(copy) as p:
        assert p.name == "Small study"
    # Exporting the copy gives the same GUIDs for every object the first export named.
    again = tmp_path / "again.qdpx"
    run(runner, "export", copy, "-o", again)
    assert guids(again) == guids(out)


def guids(path: Path) -> dict[str, list[str]]:
    root = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
    out: dict[str, list[str]] = {}
    for el in root.iter():
        tag = el.tag.split("}")[-1]
        if "guid" in el.attrib and tag != "User":
            out.setdefault(tag, []).append(el.get("guid"))
    return {k: sorted(v) for k, v in out.items()}


def test_export_is_canonical_valid_and_stable(runner, small_study, tmp_path):
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    run(runner, "export", small_study, "-o", a)
    run(runner, "export", small_study, "-o", b)
    assert a.read_bytes() == b.read_bytes()  # same project, same bytes, same GUIDs
    zf = zipfile.ZipFile(a)
    names = zf.namelist()
    assert names[0] == "project.qde" and all(
        re.fullmatch(r"sources/[0-9a-f-]{36}\.txt", n) for n in names[1:]
    )
    for n in names[1:]:
        data = zf.read(n)
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    xml = zf.read("project.qde")
    root = ET.fromstring(xml)
    ns = "{urn:QDA-XML:project:1.0}"
    assert [c.tag.removeprefix(ns) for c in root] == [
        "Users",
        "CodeBook",
        "Variables",
        "Cases",
        "Sources",
        "Notes",
        "Description",
        "NoteRef",
    ]
    codes = {c.get("name"): c for c in root.iter(f"{ns}Code")}
    assert codes["Change in practice"].get("isCodable") == "true"  # a parent that was applied stays codable
    assert codes["Change in practice"].get("color") == "#2E86AB"
    # Offsets are code points into the LF text written beside them.
    for src in root.iter(f"{ns}TextSource"):
        text = zf.read(f"sources/{src.get('guid')}.txt").decode("utf-8")
        for sel in src.iter(f"{ns}PlainTextSelection"):
            assert sel.get("name").startswith(
                text[int(sel.get("startPosition")) : int(sel.get("endPosition"))][:50]
            )
    desc = next(s for s in root.iter(f"{ns}PlainTextSelection") if "necessary" in "".join(s.itertext()))
    assert "qualcode:contribution=necessary" in "".join(desc.itertext())


@needs_shared
def test_export_validates_against_the_refi_schemas(runner, small_study, tmp_path):
    out, qdc = tmp_path / "a.qdpx", tmp_path / "cb.qdc"
    run(runner, "export", small_study, "-o", out)
    run(runner, "codebook", "export", small_study, "--format", "qdc", "-o", qdc)
    schema = etree.XMLSchema(etree.parse(str(SHARED_REFI / "Project-mrt2019.xsd")))
    assert schema.validate(etree.fromstring(zipfile.ZipFile(out).read("project.qde"))), schema.error_log
    schema = etree.XMLSchema(etree.parse(str(SHARED_REFI / "Codebook.xsd")))
    assert schema.validate(etree.parse(str(qdc))), schema.error_log


def test_group_codes_nobody_applied_are_not_codable(runner, small_study, tmp_path):
    with Project.open(small_study) as p, p.transaction():
        p.conn.execute("DELETE FROM codings WHERE code_id = (SELECT id FROM codes WHERE key = 'change')")
    run(runner, "export", small_study, "-o", tmp_path / "x.qdpx")
    root = ET.fromstring(zipfile.ZipFile(tmp_path / "x.qdpx").read("project.qde"))
    codable = {c.get("name"): c.get("isCodable") for c in root.iter("{urn:QDA-XML:project:1.0}Code")}
    assert codable == {"Change in practice": "false", "Referrals ☕": "true", "صوت التجربة": "true"}


def test_independent_parser_reads_the_export(small_study, tmp_path, runner):
    pyrefiqda = pytest.importorskip("pyrefiqda")
    out = tmp_path / "p.qdpx"
    run(runner, "export", small_study, "-o", out)
    project = pyrefiqda.RefiProject.load(out, extract_dir=str(tmp_path / "x"))

    def walk(codes):
        for c in codes:
            yield c.name
            yield from walk(c.code)

    assert sorted(walk(project.code_book.codes.code)) == sorted(
        ["Change in practice", "Referrals ☕", "صوت التجربة"]
    )
    sources = project.sources.text_source
    with Project.open(small_study) as p:
        assert sorted(s.name for s in sources) == sorted(
            r[0] for r in p.conn.execute("SELECT name FROM documents")
        )
        want = sorted(
            (r[0], r[1], r[2])
            for r in p.conn.execute(
                'SELECT substr(d.text, k.start + 1, k."end" - k.start), k.start, k."end" FROM codings k'
                " JOIN documents d ON d.id = k.document_id"
            )
        )
    got = []
    for s in sources:
        text = (tmp_path / "x" / "sources" / s.plain_text_path.removeprefix("internal://")).read_text(
            encoding="utf-8"
        )
        for sel in s.plain_text_selection:
            got.append((text[sel.start_position : sel.end_position], sel.start_position, sel.end_position))
            assert len(sel.coding) == 1 and sel.coding[0].code_ref.target_guid
    assert sorted(got) == want


def test_codebook_qdc_round_trip(new_location, runner, small_study, tmp_path):
    qdc = tmp_path / "cb.qdc"
    run(runner, "codebook", "export", small_study, "--format", "qdc", "-o", qdc)
    assert etree.parse(str(qdc)).getroot().tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    fresh = new_location("fresh")
    run(runner, "init", fresh)
    assert json.loads(run(runner, "codebook", "import", fresh, qdc, "--json").stdout)["added"] == 3
    run(runner, "init", new_location("other"), "--codebook", qdc)
    with Project.open(fresh) as a, Project.open(small_study) as b, Project.open(new_location("other")) as c:
        assert load_codebook(a).codes == load_codebook(b).codes == load_codebook(c).codes
    assert "<CodeBook" in run(runner, "codebook", "export", small_study, "--format", "qdc").stdout


# -- other producers' files ------------------------------------------------------------------------------------
REFERENCE = sorted(p.name for p in SHARED_REFI.glob("*") if p.suffix in (".qdpx", ".qde", ".qdc"))
# Never an empty parameter list: without the folder there is one case, and it skips with the reason.
REFERENCE_CASES = REFERENCE or [pytest.param("(none)", marks=needs_shared)]


def file_xml(path: Path) -> bytes:
    if path.suffix == ".qdpx":
        zf = zipfile.ZipFile(path)
        return zf.read(next(n for n in zf.namelist() if n.endswith(".qde")))
    return path.read_bytes()


def count(xml: bytes, tag: str) -> int:
    return sum(1 for el in ET.fromstring(xml).iter() if el.tag.split("}")[-1] == tag)


@needs_shared
@pytest.mark.parametrize("name", REFERENCE_CASES)
def test_every_reference_file_imports_with_matching_counts(new_location, runner, tmp_path, name):
    path = SHARED_REFI / name
    xml = file_xml(path)
    proj = new_location("t")
    run(runner, "init", proj)
    if path.suffix == ".qdc":
        report = json.loads(run(runner, "codebook", "import", proj, path, "--json").stdout)
    else:
        report = json.loads(run(runner, "import", proj, path, "--json").stdout)
    with Project.open(proj) as p:
        codes = p.scalar("SELECT count(*) FROM codes")
        documents = p.scalar("SELECT count(*) FROM documents")
        codings = p.scalar("SELECT count(*) FROM codings")
        mapped = p.scalar("SELECT count(*) FROM refi_guids WHERE kind = 'code'")
    assert codes == count(xml, "Code") == mapped  # every code, each keeping its GUID
    if path.suffix == ".qdc":
        return
    sources = sum(
        count(xml, t) for t in ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")
    )
    assert report["found"].get("sources", 0) == sources
    assert documents + report["skipped"].get("sources", 0) == sources
    assert report["found"].get("codings", 0) == count(xml, "Coding")
    assert codings + report["skipped"].get("codings", 0) + report["duplicate_codings"] == count(xml, "Coding")
    assert report["found"].get("users", 0) == count(xml, "User")


@needs_shared
def test_nvivo_codings_cover_exactly_the_text_nvivo_coded(new_location, runner, tmp_path):
    """Selections computed independently: UTF-16 code units over the file's text with CRLF, BOM not counted."""
    zf = zipfile.ZipFile(NVIVO)
    root = ET.fromstring(zf.read("project.qde"))
    ns = "{urn:QDA-XML:project:1.0}"
    expected = []
    for src in root.iter(f"{ns}TextSource"):
        raw = zf.read("Sources/" + src.get("plainTextPath").removeprefix("internal://"))
        units = raw.decode("utf-8-sig").encode("utf-16-le")
        for sel in src.iter(f"{ns}PlainTextSelection"):
            s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
            text = units[2 * s : 2 * e].decode("utf-16-le").replace("\r\n", "\n")
            for coding in sel.iter(f"{ns}Coding"):
                expected.append((coding.find(f"{ns}CodeRef").get("targetGUID"), text))
    proj = new_location("n")
    report = json.loads(run(runner, "import", proj, NVIVO, "--create", "--json").stdout)
    assert report["warnings"] == [] and report["codings"] == 97
    with Project.open(proj) as p:
        got = [
            (r[0], r[1])
            for r in p.conn.execute(
                'SELECT g.guid, substr(d.text, k.start + 1, k."end" - k.start) FROM codings k'
                " JOIN documents d ON d.id = k.document_id"
                " JOIN refi_guids g ON g.kind = 'code' AND g.local = CAST(k.code_id AS TEXT)"
            )
        ]
        coders = {r[0] for r in p.conn.execute("SELECT DISTINCT coder FROM codings")}
        nested = p.scalar("SELECT count(*) FROM codes WHERE parent_id IS NOT NULL")
    assert len(expected) == 97 and sorted(got) == sorted(expected)
    assert any("😀" in t or "😡" in t for _, t in got)  # offsets after astral characters were checked too
    assert coders == {"floriansipos"} and nested == 49


@needs_shared
def test_atlas_flat_hierarchy_notes_and_skips_are_reported(new_location, runner, tmp_path):
    proj = new_location("a")
    report = json.loads(
        run(
            runner, "import", proj, SHARED_REFI / "atlasti-8.4-macos-project.qde", "--create", "--json"
        ).stdout
    )
    with Project.open(proj) as p:
        parents = dict(
            p.conn.execute("SELECT c.label, p.key FROM codes c LEFT JOIN codes p ON p.id = c.parent_id")
        )
        memos = p.query("SELECT target_kind, title, text FROM memos ORDER BY id")
    assert parents["full-fat Coke"] == parents["diet Coke"] == "coke" and parents["Coke"] is None
    assert [(m["target_kind"], m["title"]) for m in memos] == [
        ("project", "Research Plan"),
        ("project", "My favorite Coke ad"),
    ]
    warnings = " | ".join(report["warnings"])
    for expected in (
        "pictures are not imported",
        "page geometry",
        "video sources",
        "audio sources",
        "its text is not in the file",
        "16 set(s) skipped",
        "1 link(s) skipped",
    ):
        assert expected in warnings


@needs_shared
def test_taguette_codebook_with_empty_sets(new_location, runner, tmp_path):
    proj = new_location("t")
    run(runner, "init", proj)
    run(runner, "codebook", "import", proj, SHARED_REFI / "taguette-1.5.2-codebook.qdc")
    listed = {
        c["key"]: c["label"] for c in json.loads(run(runner, "codebook", "list", proj, "--json").stdout)
    }
    assert listed["café-naïve"] == "café & naïve" and len(listed) == 6


@pytest.mark.parametrize("ns", ["urn:QDA-XML:codebook:0:4", "urn:QDA-XML:codebook:1.0", None])
def test_codebook_namespace_variants(new_location, runner, tmp_path, ns):
    xmlns = f' xmlns="{ns}"' if ns else ""
    qdc = write(
        tmp_path / "cb.qdc",
        f'<CodeBook{xmlns}><Codes><Code guid="{{1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294}}"'
        ' name="Trust" isCodable="true" color="#46AA00"><Description>d</Description>'
        '<Code guid="1ff58b12-6f6f-4b0c-8be5-bbdc91f55295" name="Waiting" isCodable="true"/>'
        "</Code></Codes><Sets/></CodeBook>",
    )
    proj = new_location("t")
    run(runner, "init", proj)
    run(runner, "codebook", "import", proj, qdc)
    listed = json.loads(run(runner, "codebook", "list", proj, "--json").stdout)
    assert [(c["key"], c["parent"], c["definition"], c["colour"]) for c in listed] == [
        ("trust", None, "d", "#46AA00"),
        ("trust.waiting", "trust", "", ""),
    ]
    run(runner, "codebook", "import", proj, qdc)  # the same GUIDs again update, not duplicate
    assert len(json.loads(run(runner, "codebook", "list", proj, "--json").stdout)) == 2


# -- malformed files -------------------------------------------------------------------------------------------
qdpx = zip_bytes


PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="test">
  <CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="A" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="22222222-2222-2222-2222-222222222222" name="s" plainTextPath="internal://s.txt">
    <PlainTextSelection guid="33333333-3333-3333-3333-333333333333" startPosition="{start}" endPosition="{end}">
      <Coding guid="44444444-4444-4444-4444-444444444444"><CodeRef targetGUID="{code}"/></Coding>
    </PlainTextSelection></TextSource></Sources>
</Project>"""
GOOD = {"start": 0, "end": 5, "code": "11111111-1111-1111-1111-111111111111"}

MALFORMED = {
    "missing project.qde": ({"sources/s.txt": "hello world"}, "no project.qde"),
    "bad XML": ({"project.qde": "<Project><Sources>", "sources/s.txt": "hi"}, "not well-formed XML"),
    "dangling reference": (
        {
            "project.qde": PROJECT.format(**{**GOOD, "code": "99999999-9999-9999-9999-999999999999"}),
            "sources/s.txt": "hello world",
        },
        "not in the file",
    ),
    "out-of-range offsets": (
        {"project.qde": PROJECT.format(**{**GOOD, "end": 500}), "sources/s.txt": "hello world"},
        "outside the text",
    ),
    "zip bomb": (
        {"project.qde": PROJECT.format(**GOOD), "sources/s.txt": b"\0" * (12 * 1024 * 1024)},
        "zip bomb",
    ),
    "entity expansion": (
        {"project.qde": '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project name="&a;"/>'},
        "document type declaration",
    ),
    "not a zip": (None, "not a valid zip"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_refused_and_the_project_is_untouched(
    new_location, runner, small_study, tmp_path, case
):
    files, message = MALFORMED[case]
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(qdpx(files) if files is not None else b"PK\x03\x04 junk")
    before = state(small_study)
    with Project.open(small_study) as p:
        log = p.scalar("SELECT count(*) FROM change_log")
    result = run(runner, "import", small_study, bad, code=2)
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert state(small_study) == before
    with Project.open(small_study) as p:
        assert p.scalar("SELECT count(*) FROM change_log") == log
    fresh = new_location("fresh")
    run(runner, "import", fresh, bad, "--create", code=2)
    assert not project_exists(fresh)


def test_a_good_minimal_file_imports(new_location, runner, tmp_path):
    good = tmp_path / "good.qdpx"
    good.write_bytes(qdpx({"Project.qde": PROJECT.format(**GOOD), "Sources/S.TXT": "hello world"}))
    proj = new_location("g")
    report = json.loads(run(runner, "import", proj, good, "--create", "--json").stdout)
    assert report["codings"] == 1
    with Project.open(proj) as p:
        assert (
            p.scalar(
                'SELECT substr(d.text, k.start + 1, k."end" - k.start) FROM codings k'
                " JOIN documents d ON d.id = k.document_id"
            )
            == "hello"
        )


def test_a_failure_while_storing_rolls_everything_back(runner, small_study, tmp_path):
    """Re-importing a project's own export fails on the documents it already has, after codes and users were
    written in the same transaction: all of it is rolled back."""
    out = tmp_path / "s.qdpx"
    run(runner, "export", small_study, "-o", out)
    before = hashlib.sha256(json.dumps(state(small_study), sort_keys=True).encode()).hexdigest()
    result = run(runner, "import", small_study, out, code=2)
    assert "already imported" in result.stderr
    assert hashlib.sha256(json.dumps(state(small_study), sort_keys=True).encode()).hexdigest() == before


def test_qdpx_import_refuses_transcript_options(runner, small_study, tmp_path):
    out = tmp_path / "s.qdpx"
    run(runner, "export", small_study, "-o", out)
    assert "--case cannot be used" in run(runner, "import", small_study, out, "--case", "x", code=2).stderr


DEMO = ROOT / "transcripts" / "demo.yaml"


@pytest.mark.skipif(not DEMO.exists(), reason="the demo study has not landed in this checkout")
def test_demo_study_round_trips(new_location, runner, tmp_path, demo_location):
    demo = demo_location
    with Project.open(demo, coder="amira") as p:  # the demo ships no memos or reviews: add some to carry over
        first = p.scalar("SELECT min(id) FROM codings")
        set_review(p, first, "queried", comment="Is this the PDU's doing?", reviewer="tom")
        add_memo(p, "coding", first, "Evidence", "Triangulates with the survey")
        add_memo(p, "case", p.scalar("SELECT min(id) FROM cases"), "", "Joined late", coder="tom")
        add_memo(p, "project", None, "Scope", "Pilot year only")
    out = tmp_path / "demo.qdpx"
    run(runner, "export", demo, "-o", out)
    copy = new_location("copy")
    run(runner, "import", copy, out, "--create")
    assert state(copy) == state(demo)


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project {ns} name="Partner study" origin="MAXQDA 2022">
  <Users><User guid="{{AAAAAAAA-0000-0000-0000-000000000001}}" name="Ines"/></Users>
  <CodeBook><Codes>
    <Code guid="C0000000-0000-0000-0000-000000000001" name="Parent" isCodable="false" color="#F00">
      <Code guid="C0000000-0000-0000-0000-000000000002" name="Kid" isCodable="true"><Description>A kid code</Description></Code>
    </Code>
    <Code guid="C0000000-0000-0000-0000-000000000003" name="Group::Sub" isCodable="true"/>
  </Codes></CodeBook>
  <Variables><Variable guid="D0000000-0000-0000-0000-000000000001" name="age" typeOfVariable="Integer"/></Variables>
  <Cases>
    <Case guid="E0000000-0000-0000-0000-000000000001" name="Ann">
      <VariableValue><VariableRef targetGUID="D0000000-0000-0000-0000-000000000001"/><IntegerValue>34</IntegerValue></VariableValue>
      <SourceRef targetGUID="F0000000-0000-0000-0000-000000000001"/>
    </Case>
    <Case guid="E0000000-0000-0000-0000-000000000002" name="Bob">
      <SelectionRef targetGUID="B0000000-0000-0000-0000-000000000002"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="F0000000-0000-0000-0000-000000000001" name="inline">
      <PlainTextContent>Para one.

Para two 😀 ends.</PlainTextContent>
      <PlainTextSelection guid="B0000000-0000-0000-0000-000000000001" name="Para two 😀 ends." startPosition="11" endPosition="27"
          creatingUser="AAAAAAAA-0000-0000-0000-000000000001" creationDateTime="2024-05-01T10:00:00Z">
        <Description>Ines's comment</Description>
        <Coding guid="A0000000-0000-0000-0000-000000000001" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
          <CodeRef targetGUID="{{C0000000-0000-0000-0000-000000000002}}"/>
          <NoteRef targetGUID="90000000-0000-0000-0000-000000000001"/>
        </Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="90000000-0000-0000-0000-000000000002"/>
    </TextSource>
    <TextSource guid="F0000000-0000-0000-0000-000000000002" name="from word" richTextPath="internal://w.docx">
      <PlainTextSelection guid="B0000000-0000-0000-0000-000000000002" startPosition="17" endPosition="33">
        <Coding guid="A0000000-0000-0000-0000-000000000002"><CodeRef targetGUID="C0000000-0000-0000-0000-000000000003"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PDFSource guid="F0000000-0000-0000-0000-000000000003" name="report.pdf" path="internal://r.pdf">
      <PDFSelection guid="B0000000-0000-0000-0000-000000000002" page="1" firstX="1" firstY="1" secondX="9" secondY="9">
        <Coding guid="A0000000-0000-0000-0000-000000000003"><CodeRef targetGUID="C0000000-0000-0000-0000-000000000002"/></Coding>
      </PDFSelection>
      <Representation guid="F0000000-0000-0000-0000-000000000004"><PlainTextContent>PDF words</PlainTextContent></Representation>
    </PDFSource>
    <PictureSource guid="F0000000-0000-0000-0000-000000000005" name="photo.jpg" path="internal://p.jpg"/>
  </Sources>
  <Notes>
    <Note guid="90000000-0000-0000-0000-000000000001" name="On the coding"><PlainTextContent>why</PlainTextContent></Note>
    <Note guid="90000000-0000-0000-0000-000000000002" name="On the source"><PlainTextContent>context</PlainTextContent></Note>
  </Notes>
  <Sets/>
</Project>"""


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for para in paragraphs:
        document.add_paragraph(para)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("ns", ['xmlns="urn:QDA-XML:project:1.0"', 'xmlns="urn:QDA-XML:project:0:10"', ""])
def test_foreign_project_with_cases_docx_pdf_and_notes(new_location, runner, tmp_path, ns):
    path = tmp_path / "partner.qdpx"
    path.write_bytes(
        qdpx(
            {
                "partner.qde": FOREIGN.format(ns=ns),
                "Sources/w.docx": docx_bytes("First paragraph.", "Second paragraph here."),
            }
        )
    )
    proj = new_location("p")
    report = json.loads(run(runner, "import", proj, path, "--create", "--json").stdout)
    warnings = " | ".join(report["warnings"])
    assert "text taken from its DOCX" in warnings and "page geometry" in warnings and "pictures" in warnings
    assert "added the grouping code 'Group'" in warnings
    with Project.open(proj) as p:
        assert p.name == "Partner study"
        parents = dict(
            p.conn.execute("SELECT c.label, p.key FROM codes c LEFT JOIN codes p ON p.id = c.parent_id")
        )
        assert parents == {"Parent": None, "Kid": "parent", "Group": None, "Sub": "group"}
        assert p.scalar("SELECT colour FROM codes WHERE key = 'parent'") == "#FF0000"
        codings = p.query(
            'SELECT d.name, substr(d.text, k.start + 1, k."end" - k.start) AS text, c.key, k.coder,'
            " k.memo, k.created FROM codings k JOIN documents d ON d.id = k.document_id"
            " JOIN codes c ON c.id = k.code_id ORDER BY d.id"
        )
        assert codings == [
            {
                "name": "inline",
                "text": "Para two 😀 ends.",
                "key": "parent.kid",
                "coder": "Ines",
                "memo": "Ines's comment\n\nOn the coding: why",
                "created": "2024-05-01T10:00:00Z",
            },
            {
                "name": "from word",
                "text": "Second paragraph",
                "key": "group.sub",
                "coder": p.coder,
                "memo": None,
                "created": codings[1]["created"],
            },
        ]
        cases = {
            r[0]: r[1]
            for r in p.conn.execute(
                "SELECT s.text, c.name FROM segments s LEFT JOIN cases c ON c.id = s.case_id"
            )
        }
        # Lines without a blank line between them are one paragraph, as in any imported text.
        assert cases == {
            "Para one.": "Ann",
            "Para two 😀 ends.": "Ann",
            "First paragraph.\nSecond paragraph here.": "Bob",
            "PDF words": None,
        }
        assert p.query("SELECT name, value FROM case_attributes") == [{"name": "age", "value": "34"}]
        memos = [tuple(r) for r in p.conn.execute("SELECT target_kind, title FROM memos ORDER BY id")]
        # A note on a coding joins the coding's own memo (above); only the source's note is a memo row.
        assert memos == [("document", "On the source")]
        assert p.scalar("SELECT source_type FROM documents WHERE name = 'inline'") == "document"
    assert report["skipped"] == {"selections": 1, "codings": 1, "sources": 1}


def test_import_create_works_for_transcripts_too(new_location, runner, tmp_path):
    proj = new_location("new")
    run(runner, "import", proj, write(tmp_path / "a.txt", "Interviewer: hi\nP1: hello\n"), "--create")
    assert json.loads(run(runner, "documents", proj, "--json").stdout)[0]["name"] == "a"
    broken = tmp_path / "b.docx"
    broken.write_bytes(b"PK\x03\x04 junk")
    run(runner, "import", new_location("other"), broken, "--create", code=2)
    assert not project_exists(new_location("other"))
