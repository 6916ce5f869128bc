"""Edit the outcome map one item at a time: add, change, delete and restore aims, partners, outcomes and claims."""

from __future__ import annotations

import json
from typing import Any

from qualcode.errors import DuplicateError, InputError, NotFoundError
from qualcode.store.claims import (
    _insert_claim,
    check_key,
    get_claim,
    judge,
    latest_judgements,
    set_claim,
)
from qualcode.store.outcomes import PARTNER_KINDS, _text
from qualcode.store.project import Project

TABLES = {"aim": "aims", "partner": "partners", "outcome": "outcomes", "claim": "claims"}
NAMES = {"aim": "aim", "partner": "boundary partner", "outcome": "outcome", "claim": "claim"}
A_NAME = {"aim": "an aim", "partner": "a boundary partner", "outcome": "an outcome", "claim": "a claim"}
# Tables whose rows go with a deleted item and come back with it on restore (besides the item's own row).
_LINKED = ("outcome_aims", "recommendation_links", "claim_evidence", "claim_rivals", "judgements")


def _check_kind(kind: str) -> str:
    if kind not in TABLES:
        raise InputError(f"an outcome map item is an aim, partner, outcome or claim (got {kind!r})")
    return kind


def item_id(project: Project, kind: str, key: str) -> int:
    row = project.scalar(f"SELECT id FROM {TABLES[_check_kind(kind)]} WHERE key = ?", ((key or "").strip(),))
    if row is None:
        raise NotFoundError(f"no {NAMES[kind]} '{(key or '').strip()}'")
    return int(row)


def _aim_ids(project: Project, keys: list[str]) -> list[int]:
    ids = []
    for key in keys:
        aid = project.scalar("SELECT id FROM aims WHERE key = ?", (key.strip(),))
        if aid is None:
            raise NotFoundError(f"no aim '{key.strip()}'")
        ids.append(int(aid))
    return list(dict.fromkeys(ids))


def get_item(project: Project, kind: str, key: str) -> dict[str, Any]:
    """An item's editable fields, as the edit dialogs and `set_item` take them."""
    iid = item_id(project, kind, key)
    if kind == "claim":
        claim = get_claim(project, iid)
        judged = latest_judgements(project).get(f"claim:{claim['key']}") or {}
        return {
            "key": claim["key"],
            "text": claim["claim"],
            "about": claim["outcome"] or "",
            "category": claim["category"] or "",
            "rating": judged.get("rating") or "",
            "confidence": judged.get("confidence") or "",
            "rationale": judged.get("rationale") or "",
        }
    row = project.query(f"SELECT * FROM {TABLES[kind]} WHERE id = ?", (iid,))[0]
    item: dict[str, Any] = {"key": row["key"], "label": row["label"]}
    if kind == "aim":
        item["success"] = json.loads(row["success"])
    elif kind == "partner":
        item["kind"] = row["kind"]
    elif kind == "outcome":
        item["partner"] = project.scalar("SELECT key FROM partners WHERE id = ?", (row["partner_id"],)) or ""
        item["mechanism"] = row["mechanism"]
        item["aims"] = [
            r[0]
            for r in project.conn.execute(
                "SELECT a.key FROM outcome_aims oa JOIN aims a ON a.id = oa.aim_id WHERE oa.outcome_id = ?"
                " ORDER BY a.position, a.id",
                (iid,),
            )
        ]
    return item


def _values(project: Project, kind: str, fields: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """The columns to write for an aim, partner or outcome: `fields` over the `old` item, checked."""
    merged = {**old, **{k: v for k, v in fields.items() if v is not None}}
    values: dict[str, Any] = {"label": _text(merged.get("label"), "label")}
    if kind == "aim":
        success = merged.get("success") or []
        if isinstance(success, str):
            success = success.splitlines()
        values["success"] = json.dumps(
            [s for s in (_text(x, "a success criterion", False) for x in success) if s], ensure_ascii=False
        )
    elif kind == "partner":
        value = _text(merged.get("kind"), "kind (direct or indirect)").lower()
        if value not in PARTNER_KINDS:
            raise InputError(f"a boundary partner is direct or indirect (got {value!r})")
        values["kind"] = value
    elif kind == "outcome":
        partner = _text(merged.get("partner"), "the outcome's boundary partner")
        values["partner_id"] = item_id(project, "partner", partner)
        values["mechanism"] = _text(merged.get("mechanism"), "mechanism", False)
    return values


def _rekey(project: Project, kind: str, old: str, new: str) -> None:
    """Give an item a new key; the references that name it by key (recommendation links, judgements) follow."""
    new = check_key(new, f"the {NAMES[kind]}'s key")
    if project.scalar(f"SELECT 1 FROM {TABLES[kind]} WHERE key = ?", (new,)):
        raise DuplicateError(f"there is already {A_NAME[kind]} '{new}'")
    project.conn.execute(f"UPDATE {TABLES[kind]} SET key = ? WHERE key = ?", (new, old))
    if kind in ("aim", "outcome", "claim"):
        project.conn.execute(
            "UPDATE recommendation_links SET target = ? WHERE target = ?", (f"{kind}:{new}", f"{kind}:{old}")
        )
    if kind == "claim":
        project.conn.execute(
            "UPDATE judgements SET target = ? WHERE target = ?", (f"claim:{new}", f"claim:{old}")
        )


def _judge_if_changed(project: Project, key: str, fields: dict[str, Any]) -> int | None:
    """Record the claim's judgement when the rating, confidence or rationale differ from its newest one."""
    rating = " ".join(str(fields.get("rating") or "").split())
    if not rating:
        return None
    newest = latest_judgements(project).get(f"claim:{key}") or {}
    wanted = (
        rating,
        (fields.get("confidence") or "").strip().lower() or None,
        (fields.get("rationale") or "").strip(),
    )
    if (newest.get("rating"), newest.get("confidence"), (newest.get("rationale") or "").strip()) == wanted:
        return None
    row = judge(
        project, f"claim:{key}", rating, fields.get("rationale") or "", fields.get("confidence") or None
    )
    return int(row["id"])


def add_item(project: Project, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Add an aim, partner, outcome or claim (a claim with its first judgement if a rating is given); one logged
    transaction. Returns the item as `get_item` shows it."""
    _check_kind(kind)
    with project.transaction():
        if kind == "claim":
            cid = _insert_claim(
                project,
                (fields.get("key") or "").strip() or None,
                fields.get("text") or "",
                fields.get("about") or None,
                fields.get("category") or None,
            )
            key = get_claim(project, cid)["key"]
            _judge_if_changed(project, key, fields)
            return get_item(project, kind, key)
        if not (fields.get("key") or "").strip():
            raise InputError(f"the {NAMES[kind]} needs a key")
        key = check_key((fields.get("key") or "").strip(), f"the {NAMES[kind]}'s key")
        if project.scalar(f"SELECT 1 FROM {TABLES[kind]} WHERE key = ?", (key,)):
            raise DuplicateError(f"there is already {A_NAME[kind]} '{key}'")
        values = _values(project, kind, fields, {})
        values["position"] = project.scalar(f"SELECT coalesce(max(position), -1) + 1 FROM {TABLES[kind]}")
        cols = ["key", *values]
        cur = project.conn.execute(
            f"INSERT INTO {TABLES[kind]}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            (key, *values.values()),
        )
        if kind == "outcome":
            project.conn.executemany(
                "INSERT INTO outcome_aims(outcome_id, aim_id) VALUES (?, ?)",
                [(cur.lastrowid, a) for a in _aim_ids(project, list(fields.get("aims") or []))],
            )
        item = get_item(project, kind, key)
        project.log(f"{kind}.add", kind, key, {"after": item})
        return item


def set_item(project: Project, kind: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Change an item's fields (None or absent leaves one as it is; `key` gives it a new key). A claim's changed
    rating, confidence or rationale joins its judgement history. One logged transaction. Returns the item after,
    with `judgement`: the id of a judgement recorded (or None)."""
    _check_kind(kind)
    with project.transaction():
        before = get_item(project, kind, key)
        key = before["key"]
        new_key = (fields.get("key") or "").strip() or key
        if new_key != key:
            _rekey(project, kind, key, new_key)
        judgement = None
        if kind == "claim":
            set_claim(project, new_key, fields.get("text"), fields.get("about"), fields.get("category"))
            judgement = _judge_if_changed(project, new_key, fields)
        else:
            values = _values(project, kind, fields, before)
            sets = ", ".join(f"{c} = ?" for c in values)
            project.conn.execute(
                f"UPDATE {TABLES[kind]} SET {sets} WHERE key = ?", (*values.values(), new_key)
            )
            if kind == "outcome" and fields.get("aims") is not None:
                oid = item_id(project, kind, new_key)
                project.conn.execute("DELETE FROM outcome_aims WHERE outcome_id = ?", (oid,))
                project.conn.executemany(
                    "INSERT INTO outcome_aims(outcome_id, aim_id) VALUES (?, ?)",
                    [(oid, a) for a in _aim_ids(project, list(fields["aims"]))],
                )
        after = get_item(project, kind, new_key)
        if kind != "claim" and after != before:
            project.log(f"{kind}.set", kind, new_key, {"before": before, "after": after})
        elif kind == "claim" and new_key != key:
            project.log("claim.rekey", "claim", new_key, {"before": key, "after": new_key})
        return {**after, "judgement": judgement}


# -- deleting and restoring -----------------------------------------------------------------------------------
def _count(project: Project, sql: str, params: Any) -> int:
    return int(project.scalar(sql, params) or 0)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _keys(project: Project, sql: str, params: Any, limit: int = 4) -> str:
    keys = [r[0] for r in project.conn.execute(sql, params)]
    more = f", … ({len(keys) - limit} more)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def deletion(project: Project, kind: str, key: str) -> dict[str, Any]:
    """What deleting an item would do: `refused` (why it cannot go, or None: the store keeps outcomes under their
    partner and claims under their outcome or aim) and `effects` (what goes with it, in words)."""
    iid = item_id(project, kind, key)
    key = key.strip()
    refused = None
    effects: list[str] = []
    if kind == "partner":
        n = _count(project, "SELECT count(*) FROM outcomes WHERE partner_id = ?", (iid,))
        if n:
            names = _keys(
                project, "SELECT key FROM outcomes WHERE partner_id = ? ORDER BY position, id", (iid,)
            )
            refused = (
                f"partner {key} has {_plural(n, 'outcome')} ({names}): give {_verb(n, 'it', 'them')} another"
                f" partner or delete {_verb(n, 'it', 'them')} first"
            )
    elif kind in ("aim", "outcome"):
        column = f"{kind}_id"
        n = _count(project, f"SELECT count(*) FROM claims WHERE {column} = ?", (iid,))
        if n:
            names = _keys(project, f"SELECT key FROM claims WHERE {column} = ? ORDER BY id", (iid,))
            refused = (
                f"{kind} {key} has {_plural(n, 'claim')} about it ({names}): tie {_verb(n, 'it', 'them')} to"
                f" another outcome or aim, or delete {_verb(n, 'it', 'them')} first"
            )
        links = _count(project, f"SELECT count(*) FROM outcome_aims WHERE {column} = ?", (iid,))
        if links:
            effects.append(
                f"the links from the {_plural(links, 'outcome')} that {_verb(links, 'serves', 'serve')} it"
                if kind == "aim"
                else f"its links to the {_plural(links, 'aim')} it serves"
            )
    else:
        evidence = _count(project, "SELECT count(*) FROM claim_evidence WHERE claim_id = ?", (iid,))
        if evidence:
            effects.append(
                f"its evidence links from {_plural(evidence, 'coding')}"
                f" (the {_verb(evidence, 'coding stays', 'codings stay')})"
            )
        judged = _count(project, "SELECT count(*) FROM judgements WHERE target = ?", (f"claim:{key}",))
        if judged:
            effects.append(f"its {_plural(judged, 'judgement')}")
        rivals = _count(project, "SELECT count(*) FROM claim_rivals WHERE claim_id = ?", (iid,))
        if rivals:
            effects.append(f"its links to {_plural(rivals, 'rival explanation')}")
    if kind != "partner":
        recs = _count(
            project, "SELECT count(*) FROM recommendation_links WHERE target = ?", (f"{kind}:{key}",)
        )
        if recs:
            effects.append(f"the links from {_plural(recs, 'recommendation')} tied to it")
    return {"refused": refused, "effects": effects}


def delete_item(project: Project, kind: str, key: str) -> dict[str, Any]:
    """Delete an item with what hangs on it (see `deletion`), refusing what the store keeps; one logged
    transaction. Returns a snapshot that `restore_item` puts back exactly (same ids)."""
    _check_kind(kind)
    with project.transaction():
        iid = item_id(project, kind, key)
        key = key.strip()
        plan = deletion(project, kind, key)
        if plan["refused"]:
            raise InputError(plan["refused"])
        table = TABLES[kind]
        snapshot: dict[str, Any] = {
            "kind": kind,
            "key": key,
            "row": project.query(f"SELECT * FROM {table} WHERE id = ?", (iid,))[0],
            "outcome_aims": project.query(f"SELECT * FROM outcome_aims WHERE {kind}_id = ?", (iid,))
            if kind in ("aim", "outcome")
            else [],
            "recommendation_links": project.query(
                "SELECT * FROM recommendation_links WHERE target = ?", (f"{kind}:{key}",)
            ),
            "claim_evidence": [],
            "claim_rivals": [],
            "judgements": [],
            "mirrors": [],
        }
        if kind == "claim":
            snapshot["claim_evidence"] = project.query(
                "SELECT * FROM claim_evidence WHERE claim_id = ?", (iid,)
            )
            snapshot["claim_rivals"] = project.query("SELECT * FROM claim_rivals WHERE claim_id = ?", (iid,))
            snapshot["judgements"] = project.query(
                "SELECT * FROM judgements WHERE target = ? ORDER BY id", (f"claim:{key}",)
            )
            ids = [link["coding_id"] for link in snapshot["claim_evidence"]]
            snapshot["mirrors"] = [
                project.query("SELECT id, claim FROM codings WHERE id = ?", (cid,))[0] for cid in ids
            ]
            project.conn.execute("DELETE FROM judgements WHERE target = ?", (f"claim:{key}",))
        project.conn.execute("DELETE FROM recommendation_links WHERE target = ?", (f"{kind}:{key}",))
        project.conn.execute(f"DELETE FROM {table} WHERE id = ?", (iid,))  # links by id cascade
        for mirror in snapshot["mirrors"]:
            # codings.claim mirrors a coding's first claim (by key, as coding_links orders them); a stale text
            # would come back in reports as a free-text claim.
            first = project.scalar(
                "SELECT c.text FROM claim_evidence e JOIN claims c ON c.id = e.claim_id WHERE e.coding_id = ?"
                " ORDER BY c.key LIMIT 1",
                (mirror["id"],),
            )
            project.conn.execute("UPDATE codings SET claim = ? WHERE id = ?", (first, mirror["id"]))
        project.log(
            f"{kind}.delete",
            kind,
            key,
            {"before": snapshot["row"], "with": {t: len(snapshot[t]) for t in _LINKED if snapshot[t]}},
        )
        return snapshot


def _insert(project: Project, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(f'"{c}"' for c in row)
    project.conn.execute(
        f"INSERT INTO {table}({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
    )


def restore_item(project: Project, snapshot: dict[str, Any]) -> str:
    """Put a deleted item back as it was (same id, position and links); links to things deleted since stay
    gone. One logged transaction. Returns the item's key."""
    kind, row = snapshot["kind"], snapshot["row"]
    table = TABLES[_check_kind(kind)]
    with project.transaction():
        if project.scalar(f"SELECT 1 FROM {table} WHERE key = ? OR id = ?", (row["key"], row["id"])):
            raise DuplicateError(f"there is already {A_NAME[kind]} '{row['key']}'")
        for column, other in (("partner_id", "partners"), ("outcome_id", "outcomes"), ("aim_id", "aims")):
            if row.get(column) is not None and not project.scalar(
                f"SELECT 1 FROM {other} WHERE id = ?", (row[column],)
            ):
                raise NotFoundError(
                    f"cannot put {NAMES[kind]} '{row['key']}' back: what it belonged to is gone"
                )
        _insert(project, table, row)
        exists = {
            "aim_id": "aims",
            "outcome_id": "outcomes",
            "coding_id": "codings",
            "rival_id": "rivals",
            "recommendation_id": "recommendations",
        }
        for name in _LINKED:
            for link in snapshot[name]:
                if all(
                    project.scalar(f"SELECT 1 FROM {exists[c]} WHERE id = ?", (v,))
                    for c, v in link.items()
                    if c in exists
                ):
                    _insert(project, name, link)
        for mirror in snapshot["mirrors"]:
            project.conn.execute(
                "UPDATE codings SET claim = ? WHERE id = ? AND EXISTS (SELECT 1 FROM claim_evidence"
                " WHERE coding_id = ? AND claim_id = ?)",
                (mirror["claim"], mirror["id"], mirror["id"], row["id"]),
            )
        project.log(f"{kind}.restore", kind, row["key"], {"after": row})
    return str(row["key"])
