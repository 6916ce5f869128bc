"""The refit learns from at most TRAIN_ROWS_PER_CODE coded and rejected segments per code; rare codes keep all."""

from __future__ import annotations

from types import SimpleNamespace

from qualcode.nlp import suggest
from qualcode.nlp.suggest import Suggester, TrainingData


def _training(labels: list[set[str]], rejected: list[set[str]] | None = None) -> TrainingData:
    n = len(labels)
    return TrainingData(list(range(n)), ["text"] * n, labels, rejected or [set()] * n, ["g"] * n)


def test_cap_keeps_a_sample_of_a_frequent_code_and_every_rare_one(monkeypatch):
    monkeypatch.setattr(suggest, "TRAIN_ROWS_PER_CODE", 10)
    owner = SimpleNamespace(_col={"a": 0, "b": 1})
    # 40 segments coded 'a', 3 coded 'b' (one of them also 'a'), 12 with 'a' rejected
    labels = [{"a"}] * 40 + [{"b"}, {"b"}, {"a", "b"}] + [set()] * 12
    rejected = [set()] * 43 + [{"a"}] * 12
    training = _training(labels, rejected)
    kept = Suggester._capped(owner, training, list(range(55)))  # type: ignore[arg-type]
    assert kept == sorted(kept)
    assert {40, 41, 42} <= set(kept)  # every 'b' row: the rare code keeps all
    positives_a = sum("a" in labels[i] for i in kept)
    assert 10 <= positives_a <= 11  # ten wanted, plus the 'b' row that also has 'a' if it came after
    assert sum("a" in rejected[i] for i in kept) == 10
    assert len(kept) == positives_a + 2 + 10


def test_no_cap_below_the_limit(monkeypatch):
    monkeypatch.setattr(suggest, "TRAIN_ROWS_PER_CODE", 100)
    owner = SimpleNamespace(_col={"a": 0})
    assert Suggester._capped(owner, _training([{"a"}] * 50), list(range(50))) == list(range(50))  # type: ignore[arg-type]
