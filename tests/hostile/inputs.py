"""Seed files for every importer, mutation strategies, and the check that an import either works or fails
cleanly with the project exactly as it was."""

from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

from qualcode.app.actions import (
    import_codebook_file,
    import_codings_file,
    import_files,
    import_refi_file,
    read_refi_file,
)
from qualcode.errors import QualcodeError
from qualcode.ingest import ImportOptions
from qualcode.store.project import Project
from tests.conftest import zip_bytes

SURVEY_OPTIONS = ImportOptions(id_column="id", text_columns=["answer"])
TXT = (
    "Interviewer: What changed for you? [laughs]\nP1: Marisol's team refers people sooner now.\n"
    "Interviewer: Why?\r\nP1: Café sessions — naïve at first 🙂\n"
)
CSV = 'id,answer,sector\nR1,I signpost to the hub,voluntary\nR2,,statutory\nR3,"More confident, calmer",private\n'
VTT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Hello, can you hear me?</v>\n\n"
    "00:00:05.000 --> 00:00:09.000\n<v Dr Okafor>Yes &amp; loud and clear.</v>\n\n"
    "00:00:10.000 --> 00:00:12.000\nSam: Zoom style line\n"
)
CODEBOOK = """name: tiny
codes:
  - key: change
    label: Change
    definition: What changed.
    children:
      - key: change.practice
        label: Practice
        keywords: [refer, signpost]
  - key: other
    label: Other
    parent: change
"""
CODINGS = (
    "document,quote,code,coder,claim\nseed,refers people sooner,practice.awareness,zoe,quicker referrals\n"
    "seed,Café sessions,practice.confidence,zoe,\n"
)
QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="test">
  <Users><User guid="55555555-5555-5555-5555-555555555555" name="zoe"/></Users>
  <CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="A" isCodable="true">
    <Code guid="11111111-1111-1111-1111-111111111112" name="B" isCodable="true"/></Code></Codes></CodeBook>
  <Sources><TextSource guid="22222222-2222-2222-2222-222222222222" name="s" plainTextPath="internal://s.txt">
    <PlainTextSelection guid="33333333-3333-3333-3333-333333333333" startPosition="0" endPosition="5"
      creatingUser="55555555-5555-5555-5555-555555555555">
      <Coding guid="44444444-4444-4444-4444-444444444444"><CodeRef targetGUID="11111111-1111-1111-1111-111111111112"/></Coding>
    </PlainTextSelection></TextSource></Sources>
  <Notes><Note guid="66666666-6666-6666-6666-666666666666" name="n"><PlainTextContent>memo</PlainTextContent></Note></Notes>
</Project>"""


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    for line in (
        "Interviewer: How did the session go?",
        "P3: It changed how I talk to Jas's team.",
        "Interviewer: Anything else?",
        "P3: The women's CoP [inaudible].",
    ):
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["id", "answer", "sector"],
        ["R1", "I signpost more", "voluntary"],
        [2, "=1+1", "statutory"],
        ["R3", None, "private"],
    ):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TRANSCRIPTS = Path(__file__).parent.parent / "data" / "transcripts"


def transcript(name: str) -> Callable[[], bytes]:
    return lambda: (TRANSCRIPTS / name).read_bytes()


SEEDS: dict[str, Callable[[], bytes]] = {
    "txt": lambda: TXT.encode("utf-8"),
    "csv": lambda: CSV.encode("utf-8"),
    "xlsx": xlsx_bytes,
    "docx": docx_bytes,
    "vtt": lambda: VTT.encode("utf-8"),
    "qdpx": lambda: zip_bytes({"project.qde": QDE, "sources/s.txt": "hello world, Marisol"}),
    "yaml": lambda: CODEBOOK.encode("utf-8"),
    "codings": lambda: CODINGS.encode("utf-8"),
    "rtf": transcript("interview.rtf"),
    "odt": transcript("interview.odt"),
    "html": transcript("interview.html"),
    "pdf": transcript("interview.pdf"),
}
ZIPPED = {"xlsx", "docx", "qdpx", "odt"}
_counter = itertools.count()


def run_import(project: Project, kind: str, path: Path) -> None:
    """The same calls the CLI makes for `import`, `codebook import` and `codings import`."""
    if kind == "qdpx":
        import_refi_file(project, read_refi_file(path), path)
    elif kind == "yaml":
        import_codebook_file(project, path)
    elif kind == "codings":
        import_codings_file(project, path, "zoe")
    else:
        import_files(project, [path], SURVEY_OPTIONS if kind in ("csv", "xlsx") else ImportOptions())


def suffix(kind: str) -> str:
    return {"yaml": ".yaml", "codings": ".csv"}.get(kind, f".{kind}")


def project_dump(project: Project) -> str:
    """Everything the project holds as text: SQLite's dump (schema and rows), or every row of every table of
    a server study."""
    if not project.on_server:
        return "\n".join(project.conn.iterdump())
    raw = project.server_conn.raw
    tables = raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
    rows = [(t, raw.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()) for (t,) in tables]
    return "\n".join(f"{t}: {r!r}" for t, r in rows)


def project_digest(project: Project) -> str:
    """Everything the project holds (schema and rows of every table), as one hash."""
    return hashlib.sha256(project_dump(project).encode("utf-8")).hexdigest()


def attempt(project: Project, kind: str, data: bytes, folder: Path) -> str:
    """Import `data`; the only outcomes allowed are success ("ok") or a QualcodeError with the project
    unchanged ("error")."""
    return "ok" if outcome(project, kind, data, folder) == "ok" else "error"


def outcome(project: Project, kind: str, data: bytes, folder: Path) -> str:
    """ "ok", or the name of the QualcodeError raised (with the project checked unchanged and the message one
    line); any other exception propagates and fails the test."""
    path = folder / f"in{next(_counter)}{suffix(kind)}"
    path.write_bytes(data)
    before = project_digest(project)
    try:
        run_import(project, kind, path)
    except QualcodeError as exc:
        assert project_digest(project) == before, f"{kind}: failed ({exc}) but the project changed"
        assert not project.conn.in_transaction
        assert "\n" not in str(exc).strip(), "errors are one line"
        return f"{type(exc).__name__}: {exc}"
    finally:
        path.unlink(missing_ok=True)
    return "ok"


# -- mutations -----------------------------------------------------------------------------------------------
SPICE = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\r",
    b"\r\n",
    b"\x1b[2J",
    b"\xe2\x80\xae",
    b"\xc3",
    b"\x81",
    b":",
    b"[",
    b"]",
    b"<",
    b">",
    b"&",
    b"&#0;",
    b'<!DOCTYPE x [<!ENTITY e "e">]>',
    b"<v ",
    b"-->",
    b'"',
    b",",
    b";",
    b"\t",
    b"=cmd|' /C calc'!A0",
    b"*a",
    b"&a [*a]",
    b"{",
    b"- ",
    b"P1:",
    b"\n\n",
    b"9" * 30,
]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A seed with a few byte-level edits: flips, inserts (often of troublesome snippets), deletions, cuts."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(SPICE), st.binary(min_size=1, max_size=8)))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[at:]
        elif op == "repeat":
            data[at:at] = bytes(data[at : at + draw(st.integers(1, 40))]) * draw(st.integers(2, 5))
    return bytes(data)


@st.composite
def mutated_member(draw: st.DrawFn, seed: bytes) -> bytes:
    """A zip-based file with one member's content mutated (and sometimes a member renamed, added or dropped),
    re-zipped properly so the parsers behind the zip layer get exercised."""
    members = zip_members(seed)
    names = sorted(members)
    name = draw(st.sampled_from(names))
    members[name] = draw(mutated(members[name]))
    extra = draw(st.sampled_from(["none", "drop", "slip", "rename"]))
    if extra == "drop":
        members.pop(draw(st.sampled_from(names)))
    elif extra == "slip":
        members["../../evil.txt"] = b"outside"
    elif extra == "rename":
        old = draw(st.sampled_from(names))
        members[old.upper()] = members.pop(old)
    return zip_bytes(members)


def hostile(kind: str) -> st.SearchStrategy[bytes]:
    seed = SEEDS[kind]()
    options = [st.binary(max_size=600), mutated(seed)]
    if kind in ZIPPED:
        options.append(mutated_member(seed))
    else:
        options.append(st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
    return st.one_of(options)
