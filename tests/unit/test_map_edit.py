"""Editing the outcome map item by item: add, change, delete and restore (exactly), refusals, the log, undo/redo
through the session, and the map view's evidence counts (hand-computed on the claim study)."""

from __future__ import annotations

import pytest

from qualcode.app import map_edit
from qualcode.app.session import CodingSession
from qualcode.errors import DuplicateError, InputError, NotFoundError
from qualcode.store.outcomes import map_view
from qualcode.store.project import Project
from tests.claim_study import build_claim_study

TABLES = (
    "aims",
    "partners",
    "outcomes",
    "outcome_aims",
    "claims",
    "claim_evidence",
    "claim_rivals",
    "judgements",
    "recommendation_links",
)


def state(p: Project) -> dict[str, list[dict]]:
    """Every row the map's edits can touch, and each coding's mirrored claim text."""
    out = {t: p.query(f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES}
    out["codings"] = p.query("SELECT id, claim FROM codings ORDER BY id")
    return out


@pytest.fixture
def study(new_location, tmp_path):
    path = new_location("c")
    ids = build_claim_study(path)
    with Project.open(path, coder="lead") as p:
        with p.transaction():
            p.conn.execute("INSERT INTO recommendations(key, text) VALUES ('r1', 'Keep the directory')")
            p.conn.execute(
                "INSERT INTO recommendation_links(recommendation_id, target) VALUES (1, 'claim:c.ref'),"
                " (1, 'outcome:out.ref'), (1, 'aim:aim.voice')"
            )
        yield p, ids


def test_add_each_kind_then_change_it_and_the_log_says_so(study):
    p, _ = study
    assert map_edit.add(p, "aim", {"key": "aim.x", "label": "Aim X", "success": "first\n\nsecond\n"}) == {
        "key": "aim.x",
        "label": "Aim X",
        "success": ["first", "second"],
    }
    assert map_edit.add(p, "partner", {"key": "funders", "label": "Funders", "kind": "indirect"})["kind"] == (
        "indirect"
    )
    outcome = map_edit.add(
        p, "outcome", {"key": "out.x", "label": "X", "partner": "funders", "aims": "aim.x, aim.voice"}
    )
    assert outcome["aims"] == ["aim.voice", "aim.x"]  # in the aims' order: aim.voice came first
    claim = map_edit.add(
        p,
        "claim",
        {
            "key": "c.x",
            "text": "X happened",
            "about": "out.x",
            "category": "improved",
            "rating": "strong",
            "confidence": "high",
            "rationale": "Four cases",
        },
    )
    assert (claim["about"], claim["rating"], claim["confidence"]) == ("out.x", "strong", "high")
    changed = map_edit.change(p, "outcome", "out.x", {"key": "out.y", "label": "Y", "aims": []})
    assert (changed["key"], changed["label"], changed["aims"], changed["partner"]) == (
        "out.y",
        "Y",
        [],
        "funders",
    )
    assert map_edit.item(p, "claim", "c.x")["about"] == "out.y"  # the claim follows its outcome (by id)
    actions = [r["action"] for r in p.query("SELECT action FROM change_log WHERE who = 'lead' ORDER BY id")]
    assert actions == ["aim.add", "partner.add", "outcome.add", "claim.add", "judge", "outcome.set"]


def test_rekeying_a_claim_moves_its_judgements_and_recommendation_links(study):
    p, _ = study
    map_edit.add(p, "claim", {"key": "c.j", "text": "Judged", "rating": "weak", "rationale": "one case"})
    map_edit.change(p, "claim", "c.ref", {"key": "c.referrals"})
    map_edit.change(p, "claim", "c.j", {"key": "c.judged"})
    assert p.query("SELECT target FROM judgements ORDER BY id") == [{"target": "claim:c.judged"}]
    assert {r["target"] for r in p.query("SELECT target FROM recommendation_links")} == {
        "claim:c.referrals",
        "outcome:out.ref",
        "aim:aim.voice",
    }


@pytest.mark.parametrize(
    "kind, fields, message",
    [
        ("aim", {"key": "aim.voice", "label": "Again"}, "there is already an aim 'aim.voice'"),
        ("aim", {"key": "aim.q", "label": "  "}, "label is missing"),
        ("aim", {"key": "", "label": "No key"}, "the aim needs a key"),
        ("partner", {"key": "p q", "label": "x", "kind": "direct"}, "no spaces"),
        ("partner", {"key": "pp", "label": "x", "kind": "sideways"}, "direct or indirect (got 'sideways')"),
        ("outcome", {"key": "o.q", "label": "x", "partner": "nobody"}, "no boundary partner 'nobody'"),
        ("outcome", {"key": "o.q", "label": "x", "partner": "practitioners", "aims": ["aim.none"]}, "no aim"),
        ("claim", {"key": "c.ref", "text": "Another"}, "there is already a claim 'c.ref'"),
        ("claim", {"text": "faster  REFERRALS to housing"}, "claim 'c.ref' already says this"),
        ("claim", {"text": "x", "rating": "strong"}, "needs a rationale"),
    ],
)
def test_bad_input_is_one_message_and_changes_nothing(study, kind, fields, message):
    p, _ = study
    before = state(p)
    log = p.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(InputError) as err:
        map_edit.add(p, kind, fields)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert state(p) == before and p.scalar("SELECT count(*) FROM change_log") == log


def test_deleting_what_has_dependents_is_refused_with_the_reason(study):
    p, _ = study
    before = state(p)
    for kind, key, reason in [
        (
            "partner",
            "practitioners",
            "partner practitioners has 1 outcome (out.ref): give it another partner",
        ),
        (
            "outcome",
            "out.ref",
            "outcome out.ref has 1 claim about it (c.ref): tie it to another outcome or aim",
        ),
        ("aim", "aim.voice", "aim aim.voice has 1 claim about it (c.conf)"),
    ]:
        assert reason in map_edit.deletion_plan(p, kind, key)["refused"]
        with pytest.raises(InputError, match="has 1"):
            map_edit.delete(p, kind, key)
    with pytest.raises(NotFoundError):
        map_edit.delete(p, "claim", "c.none")
    assert state(p) == before


def test_deleting_a_claim_says_what_goes_and_restore_puts_back_every_row(study):
    p, ids = study
    map_edit.add(p, "claim", {"key": "c.j", "text": "Judged", "rating": "weak", "rationale": "one case"})
    p.conn.execute("BEGIN")
    p.conn.execute("UPDATE judgements SET target = 'claim:c.ref'")  # a judgement on c.ref, for the count
    p.conn.execute("COMMIT")
    before = state(p)
    plan = map_edit.deletion_plan(p, "claim", "c.ref")
    # c.ref: codings I1, F1, R1, F2 (mixed), I2 (contradicts) -> 5 links; 1 judgement, rival covid, r1.
    assert plan["message"] == (
        "Delete claim c.ref? With it go its evidence links from 5 codings (the codings stay); its 1 judgement;"
        " its links to 1 rival explanation; the links from 1 recommendation tied to it."
    )
    snapshot = map_edit.delete(p, "claim", "c.ref")
    after = state(p)
    assert not p.query("SELECT 1 FROM claims WHERE key = 'c.ref'")
    assert p.scalar("SELECT count(*) FROM codings") == len(before["codings"])  # the codings stay
    mirror = {r["id"]: r["claim"] for r in after["codings"]}
    # I1 was also evidence for c.conf: its mirror now names that claim; F1 had only c.ref: no claim text left.
    assert mirror[ids["I1"]] == "Practitioners feel more confident" and mirror[ids["F1"]] is None
    assert p.query("SELECT action FROM change_log ORDER BY id DESC LIMIT 1") == [{"action": "claim.delete"}]
    map_edit.restore(p, snapshot)
    assert state(p) == before


def test_deleting_an_aim_takes_its_outcome_links_and_restore_brings_them_back(study):
    p, _ = study
    map_edit.change(p, "claim", "c.conf", {"about": ""})
    before = state(p)
    plan = map_edit.deletion_plan(p, "aim", "aim.voice")
    assert plan["refused"] is None
    assert plan["effects"] == [
        "the links from the 1 outcome that serves it",
        "the links from 1 recommendation tied to it",
    ]
    snapshot = map_edit.delete(p, "aim", "aim.voice")
    assert p.scalar("SELECT count(*) FROM outcome_aims") == 0
    map_edit.add(p, "aim", {"key": "aim.voice", "label": "Someone else's"})
    with pytest.raises(DuplicateError):  # the key is taken again: restoring must not overwrite it
        map_edit.restore(p, snapshot)
    map_edit.delete(p, "aim", "aim.voice")
    map_edit.restore(p, snapshot)
    assert state(p) == before


def test_session_undo_and_redo_of_every_map_edit_restore_each_state_exactly(study):
    p, _ = study
    session = CodingSession(p, "lead")
    states = [state(p)]
    session.map_add("aim", {"key": "aim.x", "label": "X", "success": ["one"]})
    states.append(state(p))
    session.map_add("partner", {"key": "funders", "label": "Funders", "kind": "indirect"})
    states.append(state(p))
    session.map_add("outcome", {"key": "out.x", "label": "X", "partner": "funders", "aims": ["aim.x"]})
    states.append(state(p))
    session.map_add("claim", {"key": "c.x", "text": "X", "about": "out.x", "rating": "ok", "rationale": "r"})
    states.append(state(p))
    session.map_set(
        "claim", "c.x", {"key": "c.y", "text": "Y", "about": "aim.x", "rating": "weak", "rationale": "why"}
    )
    states.append(state(p))
    session.map_delete("claim", "c.ref")
    states.append(state(p))
    labels = []
    for expected in reversed(states[:-1]):
        labels.append(session.undo())
        assert state(p) == expected
    assert labels == [
        "delete claim c.ref",
        "edit claim c.y",
        "add claim c.x",
        "add outcome out.x",
        "add partner funders",
        "add aim aim.x",
    ]
    for expected in states[1:]:
        session.redo()
        got = state(p)
        # redoing an edit records its judgement again: a new entry (new id and time), same content
        strip = [{k: v for k, v in j.items() if k not in ("id", "created")} for j in got.pop("judgements")]
        want = [
            {k: v for k, v in j.items() if k not in ("id", "created")}
            for j in dict(expected).pop("judgements")
        ]
        assert got == {k: v for k, v in expected.items() if k != "judgements"} and strip == want


def test_map_view_counts_distinct_cases_for_and_against(study):
    p, _ = study
    view = map_view(p)
    [partner] = view["partners"]
    [outcome] = partner["outcomes"]
    [claim] = outcome["claims"]
    # c.ref: for I1, F1, R1 and F2 (mixed) = 4 cases; against I2 and F2 (mixed) = 2; five codings.
    assert (claim["key"], claim["supports"], claim["contradicts"], claim["codings"]) == ("c.ref", 4, 2, 5)
    assert (outcome["supports"], outcome["contradicts"], outcome["codings"]) == (4, 2, 5)
    [aim] = view["aims"]
    # aim.voice: c.conf (I1) is about it, and out.ref (c.ref) serves it: 4 cases for, 2 against, 6 codings.
    assert [c["key"] for c in aim["claims"]] == ["c.conf"]
    assert (aim["supports"], aim["contradicts"], aim["codings"], aim["toward"], aim["outcomes"]) == (
        4,
        2,
        6,
        2,
        1,
    )
    assert view["loose"] == []


def test_changing_a_claims_text_changes_the_text_mirrored_on_its_codings(study):
    p, ids = study
    map_edit.change(p, "claim", "c.ref", {"text": "Referrals to housing are faster"})
    mirror = {r["id"]: r["claim"] for r in p.query("SELECT id, claim FROM codings")}
    # F1 and I1 were linked to c.ref first (I1 to c.conf too); hl_F1 is evidence for no claim.
    assert mirror[ids["F1"]] == mirror[ids["I1"]] == "Referrals to housing are faster"
    assert mirror[ids["hl_F1"]] is None
