"""REFI-QDA importer: .qdpx projects, bare .qde files and .qdc codebooks -> a checked RefiProject.

Tolerant of what real producers write: any `*.qde` name, `Sources/` or `sources/`, any or no namespace,
braced or upper-case GUIDs (keyed by element kind), flat `A::B` hierarchies, empty `<Sets/>`, inline or
file text, DOCX-only sources. Everything that cannot be carried over is counted and reported.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

from lxml import etree

from qualcode.core.offsets import Span, map_spans, preferred_model
from qualcode.core.refi import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiVariable,
    normalise_guid,
    project_namespace,
    stable_guid,
)
from qualcode.errors import InputError
from qualcode.ingest.common import (
    MAX_FILE_BYTES,
    decode_raw,
    normalise_text,
    open_zip,
    parser_errors_as_input,
    read_file_bytes,
    sha256,
)

MAX_REFI_BYTES = MAX_FILE_BYTES  # raise with --max-mb
_MEDIA = {"PictureSource": "pictures", "AudioSource": "audio sources", "VideoSource": "video sources"}


def safe_parser() -> etree.XMLParser:
    """No network, no DTDs, no entity expansion: a .qdpx comes from someone else's machine."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, where: str) -> Any:
    # Refused before parsing: QDA-XML has no DTD, and entity declarations are how XML bombs and XXE work.
    head = data[:65536]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise InputError(f"{where}: a document type declaration is not allowed in QDA-XML")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{where}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
    if root.getroottree().docinfo.doctype:
        raise InputError(f"{where}: a document type declaration is not allowed in QDA-XML")
    return root


def local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and local(c) == name]


def kid(el: Any, name: str) -> Any | None:
    found = kids(el, name)
    return found[0] if found else None


def text_of(el: Any, name: str) -> str:
    child = kid(el, name)
    return "".join(child.itertext()) if child is not None else ""


class _Reader:
    """One pass over a QDA-XML tree; `files` holds the archive's members by lower-cased base name."""

    def __init__(self, where: str, files: dict[str, zipfile.ZipInfo], zf: zipfile.ZipFile | None) -> None:
        self.where = where
        self.files = files
        self.zf = zf
        self.refi = RefiProject()
        self.guids: dict[str, set[str]] = {}
        self.refs: list[tuple[str, str, str]] = []  # (target kind, guid, what refers to it)

    # -- helpers ---------------------------------------------------------------------------------------
    def count(self, kind: str, n: int = 1) -> None:
        self.refi.found[kind] = self.refi.found.get(kind, 0) + n

    def guid(self, el: Any, kind: str, required: bool = True) -> str:
        raw = el.get("guid")
        value = normalise_guid(raw)
        if value is None:
            if not required:
                return ""
            raise InputError(
                f"{self.where}: {local(el)} has {'a bad' if raw else 'no'} guid{f' {raw!r}' if raw else ''}"
            )
        seen = self.guids.setdefault(kind, set())
        if value in seen:
            raise InputError(f"{self.where}: two {kind}s share the GUID {value}")
        seen.add(value)
        return value

    def ref(self, el: Any, kind: str, what: str) -> str:
        raw = el.get("targetGUID") or el.get("guid")
        value = normalise_guid(raw)
        if value is None:
            raise InputError(f"{self.where}: {local(el)} in {what} has a bad target GUID {raw!r}")
        self.refs.append((kind, value, what))
        return value

    def note_refs(self, el: Any, owner_kind: str, owner: str) -> list[str]:
        out = []
        for nr in kids(el, "NoteRef"):
            out.append(self.ref(nr, "note", f"{owner_kind} {owner}"))
        return out

    def user(self, value: str | None) -> str | None:
        return normalise_guid(value) if value else None

    def member(self, path: str) -> bytes | None:
        """A source file named by `internal://x.txt` (or a bare name) from the archive; never a path on disk."""
        name = path.split("://", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1].lower()
        info = self.files.get(name)
        if info is None or self.zf is None:
            return None
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
            raise InputError(f"{self.where}: {info.filename} inside is damaged") from None

    # -- project ---------------------------------------------------------------------------------------
    def project(self, root: Any) -> RefiProject:
        if local(root) != "Project":
            raise InputError(f"{self.where}: not a REFI-QDA project (the root element is <{local(root)}>)")
        r = self.refi
        r.name, r.origin = root.get("name") or "", root.get("origin") or ""
        r.user, r.created, r.modified = (
            self.user(root.get("creatingUserGUID")),
            root.get("creationDateTime"),
            root.get("modifiedDateTime"),
        )
        users = kid(root, "Users")
        for u in kids(users, "User") if users is not None else []:
            self.count("users")
            r.users.append(RefiUser(self.guid(u, "user"), (u.get("name") or "").strip()))
        book = kid(root, "CodeBook")
        if book is not None:
            self.codes(kid(book, "Codes"))
        variables = kid(root, "Variables")
        for v in kids(variables, "Variable") if variables is not None else []:
            self.count("variables")
            r.variables.append(
                RefiVariable(
                    self.guid(v, "variable"), (v.get("name") or "").strip(), v.get("typeOfVariable") or "Text"
                )
            )
        cases = kid(root, "Cases")
        for c in kids(cases, "Case") if cases is not None else []:
            self.case(c)
        sources = kid(root, "Sources")
        for s in list(sources) if sources is not None else []:
            self.source(s)
        notes = kid(root, "Notes")
        for n in kids(notes, "Note") if notes is not None else []:
            self.note(n)
        r.description = text_of(root, "Description")
        r.note_refs = self.note_refs(root, "project", "")
        for name in ("Links", "Sets", "Graphs"):
            holder = kid(root, name)
            n = len([c for c in holder if isinstance(c.tag, str)]) if holder is not None else 0
            if n:
                self.count(name.lower(), n)
                r.skip(name.lower(), n)
                r.warnings.append(f"{n} {name.lower()[:-1]}(s) skipped: qualcode has no {name.lower()}")
        self.check_refs()
        return r

    def codes(self, holder: Any, parent: str | None = None) -> None:
        for c in kids(holder, "Code") if holder is not None else []:
            self.count("codes")
            guid = self.guid(c, "code")
            colour = (c.get("color") or "").strip()
            if len(colour) == 4 and colour.startswith("#"):
                colour = "#" + "".join(ch * 2 for ch in colour[1:])
            code = RefiCode(
                guid,
                (c.get("name") or "").strip(),
                parent,
                text_of(c, "Description").strip(),
                colour.upper(),
                (c.get("isCodable") or "true").strip().lower() not in ("false", "0"),
            )
            self.refi.codes.append(code)
            code.note_refs = self.note_refs(c, "code", guid)
            self.codes(c, guid)

    def case(self, c: Any) -> None:
        self.count("cases")
        guid = self.guid(c, "case")
        case = RefiCase(guid, (c.get("name") or "").strip(), text_of(c, "Description").strip())
        for vv in kids(c, "VariableValue"):
            var = kid(vv, "VariableRef")
            if var is None:
                raise InputError(f"{self.where}: a VariableValue of case {case.name!r} names no variable")
            value = next(
                (
                    ("".join(x.itertext()))
                    for x in vv
                    if isinstance(x.tag, str) and local(x).endswith("Value")
                ),
                "",
            )
            case.values[self.ref(var, "variable", f"case {case.name!r}")] = value.strip()
        case.sources = [self.ref(s, "source", f"case {case.name!r}") for s in kids(c, "SourceRef")]
        case.selections = [self.ref(s, "selection", f"case {case.name!r}") for s in kids(c, "SelectionRef")]
        if kids(c, "CodeRef"):
            self.refi.warnings.append(f"case {case.name!r}: codes on a case are not imported")
        self.refi.cases.append(case)

    def note(self, n: Any) -> None:
        self.count("notes")
        guid = self.guid(n, "note")
        text = kid(n, "PlainTextContent")
        if text is not None:
            body = "".join(text.itertext())
        else:
            data = self.member(n.get("plainTextPath") or "") if n.get("plainTextPath") else None
            body = decode_raw(data, f"note {n.get('name')!r}") if data is not None else ""
        self.refi.notes.append(
            RefiNote(
                guid,
                (n.get("name") or "").strip(),
                normalise_text(body),
                text_of(n, "Description"),
                self.user(n.get("creatingUser")),
                n.get("creationDateTime"),
                n.get("modifiedDateTime"),
            )
        )

    # -- sources ---------------------------------------------------------------------------------------
    def source(self, s: Any) -> None:
        kind = local(s)
        if not kind:
            return
        self.count("sources")
        self.count(f"sources.{kind}")
        guid = self.guid(s, "source")
        name = (s.get("name") or "").strip()
        if kind == "TextSource":
            self.text_source(s, guid, name)
            return
        rep = kid(s, "Representation") if kind == "PDFSource" else None
        inside = set(rep.iter()) if rep is not None else set()
        parts = [x for x in s.iter() if isinstance(x.tag, str) and x is not s and x not in inside]
        selections = [x for x in parts if local(x).endswith("Selection")]
        codings = [x for x in parts if local(x) == "Coding"]
        self.count("selections", len(selections))
        self.count("codings", len(codings))
        self.refi.skip("selections", len(selections))
        self.refi.skip("codings", len(codings))
        for sel in selections:
            self.guid(sel, local(sel), required=False)
            self.note_refs(sel, "skipped", "")
        for cd in codings:
            cref = kid(cd, "CodeRef")
            if cref is not None:
                self.ref(cref, "code", f"coding in {name!r}")
        if rep is not None:
            if selections or codings:
                self.refi.warnings.append(
                    f"{name}: {len(selections)} PDF area selection(s) with {len(codings)}"
                    " coding(s) skipped (qualcode keeps a PDF's text, not its page geometry)"
                )
            self.text_source(rep, guid, name)
            return
        self.refi.skip("sources")
        what = _MEDIA.get(kind, "PDFs without text" if kind == "PDFSource" else kind)
        self.refi.warnings.append(
            f"{name or guid}: skipped ({what} are not imported; {len(codings)} coding(s) on it)"
        )

    def source_text(self, s: Any, name: str) -> tuple[str, str, list[str]] | None:
        """(raw text, sha256 of the bytes, warnings) from inline text, the plain-text file, or the DOCX."""
        inline = kid(s, "PlainTextContent")
        if inline is not None:
            text = "".join(inline.itertext())
            return text, sha256(text.encode("utf-8")), []
        path = s.get("plainTextPath")
        data = self.member(path) if path else None
        if data is not None:
            return decode_raw(data, f"{name} ({path})"), sha256(data), []
        rich = s.get("richTextPath") or ""
        data = self.member(rich) if rich.lower().endswith(".docx") else None
        if data is not None:
            import docx  # deferred: only for DOCX-only sources

            try:
                document = docx.Document(io.BytesIO(data))
            except (KeyError, ValueError, OSError, SyntaxError, zipfile.BadZipFile) as exc:
                raise InputError(
                    f"{self.where}: {name}: its DOCX is unreadable ({type(exc).__name__})"
                ) from None
            text = "\n".join(p.text for p in document.paragraphs)
            return (
                text,
                sha256(data),
                [f"{name}: no plain text in the file; text taken from its DOCX (offsets checked)"],
            )
        return None

    def text_source(self, s: Any, guid: str, name: str) -> None:
        selections = kids(s, "PlainTextSelection")
        whole = kids(s, "Coding")
        n_codings = sum(len(kids(x, "Coding")) for x in selections) + len(whole)
        self.count("selections", len(selections))
        self.count("codings", n_codings)
        found = self.source_text(s, name)
        sels: list[RefiSelection] = []
        for x in selections:
            sel_guid = self.guid(x, "selection")
            try:
                start, end = int(x.get("startPosition", "")), int(x.get("endPosition", ""))
            except ValueError:
                raise InputError(
                    f"{self.where}: selection {sel_guid} in {name!r} has no whole-number positions"
                ) from None
            if start > end or start < 0:
                raise InputError(f"{self.where}: selection {sel_guid} in {name!r} has offsets {start}-{end}")
            sel = RefiSelection(
                sel_guid,
                start,
                end,
                (x.get("name") or ""),
                text_of(x, "Description"),
                self.user(x.get("creatingUser")),
                x.get("creationDateTime"),
            )
            sel.codings = [self.coding(c, f"selection {sel_guid}") for c in kids(x, "Coding")]
            sel.note_refs = self.note_refs(x, "selection", sel_guid)
            sels.append(sel)
        whole_codings = [self.coding(c, f"source {name!r}") for c in whole]
        note_refs = self.note_refs(s, "source", guid)
        if kids(s, "VariableValue"):
            self.refi.warnings.append(
                f"{name}: variable values on a source are not imported (qualcode keeps them on cases)"
            )
        if found is None:
            self.refi.skip("sources")
            self.refi.skip("selections", len(selections))
            self.refi.skip("codings", n_codings)
            self.refi.warnings.append(
                f"{name or guid}: skipped (its text is not in the file; {n_codings} coding(s) on it)"
            )
            return
        raw, digest, warnings = found
        self.refi.warnings.extend(warnings)
        mapped = map_spans(
            raw, [Span(x.start, x.end, x.name) for x in sels], preferred_model(self.refi.origin)
        )
        for sel, span in zip(sels, mapped.spans, strict=True):
            if span is None:
                raise InputError(
                    f"{self.where}: selection {sel.guid} in {name!r} has offsets {sel.start}-{sel.end},"
                    f" outside the text ({len(raw)} characters)"
                )
            sel.start, sel.end = span
        if mapped.model != preferred_model(self.refi.origin):
            self.refi.warnings.append(
                f"{name}: offsets read as {mapped.model.describe()} (they fit the text better)"
            )
        if mapped.name_checks and mapped.name_matches < mapped.name_checks:
            self.refi.warnings.append(
                f"{name}: {mapped.name_checks - mapped.name_matches} of {mapped.name_checks}"
                " selection name(s) differ from the text they select"
            )
        empty = [x for x in sels if x.start >= x.end]
        if empty:
            self.refi.skip("selections", len(empty))
            self.refi.skip("codings", sum(len(x.codings) for x in empty))
            self.refi.warnings.append(f"{name}: {len(empty)} empty selection(s) skipped")
        kept = [x for x in sels if x.start < x.end]
        if whole_codings and mapped.text:
            kept.append(RefiSelection(whole_codings[0].guid, 0, len(mapped.text), codings=whole_codings))
        source = RefiSource(
            guid,
            name,
            mapped.text,
            text_of(s, "Description"),
            self.user(s.get("creatingUser")),
            s.get("creationDateTime"),
            kept,
            note_refs,
            digest,
            s.get("plainTextPath") or s.get("richTextPath") or "",
        )
        self.refi.sources.append(source)

    def coding(self, c: Any, where: str) -> RefiCoding:
        guid = self.guid(c, "coding")
        cref = kid(c, "CodeRef")
        if cref is None:
            raise InputError(f"{self.where}: coding {guid} in {where} names no code")
        coding = RefiCoding(
            guid,
            self.ref(cref, "code", f"coding {guid}"),
            self.user(c.get("creatingUser")),
            c.get("creationDateTime"),
        )
        coding.note_refs = self.note_refs(c, "coding", guid)
        return coding

    def check_refs(self) -> None:
        kinds = {
            "selection": (
                "selection",
                "PDFSelection",
                "PictureSelection",
                "AudioSelection",
                "VideoSelection",
                "TranscriptSelection",
            )
        }
        for kind, guid, what in self.refs:
            pools = kinds.get(kind, (kind,))
            if not any(guid in self.guids.get(p, set()) for p in pools):
                raise InputError(f"{self.where}: {what} refers to a {kind} {guid} that is not in the file")


def _flatten_names(refi: RefiProject) -> None:
    """ATLAS.ti 8 writes hierarchy as flat names 'A::B': make B a child of A, creating A if it is missing."""
    by_path = {c.name: c for c in refi.codes if c.parent is None}
    namespace = project_namespace("refi-groups")
    for code in list(refi.codes):
        if code.parent is not None or "::" not in code.name:
            continue
        parts = [p.strip() for p in code.name.split("::")]
        parent: RefiCode | None = None
        for depth in range(1, len(parts)):
            path = "::".join(parts[:depth])
            group = by_path.get(path)
            if group is None:
                group = RefiCode(
                    stable_guid(namespace, "group", path),
                    parts[depth - 1],
                    parent.guid if parent else None,
                    codable=False,
                )
                by_path[path] = group
                refi.codes.insert(refi.codes.index(code), group)
                refi.warnings.append(f"code {code.name!r}: added the grouping code {path!r} it names")
            parent = group
        code.name, code.parent = parts[-1], parent.guid if parent else None
    # Parents before children, siblings in file order.
    order: list[RefiCode] = []
    children: dict[str | None, list[RefiCode]] = {}
    for c in refi.codes:
        children.setdefault(c.parent, []).append(c)

    def add(parent: str | None) -> None:
        for c in children.get(parent, []):
            order.append(c)
            add(c.guid)

    add(None)
    refi.codes = order


def _archive(data: bytes, name: str) -> tuple[bytes, dict[str, zipfile.ZipInfo], zipfile.ZipFile]:
    zf = open_zip(data, name)
    qde = [
        i for i in zf.infolist() if i.filename.lower().endswith(".qde") and "/" not in i.filename.strip("/")
    ]
    if not qde:
        raise InputError(f"{name}: no project.qde inside (not a REFI-QDA project)")
    if len(qde) > 1:
        qde = [i for i in qde if i.filename.lower() == "project.qde"] or qde
        if len(qde) > 1:
            raise InputError(f"{name}: several .qde files inside; cannot tell which is the project")
    files: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        parts = info.filename.replace("\\", "/").split("/")
        if len(parts) == 2 and parts[0].lower() == "sources" and parts[1] and not info.is_dir():
            files[parts[1].lower()] = info
    try:
        xml = zf.read(qde[0])
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
        raise InputError(f"{name}: {qde[0].filename} inside is damaged") from None
    return xml, files, zf


def read_refi_project(path: str | Path, max_bytes: int = MAX_REFI_BYTES) -> RefiProject:
    """Read a .qdpx (or a bare .qde) into a RefiProject whose references all resolve and whose offsets are
    code points of LF-normalised text. Raises InputError on anything malformed."""
    path = Path(path)
    data = read_file_bytes(path, max_bytes)
    with parser_errors_as_input(path.name, "REFI-QDA"):
        if path.suffix.lower() == ".qde":
            reader = _Reader(path.name, {}, None)
            refi = reader.project(parse_xml(data, path.name))
        else:
            xml, files, zf = _archive(data, path.name)
            with zf:
                reader = _Reader(path.name, files, zf)
                refi = reader.project(parse_xml(xml, f"{path.name}: project.qde"))
        _flatten_names(refi)
    return refi


def read_refi_codebook(path: str | Path, max_bytes: int = 50 * 1024 * 1024) -> RefiProject:
    """Read a .qdc codebook (codebook 1.0 or 0.4 namespace, or none) into a RefiProject holding only codes."""
    path = Path(path)
    data = read_file_bytes(path, max_bytes)
    with parser_errors_as_input(path.name, "REFI-QDA codebook"):
        return _read_codebook(path, parse_xml(data, path.name))


def _read_codebook(path: Path, root: Any) -> RefiProject:
    if local(root) != "CodeBook":
        raise InputError(f"{path.name}: not a REFI-QDA codebook (the root element is <{local(root)}>)")
    reader = _Reader(path.name, {}, None)
    reader.refi.origin = root.get("origin") or ""
    codes = kid(root, "Codes")
    if codes is None:
        raise InputError(f"{path.name}: the codebook has no <Codes>")
    reader.codes(codes)
    sets = kid(root, "Sets")
    n = len(kids(sets, "Set")) if sets is not None else 0
    if n:
        reader.refi.skip("sets", n)
        reader.refi.warnings.append(f"{n} code set(s) skipped: qualcode has no sets")
    reader.check_refs()
    _flatten_names(reader.refi)
    return reader.refi
