"""Shared fixtures: temporary projects, the shipped codebook, an in-process CLI runner."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from qualcode.app.actions import read_codebook_file
from qualcode.store.codebook import save_codebook
from qualcode.store.project import Project

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK = ROOT / "codebooks" / "pdu-evaluation.yaml"
SHARED_REFI = ROOT.parent / "shared" / "refi"

# In CI the property-based tests run the same examples every time, so a failure is reproducible.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def private_backup_dir(tmp_path_factory):
    """Automatic backups go to a temporary folder, never the tester's real user data folder."""
    with pytest.MonkeyPatch.context() as mp:
        folder = tmp_path_factory.mktemp("backups")
        mp.setenv("QUALCODE_BACKUP_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session", autouse=True)
def private_user_config(tmp_path_factory):
    """Tests never read the tester's saved coder name or $QUALCODE_CODER: the coder is the login name unless a
    test says otherwise (qualcode.config.coder_and_source)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUALCODE_CONFIG", str(tmp_path_factory.mktemp("config") / "settings.json"))
        mp.delenv("QUALCODE_CODER", raising=False)
        yield


@pytest.fixture
def codebook_path() -> Path:
    return CODEBOOK


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for this test process (tests/pg_server.py), or the reason there is none."""
    from tests.pg_server import server_or_reason

    server, reason = server_or_reason()
    if server is None and os.environ.get("QUALCODE_REQUIRE_PG"):
        pytest.fail(f"QUALCODE_REQUIRE_PG is set but {reason}", pytrace=False)
    yield server, reason
    if server is not None:
        server.stop()


@pytest.fixture
def roles_study(pg_server):
    """A small server study with a user of each role, their logins dropped afterwards (tests/pg_roles.py)."""
    from tests.pg_roles import drop_study, make_study

    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    made = make_study(server)
    yield made
    drop_study(server, made)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend(request) -> str:
    """Each test using it runs twice: on a project file (SQLite) and on a server study (PostgreSQL)."""
    return request.param


def _test_server(request):
    """This test's PostgreSQL server, or a skip saying why there is none (or why the test is SQLite-only)."""
    only = request.node.get_closest_marker("sqlite_only")
    if only is not None:
        pytest.skip(f"SQLite-only: {only.kwargs.get('reason') or only.args[0]}")
    server, reason = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    return server


@pytest.fixture
def new_location(backend: str, tmp_path: Path, request):
    """Where further projects of this test's backend go: `new_location("copy")` is tmp_path/copy.qcdb, or the
    URL of another fresh, empty database on the test server (dropped after the test); the same name gives the
    same place again."""
    made: dict[str, object] = {}
    server = _test_server(request) if backend == "postgresql" else None

    def make(name: str = "study"):
        if name not in made:
            made[name] = tmp_path / f"{name}.qcdb" if server is None else server.new_database()
        return made[name]

    yield make
    if server is not None:
        for url in made.values():
            server.drop_database(url)


@pytest.fixture
def project_location(new_location):
    """Where a new project goes: a file path, or the URL of a fresh, empty database on the test server."""
    return new_location("study")


@pytest.fixture
def project(project_location):
    """An empty project with the PDU codebook, coder 'tester' (on each backend: see `backend`)."""
    p = Project.create(project_location, coder="tester")
    save_codebook(p, read_codebook_file(CODEBOOK))
    yield p
    p.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    """The demo study, built once per test session; copy it before changing it."""
    from qualcode.app.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.qcdb"
    build_demo(path)
    return path


@pytest.fixture
def demo_location(demo_master, tmp_path, monkeypatch, new_location, backend):
    """The demo study as a project file, or pushed into a fresh server study (the `backend` fixture)."""
    import shutil

    from qualcode.store.transfer import push

    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    location = new_location("study")
    if backend == "sqlite":
        shutil.copy(demo_master, location)
    else:
        push(demo_master, location)
    return location


@contextlib.contextmanager
def db(location):
    """A connection to a project of either backend, read like sqlite3's (`with db(path) as conn:`): the
    project's own connection, so SQL is translated for a server study."""
    with Project.open(location) as p:
        yield p.conn


def db_rows(location, sql: str, params=()) -> list[tuple]:
    """Rows of one query on a project of either backend, as tuples (what sqlite3 would give)."""
    with Project.open(location) as p:
        return [tuple(r) for r in p.conn.execute(sql, params).fetchall()]


def db_value(location, sql: str, params=()):
    rows = db_rows(location, sql, params)
    return rows[0][0] if rows else None


def project_state(location) -> str:
    """A fingerprint of a project's content, to check a refused command changed nothing: the file's bytes, or
    for a server study every table's rows."""
    import hashlib

    if not str(location).startswith(("postgresql://", "postgres://")):
        return hashlib.sha256(Path(location).read_bytes()).hexdigest()
    import psycopg

    sha = hashlib.sha256()
    with psycopg.connect(getattr(location, "url", str(location))) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ]
        for table in tables:
            sha.update(repr(conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()).encode())
    return sha.hexdigest()


def run_cli(runner: CliRunner, *args: object, code: int = 0):
    """Run a qualcode command in-process and check its exit code (showing its output if it differs)."""
    from qualcode.cli import cli

    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    """A zip archive (docx, xlsx, qdpx are zips) built in memory from member name -> content."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@contextlib.contextmanager
def old_schema(version: int):
    """Projects created inside this block have the schema an older qualcode made: only the first `version`
    migrations are applied. Opening them afterwards runs the rest, as a user's upgrade would."""
    from qualcode.store import project as project_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(project_module, "SCHEMA_VERSION", version)
        yield


@pytest.fixture(scope="session", autouse=True)
def lexical_suggester_by_default():
    """The suggester's figures in tests are the lexical blend's, whether or not qualcode[embeddings] is
    installed; tests of the embedding model ask for it explicitly (tests/nlp/test_embeddings.py)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUALCODE_EMBEDDINGS", "0")
        yield
