"""Claims of contribution: objects with a category and the evaluator's judgements, and evidence links to them."""

from __future__ import annotations

import json
import re
from typing import Any

from qualcode.core.models import CONTRIBUTION_CATEGORIES
from qualcode.errors import DuplicateError, InputError, NotFoundError
from qualcode.store.project import Project, now
from qualcode.store.schema import POLARITIES, fold_claim

CLAIM_COLUMNS = ("key", "claim", "outcome", "category", "judgement", "confidence", "rationale")
CONFIDENCES = ("low", "medium", "high")
HLS_RATINGS = ("higher", "lower", "insufficient evidence")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LABELS_META = "category_labels"


def check_key(key: str, what: str = "key") -> str:
    key = (key or "").strip()
    if not _KEY.match(key):
        raise InputError(f"{what} must be letters, digits, '.', '_' or '-' with no spaces (got {key!r})")
    return key


def check_polarity(value: str | None, default: str = "supports") -> str:
    value = (value or "").strip().lower() or default
    if value not in POLARITIES:
        raise InputError(f"polarity must be one of {', '.join(POLARITIES)} (got {value!r})")
    return value


def check_category(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if value not in CONTRIBUTION_CATEGORIES:
        raise InputError(f"category must be one of {', '.join(CONTRIBUTION_CATEGORIES)} (got {value!r})")
    return value


def check_confidence(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if value not in CONFIDENCES:
        raise InputError(f"confidence must be one of {', '.join(CONFIDENCES)} (got {value!r})")
    return value


# -- category labels (per project) ---------------------------------------------------------------------------
def category_labels(project: Project) -> dict[str, str]:
    """How reports name each contribution category: the project's own labels over the built-in descriptions."""
    stored = json.loads(project.meta(_LABELS_META) or "{}")
    return {c: stored.get(c) or d for c, d in CONTRIBUTION_CATEGORIES.items()}


def set_category_labels(project: Project, labels: dict[str, str]) -> dict[str, str]:
    """Set the report labels of some categories ('' restores the built-in one); one logged transaction."""
    for category in labels:
        check_category(category)
    with project.transaction():
        before = json.loads(project.meta(_LABELS_META) or "{}")
        after = {**before, **{k.strip().lower(): v.strip() for k, v in labels.items()}}
        after = {k: v for k, v in after.items() if v}
        if after != before:
            project.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                (_LABELS_META, json.dumps(after, ensure_ascii=False, sort_keys=True)),
            )
            project.log("claims.labels", "project", None, {"before": before, "after": after})
    return category_labels(project)


# -- claims ---------------------------------------------------------------------------------------------------
def claim_id(project: Project, key: str) -> int:
    row = project.scalar("SELECT id FROM claims WHERE key = ?", (key.strip(),))
    if row is None:
        raise NotFoundError(f"no claim '{key.strip()}' (see 'qualcode claims list')")
    return int(row)


def find_claim(project: Project, key_or_text: str) -> int | None:
    """A claim named by its key, or by its text (case- and space-folded)."""
    value = key_or_text.strip()
    row = project.scalar("SELECT id FROM claims WHERE key = ?", (value,))
    if row is not None:
        return int(row)
    folded = fold_claim(value)
    for cid, text in project.conn.execute("SELECT id, text FROM claims ORDER BY id"):
        if fold_claim(text) == folded:
            return int(cid)
    return None


def _next_key(project: Project) -> str:
    n = project.scalar("SELECT count(*) FROM claims") + 1
    while project.scalar("SELECT 1 FROM claims WHERE key = ?", (f"claim-{n}",)):
        n += 1
    return f"claim-{n}"


def resolve_about(project: Project, about: str | None) -> tuple[int | None, int | None]:
    """(outcome id, aim id) for an outcome or aim key; (None, None) for nothing."""
    about = (about or "").strip()
    if not about:
        return None, None
    row = project.scalar("SELECT id FROM outcomes WHERE key = ?", (about,))
    if row is not None:
        return int(row), None
    row = project.scalar("SELECT id FROM aims WHERE key = ?", (about,))
    if row is not None:
        return None, int(row)
    raise NotFoundError(f"no outcome or aim '{about}' (see 'qualcode outcomes list')")


def get_claim(project: Project, claim_id_: int) -> dict[str, Any]:
    rows = project.query(
        "SELECT c.key, c.text AS claim, coalesce(o.key, a.key) AS outcome, c.category FROM claims c"
        " LEFT JOIN outcomes o ON o.id = c.outcome_id LEFT JOIN aims a ON a.id = c.aim_id WHERE c.id = ?",
        (claim_id_,),
    )
    if not rows:
        raise NotFoundError(f"no claim with id {claim_id_}")
    return rows[0]


def _insert_claim(
    project: Project, key: str | None, text: str, about: str | None = None, category: str | None = None
) -> int:
    text = " ".join((text or "").split())
    if not text:
        raise InputError("a claim needs its text")
    key = check_key(key, "claim key") if key else _next_key(project)
    if project.scalar("SELECT 1 FROM claims WHERE key = ?", (key,)):
        raise DuplicateError(f"there is already a claim '{key}'")
    twin = find_claim(project, text)
    if twin is not None:
        raise DuplicateError(f"claim '{get_claim(project, twin)['key']}' already says this")
    outcome_id, aim_id = resolve_about(project, about)
    cur = project.conn.execute(
        "INSERT INTO claims(key, text, outcome_id, aim_id, category, created, created_by) VALUES (?,?,?,?,?,?,?)",
        (key, text, outcome_id, aim_id, check_category(category), now(), project.coder),
    )
    cid = int(cur.lastrowid or 0)
    project.log("claim.add", "claim", key, {"after": get_claim(project, cid)})
    return cid


def add_claim(
    project: Project, text: str, key: str | None = None, about: str | None = None, category: str | None = None
) -> dict[str, Any]:
    with project.transaction():
        return get_claim(project, _insert_claim(project, key, text, about, category))


def claim_for(project: Project, key_or_text: str) -> int:
    """The claim a coding names (key or text); a text no claim has yet becomes a new claim. Inside a transaction."""
    found = find_claim(project, key_or_text)
    if found is not None:
        return found
    value = key_or_text.strip()
    if " " not in value and (re.match(r"^claim-\d+$", value) or ("." in value and _KEY.match(value))):
        raise NotFoundError(f"no claim '{key_or_text.strip()}' (see 'qualcode claims list')")
    return _insert_claim(project, None, key_or_text)


def set_claim(
    project: Project, key: str, text: str | None = None, about: str | None = None, category: str | None = None
) -> dict[str, Any]:
    """Change a claim's text, outcome/aim or category (None leaves it, '' clears outcome or category)."""
    with project.transaction():
        cid = claim_id(project, key)
        before = get_claim(project, cid)
        if text is not None:
            text = " ".join(text.split())
            if not text:
                raise InputError("a claim's text cannot be empty")
            twin = find_claim(project, text)
            if twin not in (None, cid):
                raise DuplicateError(f"claim '{get_claim(project, twin)['key']}' already says this")
            project.conn.execute("UPDATE claims SET text = ? WHERE id = ?", (text, cid))
            # codings.claim mirrors a coding's first claim's text: keep it saying the same as the claim.
            project.conn.execute(
                "UPDATE codings SET claim = ? WHERE claim = ? AND id IN"
                " (SELECT coding_id FROM claim_evidence WHERE claim_id = ?)",
                (text, before["claim"], cid),
            )
        if about is not None:
            outcome_id, aim_id = resolve_about(project, about)
            project.conn.execute(
                "UPDATE claims SET outcome_id = ?, aim_id = ? WHERE id = ?", (outcome_id, aim_id, cid)
            )
        if category is not None:
            project.conn.execute(
                "UPDATE claims SET category = ? WHERE id = ?", (check_category(category), cid)
            )
        after = get_claim(project, cid)
        if after != before:
            project.log("claim.set", "claim", key, {"before": before, "after": after})
        return after


# -- judgements -----------------------------------------------------------------------------------------------
def _check_target(project: Project, target: str) -> str:
    kind, sep, name = target.strip().partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if not sep or kind not in ("claim", "hls") or not name:
        raise InputError(f"a judgement is on 'claim:KEY' or 'hls:CODE' (got {target!r})")
    if kind == "claim":
        claim_id(project, name)
    elif not name.startswith("hls.") or not project.scalar("SELECT 1 FROM codes WHERE key = ?", (name,)):
        raise NotFoundError(f"no Human Learning Systems code '{name}' (an 'hls.' code of the codebook)")
    return f"{kind}:{name}"


def judge(
    project: Project, target: str, rating: str, rationale: str, confidence: str | None = None
) -> dict[str, Any]:
    """Record an evaluator's judgement (a new entry in the target's history; the newest is the one shown)."""
    rating = " ".join((rating or "").split())
    if not rating:
        raise InputError("a judgement needs a rating")
    if not (rationale or "").strip():
        raise InputError("a judgement needs a rationale (--rationale): say why")
    with project.transaction():
        target = _check_target(project, target)
        if target.startswith("hls:") and rating.lower() not in HLS_RATINGS:
            raise InputError(f"an HLS rating is one of {', '.join(HLS_RATINGS)} (got {rating!r})")
        if target.startswith("hls:"):
            rating = rating.lower()
        row: dict[str, Any] = {
            "target": target,
            "rating": rating,
            "confidence": check_confidence(confidence),
            "rationale": rationale.strip(),
            "who": project.coder,
            "created": now(),
        }
        project.ensure_coder()
        cur = project.conn.execute(
            "INSERT INTO judgements(target, rating, confidence, rationale, who, created) VALUES (?,?,?,?,?,?)",
            tuple(row.values()),
        )
        row["id"] = int(cur.lastrowid or 0)
        project.log("judge", "judgement", row["id"], {"after": row})
        return row


def withdraw_judgement(project: Project, judgement_id: int) -> dict[str, Any]:
    """Take back a judgement (the workbench's undo); the log keeps that it was made and withdrawn."""
    with project.transaction():
        rows = project.query("SELECT * FROM judgements WHERE id = ?", (judgement_id,))
        if not rows:
            raise NotFoundError(f"no judgement with id {judgement_id}")
        project.conn.execute("DELETE FROM judgements WHERE id = ?", (judgement_id,))
        project.log("judge.withdraw", "judgement", judgement_id, {"before": rows[0]})
        return rows[0]


def latest_judgements(project: Project) -> dict[str, dict[str, Any]]:
    """target -> its newest judgement."""
    out: dict[str, dict[str, Any]] = {}
    for row in project.query(
        "SELECT target, rating, confidence, rationale, who, created FROM judgements ORDER BY id"
    ):
        out[row["target"]] = row
    return out


def judgement_history(project: Project, target: str) -> list[dict[str, Any]]:
    return project.query(
        "SELECT target, rating, confidence, rationale, who, created FROM judgements"
        " WHERE target = ? ORDER BY id",
        (target.strip(),),
    )


# -- evidence links -------------------------------------------------------------------------------------------
def coding_links(project: Project, coding_id: int) -> list[tuple[str, str]]:
    """(claim key, polarity) of a coding's evidence links, by claim key."""
    return [
        (r[0], r[1])
        for r in project.conn.execute(
            "SELECT c.key, e.polarity FROM claim_evidence e JOIN claims c ON c.id = e.claim_id WHERE e.coding_id = ?"
            " ORDER BY c.key",
            (coding_id,),
        )
    ]


def set_links(project: Project, coding_id: int, links: list[tuple[int, str]]) -> bool:
    """Make a coding's claim links exactly `links` ((claim id, polarity)); keeps `codings.claim` (the text other
    tools show) as the first linked claim's text. Inside the caller's transaction, which logs. True if changed."""
    project.require_transaction()
    before = coding_links(project, coding_id)
    project.conn.execute("DELETE FROM claim_evidence WHERE coding_id = ?", (coding_id,))
    for cid, polarity in dict(links).items():
        project.conn.execute(
            "INSERT INTO claim_evidence(coding_id, claim_id, polarity) VALUES (?, ?, ?)",
            (coding_id, cid, check_polarity(polarity)),
        )
    first = project.scalar("SELECT text FROM claims WHERE id = ?", (links[0][0],)) if links else None
    project.conn.execute("UPDATE codings SET claim = ? WHERE id = ?", (first, coding_id))
    return coding_links(project, coding_id) != before


def set_coding_links(project: Project, coding_id: int, links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Make a coding's claim links exactly `links` ((claim key, polarity)); one logged transaction."""
    with project.transaction():
        if not project.scalar("SELECT 1 FROM codings WHERE id = ?", (coding_id,)):
            raise NotFoundError(f"no coding with id {coding_id}")
        before = coding_links(project, coding_id)
        if set_links(project, coding_id, [(claim_id(project, k), p) for k, p in links]):
            project.log(
                "coding.links",
                "coding",
                coding_id,
                {"before": before, "after": coding_links(project, coding_id)},
            )
        return coding_links(project, coding_id)


# -- listing, import, export ----------------------------------------------------------------------------------
def list_claims(project: Project) -> list[dict[str, Any]]:
    """Every claim with its newest judgement and how many codings support, contradict or are mixed on it."""
    judged = latest_judgements(project)
    rows = project.query(
        "SELECT c.key, c.text AS claim, coalesce(o.key, a.key) AS outcome, c.category,"
        " (SELECT count(*) FROM claim_evidence e WHERE e.claim_id = c.id AND e.polarity = 'supports') AS supports,"
        " (SELECT count(*) FROM claim_evidence e WHERE e.claim_id = c.id AND e.polarity = 'contradicts')"
        " AS contradicts,"
        " (SELECT count(*) FROM claim_evidence e WHERE e.claim_id = c.id AND e.polarity = 'mixed') AS mixed,"
        " (SELECT group_concat(r.key, ', ') FROM claim_rivals cr JOIN rivals r ON r.id = cr.rival_id"
        "  WHERE cr.claim_id = c.id) AS rivals"
        " FROM claims c LEFT JOIN outcomes o ON o.id = c.outcome_id LEFT JOIN aims a ON a.id = c.aim_id ORDER BY c.id"
    )
    for row in rows:
        j = judged.get(f"claim:{row['key']}") or {}
        row.update(
            judgement=j.get("rating"),
            confidence=j.get("confidence"),
            rationale=j.get("rationale"),
            judged_by=j.get("who"),
            judged_at=j.get("created"),
        )
        row["rivals"] = row["rivals"] or ""
    return rows


def import_claims(project: Project, rows: list[dict[str, str]]) -> dict[str, int]:
    """Claims from rows with `key, claim, outcome, category, judgement, confidence, rationale`: a new key adds a
    claim, a known key updates it; a judgement that differs from the claim's newest is added to its history.
    All rows are checked in one transaction: any bad row imports nothing."""
    if not rows:
        raise InputError("no claims in the file")
    if "claim" not in rows[0] and "key" not in rows[0]:
        raise InputError("a claims file needs 'key' and 'claim' columns")
    counts = {"added": 0, "updated": 0, "judged": 0, "rows": len(rows)}
    with project.transaction():
        seen: set[str] = set()
        for n, row in enumerate(rows, start=2):
            get = lambda name: (row.get(name) or "").strip()  # noqa: E731, B023
            try:
                key = check_key(get("key"), "claim key")
                if key in seen:
                    raise InputError(f"claim '{key}' is in the file twice")
                seen.add(key)
                if project.scalar("SELECT 1 FROM claims WHERE key = ?", (key,)):
                    before = get_claim(project, claim_id(project, key))
                    after = set_claim(
                        project,
                        key,
                        get("claim") or None,
                        get("outcome") if "outcome" in row else None,
                        get("category") if "category" in row else None,
                    )
                    counts["updated"] += after != before
                else:
                    _insert_claim(project, key, get("claim"), get("outcome"), get("category"))
                    counts["added"] += 1
                if get("judgement"):
                    newest = latest_judgements(project).get(f"claim:{key}") or {}
                    wanted = (get("judgement"), check_confidence(get("confidence")), get("rationale"))
                    if (newest.get("rating"), newest.get("confidence"), newest.get("rationale")) != wanted:
                        judge(project, f"claim:{key}", get("judgement"), get("rationale"), get("confidence"))
                        counts["judged"] += 1
            except (InputError, NotFoundError, DuplicateError) as exc:
                raise InputError(f"row {n}: {exc}") from None
    return counts


def export_claims(project: Project) -> list[dict[str, Any]]:
    """Claims in the import's columns (plus evidence counts), so an export can be edited and imported back."""
    return [
        {
            k: r[k]
            for k in (*CLAIM_COLUMNS, "supports", "contradicts", "mixed", "rivals", "judged_by", "judged_at")
        }
        for r in list_claims(project)
    ]
