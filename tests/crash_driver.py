"""Child process for the crash and concurrency tests: writes to a project and prints one acknowledgement line
(flushed) after each committed write, so the parent knows exactly what must survive.

    python -m tests.crash_driver crash PROJECT FOLDER SEED [wal|delete]  # import and code until killed
    python -m tests.crash_driver code PROJECT SEED N            # code N segments, then exit
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from qualcode.app.actions import import_files
from qualcode.errors import DuplicateError, ProjectBusyError
from qualcode.ingest import ImportOptions
from qualcode.store.codings import add_coding
from qualcode.store.project import Project

WORDS = (
    "we",
    "refer",
    "people",
    "sooner",
    "the",
    "session",
    "helped",
    "housing",
    "trauma",
    "informed",
    "team",
    "confidence",
    "partnership",
    "hub",
    "women",
    "support",
    "changed",
    "practice",
    "really",
)


def transcript(rng: random.Random, turns: int) -> str:
    lines = []
    for i in range(turns):
        who = "Interviewer" if i % 2 == 0 else "P1"
        lines.append(f"{who}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))) + ".")
    return "\n".join(lines) + "\n"


def say(*parts: object) -> None:
    print(*parts, flush=True)


def crash(path: Path, folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    with Project.open(path, coder=f"crash{seed}") as p:
        codes = [r[0] for r in p.conn.execute("SELECT key FROM codes WHERE key LIKE '%.%'")]
        say("READY")
        for n in range(1, 10_000):
            # Every third round imports five files at once: a bulk import, with its automatic backup first.
            count = 5 if n % 3 == 0 else 1
            files = []
            for k in range(count):
                name = f"s{seed}-r{n}-{k}"
                files.append(folder / f"{name}.txt")
                files[-1].write_text(transcript(rng, rng.randint(20, 300)), encoding="utf-8")
            results = import_files(p, files, ImportOptions(source_type="interview"))
            for r in results:
                say("DOC", r["document"], r["segments"])
            segs = [
                r[0]
                for r in p.conn.execute(
                    "SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE d.name = ?",
                    (results[-1]["document"],),
                )
            ]
            for seg in rng.sample(segs, k=min(8, len(segs))):
                coding = add_coding(p, rng.choice(codes), segment_id=seg)
                say("CODE", coding, seg)


def code(path: Path, seed: int, count: int) -> None:
    """Code `count` segments chosen by `seed` (several processes may run this at once)."""
    rng = random.Random(seed)
    with Project.open(path, coder=f"coder{seed}") as p:
        codes = [r[0] for r in p.conn.execute("SELECT key FROM codes WHERE key LIKE '%.%'")]
        segs = [r[0] for r in p.conn.execute("SELECT id FROM segments")]
        say("READY")
        sys.stdin.readline()  # "GO": the parent starts every coder at the same moment
        say("START", time.time())
        for _ in range(count):
            seg = rng.choice(segs)
            try:
                coding = add_coding(p, rng.choice(codes), segment_id=seg)
            except DuplicateError:
                continue
            say("CODE", coding, seg)
            # A person codes at most a few segments a second; without any gap, one process can hold the write
            # lock back to back and, on a loaded machine, keep the other waiting past the busy timeout.
            time.sleep(0.005)
        say("END", time.time())


def main() -> int:
    mode, path = sys.argv[1], Path(sys.argv[2])
    if mode == "crash" and len(sys.argv) > 5:
        # Test both journal modes whatever this machine's SQLite would choose (one writer at a time, so the
        # WAL-reset bug, which needs two connections racing, cannot strike here).
        import qualcode.store.project as project_module

        chosen = {"wal": ("wal", "NORMAL"), "delete": ("delete", "FULL")}[sys.argv[5]]
        project_module.journal_settings = lambda: chosen  # type: ignore[assignment]
    try:
        if mode == "crash":
            crash(path, Path(sys.argv[3]), int(sys.argv[4]))
        else:
            code(path, int(sys.argv[3]), int(sys.argv[4]))
    except ProjectBusyError as exc:
        say("BUSY", exc)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
