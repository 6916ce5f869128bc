"""Transcript text is shown as written and never obeyed: no markup, no emoji codes, no terminal control
sequences, no bidi tricks; spreadsheet output never runs a formula; JSON escapes what a terminal would obey."""

from __future__ import annotations

import csv
import io
import json

import pytest

from qualcode.store.project import Project
from tests.conftest import run_cli as run
from tests.conftest import write

HOSTILE = (
    "Interviewer: Tell me more [bold]please[/bold]\n"
    "P1: [laughs] it was [0] good :fire: \x1b[31mRED\x1b[0m \x9b2J and \u202eevil\u202c =cmd|' /C calc'!A0\n"
)


@pytest.fixture
def hostile_study(new_location, tmp_path, runner, codebook_path):
    proj = new_location("h")
    run(runner, "init", proj, "--codebook", codebook_path, "--coder", "amira")
    run(runner, "import", proj, write(tmp_path / "int.txt", HOSTILE))
    return proj


def test_tables_show_markup_and_brackets_literally_and_neutralise_control_characters(runner, hostile_study):
    shown = run(runner, "segments", hostile_study).stdout
    for literal in ("[bold]please[/bold]", "[laughs]", "[0]", ":fire:"):
        assert literal in shown.replace("\n", "")
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
    # C0 controls such as ESC are dropped on import; C1 controls and bidi overrides are kept but shown as U+FFFD
    assert "[31mRED" in shown and "\ufffd2J" in shown and "\ufffdevil" in shown


def test_messages_with_user_text_are_literal_too(runner, hostile_study):
    seg = json.loads(run(runner, "segments", hostile_study, "--json").stdout)[1]["id"]
    result = run(runner, "code", hostile_study, seg, "practice.awareness", "--coder", "[red]x\x1b[2J")
    assert "[red]x\ufffd[2J" in result.stdout and "\x1b" not in result.stdout
    bad = run(runner, "code", hostile_study, seg, "no-such-\x1b[2J-[b]code", code=2)
    assert "\x1b" not in bad.stderr and "[b]" in bad.stderr


def test_json_keeps_the_text_but_escapes_what_a_terminal_would_obey(runner, hostile_study):
    raw = run(runner, "segments", hostile_study, "--json").stdout
    assert "\x1b" not in raw and "\x9b" not in raw and "\u202e" not in raw
    assert "\\u009b" in raw and "\\u202e" in raw
    text = json.loads(raw)[1]["text"]
    assert "\x9b2J" in text and "\u202eevil" in text  # nothing lost


def test_codings_csv_never_runs_a_formula_and_reads_back_the_same(runner, hostile_study, tmp_path):
    seg = json.loads(run(runner, "segments", hostile_study, "--json").stdout)[1]["id"]
    run(
        runner,
        "code",
        hostile_study,
        seg,
        "practice.awareness",
        "--claim",
        '=HYPERLINK("http://x")',
        "--memo",
        "@SUM(A1)",
        "--coder",
        "amira",
    )
    out = tmp_path / "codings.csv"
    result = run(runner, "codings", "export", hostile_study, "-o", out)
    assert str(out) in result.stderr
    (row,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert row["claim"] == '\'=HYPERLINK("http://x")' and row["memo"] == "'@SUM(A1)"
    assert "\x1b" not in row["text"]
    for line in out.read_text(encoding="utf-8-sig").splitlines()[1:]:
        assert not any(cell.startswith(("=", "+", "@")) for cell in next(csv.reader([line])))
    with Project.open(hostile_study) as p, p.transaction():
        p.conn.execute("DELETE FROM codings")
    run(runner, "codings", "import", hostile_study, out)
    with Project.open(hostile_study) as p:
        assert p.query("SELECT claim, memo FROM codings") == [
            {"claim": '=HYPERLINK("http://x")', "memo": "@SUM(A1)"}
        ]


def test_audit_csv_is_formula_safe(runner, hostile_study):
    seg = json.loads(run(runner, "segments", hostile_study, "--json").stdout)[1]["id"]
    run(runner, "code", hostile_study, seg, "practice.awareness", "--coder", "=evil()")
    rows = list(csv.DictReader(io.StringIO(run(runner, "audit", hostile_study, "--csv").stdout)))
    assert rows[-1]["who"] == "'=evil()"
