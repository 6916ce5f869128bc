"""Pseudonymising while others use the project: no concurrent edit is lost (B3), and a reader open during the
final VACUUM never leaves a half-done state (B4): the key is written with the change, freed pages are zeroed."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from qualcode.app.privacy import key_csv
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.core.pseudonyms import RegisterEntry, Replacement
from qualcode.store.documents import add_documents
from qualcode.store.memos import write_memo
from qualcode.store.project import Project
from qualcode.store.pseudonymise import pseudonymise_in_place
from tests.conftest import db, db_value

NAMES = {"Alice": "[P1]", "Bob": "[P2]"}
ENTRIES = [RegisterEntry(n, p, "person", [n]) for n, p in NAMES.items()]


def find(text: str | None) -> list[Replacement]:
    return [
        Replacement(m.start(), m.end(), m.group(), NAMES[m.group()], "exact")
        for m in re.finditer(r"\b(?:Alice|Bob)\b", text or "")
    ]


def _add_names(project: Project) -> Project:
    text = "Alice: I went to the hub.\nBob: So did I."
    segs = [ParsedSegment(7, 25, speaker="Alice"), ParsedSegment(31, 40, speaker="Bob")]
    add_documents(project, [ParsedDocument("int01", "interview", text, segs, "int01.txt", "h1")])
    write_memo(project, "project", None, "Alice was nervous at first")
    return project


@pytest.fixture
def named(project: Project) -> Project:
    """On each backend."""
    return _add_names(project)


@pytest.fixture
def named_file(tmp_path: Path):
    """A project file only: for SQLite's own locks, secure_delete and VACUUM of the file (a server study has
    no file to vacuum, and its readers never block a commit)."""
    with Project.create(tmp_path / "named.qcdb", coder="tester") as p:
        yield _add_names(p)


def memo_text(location) -> str:
    return db_value(location, "SELECT text FROM memos")


def test_a_memo_edited_while_names_are_found_keeps_the_edit(named: Project):
    """B3: a coder saves a memo after the names were found but before the project is changed."""
    edited = []

    def find_while_a_coder_edits(text: str | None) -> list[Replacement]:
        if text == "Alice was nervous at first" and not edited:  # the memo has just been read
            edited.append(True)
            with db(getattr(named.path, "url", named.path)) as other:  # another coder's connection
                other.execute("UPDATE memos SET text = 'Alice was nervous at first; Bob calmed her down'")
        return find(text)

    pseudonymise_in_place(named, find_while_a_coder_edits)
    assert memo_text(named.path) == "[P1] was nervous at first; [P2] calmed her down"


class ReaderAtVacuum:
    """The project's connection, except that a coder's window starts reading just before VACUUM."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn, self._path = conn, path
        self.reader: sqlite3.Connection | None = None

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.strip().upper() == "VACUUM" and self.reader is None:
            self.reader = sqlite3.connect(self._path, isolation_level=None)
            self.reader.execute("BEGIN")
            self.reader.execute("SELECT count(*) FROM memos").fetchone()
            self._conn.execute("PRAGMA busy_timeout = 100")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_reader_open_during_vacuum_leaves_a_finished_change_with_its_key(
    named_file: Project, tmp_path: Path
):
    """B4: VACUUM cannot run while a coder reads; the change is kept, the key written, old text zeroed."""
    key = tmp_path / "key.csv"
    named_file.conn.execute("PRAGMA secure_delete = OFF")  # the default of most SQLite builds (not Debian's)
    spy = ReaderAtVacuum(named_file.conn, named_file.path)
    named_file.conn = spy  # type: ignore[assignment]
    try:
        result = pseudonymise_in_place(
            named_file, find, key_writer=lambda r: key.write_bytes(key_csv(ENTRIES, r["by_pseudonym"]))
        )
    finally:
        named_file.conn = spy._conn
        if spy.reader is not None:
            spy.reader.close()
    assert spy.reader is not None, "the reader was never opened: VACUUM did not run"
    assert result["vacuumed"] is False and "another program" in result["vacuum_note"]
    assert memo_text(named_file.path) == "[P1] was nervous at first"
    assert key.read_text(encoding="utf-8").splitlines()[1:] == ["Alice,[P1],person,,3", "Bob,[P2],person,,2"]
    named_file.close()
    data = b"".join(
        Path(f"{named_file.path}{s}").read_bytes()
        for s in ("", "-wal")
        if Path(f"{named_file.path}{s}").exists()
    )
    for real in (b"Alice", b"Bob"):
        assert real not in data, f"{real!r} is still in the project file's free space"


def test_a_failed_key_write_changes_nothing(named: Project, tmp_path: Path):
    """The key is written before the change is committed: if it cannot be written, the project is untouched."""

    def broken_key(result: dict[str, Any]) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        pseudonymise_in_place(named, find, key_writer=broken_key)
    assert memo_text(named.path) == "Alice was nervous at first"


def test_a_busy_project_keeps_its_names_and_gets_no_key(named_file: Project, tmp_path: Path):
    """A coder's window reading the project when the change is saved: nothing is saved, and no key is left
    behind that would describe a pseudonymisation that never happened."""
    from qualcode.app.privacy import pseudonymise
    from qualcode.errors import ProjectBusyError

    register = tmp_path / "register.csv"
    register.write_text(
        "name,pseudonym,kind,variants\nAlice,[P1],person,\nBob,[P2],person,\n", encoding="utf-8"
    )
    key = tmp_path / "key.csv"
    named_file.conn.execute("PRAGMA busy_timeout = 100")
    reader = sqlite3.connect(named_file.path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM memos").fetchone()
        if named_file.scalar("PRAGMA journal_mode") == "wal":
            pytest.skip("in WAL mode a reader does not stop a commit")
        with pytest.raises(ProjectBusyError, match="nothing was saved"):
            pseudonymise(named_file, register, key_out=key)
    finally:
        reader.close()
    assert memo_text(named_file.path) == "Alice was nervous at first"
    assert sorted(p.name for p in tmp_path.iterdir() if "key" in p.name) == []
