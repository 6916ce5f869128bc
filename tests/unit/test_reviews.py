"""Review decisions: history, latest status, filters, validation, logging."""

import json

import pytest

from qualcode.errors import InputError, NotFoundError
from qualcode.store.codings import add_coding, remove_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.reviews import list_review_items, review_history, review_status, set_review
from tests.unit.test_store import doc


@pytest.fixture
def coded(project):
    add_documents(project, [doc()])
    seg = list_segments(project)[1]
    a = add_coding(project, "org.signposting", segment_id=seg["id"], coder="amira", claim="More referrals")
    b = add_coding(project, "practice.knowledge", segment_id=seg["id"], coder="tom")
    return project, a, b


def test_decisions_are_history_and_latest_wins(coded):
    p, a, b = coded
    assert review_status(p) == {a: "pending", b: "pending"}
    first = set_review(
        p, a, "queried", comment="Is this the programme or the new duty team?", reviewer="lead"
    )
    assert (first["status"], first["reviewer"]) == ("queried", "lead")
    set_review(p, a, "accepted", reviewer="lead")
    assert review_status(p, [a]) == {a: "accepted"}
    assert [h["status"] for h in review_history(p, a)] == ["queried", "accepted"]
    entry = p.query("SELECT * FROM change_log WHERE action = 'review' ORDER BY id DESC LIMIT 1")[0]
    detail = json.loads(entry["detail"])
    assert entry["who"] == "tester" and entry["entity_id"] == str(a)
    assert detail["before"]["status"] == "queried" and detail["after"] == {
        "status": "accepted",
        "reviewer": "lead",
        "comment": None,
    }


def test_list_filters_by_status_code_and_coder(coded):
    p, a, b = coded
    set_review(p, a, "rejected", comment="wrong code", reviewer="lead")
    rows = list_review_items(p)
    assert [(r["id"], r["status"]) for r in rows] == [(a, "rejected"), (b, "pending")]
    assert (
        rows[0]["case"] == "C1"
        and rows[0]["source_type"] == "interview"
        and rows[0]["comment"] == "wrong code"
    )
    assert rows[0]["text"] == "we refer people to housing now" and rows[0]["claim"] == "More referrals"
    assert [r["id"] for r in list_review_items(p, status="pending")] == [b]
    assert [r["id"] for r in list_review_items(p, status="rejected", coder="amira")] == [a]
    assert list_review_items(p, status="rejected", coder="tom") == []
    assert [r["id"] for r in list_review_items(p, code="practice.knowledge")] == [b]
    assert [r["id"] for r in list_review_items(p, limit=1, offset=1)] == [b]


def test_bad_decisions_are_refused_and_write_nothing(coded):
    p, a, _ = coded
    with pytest.raises(InputError, match="needs a comment"):
        set_review(p, a, "queried")
    with pytest.raises(InputError, match="must be one of"):
        set_review(p, a, "maybe")
    with pytest.raises(NotFoundError):
        set_review(p, 9999, "accepted")
    with pytest.raises(InputError, match="status must be one of"):
        list_review_items(p, status="done")
    assert p.scalar("SELECT count(*) FROM reviews") == 0


def test_reviews_go_with_their_coding(coded):
    p, a, _ = coded
    set_review(p, a, "accepted")
    remove_coding(p, a)
    assert p.scalar("SELECT count(*) FROM reviews") == 0
