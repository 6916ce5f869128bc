"""Crash safety settings, quick_check at open, backups (automatic and on request), restore and the full check."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from qualcode.app.actions import read_codebook_file
from qualcode.cli import cli
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.errors import InputError, ProjectBusyError, ProjectError
from qualcode.store import project as project_module
from qualcode.store.backup import (
    AUTO_BACKUPS_KEPT,
    backup_before,
    backup_folder,
    check_project,
    list_backups,
    make_backup,
    restore_backup,
)
from qualcode.store.codebook import save_codebook
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents
from qualcode.store.project import Project, journal_settings
from tests.conftest import CODEBOOK, old_schema


@pytest.fixture
def project(tmp_path):
    """A project file only: these are tests of the file's backups, restore and check (SQLite's backup API,
    integrity_check, file modes). A server study is backed up by its server (pg_dump); the commands say so
    in one line: tests/cli/test_trust_cli.py::test_backup_and_restore_of_a_server_study_say_how_in_one_line.
    Its `check` (hash chain, guard triggers) is tested in tests/unit/test_audit.py on both backends."""
    p = Project.create(tmp_path / "study.qcdb", coder="tester")
    save_codebook(p, read_codebook_file(CODEBOOK))
    yield p
    p.close()


MODES = {"wal": ("wal", "NORMAL"), "delete": ("delete", "FULL")}


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def doc(name: str = "d1", words: int = 50) -> ParsedDocument:
    text = "P1: " + " ".join(f"word{i}" for i in range(words))
    return ParsedDocument(
        name,
        "interview",
        text,
        [ParsedSegment(4, len(text), speaker="P1", case="C1")],
        f"{name}.txt",
        name,
        {"C1": {}},
    )


@pytest.fixture(params=sorted(MODES))
def journal(request, monkeypatch):
    """Run a test under WAL and under the rollback journal, whatever this machine's SQLite would choose."""
    monkeypatch.setattr(project_module, "journal_settings", lambda: MODES[request.param])
    return request.param


def test_wal_only_where_sqlite_is_free_of_the_wal_reset_bug():
    assert journal_settings((3, 40, 1)) == ("delete", "FULL")
    assert journal_settings((3, 51, 2)) == ("delete", "FULL")
    assert journal_settings((3, 51, 3)) == ("wal", "NORMAL")
    assert journal_settings((3, 53, 0)) == ("wal", "NORMAL")


def test_side_files_are_private_in_either_journal_mode(tmp_path, journal):
    path = tmp_path / "x.qcdb"
    p = Project.create(path, coder="t")
    assert p.scalar("PRAGMA journal_mode") == journal
    assert p.scalar("PRAGMA synchronous") != 0  # never OFF
    with p.transaction():
        add_documents(p, [doc()])
        side = [Path(str(path) + s) for s in ("-wal", "-shm", "-journal")]
        present = [s for s in side if s.exists()]
        assert present, "a write in progress has a journal or WAL beside the project"
        assert {s.name: mode_of(s) for s in present} == {s.name: 0o600 for s in present}
    assert mode_of(path) == 0o600
    p.close()


def test_a_wal_project_from_an_older_qualcode_is_switched_to_this_librarys_mode(tmp_path, monkeypatch):
    path = tmp_path / "x.qcdb"
    monkeypatch.setattr(project_module, "journal_settings", lambda: MODES["wal"])
    Project.create(path).close()
    monkeypatch.setattr(project_module, "journal_settings", lambda: MODES["delete"])
    with Project.open(path) as p:
        assert p.scalar("PRAGMA journal_mode") == "delete"


def _damage(path: Path, page: int) -> None:
    with path.open("r+b") as fh:
        fh.seek((page - 1) * 4096 + 8)
        fh.write(b"\xff" * 200)


def test_open_runs_quick_check_when_not_closed_cleanly_and_says_what_to_do(tmp_path, runner):
    path = tmp_path / "x.qcdb"
    with Project.create(path) as p:
        add_documents(p, [doc(words=20000)])
        root = p.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'documents'")
        # `documents` reads its columns from an index that covers them (schema V_COUNTS): damaged as well
        listing = p.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'documents_listing'")
    _damage(path, root)
    _damage(path, listing)
    # Closed cleanly: opening reads nothing that grows with the file; the damage shows at the first read of it,
    # as one line that says what to do.
    Project.open(path).close()
    result = runner.invoke(cli, ["documents", str(path)])
    assert result.exit_code == 1 and "damaged" in result.output and "qualcode check" in result.output
    # A journal beside it (a write cut short): the whole file is checked on open.
    path.with_name(path.name + "-journal").write_bytes(b"\0" * 512)
    with pytest.raises(ProjectError) as caught:
        Project.open(path)
    message = str(caught.value)
    assert "damaged" in message and "qualcode check" in message and "qualcode restore" in message
    assert "\n" not in message
    with Project.open(path, check=False) as p:  # `qualcode check` can still look inside
        result = check_project(p)
    assert not result["ok"] and result["problems"][0].startswith("integrity:")


def test_a_held_write_lock_gives_project_busy(tmp_path, monkeypatch):
    path = tmp_path / "x.qcdb"
    Project.create(path).close()
    monkeypatch.setattr(project_module, "BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ProjectBusyError, match="project busy"), Project.open(path) as p, p.transaction():
            pass
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_manual_backup_is_a_checked_private_copy(project, tmp_path):
    add_documents(project, [doc()])
    result = make_backup(project)
    path = Path(result["file"])
    assert path.parent == backup_folder(project.path)
    assert mode_of(path) == 0o600 and mode_of(path.parent) == 0o700
    assert path.name.startswith("manual-") and not list(path.parent.glob(".*tmp*"))
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT name FROM documents").fetchall() == [("d1",)]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    out = make_backup(project, tmp_path / "mine.qcdb")
    assert (
        Path(out["file"]) == (tmp_path / "mine.qcdb").resolve() and mode_of(tmp_path / "mine.qcdb") == 0o600
    )
    with pytest.raises(InputError, match="the project itself"):
        make_backup(project, project.path)


def test_backup_folder_is_under_QUALCODE_BACKUP_DIR_and_per_project_path(tmp_path, private_backup_dir):
    a, b = tmp_path / "a" / "study.qcdb", tmp_path / "b" / "study.qcdb"
    assert backup_folder(a).parent == private_backup_dir
    assert backup_folder(a) != backup_folder(b) and backup_folder(a).name.startswith("study-")


def test_automatic_backups_rotate_and_skip_empty_projects(project):
    assert backup_before(project, "before-import") is None  # nothing to lose yet
    add_documents(project, [doc()])
    make_backup(project)  # a manual one is never rotated away
    for _ in range(AUTO_BACKUPS_KEPT + 2):
        backup_before(project, "before-merge")
    rows = list_backups(project.path)
    assert [r["kind"] for r in rows].count("auto") == AUTO_BACKUPS_KEPT
    assert [r["kind"] for r in rows].count("manual") == 1
    assert rows[0]["reason"] == "before-merge" and rows[0]["taken"] >= rows[-1]["taken"]


def test_restore_brings_content_back_and_logs_it(project, tmp_path):
    add_documents(project, [doc("keep")])
    saved = make_backup(project, tmp_path / "b.qcdb")
    add_documents(project, [doc("later")])
    result = restore_backup(tmp_path / "b.qcdb", project.path, coder="tester")
    assert result["documents"] == 1 and result["backup_log_head"] == saved["log_head"]
    # the connection that was open all along sees the restored content too
    assert [r[0] for r in project.conn.execute("SELECT name FROM documents")] == ["keep"]
    assert project.scalar("SELECT action FROM change_log ORDER BY id DESC LIMIT 1") == "restore"
    assert check_project(project)["ok"]
    before = sqlite3.connect(result["previous_saved_as"])
    assert sorted(r[0] for r in before.execute("SELECT name FROM documents")) == ["keep", "later"]
    before.close()


def test_restore_over_a_damaged_project_and_to_a_new_path(tmp_path):
    path = tmp_path / "x.qcdb"
    with Project.create(path) as p:
        add_documents(p, [doc(words=20000)])
        make_backup(p, tmp_path / "good.qcdb")
        root = p.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'documents'")
    _damage(path, root)
    result = restore_backup(tmp_path / "good.qcdb", path)
    assert result["documents"] == 1 and Path(result["previous_saved_as"]).name.endswith("-damaged.qcdb")
    with Project.open(path) as p:
        assert check_project(p)["ok"]
    restore_backup(tmp_path / "good.qcdb", tmp_path / "new.qcdb")
    assert mode_of(tmp_path / "new.qcdb") == 0o600


def test_restore_refuses_what_is_not_a_good_backup(tmp_path, project):
    (tmp_path / "junk.qcdb").write_bytes(b"hello")
    with pytest.raises(InputError, match="not a usable backup|not a qualcode"):
        restore_backup(tmp_path / "junk.qcdb", project.path)
    with pytest.raises(InputError, match="no such backup"):
        restore_backup(tmp_path / "missing.qcdb", project.path)


def test_check_finds_foreign_key_and_log_problems(project):
    add_documents(project, [doc()])
    seg = project.scalar("SELECT id FROM segments")
    add_coding(project, "practice.awareness", segment_id=seg)
    assert check_project(project)["ok"]
    conn = sqlite3.connect(project.path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE codings SET code_id = 99999")
    conn.execute("DROP TRIGGER change_log_no_update")
    conn.execute("UPDATE change_log SET who = 'mallory' WHERE id = 2")
    conn.commit()
    conn.close()
    result = check_project(project)
    assert not result["ok"]
    assert any(p.startswith("foreign key: codings") for p in result["problems"])
    assert any(p.startswith("change log: entry 2") for p in result["problems"])


def test_check_warns_about_a_readable_project_file(project):
    os.chmod(project.path, 0o644)
    assert any("can be read by other users" in w for w in check_project(project)["warnings"])


def test_migration_makes_a_backup_first(tmp_path):
    """A genuine schema-2 file (made by applying only the first two migrations) is upgraded after a backup."""
    path = tmp_path / "old.qcdb"
    with old_schema(2), Project.create(path) as p:
        add_documents(p, [doc()])
    with Project.open(path) as p:
        assert p.scalar("PRAGMA user_version") == project_module.SCHEMA_VERSION
    (row,) = list_backups(path)
    assert row["reason"].startswith("before-upgrade")
    old = sqlite3.connect(row["file"])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 2
    old.close()
