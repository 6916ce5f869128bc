"""The second evaluation study (benchmarks/data/realistic): big enough, every code used, participants' words."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.app.demo import build_demo
from qualcode.nlp.codebook_index import CodebookIndex
from qualcode.nlp.pipeline import lemmatise
from qualcode.store.codebook import load_codebook
from qualcode.store.project import Project
from qualcode.store.suggestions import human_labels, segment_texts

MANIFEST = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "realistic" / "study.yaml"


def keyword_share(project: Project) -> float:
    """Share of (coded segment, code) pairs where the segment contains one of that code's keywords or label words."""
    index = CodebookIndex(load_codebook(project))
    labels = human_labels(project)
    pairs = hits = 0
    for row in segment_texts(project):
        found = index.match(lemmatise([row["text"]])[0]) if labels.get(row["id"]) else {}
        for key in labels.get(row["id"], set()) & set(index.keys):
            pairs += 1
            hits += bool(found.get(index.keys.index(key)))
    return hits / pairs


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    path = tmp_path_factory.mktemp("realistic") / "realistic.qcdb"
    build_demo(path, coder="rowan", manifest_path=MANIFEST)
    project = Project.open(path)
    yield project
    project.close()


def test_realistic_study_has_enough_coded_segments_from_every_source(realistic):
    labels = human_labels(realistic)
    rows = [r for r in segment_texts(realistic) if labels.get(r["id"])]
    assert len(rows) >= 150
    kinds = {k for (k,) in realistic.conn.execute("SELECT DISTINCT source_type FROM documents")}
    assert kinds == {"interview", "focus-group", "survey"}
    index = CodebookIndex(load_codebook(realistic))
    assert set(index.keys) <= {k for codes in labels.values() for k in codes}  # every leaf code is used
    assert len({r["case"] for r in rows}) >= 30  # enough participants for grouped folds


def test_realistic_study_uses_fewer_codebook_words_than_the_demo(realistic, demo_master):
    demo = Project.open(demo_master)
    try:
        demo_share = keyword_share(demo)
    finally:
        demo.close()
    real_share = keyword_share(realistic)
    assert real_share < 0.4 < demo_share  # measured: 0.34 and 0.53
