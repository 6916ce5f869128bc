"""Schema migrations: each entry moves a project file up one `user_version`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qualcode.store.schema_counts import V_COUNTS

if TYPE_CHECKING:
    import sqlite3

APPLICATION_ID = 0x51434F44  # "QCOD": marks the file as a qualcode project

_SOURCE_TYPES_SQL = "('interview','focus-group','survey','steering-group','workshop','document')"
_CONTRIB_SQL = "('sufficient','necessary','improved','none')"

# Version 1: the foundation.
_V1 = [
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE coders (
        name TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
        created TEXT NOT NULL
    )""",
    f"""CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
        source_type TEXT NOT NULL CHECK (source_type IN {_SOURCE_TYPES_SQL}),
        original_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        text TEXT NOT NULL,
        imported TEXT NOT NULL,
        imported_by TEXT NOT NULL
    )""",
    "CREATE INDEX documents_sha256 ON documents(sha256)",
    """CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0)
    )""",
    """CREATE TABLE case_attributes (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        value TEXT NOT NULL,
        PRIMARY KEY (case_id, name)
    ) WITHOUT ROWID""",
    """CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
        speaker TEXT,
        question TEXT,
        start INTEGER NOT NULL CHECK (start >= 0),
        "end" INTEGER NOT NULL CHECK ("end" > start),
        text TEXT NOT NULL,
        UNIQUE (document_id, position)
    )""",
    "CREATE INDEX segments_case ON segments(case_id)",
    """CREATE VIRTUAL TABLE segments_fts USING fts5(
        text, content='segments', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
        INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
        INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
        INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TABLE codes (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE CHECK (length(trim(key)) > 0),
        label TEXT NOT NULL CHECK (length(trim(label)) > 0),
        parent_id INTEGER REFERENCES codes(id) ON DELETE RESTRICT,
        position INTEGER NOT NULL DEFAULT 0,
        definition TEXT NOT NULL DEFAULT '',
        include TEXT NOT NULL DEFAULT '',
        exclude TEXT NOT NULL DEFAULT '',
        examples TEXT NOT NULL DEFAULT '[]',
        atypical_examples TEXT NOT NULL DEFAULT '[]',
        keywords TEXT NOT NULL DEFAULT '[]',
        colour TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX codes_parent ON codes(parent_id)",
    f"""CREATE TABLE codings (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        segment_id INTEGER REFERENCES segments(id) ON DELETE SET NULL,
        start INTEGER NOT NULL CHECK (start >= 0),
        "end" INTEGER NOT NULL CHECK ("end" > start),
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE RESTRICT,
        coder TEXT NOT NULL REFERENCES coders(name) ON UPDATE CASCADE,
        created TEXT NOT NULL,
        contribution TEXT CHECK (contribution IS NULL OR contribution IN {_CONTRIB_SQL}),
        claim TEXT,
        memo TEXT,
        UNIQUE (document_id, start, "end", code_id, coder)
    )""",
    "CREATE INDEX codings_segment ON codings(segment_id)",
    "CREATE INDEX codings_code ON codings(code_id)",
    """CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('project','document','segment','case','code','coding')),
        target_id INTEGER,
        coder TEXT NOT NULL REFERENCES coders(name) ON UPDATE CASCADE,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL
    )""",
    "CREATE INDEX memos_target ON memos(target_kind, target_id)",
    # Append-only: each row carries the hash of the previous one, so a rewrite anywhere breaks the chain.
    """CREATE TABLE change_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log BEGIN
        SELECT RAISE(ABORT, 'the change log is append-only');
    END""",
    """CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log BEGIN
        SELECT RAISE(ABORT, 'the change log is append-only');
    END""",
]

# Version 2: review decisions on codings, and what coders did with suggested codes.
_V2 = [
    """CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        coding_id INTEGER NOT NULL REFERENCES codings(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('accepted','queried','rejected')),
        reviewer TEXT NOT NULL REFERENCES coders(name) ON UPDATE CASCADE,
        comment TEXT,
        created TEXT NOT NULL
    )""",
    "CREATE INDEX reviews_coding ON reviews(coding_id, id)",
    # JSON: how a coding came to be (e.g. an accepted suggestion's method, model version, score, reason).
    "ALTER TABLE codings ADD COLUMN provenance TEXT",
    """CREATE TABLE suggestion_feedback (
        id INTEGER PRIMARY KEY,
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
        coder TEXT NOT NULL REFERENCES coders(name) ON UPDATE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN ('accepted','rejected')),
        score REAL,
        method TEXT,
        model_version TEXT,
        reason TEXT,
        created TEXT NOT NULL,
        UNIQUE (segment_id, code_id, coder)
    )""",
]

# Version 3: REFI-QDA GUIDs of imported or exported objects, so a project re-exported keeps the GUIDs other
# tools know. `local` is the object's id (codes, documents, cases, codings, memos) or name (users, variables).
_REFI_KINDS_SQL = "('code','document','case','coding','selection','memo','user','variable')"
_V3 = [
    f"""CREATE TABLE refi_guids (
        kind TEXT NOT NULL CHECK (kind IN {_REFI_KINDS_SQL}),
        local TEXT NOT NULL,
        guid TEXT NOT NULL,
        PRIMARY KEY (kind, local),
        UNIQUE (kind, guid)
    ) WITHOUT ROWID""",
    *[
        f"""CREATE TRIGGER refi_guids_{table}_ad AFTER DELETE ON {table} BEGIN
            DELETE FROM refi_guids WHERE kind IN {kinds} AND local = CAST(old.id AS TEXT);
        END"""
        for table, kinds in (
            ("codes", "('code')"),
            ("documents", "('document')"),
            ("cases", "('case')"),
            ("codings", "('coding','selection')"),
            ("memos", "('memo')"),
        )
    ],
]


# Version 4: ids of codings and memos are never reused (AUTOINCREMENT), so a memo, a review or a REFI GUID can
# never pass to a later coding that happens to get a freed id. A coding's memo lives in one place: the
# `codings.memo` column (memos on codings move there; the memos table no longer takes them). Memos on a
# document, segment, case or code go with it when it is deleted. Tables are rebuilt, so this version runs with
# foreign keys off (see REBUILDS) and is checked with foreign_key_check before it commits.
_CODINGS_V4 = f"""CREATE TABLE codings_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        segment_id INTEGER REFERENCES segments(id) ON DELETE SET NULL,
        start INTEGER NOT NULL CHECK (start >= 0),
        "end" INTEGER NOT NULL CHECK ("end" > start),
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE RESTRICT,
        coder TEXT NOT NULL REFERENCES coders(name) ON UPDATE CASCADE,
        created TEXT NOT NULL,
        contribution TEXT CHECK (contribution IS NULL OR contribution IN {_CONTRIB_SQL}),
        claim TEXT,
        memo TEXT,
        provenance TEXT,
        UNIQUE (document_id, start, "end", code_id, coder)
    )"""
_MEMOS_V4 = """CREATE TABLE memos_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('project','document','segment','case','code')),
        target_id INTEGER,
        coder TEXT NOT NULL REFERENCES coders(name) ON UPDATE CASCADE,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL
    )"""


def _fold_coding_memos(conn: sqlite3.Connection) -> None:
    """Move memos written on codings into the coding's own memo. A memo older than its coding was written on
    an earlier coding whose id was reused (the bug this version fixes): it becomes a project memo saying so,
    rather than stay on evidence it was never about."""
    rows = conn.execute(
        "SELECT m.id, m.target_id, m.text, m.title, m.created, k.created, k.memo FROM memos m"
        " LEFT JOIN codings_v4 k ON k.id = m.target_id WHERE m.target_kind = 'coding' ORDER BY m.id"
    ).fetchall()
    for memo_id, coding_id, text, title, created, coding_created, coding_memo in rows:
        if coding_created is not None and created >= coding_created:
            merged = text if not coding_memo else f"{coding_memo}\n\n{text}"
            conn.execute("UPDATE codings_v4 SET memo = ? WHERE id = ?", (merged, coding_id))
            conn.execute("DELETE FROM memos WHERE id = ?", (memo_id,))
        else:
            conn.execute(
                "UPDATE memos SET target_kind = 'project', target_id = NULL, title = ? WHERE id = ?",
                (f"{title + ': ' if title else ''}memo on removed coding {coding_id}", memo_id),
            )


def _seed_sequence(table: str, entity: str) -> str:
    """The next id is above every id the change log ever gave this kind of row, deleted ones included."""
    return f"""INSERT OR REPLACE INTO sqlite_sequence(name, seq) VALUES ('{table}', max(
        coalesce((SELECT max(id) FROM {table}), 0),
        coalesce((SELECT max(CAST(entity_id AS INTEGER)) FROM change_log WHERE entity = '{entity}'), 0)))"""


_V4: list[str | Callable[[sqlite3.Connection], None]] = [
    _CODINGS_V4,
    """INSERT INTO codings_v4(id, document_id, segment_id, start, "end", code_id, coder, created, contribution,
           claim, memo, provenance)
       SELECT id, document_id, segment_id, start, "end", code_id, coder, created, contribution, claim, memo,
           provenance FROM codings""",
    _fold_coding_memos,
    _MEMOS_V4,
    "INSERT INTO memos_v4 SELECT id, target_kind, target_id, coder, created, updated, title, text FROM memos",
    "DROP TABLE codings",
    "DROP TABLE memos",
    "ALTER TABLE codings_v4 RENAME TO codings",
    "ALTER TABLE memos_v4 RENAME TO memos",
    "DELETE FROM sqlite_sequence WHERE name IN ('codings', 'memos')",
    _seed_sequence("codings", "coding"),
    _seed_sequence("memos", "memo"),
    "CREATE INDEX codings_segment ON codings(segment_id)",
    "CREATE INDEX codings_code ON codings(code_id)",
    "CREATE INDEX memos_target ON memos(target_kind, target_id)",
    *[
        f"""CREATE TRIGGER refi_guids_{table}_ad AFTER DELETE ON {table} BEGIN
            DELETE FROM refi_guids WHERE kind IN {kinds} AND local = CAST(old.id AS TEXT);
        END"""
        for table, kinds in (("codings", "('coding','selection')"), ("memos", "('memo')"))
    ],
    *[
        f"""CREATE TRIGGER memos_{table}_ad AFTER DELETE ON {table} BEGIN
            DELETE FROM memos WHERE target_kind = '{kind}' AND target_id = old.id;
        END"""
        for table, kind in (
            ("documents", "document"),
            ("segments", "segment"),
            ("cases", "case"),
            ("codes", "code"),
        )
    ],
]

# Version 5: surveys as data. An instrument's closed questions (`options`: a Likert scale, a ranking's item
# columns or a multiple choice's known options, as JSON), and each respondent of an instrument and wave (a case,
# with or without open text) with their answers as one JSON object: question key -> the answer as written
# (trimmed; a multiple choice keeps its cell, split when reported), or for a ranking item column -> rank. One
# row per respondent rather than per answer: a 100,000-row survey with 20 questions is 100,000 rows to write,
# not 2 million. `documents.participants` records how many people a session had when not all are labelled.
_SURVEY_TYPES_SQL = "('single','multiple','likert','ranking','numeric','date','text')"
_V5: list[str | Callable[[sqlite3.Connection], None]] = [
    f"""CREATE TABLE survey_questions (
        id INTEGER PRIMARY KEY,
        instrument TEXT NOT NULL CHECK (length(trim(instrument)) > 0),
        key TEXT NOT NULL CHECK (length(trim(key)) > 0),
        label TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN {_SURVEY_TYPES_SQL}),
        options TEXT NOT NULL DEFAULT '[]',
        separator TEXT,
        position INTEGER NOT NULL,
        UNIQUE (instrument, key)
    )""",
    """CREATE TABLE survey_respondents (
        id INTEGER PRIMARY KEY,
        instrument TEXT NOT NULL,
        wave TEXT NOT NULL DEFAULT '',
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        row INTEGER NOT NULL,
        answers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(answers)),
        UNIQUE (instrument, wave, case_id)
    )""",
    "CREATE INDEX survey_respondents_case ON survey_respondents(case_id)",
    "CREATE INDEX survey_respondents_document ON survey_respondents(document_id)",
    "ALTER TABLE documents ADD COLUMN participants INTEGER CHECK (participants IS NULL OR participants >= 0)",
    # Activity and monitoring figures (events, attendance ...) per period, overall (breakdown '') or per
    # category of a breakdown (e.g. breakdown 'sector', category 'housing').
    """CREATE TABLE monitoring (
        id INTEGER PRIMARY KEY,
        measure TEXT NOT NULL CHECK (length(trim(measure)) > 0),
        period TEXT NOT NULL DEFAULT '',
        breakdown TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        value REAL NOT NULL,
        source TEXT NOT NULL,
        imported TEXT NOT NULL,
        UNIQUE (measure, breakdown, category, period)
    )""",
]

# Transcripts and other tools' projects (issue 15): a turn's timestamp; each document's speakers with their role
# and legend code, so that `documents set --interviewer` can re-derive cases later; and a code's isCodable as
# another tool wrote it (NULL: qualcode decides, as before).
_V_FORMATS: list[str | Callable[[sqlite3.Connection], None]] = [
    "ALTER TABLE codes ADD COLUMN codable INTEGER CHECK (codable IN (0, 1))",
    "ALTER TABLE segments ADD COLUMN time TEXT",
    """CREATE TABLE document_speakers (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        speaker TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('researcher', 'participant')),
        code TEXT,
        PRIMARY KEY (document_id, speaker)
    ) WITHOUT ROWID""",
]


# Claims: the contribution argument as first-class objects (issue 14). An outcome map (aims, boundary partners,
# their outcomes), claims about an outcome or aim with a contribution category, the evaluator's judgements (a
# history, newest wins), evidence links coding -> claim each with a polarity, a coding's own polarity toward its
# code, rival explanations with their evidence, and recommendations tied to claims, outcomes or aims. The free
# text `codings.claim` stays (other tools read and write it); existing texts become claims here.
POLARITIES = ("supports", "contradicts", "mixed")
_POLARITY_SQL = "('supports','contradicts','mixed')"
_KEYED = "key TEXT NOT NULL UNIQUE CHECK (length(trim(key)) > 0)"
_LABEL = "label TEXT NOT NULL CHECK (length(trim(label)) > 0)"


def fold_claim(text: str) -> str:
    """The identity of a free-text claim: case- and space-folded."""
    return " ".join(text.split()).casefold()


def _claims_from_codings(conn: sqlite3.Connection) -> None:
    """One claim per case- and space-folded claim text on codings (keys claim-1, claim-2, ... in order of the
    first coding making it); the text is as first written, with runs of space made one. Each coding links to its
    claim: a coding marked 'none' (no contribution / rival) contradicts it, every other coding supports it. A
    claim's category is the contribution most of its supporting codings give (ties: the stronger category)."""
    order = {"sufficient": 0, "necessary": 1, "improved": 2}
    claims: dict[str, tuple[int, str]] = {}
    votes: dict[str, dict[str, int]] = {}
    rows = conn.execute(
        "SELECT id, claim, contribution, created, coder FROM codings"
        " WHERE claim IS NOT NULL AND trim(claim) != '' ORDER BY id"
    ).fetchall()
    for coding_id, text, contribution, created, coder in rows:
        folded = fold_claim(text)
        if folded not in claims:
            cur = conn.execute(
                "INSERT INTO claims(key, text, created, created_by) VALUES (?, ?, ?, ?)",
                (f"claim-{len(claims) + 1}", " ".join(text.split()), created, coder),
            )
            claims[folded] = (int(cur.lastrowid or 0), text)
            votes[folded] = {}
        polarity = "contradicts" if contribution == "none" else "supports"
        conn.execute(
            "INSERT INTO claim_evidence(coding_id, claim_id, polarity) VALUES (?, ?, ?)",
            (coding_id, claims[folded][0], polarity),
        )
        if contribution in order:
            votes[folded][contribution] = votes[folded].get(contribution, 0) + 1
    for folded, (claim_id, _) in claims.items():
        if votes[folded]:
            best = min(votes[folded], key=lambda c: (-votes[folded][c], order[c]))
            conn.execute("UPDATE claims SET category = ? WHERE id = ?", (best, claim_id))


_V_CLAIMS: list[str | Callable[[sqlite3.Connection], None]] = [
    f"ALTER TABLE codings ADD COLUMN polarity TEXT NOT NULL DEFAULT 'supports' CHECK (polarity IN {_POLARITY_SQL})",
    f"""CREATE TABLE aims (
        id INTEGER PRIMARY KEY, {_KEYED}, {_LABEL},
        success TEXT NOT NULL DEFAULT '[]',
        position INTEGER NOT NULL DEFAULT 0
    )""",
    f"""CREATE TABLE partners (
        id INTEGER PRIMARY KEY, {_KEYED}, {_LABEL},
        kind TEXT NOT NULL CHECK (kind IN ('direct','indirect')),
        position INTEGER NOT NULL DEFAULT 0
    )""",
    f"""CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY, {_KEYED}, {_LABEL},
        partner_id INTEGER REFERENCES partners(id) ON DELETE RESTRICT,
        mechanism TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE outcome_aims (
        outcome_id INTEGER NOT NULL REFERENCES outcomes(id) ON DELETE CASCADE,
        aim_id INTEGER NOT NULL REFERENCES aims(id) ON DELETE CASCADE,
        PRIMARY KEY (outcome_id, aim_id)
    ) WITHOUT ROWID""",
    f"""CREATE TABLE claims (
        id INTEGER PRIMARY KEY AUTOINCREMENT, {_KEYED},
        text TEXT NOT NULL CHECK (length(trim(text)) > 0),
        outcome_id INTEGER REFERENCES outcomes(id) ON DELETE RESTRICT,
        aim_id INTEGER REFERENCES aims(id) ON DELETE RESTRICT,
        category TEXT CHECK (category IS NULL OR category IN {_CONTRIB_SQL}),
        created TEXT NOT NULL,
        created_by TEXT NOT NULL
    )""",
    f"""CREATE TABLE claim_evidence (
        coding_id INTEGER NOT NULL REFERENCES codings(id) ON DELETE CASCADE,
        claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        polarity TEXT NOT NULL DEFAULT 'supports' CHECK (polarity IN {_POLARITY_SQL}),
        PRIMARY KEY (coding_id, claim_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX claim_evidence_claim ON claim_evidence(claim_id)",
    # An evaluator's judgement of a claim ('claim:KEY') or a framework row ('hls:CODE'); newest wins.
    """CREATE TABLE judgements (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL CHECK (target LIKE '%:%'),
        rating TEXT NOT NULL CHECK (length(trim(rating)) > 0),
        confidence TEXT CHECK (confidence IS NULL OR confidence IN ('low','medium','high')),
        rationale TEXT NOT NULL DEFAULT '',
        who TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
    "CREATE INDEX judgements_target ON judgements(target, id)",
    f"CREATE TABLE rivals (id INTEGER PRIMARY KEY, {_KEYED}, {_LABEL}, description TEXT NOT NULL DEFAULT '')",
    """CREATE TABLE claim_rivals (
        claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        rival_id INTEGER NOT NULL REFERENCES rivals(id) ON DELETE CASCADE,
        PRIMARY KEY (claim_id, rival_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE rival_evidence (
        coding_id INTEGER NOT NULL REFERENCES codings(id) ON DELETE CASCADE,
        rival_id INTEGER NOT NULL REFERENCES rivals(id) ON DELETE CASCADE,
        PRIMARY KEY (coding_id, rival_id)
    ) WITHOUT ROWID""",
    f"""CREATE TABLE recommendations (
        id INTEGER PRIMARY KEY, {_KEYED},
        text TEXT NOT NULL CHECK (length(trim(text)) > 0),
        priority TEXT NOT NULL DEFAULT '',
        owner TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE recommendation_links (
        recommendation_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
        target TEXT NOT NULL CHECK (target LIKE 'claim:%' OR target LIKE 'outcome:%' OR target LIKE 'aim:%'),
        PRIMARY KEY (recommendation_id, target)
    ) WITHOUT ROWID""",
    _claims_from_codings,
]

# Auto-coding (issue 16): codes proposed for many segments at once wait here as pending suggestions, never as
# codings, until a coder accepts (a coding with provenance) or rejects (a weighted negative) each one.
_V_PENDING = [
    """CREATE TABLE pending_suggestions (
        id INTEGER PRIMARY KEY,
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        reason TEXT,
        method TEXT,
        model_version TEXT,
        proposed_by TEXT NOT NULL,
        created TEXT NOT NULL,
        UNIQUE (segment_id, code_id)
    )""",
    "CREATE INDEX pending_suggestions_code ON pending_suggestions(code_id)",
]

# Scale (issue 17): indexes the hot paths lacked (tests/unit/test_query_plans.py finds a full scan of a large
# table where one should serve): a coder's codings (coders list, agreement, suggestions never repeating a
# coder's codes), the review decisions a reviewer gave and the memos a coder wrote.
_V_SCALE = [
    "CREATE INDEX codings_coder ON codings(coder, segment_id)",
    "CREATE INDEX reviews_reviewer ON reviews(reviewer)",
    "CREATE INDEX memos_coder ON memos(coder)",
]

# Sentence embeddings (issue 16, the optional qualcode[embeddings] model): one vector per segment and model,
# computed once and kept, with the hash of the text it was computed from; a change to the text drops it.
_V_EMBED = [
    """CREATE TABLE segment_embeddings (
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (segment_id, model)
    ) WITHOUT ROWID""",
    # The codebook's texts (each code's description and examples), by the hash of the text: a code whose text
    # changes has a new hash, so its old vector is simply never read again.
    """CREATE TABLE text_embeddings (
        text_hash TEXT NOT NULL,
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (text_hash, model)
    ) WITHOUT ROWID""",
    """CREATE TRIGGER segment_embeddings_stale AFTER UPDATE OF text ON segments
    WHEN new.text IS NOT old.text
    BEGIN
        DELETE FROM segment_embeddings WHERE segment_id = old.id;
    END""",
]

# Users and roles (issue 18): a server study's logins, group roles and row-level security
# (schema_pg_roles.py). A project file has one user, so its twin changes nothing; the version stays in step.
_V_ROLES: list[str] = []

# The suggester's refit (issue 17) reads through these indexes alone, never the rows: each code's coded and
# rejected segments (its counts, the fingerprint, a capped sample of them) and one coder's (segment, code)
# pairs. Each new index starts with the columns of the one it replaces, so it serves every lookup that did.
_V_REFIT = [
    "DROP INDEX IF EXISTS codings_code",
    "CREATE INDEX codings_code_segment ON codings(code_id, segment_id)",
    "CREATE INDEX suggestion_feedback_code ON suggestion_feedback(code_id, decision, segment_id)",
    "DROP INDEX IF EXISTS codings_coder",
    "CREATE INDEX codings_coder ON codings(coder, segment_id, code_id)",
]

# Server search keeps stop words (issue 18): a server study's twin makes its English search configuration
# stop-word free, as FTS5's porter tokenizer already is in a project file; nothing changes here.
_V_SEARCH: list[str] = []

Migration = list[str | Callable[["sqlite3.Connection"], None]]
MIGRATIONS: list[Migration] = [
    list(_V1),
    list(_V2),
    list(_V3),
    _V4,
    _V5,
    _V_FORMATS,
    _V_CLAIMS,
    list(_V_PENDING),
    list(_V_SCALE),
    list(V_COUNTS),
    list(_V_EMBED),
    list(_V_ROLES),
    list(_V_REFIT),
    list(_V_SEARCH),
]
# Versions that rebuild tables: applied with foreign keys off (a DROP TABLE would otherwise cascade).
REBUILDS = frozenset({4})
SCHEMA_VERSION = len(MIGRATIONS)
