"""REFI-QDA writer: a RefiProject rendered as canonical QDA-XML 1.0 (.qdpx / .qdc), checked before it is written."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from qualcode.core.refi import RefiCode, RefiProject
from qualcode.errors import QualcodeError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
_DATETIME_RE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same project always gives the same bytes


class ExportError(QualcodeError):
    """qualcode was about to write a file another tool would reject; nothing was written."""


@functools.lru_cache(maxsize=2)
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def source_path(guid: str) -> str:
    return f"sources/{guid}.txt"


class _Builder:
    def __init__(self, ns: str) -> None:
        self.ns = ns

    def el(self, parent: Any, name: str, attrs: dict[str, Any] | None = None, text: str | None = None) -> Any:
        tag = f"{{{self.ns}}}{name}"
        node = etree.Element(tag, nsmap={None: self.ns}) if parent is None else etree.SubElement(parent, tag)
        for key, value in (attrs or {}).items():
            if value is None or value == "":
                continue
            if key.endswith(("DateTime",)) and not _DATETIME_RE.match(str(value)):
                continue  # a time another tool could not read is left out rather than made up
            node.set(key, str(value))
        if text is not None:
            node.text = text
        return node

    def description(self, parent: Any, text: str) -> None:
        if text:
            self.el(parent, "Description", text=text)

    def note_refs(self, parent: Any, refs: list[str]) -> None:
        for guid in refs:
            self.el(parent, "NoteRef", {"targetGUID": guid})

    def codes(self, parent: Any, codes: list[RefiCode], with_notes: bool) -> None:
        children: dict[str | None, list[RefiCode]] = {}
        for code in codes:
            children.setdefault(code.parent, []).append(code)

        def add(holder: Any, parent_guid: str | None) -> None:
            for code in children.get(parent_guid, []):
                node = self.el(
                    holder,
                    "Code",
                    {
                        "guid": code.guid,
                        "name": code.name,
                        "isCodable": "true" if code.codable else "false",
                        "color": code.color,
                    },
                )
                self.description(node, code.description)
                if with_notes:
                    self.note_refs(node, code.note_refs)
                add(node, code.guid)

        add(self.el(parent, "Codes"), None)


def _xml_bytes(root: Any) -> bytes:
    # The declaration written out with double quotes, as every QDA tool's own exports have it.
    body = etree.tostring(root, xml_declaration=False, encoding="utf-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(body)


def render_project(refi: RefiProject) -> bytes:
    """project.qde: children in schema order, no empty wrappers, text sources by plainTextPath."""
    b = _Builder(PROJECT_NS)
    try:
        root = b.el(
            None,
            "Project",
            {
                "name": refi.name or "qualcode project",
                "origin": refi.origin,
                "creatingUserGUID": refi.user,
                "creationDateTime": refi.created,
                "modifiedDateTime": refi.modified,
            },
        )
        if refi.users:
            users = b.el(root, "Users")
            for u in refi.users:
                b.el(users, "User", {"guid": u.guid, "name": u.name})
        if refi.codes:
            b.codes(b.el(root, "CodeBook"), refi.codes, with_notes=True)
        if refi.variables:
            holder = b.el(root, "Variables")
            for v in refi.variables:
                b.el(holder, "Variable", {"guid": v.guid, "name": v.name, "typeOfVariable": v.kind})
        if refi.cases:
            holder = b.el(root, "Cases")
            for c in refi.cases:
                node = b.el(holder, "Case", {"guid": c.guid, "name": c.name})
                b.description(node, c.description)
                for var, value in c.values.items():
                    vv = b.el(node, "VariableValue")
                    b.el(vv, "VariableRef", {"targetGUID": var})
                    b.el(vv, "TextValue", text=value)
                for source_guid in c.sources:
                    b.el(node, "SourceRef", {"targetGUID": source_guid})
                for selection_guid in c.selections:
                    b.el(node, "SelectionRef", {"targetGUID": selection_guid})
        if refi.sources:
            holder = b.el(root, "Sources")
            for s in refi.sources:
                node = b.el(
                    holder,
                    "TextSource",
                    {
                        "guid": s.guid,
                        "name": s.name,
                        "plainTextPath": f"internal://{s.guid}.txt",
                        "creatingUser": s.user,
                        "creationDateTime": s.created,
                    },
                )
                b.description(node, s.description)
                for sel in s.selections:
                    sn = b.el(
                        node,
                        "PlainTextSelection",
                        {
                            "guid": sel.guid,
                            "name": sel.name,
                            "startPosition": sel.start,
                            "endPosition": sel.end,
                            "creatingUser": sel.user,
                            "creationDateTime": sel.created,
                        },
                    )
                    b.description(sn, sel.description)
                    for coding in sel.codings:
                        cn = b.el(
                            sn,
                            "Coding",
                            {
                                "guid": coding.guid,
                                "creatingUser": coding.user,
                                "creationDateTime": coding.created,
                            },
                        )
                        b.el(cn, "CodeRef", {"targetGUID": coding.code})
                        b.note_refs(cn, coding.note_refs)
                    b.note_refs(sn, sel.note_refs)
                b.note_refs(node, s.note_refs)
        if refi.notes:
            holder = b.el(root, "Notes")
            for n in refi.notes:
                node = b.el(
                    holder,
                    "Note",
                    {
                        "guid": n.guid,
                        "name": n.name,
                        "creatingUser": n.user,
                        "creationDateTime": n.created,
                        "modifiedDateTime": n.modified,
                    },
                )
                b.description(node, n.description)
                b.el(node, "PlainTextContent", text=n.text)
        b.description(root, refi.description)
        b.note_refs(root, refi.note_refs)
    except ValueError as exc:  # lxml refuses characters XML cannot hold
        raise ExportError(f"cannot write QDA-XML: {exc}") from None
    return _xml_bytes(root)


def render_codebook(refi: RefiProject) -> bytes:
    b = _Builder(CODEBOOK_NS)
    try:
        root = b.el(None, "CodeBook", {"origin": refi.origin})
        b.codes(root, refi.codes, with_notes=False)
    except ValueError as exc:
        raise ExportError(f"cannot write QDA-XML: {exc}") from None
    return _xml_bytes(root)


def validate(xml: bytes, schema_name: str) -> None:
    """Raise ExportError with the schema's first complaint if `xml` is not valid QDA-XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    xsd = schema(schema_name)
    if not xsd.validate(etree.fromstring(xml, parser)):
        first = xsd.error_log[0]
        raise ExportError(
            f"export is not valid QDA-XML (line {first.line}: {first.message}); nothing was written"
        )


def check_project(refi: RefiProject) -> None:
    """What the schema cannot check: unique GUIDs, references that resolve, offsets inside their text."""
    problems: list[str] = []
    seen: dict[str, set[str]] = {}

    def unique(kind: str, guid: str) -> None:
        if guid in seen.setdefault(kind, set()):
            problems.append(f"two {kind}s share GUID {guid}")
        seen[kind].add(guid)

    simple: list[tuple[str, list[Any]]] = [
        ("user", refi.users),
        ("code", refi.codes),
        ("variable", refi.variables),
        ("note", refi.notes),
        ("case", refi.cases),
    ]
    for kind, items in simple:
        for item in items:
            unique(kind, item.guid)
    for s in refi.sources:
        unique("source", s.guid)
        for sel in s.selections:
            unique("selection", sel.guid)
            if not 0 <= sel.start < sel.end <= len(s.text):
                problems.append(
                    f"selection {sel.guid} ({sel.start}-{sel.end}) is outside '{s.name}' ({len(s.text)})"
                )
            for coding in sel.codings:
                unique("coding", coding.guid)

    # (kind, GUID, who refers to it) for every reference in the project
    refs: list[tuple[str, str | None, str]] = [("user", refi.user, "the project")]
    refs += [("note", r, "the project") for r in refi.note_refs]
    refs += [("user", n.user, f"note '{n.name}'") for n in refi.notes]
    for c in refi.codes:
        refs += [("code", c.parent, f"code '{c.name}'")] + [
            ("note", r, f"code '{c.name}'") for r in c.note_refs
        ]
    for case in refi.cases:
        what = f"case '{case.name}'"
        refs += [("variable", v, what) for v in case.values] + [("source", x, what) for x in case.sources]
        refs += [("selection", x, what) for x in case.selections]
    for s in refi.sources:
        refs += [("user", s.user, f"source '{s.name}'")] + [
            ("note", r, f"source '{s.name}'") for r in s.note_refs
        ]
        for sel in s.selections:
            refs.append(("user", sel.user, f"selection {sel.guid}"))
            for coding in sel.codings:
                what = f"coding {coding.guid}"
                refs += [("code", coding.code, what), ("user", coding.user, what)]
                refs += [("note", r, what) for r in coding.note_refs]
    problems += [
        f"{what} refers to a missing {kind} {guid}"
        for kind, guid, what in refs
        if guid is not None and guid not in seen.get(kind, set())
    ]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ExportError(
            "export is inconsistent: " + "; ".join(problems[:3]) + more + "; nothing was written"
        )


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def build_qdpx(refi: RefiProject) -> bytes:
    """The whole .qdpx in memory, valid against the schema and self-consistent, or an ExportError."""
    check_project(refi)
    xml = render_project(refi)
    validate(xml, "Project.xsd")
    members = [("project.qde", xml)] + [(source_path(s.guid), s.text.encode("utf-8")) for s in refi.sources]
    data = _zip(members)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # every plainTextPath must have its file
        names = set(zf.namelist())
    missing = [s.name for s in refi.sources if source_path(s.guid) not in names]
    if missing:
        raise ExportError(f"export is missing the text of {missing[0]!r}; nothing was written")
    return data


def build_qdc(refi: RefiProject) -> bytes:
    check_project(RefiProject(codes=refi.codes))
    xml = render_codebook(refi)
    validate(xml, "Codebook.xsd")
    return xml
