"""Schema migration V_COUNTS: the counts `documents`, the status bar and the codebook tree show, kept by triggers."""

from __future__ import annotations

import sqlite3

# Counts kept by the writes (issue 17): what `documents`, the workbench's status bar and its codebook tree show,
# read from small tables that triggers keep up to date instead of counted from segments and codings on every
# call. A count table never holds a count of zero (its row goes) except document_counts (one row per
# document). tests/unit/test_counts.py checks them against a fresh recount after random writes.
#   document_counts       per document: segments, codings, distinct coded segments (codings.segment_id of its
#                         codings) and those of them whose segment belongs to a case
#   document_case_counts  per (document, case): the document's segments of that case (cases = rows,
#                         participant segments = their sum)
#   coded_segment_counts  per (coding's document, segment): its codings, and whether the segment belongs to a
#                         case (kept when the segment's case changes); its rows drive coded_segments
#   code_counts           per code: codings
_COUNT_UP_CODED = """
        INSERT INTO coded_segment_counts(document_id, segment_id, codings, participant)
            SELECT new.document_id, new.segment_id, 0,
                   coalesce((SELECT case_id IS NOT NULL FROM segments WHERE id = new.segment_id), 0)
            WHERE new.segment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM coded_segment_counts
                WHERE document_id = new.document_id AND segment_id = new.segment_id);
        UPDATE coded_segment_counts SET codings = codings + 1
            WHERE document_id = new.document_id AND segment_id = new.segment_id;
        UPDATE document_counts SET codings = codings + 1 WHERE document_id = new.document_id;
        INSERT INTO code_counts(code_id, codings) SELECT new.code_id, 0
            WHERE NOT EXISTS (SELECT 1 FROM code_counts WHERE code_id = new.code_id);
        UPDATE code_counts SET codings = codings + 1 WHERE code_id = new.code_id;"""
_COUNT_DOWN_CODED = """
        UPDATE coded_segment_counts SET codings = codings - 1
            WHERE document_id = old.document_id AND segment_id = old.segment_id;
        DELETE FROM coded_segment_counts
            WHERE document_id = old.document_id AND segment_id = old.segment_id AND codings <= 0;
        UPDATE document_counts SET codings = codings - 1 WHERE document_id = old.document_id;
        UPDATE code_counts SET codings = codings - 1 WHERE code_id = old.code_id;
        DELETE FROM code_counts WHERE code_id = old.code_id AND codings <= 0;"""
_COUNT_UP_SEGMENT = """
        UPDATE document_counts SET segments = segments + 1 WHERE document_id = new.document_id;
        INSERT INTO document_case_counts(document_id, case_id, segments)
            SELECT new.document_id, new.case_id, 0 WHERE new.case_id IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM document_case_counts WHERE document_id = new.document_id AND case_id = new.case_id);
        UPDATE document_case_counts SET segments = segments + 1
            WHERE document_id = new.document_id AND case_id = new.case_id;"""
_COUNT_DOWN_SEGMENT = """
        UPDATE document_counts SET segments = segments - 1 WHERE document_id = old.document_id;
        UPDATE document_case_counts SET segments = segments - 1
            WHERE document_id = old.document_id AND case_id = old.case_id;
        DELETE FROM document_case_counts
            WHERE document_id = old.document_id AND case_id = old.case_id AND segments <= 0;"""
COUNT_TRIGGERS = [
    """CREATE TRIGGER counts_documents_ai AFTER INSERT ON documents BEGIN
        INSERT INTO document_counts(document_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER counts_documents_ad AFTER DELETE ON documents BEGIN
        DELETE FROM coded_segment_counts WHERE document_id = old.id;
        DELETE FROM document_case_counts WHERE document_id = old.id;
        DELETE FROM document_counts WHERE document_id = old.id;
    END""",
    f"CREATE TRIGGER counts_segments_ai AFTER INSERT ON segments BEGIN{_COUNT_UP_SEGMENT}\n    END",
    f"CREATE TRIGGER counts_segments_ad AFTER DELETE ON segments BEGIN{_COUNT_DOWN_SEGMENT}\n    END",
    f"""CREATE TRIGGER counts_segments_au AFTER UPDATE OF document_id, case_id ON segments
        WHEN old.document_id IS NOT new.document_id OR old.case_id IS NOT new.case_id BEGIN{_COUNT_DOWN_SEGMENT}{_COUNT_UP_SEGMENT}
        UPDATE coded_segment_counts SET participant = (new.case_id IS NOT NULL)
            WHERE segment_id = new.id AND participant IS NOT (new.case_id IS NOT NULL);
    END""",
    """CREATE TRIGGER counts_coded_ai AFTER INSERT ON coded_segment_counts BEGIN
        UPDATE document_counts SET coded_segments = coded_segments + 1,
            coded_participant_segments = coded_participant_segments + new.participant
            WHERE document_id = new.document_id;
    END""",
    """CREATE TRIGGER counts_coded_ad AFTER DELETE ON coded_segment_counts BEGIN
        UPDATE document_counts SET coded_segments = coded_segments - 1,
            coded_participant_segments = coded_participant_segments - old.participant
            WHERE document_id = old.document_id;
    END""",
    """CREATE TRIGGER counts_coded_au AFTER UPDATE OF participant ON coded_segment_counts BEGIN
        UPDATE document_counts
            SET coded_participant_segments = coded_participant_segments + new.participant - old.participant
            WHERE document_id = new.document_id;
    END""",
    f"CREATE TRIGGER counts_codings_ai AFTER INSERT ON codings BEGIN{_COUNT_UP_CODED}\n    END",
    f"CREATE TRIGGER counts_codings_ad AFTER DELETE ON codings BEGIN{_COUNT_DOWN_CODED}\n    END",
    f"""CREATE TRIGGER counts_codings_au AFTER UPDATE OF document_id, segment_id, code_id ON codings
        WHEN old.document_id IS NOT new.document_id OR old.segment_id IS NOT new.segment_id
            OR old.code_id IS NOT new.code_id BEGIN{_COUNT_DOWN_CODED}{_COUNT_UP_CODED}
    END""",
]
# The counts of a project's rows as they are: filled at the upgrade, and again after a copy (`pull`) that
# inserted rows in an order the triggers cannot follow (codings before their segments).
COUNT_TABLES = ("document_counts", "document_case_counts", "coded_segment_counts", "code_counts")
BACKFILL = [
    "INSERT INTO document_case_counts(document_id, case_id, segments)"
    " SELECT document_id, case_id, count(*) FROM segments WHERE case_id IS NOT NULL GROUP BY document_id, case_id",
    "INSERT INTO coded_segment_counts(document_id, segment_id, codings, participant)"
    " SELECT k.document_id, k.segment_id, count(*), coalesce(max(s.case_id IS NOT NULL), 0)"
    " FROM codings k LEFT JOIN segments s ON s.id = k.segment_id WHERE k.segment_id IS NOT NULL"
    " GROUP BY k.document_id, k.segment_id",
    "INSERT INTO code_counts(code_id, codings) SELECT code_id, count(*) FROM codings GROUP BY code_id",
    "INSERT INTO document_counts(document_id, segments, codings, coded_segments, coded_participant_segments)"
    " SELECT d.id, (SELECT count(*) FROM segments s WHERE s.document_id = d.id),"
    " (SELECT count(*) FROM codings k WHERE k.document_id = d.id),"
    " (SELECT count(*) FROM coded_segment_counts c WHERE c.document_id = d.id),"
    " (SELECT coalesce(sum(c.participant), 0) FROM coded_segment_counts c WHERE c.document_id = d.id)"
    " FROM documents d",
]


def refill_counts(conn: sqlite3.Connection) -> None:
    """Count every kept count again from the rows (inside the caller's transaction)."""
    for table in COUNT_TABLES:
        conn.execute(f"DELETE FROM {table}")
    for statement in BACKFILL:
        conn.execute(statement)


V_COUNTS = [
    """CREATE TABLE document_counts (
        document_id INTEGER PRIMARY KEY,
        segments INTEGER NOT NULL DEFAULT 0,
        codings INTEGER NOT NULL DEFAULT 0,
        coded_segments INTEGER NOT NULL DEFAULT 0,
        coded_participant_segments INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE document_case_counts (
        document_id INTEGER NOT NULL,
        case_id INTEGER NOT NULL,
        segments INTEGER NOT NULL,
        PRIMARY KEY (document_id, case_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE coded_segment_counts (
        document_id INTEGER NOT NULL,
        segment_id INTEGER NOT NULL,
        codings INTEGER NOT NULL,
        participant INTEGER NOT NULL,
        PRIMARY KEY (document_id, segment_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX coded_segment_counts_segment ON coded_segment_counts(segment_id)",
    "CREATE TABLE code_counts (code_id INTEGER PRIMARY KEY, codings INTEGER NOT NULL)",
    # `documents` lists these columns; `imported` is stored after the text, so reading it from the table walks
    # the text's overflow pages (4x the cost at a million segments, more on a long survey): the index covers it.
    "CREATE INDEX documents_listing ON documents(id, name, source_type, original_name, sha256, imported)",
    *BACKFILL,  # an existing project's counts, before the triggers exist
    *COUNT_TRIGGERS,
]
