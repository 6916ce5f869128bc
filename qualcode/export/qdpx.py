"""REFI-QDA writer: a RefiProject rendered as canonical QDA-XML 1.0 (.qdpx / .qdc), checked before it is written."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lxml import etree

from qualcode.core.refi import RefiCode, RefiProject, RefiSelection, RefiSource, RefiStream
from qualcode.errors import QualcodeError
from qualcode.export.qdaxml import Node, XmlCharacterError, XmlWriter

# (what is being done, how many sources done, of how many): called as the export goes
Progress = Callable[[str, int, int], None]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
_DATETIME_RE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportError(QualcodeError):
    """qualcode was about to write a file another tool would reject; nothing was written."""


@functools.lru_cache(maxsize=2)
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def source_path(guid: str) -> str:
    return f"sources/{guid}.txt"


Attrs = list[tuple[str, Any]]


def _attrs(pairs: Attrs) -> list[tuple[str, str]]:
    """Attributes as written: none for an empty value, nor a time another tool could not read (left out rather
    than made up)."""
    out = []
    for key, value in pairs:
        if value is None or value == "":
            continue
        if key.endswith("DateTime") and not _DATETIME_RE.match(str(value)):
            continue
        out.append((key, str(value)))
    return out


def _el(parent: Node, name: str, attrs: Attrs | None = None, text: str | None = None) -> Node:
    return parent.add(name, _attrs(attrs or []), text)


def _description(parent: Node, text: str) -> None:
    if text:
        _el(parent, "Description", text=text)


def _note_refs(parent: Node, refs: list[str]) -> None:
    for guid in refs:
        _el(parent, "NoteRef", [("targetGUID", guid)])


def _codes(parent: Node, codes: list[RefiCode], with_notes: bool) -> None:
    children: dict[str | None, list[RefiCode]] = {}
    for code in codes:
        children.setdefault(code.parent, []).append(code)

    def add(holder: Node, parent_guid: str | None) -> None:
        for code in children.get(parent_guid, []):
            node = _el(
                holder,
                "Code",
                [
                    ("guid", code.guid),
                    ("name", code.name),
                    ("isCodable", "true" if code.codable else "false"),
                    ("color", code.color),
                ],
            )
            _description(node, code.description)
            if with_notes:
                _note_refs(node, code.note_refs)
            add(node, code.guid)

    add(_el(parent, "Codes"), None)


def _before_sources(refi: RefiProject) -> Node:
    """Users, CodeBook, Variables and Cases, in schema order, no empty wrappers (children of the returned node)."""
    root = Node("Project")
    if refi.users:
        users = _el(root, "Users")
        for u in refi.users:
            _el(users, "User", [("guid", u.guid), ("name", u.name)])
    if refi.codes:
        _codes(_el(root, "CodeBook"), refi.codes, with_notes=True)
    if refi.variables:
        holder = _el(root, "Variables")
        for v in refi.variables:
            _el(holder, "Variable", [("guid", v.guid), ("name", v.name), ("typeOfVariable", v.kind)])
    if refi.cases:
        holder = _el(root, "Cases")
        for c in refi.cases:
            node = _el(holder, "Case", [("guid", c.guid), ("name", c.name)])
            _description(node, c.description)
            for var, value in c.values.items():
                vv = _el(node, "VariableValue")
                _el(vv, "VariableRef", [("targetGUID", var)])
                _el(vv, "TextValue", text=value)
            for source_guid in c.sources:
                _el(node, "SourceRef", [("targetGUID", source_guid)])
            for selection_guid in c.selections:
                _el(node, "SelectionRef", [("targetGUID", selection_guid)])
    return root


def _after_sources(refi: RefiProject) -> Node:
    """Notes, then the project's Description and NoteRefs (children of the returned node)."""
    root = Node("Project")
    if refi.notes:
        holder = _el(root, "Notes")
        for n in refi.notes:
            node = _el(
                holder,
                "Note",
                [
                    ("guid", n.guid),
                    ("name", n.name),
                    ("creatingUser", n.user),
                    ("creationDateTime", n.created),
                    ("modifiedDateTime", n.modified),
                ],
            )
            _description(node, n.description)
            _el(node, "PlainTextContent", text=n.text)
    _description(root, refi.description)
    _note_refs(root, refi.note_refs)
    return root


def _selection(sel: RefiSelection) -> Node:
    node = Node(
        "PlainTextSelection",
        _attrs(
            [
                ("guid", sel.guid),
                ("name", sel.name),
                ("startPosition", sel.start),
                ("endPosition", sel.end),
                ("creatingUser", sel.user),
                ("creationDateTime", sel.created),
            ]
        ),
    )
    _description(node, sel.description)
    for coding in sel.codings:
        cn = _el(
            node,
            "Coding",
            [("guid", coding.guid), ("creatingUser", coding.user), ("creationDateTime", coding.created)],
        )
        _el(cn, "CodeRef", [("targetGUID", coding.code)])
        _note_refs(cn, coding.note_refs)
    _note_refs(node, sel.note_refs)
    return node


def _write_source(xml: XmlWriter, s: RefiSource) -> None:
    """One TextSource, its selections written one at a time."""
    xml.open(
        "TextSource",
        _attrs(
            [
                ("guid", s.guid),
                ("name", s.name),
                ("plainTextPath", f"internal://{s.guid}.txt"),
                ("creatingUser", s.user),
                ("creationDateTime", s.created),
            ]
        ),
    )
    if s.description:
        xml.node(Node("Description", text=s.description))
    for sel in s.selections:
        xml.node(_selection(sel))
    for guid in s.note_refs:
        xml.node(Node("NoteRef", [("targetGUID", guid)]))
    xml.close()


def write_project_xml(
    write: Callable[[bytes], object],
    stream: RefiStream,
    checks: _Checks,
    progress: Progress | None = None,
) -> None:
    """project.qde, written as the sources are read: children in schema order, no empty wrappers, text
    sources by plainTextPath. Each source is checked as it goes by (`checks`)."""
    refi = stream.head
    xml = XmlWriter(write)
    try:
        xml.declaration()
        xml.open(
            "Project",
            [("xmlns", PROJECT_NS)]
            + _attrs(
                [
                    ("name", refi.name or "qualcode project"),
                    ("origin", refi.origin),
                    ("creatingUserGUID", refi.user),
                    ("creationDateTime", refi.created),
                    ("modifiedDateTime", refi.modified),
                ]
            ),
        )
        for node in _before_sources(refi).children:
            xml.node(node)
        done = 0
        for s in stream.sources():
            if not done:
                xml.open("Sources")
            checks.source(s)
            _write_source(xml, s)
            done += 1
            xml.flush()
            if progress:
                progress("writing project.qde", done, stream.count)
        if done:
            xml.close()
        for node in _after_sources(refi).children:
            xml.node(node)
        xml.close()
        xml.flush()
    except XmlCharacterError as exc:
        raise ExportError(f"cannot write QDA-XML: {exc}; nothing was written") from None


def render_codebook(refi: RefiProject) -> bytes:
    root = Node("CodeBook", [("xmlns", CODEBOOK_NS)] + _attrs([("origin", refi.origin)]))
    _codes(root, refi.codes, with_notes=False)
    out = io.BytesIO()
    xml = XmlWriter(out.write)
    try:
        xml.declaration()
        xml.node(root)
        xml.flush()
    except XmlCharacterError as exc:
        raise ExportError(f"cannot write QDA-XML: {exc}; nothing was written") from None
    return out.getvalue()


def _schema_error(exc: etree.XMLSyntaxError | None, xsd: etree.XMLSchema) -> ExportError:
    if exc is None:
        first = xsd.error_log[0]
        line, message = first.line, first.message
    else:
        line, message = exc.lineno, exc.msg
    return ExportError(f"export is not valid QDA-XML (line {line}: {message}); nothing was written")


def validate(xml: bytes, schema_name: str) -> None:
    """Raise ExportError with the schema's first complaint if `xml` is not valid QDA-XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    xsd = schema(schema_name)
    if not xsd.validate(etree.fromstring(xml, parser)):
        raise _schema_error(None, xsd)


def validate_stream(
    source: IO[bytes], schema_name: str, progress: Progress | None = None, total: int = 0
) -> None:
    """Validate XML as it is read, each element let go once read: memory stays flat whatever the size."""
    xsd = schema(schema_name)
    done = 0
    try:
        for _, element in etree.iterparse(
            source,
            events=("end",),
            schema=xsd,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=True,  # our own file: a survey's segment list can exceed libxml2's 10 MB per text
        ):
            if element.getparent() is None:
                continue
            if element.tag == _SOURCE_TAG:
                done += 1
                if progress:
                    progress("checking against the schema", done, total)
            if element.getparent().tag in _KEEP_PARENTS:  # a Project/Sources child: drop it and those before
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise _schema_error(exc, xsd) from None


_SOURCE_TAG = f"{{{PROJECT_NS}}}TextSource"
_KEEP_PARENTS = {f"{{{PROJECT_NS}}}{n}" for n in ("Project", "Sources", "TextSource", "Cases", "Notes")}


class _Checks:
    """What the schema cannot check: unique GUIDs, references that resolve, offsets inside their text. The
    head is checked at once, each source as it is written, what refers to sources at the end (`finish`);
    problems are reported in the order a check of the whole project would find them."""

    def __init__(self, refi: RefiProject) -> None:
        self.seen: dict[str, set[str]] = {}
        self.problems: list[str] = []  # GUIDs used twice and offsets outside their text, in file order
        self.source_refs: list[str] = []  # what sources' selections and codings refer to that is missing
        simple: list[tuple[str, list[Any]]] = [
            ("user", refi.users),
            ("code", refi.codes),
            ("variable", refi.variables),
            ("note", refi.notes),
            ("case", refi.cases),
        ]
        for kind, items in simple:
            for item in items:
                self._unique(kind, item.guid)
        # (kind, GUID, who refers to it) for every reference outside the sources
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
        self.refs = refs
        for s in refi.sources:
            self.source(s)

    def _unique(self, kind: str, guid: str) -> None:
        if guid in self.seen.setdefault(kind, set()):
            self.problems.append(f"two {kind}s share GUID {guid}")
        self.seen[kind].add(guid)

    def _missing(self, kind: str, guid: str | None, what: str) -> str | None:
        if guid is not None and guid not in self.seen.get(kind, set()):
            return f"{what} refers to a missing {kind} {guid}"
        return None

    def source(self, s: RefiSource) -> None:
        """A source's own GUIDs and offsets; its references to users, codes and notes (all known by now)."""
        self._unique("source", s.guid)
        refs: list[tuple[str, str | None, str]] = [("user", s.user, f"source '{s.name}'")]
        refs += [("note", r, f"source '{s.name}'") for r in s.note_refs]
        length = len(s.text)
        for sel in s.selections:
            self._unique("selection", sel.guid)
            if not 0 <= sel.start < sel.end <= length:
                self.problems.append(
                    f"selection {sel.guid} ({sel.start}-{sel.end}) is outside '{s.name}' ({length})"
                )
            refs.append(("user", sel.user, f"selection {sel.guid}"))
            for coding in sel.codings:
                self._unique("coding", coding.guid)
                what = f"coding {coding.guid}"
                refs += [("code", coding.code, what), ("user", coding.user, what)]
                refs += [("note", r, what) for r in coding.note_refs]
        self.source_refs += [m for ref in refs if (m := self._missing(*ref))]

    def finish(self) -> None:
        problems = self.problems + [m for ref in self.refs if (m := self._missing(*ref))] + self.source_refs
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise ExportError(
                "export is inconsistent: " + "; ".join(problems[:3]) + more + "; nothing was written"
            )


def check_project(refi: RefiProject) -> None:
    """What the schema cannot check, for a project in memory (see _Checks)."""
    _Checks(refi).finish()


def _info(name: str) -> zipfile.ZipInfo:
    # a fixed time, so the same project always gives the same bytes
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def write_qdpx(out: IO[bytes], stream: RefiStream, progress: Progress | None = None) -> None:
    """The .qdpx written to `out` (seekable) as the project is read, then checked: self-consistent and valid
    against the schema, or an ExportError (the caller then throws `out` away). Memory holds one source and
    its selections at a time, whatever the project's size."""
    checks = _Checks(stream.head)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # Streamed entries need ZIP64 said beforehand; only a project.qde that may pass 2 GB gets it.
        big = stream.size_hint * 1.05 > zipfile.ZIP64_LIMIT
        with zf.open(_info("project.qde"), "w", force_zip64=big) as entry:
            write_project_xml(entry.write, stream, checks, progress)
        checks.finish()
        guids = set(checks.seen.get("source", set()))
        # every plainTextPath has its file, and no other file is added
        for done, (guid, text) in enumerate(stream.texts(), start=1):
            if guid not in guids:
                raise ExportError(f"export has a text for no source ({guid}); nothing was written")
            guids.discard(guid)
            zf.writestr(_info(source_path(guid)), text.encode("utf-8"))
            if progress:
                progress("adding the texts", done, stream.count)
        if guids:
            raise ExportError(f"export is missing the text of source {min(guids)}; nothing was written")
        with zf.open("project.qde") as entry:
            validate_stream(entry, "Project.xsd", progress, stream.count)


def build_qdpx(refi: RefiProject) -> bytes:
    """The whole .qdpx of a project in memory, valid against the schema and self-consistent, or an ExportError."""
    out = io.BytesIO()
    write_qdpx(out, RefiStream.of(refi))
    return out.getvalue()


def build_qdc(refi: RefiProject) -> bytes:
    check_project(RefiProject(codes=refi.codes))
    xml = render_codebook(refi)
    validate(xml, "Codebook.xsd")
    return xml
