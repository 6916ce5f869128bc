"""Per importer: generated files it must accept, and garbage it must refuse with an InputError."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from xml.sax.saxutils import escape, quoteattr

import yaml
from hypothesis import strategies as st

from tests.conftest import zip_bytes

_n = itertools.count()
# Printable text: letters (with accents), digits, punctuation, apostrophes and quotes, an emoji; no control
# characters (Word and Excel cannot hold them) and no colon (it would start a new speaker turn).
_PLAIN = "abcdefghijklmnopqrstuvwxyzAZÉéçñø0123456789 .,;!?()-–…🙂"
WORDS = st.text(alphabet=st.sampled_from(list(_PLAIN + "'\"")), min_size=1, max_size=40).filter(
    lambda t: t.strip() != ""
)
# Without quote characters: the CSV sniffing bug of issue 11 (B0) is tested with the survey importer itself.
PLAIN_WORDS = st.text(alphabet=st.sampled_from(list(_PLAIN)), min_size=1, max_size=40).filter(
    lambda t: t.strip() != ""
)
LABELS = st.sampled_from(["Interviewer", "P1", "P2", "Facilitator", "Dr Rao"])
# Quotes that occur exactly once in the fuzz study's seed document, and leaf codes of the PDU codebook.
QUOTES = ["refers people sooner", "Café sessions", "One more line", "naïve at first", "What changed for you?"]
LEAF_CODES = ["practice.awareness", "practice.confidence", "org.signposting", "org.joint-working"]


def _csv(rows: list[list[str]], dialect: str = "excel") -> bytes:
    out = io.StringIO()
    csv.writer(out, dialect=dialect).writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def valid_txt(draw: st.DrawFn) -> bytes:
    turns = draw(st.lists(st.tuples(LABELS, WORDS), min_size=1, max_size=8))
    lines = [f"Interviewer: file {next(_n)}"] + [f"{label}: {text}" for label, text in turns]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@st.composite
def valid_survey_rows(draw: st.DrawFn, words: st.SearchStrategy[str] = WORDS) -> list[list[str]]:
    n = next(_n)
    answers = [draw(words)] + draw(st.lists(st.one_of(words, st.just("")), max_size=7))  # one answer at least
    return [["id", "answer", "sector"]] + [[f"R{n}-{i}", a, "voluntary"] for i, a in enumerate(answers)]


@st.composite
def valid_csv(draw: st.DrawFn) -> bytes:
    return _csv(draw(valid_survey_rows(PLAIN_WORDS)))


@st.composite
def valid_xlsx(draw: st.DrawFn) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in draw(valid_survey_rows()):
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@st.composite
def valid_docx(draw: st.DrawFn) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(f"Interviewer: file {next(_n)}")
    for label, text in draw(st.lists(st.tuples(LABELS, WORDS), min_size=1, max_size=6)):
        document.add_paragraph(f"{label}: {text}")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@st.composite
def valid_vtt(draw: st.DrawFn) -> bytes:
    cues = [f"file {next(_n)}"] + draw(st.lists(WORDS, min_size=1, max_size=6))
    voices = draw(st.lists(LABELS, min_size=len(cues), max_size=len(cues)))
    parts = ["WEBVTT", ""]
    for i, (text, voice) in enumerate(zip(cues, voices, strict=True)):
        parts += [f"00:00:{i:02d}.000 --> 00:00:{i:02d}.900", f"<v {voice}>{escape(text)}</v>", ""]
    return "\n".join(parts).encode("utf-8")


@st.composite
def valid_qdpx(draw: st.DrawFn) -> bytes:
    n = next(_n)
    text = f"source {n}: " + draw(WORDS)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    code, child = draw(WORDS), draw(WORDS)
    g = [str(uuid.uuid4()) for _ in range(7)]
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="fuzz {n}" origin="test">
  <Users><User guid="{g[0]}" name="zoe"/></Users>
  <CodeBook><Codes><Code guid="{g[1]}" name={quoteattr(code)} isCodable="true">
    <Code guid="{g[2]}" name={quoteattr(child)} isCodable="true"/></Code></Codes></CodeBook>
  <Sources><TextSource guid="{g[3]}" name="s{n}" plainTextPath="internal://s{n}.txt">
    <PlainTextSelection guid="{g[4]}" startPosition="{start}" endPosition="{end}" creatingUser="{g[0]}">
      <Coding guid="{g[5]}"><CodeRef targetGUID="{g[2]}"/></Coding>
    </PlainTextSelection></TextSource></Sources>
  <Notes><Note guid="{g[6]}" name="n"><PlainTextContent>{escape(draw(WORDS))}</PlainTextContent></Note></Notes>
</Project>"""
    return zip_bytes({"project.qde": qde, f"sources/s{n}.txt": text})


@st.composite
def valid_yaml(draw: st.DrawFn) -> bytes:
    n = next(_n)
    children = draw(st.lists(WORDS, min_size=0, max_size=4))
    data = {
        "name": draw(WORDS),
        "codes": [
            {
                "key": f"fuzz{n}",
                "label": draw(WORDS),
                "definition": draw(WORDS),
                "children": [
                    {"key": f"fuzz{n}.c{i}", "label": label, "keywords": [label]}
                    for i, label in enumerate(children)
                ],
            }
        ],
    }
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8")


@st.composite
def valid_codings(draw: st.DrawFn) -> bytes:
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(QUOTES), st.sampled_from(LEAF_CODES), WORDS, WORDS),
            min_size=1,
            max_size=6,
        )
    )
    dialect = draw(st.sampled_from(["excel", "unix"]))
    return _csv(
        [["document", "quote", "code", "coder", "claim"]]
        # A claim cell with no space that looks like a key (`out.x`) names an existing claim; a text with a
        # space is a new claim, which is what valid rows carry here.
        + [
            ["seed", q, c, "coder " + coder.replace("\n", " "), "claim about " + claim]
            for q, c, coder, claim in rows
        ],
        dialect,
    )


def _turns(draw: st.DrawFn, words: st.SearchStrategy[str] = WORDS) -> list[str]:
    return [f"Interviewer: file {next(_n)}"] + [
        f"{label}: {text}" for label, text in draw(st.lists(st.tuples(LABELS, words), min_size=1, max_size=6))
    ]


@st.composite
def valid_rtf(draw: st.DrawFn) -> bytes:
    def rtf(line: str) -> str:
        out = "".join(
            "\\" + ch
            if ch in "\\{}"
            else ch
            if ord(ch) < 128
            else "".join(f"\\u{u if u < 32768 else u - 65536}?" for u in _utf16_units(ch))
            for ch in line
        )
        return out + "\\par\n"

    return (
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\n" + "".join(rtf(t) for t in _turns(draw)) + "}"
    ).encode()


def _utf16_units(ch: str) -> list[int]:
    data = ch.encode("utf-16-le")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


@st.composite
def valid_html(draw: st.DrawFn) -> bytes:
    body = "".join(f"<p>{escape(t)}</p>\n" for t in _turns(draw))
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>".encode()


@st.composite
def valid_odt(draw: st.DrawFn) -> bytes:
    from odf import teletype
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for line in _turns(draw):
        para = P()
        teletype.addTextToElement(para, line)
        document.text.addElement(para)
    buf = io.BytesIO()
    document.write(buf)
    return buf.getvalue()


CP1252_WORDS = PLAIN_WORDS.map(lambda t: t.encode("cp1252", "ignore").decode("cp1252")).filter(
    lambda t: t.strip()
)


@st.composite
def valid_pdf(draw: st.DrawFn) -> bytes:
    from tests.data.transcripts.make_fixtures import pdf_bytes

    return pdf_bytes([_turns(draw, CP1252_WORDS)])


VALID = {
    "txt": valid_txt(),
    "csv": valid_csv(),
    "xlsx": valid_xlsx(),
    "docx": valid_docx(),
    "vtt": valid_vtt(),
    "qdpx": valid_qdpx(),
    "yaml": valid_yaml(),
    "codings": valid_codings(),
    "rtf": valid_rtf(),
    "html": valid_html(),
    "odt": valid_odt(),
    "pdf": valid_pdf(),
}

# Garbage: files that cannot be what their name says, whatever the random part holds.
BINARY = st.binary(max_size=300).map(lambda b: b"\x00\x01" + b)  # a NUL byte: not text
NOT_ZIP = st.binary(max_size=300).filter(lambda b: not b.startswith(b"PK")).map(lambda b: b"\x00" + b)
TEXT = st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
GARBAGE = {
    "txt": st.one_of(BINARY, st.sampled_from([b"", b"   \n\t\n", "\u2028\n".encode()])),
    "csv": st.one_of(
        BINARY,
        st.lists(WORDS, max_size=5).map(
            lambda answers: _csv([["respondent", "answer"]] + [[str(i), a] for i, a in enumerate(answers)])
        ),
    ),
    "xlsx": st.one_of(
        NOT_ZIP,
        st.dictionaries(st.sampled_from(["a.txt", "b/c.xml"]), st.binary(max_size=50), min_size=1).map(
            zip_bytes
        ),
    ),
    "docx": st.one_of(
        NOT_ZIP,
        st.dictionaries(st.sampled_from(["a.txt", "word/x.xml"]), st.binary(max_size=50), min_size=1).map(
            zip_bytes
        ),
    ),
    "vtt": st.one_of(BINARY, TEXT.map(lambda b: b"NOT VTT\n" + b)),
    "qdpx": st.one_of(
        NOT_ZIP,
        st.dictionaries(st.sampled_from(["a.txt", "sources/x.txt"]), st.binary(max_size=50), min_size=1).map(
            zip_bytes
        ),
    ),
    "yaml": st.one_of(BINARY, WORDS.map(lambda w: yaml.safe_dump({"name": w, "kodes": [w]}).encode("utf-8"))),
    "codings": st.one_of(
        BINARY,
        st.lists(st.sampled_from(QUOTES), min_size=1, max_size=4).map(
            lambda quotes: _csv([["document", "quote"]] + [["seed", q] for q in quotes])
        ),
    ),
    "rtf": st.one_of(BINARY, TEXT.map(lambda b: b"NOT RTF\n" + b)),
    "html": st.one_of(
        BINARY, st.sampled_from([b"<html><body><script>x()</script></body></html>", b"<p> </p>"])
    ),
    "odt": st.one_of(
        NOT_ZIP,
        st.dictionaries(st.sampled_from(["a.txt", "content.xml"]), st.binary(max_size=50), min_size=1).map(
            zip_bytes
        ),
    ),
    "pdf": st.one_of(
        TEXT.filter(lambda b: not b.lstrip().startswith(b"%PDF-")).map(lambda b: b"x" + b),
        st.integers(1, 3).map(
            lambda n: __import__("tests.data.transcripts.make_fixtures", fromlist=["pdf_bytes"]).pdf_bytes(
                [[]] * n
            )
        ),
    ),
}
