"""The outcome map (aims, boundary partners, their outcomes), rival explanations and recommendations."""

from __future__ import annotations

import json
from typing import Any

from qualcode.errors import InputError, NotFoundError
from qualcode.store.claims import category_labels, check_key, claim_id, set_category_labels
from qualcode.store.project import Project

PARTNER_KINDS = ("direct", "indirect")


def _text(value: Any, what: str, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InputError(f"{what} must be text")
    text = " ".join(str(value).split())
    if required and not text:
        raise InputError(f"{what} is missing")
    return text


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{what} must be a list")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a mapping (key: value)")
    return value


def _upsert(project: Project, table: str, key: str, values: dict[str, Any]) -> tuple[int, bool]:
    """Insert or update a keyed row; (id, whether it changed)."""
    row = project.query(f"SELECT * FROM {table} WHERE key = ?", (key,))
    if not row:
        cols = ["key", *values]
        cur = project.conn.execute(
            f"INSERT INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            (key, *values.values()),
        )
        return int(cur.lastrowid or 0), True
    changed = any(row[0][k] != v for k, v in values.items())
    if changed:
        sets = ", ".join(f"{k} = ?" for k in values)
        project.conn.execute(f"UPDATE {table} SET {sets} WHERE key = ?", (*values.values(), key))
    return int(row[0]["id"]), changed


def import_outcome_map(project: Project, data: Any, source: str = "") -> dict[str, int]:
    """Add or update (by key) aims, partners with their outcomes, rivals (with the claims they rival) and the
    report labels of contribution categories; nothing is deleted. One transaction: any problem imports nothing."""
    data = _mapping(data, "the outcome map")
    unknown = set(data) - {"aims", "partners", "rivals", "categories"}
    if unknown:
        raise InputError(
            f"unknown section(s) {', '.join(sorted(map(str, unknown)))} (known: aims, partners,"
            " rivals, categories)"
        )
    counts = {"aims": 0, "partners": 0, "outcomes": 0, "rivals": 0, "changed": 0}
    with project.transaction():
        for i, aim in enumerate(_list(data.get("aims"), "aims")):
            where = f"aims[{i}]"
            aim = _mapping(aim, where)
            success = [_text(s, f"{where}.success") for s in _list(aim.get("success"), f"{where}.success")]
            _, changed = _upsert(
                project,
                "aims",
                check_key(_text(aim.get("key"), f"{where}.key"), f"{where}.key"),
                {
                    "label": _text(aim.get("label"), f"{where}.label"),
                    "success": json.dumps(success, ensure_ascii=False),
                    "position": i,
                },
            )
            counts["aims"] += 1
            counts["changed"] += changed
        position = 0
        for i, partner in enumerate(_list(data.get("partners"), "partners")):
            where = f"partners[{i}]"
            partner = _mapping(partner, where)
            kind = _text(partner.get("kind"), f"{where}.kind").lower()
            if kind not in PARTNER_KINDS:
                raise InputError(f"{where}.kind must be direct or indirect (got {kind!r})")
            pid, changed = _upsert(
                project,
                "partners",
                check_key(_text(partner.get("key"), f"{where}.key")),
                {"label": _text(partner.get("label"), f"{where}.label"), "kind": kind, "position": i},
            )
            counts["partners"] += 1
            counts["changed"] += changed
            for j, outcome in enumerate(_list(partner.get("outcomes"), f"{where}.outcomes")):
                at = f"{where}.outcomes[{j}]"
                outcome = _mapping(outcome, at)
                oid, changed = _upsert(
                    project,
                    "outcomes",
                    check_key(_text(outcome.get("key"), f"{at}.key")),
                    {
                        "label": _text(outcome.get("label"), f"{at}.label"),
                        "partner_id": pid,
                        "mechanism": _text(outcome.get("mechanism"), f"{at}.mechanism", False),
                        "position": position,
                    },
                )
                position += 1
                aims = []
                for a in _list(outcome.get("aims"), f"{at}.aims"):
                    aid = project.scalar("SELECT id FROM aims WHERE key = ?", (_text(a, f"{at}.aims"),))
                    if aid is None:
                        raise NotFoundError(f"{at}: no aim '{a}' (list it under aims)")
                    aims.append(aid)
                before = {
                    r[0]
                    for r in project.conn.execute(
                        "SELECT aim_id FROM outcome_aims WHERE outcome_id = ?", (oid,)
                    )
                }
                if set(aims) != before:
                    project.conn.execute("DELETE FROM outcome_aims WHERE outcome_id = ?", (oid,))
                    project.conn.executemany(
                        "INSERT INTO outcome_aims(outcome_id, aim_id) VALUES (?, ?)",
                        [(oid, a) for a in dict.fromkeys(aims)],
                    )
                    changed = True
                counts["outcomes"] += 1
                counts["changed"] += changed
        for i, rival in enumerate(_list(data.get("rivals"), "rivals")):
            where = f"rivals[{i}]"
            rival = _mapping(rival, where)
            rid, changed = _upsert(
                project,
                "rivals",
                check_key(_text(rival.get("key"), f"{where}.key")),
                {
                    "label": _text(rival.get("label"), f"{where}.label"),
                    "description": _text(rival.get("description"), f"{where}.description", False),
                },
            )
            for claim in _list(rival.get("claims"), f"{where}.claims"):
                cur = project.conn.execute(
                    "INSERT OR IGNORE INTO claim_rivals(claim_id, rival_id) VALUES (?, ?)",
                    (claim_id(project, _text(claim, f"{where}.claims")), rid),
                )
                changed = changed or cur.rowcount > 0
            counts["rivals"] += 1
            counts["changed"] += changed
        if data.get("categories") is not None:
            labels = {
                str(k): _text(v, f"categories.{k}")
                for k, v in _mapping(data["categories"], "categories").items()
            }
            set_category_labels(project, labels)
        if counts["changed"]:
            project.log("outcomes.import", "project", None, {"source": source, **counts})
    return counts


def outcome_map(project: Project) -> dict[str, Any]:
    """The outcome map in the shape `import_outcome_map` reads (categories only where the project set labels)."""
    aims = [
        {"key": r["key"], "label": r["label"], "success": json.loads(r["success"])}
        for r in project.query("SELECT key, label, success FROM aims ORDER BY position, id")
    ]
    links: dict[int, list[str]] = {}
    for oid, key in project.conn.execute(
        "SELECT oa.outcome_id, a.key FROM outcome_aims oa JOIN aims a"
        " ON a.id = oa.aim_id ORDER BY a.position, a.id"
    ):
        links.setdefault(oid, []).append(key)
    partners = []
    for p in project.query("SELECT id, key, label, kind FROM partners ORDER BY position, id"):
        outcomes = [
            {
                "key": o["key"],
                "label": o["label"],
                "mechanism": o["mechanism"],
                "aims": links.get(o["id"], []),
            }
            for o in project.query(
                "SELECT id, key, label, mechanism FROM outcomes WHERE partner_id = ? ORDER BY position, id",
                (p["id"],),
            )
        ]
        partners.append({"key": p["key"], "label": p["label"], "kind": p["kind"], "outcomes": outcomes})
    rivals = []
    for r in project.query("SELECT id, key, label, description FROM rivals ORDER BY id"):
        claims = [
            c[0]
            for c in project.conn.execute(
                "SELECT c.key FROM claim_rivals cr JOIN claims c ON c.id = cr.claim_id WHERE cr.rival_id = ?"
                " ORDER BY c.id",
                (r["id"],),
            )
        ]
        rival = {"key": r["key"], "label": r["label"], "claims": claims}
        if r["description"]:
            rival["description"] = r["description"]
        rivals.append(rival)
    out: dict[str, Any] = {"aims": aims, "partners": partners, "rivals": rivals}
    stored = json.loads(project.meta("category_labels") or "{}")
    if stored:
        out["categories"] = {k: v for k, v in category_labels(project).items() if k in stored}
    return out


def outcome_rows(project: Project) -> list[dict[str, Any]]:
    """One row per outcome (partner, outcome, aims, claims and codings of evidence), for `outcomes list`."""
    return project.query(
        "SELECT p.key AS partner, p.kind, o.key AS outcome, o.label,"
        " (SELECT group_concat(a.key, ', ') FROM outcome_aims oa JOIN aims a ON a.id = oa.aim_id"
        "  WHERE oa.outcome_id = o.id) AS aims,"
        " (SELECT count(*) FROM claims c WHERE c.outcome_id = o.id) AS claims,"
        " (SELECT count(*) FROM claim_evidence e JOIN claims c ON c.id = e.claim_id WHERE c.outcome_id = o.id)"
        " AS evidence"
        " FROM outcomes o LEFT JOIN partners p ON p.id = o.partner_id ORDER BY p.position, o.position, o.id"
    )


# -- recommendations ------------------------------------------------------------------------------------------
def _check_link(project: Project, target: str) -> str:
    kind, sep, key = target.strip().partition(":")
    kind, key = kind.strip().lower(), key.strip()
    table = {"claim": "claims", "outcome": "outcomes", "aim": "aims"}.get(kind)
    if not sep or table is None or not key:
        raise InputError(
            f"a recommendation links to 'claim:KEY', 'outcome:KEY' or 'aim:KEY' (got {target!r})"
        )
    if not project.scalar(f"SELECT 1 FROM {table} WHERE key = ?", (key,)):
        raise NotFoundError(f"no {kind} '{key}'")
    return f"{kind}:{key}"


def import_recommendations(project: Project, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Recommendations with `key, text, priority, owner, links` (links: 'claim:K; outcome:O; aim:A', or a list);
    a known key is updated and its links replaced. One transaction: any bad row imports nothing."""
    if not rows:
        raise InputError("no recommendations in the file")
    counts = {"added": 0, "updated": 0, "rows": len(rows)}
    with project.transaction():
        base = project.scalar("SELECT coalesce(max(position), 0) FROM recommendations")
        for n, row in enumerate(rows, start=1):
            try:
                key = check_key(_text(row.get("key"), "key"), "recommendation key")
                links = row.get("links") or ""
                links = links if isinstance(links, list) else [x for x in str(links).split(";") if x.strip()]
                targets = sorted({_check_link(project, str(t)) for t in links})
                known = project.scalar("SELECT 1 FROM recommendations WHERE key = ?", (key,))
                rid, changed = _upsert(
                    project,
                    "recommendations",
                    key,
                    {
                        "text": _text(row.get("text"), "text"),
                        "priority": _text(row.get("priority"), "priority", False),
                        "owner": _text(row.get("owner"), "owner", False),
                        **({} if known else {"position": base + n}),
                    },
                )
                before = [
                    r[0]
                    for r in project.conn.execute(
                        "SELECT target FROM recommendation_links WHERE recommendation_id = ? ORDER BY target",
                        (rid,),
                    )
                ]
                if before != targets:
                    project.conn.execute(
                        "DELETE FROM recommendation_links WHERE recommendation_id = ?", (rid,)
                    )
                    project.conn.executemany(
                        "INSERT INTO recommendation_links(recommendation_id, target) VALUES (?, ?)",
                        [(rid, t) for t in targets],
                    )
                    changed = True
                if changed:
                    counts["added" if not known else "updated"] += 1
                    project.log(
                        "recommendation.import",
                        "recommendation",
                        key,
                        {"after": {"text": _text(row.get("text"), "text"), "links": targets}},
                    )
            except (InputError, NotFoundError) as exc:
                raise InputError(f"recommendation {n}: {exc}") from None
    return counts


def list_recommendations(project: Project) -> list[dict[str, Any]]:
    rows = project.query("SELECT id, key, text, priority, owner FROM recommendations ORDER BY position, id")
    for r in rows:
        r["links"] = [
            t[0]
            for t in project.conn.execute(
                "SELECT target FROM recommendation_links WHERE recommendation_id = ? ORDER BY target",
                (r.pop("id"),),
            )
        ]
    return rows


def map_tree(project: Project) -> list[dict[str, Any]]:
    """Partners -> outcomes -> claims with their evidence links (for / against / mixed codings) and newest
    judgement, for the workbench's map screen; claims about an aim or tied to nothing come last, under partner None."""
    judged: dict[str, str] = {
        r[0]: r[1] for r in project.conn.execute("SELECT target, rating FROM judgements ORDER BY id")
    }
    claims = project.query(
        "SELECT c.key, c.text, o.key AS outcome,"
        " sum(CASE WHEN e.polarity = 'supports' THEN 1 ELSE 0 END) AS supports,"
        " sum(CASE WHEN e.polarity = 'contradicts' THEN 1 ELSE 0 END) AS contradicts,"
        " sum(CASE WHEN e.polarity = 'mixed' THEN 1 ELSE 0 END) AS mixed"
        " FROM claims c LEFT JOIN outcomes o ON o.id = c.outcome_id LEFT JOIN claim_evidence e ON e.claim_id = c.id"
        " GROUP BY c.id, o.id ORDER BY c.id"
    )
    for c in claims:
        c.update(
            {k: c[k] or 0 for k in ("supports", "contradicts", "mixed")},
            judgement=judged.get(f"claim:{c['key']}"),
        )
    tree = []
    for p in project.query("SELECT id, key, label, kind FROM partners ORDER BY position, id"):
        outcomes = [
            {"key": o["key"], "label": o["label"], "claims": [c for c in claims if c["outcome"] == o["key"]]}
            for o in project.query(
                "SELECT key, label FROM outcomes WHERE partner_id = ? ORDER BY position, id", (p["id"],)
            )
        ]
        tree.append({"key": p["key"], "label": p["label"], "kind": p["kind"], "outcomes": outcomes})
    loose = [c for c in claims if c["outcome"] is None]
    if loose:
        tree.append(
            {
                "key": None,
                "label": "Claims about an aim, or not tied to an outcome",
                "kind": "",
                "outcomes": [{"key": None, "label": "(no outcome)", "claims": loose}],
            }
        )
    return tree
