import json
import os
import sqlite3
import stat

import pytest

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.errors import DuplicateError, InputError, NotFoundError, ProjectError
from qualcode.store.codings import (
    add_coding,
    export_codings,
    import_codings,
    remove_segment_code,
    update_coding,
)
from qualcode.store.documents import add_documents, list_documents, list_segments, search_segments
from qualcode.store.project import Project, chain_hash
from qualcode.store.schema import APPLICATION_ID, SCHEMA_VERSION


def doc(
    name="d1", text="Interviewer: hi\nP1: we refer people to housing now", sha="abc", source_type="interview"
):
    segs = [
        ParsedSegment(13, 15, speaker="Interviewer"),
        ParsedSegment(20, len(text), speaker="P1", case="C1"),
    ]
    return ParsedDocument(name, source_type, text, segs, f"{name}.txt", sha, {"C1": {"sector": "voluntary"}})


def test_new_project_is_marked_migrated_private_and_journalled_for_this_sqlite(tmp_path):
    from qualcode.store.project import journal_settings

    p = Project.create(tmp_path / "x.qcdb")
    assert p.scalar("PRAGMA application_id") == APPLICATION_ID
    assert p.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert p.scalar("PRAGMA foreign_keys") == 1
    mode, sync = journal_settings()
    assert p.scalar("PRAGMA journal_mode") == mode
    assert p.scalar("PRAGMA synchronous") == {"NORMAL": 1, "FULL": 2}[sync]
    assert stat.S_IMODE(os.stat(tmp_path / "x.qcdb").st_mode) == 0o600
    p.close()


def test_open_refuses_non_projects(tmp_path):
    (tmp_path / "notes.qcdb").write_text("hello")
    with pytest.raises(ProjectError, match="not a qualcode project"):
        Project.open(tmp_path / "notes.qcdb")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t(x)")
    other.commit()
    other.close()
    with pytest.raises(ProjectError, match="not a qualcode project"):
        Project.open(tmp_path / "other.db")
    with pytest.raises(NotFoundError):
        Project.open(tmp_path / "missing.qcdb")


def test_open_refuses_newer_schema(tmp_path):
    Project.create(tmp_path / "x.qcdb").close()
    conn = sqlite3.connect(tmp_path / "x.qcdb")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectError, match="newer qualcode"):
        Project.open(tmp_path / "x.qcdb")


def test_migration_runs_from_version_zero(tmp_path, monkeypatch):
    from qualcode.store import schema

    path = tmp_path / "x.qcdb"
    Project.create(path).close()
    extra = ["CREATE TABLE later_feature (id INTEGER PRIMARY KEY)"]
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    import qualcode.store.project as project_mod

    monkeypatch.setattr(project_mod, "MIGRATIONS", schema.MIGRATIONS)
    monkeypatch.setattr(project_mod, "SCHEMA_VERSION", schema.SCHEMA_VERSION)
    p = Project.open(path)
    assert p.scalar("PRAGMA user_version") == SCHEMA_VERSION + 1
    assert "later_feature" in p.db.table_names()
    p.close()


def test_a_failed_action_leaves_nothing_behind(project):
    before = (
        project.scalar("SELECT count(*) FROM documents"),
        project.scalar("SELECT count(*) FROM change_log"),
    )
    bad = doc(name="d2", sha="zzz")
    bad.segments.append(ParsedSegment(5, 3))  # end before start: violates a CHECK, mid-way through the write
    with pytest.raises(sqlite3.IntegrityError):
        add_documents(project, [doc(), bad])
    after = (
        project.scalar("SELECT count(*) FROM documents"),
        project.scalar("SELECT count(*) FROM change_log"),
    )
    assert after == before
    assert project.scalar("SELECT count(*) FROM cases") == 0


def test_import_stores_segments_cases_and_refuses_duplicates(project):
    add_documents(project, [doc()])
    segs = list_segments(project)
    assert [(s["speaker"], s["case"], s["text"]) for s in segs] == [
        ("Interviewer", None, "hi"),
        ("P1", "C1", "we refer people to housing now"),
    ]
    with pytest.raises(DuplicateError, match="already imported as 'd1'"):
        add_documents(project, [doc(name="d9")])
    with pytest.raises(DuplicateError, match="already exists"):
        add_documents(project, [doc(sha="other")])
    add_documents(project, [doc(name="d9")], allow_duplicate=True)
    assert [d["name"] for d in list_documents(project)] == ["d1", "d9"]


def test_coding_lifecycle_and_log(project):
    add_documents(project, [doc()])
    seg = list_segments(project)[1]
    cid = add_coding(
        project, "org.signposting", segment_id=seg["id"], contribution="improved", claim="More referrals"
    )
    with pytest.raises(DuplicateError):
        add_coding(project, "org.signposting", segment_id=seg["id"])
    sub = add_coding(
        project, "practice.knowledge", segment_id=seg["id"], start=seg["start"] + 3, end=seg["start"] + 8
    )
    rows = {r["id"]: r for r in export_codings(project)}
    assert rows[sub]["text"] == "refer"
    assert rows[cid]["contribution"] == "improved" and rows[cid]["coder"] == "tester"
    update_coding(project, cid, memo="check with team")
    assert export_codings(project)[0]["memo"] == "check with team"
    with pytest.raises(InputError, match="contribution must be one of"):
        update_coding(project, cid, contribution="maybe")
    with pytest.raises(InputError, match="not inside segment"):
        add_coding(project, "org.signposting", segment_id=seg["id"], start=0, end=2)
    remove_segment_code(project, seg["id"], "org.signposting")
    assert [r["code"] for r in export_codings(project)] == ["practice.knowledge"]
    actions = [r[0] for r in project.conn.execute("SELECT action FROM change_log ORDER BY id")]
    assert actions[-4:] == ["code", "code", "coding.update", "uncode"]


def test_change_log_is_append_only_and_chained(project):
    add_documents(project, [doc()])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("UPDATE change_log SET who = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("DELETE FROM change_log")
    rows = project.query("SELECT * FROM change_log ORDER BY id")
    prev = "0" * 64
    for r in rows:
        assert r["prev_hash"] == prev
        assert r["hash"] == chain_hash(
            prev, r["at"], r["who"], r["action"], r["entity"], r["entity_id"], r["detail"]
        )
        prev = r["hash"]
    assert json.loads(rows[-1]["detail"])["segments"] == 2


def test_import_codings_is_all_or_nothing(project):
    add_documents(project, [doc()])
    seg_id = list_segments(project)[1]["id"]
    good = {"segment_id": str(seg_id), "code": "org.signposting", "coder": "amira"}
    quote = {
        "document": "d1",
        "quote": "housing",
        "code": "practice.knowledge",
        "contribution": "necessary",
        "claim": "Joint work",
    }
    bad = {"segment_id": "999", "code": "nope"}
    with pytest.raises(InputError, match="row 4"):
        import_codings(project, [good, quote, bad])
    assert export_codings(project) == []
    result = import_codings(project, [good, quote, good])
    assert result == {"added": 2, "updated": 0, "already_present": 1, "conflicts": [], "rows": 3}
    got = {r["code"]: r for r in export_codings(project)}
    assert got["practice.knowledge"]["text"] == "housing"
    assert got["org.signposting"]["coder"] == "amira"
    assert import_codings(project, [good])["added"] == 0


def test_quote_must_be_unique(project):
    add_documents(project, [doc(text="Interviewer: hi\nP1: yes yes yes and more text here")])
    with pytest.raises(InputError, match="more than once"):
        import_codings(project, [{"document": "d1", "quote": "yes", "code": "practice"}])
    with pytest.raises(InputError, match="not found"):
        import_codings(project, [{"document": "d1", "quote": "absent", "code": "practice"}])


def test_search_uses_stemming_and_reports_codes(project):
    add_documents(project, [doc()])
    seg_id = list_segments(project)[1]["id"]
    add_coding(project, "org.signposting", segment_id=seg_id)
    hits = search_segments(project, "referring")
    assert [h["id"] for h in hits] == [seg_id]
    assert hits[0]["codes"] == ["org.signposting"]
    assert search_segments(project, 'unbalanced "quote') == []
    with pytest.raises(InputError):
        search_segments(project, "   ")
