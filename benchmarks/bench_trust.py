"""What crash safety costs on a large project: quick_check at open, a full check, a checked backup, and
pseudonymising the demo study.

    python -m benchmarks.bench_trust [--project PATH]   # default: builds 1,000 documents / 100,000 segments

Build the large project once with `python -m benchmarks.bench_import --keep /tmp/big.qcdb` and pass it as
--project to skip the build.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions
from qualcode.store.backup import check_project, make_backup
from qualcode.store.project import Project, journal_settings


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000


def build(folder: Path) -> Path:
    paths = write_corpus(folder / "corpus", 1000, 100)
    path = folder / "big.qcdb"
    with Project.create(path, coder="bench") as p:
        import_files(p, paths, ImportOptions(source_type="interview"))
    return path


def bench_project(path: Path, folder: Path) -> None:
    with Project.open(path) as p:
        segments = p.scalar("SELECT count(*) FROM segments")
    print(
        f"project: {segments:,} segments, {path.stat().st_size / 1e6:.1f} MB; SQLite {sqlite3.sqlite_version},"
        f" journal mode {journal_settings()[0]}"
    )
    raw = sqlite3.connect(path)
    med, worst = timed(lambda: raw.execute("PRAGMA quick_check(10)").fetchall())
    print(f"quick_check: median {med:.0f} ms, max {worst:.0f} ms")
    med, worst = timed(lambda: raw.execute("PRAGMA integrity_check").fetchall(), 3)
    print(f"integrity_check: median {med:.0f} ms, max {worst:.0f} ms")
    raw.close()
    med, worst = timed(lambda: Project.open(path).close())
    med_nc, _ = timed(lambda: Project.open(path, check=False).close())
    print(
        f"Project.open with quick_check: median {med:.0f} ms, max {worst:.0f} ms (without: {med_nc:.0f} ms;"
        " target < 1000 ms)"
    )
    with Project.open(path) as p:
        t0 = time.perf_counter()
        result = check_project(p)
        print(
            f"qualcode check (integrity, foreign keys, log chain): {(time.perf_counter() - t0) * 1000:.0f} ms,"
            f" ok={result['ok']}"
        )
        t0 = time.perf_counter()
        make_backup(p, folder / "backup.qcdb")
        print(
            f"checked backup (backup API + integrity_check + rename): {(time.perf_counter() - t0) * 1000:.0f} ms"
        )


def bench_demo(folder: Path) -> None:
    from qualcode.app.demo import build_demo
    from qualcode.app.privacy import pseudonymise

    register = Path(__file__).resolve().parent.parent / "tests" / "data" / "demo-register.csv"
    demo = folder / "demo.qcdb"
    build_demo(demo)
    with Project.open(demo) as p:
        t0 = time.perf_counter()
        result = pseudonymise(p, register, key_out=folder / "key.csv")
        elapsed = time.perf_counter() - t0
    print(
        f"demo study pseudonymised in {elapsed:.2f} s (spaCy pipeline load included): "
        f"{result['replacements']} replacements of {result['names']} names in {result['documents']} documents"
        f" ({result['by_method']}); {result['codings_moved']} coding spans moved, {result['codings_folded']} folded"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--project", type=Path, help="An existing large project (left unchanged except a backup)."
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("QUALCODE_BACKUP_DIR", str(folder / "backups"))
        bench_project(args.project or build(folder), folder)
        bench_demo(folder)


if __name__ == "__main__":
    main()
