"""Transcript importers: plain text / Markdown, Word (.docx) and WebVTT captions (.vtt)."""

from __future__ import annotations

import html
import io
from pathlib import Path

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.core.turns import LABEL_RE, parse_turns, speaker_roles
from qualcode.errors import InputError
from qualcode.ingest.common import (
    ImportOptions,
    assign_cases,
    check_source_type,
    decode_text,
    guess_source_type,
    normalise_text,
    open_zip,
    sha256,
)


def finish_document(
    path: Path,
    data: bytes,
    text: str,
    options: ImportOptions,
    warnings: list[str] | None = None,
    segments: list[ParsedSegment] | None = None,
) -> ParsedDocument:
    """Find the turns (unless the reader already has them), the source type and the cases."""
    legend: dict[str, str] = {}
    if segments is None:
        turns = parse_turns(text, options.interviewers)
        segments, legend, roles = turns.segments, turns.legend, turns.roles
    else:
        roles = speaker_roles(dict.fromkeys(s.speaker for s in segments if s.speaker), options.interviewers)
    if not segments:
        raise InputError(f"{path.name}: no text found")
    name = options.name or path.stem
    source_type = (
        check_source_type(options.source_type) if options.source_type else guess_source_type(segments, roles)
    )
    cases = assign_cases(segments, source_type, options, name, roles)
    return ParsedDocument(
        name,
        source_type,
        text,
        segments,
        path.name,
        sha256(data),
        cases,
        warnings or [],
        roles=roles,
        legend=legend,
    )


def read_text(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    text = decode_text(data, path.name)
    return [finish_document(path, data, text, options)]


def read_docx(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    import docx  # deferred: python-docx pulls in lxml, only needed for Word files
    from docx.opc.exceptions import PackageNotFoundError

    open_zip(data, path.name).close()
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise InputError(f"{path.name}: not a readable Word document ({type(exc).__name__})") from None
    paragraphs = [normalise_text(p.text).strip() for p in document.paragraphs]
    warnings = []
    if document.tables:
        warnings.append(f"{path.name}: {len(document.tables)} table(s) skipped; only paragraphs are imported")
    # A blank line between paragraphs, so paragraph-mode splitting sees each one.
    text = "\n\n".join(p for p in paragraphs if p)
    return [finish_document(path, data, text, options, warnings)]


def read_vtt(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    """Teams (<v Name>) or Zoom ('Name: text') captions; consecutive cues of one speaker become one turn."""
    import webvtt  # deferred: only needed for caption files
    from webvtt.errors import MalformedFileError

    raw = decode_text(data, path.name)
    try:
        captions = list(webvtt.from_buffer(io.StringIO(raw)).captions)  # WebVTT iterates via __getitem__ only
    except (MalformedFileError, ValueError, IndexError) as exc:
        raise InputError(f"{path.name}: not a valid WebVTT file ({exc})") from None
    turns: list[tuple[str | None, list[str], str]] = []
    for cue in captions:
        speaker = (cue.voice or "").strip() or None
        line = " ".join(html.unescape(cue.text).split())
        if speaker is None:
            m = LABEL_RE.match(line)
            if m:
                speaker, line = m.group("label").strip(), line[m.end() :]
        if not line:
            continue
        if turns and turns[-1][0] == speaker:
            turns[-1][1].append(line)
        else:
            turns.append((speaker, [line], cue.start))
    parts: list[str] = []
    segments: list[ParsedSegment] = []
    pos = 0
    for speaker, lines, start in turns:
        prefix = f"{speaker}: " if speaker else ""
        body = " ".join(lines)
        segments.append(
            ParsedSegment(pos + len(prefix), pos + len(prefix) + len(body), speaker=speaker, time=start)
        )
        parts.append(prefix + body)
        pos += len(prefix) + len(body) + 2
    return [finish_document(path, data, "\n\n".join(parts), options, segments=segments)]
