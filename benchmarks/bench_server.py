"""Load test of a server study (loopback only, bounded): N coders coding as fast as they can, a reviewer, a report
every 10 s; then every acknowledged coding is checked to be there once, and the change log's chain verified.

    python -m benchmarks.bench_server [--coders 20] [--seconds 60] [--url postgresql://...]

Without --url it starts a throwaway PostgreSQL server on 127.0.0.1 (tests/pg_server.py) and stops it after.
Faults, during the run: a third of the way in, a client holding the write lock in the middle of a transaction
is SIGKILLed (nothing of it may stay, the others must go on); two thirds of the way in, the throwaway server is
restarted (`pg_ctl restart -m fast`; not with --url): coders whose action was cut get a one-line error, retry
the same coding, and reconnect. Afterwards every acknowledged coding must be there once. Prints JSON; wall and
CPU time (this process and its children; the server's own CPU is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MAX_CODERS, MAX_SECONDS = 50, 300


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


_KILLED_CLIENT = """
import sys, time
from qualcode.store.project import Project
from qualcode.store.codings import add_coding
p = Project.open(sys.argv[1], coder="killed")
seg, key = int(sys.argv[2]), sys.argv[3]
held = p.transaction()  # kept referenced: a collected context manager would end the transaction itself
held.__enter__()  # the write lock is taken here and held until the process dies
add_coding(p, key, segment_id=seg)
print("inside", flush=True)
time.sleep(600)  # SIGKILLed by the benchmark while it sits here: no COMMIT, no ROLLBACK, no clean close
"""

RETRY_PAUSE = 0.05  # seconds between a coder's attempts while the server is away


class Faults:
    """What the faults did to the run: the killed client, the restart, each coder's way back."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.killed_at: float | None = None
        self.first_write_after_kill: float | None = None
        self.killed_reached = False
        self.restart_began: float | None = None
        self.restart_done: float | None = None
        self.lost_connection = 0  # actions cut by the restart ("nothing ... was saved")
        self.lost_at_commit = 0  # cut while committing: saved or not, unknown; the coder looks and retries
        self.unreachable = 0  # attempts while the server was down
        self.reconnect_s: list[float] = []  # per coder: first failure -> next acknowledged action

    def acked(self, when: float) -> None:
        with self.lock:
            if self.killed_at is not None and self.first_write_after_kill is None and when > self.killed_at:
                self.first_write_after_kill = when


def kill_a_client_mid_transaction(url: str, segment: int, key: str, faults: Faults) -> None:
    """Start a client that takes the write lock and writes, then SIGKILL it while it holds the lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CLIENT, url, str(segment), key],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        assert proc.stdout is not None
        faults.killed_reached = proc.stdout.readline().strip() == "inside"
    finally:
        proc.send_signal(signal.SIGKILL)
        faults.killed_at = time.perf_counter()
        proc.wait(timeout=60)


def run(url: str, coders: int, seconds: float, server: Any = None, faults_on: bool = True) -> dict[str, Any]:
    """The load test; with `server` (a throwaway one of ours) the server is also restarted a third of the way
    from the end, and a client is killed holding the write lock a third of the way in."""
    from qualcode.errors import ConnectionLostError, DuplicateError, ProjectBusyError, ServerUnreachableError
    from qualcode.reports.build import build_report
    from qualcode.store.audit import verify_log
    from qualcode.store.codings import add_coding
    from qualcode.store.project import Project
    from qualcode.store.reviews import set_review

    with Project.open(url) as p:
        segments = [r[0] for r in p.conn.execute("SELECT id FROM segments WHERE case_id IS NOT NULL")]
        keys = [r[0] for r in p.conn.execute("SELECT key FROM codes WHERE parent_id IS NOT NULL")]
        before = int(p.scalar("SELECT count(*) FROM codings"))
    acked: list[tuple[int, int, str, str]] = []  # (coding id, segment, code, coder)
    uncertain: list[tuple[int, str, str]] = []  # (segment, code, coder) cut while committing
    lat: dict[str, list[float]] = {"code": [], "review": [], "report": []}
    refused = {"duplicate": 0, "busy": 0}
    lock = threading.Lock()
    faults = Faults()
    deadline = time.perf_counter() + seconds
    away = (ConnectionLostError, ServerUnreachableError)

    def note_away(exc: Exception, since: float | None) -> float:
        with faults.lock:
            if isinstance(exc, ServerUnreachableError):
                faults.unreachable += 1
            elif "may or may not" in str(exc):
                faults.lost_at_commit += 1
            else:
                faults.lost_connection += 1
        time.sleep(RETRY_PAUSE)
        return since if since is not None else time.perf_counter()

    def coder(i: int) -> None:
        rng = random.Random(i)
        name = f"coder{i:02d}"
        with Project.open(url, coder=name) as p:
            retry: tuple[int, str] | None = None
            down_since: float | None = None
            while time.perf_counter() < deadline:
                seg, key = retry or (rng.choice(segments), rng.choice(keys))
                t = time.perf_counter()
                try:
                    cid = add_coding(p, key, segment_id=seg, coder=name)
                except DuplicateError:
                    with lock:
                        refused["duplicate"] += 1
                    retry = None
                    continue
                except ProjectBusyError:
                    with lock:
                        refused["busy"] += 1
                    continue
                except away as exc:
                    if "may or may not" in str(exc):
                        with lock:
                            uncertain.append((seg, key, name))
                    down_since = note_away(exc, down_since)
                    retry = (seg, key)  # the same coding again: if it was saved after all, it is refused
                    continue
                done = time.perf_counter()
                retry = None
                if down_since is not None:
                    with faults.lock:
                        faults.reconnect_s.append(done - down_since)
                    down_since = None
                faults.acked(done)
                with lock:
                    lat["code"].append(done - t)
                    acked.append((cid, seg, key, name))

    def reviewer() -> None:
        rng = random.Random(-1)
        with Project.open(url, coder="reviewer") as p:
            while time.perf_counter() < deadline:
                with lock:
                    target = rng.choice(acked)[0] if acked else None
                if target is not None:
                    t = time.perf_counter()
                    try:
                        set_review(p, target, rng.choice(["accepted", "rejected"]), reviewer="reviewer")
                        lat["review"].append(time.perf_counter() - t)
                    except ProjectBusyError:
                        refused["busy"] += 1
                    except away as exc:
                        note_away(exc, None)
                time.sleep(0.2)

    def reporter() -> None:
        with Project.open(url, coder="lead") as p:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                try:
                    build_report(p, "themes")
                except away as exc:
                    note_away(exc, None)
                    continue
                lat["report"].append(time.perf_counter() - t)
                time.sleep(max(0.0, min(10 - (time.perf_counter() - t), deadline - time.perf_counter())))

    def saboteur() -> None:
        if not faults_on:
            return
        time.sleep(seconds / 3)
        kill_a_client_mid_transaction(url, segments[0], keys[0], faults)
        if server is None or not getattr(server, "can_restart", False):
            return
        time.sleep(max(0.0, deadline - seconds / 3 - time.perf_counter()))
        faults.restart_began = time.perf_counter()
        server.restart()
        faults.restart_done = time.perf_counter()

    threads = [threading.Thread(target=coder, args=(i,)) for i in range(coders)]
    threads += [threading.Thread(target=t) for t in (reviewer, reporter, saboteur)]
    wall, cpu = time.perf_counter(), _cpu()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu

    with Project.open(url, coder="after") as p:
        stored = {
            r[0]: (r[1], r[2], r[3])
            for r in p.conn.execute(
                "SELECT k.id, k.segment_id, c.key, k.coder FROM codings k JOIN codes c ON c.id = k.code_id"
            )
        }
        by_span = {v for v in stored.values()}
        lost = [a for a in acked if stored.get(a[0]) != a[1:]]
        dupes = int(
            p.scalar(
                'SELECT count(*) FROM (SELECT 1 FROM codings GROUP BY document_id, start, "end", code_id, coder'
                " HAVING count(*) > 1) AS d"
            )
        )
        killed_rows = int(p.scalar("SELECT count(*) FROM codings WHERE coder = 'killed'"))
        audit = verify_log(p)
    after_kill = (
        None
        if faults.killed_at is None or faults.first_write_after_kill is None
        else round((faults.first_write_after_kill - faults.killed_at) * 1000, 1)
    )
    restart = None
    if faults.restart_began is not None and faults.restart_done is not None:
        restart = {
            "server_down_s": round(faults.restart_done - faults.restart_began, 2),
            "actions_cut": faults.lost_connection,
            "cut_while_committing": faults.lost_at_commit,
            "of_those_saved_after_all": sum(1 for u in uncertain if u in by_span),
            "attempts_while_down": faults.unreachable,
            "coders_reconnected": len(faults.reconnect_s),
            "reconnect_s_median": round(statistics.median(faults.reconnect_s), 2)
            if faults.reconnect_s
            else None,
            "reconnect_s_max": round(max(faults.reconnect_s), 2) if faults.reconnect_s else None,
        }
    return {
        "coders": coders,
        "seconds": seconds,
        "codings_acknowledged": len(acked),
        "codings_per_second": round(len(acked) / wall, 1),
        "refused_duplicate": refused["duplicate"],
        "refused_busy": refused["busy"],
        "latency_ms": {k: {"n": len(v), "p50": _pct(v, 0.5), "p95": _pct(v, 0.95)} for k, v in lat.items()},
        "report_mean_s": round(statistics.mean(lat["report"]), 2) if lat["report"] else None,
        "lost": len(lost),
        "duplicated": dupes,
        "codings_before": before,
        "codings_after": len(stored),
        "killed_client": {
            "reached_the_transaction": faults.killed_reached,
            "rows_kept": killed_rows,
            "first_write_by_another_after_kill_ms": after_kill,
        },
        "server_restart": restart,
        "audit_ok": audit["ok"],
        "audit_entries": audit["entries"],
        "audit_problems": audit["problems"][:3],
        "audit_first_broken": audit.get("first_broken"),
        "wall_s": round(wall, 1),
        "cpu_s_client": round(cpu, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coders", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--url", help="an EMPTY database on a loopback server (default: a throwaway server)")
    ap.add_argument("--no-faults", action="store_true", help="no killed client, no restart (the load alone)")
    args = ap.parse_args()
    if not 1 <= args.coders <= MAX_CODERS or not 1 <= args.seconds <= MAX_SECONDS:
        sys.exit(f"--coders 1..{MAX_CODERS}, --seconds 1..{MAX_SECONDS}")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from qualcode.app.demo import build_demo
    from qualcode.store.transfer import push

    server = None
    url = args.url
    if url is None:
        from tests.pg_server import LocalServer, find_bin

        bindir = find_bin()
        if bindir is None:
            sys.exit("no PostgreSQL binaries found (install Debian's postgresql or set QUALCODE_PG_BIN)")
        server = LocalServer(bindir)
        server.start()
        url = server.new_database()
    elif not any(h in url for h in ("@127.0.0.1", "@localhost", "@[::1]", "//127.0.0.1", "//localhost")):
        sys.exit("the load test runs against a loopback server only")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            demo = Path(tmp) / "demo.qcdb"
            build_demo(demo)
            push(demo, url)
        print(json.dumps(run(url, args.coders, args.seconds, server, not args.no_faults), indent=2))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
