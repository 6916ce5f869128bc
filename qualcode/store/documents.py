"""Documents, cases and segments: bulk import in one transaction, listing, and full-text search."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain, count, repeat
from operator import itemgetter
from typing import Any, cast

from qualcode.core.models import CaseTable, ParsedDocument, ParsedSegment, SegmentTable
from qualcode.core.rows import SearchHit, SegmentRow
from qualcode.errors import DuplicateError, InputError, NotFoundError, ProjectBusyError
from qualcode.store.project import Project, _is_busy, now

_SEGMENT_COLUMNS = (
    's.id, d.name AS document, c.name AS "case", s.speaker, s.question, d.source_type,'
    ' s.start, s."end", s.text'
)


def upsert_case(project: Project, name: str, attributes: dict[str, str], cache: dict[str, int]) -> int:
    """The case's id, creating it if new; attributes given here overwrite earlier values (logged)."""
    case_id = cache.get(name)
    if case_id is None:
        row = project.conn.execute("SELECT id FROM cases WHERE name = ?", (name,)).fetchone()
        if row:
            case_id = int(row[0])
        else:
            case_id = int(project.conn.execute("INSERT INTO cases(name) VALUES (?)", (name,)).lastrowid or 0)
        cache[name] = case_id
    if attributes:
        old = dict(
            project.conn.execute("SELECT name, value FROM case_attributes WHERE case_id = ?", (case_id,))
        )
        changed = {k: v for k, v in attributes.items() if old.get(k) != v}
        if changed:
            project.conn.executemany(
                "INSERT INTO case_attributes(case_id, name, value) VALUES (?, ?, ?)"
                " ON CONFLICT(case_id, name) DO UPDATE SET value = excluded.value",
                [(case_id, k, v) for k, v in changed.items()],
            )
            if old:
                project.log(
                    "case.attributes",
                    "case",
                    name,
                    {"before": {k: old.get(k) for k in changed}, "after": changed},
                )
    return case_id


def upsert_cases(
    project: Project, cases: Mapping[str, dict[str, str]], cache: dict[str, int]
) -> dict[str, int]:
    """upsert_case for many cases at once: cases new to the project (a large survey's respondents) are written
    with two executemany calls; cases already there go through upsert_case, which logs changed attributes."""
    known = dict(project.conn.execute("SELECT name, id FROM cases")) if len(cases) > 100 else {}
    if not known and len(cases) <= 100:
        return {name: upsert_case(project, name, attrs, cache) for name, attrs in cases.items()}
    if isinstance(cases, CaseTable):
        return _upsert_case_table(project, cases, known, cache)
    ids: dict[str, int] = {}
    new: list[tuple[int, str]] = []
    attributes: list[tuple[int, str, str]] = []
    next_id = int(project.scalar("SELECT coalesce(max(id), 0) + 1 FROM cases"))
    for name, attrs in cases.items():
        if name in known or name in cache:
            ids[name] = upsert_case(project, name, attrs, cache)
            continue
        ids[name] = cache[name] = next_id
        new.append((next_id, name))
        attributes.extend((next_id, k, v) for k, v in attrs.items())
        next_id += 1
    project.conn.executemany("INSERT INTO cases(id, name) VALUES (?, ?)", new)
    project.conn.executemany("INSERT INTO case_attributes(case_id, name, value) VALUES (?, ?, ?)", attributes)
    return ids


def _upsert_case_table(
    project: Project, table: CaseTable, known: dict[str, int], cache: dict[str, int]
) -> dict[str, int]:
    """upsert_cases for cases held column by column: the new ones' rows are made column by column too (in
    the order the per-case dicts would give: case by case, --attr attributes first), never a dict per case."""
    names = table.names
    columns = table.columns
    if known.keys().isdisjoint(names) and cache.keys().isdisjoint(names):
        fresh: list[int] | None = None  # every case is new: the usual survey import
    else:
        fresh = [i for i, n in enumerate(names) if n not in known and n not in cache]
        old = set(range(len(names))) - set(fresh)
        for i, name in enumerate(names):
            if i in old:
                upsert_case(project, name, table[name], cache)
        names = [names[i] for i in fresh]
        columns = {a: [values[i] for i in fresh] for a, values in columns.items()}
    next_id = int(project.scalar("SELECT coalesce(max(id), 0) + 1 FROM cases"))
    new_ids = range(next_id, next_id + len(names))
    project.conn.executemany("INSERT INTO cases(id, name) VALUES (?, ?)", zip(new_ids, names, strict=True))
    common = table.common
    per_attribute = []
    for a in [*common, *(a for a in columns if a not in common)]:
        values: Iterable[str] = columns[a] if a in columns else repeat(common[a], len(names))
        if a in columns and a in common:
            values = [v or common[a] for v in values]
        per_attribute.append(zip(new_ids, repeat(a), values))
    rows: Iterable[tuple[int, str, str]] = chain.from_iterable(zip(*per_attribute, strict=True))
    # A blank cell is no attribute; a blank --attr value is still given to every case (as a dict would).
    rows = (
        filter(itemgetter(2), rows) if all(common.values()) else (r for r in rows if r[2] or r[1] in common)
    )
    project.conn.executemany("INSERT INTO case_attributes(case_id, name, value) VALUES (?, ?, ?)", rows)
    cache.update(zip(names, new_ids, strict=True))
    return (
        {name: cache[name] for name in table.names}
        if fresh is not None
        else dict(zip(names, new_ids, strict=True))
    )


@contextlib.contextmanager
def _trigger_set_aside(project: Project, trigger: str, catch_up: Callable[[int], None]) -> Iterator[None]:
    """Inside a transaction: the insert trigger `trigger` on segments is dropped for the block, and
    `catch_up(last segment id before it)` does its work for the new rows in grouped statements at the end; the
    trigger is put back in the same transaction, so a crash or an error leaves it as it was, and an error caught
    by an outer transaction still finds the trigger back and the rows caught up. A server study keeps search
    and counts itself (a generated column, views): nothing to set aside there."""
    project.require_transaction()
    if project.on_server:
        yield
        return
    row = project.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
    )
    found = row.fetchone()
    if found is None:
        yield
        return
    before = int(project.scalar("SELECT coalesce(max(id), 0) FROM segments"))
    project.conn.execute(f"DROP TRIGGER {trigger}")
    try:
        yield
    finally:
        if project.conn.in_transaction:  # else SQLite rolled back already, trigger and all
            catch_up(before)
            project.conn.execute(found[0])


def fts_filled_once(project: Project) -> contextlib.AbstractContextManager[None]:
    """Segments inserted in the block reach the search index in one statement at the end instead of one
    trigger call per row (ten times faster: 0.35 s instead of 3.4 s for 100,000 segments)."""

    def catch_up(before: int) -> None:
        project.conn.execute(
            "INSERT INTO segments_fts(rowid, text) SELECT id, text FROM segments WHERE id > ?", (before,)
        )

    return _trigger_set_aside(project, "segments_ai", catch_up)


def counts_filled_once(project: Project) -> contextlib.AbstractContextManager[None]:
    """Segments inserted in the block reach the kept counts (schema V_COUNTS) in two grouped statements at the
    end instead of one trigger call per row (the trigger cost a third of an import). Only for blocks that
    insert segments and change no other segment."""

    def catch_up(before: int) -> None:
        project.conn.execute(
            "UPDATE document_counts SET segments = segments + (SELECT count(*) FROM segments s"
            " WHERE s.document_id = document_counts.document_id AND s.id > ?)"
            " WHERE document_id IN (SELECT DISTINCT document_id FROM segments WHERE id > ?)",
            (before, before),
        )
        project.conn.execute(
            "INSERT INTO document_case_counts(document_id, case_id, segments)"
            " SELECT document_id, case_id, count(*) FROM segments WHERE id > ? AND case_id IS NOT NULL"
            " GROUP BY document_id, case_id"
            " ON CONFLICT (document_id, case_id) DO UPDATE SET segments = segments + excluded.segments",
            (before,),
        )

    return _trigger_set_aside(project, "counts_segments_ai", catch_up)


def add_documents(
    project: Project,
    docs: list[ParsedDocument],
    allow_duplicate: bool = False,
    same_text_in_batch: bool = False,
    add_importer: bool = True,
) -> list[dict[str, Any]]:
    """Store parsed documents with their cases and segments, all or nothing. `same_text_in_batch`: documents of
    one REFI project may share their text (they are distinct sources); `add_importer=False` does not make the
    person importing a coder (a REFI import keeps the file's users only)."""
    names = [d.name for d in docs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"two files would both be named '{sorted(dupes)[0]}'; rename one with --name")
    results: list[dict[str, Any]] = []
    with project.transaction(), fts_filled_once(project), counts_filled_once(project):
        if add_importer:
            project.ensure_coder()
        cache: dict[str, int] = {}
        # Turn times and speakers' roles (schema _V_FORMATS): absent only on a project still at an older schema,
        # which only the upgrade tests make (they fill a project with today's code before upgrading it).
        timed = project.on_server or "time" in {
            r[1] for r in project.conn.execute("PRAGMA table_info(segments)")
        }
        seen_hashes: dict[str, str] = {}
        here_before: dict[str, str] = {}  # documents already in the project before this batch, by content
        for doc in docs:
            row = project.conn.execute(
                "SELECT name FROM documents WHERE sha256 = ?", (doc.sha256,)
            ).fetchone()
            if row:
                here_before[doc.sha256] = row[0]
        for doc in docs:
            if not allow_duplicate:
                earlier = here_before.get(doc.sha256) or (
                    None if same_text_in_batch else seen_hashes.get(doc.sha256)
                )
                if earlier:
                    raise DuplicateError(
                        f"{doc.original_name}: already imported as '{earlier}' (same content); "
                        "use --allow-duplicate to import it again"
                    )
            seen_hashes[doc.sha256] = doc.name
            if project.conn.execute("SELECT 1 FROM documents WHERE name = ?", (doc.name,)).fetchone():
                raise DuplicateError(
                    f"{doc.original_name}: a document named '{doc.name}' already exists; choose another with --name"
                )
            case_ids = upsert_cases(project, doc.cases, cache)
            cur = project.conn.execute(
                "INSERT INTO documents(name, source_type, original_name, sha256, text, imported, imported_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc.name, doc.source_type, doc.original_name, doc.sha256, doc.text, now(), project.coder),
            )
            if doc.participants is not None:
                project.conn.execute(
                    "UPDATE documents SET participants = ? WHERE id = ?", (doc.participants, cur.lastrowid)
                )
            doc_id = int(cur.lastrowid or 0)
            segments = doc.segments
            owners = segments.cases if isinstance(segments, SegmentTable) else [s.case for s in segments]
            for case in dict.fromkeys(filter(None, owners)):  # in order: new cases' ids follow it
                if case not in case_ids:
                    case_ids[case] = upsert_case(project, case, {}, cache)
            # one executemany per document, turn times in the same row (no second pass of UPDATEs)
            project.conn.executemany(
                'INSERT INTO segments(document_id, position, case_id, speaker, question, start, "end", text'
                f"{', time' if timed else ''}) VALUES (?, ?, ?, ?, ?, ?, ?, ?{', ?' if timed else ''})",
                _segment_rows(doc_id, segments, doc.text, case_ids, timed),
            )
            _add_turn_details(project, doc_id, doc, timed)
            result = {
                "document": doc.name,
                "source_type": doc.source_type,
                "file": doc.original_name,
                "sha256": doc.sha256,
                "segments": len(doc.segments),
                "cases": len(case_ids),
                "warnings": list(doc.warnings),
            }
            if doc.participants is not None:
                result["participants"] = doc.participants
            if doc.survey is not None:
                from qualcode.store.survey import store_survey

                result["instrument"] = doc.survey.instrument
                result["respondents"] = store_survey(project, doc_id, doc.survey, case_ids)
                result["questions"] = len(doc.survey.questions)
            project.log("import", "document", doc.name, {k: v for k, v in result.items() if k != "document"})
            results.append(result)
    return results


def _segment_rows(
    doc_id: int,
    segments: list[ParsedSegment] | SegmentTable,
    text: str,
    case_ids: dict[str, int],
    timed: bool,
) -> Iterable[tuple[Any, ...]]:
    """The segments' rows (document, position, case, speaker, question, start, end, text[, time]); a
    SegmentTable's straight from its columns, without an object per segment."""
    if isinstance(segments, SegmentTable):
        starts, ends = segments.starts, segments.ends
        columns: list[Iterable[Any]] = [
            repeat(doc_id),
            count(),
            map(case_ids.get, segments.cases),
            repeat(None),
            segments.questions,
            starts,
            ends,
            map(text.__getitem__, map(slice, starts, ends)),
        ]
        return zip(*columns, *([repeat(None)] if timed else []), strict=False)  # the lists end it
    return [
        (
            doc_id,
            i,
            case_ids.get(s.case) if s.case else None,
            s.speaker,
            s.question,
            s.start,
            s.end,
            text[s.start : s.end],
            *((s.time or None,) if timed else ()),
        )
        for i, s in enumerate(segments)
    ]


def _add_turn_details(project: Project, doc_id: int, doc: ParsedDocument, timed: bool) -> None:
    """Speakers' roles (schema _V_FORMATS, which also gave segments their `time`)."""
    if not timed:
        return
    codes = {name: code for code, name in doc.legend.items()}
    project.conn.executemany(
        "INSERT INTO document_speakers(document_id, speaker, role, code) VALUES (?, ?, ?, ?)",
        [(doc_id, speaker, role, codes.get(speaker)) for speaker, role in doc.roles.items()],
    )


def document_id(project: Project, name: str) -> int:
    row = project.conn.execute("SELECT id FROM documents WHERE name = ?", (name,)).fetchone()
    if not row:
        raise NotFoundError(f"no document named '{name}'")
    return int(row[0])


def list_documents(project: Project, document_id: int | None = None) -> list[dict[str, Any]]:
    """Each document (or just one) with its segment, case and coded-segment counts, read from the counts the
    writes keep (schema V_COUNTS): the cost does not grow with the segments or codings."""
    where = "WHERE d.id = ?" if document_id is not None else ""
    return project.query(
        f"""SELECT d.id, d.name, d.source_type, d.original_name, d.sha256, d.imported,
                  coalesce(n.segments, 0) AS segments,
                  (SELECT count(*) FROM document_case_counts x WHERE x.document_id = d.id) AS cases,
                  coalesce(n.coded_segments, 0) AS coded_segments,
                  (SELECT coalesce(sum(x.segments), 0) FROM document_case_counts x WHERE x.document_id = d.id)
                      AS participant_segments,
                  coalesce(n.coded_participant_segments, 0) AS coded_participant_segments,
                  coalesce(n.codings, 0) AS codings
           FROM documents d LEFT JOIN document_counts n ON n.document_id = d.id {where} ORDER BY d.id""",
        [] if document_id is None else [document_id],
    )


def list_segments(
    project: Project, document: str | None = None, limit: int | None = None, offset: int = 0
) -> list[SegmentRow]:
    where, params = "", []
    if document is not None:
        where = "WHERE s.document_id = ?"
        params.append(document_id(project, document))
    page = ""
    if limit is not None:
        page = " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return cast(
        list[SegmentRow],
        project.query(
            f"SELECT {_SEGMENT_COLUMNS} FROM segments s JOIN documents d ON d.id = s.document_id"
            f" LEFT JOIN cases c ON c.id = s.case_id {where} ORDER BY s.document_id, s.position{page}",
            params,
        ),
    )


def get_segment(project: Project, segment_id: int) -> dict[str, Any]:  # a SegmentRow and its document_id
    rows = project.query(
        f"SELECT {_SEGMENT_COLUMNS}, s.document_id FROM segments s JOIN documents d ON d.id = s.document_id"
        " LEFT JOIN cases c ON c.id = s.case_id WHERE s.id = ?",
        (segment_id,),
    )
    if not rows:
        raise NotFoundError(f"no segment with id {segment_id}")
    return rows[0]


# What SQLite says when the text is not valid FTS5 query syntax: only then is it searched as plain words.
_FTS_SYNTAX_ERRORS = ("fts5: syntax error", "unterminated string", "no such column", "unknown special query")


def _fts_literal(query: str) -> str:
    """The query as plain words, each quoted, for when the user's text is not valid FTS5 syntax."""
    words = [w.replace('"', '""') for w in query.split()]
    return " ".join(f'"{w}"' for w in words if w)


def search_segments(project: Project, query: str, limit: int = 200) -> list[SearchHit]:
    """FTS5 search (porter stemming: 'referring' finds 'refer'), best first, with each hit's codes."""
    if not query.strip():
        raise InputError("search query is empty")
    if project.on_server:
        return _search_server(project, query, limit)
    sql = (
        f"SELECT {_SEGMENT_COLUMNS},"
        " snippet(segments_fts, 0, '[', ']', '…', 12) AS snippet,"
        " (SELECT group_concat(key, ' ') FROM (SELECT DISTINCT c2.key FROM codings k JOIN codes c2"
        "   ON c2.id = k.code_id WHERE k.segment_id = s.id ORDER BY c2.key)) AS codes"
        " FROM segments_fts f JOIN segments s ON s.id = f.rowid JOIN documents d ON d.id = s.document_id"
        " LEFT JOIN cases c ON c.id = s.case_id WHERE segments_fts MATCH ? ORDER BY rank LIMIT ?"
    )
    try:
        rows = project.query(sql, (query, limit))
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise ProjectBusyError(
                f"{project.path}: project busy (another process is writing); try again"
            ) from None
        if not str(exc).startswith(_FTS_SYNTAX_ERRORS):
            raise
        literal = _fts_literal(query)
        if not literal:
            raise InputError(f"cannot search for {query!r}") from None
        rows = project.query(sql, (literal, limit))
    for row in rows:
        row["codes"] = row["codes"].split() if row["codes"] else []
    return cast(list[SearchHit], rows)


def _search_server(project: Project, query: str, limit: int) -> list[SearchHit]:
    """PostgreSQL's full-text search (English stemming: 'referring' finds 'refer'), best first. The query is read
    as a web search (words, "quoted phrases", OR, -word), which has no syntax errors."""
    from qualcode.store.pg import server_search_sql

    rows = project.query(server_search_sql(_SEGMENT_COLUMNS), (query, limit))
    for row in rows:
        row["codes"] = row["codes"].split() if row["codes"] else []
    return cast(list[SearchHit], rows)


def segment_texts_except(project: Project, segment_id: int) -> list[tuple[int, str, str]]:
    """Every segment with text (id, text, document name) but `segment_id`, in id order."""
    rows = project.conn.execute(
        "SELECT s.id, s.text, d.name FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE s.id != ? AND trim(s.text) != '' ORDER BY s.id",
        (segment_id,),
    ).fetchall()
    return [(int(r[0]), r[1], r[2]) for r in rows]


def segments_sharing_words(project: Project, words: list[str], limit: int) -> list[tuple[int, str, str]]:
    """Up to `limit` segments (id, text, document name) containing any of `words` (stemmed as in search), best
    ranked first: read through the search index, so the cost follows the matches, not the project's size."""
    if not words:
        return []
    if project.on_server:
        sql = (
            "SELECT s.id, s.text, d.name FROM (SELECT websearch_to_tsquery('qualcode_english', ?) AS q) q"
            " CROSS JOIN segments s JOIN documents d ON d.id = s.document_id"
            " WHERE s.tsv @@ q.q ORDER BY ts_rank(s.tsv, q.q) DESC, s.id LIMIT ?"
        )
        query = " or ".join(w.replace('"', " ") for w in words)
    else:
        sql = (
            "SELECT s.id, s.text, d.name FROM segments_fts f JOIN segments s ON s.id = f.rowid"
            " JOIN documents d ON d.id = s.document_id WHERE segments_fts MATCH ? ORDER BY rank LIMIT ?"
        )
        query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    return [(int(r[0]), r[1], r[2]) for r in project.conn.execute(sql, (query, limit)).fetchall()]


def list_cases(project: Project) -> list[dict[str, Any]]:
    """Each case with its attributes, the source types it speaks in, and its segment count."""
    cases = project.query(
        "SELECT c.id, c.name, count(s.id) AS segments, group_concat(DISTINCT d.source_type) AS source_types"
        " FROM cases c LEFT JOIN segments s ON s.case_id = c.id LEFT JOIN documents d ON d.id = s.document_id"
        " GROUP BY c.id ORDER BY c.name"
    )
    attrs: dict[int, dict[str, str]] = {}
    for case_id, name, value in project.conn.execute(
        "SELECT case_id, name, value FROM case_attributes ORDER BY name"
    ):
        attrs.setdefault(case_id, {})[name] = value
    responded: dict[int, set[str]] = {}
    for case_id, source_type in project.conn.execute(
        "SELECT DISTINCT r.case_id, d.source_type FROM survey_respondents r JOIN documents d ON d.id = r.document_id"
    ):
        responded.setdefault(case_id, set()).add(source_type)
    for row in cases:
        types = set((row["source_types"] or "").split(",")) if row["source_types"] else set()
        row["source_types"] = sorted(types | responded.get(row["id"], set()))
        row["attributes"] = attrs.get(row["id"], {})
    return cases
