"""Write the binary transcript fixtures (.docx, .odt, .pdf) from invented text:
`python tests/data/transcripts/make_fixtures.py`."""

from __future__ import annotations

from pathlib import Path

import docx

HERE = Path(__file__).parent

OTTER = [
    ("SUMMARY KEYWORDS", None),
    ("hub, referral, outreach", None),
    ("SPEAKERS", None),
    ("Sara Holm, Speaker 2", None),
    ("Sara Holm", "  0:03"),
    ("Thanks for making time today. How did you hear about the hub?", None),
    ("Speaker 2", "  0:11"),
    ("Through a colleague. [inaudible] she had a flyer.", None),
    ("We went the week after.", None),
    ("Sara Holm", "  1:02"),
    ("And what changed?", None),
    ("Speaker 2", "  1:09"),
    ("We refer people earlier now.", None),
    ("Transcribed by https://otter.ai", None),
]
TEAMS = [
    ("Sara Holm", "   0:03"),
    ("Thanks for joining. Could you say what your role is?", None),
    ("Ola Berg", "   0:09"),
    ("I coordinate the volunteers at the east site.", None),
    ("Sara Holm", "   0:21"),
    ("How long have you done that?", None),
    ("Ola Berg", "   0:25"),
    ("Two years in May.", None),
]


def write_docx(path: Path, paragraphs: list[tuple[str, str | None]]) -> None:
    """Each paragraph as Otter and Teams write them: the name in one run, the time in another."""
    document = docx.Document()
    for text, time in paragraphs:
        para = document.add_paragraph()
        para.add_run(text).bold = time is not None
        if time:
            para.add_run(time)
    document.core_properties.author = "qualcode tests"
    document.save(path)


ODT = [
    "Interview 6",
    "Interviewer: What brought you to the garden?",
    "P6: My daughter. She  volunteers there.",
    "We go on Saturdays.",
    "Interviewer: What do you do there?",
    "P6: Weeding, mostly [laughs].",
]
PDF_PAGES = [
    [
        "Interviewer: How did you hear about the clinic?",
        "P7: From the leaflet at the library.",
        "It had the times on it.",
    ],
    ["Interviewer: Would you go again?", "P7: Yes, next month."],
]


def write_odt(path: Path, paragraphs: list[str]) -> None:
    from odf import teletype
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=paragraphs[0]))
    for text in paragraphs[1:]:
        para = P()
        teletype.addTextToElement(para, text)
        document.text.addElement(para)
    document.save(str(path))


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A plain PDF with a text layer (Helvetica, one text line per line), written by hand: no PDF library."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops += [f"({escaped}) Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >>"
            b" >> /Contents %d 0 R >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        " ".join(f"{k} 0 R" for k in kids).encode(),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


if __name__ == "__main__":
    write_docx(HERE / "otter.docx", OTTER)
    write_docx(HERE / "teams.docx", TEAMS)
    write_odt(HERE / "interview.odt", ODT)
    (HERE / "interview.pdf").write_bytes(pdf_bytes(PDF_PAGES))
    (HERE / "scanned.pdf").write_bytes(pdf_bytes([[], []]))  # pages without a text layer, as a scan has
