"""Claims as objects: evidence both ways, a coding for two claims, the HLS rule with contradicting evidence,
overrides, the codings import's --update path and conflict report, and the migration of free-text claims."""

from __future__ import annotations

import pytest

from qualcode.errors import InputError, NotFoundError
from qualcode.reports.build import build_report
from qualcode.store.claims import judge, judgement_history, list_claims
from qualcode.store.codings import add_coding, get_coding, import_codings
from qualcode.store.project import Project
from tests.claim_study import build_claim_study


@pytest.fixture
def cstudy(project_location):
    path = project_location
    ids = build_claim_study(path)
    with Project.open(path, coder="lead") as p:
        yield p, ids


def _claims(p) -> dict[str, dict]:
    data = build_report(p, "contribution").data
    return {c["key"]: {**c, "category_of": cat["category"]} for cat in data for c in cat["claims"]}


def test_claim_evidence_counts_both_polarities_and_a_coding_for_two_claims(cstudy):
    p, ids = cstudy
    claims = _claims(p)
    ref = claims["c.ref"]
    # For: I1, F1, R1 and mixed F2 = 4 cases in 3 source types; against: I2 and mixed F2 = 2 cases.
    assert (ref["supports"], ref["contradicts"], ref["cases"], ref["strength"]) == (4, 2, 4, "moderate")
    assert ref["source_types"] == ["focus-group", "interview", "survey"]
    assert sorted(ref["evidence"]) == sorted(ids[k] for k in ("I1", "F1", "R1", "F2"))
    assert sorted(ref["contradicting"]) == sorted([ids["I2"], ids["F2"]])
    assert ref["category_of"] == "improved"
    conf = claims["c.conf"]
    assert (conf["evidence"], conf["supports"], conf["strength"]) == ([ids["I1"]], 1, "single-source")
    assert conf["category_of"] == "uncategorised"
    # The rival and its evidence sit beside the claim.
    [rival] = ref["rivals"]
    assert (rival["key"], rival["label"], rival["cases"], rival["evidence"]) == (
        "covid",
        "Covid-19",
        1,
        [ids["I2"]],
    )
    listed = {r["key"]: r for r in list_claims(p)}
    assert (listed["c.ref"]["supports"], listed["c.ref"]["contradicts"], listed["c.ref"]["mixed"]) == (
        3,
        1,
        1,
    )
    assert get_coding(p, ids["I1"])["claims"] == [
        {"claim": "c.conf", "polarity": "supports"},
        {"claim": "c.ref", "polarity": "supports"},
    ]


def test_hls_rule_weighs_contradicting_evidence_and_overrides_sit_beside_it(cstudy):
    p, _ = cstudy
    rows = {r["code"]: r for r in build_report(p, "hls").data}
    lead = rows["hls.leadership"]
    # 3 cases for in 2 source types would be 'higher', but 3 cases contradict: not more for than against.
    assert (lead["supports"], lead["contradicts"], lead["cases"], lead["source_types"]) == (
        3,
        3,
        6,
        ["focus-group", "survey"],
    )
    assert (lead["rule_level"], lead["level"], lead["override"]) == ("lower", "lower", None)
    assert lead["quote"]["text"].startswith("Leadership backs us")  # a supporting quote
    assert lead["contradicting_quote"]["text"]
    people = rows["hls.people"]
    assert (people["cases"], people["rule_level"]) == (1, "insufficient evidence")
    judge(
        p,
        "hls:hls.people",
        "Higher",
        "Panels with lived experience in every locality (steering minutes)",
        "medium",
    )
    people = {r["code"]: r for r in build_report(p, "hls").data}["hls.people"]
    assert (people["rule_level"], people["override"], people["level"], people["capacity"]) == (
        "insufficient evidence",
        "higher",
        "higher",
        "higher",
    )
    assert people["rationale"].startswith("Panels with lived experience")


def test_judgements_keep_a_history_and_refuse_bad_targets(cstudy):
    p, _ = cstudy
    judge(p, "claim:c.ref", "plausible", "Strong evidence but Covid overlaps", "medium")
    judge(p, "claim:c.ref", "strong", "Covid rival checked: referrals sped up before 2020", "high")
    assert [j["rating"] for j in judgement_history(p, "claim:c.ref")] == ["plausible", "strong"]
    ref = _claims(p)["c.ref"]
    assert (ref["judgement"], ref["confidence"], ref["judged_by"]) == ("strong", "high", "lead")
    before = p.scalar("SELECT count(*) FROM change_log")
    for target, rating, rationale, error in (
        ("claim:nope", "strong", "x", NotFoundError),
        ("hls:hls.nope", "higher", "x", NotFoundError),
        ("hls:hls.people", "brilliant", "x", InputError),
        ("c.ref", "strong", "x", InputError),
        ("claim:c.ref", "strong", "  ", InputError),
    ):
        with pytest.raises(error):
            judge(p, target, rating, rationale)
    assert p.scalar("SELECT count(*) FROM change_log") == before
    assert p.scalar("SELECT count(*) FROM change_log WHERE action = 'judge'") == 2


def _row(**kw: str) -> dict[str, str]:
    return {
        "document": "int",
        "quote": "We refer people to housing much faster now, and I feel more confident.",
        "code": "a1",
        "coder": "amira",
        "contribution": "",
        "claim": "",
        "polarity": "",
        "memo": "",
        **kw,
    }


def test_codings_import_reports_conflicts_and_update_applies_them(cstudy):
    p, ids = cstudy
    rows = [_row(contribution="necessary", claim="c.ref", polarity="contradicts"), _row(claim="c.conf")]
    result = import_codings(p, rows)
    assert (result["added"], result["updated"], result["already_present"]) == (0, 0, 0)
    assert result["conflicts"] == [
        {
            "row": 2,
            "coding_id": ids["I1"],
            "differs": {
                "contribution": {"project": None, "file": "necessary"},
                "claim c.ref": {"project": "supports", "file": "contradicts"},
            },
        }
    ]
    assert get_coding(p, ids["I1"])["contribution"] is None  # left as it was
    result = import_codings(p, rows, update=True)
    assert (result["updated"], result["conflicts"]) == (1, [])
    after = get_coding(p, ids["I1"])
    assert after["contribution"] == "necessary"
    assert after["claims"] == [
        {"claim": "c.conf", "polarity": "supports"},
        {"claim": "c.ref", "polarity": "contradicts"},
    ]
    [entry] = p.query("SELECT detail FROM change_log WHERE action = 'coding.update' ORDER BY id DESC LIMIT 1")
    assert '"source": "import"' in entry["detail"] and '"necessary"' in entry["detail"]
    # The same file again: nothing differs, both rows already present.
    assert import_codings(p, rows)["already_present"] == 2


def test_codings_import_one_row_per_link_and_own_polarity(cstudy):
    p, _ = cstudy
    quote = "There is no leadership support here at all."
    rows = [
        {"document": "fg", "quote": quote, "code": "a2", "claim": "c.ref", "polarity": "contradicts"},
        {"document": "fg", "quote": quote, "code": "a2", "claim": "A brand new claim", "polarity": ""},
        {"document": "fg", "quote": quote, "code": "a2", "claim": "", "polarity": "mixed"},
    ]
    result = import_codings(p, rows, default_coder="amira")
    assert (result["added"], result["rows"]) == (1, 3)
    cid = p.scalar("SELECT id FROM codings WHERE code_id = (SELECT id FROM codes WHERE key = 'a2')")
    coding = get_coding(p, cid)
    assert coding["polarity"] == "mixed"
    new_key = p.scalar("SELECT key FROM claims WHERE text = 'A brand new claim'")
    assert sorted((c["claim"], c["polarity"]) for c in coding["claims"]) == sorted(
        [("c.ref", "contradicts"), (new_key, "supports")]
    )
    with pytest.raises(InputError, match="row 3"):
        import_codings(p, [rows[0], {**rows[0], "polarity": "sideways"}])
    with pytest.raises(InputError, match="no claim 'c.nope'"):
        import_codings(p, [{**rows[0], "claim": "c.nope"}])


def test_coding_an_already_coded_span_with_a_claim_updates_it(cstudy):
    p, ids = cstudy
    count = p.scalar("SELECT count(*) FROM codings")
    cid = add_coding(
        p,
        "hls.people",
        segment_id=ids["seg_R2"],
        contribution="necessary",
        claim="c.conf",
        coder="amira",
        update_existing=True,
    )
    assert cid == ids["hp_R2"] and p.scalar("SELECT count(*) FROM codings") == count
    coding = get_coding(p, cid)
    assert coding["contribution"] == "necessary" and coding["claims"] == [
        {"claim": "c.conf", "polarity": "supports"}
    ]
    assert p.query("SELECT action FROM change_log ORDER BY id DESC LIMIT 1") == [{"action": "coding.update"}]


def test_theme_quotes_are_supporting_evidence_only(cstudy):
    p, _ = cstudy
    rows = {r["code"]: r for r in build_report(p, "themes").data}
    texts = [q["text"] for q in rows["hls.leadership"]["quotes"]]
    assert texts and not any("no leadership support" in t or "Covid" in t for t in texts)
    assert rows["hls.leadership"]["contradicting_cases"] == 3


def test_upgrade_turns_free_text_claims_into_claim_objects(tmp_path):
    """Case- and space-folded claim texts become one claim each; a coding marked 'none' contradicts its claim;
    the category is what most supporting codings say."""
    from qualcode.core.codebook import load_codebook_text
    from qualcode.store import schema
    from qualcode.store.codebook import save_codebook
    from qualcode.store.documents import add_documents, list_segments
    from tests.conftest import old_schema
    from tests.report_study import CODEBOOK, _doc

    path = tmp_path / "old.qcdb"
    with old_schema(schema.MIGRATIONS.index(schema._V_CLAIMS)), Project.create(path, coder="amira") as p:
        save_codebook(p, load_codebook_text(CODEBOOK))
        add_documents(
            p,
            [
                _doc(
                    "d",
                    "interview",
                    [("P1", "one"), ("P2", "two"), ("P3", "three"), ("P4", "four")],
                    {f"P{i}": {} for i in range(1, 5)},
                )
            ],
        )
        segs = [s["id"] for s in list_segments(p)]
        made = []
        for seg, contribution, claim in (
            (segs[0], "improved", "Faster referrals"),
            (segs[1], "necessary", "  faster   REFERRALS "),
            (segs[2], "improved", "Faster referrals"),
            (segs[3], "none", "faster referrals"),
            (segs[3], None, "Confidence"),
        ):
            cid = add_coding(
                p, "a1" if claim != "Confidence" else "a2", segment_id=seg, contribution=contribution
            )
            made.append(cid)
            with p.transaction():
                p.conn.execute("UPDATE codings SET claim = ? WHERE id = ?", (claim, cid))
    with Project.open(path) as p:
        assert p.scalar("PRAGMA user_version") == schema.SCHEMA_VERSION
        assert p.query("SELECT key, text, category FROM claims ORDER BY id") == [
            {"key": "claim-1", "text": "Faster referrals", "category": "improved"},
            {"key": "claim-2", "text": "Confidence", "category": None},
        ]
        links = p.conn.execute(
            "SELECT coding_id, claim_id, polarity FROM claim_evidence ORDER BY coding_id"
        ).fetchall()
        assert links == [
            (made[0], 1, "supports"),
            (made[1], 1, "supports"),
            (made[2], 1, "supports"),
            (made[3], 1, "contradicts"),
            (made[4], 2, "supports"),
        ]
        assert p.scalar("SELECT count(*) FROM codings WHERE polarity = 'supports'") == 5


def test_the_workbench_session_undoes_the_new_writes(cstudy):
    from qualcode.app.session import CodingSession

    p, ids = cstudy
    session = CodingSession(p)
    both = get_coding(p, ids["I1"])["claims"]
    assert len(both) == 2
    session.set_contribution(ids["I1"], "necessary", "c.ref")
    assert get_coding(p, ids["I1"])["claims"] == [{"claim": "c.ref", "polarity": "supports"}]
    session.undo()  # both links come back, not only the first claim's text
    assert get_coding(p, ids["I1"])["claims"] == both and get_coding(p, ids["I1"])["contribution"] is None
    session.set_polarity(ids["hp_R2"], "contradicts")
    session.link_claims(ids["hp_R2"], [("c.conf", "mixed")])
    session.judge("hls:hls.people", "higher", "Panels everywhere", "high")
    assert judgement_history(p, "hls:hls.people")[-1]["rating"] == "higher"
    assert session.undo() == "judge hls:hls.people" and judgement_history(p, "hls:hls.people") == []
    session.undo()
    assert get_coding(p, ids["hp_R2"])["claims"] == []
    session.undo()
    assert get_coding(p, ids["hp_R2"])["polarity"] == "supports"
    session.redo()
    session.redo()
    session.redo()
    assert [j["rating"] for j in judgement_history(p, "hls:hls.people")] == ["higher"]
    actions = [
        r["action"]
        for r in p.query(
            "SELECT action FROM change_log WHERE action IN"
            " ('judge', 'judge.withdraw', 'coding.links') ORDER BY id"
        )
    ]
    assert actions[-4:] == ["judge.withdraw", "coding.links", "coding.links", "judge"]
