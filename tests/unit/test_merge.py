"""Merging coders' copies (both ways alike, twice adds nothing, conflicts reported) and blind working copies."""

import json
import shutil

import pytest

from qualcode.errors import InputError
from qualcode.store.audit import verify_log
from qualcode.store.codings import add_coding
from qualcode.store.copies import export_for
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.merge import merge_projects
from qualcode.store.project import Project
from qualcode.store.reviews import set_review
from tests.unit.test_store import doc


def snapshot(path):
    """What a merge must agree on, independent of row ids."""
    with Project.open(path) as p:
        codings = {
            tuple(r)
            for r in p.conn.execute(
                'SELECT d.sha256, k.start, k."end", c.key, k.coder, k.contribution, k.claim, k.memo, k.created FROM codings k'
                " JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
            )
        }
        codes = {r[0] for r in p.conn.execute("SELECT key FROM codes")}
        reviews = {
            tuple(r)
            for r in p.conn.execute(
                'SELECT d.sha256, k.start, k."end", c.key, k.coder, r.status, r.reviewer, r.comment, r.created FROM reviews r'
                " JOIN codings k ON k.id = r.coding_id JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
            )
        }
        memos = {tuple(r) for r in p.conn.execute("SELECT target_kind, coder, created, text FROM memos")}
        attrs = {
            tuple(r)
            for r in p.conn.execute(
                "SELECT c.name, a.name, a.value FROM case_attributes a JOIN cases c ON c.id = a.case_id"
            )
        }
        return codings, codes, reviews, memos, attrs


@pytest.fixture
def copies(project, tmp_path):
    """A study coded by nobody, copied blind for amira and tom, each of whom codes, memos and reviews."""
    add_documents(
        project, [doc(), doc(name="d2", sha="def", text="Interviewer: hi\nP1: we changed our forms too")]
    )
    add_coding(project, "org.signposting", segment_id=list_segments(project)[1]["id"], coder="lead")
    project.conn.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
    a, b = tmp_path / "amira.qcdb", tmp_path / "tom.qcdb"
    export_for(project, "amira", a, blind=True)
    export_for(project, "tom", b, blind=True)
    for path, coder, codes in (
        (a, "amira", ("org.signposting", "practice.knowledge")),
        (b, "tom", ("org.signposting",)),
    ):
        with Project.open(path, coder=coder) as p:
            segs = list_segments(p)
            ids = [add_coding(p, key, segment_id=segs[1]["id"]) for key in codes]
            add_coding(p, "org.adaptation", segment_id=segs[3]["id"], claim="Fewer forms")
            set_review(p, ids[0], "queried", comment=f"{coder} asks: really signposting?")
            with p.transaction():
                p.conn.execute(
                    "INSERT INTO memos(target_kind, target_id, coder, created, updated, text)"
                    " VALUES ('segment', ?, ?, '2024-01-01', '2024-01-01', ?)",
                    (segs[1]["id"], coder, f"{coder}'s memo"),
                )
    return project, a, b


def test_blind_copy_holds_only_that_coders_work_and_a_fresh_log(copies, tmp_path):
    project, a, _ = copies
    with Project.open(a) as p:
        assert {r[0] for r in p.conn.execute("SELECT coder FROM codings")} == {"amira"}
        rows = p.query("SELECT action, detail FROM change_log ORDER BY id")
        assert [r["action"] for r in rows[:2]] == ["blind-copy", "export-for"] and verify_log(p)["ok"]
        assert json.loads(rows[0]["detail"])["source_name"] == project.name
    assert (
        project.query("SELECT action FROM change_log ORDER BY id DESC LIMIT 1")[0]["action"] == "export-for"
    )
    # Vacuumed: another coder's removed memo leaves no bytes behind in the file.
    with project.transaction():
        project.conn.execute(
            "INSERT INTO memos(target_kind, coder, created, updated, text)"
            " VALUES ('project', 'lead', 'now', 'now', 'SECRET-LEAD-MEMO')"
        )
    blind, open_copy = tmp_path / "blind.qcdb", tmp_path / "open.qcdb"
    export_for(project, "amira", blind, blind=True)
    export_for(project, "amira", open_copy)
    assert b"SECRET-LEAD-MEMO" not in blind.read_bytes() and b"SECRET-LEAD-MEMO" in open_copy.read_bytes()
    assert oct(blind.stat().st_mode & 0o777) == "0o600"


def test_export_for_refuses_bad_targets(project, tmp_path):
    with pytest.raises(InputError, match="folder does not exist"):
        export_for(project, "amira", tmp_path / "nope" / "x.qcdb")
    with pytest.raises(InputError, match="the project itself"):
        export_for(project, "amira", project.path)
    assert list(tmp_path.glob(".*.tmp")) == []


def test_merging_both_ways_gives_the_same_and_twice_adds_nothing(copies, tmp_path):
    _, a, b = copies
    a2, b2 = tmp_path / "a2.qcdb", tmp_path / "b2.qcdb"
    shutil.copy(a, a2)
    shutil.copy(b, b2)
    with Project.open(a2, coder="amira") as p:
        first = merge_projects(p, [b])[0]
        assert (first["codings_added"], first["reviews_added"], first["memos_added"]) == (2, 1, 1)
        assert first["conflicts"] == []
        again = merge_projects(p, [b])[0]
        assert (
            again["codings_added"],
            again["reviews_added"],
            again["memos_added"],
            again["codings_present"],
        ) == (0, 0, 0, 2)
        assert verify_log(p)["ok"]
        merged = p.query("SELECT provenance FROM codings WHERE coder = 'tom'")
        prov = json.loads(merged[0]["provenance"])["merged_from"]
        assert prov["path"] == str(b.resolve()) and prov["coding_id"] and prov["log_head"]
        assert p.query("SELECT action FROM change_log WHERE action = 'merge'")
    with Project.open(b2, coder="tom") as p:
        merge_projects(p, [a])
    assert snapshot(a2) == snapshot(b2)
    codings, _, reviews, memos, _ = snapshot(a2)
    assert {c[4] for c in codings} == {"amira", "tom"} and len(reviews) == 2 and len(memos) == 2


def test_conflicts_are_reported_not_guessed(copies, tmp_path):
    _, a, b = copies
    with Project.open(b, coder="tom") as p, p.transaction():
        p.conn.execute("UPDATE codes SET label = 'Referrals (renamed by tom)' WHERE key = 'org.signposting'")
        p.conn.execute("INSERT INTO codes(key, label) VALUES ('tom.new', 'A code only tom has')")
        p.conn.execute(
            "UPDATE codings SET claim = 'Other claim' WHERE code_id = (SELECT id FROM codes WHERE key = 'org.adaptation')"
        )
        p.conn.execute("UPDATE case_attributes SET value = 'statutory' WHERE name = 'sector'")
    with Project.open(a, coder="amira") as p:
        before = snapshot(a)
        dry = merge_projects(p, [b], dry_run=True)[0]
        assert snapshot(a) == before and dry["codes_added"] == 1
        result = merge_projects(p, [b])[0]
        kinds = sorted(c["kind"] for c in result["conflicts"])
        assert kinds == ["attribute", "code"]
        code = next(c for c in result["conflicts"] if c["kind"] == "code")
        assert code["key"] == "org.signposting" and set(code["fields"]) == {"label"}
        assert (
            p.scalar("SELECT label FROM codes WHERE key = 'org.signposting'") == "Signposting and referrals"
        )
        assert p.scalar("SELECT label FROM codes WHERE key = 'tom.new'") == "A code only tom has"
        assert p.scalar("SELECT value FROM case_attributes WHERE name = 'sector'") == "voluntary"


def test_same_coding_with_different_details_is_a_conflict(copies, tmp_path):
    _, a, _ = copies
    c = tmp_path / "c.qcdb"
    shutil.copy(a, c)
    with Project.open(c) as p, p.transaction():
        p.conn.execute("UPDATE codings SET claim = 'Changed in the copy' WHERE claim = 'Fewer forms'")
    with Project.open(a) as p:
        result = merge_projects(p, [c])[0]
    assert [x["kind"] for x in result["conflicts"]] == ["coding"] and result["codings_added"] == 0


def test_new_documents_come_with_their_segments_and_bad_sources_are_refused(copies, tmp_path):
    project, a, _ = copies
    with Project.open(a, coder="amira") as p:
        add_documents(p, [doc(name="d3", sha="ghi", text="Interviewer: hi\nP1: new one")])
        add_coding(p, "practice.knowledge", segment_id=list_segments(p, "d3")[1]["id"])
    result = merge_projects(project, [a])[0]
    assert result["documents_added"] == 1 and len(list_segments(project, "d3")) == 2
    assert merge_projects(project, [a])[0]["documents_added"] == 0
    with pytest.raises(InputError, match="into itself"):
        merge_projects(project, [project.path])
    junk = tmp_path / "junk.qcdb"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="not a qualcode project"):
        merge_projects(project, [junk])


def test_a_merge_reads_each_source_as_one_snapshot(copies, monkeypatch):
    """amira deletes her review while the merge is half-way (after her codings, before her reviews): the merge
    brings what her copy held when it began, never half of one state and half of another."""
    import sqlite3

    from qualcode.store import merge

    project, a, _ = copies
    real = merge._Merge._reviews
    attempts = []

    def amira_edits_meanwhile(self):
        with sqlite3.connect(a, timeout=0.1, isolation_level=None) as other:
            try:
                other.execute("DELETE FROM reviews")
                attempts.append("written")
            except sqlite3.OperationalError as exc:  # a rollback-journal file is locked while it is read
                attempts.append(str(exc))
        return real(self)

    monkeypatch.setattr(merge._Merge, "_reviews", amira_edits_meanwhile)
    summary = merge_projects(project, [a])[0]
    assert attempts and attempts[0] in ("written", "database is locked")
    comments = [r[0] for r in project.conn.execute("SELECT comment FROM reviews")]
    assert comments == ["amira asks: really signposting?"], summary
