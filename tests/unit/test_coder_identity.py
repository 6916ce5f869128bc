"""One coder identity for the CLI and the workbench: --coder, then $QUALCODE_CODER, then the name saved in the
user config, then the login name."""

from __future__ import annotations

import getpass

import pytest

from qualcode.config import coder_and_source, resolve_coder, save_setting
from qualcode.store.project import Project
from tests.conftest import run_cli, write


@pytest.fixture
def saved(tmp_path, monkeypatch):
    """A user config of this test's own, holding the coder name 'nina' (as the workbench saves it)."""
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "config" / "settings.json"))
    monkeypatch.setattr(getpass, "getuser", lambda: "root")
    save_setting("coder", "nina")


def test_the_flag_comes_first(saved, monkeypatch):
    monkeypatch.setenv("QUALCODE_CODER", "eve")
    assert coder_and_source("  tom ") == ("tom", "flag")


def test_then_the_environment(saved, monkeypatch):
    monkeypatch.setenv("QUALCODE_CODER", "eve")
    assert coder_and_source(None) == ("eve", "env")
    assert coder_and_source("") == ("eve", "env")  # an empty flag is no flag


def test_then_the_saved_name(saved, monkeypatch):
    monkeypatch.setenv("QUALCODE_CODER", "   ")  # blank counts as unset
    assert coder_and_source(None) == ("nina", "config")
    assert coder_and_source(None, use_config=False) == ("root", "login")


def test_then_the_login_name(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "none.json"))
    monkeypatch.setattr(getpass, "getuser", lambda: "priya")
    assert coder_and_source(None) == ("priya", "login")

    def no_user():
        raise KeyError("uid not in passwd")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert resolve_coder() == "coder"


def test_a_damaged_config_file_falls_through_to_the_login_name(tmp_path, monkeypatch):
    cfg = write(tmp_path / "settings.json", "{not json")
    monkeypatch.setenv("QUALCODE_CONFIG", str(cfg))
    monkeypatch.setattr(getpass, "getuser", lambda: "root")
    assert coder_and_source(None) == ("root", "login")


def test_cli_records_the_name_the_workbench_saved(saved, runner, project, tmp_path):
    """The bug: the workbench remembered 'nina' while the CLI recorded the login name for the same person."""
    path = project.path
    project.close()
    run_cli(
        runner, "import", path, write(tmp_path / "i.txt", "Interviewer: Hi?\n\nP1: I refer sooner now.\n")
    )
    with Project.open(path) as p:
        seg = p.scalar("SELECT max(id) FROM segments")
        key = p.scalar("SELECT key FROM codes ORDER BY id LIMIT 1")
        assert p.coder == "nina"  # the library's default follows the same rule
    run_cli(runner, "code", path, seg, key)
    run_cli(runner, "code", path, seg, key, "--coder", "tom")
    with Project.open(path) as p:
        coders = [r[0] for r in p.conn.execute("SELECT coder FROM codings ORDER BY id")]
        importer = p.scalar("SELECT imported_by FROM documents")
    assert coders == ["nina", "tom"] and importer == "nina"


def test_review_decisions_use_the_same_rule(saved, runner, project, tmp_path, monkeypatch):
    path = project.path
    project.close()
    run_cli(
        runner, "import", path, write(tmp_path / "i.txt", "Interviewer: Hi?\n\nP1: I refer sooner now.\n")
    )
    with Project.open(path, coder="tom") as p:
        seg = p.scalar("SELECT max(id) FROM segments")
        key = p.scalar("SELECT key FROM codes ORDER BY id LIMIT 1")
    run_cli(runner, "code", path, seg, key, "--coder", "tom")
    monkeypatch.setenv("QUALCODE_CODER", "lead")
    run_cli(runner, "review", "set", path, 1, "accepted")
    with Project.open(path) as p:
        assert p.scalar("SELECT reviewer FROM reviews") == "lead"


async def test_the_workbench_resolves_the_coder_by_the_same_rule(demo_location, tmp_path, saved, monkeypatch):
    from qualcode.tui.app import QualcodeApp

    path = demo_location
    app = QualcodeApp(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.coder == "nina" and type(app.screen).__name__ == "Workbench"  # saved: not asked again
    monkeypatch.setenv("QUALCODE_CODER", "eve")
    app = QualcodeApp(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.coder == "eve" and type(app.screen).__name__ == "Workbench"
    app = QualcodeApp(path, coder="tom")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.coder == "tom"
