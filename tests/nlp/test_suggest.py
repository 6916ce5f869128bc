"""Cold-start matching, learning from accepts and rejects, and provenance on accepted suggestions."""

from __future__ import annotations

import json

import pytest

from qualcode.core.models import Code, Codebook
from qualcode.errors import DuplicateError, NotFoundError
from qualcode.ingest import ImportOptions, read_document
from qualcode.nlp.codebook_index import CodebookIndex
from qualcode.nlp.pipeline import lemmatise
from qualcode.nlp.suggest import Suggester, Suggestion, accept_suggestion, reject_suggestion
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents
from qualcode.store.suggestions import coding_provenance
from tests.conftest import write

SMALL = Codebook(
    codes=[
        Code("org", "Organisational impact"),
        Code(
            "org.signposting",
            "Signposting and referrals",
            parent="org",
            definition="Referring or signposting people to other services.",
            keywords=["signposting", "referral", "point people to"],
        ),
        Code(
            "practice.confidence",
            "Confidence to act",
            definition="Feeling more able to speak up or try something new.",
            exclude="Feeling reassured by research evidence or data belongs elsewhere.",
            keywords=["confident", "speak up"],
        ),
    ]
)


def score_of(index: CodebookIndex, text: str, key: str) -> float:
    return float(index.score(lemmatise([text])).total[0, index.keys.index(key)])


def test_group_codes_are_not_suggested_but_childless_ones_are():
    assert CodebookIndex(SMALL).keys == ["org.signposting", "practice.confidence"]


def test_lemma_phrase_match_and_misspelt_keyword():
    index = CodebookIndex(SMALL)
    found = index.match(lemmatise(["We point people to the hub and make referrals."])[0])
    j = index.keys.index("org.signposting")
    assert {m.term for m in found[j]} >= {"point people to", "referral"}
    misspelt = index.match(lemmatise(["I was signpostng them to housing"])[0])
    near = [m for m in misspelt[j] if m.seen]
    assert [(m.seen, m.term) for m in near] == [
        ("signpostng", "signpost")
    ]  # the keyword "signposting", lemmatised
    # The character n-gram part of the cold score sees the near spelling (the total is z-scored across codes,
    # which with two codes is always +1/-1).
    texts = ["I was signpostng them to housing", "I was walking them to housing"]
    char = index.score(lemmatise(texts), texts).char[:, j]
    assert char[0] > char[1]


def test_exclude_wording_lowers_a_codes_score():
    text = "I feel confident now, reassured by the research evidence and data."
    without = Codebook(
        codes=[
            Code(c.key, c.label, c.parent, c.definition, c.include, "", keywords=c.keywords)
            for c in SMALL.codes
        ]
    )
    lowered = score_of(CodebookIndex(SMALL), text, "practice.confidence")
    plain = score_of(CodebookIndex(without), text, "practice.confidence")
    assert lowered < plain


TRANSCRIPT = """Interviewer: What changed?
P1: I signpost people to the housing team and make referrals much sooner now.
Interviewer: Anything else?
P1: I feel confident to speak up in multi-agency meetings.
Interviewer: And the hub?
P1: We refer women to the outreach service and signpost them to the drop-in.
Interviewer: More?
P1: Our referrals to the drop-in service go through quicker and we signpost more.
Interviewer: Last one?
P1: Now I refer clients on to the outreach service and signpost them to advice.
"""


@pytest.fixture
def study(project, tmp_path):
    docs = read_document(write(tmp_path / "int01.txt", TRANSCRIPT), ImportOptions(case="INT01"))
    add_documents(project, docs)
    ids = [
        r[0] for r in project.conn.execute("SELECT id FROM segments WHERE speaker = 'P1' ORDER BY position")
    ]
    return project, ids


def test_rejecting_removes_the_code_for_that_coder_and_counts_against_it(study):
    project, (s1, s2, s3, s4, s5) = study
    add_coding(project, "org.signposting", segment_id=s1, coder="amira")
    add_coding(project, "practice.confidence", segment_id=s2, coder="amira")
    before = Suggester.from_project(project, "amira")
    top = before.suggest([(s3, project.scalar("SELECT text FROM segments WHERE id = ?", (s3,)))])[s3][0]
    assert top.code == "org.signposting" and "signpost" in top.reason
    score_s5_before = dict(before.rank([_text(project, s5)])[0])["org.signposting"]

    reject_suggestion(project, s3, top, coder="amira")
    reject_suggestion(project, s4, Suggestion("org.signposting", 0.5, "", "codebook", "x"), coder="amira")
    after = Suggester.from_project(project, "amira")
    assert "org.signposting" not in [s.code for s in after.suggest([(s3, _text(project, s3))])[s3]]
    # Another coder still sees it: rejections are per coder.
    other = Suggester.from_project(project, "tom")
    assert "org.signposting" in [s.code for s in other.suggest([(s3, _text(project, s3))])[s3]]
    # The model now treats similar text as evidence against the code.
    assert dict(after.rank([_text(project, s5)])[0])["org.signposting"] < score_s5_before
    row = project.query("SELECT decision, coder, method FROM suggestion_feedback WHERE segment_id = ?", (s3,))
    assert row == [{"decision": "rejected", "coder": "amira", "method": top.method}]


def _text(project, segment_id):
    return project.scalar("SELECT text FROM segments WHERE id = ?", (segment_id,))


def test_accepting_stores_provenance_and_raises_the_code_elsewhere(study):
    project, (s1, s2, s3, s4, s5) = study
    add_coding(project, "practice.confidence", segment_id=s2, coder="amira")
    before = Suggester.from_project(project, "amira")
    baseline = dict(before.rank([_text(project, s5)])[0])["org.signposting"]
    suggestion = next(
        s for s in before.suggest([(s1, _text(project, s1))])[s1] if s.code == "org.signposting"
    )
    coding_id = accept_suggestion(project, s1, suggestion, coder="amira")
    accept_suggestion(project, s3, Suggestion("org.signposting", 0.4, "test", "codebook", "v"), coder="amira")

    prov = coding_provenance(project, coding_id)
    assert {k: prov[k] for k in ("method", "model_version", "score", "reason")} == {
        "method": suggestion.method,
        "model_version": suggestion.model_version,
        "score": suggestion.score,
        "reason": suggestion.reason,
    }
    assert prov["time"].endswith("Z")
    feedback = project.query(
        "SELECT decision, score, model_version FROM suggestion_feedback WHERE segment_id = ?", (s1,)
    )
    assert feedback == [
        {"decision": "accepted", "score": suggestion.score, "model_version": suggestion.model_version}
    ]
    logged = project.query(
        "SELECT action, detail FROM change_log WHERE action = 'suggestion.accept' ORDER BY id"
    )
    assert len(logged) == 2 and json.loads(logged[0]["detail"])["after"]["coding_id"] == coding_id

    after = Suggester.from_project(project, "amira")
    assert "org.signposting" not in [s.code for s in after.suggest([(s1, _text(project, s1))])[s1]]
    assert dict(after.rank([_text(project, s5)])[0])["org.signposting"] > baseline
    assert after.version != before.version
    with pytest.raises(DuplicateError):
        accept_suggestion(project, s1, suggestion, coder="amira")


def test_accept_is_one_transaction(study):
    project, (s1, *_rest) = study
    count = project.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(NotFoundError):
        accept_suggestion(project, s1, Suggestion("no.such.code", 0.4, "", "codebook", "v"), coder="amira")
    with pytest.raises(NotFoundError):
        accept_suggestion(
            project, 9999, Suggestion("org.signposting", 0.4, "", "codebook", "v"), coder="amira"
        )
    assert project.scalar("SELECT count(*) FROM codings") == 0
    assert project.scalar("SELECT count(*) FROM suggestion_feedback") == 0
    assert project.scalar("SELECT count(*) FROM change_log") == count


def test_mark_decided_hides_a_code_until_rebuilt(study):
    project, (s1, *_rest) = study
    suggester = Suggester.from_project(project, "amira")
    first = suggester.suggest([(s1, _text(project, s1))], top_k=3)[s1]
    suggester.mark_decided(s1, first[0].code)
    again = suggester.suggest([(s1, _text(project, s1))], top_k=3)[s1]
    assert first[0].code not in [s.code for s in again] and again[0].code == first[1].code
