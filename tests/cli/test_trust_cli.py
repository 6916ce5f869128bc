"""backup, restore and check from the command line, automatic backups before bulk changes, and the clear
"project busy" message."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from qualcode.store import project as project_module
from tests.conftest import run_cli as run
from tests.conftest import write

INTERVIEW = "Interviewer: What changed?\nP1: We refer people sooner.\nInterviewer: Why?\nP1: The session.\n"


def backups(runner, project) -> list[dict]:
    return json.loads(run(runner, "backup", project, "--list", "--json").stdout)["backups"]


def test_backup_list_restore_and_check(runner, tmp_path, codebook_path):
    proj = tmp_path / "s.qcdb"
    run(runner, "init", proj, "--codebook", codebook_path)
    run(runner, "import", proj, write(tmp_path / "a.txt", INTERVIEW))
    made = run(runner, "backup", proj)
    assert "integrity checked" in made.stdout
    mine = tmp_path / "copy.qcdb"
    assert str(mine.resolve()) in run(runner, "backup", proj, "-o", mine).stdout
    (listed,) = backups(runner, proj)
    assert listed["kind"] == "manual" and listed["file"] in made.stdout.replace("\n", "")
    run(runner, "import", proj, write(tmp_path / "b.txt", INTERVIEW + "P1: More.\n"))
    restored = run(runner, "restore", mine, proj)
    assert "1 document(s)" in restored.stdout and "saved as" in restored.stderr
    docs = json.loads(run(runner, "documents", proj, "--json").stdout)
    assert [d["name"] for d in docs] == ["a"]
    ok = run(runner, "check", proj)
    assert ok.stdout.startswith("OK:")
    assert json.loads(run(runner, "check", proj, "--json").stdout)["ok"] is True
    conn = sqlite3.connect(proj)
    conn.execute("DROP TRIGGER change_log_no_delete")
    conn.commit()
    conn.close()
    bad = run(runner, "check", proj, code=1)
    assert "PROBLEM: change log" in bad.stderr
    run(runner, "restore", tmp_path / "missing.qcdb", proj, code=2)
    run(runner, "backup", proj, "--list", "-o", mine, code=2)


def test_bulk_imports_codings_imports_and_merges_back_up_first(runner, tmp_path, codebook_path):
    proj = tmp_path / "s.qcdb"
    run(runner, "init", proj, "--codebook", codebook_path)
    run(runner, "import", proj, write(tmp_path / "one.txt", INTERVIEW))
    assert backups(runner, proj) == []  # one small document is not a bulk import
    files = [write(tmp_path / f"f{i}.txt", INTERVIEW + f"P1: number {i}\n") for i in range(5)]
    run(runner, "import", proj, *files)
    assert [b["reason"] for b in backups(runner, proj)] == ["before-import"]
    seg = json.loads(run(runner, "segments", proj, "--json").stdout)[1]["id"]
    run(
        runner,
        "codings",
        "import",
        proj,
        write(tmp_path / "c.csv", f"segment_id,code\n{seg},practice.awareness\n"),
    )
    copy = tmp_path / "copy.qcdb"
    run(runner, "export-for", proj, "--coder", "tom", "-o", copy)
    run(runner, "merge", proj, copy, "--dry-run")
    assert len(backups(runner, proj)) == 2  # a dry run changes nothing, so needs no backup
    run(runner, "merge", proj, copy)
    reasons = [b["reason"] for b in backups(runner, proj)]
    assert sorted(reasons) == ["before-codings-import", "before-import", "before-merge"]
    # the backup before the codings import does not have the coding; the project does
    before = next(b for b in backups(runner, proj) if b["reason"] == "before-codings-import")
    conn = sqlite3.connect(before["file"])
    assert conn.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    conn.close()


def test_a_refi_import_backs_up_first(runner, tmp_path, codebook_path):
    proj = tmp_path / "s.qcdb"
    run(runner, "init", proj, "--codebook", codebook_path)
    run(runner, "import", proj, write(tmp_path / "one.txt", INTERVIEW))
    other = tmp_path / "o.qcdb"
    run(runner, "import", other, write(tmp_path / "two.txt", INTERVIEW + "P1: other\n"), "--create")
    run(runner, "export", other, "-o", tmp_path / "o.qdpx")
    run(runner, "import", proj, tmp_path / "o.qdpx")
    assert [b["reason"] for b in backups(runner, proj)] == ["before-refi-import"]


def test_a_project_held_by_another_writer_is_reported_busy(runner, tmp_path, monkeypatch):
    proj = tmp_path / "s.qcdb"
    run(runner, "import", proj, write(tmp_path / "one.txt", INTERVIEW), "--create")
    monkeypatch.setattr(project_module, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(proj, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run(runner, "code", proj, 2, "practice.awareness", code=1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "project busy" in result.stderr and result.stderr.count("\n") == 1
    run(
        runner, "code", proj, 2, "practice.awareness", code=2
    )  # free again: now the unknown code is the problem


def test_exports_are_private_and_say_where_they_went(runner, tmp_path, codebook_path):
    proj = tmp_path / "s.qcdb"
    run(runner, "init", proj, "--codebook", codebook_path)
    run(runner, "import", proj, write(tmp_path / "one.txt", INTERVIEW))
    outputs = {
        "c.csv": ["codings", "export", proj, "-o"],
        "cb.yaml": ["codebook", "export", proj, "-o"],
        "p.qdpx": ["export", proj, "-o"],
        "t.csv": ["report", proj, "themes", "-o"],
        "copy.qcdb": ["export-for", proj, "--coder", "tom", "-o"],
    }
    for name, args in outputs.items():
        result = run(runner, *args, tmp_path / name)
        assert name in result.stdout + result.stderr, name
        assert (Path(tmp_path / name).stat().st_mode & 0o777) == 0o600, name


def test_backup_and_restore_of_a_server_study_say_how_in_one_line(runner, pg_server, tmp_path, codebook_path):
    """A server study has no file to copy: backup, backup --list and restore refuse in one line (exit 2) and
    name the server's way (pg_dump) and `pull`; the study is unchanged, and bulk imports make no file backup."""
    import os

    from tests.conftest import project_state

    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    url = server.new_database()
    try:
        run(runner, "init", url, "--codebook", codebook_path)
        files = [write(tmp_path / f"f{i}.txt", INTERVIEW + f"P1: number {i}\n") for i in range(5)]
        backup_dir = Path(os.environ["QUALCODE_BACKUP_DIR"])
        kept = sorted(backup_dir.rglob("*"))
        run(runner, "import", url, *files)  # a bulk import: a project file would be backed up first
        assert sorted(backup_dir.rglob("*")) == kept
        before = project_state(url)
        good = tmp_path / "good.qcdb"
        run(runner, "init", good)
        for args in (["backup", url], ["backup", url, "--list"], ["backup", url, "-o", tmp_path / "b.qcdb"],
                     ["restore", good, url]):  # fmt: skip
            result = run(runner, *args, code=2)
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
            assert "pg_dump" in result.stderr or "server" in result.stderr, result.stderr
        assert not (tmp_path / "b.qcdb").exists()
        assert project_state(url) == before
        assert run(runner, "check", url).stdout.startswith("OK:")
    finally:
        server.drop_database(url)
