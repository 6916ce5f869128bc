"""Import a generated corpus (default 1,000 documents / 100,000 segments) and print segments per second.

    python -m benchmarks.bench_import [--documents 1000] [--turns 100] [--keep PATH]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions
from qualcode.store.documents import list_documents, list_segments
from qualcode.store.project import Project


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--keep", type=Path, help="Keep the built project at this path.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_corpus(folder / "corpus", args.documents, args.turns)
        size = sum(p.stat().st_size for p in paths)
        path = args.keep or folder / "bench.qcdb"
        project = Project.create(path, coder="bench")
        t0 = time.perf_counter()
        results = import_files(project, paths, ImportOptions(source_type="interview"))
        elapsed = time.perf_counter() - t0
        project.close()
        segments = sum(r["segments"] for r in results)
        print(f"imported {len(results)} documents, {segments} segments, {size / 1e6:.1f} MB of text")
        print(f"import: {elapsed:.2f} s end to end = {segments / elapsed:,.0f} segments/s (target >= 20,000)")
        print(f"project file: {path.stat().st_size / 1e6:.1f} MB")
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            p = Project.open(path)
            docs = list_documents(p)
            first = list_segments(p, docs[0]["name"], limit=200)
            p.close()
            times.append(time.perf_counter() - t0)
        assert first, "no segments read back"
        print(f"reopen + document list + first document's segments: median {statistics.median(times) * 1000:.0f} ms,"
              f" max {max(times) * 1000:.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
