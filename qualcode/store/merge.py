"""Merge other coders' copies of a study into a project: match, never duplicate, keep provenance, report conflicts."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from qualcode.errors import InputError, NotAProjectError, NotFoundError, ProjectBusyError, ProjectError
from qualcode.store.backup import backup_before
from qualcode.store.codings import get_coding, segment_at
from qualcode.store.pg import ServerLocation, is_server_location
from qualcode.store.project import BUSY_TIMEOUT_MS, GENESIS_HASH, Project, _is_busy, now
from qualcode.store.schema import APPLICATION_ID, SCHEMA_VERSION

_CODE_FIELDS = (
    "label",
    "definition",
    "include",
    "exclude",
    "examples",
    "atypical_examples",
    "keywords",
    "colour",
    "parent_key",
)
_CODE_SQL = (
    "SELECT c.id, c.key, c.label, c.position, c.definition, c.include, c.exclude, c.examples,"
    " c.atypical_examples, c.keywords, c.colour, p.key AS parent_key FROM codes c"
    " LEFT JOIN codes p ON p.id = c.parent_id"
)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def open_source(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to another project file (nothing in it is changed, not even its schema)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such project")
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro",
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        conn.row_factory = sqlite3.Row
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise NotAProjectError(f"{path}: not a qualcode project ({exc})") from None
    if app_id != APPLICATION_ID:
        conn.close()
        raise NotAProjectError(f"{path}: not a qualcode project")
    if version != SCHEMA_VERSION:
        conn.close()
        hint = (
            "open it once with this qualcode to upgrade it"
            if version < SCHEMA_VERSION
            else "upgrade qualcode"
        )
        raise ProjectError(f"{path}: schema {version}, this qualcode uses {SCHEMA_VERSION} ({hint})")
    return conn


def merge_projects(
    project: Project, sources: Sequence[str | Path], dry_run: bool = False
) -> list[dict[str, Any]]:
    """Merge every source into `project` in one transaction (rolled back when `dry_run`); one summary each."""
    if not sources:
        raise InputError("name at least one project to merge from")
    target = None if project.on_server else project.path.resolve()
    conns = []
    try:
        for source in sources:
            if is_server_location(str(source)):
                if project.on_server and str(ServerLocation(str(source))) == str(project.path):
                    raise InputError(f"{source}: cannot merge a project into itself")
                raise InputError(
                    f"{source}: merge reads project files; make one with 'qualcode pull {source} -o copy.qcdb'"
                )
            if target is not None and Path(source).exists() and os.path.samefile(source, target):
                raise InputError(f"{source}: cannot merge a project into itself")
            conns.append((Path(source), open_source(source)))
        if not dry_run:
            backup_before(project, "before-merge")
        for path, conn in conns:
            _begin_snapshot(path, conn)
        summaries: list[dict[str, Any]] = []
        try:
            with project.transaction():
                for path, conn in conns:
                    summaries.append(_Merge(project, conn, path).run())
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return summaries
    finally:
        for _, conn in conns:
            conn.close()  # also ends its read transaction


def _begin_snapshot(path: Path, conn: sqlite3.Connection) -> None:
    """One read transaction per source for the whole merge, so a coder saving in their copy meanwhile cannot
    give the merge half of one state and half of another."""
    try:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts at the first read
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise ProjectBusyError(f"{path}: project busy (another process is writing); try again") from None
        raise


class _Merge:
    """One source merged into the target, inside the caller's transaction."""

    def __init__(self, project: Project, src: sqlite3.Connection, path: Path) -> None:
        self.p, self.src, self.path = project, src, path
        self.at = now()
        name_row = src.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()
        head = src.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone()
        self.source = {
            "name": name_row[0] if name_row else path.stem,
            "path": str(path.resolve()),
            "log_head": head[0] if head else GENESIS_HASH,
            "log_entries": src.execute("SELECT count(*) FROM change_log").fetchone()[0],
        }
        self.counts = dict.fromkeys(
            (
                "documents_matched",
                "documents_added",
                "codes_added",
                "cases_added",
                "attributes_added",
                "codings_added",
                "codings_present",
                "reviews_added",
                "memos_added",
                "memos_updated",
                "feedback_added",
            ),
            0,
        )
        self.conflicts: list[dict[str, Any]] = []
        self.code_map: dict[int, int] = {}
        self.case_map: dict[int, int] = {}
        self.doc_map: dict[int, int] = {}
        self.seg_map: dict[int, int] = {}
        self.coding_map: dict[int, int] = {}

    def run(self) -> dict[str, Any]:
        for name, created in self.src.execute("SELECT name, created FROM coders"):
            # Only names the study lacks: on a server study a coder may add no name but their own (row-level
            # security checks even a row INSERT OR IGNORE would skip), yet may merge their own copy back.
            self.p.conn.execute(
                "INSERT INTO coders(name, created) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM coders WHERE name = ?)",
                (name, created, name),
            )
        self._codes()
        self._cases()
        self._documents()
        self._codings()
        self._reviews()
        self._memos()
        self._feedback()
        summary = {"source": self.source, **self.counts, "conflicts": self.conflicts}
        self.p.log(
            "merge",
            "project",
            self.source["name"],
            {"source": self.source, "at": self.at, "added": self.counts, "conflicts": self.conflicts},
        )
        return summary

    # -- codebook ----------------------------------------------------------------------------------------
    def _codes(self) -> None:
        src_rows = [dict(r) for r in self.src.execute(_CODE_SQL + " ORDER BY c.position, c.id")]
        target = {r["key"]: r for r in self.p.query(_CODE_SQL)}
        by_key = {r["key"]: r for r in src_rows}

        def depth(row: dict[str, Any]) -> int:
            d, seen = 0, set()
            while row["parent_key"] and row["parent_key"] in by_key and row["key"] not in seen:
                seen.add(row["key"])
                row, d = by_key[row["parent_key"]], d + 1
            return d

        for row in sorted(src_rows, key=depth):  # parents first, so children find their parent's id
            old = target.get(row["key"])
            if old is None:
                parent_id = (
                    self.p.scalar("SELECT id FROM codes WHERE key = ?", (row["parent_key"],))
                    if row["parent_key"]
                    else None
                )
                cur = self.p.conn.execute(
                    "INSERT INTO codes(key, label, parent_id, position, definition, include, exclude, examples,"
                    " atypical_examples, keywords, colour) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        row["key"],
                        row["label"],
                        parent_id,
                        row["position"],
                        row["definition"],
                        row["include"],
                        row["exclude"],
                        row["examples"],
                        row["atypical_examples"],
                        row["keywords"],
                        row["colour"],
                    ),
                )
                self.code_map[row["id"]] = int(cur.lastrowid or 0)
                self.counts["codes_added"] += 1
                self.p.log(
                    "merge.codebook.add",
                    "code",
                    row["key"],
                    {"after": {f: row[f] for f in _CODE_FIELDS}, "source": self.source["name"]},
                )
                continue
            self.code_map[row["id"]] = old["id"]
            differ = {f: {"target": old[f], "source": row[f]} for f in _CODE_FIELDS if old[f] != row[f]}
            if differ:
                self.conflicts.append(
                    {
                        "kind": "code",
                        "key": row["key"],
                        "fields": differ,
                        "kept": "target",
                        "message": f"code '{row['key']}' differs in "
                        f"{', '.join(differ)}; the target's version is kept",
                    }
                )

    # -- cases and attributes ------------------------------------------------------------------------------
    def _cases(self) -> None:
        for cid, name in self.src.execute("SELECT id, name FROM cases"):
            row = self.p.conn.execute("SELECT id FROM cases WHERE name = ?", (name,)).fetchone()
            if row:
                self.case_map[cid] = int(row[0])
            else:
                self.case_map[cid] = int(
                    self.p.conn.execute("INSERT INTO cases(name) VALUES (?)", (name,)).lastrowid or 0
                )
                self.counts["cases_added"] += 1
            theirs = dict(
                self.src.execute(
                    "SELECT name, value FROM case_attributes WHERE case_id = ?", (cid,)
                ).fetchall()
            )
            ours = dict(
                self.p.conn.execute(
                    "SELECT name, value FROM case_attributes WHERE case_id = ?", (self.case_map[cid],)
                ).fetchall()
            )
            added = {k: v for k, v in theirs.items() if k not in ours}
            for key, value in sorted(theirs.items()):
                if key in ours and ours[key] != value:
                    self.conflicts.append(
                        {
                            "kind": "attribute",
                            "case": name,
                            "attribute": key,
                            "target": ours[key],
                            "source": value,
                            "kept": "target",
                            "message": f"case '{name}': {key} is {ours[key]!r} here but {value!r} "
                            "in the source; kept this project's value",
                        }
                    )
            if added:
                self.p.conn.executemany(
                    "INSERT INTO case_attributes(case_id, name, value) VALUES (?, ?, ?)",
                    [(self.case_map[cid], k, v) for k, v in added.items()],
                )
                self.counts["attributes_added"] += len(added)
                self.p.log("merge.case", "case", name, {"after": added, "source": self.source["name"]})

    # -- documents and segments -------------------------------------------------------------------------
    def _documents(self) -> None:
        for doc in self.src.execute("SELECT * FROM documents ORDER BY id"):
            matches = self.p.query(
                "SELECT id, name FROM documents WHERE sha256 = ? AND text = ? ORDER BY name != ?, id",
                (doc["sha256"], doc["text"], doc["name"]),
            )
            if matches:
                self.doc_map[doc["id"]] = matches[0]["id"]
                self.counts["documents_matched"] += 1
                self._map_segments(doc["id"], matches[0]["id"])
                continue
            problem = None
            if self.p.scalar("SELECT 1 FROM documents WHERE sha256 = ?", (doc["sha256"],)):
                problem = "the same file has a different text here (imported with other settings?)"
            elif self.p.scalar("SELECT 1 FROM documents WHERE name = ?", (doc["name"],)):
                problem = "a different document has this name here"
            if problem:
                self.conflicts.append(
                    {
                        "kind": "document",
                        "document": doc["name"],
                        "kept": "target",
                        "message": f"document '{doc['name']}': {problem}; its codings were not merged",
                    }
                )
                continue
            self._add_document(doc)

    def _map_segments(self, src_doc: int, doc_id: int) -> None:
        ours = {
            (s, e): sid
            for sid, s, e in self.p.conn.execute(
                'SELECT id, start, "end" FROM segments WHERE document_id = ?', (doc_id,)
            )
        }
        for sid, s, e in self.src.execute(
            'SELECT id, start, "end" FROM segments WHERE document_id = ?', (src_doc,)
        ):
            target = ours.get((s, e))
            if target is None:
                target = segment_at(self.p, doc_id, s, e)
            if target is not None:
                self.seg_map[sid] = target

    def _add_document(self, doc: sqlite3.Row) -> None:
        cur = self.p.conn.execute(
            "INSERT INTO documents(name, source_type, original_name, sha256, text, imported, imported_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                doc["name"],
                doc["source_type"],
                doc["original_name"],
                doc["sha256"],
                doc["text"],
                doc["imported"],
                doc["imported_by"],
            ),
        )
        doc_id = int(cur.lastrowid or 0)
        self.doc_map[doc["id"]] = doc_id
        segments = self.src.execute(
            'SELECT id, position, case_id, speaker, question, start, "end", text, time FROM segments'
            " WHERE document_id = ? ORDER BY position",
            (doc["id"],),
        ).fetchall()
        for seg in segments:
            new = self.p.conn.execute(
                'INSERT INTO segments(document_id, position, case_id, speaker, question, start, "end", text, time)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    seg["position"],
                    self.case_map.get(seg["case_id"]) if seg["case_id"] else None,
                    seg["speaker"],
                    seg["question"],
                    seg["start"],
                    seg["end"],
                    seg["text"],
                    seg["time"],
                ),
            )
            self.seg_map[seg["id"]] = int(new.lastrowid or 0)
        self.p.conn.executemany(
            "INSERT INTO document_speakers(document_id, speaker, role, code) VALUES (?, ?, ?, ?)",
            [
                (doc_id, r["speaker"], r["role"], r["code"])
                for r in self.src.execute(
                    "SELECT speaker, role, code FROM document_speakers WHERE document_id = ?", (doc["id"],)
                )
            ],
        )
        self.counts["documents_added"] += 1
        self.p.log(
            "merge.import",
            "document",
            doc["name"],
            {
                "source_type": doc["source_type"],
                "file": doc["original_name"],
                "sha256": doc["sha256"],
                "segments": len(segments),
                "source": self.source["name"],
            },
        )

    # -- codings, reviews, memos, suggestion feedback ---------------------------------------------------
    def _codings(self) -> None:
        rows = self.src.execute(
            'SELECT k.id, k.document_id, k.start, k."end", k.code_id, k.coder, k.created, k.contribution, k.claim,'
            " k.memo, k.provenance, d.name AS document, c.key AS code FROM codings k"
            " JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id ORDER BY k.id"
        ).fetchall()
        for k in rows:
            doc_id, code_id = self.doc_map.get(k["document_id"]), self.code_map[k["code_id"]]
            if doc_id is None:
                continue
            key = (doc_id, k["start"], k["end"], code_id, k["coder"])
            old = self.p.conn.execute(
                'SELECT id, contribution, claim, memo FROM codings WHERE document_id=? AND start=? AND "end"=?'
                " AND code_id=? AND coder=?",
                key,
            ).fetchone()
            if old:
                self.coding_map[k["id"]] = int(old[0])
                self.counts["codings_present"] += 1
                differ = {
                    f: {"target": old[i + 1], "source": k[f]}
                    for i, f in enumerate(("contribution", "claim", "memo"))
                    if old[i + 1] != k[f]
                }
                if differ:
                    self.conflicts.append(
                        {
                            "kind": "coding",
                            "coding_id": int(old[0]),
                            "document": k["document"],
                            "start": k["start"],
                            "end": k["end"],
                            "code": k["code"],
                            "coder": k["coder"],
                            "fields": differ,
                            "kept": "target",
                            "message": f"{k['coder']}'s coding {k['code']} at {k['document']} {k['start']}-{k['end']} "
                            f"differs in {', '.join(differ)}; kept this project's version",
                        }
                    )
                continue
            provenance: dict[str, Any] = {"merged_from": {**self.source, "at": self.at, "coding_id": k["id"]}}
            if k["provenance"]:
                try:
                    provenance["source_provenance"] = json.loads(k["provenance"])
                except ValueError:
                    provenance["source_provenance"] = k["provenance"]
            cur = self.p.conn.execute(
                'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created, contribution,'
                " claim, memo, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    segment_at(self.p, doc_id, k["start"], k["end"]),
                    k["start"],
                    k["end"],
                    code_id,
                    k["coder"],
                    k["created"],
                    k["contribution"],
                    k["claim"],
                    k["memo"],
                    json.dumps(provenance, ensure_ascii=False),
                ),
            )
            cid = int(cur.lastrowid or 0)
            self.coding_map[k["id"]] = cid
            self.counts["codings_added"] += 1
            self.p.log(
                "merge.code", "coding", cid, {"after": get_coding(self.p, cid), "source": self.source["name"]}
            )

    def _reviews(self) -> None:
        for r in self.src.execute("SELECT * FROM reviews ORDER BY created, id").fetchall():
            cid = self.coding_map.get(r["coding_id"])
            if cid is None:
                continue
            values = (cid, r["status"], r["reviewer"], r["comment"], r["created"])
            if self.p.conn.execute(
                "SELECT 1 FROM reviews WHERE coding_id=? AND status=? AND reviewer=?"
                " AND comment IS ? AND created=?",
                values,
            ).fetchone():
                continue
            rid = self.p.conn.execute(
                "INSERT INTO reviews(coding_id, status, reviewer, comment, created) VALUES (?, ?, ?, ?, ?)",
                values,
            ).lastrowid
            self.counts["reviews_added"] += 1
            self.p.log(
                "merge.review",
                "coding",
                cid,
                {
                    "after": {
                        "review_id": rid,
                        "status": r["status"],
                        "reviewer": r["reviewer"],
                        "comment": r["comment"],
                        "created": r["created"],
                    },
                    "source": self.source["name"],
                },
            )

    def _memo_target(self, kind: str, target_id: int | None) -> tuple[bool, int | None]:
        if kind == "project" or target_id is None:
            return True, target_id
        if kind == "code":
            mapped = self.code_map.get(target_id)
        else:
            table = {
                "document": self.doc_map,
                "segment": self.seg_map,
                "case": self.case_map,
                "coding": self.coding_map,
            }.get(kind, {})
            mapped = table.get(target_id)
        return mapped is not None, mapped

    def _memos(self) -> None:
        for m in self.src.execute("SELECT * FROM memos ORDER BY id").fetchall():
            ok, target_id = self._memo_target(m["target_kind"], m["target_id"])
            if not ok:
                continue
            if m["target_kind"] == "coding":  # a source older than schema 4: the memo joins the coding's own
                if target_id is not None:
                    self._coding_memo(target_id, m["text"])
                continue
            # A memo is the same memo when kind, target, coder and creation time agree; the newest edit wins.
            old = self.p.conn.execute(
                "SELECT id, updated, title, text FROM memos WHERE target_kind=? AND target_id IS ? AND coder=?"
                " AND created=?",
                (m["target_kind"], target_id, m["coder"], m["created"]),
            ).fetchone()
            if old and (old[2], old[3]) == (m["title"], m["text"]):
                continue
            if old and old[1] >= m["updated"]:
                continue
            if old:
                self.p.conn.execute(
                    "UPDATE memos SET updated=?, title=?, text=? WHERE id=?",
                    (m["updated"], m["title"], m["text"], old[0]),
                )
                self.counts["memos_updated"] += 1
                self.p.log(
                    "merge.memo.update",
                    "memo",
                    old[0],
                    {
                        "before": {"title": old[2], "text": old[3], "updated": old[1]},
                        "after": {"title": m["title"], "text": m["text"], "updated": m["updated"]},
                        "source": self.source["name"],
                    },
                )
                continue
            mid = self.p.conn.execute(
                "INSERT INTO memos(target_kind, target_id, coder, created, updated, title, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (m["target_kind"], target_id, m["coder"], m["created"], m["updated"], m["title"], m["text"]),
            ).lastrowid
            self.counts["memos_added"] += 1
            self.p.log(
                "merge.memo",
                "memo",
                mid,
                {
                    "after": {
                        "target_kind": m["target_kind"],
                        "target_id": target_id,
                        "coder": m["coder"],
                        "title": m["title"],
                        "text": m["text"],
                    },
                    "source": self.source["name"],
                },
            )

    def _coding_memo(self, coding_id: int, text: str) -> None:
        old = self.p.conn.execute("SELECT memo FROM codings WHERE id = ?", (coding_id,)).fetchone()
        if old is None or (old[0] or "").find(text) >= 0:
            return
        merged = f"{old[0]}\n\n{text}" if old[0] else text
        self.p.conn.execute("UPDATE codings SET memo = ? WHERE id = ?", (merged, coding_id))
        self.counts["memos_added"] += 1
        self.p.log(
            "merge.memo",
            "coding",
            coding_id,
            {"before": {"memo": old[0]}, "after": {"memo": merged}, "source": self.source["name"]},
        )

    def _feedback(self) -> None:
        for f in self.src.execute("SELECT * FROM suggestion_feedback ORDER BY id").fetchall():
            seg, code = self.seg_map.get(f["segment_id"]), self.code_map.get(f["code_id"])
            if seg is None or code is None:
                continue
            cur = self.p.conn.execute(
                "INSERT OR IGNORE INTO suggestion_feedback(segment_id, code_id, coder, decision, score, method,"
                " model_version, reason, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    seg,
                    code,
                    f["coder"],
                    f["decision"],
                    f["score"],
                    f["method"],
                    f["model_version"],
                    f["reason"],
                    f["created"],
                ),
            )
            self.counts["feedback_added"] += cur.rowcount
