"""A bulk `codings import` logs every coding it adds as `add_coding` would, in order, in an unbroken chain."""

from __future__ import annotations

import json

import pytest

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.store import codings_import
from qualcode.store.audit import verify_log
from qualcode.store.codings import get_coding, get_codings, import_codings
from qualcode.store.documents import add_documents, list_segments

TEXT = "Interviewer: hi\nP1: we refer people to housing now\nP2: the trust came back slowly"


@pytest.fixture
def study(project):
    segs = [
        ParsedSegment(13, 15, speaker="Interviewer"),
        ParsedSegment(20, 50, speaker="P1", case="C1"),
        ParsedSegment(55, len(TEXT), speaker="P2", case="C2"),
    ]
    add_documents(project, [ParsedDocument("d1", "interview", TEXT, segs, "d1.txt", "sha", {})])
    return project


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_every_added_coding_is_logged_in_order_with_what_get_coding_shows(study, monkeypatch, batch):
    monkeypatch.setattr(codings_import, "_LOG_BATCH", batch)
    p1, p2 = (s["id"] for s in list_segments(study)[1:])
    rows = [
        {"segment_id": str(p1), "code": "org.signposting", "coder": "amira"},
        {"segment_id": str(p2), "code": "practice.knowledge", "coder": "tom", "memo": "slow"},
        # a claim link takes the one-at-a-time path in the middle of the file
        {"document": "d1", "quote": "housing", "code": "practice", "claim": "Joint work"},
        {"document": "d1", "start": "23", "end": "28", "code": "org.signposting", "contribution": "improved"},
        {"segment_id": str(p1), "start": "29", "end": "35", "code": "practice", "coder": "tom"},
    ]
    first_entry = study.scalar("SELECT max(id) FROM change_log")
    assert import_codings(study, rows)["added"] == 5
    ids = [r[0] for r in study.conn.execute("SELECT id FROM codings ORDER BY id")]
    entries = study.query(
        "SELECT action, entity_id, detail FROM change_log WHERE id > ? ORDER BY id", (first_entry,)
    )
    # the new claim is logged where it was made: between the second and third coding, as the file has it
    expected = [("code", str(i)) for i in ids]
    expected.insert(2, ("claim.add", "claim-1"))
    assert [(e["action"], e["entity_id"]) for e in entries] == expected
    codes = [e for e in entries if e["action"] == "code"]
    assert [json.loads(e["detail"]) for e in codes] == [{"after": get_coding(study, i)} for i in ids]
    got = {(k["coder"], k["text"]): k for k in (get_coding(study, i) for i in ids)}
    assert set(got) == {
        ("amira", "we refer people to housing now"),
        ("tom", "the trust came back slowly"),
        ("tester", "housing"),
        ("tester", "refer"),
        ("tom", "people"),
    }
    assert got[("tester", "housing")]["claims"] == [
        {"claim": got[("tester", "housing")]["claims"][0]["claim"], "polarity": "supports"}
    ]
    assert got[("tom", "the trust came back slowly")]["memo"] == "slow"
    assert verify_log(study)["ok"]


def test_get_codings_keeps_the_order_asked_and_leaves_out_missing_ones(study):
    p1, p2 = (s["id"] for s in list_segments(study)[1:])
    import_codings(study, [{"segment_id": str(p), "code": "practice"} for p in (p1, p2)])
    a, b = (r[0] for r in study.conn.execute("SELECT id FROM codings ORDER BY id"))
    assert [r["id"] for r in get_codings(study, [b, 999, a])] == [b, a]
    assert get_codings(study, [b])[0] == get_coding(study, b)
