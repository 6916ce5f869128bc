"""Kill a process (SIGKILL) at random moments while it imports and codes; then the project must pass
integrity_check and hold every write the process acknowledged. And two processes coding at once lose nothing."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualcode.app.actions import import_codebook_file, import_files
from qualcode.ingest import ImportOptions
from qualcode.store.backup import backup_folder, check_project
from qualcode.store.project import Project, journal_settings
from tests.conftest import CODEBOOK, ROOT

KILLS = 50


def start(*args: object) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_driver", *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert ready.strip() == "READY", (ready, proc.stderr.read() if proc.stderr else "")
    return proc


def acknowledged(output: str) -> tuple[dict[str, int], dict[int, int]]:
    docs, codings = {}, {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] == "DOC" and len(parts) == 3:
            docs[parts[1]] = int(parts[2])
        elif parts and parts[0] == "CODE" and len(parts) == 3:
            codings[int(parts[1])] = int(parts[2])
    return docs, codings


def verify(path: Path, docs: dict[str, int], codings: dict[int, int]) -> None:
    raw = sqlite3.connect(path)  # the first reader rolls back a hot journal left by the killed writer
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    with Project.open(path) as p:
        result = check_project(p)
        assert result["ok"], result["problems"]
        stored = dict(
            p.conn.execute(
                "SELECT d.name, count(s.id) FROM documents d LEFT JOIN segments s ON s.document_id = d.id GROUP BY d.id"
            )
        )
        for name, segments in docs.items():
            assert stored.get(name) == segments, f"acknowledged document {name} is missing or partial"
        assert all(n > 0 for n in stored.values()), "a document without its segments: a half-written import"
        have = dict(p.conn.execute("SELECT id, segment_id FROM codings"))
        for coding, segment in codings.items():
            assert have.get(coding) == segment, f"acknowledged coding {coding} is missing"
        logged = {int(r[0]) for r in p.conn.execute("SELECT entity_id FROM change_log WHERE action = 'code'")}
        assert set(codings) <= logged


OTHER_MODE = "wal" if journal_settings()[0] == "delete" else "delete"


@pytest.mark.parametrize(
    ("mode", "kills"),
    [
        pytest.param(
            journal_settings()[0], KILLS, marks=pytest.mark.slow
        ),  # ~30 s: run by `pytest -m slow` (.ci/run)
        (OTHER_MODE, 10),
    ],
)
def test_sigkill_at_random_moments_loses_no_acknowledged_write(tmp_path, mode, kills):
    """At least 50 kills in the journal mode this machine's SQLite uses (marked slow), and 10 in the other one
    (every run)."""
    path = tmp_path / "crash.qcdb"
    with Project.create(path, coder="setup") as p:
        import_codebook_file(p, CODEBOOK)
    folder = tmp_path / "files"
    folder.mkdir()
    rng = random.Random(8)
    all_docs: dict[str, int] = {}
    all_codings: dict[int, int] = {}
    mid_write = 0
    t0 = time.perf_counter()
    for run in range(kills):
        proc = start("crash", path, folder, run, mode)
        time.sleep(rng.uniform(0.0, 0.35))
        os.kill(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        mid_write += Path(f"{path}-journal").exists() or Path(f"{path}-wal").exists()
        docs, codings = acknowledged(output)
        all_docs.update(docs)
        all_codings.update(codings)
        verify(path, all_docs, all_codings)  # everything acknowledged in this run and all earlier ones
    backups = list(backup_folder(path).glob("*.qcdb")) if backup_folder(path).exists() else []
    for backup in backups:  # a backup is renamed into place only once complete and checked
        conn = sqlite3.connect(backup)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.close()
    print(
        f"\ncrash test: {kills} kills in {time.perf_counter() - t0:.1f} s, journal mode {mode}, "
        f"{mid_write} with a journal/WAL left behind, {len(all_docs)} documents and {len(all_codings)} codings "
        f"acknowledged and found, {len(backups)} finished backups all intact"
    )
    assert len(all_docs) > kills // 2 and all_codings
    assert mid_write > 0, "no kill landed during a write; the test would prove little"


def test_two_processes_coding_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.qcdb"
    with Project.create(path, coder="setup") as p:
        import_codebook_file(p, CODEBOOK)
        text = "\n".join(
            f"{'Interviewer' if i % 2 == 0 else 'P1'}: turn {i} about housing." for i in range(400)
        )
        (tmp_path / "t.txt").write_text(text, encoding="utf-8")
        import_files(p, [tmp_path / "t.txt"], ImportOptions())
    procs = [start("code", path, seed, 300) for seed in (1, 2)]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("GO\n")
        proc.stdin.flush()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    codings: dict[int, int] = {}
    for proc, (out, err) in zip(procs, outputs, strict=True):
        busy = [line for line in out.splitlines() if line.startswith("BUSY")]
        # each process either finished or stopped with the clear "project busy" message
        assert proc.returncode == 0 or (proc.returncode == 3 and "project busy" in busy[0]), (out, err)
        assert "Traceback" not in err, err
        codings.update(acknowledged(out)[1])
        print(f"\nconcurrent coder: exit {proc.returncode}, {len(acknowledged(out)[1])} codings acknowledged")
    assert len(codings) > 300
    verify(path, {}, codings)
    with Project.open(path) as p:
        order = [r[0] for r in p.conn.execute("SELECT who FROM change_log WHERE action = 'code' ORDER BY id")]
    assert set(order) == {"coder1", "coder2"}
    spans = [
        [float(line.split()[1]) for line in out.splitlines() if line.startswith(("START", "END"))]
        for out, _ in outputs
    ]
    assert all(len(span) == 2 for span in spans)
    assert max(s for s, _ in spans) < min(e for _, e in spans), (
        "the two processes did not really write at once"
    )
    switches = sum(a != b for a, b in zip(order, order[1:], strict=False))
    print(
        f"writing at the same time for {min(e for _, e in spans) - max(s for s, _ in spans):.2f} s; "
        f"the log switches coder {switches} time(s)"
    )
