"""Import a generated corpus (default 1,000 documents / 100,000 segments) and print segments per second.

python -m benchmarks.bench_import [--documents 1000] [--turns 100] [--keep PATH]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions, read_document
from qualcode.store.documents import list_documents, list_segments
from qualcode.store.project import Project


def raw_floor(project_path: Path, floor_path: Path) -> float:
    """Seconds to store the project's segments with plain SQLite: a table, its unique index, an FTS5 index with
    the same tokenizer, one transaction (what any import must at least pay)."""
    with sqlite3.connect(project_path) as src:
        rows = src.execute('SELECT document_id, position, start, "end", text FROM segments').fetchall()
    conn = sqlite3.connect(floor_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = delete")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE segments(id INTEGER PRIMARY KEY, document_id INTEGER, position INTEGER, start INTEGER,"
        ' "end" INTEGER, text TEXT, UNIQUE (document_id, position))'
    )
    conn.execute(
        "CREATE VIRTUAL TABLE segments_fts USING fts5(text, content='segments', content_rowid='id',"
        " tokenize='porter unicode61 remove_diacritics 2')"
    )
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        'INSERT INTO segments(document_id, position, start, "end", text) VALUES (?, ?, ?, ?, ?)', rows
    )
    conn.execute("INSERT INTO segments_fts(rowid, text) SELECT id, text FROM segments")
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


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
        t0 = time.perf_counter()
        for p in paths:
            read_document(p, ImportOptions(source_type="interview"))
        parsing = time.perf_counter() - t0
        print(
            f"of which reading and parsing the files (timed again alone): {parsing:.2f} s; storing: "
            f"{elapsed - parsing:.2f} s"
        )
        floor = raw_floor(path, folder / "floor.db")
        print(
            f"raw SQLite + FTS5 floor (same segments, one executemany, FTS filled once): {floor:.2f} s = "
            f"{segments / floor:,.0f} segments/s; qualcode import is {elapsed / floor:.1f}x the floor end to end, "
            f"{(elapsed - parsing) / floor:.1f}x for storing alone (target <= 3x)"
        )
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            p = Project.open(path)
            docs = list_documents(p)
            first = list_segments(p, docs[0]["name"], limit=200)
            p.close()
            times.append(time.perf_counter() - t0)
        assert first, "no segments read back"
        print(
            f"reopen + document list + first document's segments: median {statistics.median(times) * 1000:.0f} ms,"
            f" max {max(times) * 1000:.0f} ms (target < 1000 ms)"
        )


if __name__ == "__main__":
    main()
