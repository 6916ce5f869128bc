"""Time the suggester's refit (what every `suggest` and every workbench open pays) at 100k and 300k codings.

    python -m benchmarks.bench_refit [--codings 100000 300000] [--project PATH ...] [--keep DIR [--reuse]]
                                     [--runs 3]

Each project: interview transcripts of 100 turns, as many segments as codings, half of them coded by two
coders (ana and ben, one of eight codes each; written straight into the file: set-up, not timed), so a refit
reads `--codings` codings: it learns from every coder's codings (store.suggestions). `--project` times existing
projects too (e.g. a 1M-segment one from bench_scale). Each refit runs in a fresh process, as `suggest` runs it
(spaCy's start-up included, the embedding model off): the figures are the median of `--runs` of the refit's
wall and CPU seconds, and the process's peak memory (max RSS, measured by /usr/bin/time), with the codings it
counts and the segments whose texts it read (the sample the model learns from). Target (issue 17): under 5 s
CPU at 300,000 codings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_codings import add_codings
from benchmarks.corpus import write_corpus
from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions
from qualcode.store.project import Project

CHILD = """
import json, sys, time
from qualcode.nlp.suggest import Suggester
from qualcode.store.project import Project

with Project.open(sys.argv[1], coder="ana") as p:
    codings = p.scalar("SELECT count(*) FROM codings")
    w, c = time.perf_counter(), time.process_time()
    s = Suggester.from_project(p, "ana", embeddings=False)
    wall, cpu = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"wall": wall, "cpu": cpu, "codings": codings, "learned": len(s.training_segments),
                  "decided": s.n_training, "version": s.version}))
"""


def build(folder: Path, codings: int) -> Path:
    """A project whose refit reads `codings` codings (half its segments, two coders each)."""
    path = folder / f"refit-{codings}.qcdb"
    path.unlink(missing_ok=True)
    corpus = write_corpus(folder / f"corpus-{codings}", max(1, codings // 100), 100)
    with Project.create(path, coder="bench") as p:
        import_files(p, corpus, ImportOptions(source_type="interview"))
    add_codings(path, 0.5)
    return path


def refit(path: Path) -> dict[str, float]:
    """One refit in its own process: the child's own timings, and its peak memory from /usr/bin/time (a child
    forked from this process could count this one's memory in its peak)."""
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "QUALCODE_EMBEDDINGS": "0"}
    done = subprocess.run(
        ["/usr/bin/time", "-f", "QCTIME %M", sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("QCTIME"):
        raise SystemExit(f"refit of {path} failed: {done.stderr[-800:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "peak_mb": int(lines[-1].split()[1]) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--codings", type=int, nargs="*", default=[100_000, 300_000])
    ap.add_argument("--project", type=Path, nargs="*", default=[], help="also time these existing projects")
    ap.add_argument("--keep", type=Path, help="keep the built projects in this folder")
    ap.add_argument("--reuse", action="store_true", help="reuse projects already built in --keep")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for n in args.codings:
            path = folder / f"refit-{n}.qcdb"
            paths.append(path if args.reuse and path.exists() else build(folder, n))
        paths += args.project
        print(
            f"{'project':<28} {'codings':>9} {'texts read':>10} {'wall s':>7} {'CPU s':>6} {'peak MB':>8}  version"
        )
        for path in paths:
            with Project.open(path, coder="bench"):
                pass  # a migration, if any, is not the refit's
            runs = [refit(path) for _ in range(args.runs)]
            mid = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "peak_mb")}
            first = runs[0]
            print(
                f"{path.name:<28} {first['codings']:>9,} {first['learned']:>10,} {mid['wall']:>7.2f}"
                f" {mid['cpu']:>6.2f} {mid['peak_mb']:>8.0f}  {first['version']}"
            )
        print(
            f"(median of {args.runs} refits, each in a fresh process; CPU is the refit's own, spaCy's start-up"
        )
        print(" included; machine: " + " ".join(os.uname()[i] for i in (1, 4)) + f", {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
