"""Every command that can take over a second shows progress on stderr when it is a terminal, and only there:
stdout is byte-identical with and without it, and piped stderr gets nothing extra."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from qualcode.cli import cli, progress
from qualcode.cli.common import err

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "tests" / "data" / "demo-register.csv"
TRANSCRIPT = ROOT / "tests" / "data" / "transcripts" / "interview.html"

# (arguments after the command name, with P for the project copy; what the progress line says). Output files
# are named relatively, and both runs happen in the same folder (made afresh), so they print the same paths.
COMMANDS = [
    (["codings", "export", "P"], "Exporting codings"),
    (["codings", "export", "P", "--format", "json", "--coder", "tom"], "Exporting codings"),
    (["codings", "export", "P", "-o", "out.csv"], "Exporting codings"),
    (["codings", "import", "P", "codings.csv"], "Importing codings"),
    (["review", "P"], "Reading coded quotes"),
    (["review", "list", "P", "--json", "--limit", "5"], "Reading coded quotes"),
    (["search", "P", "housing"], "Searching"),
    (["segments", "P", "--limit", "5"], "Reading segments"),
    (["check", "P"], "Checking the project"),
    (["audit", "verify", "P"], "Checking the change log"),
    (["audit", "P", "--csv"], "Reading the change log"),
    (["agreement", "P", "--coders", "amira", "tom"], "Comparing the coders"),
    (["report", "P", "themes", "--format", "json"], "Computing the themes report"),
    (["report", "P", "all", "--format", "xlsx", "-o", "all.xlsx"], "Computing the all report"),
    (["report", "P", "survey"], "Computing the survey report"),
    (["memos", "P"], "Reading memos"),
    (["codebook", "export", "P"], "Exporting the codebook"),
    (["backup", "P", "-o", "backup.qcdb"], "Backing up the project"),
    (["export", "P", "-o", "study.qdpx"], "Exporting the project"),
    (
        ["export", "P", "--format", "html", "--document", "int01-commissioner", "-o", "i.html"],
        "Writing the coded",
    ),
    (["export-for", "P", "--coder", "tom", "-o", "tom.qcdb"], "Writing the copy"),
    (["merge", "P", "other.qcdb", "--json"], "Merging"),
    (["import", "P", "interview.html", "--json"], "Importing"),
    (["pseudonymise", "P", "--register", "register.csv", "--review", "--json"], "Pseudonymising"),
    (
        ["share", "P", "-o", "shared.qcdb", "--register", "register.csv", "--key-out", "k.csv"],
        "Writing the share",
    ),
    (["suggest", "P", "--document", "int01-commissioner", "--json"], "Suggesting codes for segments"),
    (["suggest", "next", "P", "--top", "3", "--json"], "Scoring the uncoded segments"),
    (["similar", "P", "2", "--no-embeddings", "--json"], "Finding similar segments"),
    (["autocode", "P", "--code", "practice.awareness", "--top", "2", "--json"], "Scoring segments"),
    (["coders", "P"], "Counting each coder's work"),
    (["codebook", "list", "P"], "Counting codings per code"),
    (["cases", "P"], "Reading cases"),
    (["restore", "backup.qcdb", "P"], "Restoring the backup"),
    (["demo", "--build-only", "-o", "built.qcdb"], "Building the demo study"),
]


def _folder(base: Path, demo: Path) -> Path:
    """A folder holding a copy of the demo study and every input file a command reads, by relative names."""
    base.mkdir()
    shutil.copy(demo, base / "P")
    shutil.copy(demo, base / "other.qcdb")
    shutil.copy(demo, base / "backup.qcdb")
    shutil.copy(TRANSCRIPT, base / "interview.html")
    shutil.copy(REGISTER, base / "register.csv")
    (base / "codings.csv").write_text(
        "document,quote,code\nint01-commissioner,commissioning manager,practice.awareness\n", encoding="utf-8"
    )
    return base


def _run(monkeypatch, folder: Path, args: list[str], terminal: bool):
    monkeypatch.chdir(folder)
    # the console `err` as if stderr were a terminal (rich decides `is_interactive` once, when it is made)
    monkeypatch.setattr(err, "_force_terminal", True if terminal else None)
    monkeypatch.setattr(err, "is_interactive", terminal)
    result = CliRunner().invoke(cli, args)
    monkeypatch.setattr(err, "_force_terminal", None)
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result


@pytest.mark.parametrize(("args", "what"), COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_progress_shows_on_a_terminal_stderr_and_stdout_stays_the_same(
    monkeypatch, tmp_path, demo_master, args, what
):
    monkeypatch.setattr(progress, "AFTER", 0.0)  # the work "takes longer than the delay" at once
    monkeypatch.setenv("QUALCODE_CODER", "tester")
    shown = _run(monkeypatch, _folder(tmp_path / "run", demo_master), args, terminal=True)
    monkeypatch.chdir(tmp_path)
    shutil.rmtree(
        tmp_path / "run"
    )  # the same folder again: a command that prints its output's path prints the same
    piped = _run(monkeypatch, _folder(tmp_path / "run", demo_master), args, terminal=False)
    assert what in shown.stderr
    assert what not in piped.stderr and "\x1b[" not in piped.stderr  # piped: nothing extra, not a code
    assert shown.stdout_bytes == piped.stdout_bytes
    assert what not in shown.stdout


def test_quick_work_shows_nothing_even_on_a_terminal(monkeypatch, tmp_path, demo_master):
    monkeypatch.setattr(progress, "AFTER", 3600.0)
    folder = _folder(tmp_path / "f", demo_master)
    result = _run(monkeypatch, folder, ["codings", "export", "P", "-o", "out.csv"], terminal=True)
    assert (
        result.stderr.startswith("Wrote ")
        and "Exporting" not in result.stderr
        and "\x1b" not in result.stderr
    )


def test_a_streaming_command_shows_nothing_when_stdout_is_the_terminal(monkeypatch):
    """`codings export P` on a terminal: the rows scrolling by are the progress; a bar would be drawn over them."""
    monkeypatch.setattr(progress, "_stdout_is_terminal", lambda: True)
    shown = io.StringIO()
    console = Console(file=shown, force_terminal=True, width=80)
    with progress.working(console, "Exporting codings", after=0, streaming=True) as report:
        report("Exporting codings", 5, 10)
    with progress.working(console, "Reading coded quotes", after=0) as report:  # a table printed afterwards
        report("Reading coded quotes", 5, 10)
    assert "Exporting codings" not in shown.getvalue() and "Reading coded quotes" in shown.getvalue()


def test_the_display_counts_and_shows_the_total_only_when_known():
    def render(total: int | None) -> str:
        shown = io.StringIO()
        with progress.working(
            Console(file=shown, force_terminal=True, width=100), "Exporting", after=0
        ) as report:
            for _ in progress.counted(range(1234), report, "Exporting codings", total, every=1000):
                pass
        return shown.getvalue()

    assert "1,234/1,234" in render(1234)
    assert "1,234" in render(None) and "/" not in render(None).split("Exporting codings")[-1].split("\n")[0]


def test_counted_reports_every_n_items_and_counts_a_run_of_one_key_once():
    calls: list[tuple[str, int, int | None]] = []
    rows = [{"id": 1}, {"id": 1}, {"id": 2}, {"id": 3}, {"id": 3}, {"id": 4}, {"id": 5}]
    got = list(
        progress.counted(rows, lambda *a: calls.append(a), "Exporting", 5, every=2, key=lambda r: r["id"])
    )
    assert got == rows  # every item passes through, in order
    assert calls == [("Exporting", 0, 5), ("Exporting", 2, 5), ("Exporting", 4, 5), ("Exporting", 5, 5)]
    assert list(progress.counted(iter([1, 2]), None, "x")) == [1, 2]


def test_the_display_appears_after_the_delay_and_goes_when_the_work_ends():
    shown = io.StringIO()
    console = Console(file=shown, force_terminal=True, width=80)
    with progress.working(console, "Backing up the project", after=0.2):
        time.sleep(0.05)
        assert shown.getvalue() == ""  # not yet
        time.sleep(0.6)
        assert "Backing up the project" in shown.getvalue()
    assert console._live_stack == []  # stopped: nothing is left drawing  # type: ignore[attr-defined]


def test_the_seconds_shown_count_from_the_start_of_the_work_not_from_when_the_line_appeared():
    shown = io.StringIO()
    with progress.working(
        Console(file=shown, force_terminal=True, width=80), "Checking the project", after=1.05
    ):
        time.sleep(1.3)
    assert "Checking the project" in shown.getvalue()
    assert "0:00:00" not in shown.getvalue()  # it appears after a second of work: it says so


@pytest.mark.parametrize(
    ("args", "stage"), [(["review", "P"], "Writing the table"), (["segments", "P"], "Writing")]
)
def test_a_long_listing_written_to_a_file_keeps_its_progress_line_while_it_is_written(
    monkeypatch, tmp_path, demo_master, args, stage
):
    monkeypatch.setattr(progress, "AFTER", 0.0)
    shown = _run(monkeypatch, _folder(tmp_path / "run", demo_master), args, terminal=True)
    assert (
        stage in shown.stderr
    )  # stdout is not the terminal here (a file): the line stays while it is written
    monkeypatch.setattr(progress, "_stdout_is_terminal", lambda: True)
    on_terminal = _run(monkeypatch, tmp_path / "run", args, terminal=True)
    assert stage not in on_terminal.stderr  # on the terminal the line goes first, then the table is printed
    assert on_terminal.stdout_bytes == shown.stdout_bytes


def test_a_stage_without_a_total_after_one_with_a_total_shows_no_bar_and_no_stale_count():
    shown = io.StringIO()
    with progress.working(Console(file=shown, force_terminal=True, width=100), "Reading", after=0) as report:
        report("Reading coded quotes", 10, 10)
        report("Writing the table", 0, None)
    last = shown.getvalue().split("Writing the table")[-1].split("\r")[0]
    assert "10/10" in shown.getvalue() and "/" not in last and "━" not in last
