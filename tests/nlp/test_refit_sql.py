"""The refit reads counts and a capped sample from the database (issue 17): the sample is the one the Python
rule keeps, only the sampled segments are read, the model is the one the full data gives, and the training
fingerprint follows the codings and rejections and nothing else. On both backends."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from qualcode.ingest import ImportOptions, read_document
from qualcode.nlp import suggest
from qualcode.nlp.codebook_index import CodebookIndex
from qualcode.nlp.suggest import Suggester, Suggestion, TrainingData, reject_suggestion, segment_group
from qualcode.store import suggestions
from qualcode.store.codebook import load_codebook
from qualcode.store.codebook_edit import merge_codes
from qualcode.store.codings import add_coding, remove_coding, update_coding
from qualcode.store.documents import add_documents
from qualcode.store.memos import write_memo
from qualcode.store.project import Project
from qualcode.store.reviews import set_review
from tests.conftest import write

CAP = 3


@pytest.fixture
def demo_study(demo_master, tmp_path, backend, request):
    """The demo study (158 coded segments, 2 coders) as a file or pushed into a fresh server study."""
    if backend == "sqlite":
        path = tmp_path / "demo.qcdb"
        shutil.copy(demo_master, path)
        with Project.open(path, coder="tester") as p:
            yield p
        return
    from qualcode.store.transfer import push

    server, reason = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    url = server.new_database()
    push(demo_master, url)
    with Project.open(url, coder="tester") as p:
        yield p
    server.drop_database(url)


def _full_training(p: Project) -> TrainingData:
    """Every decided segment, as the refit read them before the database cut the sample."""
    labels, rejected = suggestions.human_labels(p), suggestions.rejections(p)
    ids = sorted(set(labels) | set(rejected))
    rows = {r["id"]: r for r in suggestions.segment_texts(p, ids)}
    return TrainingData(
        ids,
        [rows[i]["text"] for i in ids],
        [labels.get(i, set()) for i in ids],
        [rejected.get(i, set()) for i in ids],
        [segment_group(rows[i]) for i in ids],
    )


def test_the_database_cuts_the_sample_the_python_rule_keeps_and_only_it_is_read(demo_study, monkeypatch):
    p = demo_study
    monkeypatch.setattr(suggest, "TRAIN_ROWS_PER_CODE", CAP)
    coder = p.scalar("SELECT coder FROM codings ORDER BY id LIMIT 1")
    some = [r[0] for r in p.conn.execute("SELECT segment_id FROM codings ORDER BY id LIMIT 4")]
    for sid in some:  # rejections too: each code's rejected segments are capped on their own
        reject_suggestion(p, sid, Suggestion("hls.legislation", 0.5, "", "codebook", "x"), coder="zoe")
    full = _full_training(p)
    keys = CodebookIndex(load_codebook(p)).keys
    reference = Suggester(load_codebook(p), full, suggest._background(p))
    human = [i for i in range(len(full)) if (full.labels[i] | full.rejected[i]) & set(keys)]
    expected = [full.segment_ids[i] for i in reference._capped(full, human)]
    assert CAP * 3 < len(expected) < len(human)  # the cap bites: a sample, not every decided segment

    assert suggestions.capped_segments(p, keys, CAP) == expected

    read: list[int] = []
    real_texts, real_labels = suggest.segment_texts, suggest.labels_of
    monkeypatch.setattr(suggest, "segment_texts", lambda proj, ids: read.extend(ids) or real_texts(proj, ids))
    monkeypatch.setattr(suggest, "labels_of", lambda proj, ids: read.extend(ids) or real_labels(proj, ids))
    refit = Suggester.from_project(p, coder, embeddings=False)
    assert sorted(set(read)) == expected  # texts and codes of the sampled segments only
    assert [sid for sid, _ in refit.training_segments] == expected
    # The same model as from every row: same sample, and priors the database counted over all of them.
    assert refit.n_training == len(human)
    assert np.array_equal(refit.n_human_, reference.n_human_)
    texts = [t for _, t in refit.training_segments[:20]] + ["We referred women to the housing team."]
    assert np.array_equal(
        refit.score(texts, with_matches=False)[0], reference.score(texts, with_matches=False)[0]
    )


def test_a_code_with_fewer_than_the_cap_keeps_every_segment(demo_study):
    p = demo_study
    keys = CodebookIndex(load_codebook(p)).keys
    full = _full_training(p)
    decided = sorted(
        full.segment_ids[i] for i in range(len(full)) if (full.labels[i] | full.rejected[i]) & set(keys)
    )
    assert suggestions.capped_segments(p, keys, 10_000) == decided


TRANSCRIPT = """Interviewer: What changed?
P1: I signpost people to the housing team and make referrals much sooner now.
Interviewer: Anything else?
P1: I feel confident to speak up in multi-agency meetings.
Interviewer: And the hub?
P1: We refer women to the outreach service and signpost them to the drop-in.
"""


@pytest.fixture
def coded(project, tmp_path):
    add_documents(
        project, read_document(write(tmp_path / "int01.txt", TRANSCRIPT), ImportOptions(case="INT01"))
    )
    s1, s2, s3 = (
        r[0] for r in project.conn.execute("SELECT id FROM segments WHERE speaker = 'P1' ORDER BY position")
    )
    first = add_coding(project, "org.signposting", segment_id=s1, coder="amira")
    return project, (s1, s2, s3), first


def _fingerprint(p: Project) -> str:
    return suggestions.training_summary(p, CodebookIndex(load_codebook(p)).keys).fingerprint


def test_the_fingerprint_changes_with_each_coding_added_removed_or_changed(coded, tmp_path):
    p, (s1, s2, s3), first = coded
    base = _fingerprint(p)
    second = add_coding(p, "practice.confidence", segment_id=s2, coder="amira")
    added = _fingerprint(p)
    assert added != base
    remove_coding(p, second)
    assert _fingerprint(p) == base  # the same codings again: the same fingerprint
    with p.transaction():  # the same count per code, on another segment
        p.conn.execute("UPDATE codings SET segment_id = ? WHERE id = ?", (s3, first))
    moved = _fingerprint(p)
    assert moved not in (base, added)
    merge_codes(p, "org.signposting", "practice.confidence")  # the same segments, under another code
    merged = _fingerprint(p)
    assert merged not in (base, added, moved)
    reject_suggestion(p, s1, Suggestion("practice.confidence", 0.5, "", "codebook", "x"), coder="amira")
    assert _fingerprint(p) not in (base, added, moved, merged)


def test_the_fingerprint_ignores_what_the_model_does_not_learn_from(coded, tmp_path):
    p, (s1, _s2, _s3), first = coded
    base = _fingerprint(p)
    version = Suggester.from_project(p, "amira", embeddings=False).version
    update_coding(p, first, memo="clear example", contribution="improved")
    set_review(p, first, "accepted", reviewer="tom")
    write_memo(p, "segment", s1, "a memo on the segment", coder="amira")
    other = TRANSCRIPT.replace("P1", "P2")
    add_documents(p, read_document(write(tmp_path / "int02.txt", other), ImportOptions(case="INT02")))
    assert _fingerprint(p) == base
    # the model version shown with every suggestion follows the fingerprint (and the codebook): unchanged
    assert Suggester.from_project(p, "amira", embeddings=False).version == version
    assert version.startswith("lr1-")


def test_decisions_answer_like_the_mapping_they_hold():
    decided = suggestions.Decisions.of({7: {"a", "b"}, 3: {"b"}})
    assert decided.get(7) == {"a", "b"} and decided.get(3) == {"b"} and decided.get(5) == set()
    decided.add(5, "a")
    assert decided.get(5) == {"a"} and decided.segments_with("a") == {5, 7} and len(decided) == 3


def test_the_background_sample_is_read_by_id_and_equals_the_scan(demo_study, monkeypatch):
    p = demo_study
    monkeypatch.setattr(suggest, "BACKGROUND_LIMIT", 40)
    gone = p.scalar("SELECT id FROM documents ORDER BY id LIMIT 1")
    with p.transaction():  # gaps in the ids, as deleted documents leave
        p.conn.execute("DELETE FROM segments WHERE document_id = ?", (gone,))
        p.conn.execute("DELETE FROM documents WHERE id = ?", (gone,))
    total = p.scalar("SELECT count(*) FROM segments")
    step = -(-total // 40)
    assert step > 1
    scan = [
        r[0]
        for r in p.conn.execute("SELECT text FROM segments WHERE id % ? = 0 ORDER BY id LIMIT 40", (step,))
    ]
    assert suggest._background(p) == scan and len(scan) > 20
