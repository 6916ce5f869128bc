"""Hand-made mutants: apply each one to the source, run the tests named to kill it, and restore the file.

Run from the repository root: `python -m tests.mutants.run_mutants [ID ...]`. Every mutant must make its tests
fail ("killed"); a mutant whose tests still pass ("SURVIVED") means a missing test. Not collected by pytest
(it rewrites source files while it runs); the table in docs/testing.md lists the same mutants.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.mutants.catalogue import MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[2]


def run(mutant: Mutant) -> bool:
    """True when the mutant is killed (its tests fail with the mutation in place)."""
    path = ROOT / mutant.file
    original = path.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        raise SystemExit(
            f"{mutant.id}: the text to mutate occurs {original.count(mutant.old)} times in {mutant.file}"
        )
    try:
        path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "0", *mutant.tests],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    return result.returncode != 0


def main(ids: list[str]) -> int:
    chosen = [m for m in MUTANTS if not ids or m.id in ids]
    survived = []
    for mutant in chosen:
        killed = run(mutant)
        print(f"{mutant.id:28} {'killed' if killed else 'SURVIVED'}  {mutant.what}", flush=True)
        if not killed:
            survived.append(mutant.id)
    print(f"{len(chosen) - len(survived)} of {len(chosen)} killed")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
