"""REFI-QDA (QDA-XML 1.0) projects as plain data, and the pure mapping between them and qualcode's concepts."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from qualcode.core.models import Code

# Lines of this form at the end of a Description carry what REFI-QDA has no place for; other tools show them
# as text and keep them, so they come back when qualcode re-imports its own file.
PREFIX = "qualcode:"
_TRAILER_RE = re.compile(r"^qualcode:([a-z][a-z0-9_]*)=(.*)$")
_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)


@dataclass(slots=True)
class RefiUser:
    guid: str
    name: str


@dataclass(slots=True)
class RefiCode:
    """A code; `parent` is the parent's GUID. `codable` is False for a grouping code nobody applied."""

    guid: str
    name: str
    parent: str | None = None
    description: str = ""
    color: str = ""
    codable: bool = True
    note_refs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiCoding:
    guid: str
    code: str
    user: str | None = None
    created: str | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiSelection:
    """A PlainTextSelection: offsets are code points into the source's LF-normalised text, end exclusive."""

    guid: str
    start: int
    end: int
    name: str = ""
    description: str = ""
    user: str | None = None
    created: str | None = None
    codings: list[RefiCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiSource:
    """A text source with its LF-normalised text (what qualcode stores and what a qualcode export writes)."""

    guid: str
    name: str
    text: str
    description: str = ""
    user: str | None = None
    created: str | None = None
    selections: list[RefiSelection] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    raw_sha256: str = ""  # of the source file's bytes as found, for re-import detection of foreign files
    path: str = ""  # plainTextPath or richTextPath as the file gives it: a name for a source that has none


@dataclass(slots=True)
class RefiVariable:
    guid: str
    name: str
    kind: str = "Text"


@dataclass(slots=True)
class RefiCase:
    """A case; `values` maps variable GUID -> value; `sources` and `selections` are GUIDs it covers."""

    guid: str
    name: str
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiNote:
    guid: str
    name: str
    text: str
    description: str = ""
    user: str | None = None
    created: str | None = None
    modified: str | None = None


@dataclass(slots=True)
class RefiProject:
    """Everything qualcode reads from or writes to a .qdpx / .qdc, already checked for dangling references."""

    name: str = ""
    origin: str = ""
    user: str | None = None
    created: str | None = None
    modified: str | None = None
    description: str = ""
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    # What the file held and what could not be carried over, for the import report.
    found: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def skip(self, kind: str, n: int = 1) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + n


@dataclass(slots=True)
class RefiStream:
    """A project for a writer that writes as it reads: everything but the sources in `head` (its `sources`
    empty), the sources one at a time from `sources()` (each with its selections), then their texts again,
    (GUID, text) in the same order, from `texts()`: a source's text goes in the file after project.qde.
    `size_hint` is a generous guess at project.qde's size in bytes."""

    head: RefiProject
    sources: Callable[[], Iterable[RefiSource]]
    texts: Callable[[], Iterable[tuple[str, str]]]
    count: int = 0
    size_hint: int = 0

    @classmethod
    def of(cls, refi: RefiProject) -> RefiStream:
        """A project already in memory, as a stream."""
        head = RefiProject(**{f: getattr(refi, f) for f in RefiProject.__slots__ if f != "sources"})
        return cls(
            head, lambda: refi.sources, lambda: ((s.guid, s.text) for s in refi.sources), len(refi.sources)
        )


# -- GUIDs -------------------------------------------------------------------------------------------------
def normalise_guid(value: str | None) -> str | None:
    """Lower case, no braces: NVivo and ATLAS.ti write the same GUID in different cases and with braces."""
    if value is None:
        return None
    m = _GUID_RE.match(value.strip())
    return m.group(1).lower() if m else None


def project_namespace(identity: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"qualcode-project:{identity}")


def stable_guid(namespace: uuid.UUID, kind: str, local: str) -> str:
    """The same object of the same project gets the same GUID on every export: str(uuid.uuid5(namespace,
    f"{kind}:{local}")), computed directly (an export makes one per coding and selection)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + f"{kind}:{local}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# -- keys from names ---------------------------------------------------------------------------------------
def slug(name: str, limit: int = 48) -> str:
    """A code key from a code name: lower case words joined by '-', accents kept (keys allow any letter)."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[^\w]+", "-", text).strip("-_")
    if len(text) > limit:
        cut = text[:limit]
        text = cut.rsplit("-", 1)[0] if "-" in cut[limit // 2 :] else cut
        text = text.strip("-_")
    return text or "code"


# -- trailers ------------------------------------------------------------------------------------------------
def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value)


def join_trailer(body: str, fields: list[tuple[str, str]]) -> str:
    lines = [f"{PREFIX}{name}={_escape(value)}" for name, value in fields]
    if not lines:
        return body
    return (body + "\n\n" if body else "") + "\n".join(lines)


def split_trailer(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The human part of a Description and the qualcode fields from its trailing `qualcode:name=value` lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    fields: list[tuple[str, str]] = []
    while lines:
        m = _TRAILER_RE.match(lines[-1])
        if not m:
            break
        fields.insert(0, (m.group(1), _unescape(m.group(2))))
        lines.pop()
    if not fields:
        return text, []
    if lines and lines[-1] == "":  # the blank line join_trailer puts between the text and the fields
        lines.pop()
    return "\n".join(lines), fields


def trailer_dict(fields: list[tuple[str, str]]) -> dict[str, str]:
    return {k: v for k, v in fields}


# -- codes ---------------------------------------------------------------------------------------------------
_SECTIONS = (("include", "Include: "), ("exclude", "Exclude: "), ("keywords", "Keywords: "))
_LISTS = (("examples", "Examples:"), ("atypical_examples", "Atypical examples:"))


def _render_sections(code: Code) -> str:
    blocks = [code.definition] if code.definition else []
    for name, label in _SECTIONS[:2]:
        if getattr(code, name):
            blocks.append(label + getattr(code, name))
    for name, label in _LISTS:
        items = getattr(code, name)
        if items:
            blocks.append(label + "\n" + "\n".join(f"- {x}" for x in items))
    if code.keywords:
        blocks.append("Keywords: " + ", ".join(code.keywords))
    return "\n\n".join(blocks)


def _parse_sections(body: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "definition": "",
        "include": "",
        "exclude": "",
        "keywords": [],
        "examples": [],
        "atypical_examples": [],
    }
    definition: list[str] = []
    for block in body.split("\n\n") if body else []:
        for name, label in _SECTIONS:
            if block.startswith(label):
                value = block[len(label) :]
                out[name] = value.split(", ") if name == "keywords" else value
                break
        else:
            for name, label in _LISTS:
                if block.startswith(label + "\n"):
                    out[name] = [ln[2:] for ln in block[len(label) + 1 :].split("\n")]
                    break
            else:
                definition.append(block)
    out["definition"] = "\n\n".join(definition)
    return out


def code_description(code: Code) -> str:
    """Definition, include/exclude, examples and keywords as readable text, then the key on a trailer line.

    When the text alone would not parse back to the same fields (a definition with a line like 'Include: '),
    the fields also go on trailer lines, so a re-import is exact either way.
    """
    body = _render_sections(code)
    fields = [("key", code.key)]
    parsed = _parse_sections(body)
    for name in ("definition", "include", "exclude"):
        if parsed[name] != getattr(code, name):
            fields.append((name, getattr(code, name)))
    for name in ("examples", "atypical_examples", "keywords"):
        if parsed[name] != list(getattr(code, name)):
            fields.append((name, json.dumps(list(getattr(code, name)), ensure_ascii=False)))
    return join_trailer(body, fields)


def code_fields(description: str) -> dict[str, Any]:
    """Code fields from a Description: qualcode's own layout when it carries a key, else all of it is the definition."""
    body, fields = split_trailer(description or "")
    trailer = trailer_dict(fields)
    if "key" not in trailer:
        return {"definition": (description or "").strip()}
    out = _parse_sections(body)
    out["key"] = trailer["key"]
    for name in ("definition", "include", "exclude"):
        if name in trailer:
            out[name] = trailer[name]
    for name in ("examples", "atypical_examples", "keywords"):
        if name in trailer:
            try:
                value = json.loads(trailer[name])
            except ValueError:
                continue
            if isinstance(value, list):
                out[name] = [str(v) for v in value]
    return out


# -- codings -------------------------------------------------------------------------------------------------
def coding_description(
    memo: str | None,
    contribution: str | None,
    claim: str | None,
    reviews: list[dict[str, Any]],
    provenance: str | None,
) -> str:
    """A selection's Description: the coding memo as text (ATLAS.ti shows it as the quotation comment), then
    what REFI-QDA has no field for."""
    fields: list[tuple[str, str]] = []
    if contribution:
        fields.append(("contribution", contribution))
    if claim:
        fields.append(("claim", claim))
    for review in reviews:
        fields.append(("review", json.dumps(review, ensure_ascii=False, sort_keys=True)))
    if provenance:
        fields.append(("provenance", provenance))
    body = memo or ""
    if split_trailer(join_trailer(body, fields)) != (body, fields):  # a memo that itself ends like a trailer
        fields.append(("memo", body))
    return join_trailer(body, fields)


def coding_fields(description: str) -> dict[str, Any]:
    body, fields = split_trailer(description or "")
    trailer = trailer_dict(fields)
    reviews = []
    for name, value in fields:
        if name == "review":
            try:
                review = json.loads(value)
            except ValueError:
                continue
            if isinstance(review, dict):
                reviews.append(review)
    memo = trailer.get("memo", body if fields else (description or "")).strip() or None
    return {
        "memo": memo,
        "contribution": trailer.get("contribution") or None,
        "claim": trailer.get("claim") or None,
        "reviews": reviews,
        "provenance": trailer.get("provenance") or None,
    }


def excerpt(text: str, limit: int = 200) -> str:
    """A selection's name: its text, shortened with '…' like ATLAS.ti does."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
