"""Bad input exits 2 with one line: a file that is not a project, and click's usage errors (which name the
option or argument and where help is, instead of click's four-line usage block)."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.cli import cli
from tests.conftest import run_cli


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["code"], "Missing argument 'PROJECT'"),
        (["code", "p.qcdb", "1", "k", "--bogus"], "No such option '--bogus'"),
        (["export", "p.qcdb", "--format", "zzz"], "'--format'"),
        (["agreement", "p.qcdb"], "Missing option '--coders'"),
        (["code", "p.qcdb", "one", "k"], "'SEGMENT_ID'"),
        (["review", "set", "p.qcdb", "1", "maybe"], "'DECISION'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["--nope"], "No such option '--nope'"),
    ],
)
def test_usage_errors_are_one_line_naming_the_option_and_help(runner, args, names):
    result = runner.invoke(cli, args, prog_name="qualcode")
    assert result.exit_code == 2
    command = " ".join(
        ["qualcode", *[a for a in args[:2] if a in ("code", "export", "agreement", "review", "set")]]
    )
    assert result.stderr.count("\n") == 1, result.stderr
    assert names in result.stderr and f"(see '{command} --help')" in result.stderr
    assert "Usage:" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_arguments_still_shows_the_help(runner):
    result = runner.invoke(cli, [], prog_name="qualcode")
    assert "Commands:" in result.output and "Usage:" in result.output


def not_projects(tmp_path):
    junk = tmp_path / "junk.qcdb"
    junk.write_text("these are notes, not a project")
    other = tmp_path / "other.qcdb"
    with sqlite3.connect(other) as conn:  # an SQLite file made by some other program
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    return [junk, other]


@pytest.mark.parametrize("command", [["documents"], ["check"], ["coders"], ["report", "{p}", "themes"]])
def test_a_file_that_is_not_a_project_exits_2(runner, tmp_path, command):
    for path in not_projects(tmp_path):
        args = [str(path) if a == "{p}" else a for a in command] + ([] if "{p}" in command else [str(path)])
        result = run_cli(runner, *args, code=2)
        assert "not a qualcode project" in result.stderr and result.stderr.count("\n") == 1


def test_merging_from_a_file_that_is_not_a_project_exits_2(runner, tmp_path):
    target = tmp_path / "t.qcdb"
    run_cli(runner, "init", target)
    for path in not_projects(tmp_path):
        assert "not a qualcode project" in run_cli(runner, "merge", target, path, code=2).stderr
