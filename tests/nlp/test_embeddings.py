"""The optional embedding model: pinned files only, vectors stored once per segment and dropped when the text
changes, a fourth part of the blend; the real model's checks run only where qualcode[embeddings] is installed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pytest

from qualcode.core.models import Code, Codebook
from qualcode.nlp import embeddings as emb
from qualcode.nlp.embeddings import EmbeddingCache, EmbeddingError, verified
from qualcode.nlp.suggest import Suggester
from qualcode.store.embeddings import store_vectors, stored_vectors, text_hash
from qualcode.store.project import Project
from tests.conftest import project_state, run_cli

# Three "meanings" the lexical blend cannot see: the segments below share no word with the codes' text.
TOPICS = {
    "home": ("flat", "tenancy", "housing", "keys", "landlord", "roof"),
    "work": ("job", "employer", "shift", "wages", "boss", "hired"),
    "health": ("doctor", "nurse", "gp", "pills", "clinic", "surgery"),
}


class TopicEmbedder:
    """A stand-in model: a text's vector counts its words from each topic (plus a small constant part)."""

    model_id = "topics-test"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += list(texts)
        out = np.full((len(texts), len(TOPICS) + 1), 0.1, dtype=np.float32)
        for i, text in enumerate(texts):
            words = text.lower().replace(".", " ").split()
            for t, vocab in enumerate(TOPICS.values()):
                out[i, t] += sum(w in vocab for w in words)
        return emb.unit(out)


BOOK = Codebook(
    codes=[
        Code(
            "a.home",
            "Somewhere to live",
            definition="Finding a flat or keeping a tenancy.",
            keywords=["flat"],
        ),
        Code("b.work", "Earning a living", definition="Getting a job or keeping it.", keywords=["job"]),
        Code("c.health", "Feeling well", definition="Seeing a doctor or a nurse.", keywords=["doctor"]),
    ]
)


def test_only_the_pinned_file_is_loaded(tmp_path):
    good = tmp_path / "model.onnx"
    good.write_bytes(b"the pinned bytes")
    digest = hashlib.sha256(b"the pinned bytes").hexdigest()
    assert verified(good, digest, 16) == good
    good.write_bytes(b"the pinned byteZ")  # same size, one byte changed
    with pytest.raises(EmbeddingError, match="sha256 differs"):
        verified(good, digest, 16)
    with pytest.raises(EmbeddingError, match="size differs"):
        verified(good, digest, 17)
    with pytest.raises(EmbeddingError, match="missing"):
        verified(tmp_path / "absent.onnx", digest)
    # The vocabulary shipped with qualcode is the one pinned.
    assert verified(emb.VOCAB_PATH, emb.VOCAB_SHA256) == emb.VOCAB_PATH


def test_each_distinct_text_is_embedded_once_and_reported_as_new_once():
    model = TopicEmbedder()
    cache = EmbeddingCache(model, {text_hash("stored"): np.ones(4, dtype=np.float32) / 2})
    v = cache.vectors(["a flat", "stored", "a flat", "a job"])
    assert model.calls == ["a flat", "a job"]  # "stored" came from the project, "a flat" once
    assert v.shape == (4, 4) and np.allclose(v[0], v[2])
    assert set(cache.take_new()) == {text_hash("a flat"), text_hash("a job")}
    assert cache.take_new() == {}
    cache.vectors(["a flat"])
    assert model.calls == ["a flat", "a job"]


def test_vectors_are_stored_once_per_segment_and_dropped_when_the_text_changes(demo_location, tmp_path):
    p = Project.open(demo_location)
    segments = [(r[0], r[1]) for r in p.conn.execute("SELECT id, text FROM segments ORDER BY id LIMIT 2")]
    cache = EmbeddingCache(TopicEmbedder())
    cache.vectors([t for _, t in segments])
    log_before = p.scalar("SELECT count(*) FROM change_log")
    assert store_vectors(p, "topics-test", segments, cache.take_new()) == 2
    assert p.scalar("SELECT count(*) FROM change_log") == log_before + 1
    entry = json.loads(p.scalar("SELECT detail FROM change_log ORDER BY id DESC LIMIT 1"))
    assert entry == {"model": "topics-test", "segments": 2, "other texts": 0}
    ids = [sid for sid, _ in segments]
    got = stored_vectors(p, "topics-test", ids)
    assert set(got) == {text_hash(t) for _, t in segments}
    assert stored_vectors(p, "another-model", ids) == {}
    # Editing a segment's text drops its vector; the other stays.
    with p.transaction():
        p.conn.execute("UPDATE segments SET text = text || '!' WHERE id = ?", (segments[1][0],))
    assert set(stored_vectors(p, "topics-test", ids)) == {text_hash(segments[0][1])}
    assert p.scalar("SELECT count(*) FROM segment_embeddings") == 1
    p.close()


def test_the_embedding_part_ranks_segments_the_words_cannot():
    texts = ["The landlord finally handed over the keys.", "My boss put me on the late shift."]
    lexical = Suggester(BOOK).rank(texts)
    meaning = Suggester(BOOK, embeddings=EmbeddingCache(TopicEmbedder())).rank(texts)
    assert [r[0][0] for r in meaning] == ["a.home", "b.work"]
    assert [r[0][0] for r in lexical] != ["a.home", "b.work"]  # no shared word: the lexical blend cannot tell
    with_emb = Suggester(BOOK, embeddings=EmbeddingCache(TopicEmbedder()))
    assert with_emb.cold_blend.embedding == 1.0  # no examples to fit it on: the default weight
    assert with_emb.version.endswith("+emb")
    assert Suggester(BOOK).cold_blend.embedding == 0.0


def test_embeddings_flag_without_the_model_is_one_line_and_changes_nothing(
    demo_location, tmp_path, runner, monkeypatch
):
    path = demo_location
    monkeypatch.setattr(emb, "available", lambda: False)
    before = project_state(path)
    result = run_cli(runner, "suggest", path, "--segment", 1, "--embeddings", code=2)
    assert "pip install 'qualcode[embeddings]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert project_state(path) == before


needs_model = pytest.mark.skipif(not emb.available(), reason="qualcode[embeddings] is not installed")


@needs_model
def test_the_real_model_reproduces_the_reference_similarities():
    model = emb.load_model()
    v = model.embed(
        [
            "A man is playing a guitar.",
            "A person plays the guitar.",
            "The stock market fell sharply today.",
            "word " * 600,  # longer than one 256-token window: averaged over windows, still one unit vector
        ]
    )
    assert v.shape == (4, emb.DIMENSION)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # 0.852 and -0.054: a float32 forward pass over the official model.safetensors (docs/suggestions.md).
    assert float(v[0] @ v[1]) == pytest.approx(0.852, abs=0.01)
    assert float(v[0] @ v[2]) == pytest.approx(-0.054, abs=0.03)


@needs_model
def test_suggest_stores_the_vectors_and_a_second_run_computes_none(
    demo_location, tmp_path, runner, monkeypatch
):
    path = demo_location
    run_cli(runner, "suggest", path, "--segment", 5, "--embeddings")
    with Project.open(path) as p:
        stored = p.scalar("SELECT count(*) FROM segment_embeddings")
        assert stored > 1  # segment 5 and the coded segments the model learned from
    embedded: list[str] = []
    real = emb.MiniLM.embed
    monkeypatch.setattr(emb.MiniLM, "embed", lambda self, texts: embedded.extend(texts) or real(self, texts))
    run_cli(runner, "suggest", path, "--segment", 5, "--embeddings")
    # Nothing is embedded again: the segments' vectors and the codebook texts' were kept.
    with Project.open(path) as p:
        assert p.scalar("SELECT count(*) FROM segment_embeddings") == stored
        assert p.scalar("SELECT count(*) FROM text_embeddings") > 0
    assert embedded == []


def test_with_enough_examples_the_embedding_weight_is_fitted_on_them():
    book = Codebook(
        codes=[
            Code("a.home", "Housing", examples=["The landlord fixed the roof.", "We got the keys."]),
            Code("b.work", "Job", examples=["The boss hired me.", "Wages went up."]),
            Code("c.health", "Doctor", examples=["The gp sent me to the clinic.", "Pills from the nurse."]),
        ]
    )
    fitted = Suggester(book, embeddings=EmbeddingCache(TopicEmbedder())).cold_blend
    # The examples share no word with their code's label, only its meaning: the embedding part is what fits.
    assert fitted.fitted == "codebook examples" and fitted.embedding > 0


def test_a_codebook_too_small_to_calibrate_gets_the_default_bias():
    # DEFAULT_COLD is (weight, bias): one in about fifty for a code with average evidence, not one in two.
    blend = Suggester(BOOK).cold_blend
    assert (blend.codebook, blend.model, blend.bias) == (1.0, 0.0, -4.0)


def test_similar_by_meaning_ranks_by_the_embedding_cosine():
    from qualcode.nlp.similar import most_similar_by_meaning

    candidates = [
        (1, "My boss cut my wages."),
        (2, "The nurse came round."),
        (3, "The landlord kept the keys."),
    ]
    found = most_similar_by_meaning(
        "We finally got a tenancy and a roof.", candidates, EmbeddingCache(TopicEmbedder())
    )
    assert [f["segment_id"] for f in found][:1] == [3]
    assert found[0]["similarity"] > found[1]["similarity"]
    assert most_similar_by_meaning("x", [], EmbeddingCache(TopicEmbedder())) == []


def test_an_embedder_with_a_memory_embeds_a_text_once_per_process_across_caches():
    model = TopicEmbedder()
    model.memory = {}  # as the real model has: the workbench's refits each make a new cache
    EmbeddingCache(model).vectors(["a flat", "a job"])
    second = EmbeddingCache(model)
    second.vectors(["a flat", "a nurse"])
    assert model.calls == ["a flat", "a job", "a nurse"]
    # Still reported as new to the second cache: its project may not have it stored yet.
    assert set(second.take_new()) == {text_hash("a flat"), text_hash("a nurse")}
