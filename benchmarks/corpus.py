"""Generate a large synthetic corpus of interview transcripts for benchmarks (deterministic by seed)."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = [
    "referral",
    "housing",
    "support",
    "worker",
    "trauma",
    "informed",
    "care",
    "session",
    "confidence",
    "team",
    "probation",
    "hostel",
    "outreach",
    "mental",
    "health",
    "assessment",
    "form",
    "commissioner",
    "network",
    "learning",
    "event",
    "community",
    "practice",
    "women",
    "complex",
    "needs",
    "substance",
    "use",
    "recovery",
    "navigator",
    "partnership",
    "joint",
    "working",
    "signposting",
    "evidence",
    "lived",
    "experience",
    "co-production",
    "ambassador",
    "training",
    "online",
    "hub",
    "resources",
    "statutory",
    "voluntary",
    "sector",
    "funding",
    "covid",
    "policy",
    "change",
    "practice",
    "reflective",
    "supervision",
    "relationships",
    "trust",
    "leadership",
    "system",
    "whole",
    "city",
    "strategy",
]
FILLER = [
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "we",
    "I",
    "it",
    "that",
    "was",
    "for",
    "with",
    "really",
    "just",
    "about",
    "they",
    "them",
    "our",
]


def sentence(rng: random.Random) -> str:
    n = rng.randint(6, 18)
    words = [rng.choice(WORDS) if rng.random() < 0.45 else rng.choice(FILLER) for _ in range(n)]
    return " ".join(words).capitalize() + rng.choice(".?.!")


def write_corpus(folder: Path, documents: int = 1000, turns: int = 100, seed: int = 7) -> list[Path]:
    """`documents` interview transcripts with `turns` speaker turns each (half interviewer, half participant)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(documents):
        lines = []
        for t in range(turns):
            speaker = "Interviewer" if t % 2 == 0 else f"P{d}"
            body = " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
            lines.append(f"[{t // 60:02d}:{t % 60:02d}:00] {speaker}: {body}")
        path = folder / f"interview-{d:04d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
