"""The whole-tree REFI-QDA writer qualcode had before its export streamed, kept unchanged as the oracle the
streaming writer is compared with (tests/cli/test_refi_streaming.py). Not used by qualcode itself."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from lxml import etree

from qualcode import __version__
from qualcode.core.refi import (
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    coding_description,
    excerpt,
    join_trailer,
)
from qualcode.export.qdpx import ExportError
from qualcode.store.project import Project
from qualcode.store.refi import Guids, _cases, _segments_json, _users, code_list

PROJECT_NS = "urn:QDA-XML:project:1.0"
_DATETIME_RE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


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


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def old_qdpx(refi: RefiProject) -> bytes:
    """The .qdpx as the old writer made it (its checks left out: the oracle is for valid projects)."""
    xml = render_project(refi)
    return _zip(
        [("project.qde", xml)] + [(source_path(s.guid), s.text.encode("utf-8")) for s in refi.sources]
    )


# -- the snapshot it wrote from: the whole project in memory -----------------------------------------------
def _memo_refs(
    project: Project, guid: Guids
) -> tuple[list[RefiNote], dict[tuple[str, int | None], list[str]]]:
    notes: list[RefiNote] = []
    refs: dict[tuple[str, int | None], list[str]] = {}
    segments = {r["id"]: r for r in project.query('SELECT id, document_id, start, "end" FROM segments')}
    for m in project.query("SELECT * FROM memos ORDER BY id"):
        note_guid = guid("memo", m["id"])
        fields = [("target", m["target_kind"])]
        kind, target = m["target_kind"], m["target_id"]
        if kind == "case" and target is not None:
            fields.append(("case", guid("case", target)))
        elif kind == "segment" and target in segments:
            seg = segments[target]
            fields.append(("segment", f"{guid('document', seg['document_id'])}#{seg['start']}-{seg['end']}"))
        else:
            refs.setdefault((kind, target), []).append(note_guid)
        notes.append(
            RefiNote(
                note_guid,
                m["title"],
                m["text"],
                join_trailer("", fields),
                guid("user", m["coder"]),
                m["created"],
                m["updated"],
            )
        )
    return notes, refs


def _reviews(project: Project) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in project.query("SELECT coding_id, status, reviewer, comment, created FROM reviews ORDER BY id"):
        out.setdefault(r.pop("coding_id"), []).append({k: v for k, v in r.items() if v is not None})
    return out


def _sources(
    project: Project, guid: Guids, refs: dict[tuple[str, int | None], list[str]]
) -> list[RefiSource]:
    reviews = _reviews(project)
    codings: dict[int, list[dict[str, Any]]] = {}
    for k in project.query('SELECT * FROM codings ORDER BY document_id, start, "end", id'):
        codings.setdefault(k["document_id"], []).append(k)
    sources = []
    coders = {r[0] for r in project.conn.execute("SELECT name FROM coders")}
    for d in project.query("SELECT * FROM documents ORDER BY id"):
        fields = [
            ("source_type", d["source_type"]),
            ("original_name", d["original_name"]),
            ("sha256", d["sha256"]),
            ("segments", _segments_json(project, d["id"])),
        ]
        source = RefiSource(
            guid("document", d["id"]),
            d["name"],
            d["text"],
            join_trailer("", fields),
            guid("user", d["imported_by"]) if d["imported_by"] in coders else None,
            d["imported"],
            note_refs=refs.get(("document", d["id"]), []),
        )
        for k in codings.get(d["id"], []):
            text = d["text"][k["start"] : k["end"]]
            description = coding_description(
                k["memo"], k["contribution"], k["claim"], reviews.get(k["id"], []), k["provenance"]
            )
            coding = RefiCoding(
                guid("coding", k["id"]),
                guid("code", k["code_id"]),
                guid("user", k["coder"]),
                k["created"],
                refs.get(("coding", k["id"]), []),
            )
            source.selections.append(
                RefiSelection(
                    guid("selection", k["id"]),
                    k["start"],
                    k["end"],
                    excerpt(text),
                    description,
                    guid("user", k["coder"]),
                    k["created"],
                    [coding],
                )
            )
        sources.append(source)
    return sources


def old_snapshot(project: Project) -> RefiProject:
    """Everything the project holds, as plain REFI-QDA data for the writer (which never reads the store)."""
    guid = Guids(project)
    notes, refs = _memo_refs(project, guid)
    users, creator = _users(project, guid)
    variables, cases = _cases(project, guid)
    return RefiProject(
        name=project.name,
        origin=f"qualcode {__version__}",
        user=creator,
        created=project.meta("created"),
        modified=project.scalar("SELECT at FROM change_log ORDER BY id DESC LIMIT 1"),
        description=join_trailer("", [("codebook_name", n)] if (n := project.meta("codebook_name")) else []),
        users=users,
        codes=code_list(project, guid, refs),  # type: ignore[arg-type]
        variables=variables,
        cases=cases,
        sources=_sources(project, guid, refs),
        notes=notes,
        note_refs=refs.get(("project", None), []),
    )
