"""push and pull: a project file to a server study and back, the change log verifiable, merge bringing work back."""

from __future__ import annotations

import json

import pytest

from qualcode.store.project import Project
from tests.conftest import run_cli
from tests.report_study import build_study
from tests.unit.test_counts import assert_counts_right


@pytest.fixture
def server(pg_server):
    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    made = []

    def new() -> str:
        made.append(server.new_database())
        return made[-1]

    yield new
    for url in made:
        server.drop_database(url)


def _codings(location) -> list[dict]:
    with Project.open(location) as p:
        return p.query(
            'SELECT k.id, d.name AS document, k.start, k."end", c.key AS code, k.coder, k.created, k.memo'
            " FROM codings k JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
            " ORDER BY k.id"
        )


def _content(runner, location) -> tuple:
    segments = json.loads(run_cli(runner, "segments", location, "--json").stdout)
    with Project.open(location) as p:
        log = p.query(
            "SELECT at, who, action, entity, entity_id, detail, prev_hash, hash FROM change_log ORDER BY id"
        )
    return segments, _codings(location), log


def test_push_then_pull_keeps_everything_and_the_chain(runner, tmp_path, server):
    source = tmp_path / "small.qcdb"
    build_study(source)
    url = server()
    before = _content(runner, source)
    run_cli(runner, "push", source, url)
    segments, codings, log = _content(runner, url)
    assert (segments, codings) == before[:2]
    assert log[: len(before[2])] == before[2] and [e["action"] for e in log[len(before[2]) :]] == ["push"]
    assert json.loads(run_cli(runner, "audit", "verify", url, "--json").stdout)["ok"]

    copy = tmp_path / "copy.qcdb"
    run_cli(runner, "pull", url, "-o", copy)
    segments, codings, copy_log = _content(runner, copy)
    assert (segments, codings) == before[:2]
    assert copy_log[: len(log)] == log and copy_log[-1]["action"] == "pull"
    assert json.loads(run_cli(runner, "audit", "verify", copy, "--json").stdout)["ok"]
    with Project.open(copy) as p:  # the kept counts are right although codings came before their segments
        assert_counts_right(p)
        assert p.scalar("SELECT count(*) FROM code_counts") > 0


def test_work_done_in_a_pulled_copy_merges_back(runner, tmp_path, server):
    source = tmp_path / "small.qcdb"
    build_study(source)
    url = server()
    run_cli(runner, "push", source, url)
    copy = tmp_path / "copy.qcdb"
    run_cli(runner, "pull", url, "-o", copy)
    segment = json.loads(run_cli(runner, "segments", copy, "--json").stdout)[0]["id"]
    n = len(_codings(url))
    with Project.open(copy) as p:
        key = p.scalar("SELECT key FROM codes ORDER BY id LIMIT 1")
    run_cli(runner, "code", copy, str(segment), key, "--coder", "fieldworker")
    run_cli(runner, "merge", url, copy)
    after = _codings(url)
    assert len(after) == n + 1 and any(c["coder"] == "fieldworker" for c in after)
    run_cli(runner, "merge", url, copy)  # twice adds nothing
    assert len(_codings(url)) == n + 1


def test_push_refuses_a_database_holding_a_study_and_changes_nothing(runner, tmp_path, server):
    source = tmp_path / "small.qcdb"
    build_study(source)
    url = server()
    run_cli(runner, "init", url)
    result = run_cli(runner, "push", source, url, code=2)
    assert "already holds a qualcode study" in result.stderr
    assert json.loads(run_cli(runner, "documents", url, "--json").stdout) == []


def test_pull_refuses_an_existing_file(runner, tmp_path, server):
    url = server()
    run_cli(runner, "init", url)
    (tmp_path / "there.qcdb").write_text("mine")
    assert "already exists" in run_cli(runner, "pull", url, "-o", tmp_path / "there.qcdb", code=2).stderr
    assert (tmp_path / "there.qcdb").read_text() == "mine"
