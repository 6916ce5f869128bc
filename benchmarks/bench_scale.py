"""Build projects of 100k and 300k segments (1M with --sizes) and time every command a user runs on them.

    python -m benchmarks.bench_scale [--sizes 100000 300000] [--survey-rows 10000] [--keep DIR [--reuse]]
                                     [--timeout 300]

Each project: interview transcripts of 100 turns (the segments), one survey of `--survey-rows` respondents
(about 1.3 open answers each, stored as one long document), 20% of the segments coded by two coders (ana
and ben; written straight into the file: set-up, not timed). Every command runs as a user runs it, in its own process (`python -m qualcode ...`); the table gives wall seconds,
CPU seconds (user + system) and the peak memory (max RSS) of that process, then the growth from the smallest
to the largest size. A command that outlasts `--timeout` is shown as such. Two rows are timed inside this
process instead (median of 3, milliseconds of wall / CPU time): the counts `documents` lists and the counts
the workbench's status bar shows for the survey, which the writes keep up to date (schema V_COUNTS).
`--reuse` keeps a project already built in the `--keep` folder (building 1M segments takes minutes).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_codings import add_codings
from benchmarks.bench_survey import write_survey
from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions
from qualcode.ingest.survey_spec import load_spec
from qualcode.store.project import Project


def build(folder: Path, segments: int, survey_rows: int) -> tuple[Path, float]:
    """The project and the seconds its transcripts took to import (segments per second is the import figure)."""
    path = folder / f"scale-{segments}.qcdb"
    path.unlink(missing_ok=True)
    corpus = write_corpus(folder / f"corpus-{segments}", segments // 100, 100)
    csv_path, spec_path = write_survey(folder, survey_rows)
    with Project.create(path, coder="bench") as p:
        t0 = time.perf_counter()
        import_files(p, corpus, ImportOptions(source_type="interview"))
        took = time.perf_counter() - t0
        import_files(p, [csv_path], ImportOptions(spec=load_spec(spec_path), max_bytes=1 << 30))
    add_codings(path, 0.2)
    return path, took


def counts_ms(path: Path) -> dict[str, tuple[float, float]]:
    """Median (wall ms, CPU ms) of 3 calls of what `documents` and the status bar read, in this process."""
    from qualcode.store.browse import document_progress
    from qualcode.store.documents import list_documents

    out: dict[str, tuple[float, float]] = {}
    with Project.open(path) as p:
        survey = p.scalar("SELECT id FROM documents WHERE source_type = 'survey' ORDER BY id LIMIT 1")
        for name, call in (
            ("documents: the counts (in-process, ms)", lambda: list_documents(p)),
            ("status bar counts of the survey (in-process, ms)", lambda: document_progress(p, survey)),
        ):
            times = []
            for _ in range(3):
                w, c = time.perf_counter(), time.process_time()
                call()
                times.append(((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000))
            out[name] = sorted(times)[1]
    return out


def run(args: list[str], timeout: float) -> tuple[float, float, float, bool]:
    """(wall s, CPU s, peak MB, finished) of one command in its own process, measured by /usr/bin/time: a
    child forked from this (large) process would count this process's memory in its peak."""
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "QUALCODE_CODER": "bench"}
    proc = subprocess.Popen(
        ["/usr/bin/time", "-f", "QCTIME %e %U %S %M", sys.executable, "-m", "qualcode", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return timeout, timeout, 0.0, False
    lines = stderr.decode(errors="replace").strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("QCTIME"):
        raise SystemExit(f"qualcode {' '.join(args)} failed: {' '.join(lines)[-500:]}")
    wall, user, system, kb = (float(v) for v in lines[-1].split()[1:])
    return wall, user + system, kb / 1024, True


def commands(path: Path, folder: Path) -> list[tuple[str, list[str]]]:
    out = folder / "out"
    out.mkdir(exist_ok=True)
    copy = folder / "codings-import.qcdb"
    return [
        ("documents", ["documents", str(path)]),
        ("segments --limit 50", ["segments", str(path), "--limit", "50"]),
        ("search", ["search", str(path), "housing trust"]),
        ("codings export", ["codings", "export", str(path), "-o", str(out / "codings.csv")]),
        (
            "codings import (into a copy without codings)",
            ["codings", "import", str(copy), str(out / "codings.csv"), "--max-mb", "2000"],
        ),
        ("agreement", ["agreement", str(path), "--coders", "ana", "ben"]),
        ("review", ["review", str(path)]),
        ("report themes", ["report", str(path), "themes", "-o", str(out / "themes.csv")]),
        (
            "report all --format xlsx",
            ["report", str(path), "all", "--format", "xlsx", "-o", str(out / "all.xlsx")],
        ),
        ("export --format qdpx", ["export", str(path), "--format", "qdpx", "-o", str(out / "all.qdpx")]),
        ("backup", ["backup", str(path)]),
        ("suggest --document survey", ["suggest", str(path), "--document", "survey", "--json"]),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    ap.add_argument("--survey-rows", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="Build the projects in this folder and keep them.")
    ap.add_argument("--reuse", action="store_true", help="Keep projects already built in the --keep folder.")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument(
        "--repeat", type=int, default=1, help="Run each command this many times; the median (by CPU)."
    )
    ap.add_argument("--skip", nargs="*", default=[], help="Commands to leave out (their names in the table).")
    args = ap.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    results: dict[str, dict[int, tuple[float, float, float, bool]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            folder = root / f"size-{size}"
            folder.mkdir(exist_ok=True)
            os.environ["QUALCODE_BACKUP_DIR"] = str(folder / "backups")
            t0 = time.perf_counter()
            kept = folder / f"scale-{size}.qcdb"
            if args.reuse and kept.exists():
                path, took = kept, 0.0
            else:
                path, took = build(folder, size, args.survey_rows)
            with Project.open(path) as p:
                segs, codings = (
                    p.scalar("SELECT count(*) FROM segments"),
                    p.scalar("SELECT count(*) FROM codings"),
                )
            print(
                f"\n{size:,}: built in {time.perf_counter() - t0:.0f} s: {segs:,} segments, {codings:,} codings, "
                f"{path.stat().st_size / 1e6:.0f} MB"
                + (
                    f"; import of the transcripts {took:.1f} s = {size / took:,.0f} segments/s"
                    if took
                    else " (reused)"
                ),
                flush=True,
            )
            if took:
                results.setdefault("import (segments/s)", {})[size] = (size / took, 0, 0, True)
            for name, (wall_ms, cpu_ms) in counts_ms(path).items():
                results.setdefault(name, {})[size] = (wall_ms, cpu_ms, 0, True)
                print(f"  {name}: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU", flush=True)
            copy = folder / "codings-import.qcdb"
            shutil.copy(path, copy)
            with Project.open(copy) as p, p.transaction():
                p.conn.execute("DELETE FROM codings")
            for name, argv in commands(path, folder):
                if name in args.skip:
                    continue
                runs = sorted((run(argv, args.timeout) for _ in range(args.repeat)), key=lambda r: r[1])
                wall, cpu, peak, done = runs[len(runs) // 2]
                results.setdefault(name, {})[size] = (wall, cpu, peak, done)
                print(
                    f"  {name}: {'>' if not done else ''}{wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MB",
                    flush=True,
                )
    low, high = min(args.sizes), max(args.sizes)
    print(
        f"\n| command | {' | '.join(f'{s // 1000}k segments: wall s / CPU s / MB' for s in args.sizes)} |"
        f" growth {low // 1000}k→{high // 1000}k (CPU) |"
    )
    print(f"|---|{'---|' * len(args.sizes)}---|")
    for name, by_size in results.items():
        if name.startswith("import"):
            cells = [f"{by_size[s][0]:,.0f} seg/s" for s in args.sizes if s in by_size]
            growth = "-"
        elif "(in-process, ms)" in name:
            cells = [f"{v[0]:.1f} / {v[1]:.1f} ms" for s in args.sizes if (v := by_size.get(s))]
            a, b = by_size.get(low), by_size.get(high)
            growth = f"{b[1] / a[1]:.1f}x" if a and b and a[1] else "-"
        else:
            cells = [
                f"{'>' if not v[3] else ''}{v[0]:.2f} / {v[1]:.2f} / {v[2]:.0f}"
                for s in args.sizes
                if (v := by_size.get(s))
            ]
            a, b = by_size.get(low), by_size.get(high)
            growth = f"{b[1] / a[1]:.1f}x" if a and b and a[1] and a[3] and b[3] else "-"
        print(f"| {name} | {' | '.join(cells)} | {growth} |")


if __name__ == "__main__":
    main()
