"""The audit trail: listing, and verification that catches edits, deletions, insertions, reordering, lost triggers."""

import sqlite3

import pytest

from qualcode.errors import InputError
from qualcode.store.audit import list_log, verify_log
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.project import Project
from qualcode.store.reviews import set_review
from tests.unit.test_store import doc


@pytest.fixture
def logged(project):
    add_documents(project, [doc()])
    cid = add_coding(project, "org.signposting", segment_id=list_segments(project)[1]["id"], coder="amira")
    set_review(project, cid, "accepted", reviewer="lead")
    path = project.path
    project.close()
    return path


def _on_server(sql):
    """A tampering statement as PostgreSQL spells it (a trigger names its table; its body is a function)."""
    if sql.startswith("DROP TRIGGER"):
        return f"{sql} ON change_log"
    if sql.startswith("CREATE TRIGGER"):
        name, event = sql.split()[2], sql.split()[4]
        return (
            f"CREATE TRIGGER {name} BEFORE {event} ON change_log FOR EACH ROW"
            " EXECUTE FUNCTION qualcode_change_log_guard()"
        )
    return sql


def tamper(path, *statements):
    """Change the log behind qualcode's back, as someone with the file (or psql) could."""
    if str(path).startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(getattr(path, "url", str(path)), autocommit=True) as server:
            for sql in statements:
                server.execute(_on_server(sql))
        return
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def verify(path, head=None):
    with Project.open(path) as p:
        return verify_log(p, head)


def test_intact_log_verifies_and_lists(logged):
    result = verify(logged)
    assert result["ok"] and result["triggers_ok"] and result["problems"] == []
    with Project.open(logged) as p:
        rows = list_log(p)
        assert result["entries"] == len(rows) and result["head"] == rows[-1]["hash"]
        assert [r["action"] for r in list_log(p, coder="tester")][-2:] == ["code", "review"]
        assert list_log(p, coder="nobody") == []
        assert rows[-1]["detail"]["after"]["status"] == "accepted"
        assert list_log(p, since="2999-01-01") == [] and len(list_log(p, since="2000-01-01T00:00")) == len(
            rows
        )
        with pytest.raises(InputError, match="--since"):
            list_log(p, since="last week")


def test_an_edited_entry_is_reported(logged):
    tamper(logged, "DROP TRIGGER change_log_no_update", "UPDATE change_log SET who = 'mallory' WHERE id = 3")
    result = verify(logged)
    assert (
        not result["ok"]
        and result["first_broken"]["id"] == 3
        and "edited" in result["first_broken"]["problem"]
    )
    assert not result["triggers_ok"]


def test_a_deleted_entry_is_reported(logged):
    tamper(logged, "DROP TRIGGER change_log_no_delete", "DELETE FROM change_log WHERE id = 2")
    result = verify(logged)
    assert (
        result["first_broken"]["id"] == 3
        and "deleted, inserted or reordered" in result["first_broken"]["problem"]
    )


def test_reordered_and_inserted_entries_are_reported(logged):
    tamper(
        logged,
        "DROP TRIGGER change_log_no_update",
        "UPDATE change_log SET id = -1 WHERE id = 2",
        "UPDATE change_log SET id = 2 WHERE id = 3",
        "UPDATE change_log SET id = 3 WHERE id = -1",
        "CREATE TRIGGER change_log_no_update BEFORE UPDATE ON "
        "change_log BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END",
    )
    result = verify(logged)
    assert result["first_broken"]["id"] == 2 and result["triggers_ok"]
    with Project.open(logged) as p:
        last = p.scalar("SELECT max(id) FROM change_log")
        row = p.query("SELECT * FROM change_log WHERE id = ?", (last,))[0]
    tamper(
        logged,
        f"INSERT INTO change_log(id, at, who, action, entity, entity_id, detail, prev_hash, hash) VALUES "
        f"({last + 1}, '{row['at']}', 'mallory', 'code', 'coding', '9', '{{}}', 'x', 'y')",
    )
    assert not verify(logged)["ok"]


def test_a_dropped_trigger_alone_is_reported(logged):
    tamper(logged, "DROP TRIGGER change_log_no_delete")
    result = verify(logged)
    assert (
        not result["ok"]
        and result["first_broken"] is None
        and "change_log_no_delete" in result["problems"][0]
    )


def test_removed_newest_entries_are_caught_with_a_noted_head(logged):
    head = verify(logged)["head"]
    tamper(
        logged,
        "DROP TRIGGER change_log_no_delete",
        "DELETE FROM change_log WHERE id = (SELECT max(id) FROM change_log)",
        "CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log BEGIN "
        "SELECT RAISE(ABORT, 'the change log is append-only'); END",
    )
    assert verify(logged)["ok"]  # a shorter chain is still a valid chain ...
    result = verify(logged, head)  # ... but not one that holds the head a reviewer noted
    assert not result["ok"] and "newest entries were removed" in result["problems"][0]
