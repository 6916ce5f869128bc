"""Time `codings export` and `codings import` on a 100,000-segment project and on one huge survey document.

    python -m benchmarks.bench_codings [--documents 1000] [--survey-rows 10000] [--keep DIR]

Targets (issue 17): export < 2 s, import of ~26,000 rows < 3 s, whatever the length of the documents.
Codings are written straight into the file (13% of segments, two coders each: ~26,000 at 100k segments);
the import is timed on a copy whose codings were removed, so it adds every row of the export.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.bench_survey import write_survey
from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_codings_file, import_files, rows_to_csv
from qualcode.ingest import ImportOptions
from qualcode.ingest.survey_spec import load_spec
from qualcode.store.codings import CODING_COLUMNS, export_codings
from qualcode.store.project import Project, now

CODES = ["access", "trust", "training", "housing", "partnership", "staff", "waiting", "change"]


def add_codings(path: Path, share: float = 0.13, seed: int = 5) -> int:
    """Code `share` of the segments with one code each by two coders (direct SQL: this is set-up, not timed)."""
    rnd = random.Random(seed)
    with Project.open(path, coder="bench") as p, p.transaction():
        p.conn.executemany(
            "INSERT OR IGNORE INTO codes(key, label) VALUES (?, ?)", [(c, c.title()) for c in CODES]
        )
        codes = [r[0] for r in p.conn.execute("SELECT id FROM codes")]
        for coder in ("ana", "ben"):
            p.ensure_coder(coder)
        segs = p.conn.execute('SELECT id, document_id, start, "end" FROM segments').fetchall()
        chosen = [s for s in segs if rnd.random() < share]
        stamp = now()
        p.conn.executemany(
            'INSERT INTO codings(document_id, segment_id, start, "end", code_id, coder, created) VALUES (?,?,?,?,?,?,?)',
            [
                (d, s, a, b, rnd.choice(codes), coder, stamp)
                for s, d, a, b in chosen
                for coder in ("ana", "ben")
            ],
        )
        return int(p.scalar("SELECT count(*) FROM codings"))


def time_round_trip(label: str, path: Path, folder: Path, share: float) -> None:
    codings = add_codings(path, share)
    copy = folder / f"{label}-copy.qcdb"
    shutil.copy(path, copy)
    with Project.open(copy, coder="bench") as p, p.transaction():
        p.conn.execute("DELETE FROM codings")
    t0, c0 = time.perf_counter(), time.process_time()
    with Project.open(path, coder="bench") as p:
        rows = export_codings(p)
    csv_text = rows_to_csv(rows, CODING_COLUMNS)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = folder / f"{label}.csv"
    out.write_text(csv_text, encoding="utf-8-sig")
    print(
        f"{label}: codings export of {len(rows):,} codings: {wall:.2f} s wall, {cpu:.2f} s CPU (target < 2 s)"
    )
    t0, c0 = time.perf_counter(), time.process_time()
    with Project.open(copy, coder="bench") as p:
        result = import_codings_file(p, out, backup=False, max_bytes=1 << 30)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{label}: codings import of {result['rows']:,} rows ({result['added']:,} added of {codings:,}): "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU (target < 3 s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--survey-rows", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="Keep the built projects in this folder.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.documents:
            path = folder / "transcripts.qcdb"
            path.unlink(missing_ok=True)
            with Project.create(path, coder="bench") as p:
                import_files(
                    p,
                    write_corpus(folder / "corpus", args.documents, 100),
                    ImportOptions(source_type="interview"),
                )
                segments = p.scalar("SELECT count(*) FROM segments")
            print(f"transcripts: {args.documents:,} documents, {segments:,} segments")
            time_round_trip("transcripts", path, folder, 0.13)
        if args.survey_rows:
            path = folder / "survey.qcdb"
            path.unlink(missing_ok=True)
            csv_path, spec_path = write_survey(folder, args.survey_rows)
            with Project.create(path, coder="bench") as p:
                import_files(p, [csv_path], ImportOptions(spec=load_spec(spec_path), max_bytes=1 << 30))
                longest = p.scalar("SELECT max(length(text)) FROM documents")
                segments = p.scalar("SELECT count(*) FROM segments")
            print(
                f"survey: {args.survey_rows:,} rows, {segments:,} answers, longest document {longest:,} characters"
            )
            time_round_trip("survey", path, folder, 0.45)  # ~12,000 codings, as on the real survey
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
