"""Export a generated coded project as .qdpx and import it back; print timings and whether it round-tripped.

python -m benchmarks.bench_refi [--documents 200] [--turns 100] [--coded 0.5]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.corpus import write_corpus
from qualcode.app.actions import (
    export_qdpx_file,
    import_files,
    import_refi_file,
    read_codebook_file,
    read_refi_file,
)
from qualcode.ingest import ImportOptions
from qualcode.store.codebook import save_codebook
from qualcode.store.project import Project, now

CODEBOOK = Path(__file__).resolve().parent.parent / "codebooks" / "pdu-evaluation.yaml"


def _code(project: Project, share: float, seed: int = 11) -> int:
    """Code `share` of the participant segments with a random leaf code, as two coders, in one transaction."""
    rng = random.Random(seed)
    leaves = [
        r[0]
        for r in project.conn.execute(
            "SELECT id FROM codes c WHERE NOT EXISTS (SELECT 1 FROM codes k WHERE k.parent_id = c.id)"
        )
    ]
    rows = project.conn.execute(
        'SELECT id, document_id, start, "end" FROM segments WHERE case_id IS NOT NULL'
    ).fetchall()
    n = 0
    with project.transaction():
        for coder in ("amira", "tom"):
            project.ensure_coder(coder)
        for seg_id, doc_id, start, end in rows:
            if rng.random() >= share:
                continue
            coder = rng.choice(("amira", "tom"))
            project.conn.execute(
                'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created, contribution, claim)'
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    doc_id,
                    seg_id,
                    start,
                    end,
                    rng.choice(leaves),
                    coder,
                    now(),
                    rng.choice((None, "necessary", "improved")),
                    "A claim" if rng.random() < 0.1 else None,
                ),
            )
            n += 1
    return n


def _fingerprint(path: Path) -> tuple:
    with Project.open(path) as p:
        return (
            p.query("SELECT name, source_type, text FROM documents ORDER BY name"),
            p.query(
                'SELECT d.name, k.start, k."end", c.key, k.coder, k.created, k.contribution, k.claim FROM codings k'
                " JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
                ' ORDER BY d.name, k.start, k."end", c.key, k.coder'
            ),
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--documents", type=int, default=200)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--coded", type=float, default=0.5, help="Share of participant segments coded.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.qcdb"
        project = Project.create(source, coder="bench")
        save_codebook(project, read_codebook_file(CODEBOOK))
        import_files(
            project,
            write_corpus(folder / "corpus", args.documents, args.turns),
            ImportOptions(source_type="interview"),
        )
        codings = _code(project, args.coded)
        qdpx = folder / "bench.qdpx"
        tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        size = export_qdpx_file(project, qdpx)
        t_export, c_export = time.perf_counter() - t0, time.process_time() - c0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        project.close()
        print(f"project: {args.documents} documents, {codings} codings")
        print(
            f"export (read + XML + zip, streamed; then schema validation): {t_export:.2f} s wall, {c_export:.2f} s CPU"
            f" = {codings / t_export:,.0f} codings/s; {size / 1e6:.1f} MB; {peak / 1e6:.0f} MB peak Python"
            " allocations (tracemalloc)"
        )
        copy = folder / "copy.qcdb"
        t0 = time.perf_counter()
        refi = read_refi_file(qdpx)
        t_read = time.perf_counter() - t0
        with Project.create(copy, coder="bench") as target:
            t1 = time.perf_counter()
            report = import_refi_file(target, refi, qdpx)
            t_store = time.perf_counter() - t1
        print(
            f"import: read + check {t_read:.2f} s, store {t_store:.2f} s = {report['codings'] / (t_read + t_store):,.0f}"
            " codings/s"
        )
        print(f"round trip identical (documents and codings): {_fingerprint(source) == _fingerprint(copy)}")


if __name__ == "__main__":
    main()
