"""Load test of a server study (loopback only, bounded): N coders coding as fast as they can, a reviewer, a report
every 10 s; then every acknowledged coding is checked to be there once, and the change log's chain verified.

    python -m benchmarks.bench_server [--coders 20] [--seconds 60] [--url postgresql://...]

Without --url it starts a throwaway PostgreSQL server on 127.0.0.1 (tests/pg_server.py) and stops it after.
Also a fault test: a client killed in the middle of a transaction leaves nothing behind and does not block
the others. Prints JSON; wall and CPU time (this process and its children; the server's own CPU is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
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
import os, sys
from qualcode.store.project import Project
from qualcode.store.codings import add_coding
p = Project.open(sys.argv[1], coder="killed")
seg, key = int(sys.argv[2]), sys.argv[3]
held = p.transaction()  # kept referenced: a collected context manager would end the transaction itself
held.__enter__()
add_coding(p, key, segment_id=seg)
print("inside", flush=True)
os._exit(9)  # killed mid-transaction: no COMMIT, no ROLLBACK, no clean close
"""


def run(url: str, coders: int, seconds: float) -> dict[str, Any]:
    from qualcode.errors import DuplicateError, ProjectBusyError
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
    lat: dict[str, list[float]] = {"code": [], "review": [], "report": []}
    refused = {"duplicate": 0, "busy": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def coder(i: int) -> None:
        rng = random.Random(i)
        name = f"coder{i:02d}"
        with Project.open(url, coder=name) as p:
            while time.perf_counter() < deadline:
                seg, key = rng.choice(segments), rng.choice(keys)
                t = time.perf_counter()
                try:
                    cid = add_coding(p, key, segment_id=seg, coder=name)
                except DuplicateError:
                    with lock:
                        refused["duplicate"] += 1
                    continue
                except ProjectBusyError:
                    with lock:
                        refused["busy"] += 1
                    continue
                with lock:
                    lat["code"].append(time.perf_counter() - t)
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
                time.sleep(0.2)

    def reporter() -> None:
        with Project.open(url, coder="lead") as p:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                build_report(p, "themes")
                lat["report"].append(time.perf_counter() - t)
                time.sleep(max(0.0, 10 - (time.perf_counter() - t)))

    threads = [threading.Thread(target=coder, args=(i,)) for i in range(coders)]
    threads += [threading.Thread(target=reviewer), threading.Thread(target=reporter)]
    wall, cpu = time.perf_counter(), _cpu()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu

    # Fault: a client killed inside a transaction; the others must not be blocked and nothing of it kept.
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_CLIENT, url, str(segments[0]), keys[0]],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        timeout=60,
    )
    with Project.open(url, coder="after") as p:
        t = time.perf_counter()
        with p.transaction():
            p.log("bench", "project", None, {"note": "a write after the killed client"})
        after_kill_ms = round((time.perf_counter() - t) * 1000, 1)
        stored = {
            r[0]: (r[1], r[2], r[3])
            for r in p.conn.execute(
                "SELECT k.id, k.segment_id, c.key, k.coder FROM codings k JOIN codes c ON c.id = k.code_id"
            )
        }
        lost = [a for a in acked if stored.get(a[0]) != a[1:]]
        dupes = int(
            p.scalar(
                'SELECT count(*) FROM (SELECT 1 FROM codings GROUP BY document_id, start, "end", code_id, coder'
                " HAVING count(*) > 1) AS d"
            )
        )
        killed_rows = int(p.scalar("SELECT count(*) FROM codings WHERE coder = 'killed'"))
        audit = verify_log(p)
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
            "reached_the_transaction": "inside" in killed.stdout,
            "rows_kept": killed_rows,
            "next_write_ms": after_kill_ms,
        },
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
        print(json.dumps(run(url, args.coders, args.seconds), indent=2))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
