"""Edit the project's codebook: add, change, re-key, move and merge codes, each one logged transaction."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from qualcode.core.codebook import COLOUR_RE, KEY_RE
from qualcode.errors import DuplicateError, InputError
from qualcode.store.codebook import load_codebook, resolve_code
from qualcode.store.project import Project

EDITABLE = (
    "label",
    "definition",
    "include",
    "exclude",
    "examples",
    "atypical_examples",
    "keywords",
    "colour",
)


def _snapshot(project: Project, key: str) -> dict[str, Any]:
    return asdict(load_codebook(project).by_key()[key])


def _check_key(project: Project, key: str) -> str:
    key = key.strip()
    if not KEY_RE.match(key):
        raise InputError(f"code key {key!r} may use only letters, digits, '.', '-' and '_'")
    if project.conn.execute("SELECT 1 FROM codes WHERE key = ?", (key,)).fetchone():
        raise DuplicateError(f"a code with key '{key}' already exists")
    return key


def add_code(project: Project, key: str, label: str, parent: str | None = None, definition: str = "") -> int:
    with project.transaction():
        key = _check_key(project, key)
        if not label.strip():
            raise InputError("a code needs a label")
        parent_id = resolve_code(project, parent) if parent else None
        position = project.scalar("SELECT coalesce(max(position), -1) + 1 FROM codes")
        cur = project.conn.execute(
            "INSERT INTO codes(key, label, parent_id, position, definition) VALUES (?, ?, ?, ?, ?)",
            (key, label.strip(), parent_id, position, definition.strip()),
        )
        project.log("codebook.add", "code", key, {"after": _snapshot(project, key)})
        return int(cur.lastrowid or 0)


def update_code(project: Project, key: str, **fields: Any) -> dict[str, Any]:
    """Change a code's label, definition, include/exclude, examples, keywords or colour."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(f"cannot edit {', '.join(sorted(unknown))} of a code")
    with project.transaction():
        resolve_code(project, key)
        before = _snapshot(project, key)
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if name in ("examples", "atypical_examples", "keywords"):
                items = [str(v).strip() for v in (value or []) if str(v).strip()]
                values[name] = json.dumps(items, ensure_ascii=False)
            else:
                values[name] = str(value or "").strip()
        if "label" in values and not values["label"]:
            raise InputError("a code needs a label")
        if values.get("colour") and not COLOUR_RE.match(values["colour"]):
            raise InputError("colour must look like #1A2B3C")
        if values:
            sets = ", ".join(f"{k} = ?" for k in values)
            project.conn.execute(f"UPDATE codes SET {sets} WHERE key = ?", (*values.values(), key))
        after = _snapshot(project, key)
        if after != before:
            project.log("codebook.update", "code", key, {"before": before, "after": after})
        return after


def rekey_code(project: Project, key: str, new_key: str) -> None:
    """Give a code a new key; its codings follow (they refer to the code by id)."""
    with project.transaction():
        code_id = resolve_code(project, key)
        new_key = _check_key(project, new_key)
        project.conn.execute("UPDATE codes SET key = ? WHERE id = ?", (new_key, code_id))
        project.log("codebook.rekey", "code", new_key, {"before": key, "after": new_key})


def move_code(project: Project, key: str, new_parent: str | None) -> None:
    """Put a code under another parent (None: top level), refusing to make a loop."""
    with project.transaction():
        code_id = resolve_code(project, key)
        parent_id = resolve_code(project, new_parent) if new_parent else None
        node = parent_id
        while node is not None:
            if node == code_id:
                raise InputError(f"cannot move '{key}' under its own descendant '{new_parent}'")
            node = project.scalar("SELECT parent_id FROM codes WHERE id = ?", (node,))
        old_parent = project.scalar(
            "SELECT p.key FROM codes c LEFT JOIN codes p ON p.id = c.parent_id WHERE c.id = ?", (code_id,)
        )
        position = project.scalar("SELECT coalesce(max(position), -1) + 1 FROM codes")
        project.conn.execute(
            "UPDATE codes SET parent_id = ?, position = ? WHERE id = ?", (parent_id, position, code_id)
        )
        project.log("codebook.move", "code", key, {"before": old_parent, "after": new_parent})


def merge_codes(project: Project, source: str, target: str) -> dict[str, int]:
    """Fold `source` into `target`: every coding moves over, children re-parent, then `source` is removed.

    Where the same coder already coded the same span with `target`, the two codings are one piece of
    evidence: the target's coding keeps its fields and takes the source's contribution, claim and memo
    where its own are empty; the source's coding id is recorded in the log.
    """
    if source == target:
        raise InputError("cannot merge a code into itself")
    with project.transaction():
        src_id, tgt_id = resolve_code(project, source), resolve_code(project, target)
        node = project.scalar("SELECT parent_id FROM codes WHERE id = ?", (tgt_id,))
        while node is not None:
            if node == src_id:
                raise InputError(f"cannot merge '{source}' into its own descendant '{target}'")
            node = project.scalar("SELECT parent_id FROM codes WHERE id = ?", (node,))
        before = _snapshot(project, source)
        moved = folded = 0
        rows = project.query(
            'SELECT id, document_id, start, "end", coder, contribution, claim, memo FROM codings WHERE code_id = ?',
            (src_id,),
        )
        for row in rows:
            twin = project.conn.execute(
                "SELECT id, contribution, claim, memo FROM codings WHERE code_id = ? AND document_id = ? AND start = ?"
                ' AND "end" = ? AND coder = ?',
                (tgt_id, row["document_id"], row["start"], row["end"], row["coder"]),
            ).fetchone()
            if twin is None:
                project.conn.execute("UPDATE codings SET code_id = ? WHERE id = ?", (tgt_id, row["id"]))
                moved += 1
                continue
            project.conn.execute(
                "UPDATE codings SET contribution = coalesce(contribution, ?), claim = coalesce(claim, ?),"
                " memo = coalesce(memo, ?) WHERE id = ?",
                (row["contribution"], row["claim"], row["memo"], twin[0]),
            )
            # Review decisions follow the evidence to the surviving coding.
            project.conn.execute("UPDATE reviews SET coding_id = ? WHERE coding_id = ?", (twin[0], row["id"]))
            project.conn.execute("DELETE FROM codings WHERE id = ?", (row["id"],))
            folded += 1
            project.log("merge.fold", "coding", row["id"], {"into": twin[0]})
        project.conn.execute("UPDATE codes SET parent_id = ? WHERE parent_id = ?", (tgt_id, src_id))
        project.conn.execute(
            "UPDATE suggestion_feedback SET code_id = ? WHERE code_id = ? AND NOT EXISTS ("
            "SELECT 1 FROM suggestion_feedback f WHERE f.code_id = ? AND"
            " f.segment_id = suggestion_feedback.segment_id AND f.coder = suggestion_feedback.coder)",
            (tgt_id, src_id, tgt_id),
        )
        project.conn.execute("DELETE FROM suggestion_feedback WHERE code_id = ?", (src_id,))
        project.conn.execute(
            "UPDATE memos SET target_id = ? WHERE target_kind = 'code' AND target_id = ?", (tgt_id, src_id)
        )
        project.conn.execute("DELETE FROM codes WHERE id = ?", (src_id,))
        result = {"moved": moved, "folded": folded}
        project.log("codebook.merge", "code", target, {"source": before, **result})
        return result
