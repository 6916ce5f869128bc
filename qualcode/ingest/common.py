"""Shared importer plumbing: options, size and zip caps, text decoding, case assignment."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.core.models import SOURCE_TYPES, ParsedSegment
from qualcode.core.turns import RESEARCHER, is_researcher, speaker_roles
from qualcode.errors import InputError

MAX_FILE_BYTES = 100 * 1024 * 1024
# Caps for zip-based formats (docx, xlsx, qdpx): read in memory, never extracted by member name.
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_UNCOMPRESSED = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200

# What the parsers behind the importers (zipfile, zlib, lxml, python-docx, openpyxl, webvtt, csv) raise on
# damaged or hostile input; lxml's XMLSyntaxError is a SyntaxError, defusedxml's errors are ValueErrors.
PARSER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    ArithmeticError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    SyntaxError,
    RecursionError,
    NotImplementedError,
    AssertionError,
)

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ODD_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")  # what normalise_text changes (\r is \x0d)


@dataclass(slots=True)
class ImportOptions:
    """What the user told the importer; None means 'work it out and say what was chosen'."""

    source_type: str | None = None
    name: str | None = None
    case: str | None = None
    case_prefix: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    speakers: dict[str, dict[str, str]] = field(default_factory=dict)
    id_column: str | None = None
    text_columns: list[str] = field(default_factory=list)
    source_type_column: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    max_bytes: int = MAX_FILE_BYTES
    spec: Any = None  # a SurveySpec (ingest/survey_spec.py): the survey's instrument and closed questions
    instrument: str | None = None
    wave: str | None = None
    wave_column: str | None = None
    participants: int | None = None  # how many people took part in a session (speaker-labelled or not)
    interviewers: list[str] = field(
        default_factory=list
    )  # speakers (names or legend codes) of the research team


def check_source_type(value: str, where: str = "") -> str:
    value = value.strip().lower().replace("_", "-").replace(" ", "-")
    if value == "focus group" or value == "focusgroup":
        value = "focus-group"
    if value not in SOURCE_TYPES:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}source type must be one of {', '.join(SOURCE_TYPES)} (got {value!r})")
    return value


def read_file_bytes(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"{path.name}: {size / 1e6:.0f} MB is over the {max_bytes / 1e6:.0f} MB limit (raise it with --max-mb)"
        )
    data = path.read_bytes()
    if not data or data.isspace():  # (not data.strip(): that copies the whole file)
        raise InputError(f"{path.name}: empty file")
    return data


@contextlib.contextmanager
def parser_errors_as_input(name: str, kind: str = "") -> Iterator[None]:
    """Turn anything a parser raises on a damaged or hostile file into one clear InputError; our own
    InputErrors pass through unchanged."""
    try:
        yield
    except InputError:
        raise
    except PARSER_ERRORS as exc:
        what = f" {kind}" if kind else ""
        raise InputError(
            f"{name}: cannot read this{what} file: it is damaged or not what its name says"
            f" ({type(exc).__name__})"
        ) from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; line endings become LF."""
    return normalise_text(decode_raw(data, name))


def decode_raw(data: bytes, name: str) -> str:
    """The text as the file has it (line endings kept), without its byte order mark."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: broken UTF-16 text") from None
    else:
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: looks like a binary file, not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(
                    f"{name}: text is neither UTF-8 nor Windows-1252; save it as UTF-8"
                ) from None
    return text


def normalise_text(text: str) -> str:
    """LF line endings, no NULs or stray control characters (tabs and newlines stay)."""
    if not _ODD_RE.search(text):
        return text  # already normal (the usual case): one scan instead of five
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL_RE.sub("", text)


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """A zip read in memory after checking member count, total size and compression ratio."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(f"{name}: not a valid zip-based file (damaged or not really this format)") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(f"{name}: too many parts inside ({len(infos)})")
    total = sum(i.file_size for i in infos)
    if total > MAX_ZIP_UNCOMPRESSED:
        raise InputError(f"{name}: unpacks to {total / 1e6:.0f} MB, over the limit")
    packed = sum(i.compress_size for i in infos) or 1
    if total > 10 * 1024 * 1024 and total / packed > MAX_ZIP_RATIO:
        raise InputError(f"{name}: compression ratio {total // packed}:1 looks like a zip bomb")
    return zf


def assign_cases(
    segments: list[ParsedSegment],
    source_type: str,
    options: ImportOptions,
    doc_name: str,
    roles: dict[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """Give each segment its case: the interviewee for an interview, each speaker in a focus group.

    Research-team turns (Interviewer, Facilitator, a named --interviewer, a legend's interviewer) belong to no
    case, and so do the unlabelled lines of a transcript that has speakers (a title, Otter's summary): they
    are nobody's words. Returns case name -> attributes.
    """
    roles = (
        roles
        if roles is not None
        else speaker_roles({s.speaker for s in segments if s.speaker}, options.interviewers)
    )
    has_speakers = any(s.speaker for s in segments)

    def team(speaker: str | None) -> bool:
        if speaker is None:
            return has_speakers
        return roles.get(speaker) == RESEARCHER if speaker in roles else is_researcher(speaker)

    cases: dict[str, dict[str, str]] = {}
    if source_type == "focus-group":
        prefix = options.case_prefix or doc_name
        for seg in segments:
            if seg.speaker and not team(seg.speaker):
                seg.case = f"{prefix}-{seg.speaker}"
                if seg.case not in cases:
                    cases[seg.case] = {**options.attributes, **options.speakers.get(seg.speaker, {})}
        return cases
    case = options.case or doc_name
    for seg in segments:
        if not team(seg.speaker):
            seg.case = case
    cases[case] = dict(options.attributes)
    return cases


def guess_source_type(segments: list[ParsedSegment], roles: dict[str, str] | None = None) -> str:
    """interview for one participant voice, focus-group for several, document for untitled prose."""
    roles = roles or {}
    voices = {
        s.speaker
        for s in segments
        if s.speaker
        and roles.get(s.speaker, "") != RESEARCHER
        and (s.speaker in roles or not is_researcher(s.speaker))
    }
    if not any(s.speaker for s in segments):
        return "document"
    return "focus-group" if len(voices) > 1 else "interview"
