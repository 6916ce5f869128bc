"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl on a Unix socket and
127.0.0.1, a fresh database per test (copied from an empty template), everything removed afterwards.

$QUALCODE_TEST_PG_URL points the tests at a server of your own instead (its user must be allowed to CREATE
DATABASE); $QUALCODE_PG_BIN names the folder holding initdb and pg_ctl. Without either, the newest
/usr/lib/postgresql/*/bin or `pg_config --bindir` is used; with none found, the PostgreSQL tests skip, saying so.
initdb refuses to run as root: as root the server runs as the unprivileged user `postgres` (Debian's package
creates it)."""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

TEMPLATE = "qualcode_template"


def find_bin() -> Path | None:
    given = os.environ.get("QUALCODE_PG_BIN")
    candidates = [Path(given)] if given else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )[::-1]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError):
            candidates.append(
                Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
            )
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalServer:
    """One server for one test process (each xdist worker starts its own)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="qualcode-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError(
                    "running as root and no 'postgres' user to run the test server as"
                ) from exc
            self.user = "postgres"
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed: {result.stderr.strip() or result.stdout.strip()}"
            )

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "--auth=trust", "--username=postgres",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.root / "log"),
            "start",
        )
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self):  # noqa: ANN201 - a psycopg connection
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def new_database(self) -> str:
        name = f"study_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    can_restart = True

    def restart(self) -> None:
        """`pg_ctl restart -m fast`, as an administrator would: every session is cut, open transactions are
        rolled back, and the server is back before this returns (its options kept in postmaster.opts). The log
        must go to a file: a restarted server keeps whatever stdout it is given open."""
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-l", str(self.root / "log"),
            "restart",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class ExternalServer(LocalServer):
    """A server someone else runs ($QUALCODE_TEST_PG_URL): databases are created and dropped on it."""

    def __init__(self, url: str) -> None:
        self.base = url
        self._names = itertools.count(1)

    can_restart = False  # not ours to restart

    def start(self) -> None:
        pass

    def url(self, database: str) -> str:
        return self.base.rsplit("/", 1)[0] + "/" + database

    def new_database(self) -> str:
        name = f"qualcode_test_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(
                f"CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            )
        return self.url(name)

    def admin(self):  # noqa: ANN201
        import psycopg

        return psycopg.connect(self.base, autocommit=True)

    def stop(self) -> None:
        pass


def server_or_reason() -> tuple[LocalServer | None, str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install 'qualcode[server]')"
    url = os.environ.get("QUALCODE_TEST_PG_URL")
    if url:
        server: LocalServer = ExternalServer(url)
    else:
        bindir = find_bin()
        if bindir is None:
            return None, "no PostgreSQL binaries found (install Debian's postgresql or set QUALCODE_PG_BIN)"
        server = LocalServer(bindir)
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start becomes the skip reason
        return None, f"the test PostgreSQL server did not start: {exc}"
    return server, ""
