"""A project as a RefiProject for the REFI-QDA writer, with the GUIDs other tools already know kept stable."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from qualcode import __version__
from qualcode.core.refi import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiStream,
    RefiUser,
    RefiVariable,
    code_description,
    coding_description,
    excerpt,
    join_trailer,
    project_namespace,
    stable_guid,
)
from qualcode.store.codebook import load_codebook
from qualcode.store.project import Project


class Guids:
    """GUIDs by (kind, local id): the one remembered from an import, else one derived from the project.
    Kinds in `lazy` (codings and selections, as many as the codings) are read only when `load`ed, a
    document's worth at a time, so an export holds no more of them than one document has."""

    def __init__(self, project: Project, lazy: tuple[str, ...] = ()) -> None:
        self.project = project
        self.lazy = lazy
        self.namespace = project_namespace(project_identity(project))
        skip = f" WHERE kind NOT IN ({', '.join('?' * len(lazy))})" if lazy else ""
        self.known: dict[tuple[str, str], str] = {
            (k, loc): g
            for k, loc, g in project.conn.execute(f"SELECT kind, local, guid FROM refi_guids{skip}", lazy)
        }
        self.loaded: dict[tuple[str, str], str] = {}

    def load(self, kinds: tuple[str, ...], locals_: list[Any]) -> None:
        """The remembered GUIDs of these objects, in place of those loaded before."""
        self.loaded = {}
        ids = [str(x) for x in locals_]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for k, loc, g in self.project.conn.execute(
                f"SELECT kind, local, guid FROM refi_guids WHERE kind IN ({', '.join('?' * len(kinds))})"
                f" AND local IN ({', '.join('?' * len(chunk))})",
                (*kinds, *chunk),
            ):
                self.loaded[(k, loc)] = g

    def __call__(self, kind: str, local: Any) -> str:
        key = (kind, str(local))
        found = self.known.get(key) or self.loaded.get(key)
        if found is None:
            found = stable_guid(self.namespace, kind, key[1])
            if kind not in self.lazy:  # users, codes, documents: asked for again and again
                self.known[key] = found
        return found


def project_identity(project: Project) -> str:
    """What makes GUIDs differ between projects and stay put within one: its creation time, set once."""
    return project.meta("created") or project.name


def remember_guid(project: Project, kind: str, local: Any, guid: str) -> bool:
    """Keep a GUID from another tool for an object; False if that GUID already belongs to another object."""
    cur = project.conn.execute(
        "INSERT OR IGNORE INTO refi_guids(kind, local, guid) VALUES (?, ?, ?)", (kind, str(local), guid)
    )
    return cur.rowcount > 0


def _users(project: Project, guid: Guids) -> tuple[list[RefiUser], str | None]:
    """The project's coders; its creator is named only if a coder (importing a file makes no one a user)."""
    names = {r[0] for r in project.conn.execute("SELECT name FROM coders")}
    creator = project.scalar("SELECT who FROM change_log ORDER BY id LIMIT 1")
    return [RefiUser(guid("user", n), n) for n in sorted(names)], guid(
        "user", creator
    ) if creator in names else None


def code_list(
    project: Project, guid: Guids, memo_refs: dict[tuple[str, int], list[str]] | None = None
) -> list[RefiCode]:
    """The codebook as REFI codes: grouping codes nobody applied are not codable, as REFI asks."""
    ids = dict(project.conn.execute("SELECT key, id FROM codes"))
    declared = {
        i: bool(v) for i, v in project.conn.execute("SELECT id, codable FROM codes WHERE codable IS NOT NULL")
    }
    coded = {r[0] for r in project.conn.execute("SELECT DISTINCT code_id FROM codings")}
    book = load_codebook(project)
    parents = {c.parent for c in book.codes if c.parent}

    def codable(code_id: int, key: str) -> bool:
        """As the tool it came from said (unless someone has coded with it since), else: not for a grouping
        code nobody applied."""
        if code_id in coded:
            return True
        return declared.get(code_id, key not in parents)

    return [
        RefiCode(
            guid("code", ids[c.key]),
            c.label,
            guid("code", ids[c.parent]) if c.parent else None,
            code_description(c),
            c.colour,
            codable(ids[c.key], c.key),
            (memo_refs or {}).get(("code", ids[c.key]), []),
        )
        for c in book.codes
    ]


def _memo_refs(
    project: Project, guid: Guids
) -> tuple[list[RefiNote], dict[tuple[str, int | None], list[str]]]:
    notes: list[RefiNote] = []
    refs: dict[tuple[str, int | None], list[str]] = {}
    for m in project.query(
        'SELECT m.*, s.document_id AS seg_document, s.start AS seg_start, s."end" AS seg_end FROM memos m'
        " LEFT JOIN segments s ON m.target_kind = 'segment' AND s.id = m.target_id ORDER BY m.id"
    ):
        note_guid = guid("memo", m["id"])
        fields = [("target", m["target_kind"])]
        kind, target = m["target_kind"], m["target_id"]
        if kind == "case" and target is not None:
            fields.append(("case", guid("case", target)))
        elif kind == "segment" and m["seg_document"] is not None:
            where = f"{guid('document', m['seg_document'])}#{m['seg_start']}-{m['seg_end']}"
            fields.append(("segment", where))
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


def _segments_json(project: Project, doc_id: int) -> str:
    rows = project.conn.execute(
        'SELECT s.start, s."end", s.speaker, c.name, s.question FROM segments s LEFT JOIN cases c ON c.id = s.case_id'
        " WHERE s.document_id = ? ORDER BY s.position",
        (doc_id,),
    ).fetchall()
    return json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))


def _reviews(project: Project, doc_id: int) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in project.query(
        "SELECT r.coding_id, r.status, r.reviewer, r.comment, r.created FROM reviews r"
        " JOIN codings k ON k.id = r.coding_id WHERE k.document_id = ? ORDER BY r.id",
        (doc_id,),
    ):
        out.setdefault(r.pop("coding_id"), []).append({k: v for k, v in r.items() if v is not None})
    return out


def _source(
    project: Project,
    guid: Guids,
    refs: dict[tuple[str, int | None], list[str]],
    coders: set[str],
    doc_id: int,
) -> RefiSource:
    """One document with its codings as selections; the only text in memory is this document's."""
    d = project.query("SELECT * FROM documents WHERE id = ?", (doc_id,))[0]
    fields = [
        ("source_type", d["source_type"]),
        ("original_name", d["original_name"]),
        ("sha256", d["sha256"]),
        ("segments", _segments_json(project, doc_id)),
    ]
    source = RefiSource(
        guid("document", doc_id),
        d["name"],
        d["text"],
        join_trailer("", fields),
        guid("user", d["imported_by"]) if d["imported_by"] in coders else None,
        d["imported"],
        note_refs=refs.get(("document", doc_id), []),
    )
    codings = project.query(
        'SELECT * FROM codings WHERE document_id = ? ORDER BY start, "end", id', (doc_id,)
    )
    guid.load(("coding", "selection"), [k["id"] for k in codings])
    reviews = _reviews(project, doc_id) if codings else {}
    for k in codings:
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
    return source


def _cases(project: Project, guid: Guids) -> tuple[list[RefiVariable], list[RefiCase]]:
    names = sorted({r[0] for r in project.conn.execute("SELECT DISTINCT name FROM case_attributes")})
    variables = [RefiVariable(guid("variable", n), n) for n in names]
    cases = []
    docs: dict[int, list[int]] = {}
    for case_id, doc_id in project.conn.execute(
        "SELECT DISTINCT case_id, document_id FROM segments WHERE case_id IS NOT NULL ORDER BY document_id"
    ):
        docs.setdefault(case_id, []).append(doc_id)
    attrs: dict[int, dict[str, str]] = {}
    for case_id, name, value in project.conn.execute(
        "SELECT case_id, name, value FROM case_attributes ORDER BY name"
    ):
        attrs.setdefault(case_id, {})[guid("variable", name)] = value
    for case_id, name in project.conn.execute("SELECT id, name FROM cases ORDER BY name"):
        cases.append(
            RefiCase(
                guid("case", case_id),
                name,
                "",
                attrs.get(case_id, {}),
                [guid("document", d) for d in docs.get(case_id, [])],
            )
        )
    return variables, cases


@contextlib.contextmanager
def refi_stream(project: Project) -> Iterator[RefiStream]:
    """Everything the project holds, as REFI-QDA data for a writer that writes as it reads (it never reads the
    store): one document and its codings at a time, all read in one read transaction, so the file is one
    moment of the project even if someone codes meanwhile."""
    own = not project.conn.in_transaction
    if own:
        project.conn.execute("BEGIN")
    try:
        guid = Guids(project, lazy=("coding", "selection"))
        notes, refs = _memo_refs(project, guid)
        users, creator = _users(project, guid)
        variables, cases = _cases(project, guid)
        coders = {r[0] for r in project.conn.execute("SELECT name FROM coders")}
        doc_ids = [r[0] for r in project.conn.execute("SELECT id FROM documents ORDER BY id")]
        head = RefiProject(
            name=project.name,
            origin=f"qualcode {__version__}",
            user=creator,
            created=project.meta("created"),
            modified=project.scalar("SELECT at FROM change_log ORDER BY id DESC LIMIT 1"),
            description=join_trailer(
                "", [("codebook_name", n)] if (n := project.meta("codebook_name")) else []
            ),
            users=users,
            codes=code_list(project, guid, refs),  # type: ignore[arg-type]
            variables=variables,
            cases=cases,
            notes=notes,
            note_refs=refs.get(("project", None), []),
        )

        def sources() -> Iterator[RefiSource]:
            for doc_id in doc_ids:
                yield _source(project, guid, refs, coders, doc_id)

        def texts() -> Iterator[tuple[str, str]]:
            for doc_id in doc_ids:
                yield (
                    guid("document", doc_id),
                    project.scalar("SELECT text FROM documents WHERE id = ?", (doc_id,)),
                )

        # project.qde is mostly selections (name up to 200 characters, description) and segment lists
        hint = 2000 * (project.scalar("SELECT count(*) FROM codings") or 0)
        hint += 200 * (project.scalar("SELECT count(*) FROM segments") or 0)
        hint += sum(len(n.text) + len(n.description) for n in notes) + 100_000
        yield RefiStream(head, sources, texts, len(doc_ids), hint)
    finally:
        if own and project.conn.in_transaction:
            project.conn.execute("COMMIT")


def refi_snapshot(project: Project) -> RefiProject:
    """The whole project in memory (small projects and tests; an export streams with `refi_stream`)."""
    with refi_stream(project) as stream:
        refi = stream.head
        refi.sources = list(stream.sources())
    return refi


def refi_codebook(project: Project) -> RefiProject:
    return RefiProject(
        name=project.name, origin=f"qualcode {__version__}", codes=code_list(project, Guids(project))
    )
