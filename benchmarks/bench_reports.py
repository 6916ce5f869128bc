"""Time the full report (HTML, DOCX, XLSX) on the generated 100,000-segment corpus with 20% of segments coded.

python -m benchmarks.bench_reports [--documents 1000] [--turns 100] [--coded 0.2] [--keep PATH]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_files, read_codebook_file
from qualcode.app.reporting import run_report
from qualcode.ingest import ImportOptions
from qualcode.store.codebook import save_codebook
from qualcode.store.project import Project, now

CODEBOOK = Path(__file__).resolve().parent.parent / "codebooks" / "pdu-evaluation.yaml"
CLAIMS = [f"Generated claim of change number {i}" for i in range(40)]
SOURCE_TYPES = ["interview", "focus-group", "survey", "steering-group"]
SECTORS = ["voluntary", "statutory", "private", "lived experience"]


def build(path: Path, documents: int, turns: int, coded: float, seed: int = 11) -> dict[str, int]:
    """Import the corpus, spread documents over source types, give cases a sector, then code a random
    `coded` share of all segments (participant turns only) with random codes, contributions and claims."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_corpus(Path(tmp) / "corpus", documents, turns)
        project = Project.create(path, coder="bench")
        save_codebook(project, read_codebook_file(CODEBOOK))
        import_files(project, paths, ImportOptions(source_type="interview"))
    conn = project.conn
    with project.transaction():
        ids = [r[0] for r in conn.execute("SELECT id FROM documents")]
        conn.executemany(
            "UPDATE documents SET source_type = ? WHERE id = ?", [(rng.choice(SOURCE_TYPES), i) for i in ids]
        )
        conn.executemany(
            "INSERT OR REPLACE INTO case_attributes(case_id, name, value) VALUES (?, 'sector', ?)",
            [(r[0], rng.choice(SECTORS)) for r in conn.execute("SELECT id FROM cases")],
        )
        leaves = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM codes WHERE id NOT IN "
                "(SELECT parent_id FROM codes WHERE parent_id IS NOT NULL)"
            )
        ]
        total = conn.execute("SELECT count(*) FROM segments").fetchone()[0]
        segments = conn.execute(
            'SELECT id, document_id, start, "end" FROM segments WHERE case_id IS NOT NULL'
        ).fetchall()
        chosen = rng.sample(segments, min(len(segments), int(total * coded)))
        project.ensure_coder("bench")
        stamp = now()
        rows = []
        for seg_id, doc_id, start, end in chosen:
            contribution = (
                rng.choice(["sufficient", "necessary", "improved", "none"]) if rng.random() < 0.3 else None
            )
            rows.append(
                (
                    doc_id,
                    seg_id,
                    start,
                    end,
                    rng.choice(leaves),
                    "bench",
                    stamp,
                    contribution,
                    rng.choice(CLAIMS) if contribution else None,
                    None,
                )
            )
        conn.executemany(
            'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created,'
            " contribution, claim, memo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        project.ensure_coder("reviewer")
        conn.execute(
            "INSERT INTO reviews(coding_id, status, reviewer, created) SELECT id, 'accepted', 'reviewer', ?"
            " FROM codings WHERE id % 3 = 0",
            (stamp,),
        )
    project.close()
    return {"documents": len(ids), "segments": total, "codings": len(rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--coded", type=float, default=0.2)
    ap.add_argument("--keep", type=Path, help="Keep the built project at this path.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.keep or folder / "bench.qcdb"
        t0 = time.perf_counter()
        counts = build(path, args.documents, args.turns, args.coded)
        print(
            f"built {counts['documents']} documents, {counts['segments']} segments, {counts['codings']} codings"
            f" in {time.perf_counter() - t0:.1f} s"
        )
        total = 0.0
        for fmt in ("html", "docx", "xlsx"):
            t0 = time.perf_counter()
            result = run_report(path, "all", fmt, folder / f"report.{fmt}")
            elapsed = time.perf_counter() - t0
            total += elapsed
            size = result.path.stat().st_size / 1e6 if result.path else 0.0
            print(f"full report as {fmt}: {elapsed:.2f} s ({size:.1f} MB)")
        print(f"all three full reports: {total:.2f} s (target < 10 s)")
        for kind in ("themes", "contribution", "hls", "quotes"):
            t0 = time.perf_counter()
            run_report(path, kind, "csv", folder / f"{kind}.csv")
            print(f"{kind} as csv: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
