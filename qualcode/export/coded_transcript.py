"""A coded transcript for review: coded spans highlighted, each coding's code, coder and memo as a Word comment
or in an HTML margin (the way reviewers audit coding in Word)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from qualcode.export.cells import clean
from qualcode.export.htmlpage import CSP, esc


@dataclass(slots=True)
class _Piece:
    start: int
    end: int
    codings: list[int]  # indexes into the codings list
    bold: bool  # a speaker label (the text before a turn's words on its line)


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _pieces(data: dict[str, Any]) -> list[list[_Piece]]:
    """Each line of the text cut where a coding or a speaker label starts or ends, with what covers each piece."""
    text, codings = data["text"], data["codings"]
    labels = []
    for seg in data["segments"]:
        if seg["speaker"]:
            line_start = text.rfind("\n", 0, seg["start"]) + 1
            if line_start < seg["start"]:
                labels.append((line_start, seg["start"]))
    cuts = {b for k in codings for b in (k["start"], k["end"])} | {b for span in labels for b in span}
    out = []
    for ls, le in _lines(text):
        bounds = sorted({ls, le} | {c for c in cuts if ls < c < le})
        line = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            covering = [i for i, k in enumerate(codings) if k["start"] <= a and b <= k["end"]]
            line.append(_Piece(a, b, covering, any(s <= a and b <= e for s, e in labels)))
        out.append(line)
    return out


def _comment(k: dict[str, Any]) -> str:
    parts = [f"{k['label']} [{k['code']}]"]
    if k.get("contribution"):
        parts.append(f"contribution: {k['contribution']}")
    if k.get("memo"):
        parts.append(str(k["memo"]))
    return clean("\n".join(parts))


def _summary(data: dict[str, Any]) -> str:
    coders = sorted({k["coder"] for k in data["codings"]})
    return (
        f"{len(data['codings'])} coding(s) by {', '.join(coders) or 'nobody'}. Highlighted text is coded; "
        "each coding's code, coder and memo is a comment beside it."
    )


def build_coded_docx(data: dict[str, Any]) -> bytes:
    """Word document: one paragraph per line of the text, coded runs highlighted, one comment per coding."""
    import docx  # deferred: python-docx loads lxml
    from docx.enum.text import WD_COLOR_INDEX

    document = docx.Document()
    document.add_heading(clean(data["document"]), level=1)
    document.add_paragraph(clean(_summary(data))).runs[0].italic = True
    first: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for line in _pieces(data):
        if not line or all(data["text"][p.start : p.end].strip() == "" for p in line):
            continue  # a blank line: Word's paragraph spacing shows it
        para = document.add_paragraph()
        for piece in line:
            run = para.add_run(clean(data["text"][piece.start : piece.end]))
            run.bold = piece.bold or None
            if piece.codings:
                run.font.highlight_color = (
                    WD_COLOR_INDEX.YELLOW if len(piece.codings) == 1 else WD_COLOR_INDEX.TURQUOISE
                )
            for i in piece.codings:
                first.setdefault(i, run)
                last[i] = run
    for i, k in enumerate(data["codings"]):
        if i in first:
            initials = "".join(w[0] for w in str(k["coder"]).split()[:3]).upper()
            document.add_comment(
                [first[i], last[i]], text=_comment(k), author=clean(str(k["coder"])), initials=initials
            )
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


_STYLE = """
body { font-family: Georgia, serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-family: Helvetica, Arial, sans-serif; font-size: 1.5rem; border-bottom: 3px solid #0072B2; }
.summary { color: #555; font-style: italic; }
.row { display: grid; grid-template-columns: 1fr 20rem; gap: 1.2rem; border-bottom: 1px solid #eee; }
.row p { margin: .35rem 0; line-height: 1.45; white-space: pre-wrap; }
.margin { font-family: Helvetica, Arial, sans-serif; font-size: .8rem; padding: .35rem 0; }
.note { border-left: 3px solid #E69F00; padding: .1rem .5rem; margin-bottom: .35rem; background: #fff8e6; }
.note .who { color: #666; }
.note .memo { white-space: pre-wrap; }
mark { background: #ffe680; } mark.many { background: #9fe3e0; }
b.label { font-family: Helvetica, Arial, sans-serif; }
sup { color: #a05a00; font-size: .7em; }
"""


def build_coded_html(data: dict[str, Any]) -> bytes:
    """A self-contained page: the text on the left with coded spans marked and numbered, the codings of each
    line in the margin on the right."""
    numbers = {i: i + 1 for i in range(len(data["codings"]))}
    rows = []
    for line in _pieces(data):
        if not line or all(data["text"][p.start : p.end].strip() == "" for p in line):
            continue
        html, notes = [], []
        for piece in line:
            chunk = esc(data["text"][piece.start : piece.end])
            starting = [i for i in piece.codings if data["codings"][i]["start"] == piece.start]
            if piece.bold:
                chunk = f'<b class="label">{chunk}</b>'
            if piece.codings:
                title = esc(
                    "; ".join(
                        f"{data['codings'][i]['label']} ({data['codings'][i]['coder']})"
                        for i in piece.codings
                    )
                )
                cls = ' class="many"' if len(piece.codings) > 1 else ""
                chunk = f'<mark{cls} title="{title}">{chunk}</mark>'
            chunk = "".join(f"<sup>{numbers[i]}</sup>" for i in starting) + chunk
            html.append(chunk)
            for i in starting:
                k = data["codings"][i]
                memo = f'<div class="memo">{esc(str(k["memo"]))}</div>' if k.get("memo") else ""
                contribution = f" · {esc(k['contribution'])}" if k.get("contribution") else ""
                notes.append(
                    f'<div class="note"><sup>{numbers[i]}</sup> <b>{esc(k["label"])}</b>'
                    f' <span class="who">[{esc(k["code"])}] {esc(str(k["coder"]))}{contribution}</span>'
                    f"{memo}</div>"
                )
        rows.append(
            f'<div class="row"><p>{"".join(html)}</p><div class="margin">{"".join(notes)}</div></div>'
        )
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{esc(data['document'])}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{esc(data["document"])}</h1><p class="summary">{esc(_summary(data))}</p>'
        + "\n".join(rows)
        + "</body></html>\n"
    )
    return page.encode("utf-8")
