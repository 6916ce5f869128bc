"""Transcripts saved from word processors and browsers: .rtf, .odt, .html and .pdf (with a text layer)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from qualcode.core.models import ParsedDocument
from qualcode.errors import InputError
from qualcode.ingest.common import ImportOptions, decode_raw, normalise_text, open_zip
from qualcode.ingest.transcripts import finish_document

_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
# A PDF with fewer letters or digits than this per page has no text layer worth the name (a scan).
_MIN_CHARS_PER_PAGE = 10


def _paragraph_text(paragraphs: list[str]) -> str:
    """One paragraph per block, a blank line between them (as for .docx), so paragraph splitting sees each."""
    return "\n\n".join(p for p in (normalise_text(p).strip() for p in paragraphs) if p)


def read_rtf(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    from striprtf.striprtf import rtf_to_text  # deferred: only for RTF files

    raw = decode_raw(data, path.name)
    if not raw.lstrip().startswith("{\\rtf"):
        raise InputError(f"{path.name}: not an RTF file (it does not start with {{\\rtf)")
    text = rtf_to_text(raw, errors="ignore")
    # \uN escapes arrive as UTF-16 halves: pair them up; a half without its partner becomes U+FFFD
    text = normalise_text(text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"))
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    return [finish_document(path, data, text, options)]


def _odf_text(node: Any, out: list[str]) -> None:
    """Paragraphs and headings in document order, with spaces, tabs and line breaks as ODF encodes them."""
    from odf import teletype
    from odf.namespaces import TEXTNS

    for child in node.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if child.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
            out.append(teletype.extractText(child))
        else:
            _odf_text(child, out)


def read_odt(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    from xml.parsers.expat import ExpatError
    from xml.sax import SAXException

    from odf.opendocument import load  # deferred: odfpy only for OpenDocument files

    open_zip(data, path.name).close()
    try:
        document = load(io.BytesIO(data))
    except (KeyError, ValueError, AttributeError, SyntaxError, OSError, ExpatError, SAXException) as exc:
        raise InputError(f"{path.name}: not a readable OpenDocument text ({type(exc).__name__})") from None
    paragraphs: list[str] = []
    _odf_text(document.text, paragraphs)
    return [finish_document(path, data, _paragraph_text(paragraphs), options)]


_HTML_BLOCKS = frozenset(
    {
        "p",
        "div",
        "li",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "table",
        "ul",
        "ol",
        "dl",
        "main",
        "aside",
        "figure",
        "figcaption",
        "hr",
    }
)
_HTML_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})


def _html_parts(el: Any, parts: list[str]) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag not in _HTML_SKIP and isinstance(el.tag, str):
        block = tag in _HTML_BLOCKS
        if block:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n")
        elif tag in ("td", "th"):
            parts.append(" ")
        if el.text:
            parts.append(_SPACES.sub(" ", el.text.replace("\n", " ")))
        for child in el:
            _html_parts(child, parts)
        if block:
            parts.append("\n\n")
    if el.tail:
        parts.append(_SPACES.sub(" ", el.tail.replace("\n", " ")))


def read_html(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    import lxml.html  # deferred: only for web pages

    raw = decode_raw(data, path.name)
    raw = re.sub(r"^\s*<\?xml[^>]*\?>", "", raw)  # lxml refuses a str that declares its own encoding
    if not raw.strip():
        raise InputError(f"{path.name}: empty file")
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(raw)
    except ParserError:  # lxml's word for a page with no elements at all
        raise InputError(f"{path.name}: no text found") from None
    body = root.find("body")
    parts: list[str] = []
    _html_parts(body if body is not None else root, parts)
    lines = [line.strip() for line in normalise_text("".join(parts)).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return [finish_document(path, data, text, options)]


def read_pdf(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    """A PDF's text layer, page by page; a scan (no text layer) is refused, never imported as nothing."""
    import logging

    from pypdf import PdfReader  # deferred: only for PDF files
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5] == b"%PDF-":
        raise InputError(f"{path.name}: not a PDF file")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf chats about every font quirk
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(
                f"{path.name}: the PDF is password-protected; save an unprotected copy and import that"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except PyPdfError as exc:
        raise InputError(f"{path.name}: cannot read this PDF ({type(exc).__name__}: {exc})") from None
    chars = sum(1 for p in pages for ch in p if ch.isalnum())
    if chars < _MIN_CHARS_PER_PAGE * max(1, len(pages)):
        raise InputError(
            f"{path.name}: this PDF has no text layer (a scan?): {len(pages)} page(s), {chars} letters"
            " found; run OCR on it first (e.g. ocrmypdf) or import the original transcript"
        )
    pages = ["\n".join(line.rstrip() for line in normalise_text(p).split("\n")).strip("\n") for p in pages]
    text = "\n\n".join(p for p in pages if p.strip())
    return [finish_document(path, data, text, options)]
