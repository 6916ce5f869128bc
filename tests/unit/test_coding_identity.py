"""A coding's id is never reused, its memo lives and dies with it, and undoing its removal brings back exactly
what was removed (issue 11, B1 and B2)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from qualcode.app.session import CodingSession
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.store import project as project_module
from qualcode.store.codings import add_coding, remove_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.memos import get_memo, list_memos, write_memo
from qualcode.store.project import Project
from qualcode.store.refi import remember_guid
from qualcode.store.reviews import set_review
from tests.conftest import old_schema, run_cli

TEXT = "Interviewer: hello\nP1: we refer people on now\nInterviewer: and then?\nP1: we plan it together"


def doc(name: str = "int01", sha: str = "abc") -> ParsedDocument:
    segs, pos = [], 0
    for line in TEXT.split("\n"):
        speaker, _, said = line.partition(": ")
        start = pos + len(speaker) + 2
        segs.append(
            ParsedSegment(
                start, pos + len(line), speaker=speaker, case=None if speaker == "Interviewer" else "P1"
            )
        )
        pos += len(line) + 1
    return ParsedDocument(name, "interview", TEXT, segs, f"{name}.txt", sha, {"P1": {}})


def participant_segments(p: Project) -> list[dict]:
    return [s for s in list_segments(p) if s["case"]]


def test_memo_of_a_removed_coding_never_reattaches_to_the_next(project):
    add_documents(project, [doc()])
    first, second = participant_segments(project)
    gone = add_coding(project, "org.signposting", segment_id=first["id"], coder="amira")
    write_memo(project, "coding", gone, "Strong evidence of referral (about P1's signposting)", coder="amira")
    remove_coding(project, gone)
    new = add_coding(project, "practice.confidence", segment_id=second["id"], coder="tom")
    assert new != gone
    assert get_memo(project, "coding", new) == ""
    assert [m for m in list_memos(project) if "signposting" in m["text"]] == []


def test_ids_stay_unique_even_after_the_newest_coding_is_removed(project):
    """Without AUTOINCREMENT SQLite hands the highest freed id out again; the REFI GUID derives from the id."""
    add_documents(project, [doc()])
    first, second = participant_segments(project)
    ids = [add_coding(project, "org.signposting", segment_id=first["id"], coder="amira")]
    remove_coding(project, ids[0])
    ids.append(add_coding(project, "org.signposting", segment_id=second["id"], coder="amira"))
    write_memo(project, "segment", first["id"], "a segment memo")
    memo_id = project.scalar("SELECT id FROM memos")
    write_memo(project, "segment", first["id"], "")  # empty text deletes it
    write_memo(project, "segment", second["id"], "another")
    assert ids[1] > ids[0]
    assert project.scalar("SELECT id FROM memos") > memo_id


def test_memos_go_with_the_document_they_are_on(project):
    add_documents(project, [doc(), doc("int02", "def")])
    segs = participant_segments(project)
    write_memo(project, "segment", segs[0]["id"], "on a segment of int01")
    write_memo(project, "document", 1, "on int01")
    write_memo(project, "document", 2, "on int02")
    write_memo(project, "project", None, "on the project")
    with project.transaction():
        project.conn.execute("DELETE FROM documents WHERE id = 1")
    assert sorted(m["text"] for m in list_memos(project)) == ["on int02", "on the project"]


def test_undo_of_a_removal_restores_the_very_same_coding(project):
    add_documents(project, [doc()])
    seg = participant_segments(project)[0]
    session = CodingSession(project, coder="amira")
    cid = session.code(seg["id"], "org.signposting", provenance={"method": "suggester", "score": 0.82})
    write_memo(project, "coding", cid, "clear referral", coder="amira")
    set_review(project, cid, "queried", comment="really signposting?", reviewer="lead")
    set_review(project, cid, "accepted", reviewer="lead")
    remember_guid(project, "coding", cid, "11111111-2222-3333-4444-555555555555")

    def state() -> tuple:
        return (
            project.query("SELECT * FROM codings WHERE id = ?", (cid,)),
            project.query("SELECT * FROM reviews WHERE coding_id = ? ORDER BY id", (cid,)),
            project.query("SELECT * FROM refi_guids WHERE local = ?", (str(cid),)),
        )

    before = state()
    assert before[0][0]["memo"] == "clear referral" and len(before[1]) == 2 and len(before[2]) == 1
    session.uncode(cid)
    assert state() == ([], [], [])
    assert session.undo() == "remove org.signposting"
    assert state() == before
    session.redo()
    assert state() == ([], [], [])
    session.undo()
    assert state() == before
    # Undo of the coding itself, then redo, also gives back the same row rather than a new one.
    session.undo()  # the review and memo were not session steps: this undoes the coding
    assert state()[0] == []
    session.redo()
    assert state() == before
    actions = [
        r["action"]
        for r in project.query(
            "SELECT action FROM change_log WHERE action IN ('code', 'uncode', 'code.restore') ORDER BY id"
        )
    ]
    assert actions == ["code", "uncode", "code.restore", "uncode", "code.restore", "uncode", "code.restore"]


def test_upgrade_moves_coding_memos_into_the_coding_and_frees_misattached_ones(tmp_path):
    """A schema-3 project where the B1 bug already struck: the memo written on coding 1 (removed) shows on
    the coding that reused id 1. The upgrade must keep every memo's text and put none on the wrong coding."""
    path = tmp_path / "old.qcdb"
    with old_schema(3), Project.create(path, coder="amira") as p:
        from qualcode.app.actions import read_codebook_file
        from qualcode.store.codebook import save_codebook
        from tests.conftest import CODEBOOK

        save_codebook(p, read_codebook_file(CODEBOOK))
        add_documents(p, [doc()])
        first, second = participant_segments(p)
        one = add_coding(p, "org.signposting", segment_id=first["id"])
        kept = add_coding(p, "practice.confidence", segment_id=first["id"])
        with p.transaction():
            for target, text in ((one, "about P1's signposting"), (kept, "confident, says so twice")):
                p.conn.execute(
                    "INSERT INTO memos(target_kind, target_id, coder, created, updated, text)"
                    " VALUES ('coding', ?, 'amira', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', ?)",
                    (target, text),
                )
        with p.transaction():  # remove coding 1 the old way: its memo stays behind
            p.conn.execute("DELETE FROM codings WHERE id = ?", (kept,))
            p.conn.execute("UPDATE codings SET created = '2024-01-01T00:00:00Z' WHERE id = ?", (one,))
        reused = add_coding(p, "org.joint-working", segment_id=second["id"])
        assert reused == kept  # the old schema reused the freed id
    with Project.open(path) as p:
        assert p.scalar("PRAGMA user_version") == project_module.SCHEMA_VERSION
        assert get_memo(p, "coding", one) == "about P1's signposting"
        assert get_memo(p, "coding", reused) == ""
        orphan = p.query("SELECT target_kind, title, text FROM memos")
        assert orphan == [
            {
                "target_kind": "project",
                "title": f"memo on removed coding {kept}",
                "text": "confident, says so twice",
            }
        ]
        # The next coding's id is above every id the change log ever named, so none comes back.
        newest = add_coding(p, "org.joint-working", segment_id=first["id"])
        assert newest > reused


def test_refi_export_gives_a_new_coding_a_new_guid(runner, tmp_path, project):
    add_documents(project, [doc()])
    first, second = participant_segments(project)
    gone = add_coding(project, "org.signposting", segment_id=first["id"])
    path = project.path
    project.close()
    run_cli(runner, "export", path, "--format", "qdpx", "-o", tmp_path / "a.qdpx")
    with Project.open(path) as p:
        remove_coding(p, gone)
        add_coding(p, "org.signposting", segment_id=second["id"])
    run_cli(runner, "export", path, "--format", "qdpx", "-o", tmp_path / "b.qdpx")

    def coding_guids(qdpx: Path) -> set[str]:
        import re

        xml = zipfile.ZipFile(qdpx).read("project.qde").decode()
        return set(re.findall(r'<Coding guid="([^"]+)"', xml))

    assert coding_guids(tmp_path / "a.qdpx").isdisjoint(coding_guids(tmp_path / "b.qdpx"))
    assert json.loads(run_cli(runner, "codings", "export", path, "--format", "json").stdout)[0]["id"] != gone
