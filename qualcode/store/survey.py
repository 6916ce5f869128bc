"""Survey instruments, respondents and closed answers: stored with their document, read back for reports."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from qualcode.core.survey import SurveyData, SurveyQuestion
from qualcode.errors import InputError
from qualcode.store.project import Project


def _question_id(project: Project, instrument: str, q: SurveyQuestion, position: int) -> int:
    """The stored question's id, adding it if new; a second file of the same instrument must agree on it."""
    row = project.conn.execute(
        "SELECT id, type, options, separator FROM survey_questions WHERE instrument = ? AND key = ?",
        (instrument, q.key),
    ).fetchone()
    if row is None:
        cur = project.conn.execute(
            "INSERT INTO survey_questions(instrument, key, label, type, options, separator, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                instrument,
                q.key,
                q.label,
                q.type,
                json.dumps(q.options, ensure_ascii=False),
                q.separator,
                position,
            ),
        )
        return int(cur.lastrowid or 0)
    qid, qtype, options, separator = row
    fixed = q.type in ("likert", "ranking")
    if qtype != q.type or (fixed and json.loads(options) != q.options) or separator != q.separator:
        raise InputError(
            f"instrument {instrument!r} already has question {q.key!r} as {qtype}"
            f"{' ' + options if fixed else ''}; this file makes it {q.type}"
            f"{' ' + json.dumps(q.options, ensure_ascii=False) if q.type in ('likert', 'ranking') else ''}"
            " (use the same spec, or another --instrument); nothing was imported"
        )
    if q.type == "multiple" and q.options and json.loads(options) != q.options:
        merged = json.loads(options) + [o for o in q.options if o not in json.loads(options)]
        project.conn.execute(
            "UPDATE survey_questions SET options = ? WHERE id = ?",
            (json.dumps(merged, ensure_ascii=False), qid),
        )
    return int(qid)


def store_survey(project: Project, document_id: int, survey: SurveyData, case_ids: dict[str, int]) -> int:
    """Write an imported survey's questions, respondents and answers (inside the import's transaction).
    Returns the number of respondents."""
    instrument = survey.instrument
    start = int(
        project.scalar(
            "SELECT coalesce(max(position), -1) + 1 FROM survey_questions WHERE instrument = ?", (instrument,)
        )
        or 0
    )
    for i, q in enumerate(survey.questions):
        _question_id(project, instrument, q, start + i)
    case_list = list(map(case_ids.__getitem__, survey.cases))
    taken: dict[tuple[str, int], str] = {}
    for wave in sorted(set(survey.waves)):
        for case_id, doc in project.conn.execute(
            "SELECT r.case_id, d.name FROM survey_respondents r JOIN documents d ON d.id = r.document_id"
            " WHERE r.instrument = ? AND r.wave = ?",
            (instrument, wave),
        ):
            taken[wave, int(case_id)] = doc
    if taken:
        for i, key in enumerate(zip(survey.waves, case_list, strict=True)):
            if key in taken:
                wave = f" wave {key[0]!r}" if key[0] else ""
                raise InputError(
                    f"respondent {survey.cases[i]!r} (row {survey.rows[i]}) is already in instrument "
                    f"{instrument!r}{wave}, from {taken[key]!r}; give this file another --wave or --instrument; "
                    "nothing was imported"
                )
    project.conn.executemany(
        "INSERT INTO survey_respondents(instrument, wave, case_id, document_id, row, answers)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        zip(
            repeat(instrument),
            survey.waves,
            case_list,
            repeat(document_id),
            survey.rows,
            survey.answers,
            strict=False,  # repeat() is endless: the lists end it
        ),
    )
    return len(case_list)


@dataclass(slots=True)
class InstrumentData:
    """One instrument's questions and respondents, as a report reads them."""

    name: str
    questions: list[SurveyQuestion]
    respondents: dict[int, tuple[int, str, int]]  # respondent id -> (case id, wave, document id)
    answers: dict[str, dict[int, list[tuple[str, str]]]] = field(
        default_factory=dict
    )  # question -> respondent -> answers
    # Without per-respondent answers: wave -> question -> ((item, value) counts, respondents who answered).
    counts: dict[str, dict[str, tuple[Counter[tuple[str, str]], int]]] = field(default_factory=dict)


def list_instruments(project: Project) -> list[dict[str, Any]]:
    """Each instrument and wave with its respondents and questions."""
    return project.query(
        "SELECT r.instrument, r.wave, count(*) AS respondents,"
        " (SELECT count(*) FROM survey_questions q WHERE q.instrument = r.instrument) AS questions"
        " FROM survey_respondents r GROUP BY r.instrument, r.wave ORDER BY min(r.id), r.wave"
    )


def load_instruments(
    project: Project,
    instrument: str | None = None,
    wave: str | None = None,
    questions: tuple[str, ...] = (),
    per_respondent: bool = True,
) -> list[InstrumentData]:
    """Instruments (one, or all) with their respondents (one wave, or all) and the answers to `questions`
    (all when empty): each respondent's answers, or (faster, for reports not split by respondent
    characteristics) only the counts per wave. Unknown names are an InputError listing the known ones."""
    names = [
        r[0]
        for r in project.conn.execute(
            "SELECT instrument FROM survey_respondents GROUP BY instrument ORDER BY min(id)"
        )
    ]
    if instrument is not None and instrument not in names:
        raise InputError(
            f"no survey instrument {instrument!r} (instruments: {', '.join(names) or 'none imported'})"
        )
    if wave is not None:
        waves = {
            r[0]
            for r in project.conn.execute(
                "SELECT DISTINCT wave FROM survey_respondents"
                + (" WHERE instrument = ?" if instrument else ""),
                (instrument,) if instrument else (),
            )
        }
        if wave not in waves:
            raise InputError(
                f"no wave {wave!r} (waves: {', '.join(sorted(w for w in waves if w)) or 'none'})"
            )
    out = []
    for name in [instrument] if instrument else names:
        qs = [
            SurveyQuestion(key, qtype, label, [], json.loads(options), separator)
            for key, qtype, label, options, separator in project.conn.execute(
                "SELECT key, type, label, options, separator FROM survey_questions WHERE instrument = ?"
                " ORDER BY position, id",
                (name,),
            )
        ]
        if questions:
            unknown = [k for k in questions if k not in {q.key for q in qs}]
            if unknown and instrument:
                raise InputError(
                    f"instrument {name!r} has no question {unknown[0]!r} "
                    f"(questions: {', '.join(q.key for q in qs)})"
                )
            qs = [q for q in qs if q.key in questions]
        sql = "SELECT id, case_id, wave, document_id, answers FROM survey_respondents WHERE instrument = ?"
        params: list[Any] = [name]
        if wave is not None:
            sql += " AND wave = ?"
            params.append(wave)
        data = InstrumentData(name, qs, {})
        keys = {q.key for q in qs}
        ranking = {q.key for q in qs if q.type == "ranking"}
        loads = json.loads
        tallies: dict[str, dict[str, Counter[tuple[str, str]]]] = {}
        answered: dict[tuple[str, str], int] = {}
        # Without per-respondent answers, each respondent's answers are counted as (question, answer) pairs in
        # C (Counter.update); a ranking's answer is read as its ((item, rank), ...) pairs, so it can be counted.
        by_wave: dict[str, Counter[tuple[str, Any]]] = {}
        pairs_of = json.JSONDecoder(object_pairs_hook=tuple).decode
        if per_respondent:
            for key in keys:
                data.answers[key] = {}
        for rid, cid, w, did, answers in project.conn.execute(sql + " ORDER BY id", params):
            data.respondents[rid] = (cid, w, did)
            if per_respondent:
                for key, value in loads(answers).items():
                    if key in keys:
                        data.answers[key][rid] = list(value.items()) if key in ranking else [("", value)]
                continue
            pairs = by_wave.get(w)
            if pairs is None:
                pairs = by_wave[w] = Counter()
            pairs.update(pairs_of(answers))
        # Each distinct (question, answer) once, in the order first met: the same counts, in the same order,
        # as going through every answer of every respondent.
        for w, pairs in by_wave.items():
            counters = tallies.setdefault(w, {})
            for (key, value), n in pairs.items():
                if key not in keys:
                    continue
                tally = counters.get(key)
                if tally is None:
                    tally = counters[key] = Counter()
                if key in ranking:
                    for item in value:
                        tally[item] += n
                else:
                    tally[("", value)] += n
                answered[w, key] = answered.get((w, key), 0) + n
        if not data.respondents:
            continue
        data.counts = {
            w: {key: (tally, answered[w, key]) for key, tally in counters.items()}
            for w, counters in tallies.items()
        }
        out.append(data)
    if questions and not any(q.key in questions for d in out for q in d.questions):
        raise InputError(f"no instrument has question {questions[0]!r}")
    return out


def question_keys(project: Project, instrument: str) -> list[str]:
    return [
        r[0]
        for r in project.conn.execute(
            "SELECT key FROM survey_questions WHERE instrument = ? ORDER BY position, id", (instrument,)
        )
    ]


def case_attribute(project: Project, name: str) -> dict[int, str]:
    """case id -> value of one case attribute."""
    return {
        int(c): v
        for c, v in project.conn.execute("SELECT case_id, value FROM case_attributes WHERE name = ?", (name,))
    }


def cases_with_code(project: Project, key: str) -> set[tuple[int, int]]:
    """(case id, document id) pairs whose segments carry the code or one below it, leaving out codings a
    reviewer rejected."""
    if not project.conn.execute("SELECT 1 FROM codes WHERE key = ?", (key,)).fetchone():
        raise InputError(f"--by code:{key}: no code with that key")
    rows = project.conn.execute(
        """WITH RECURSIVE tree(id) AS (SELECT id FROM codes WHERE key = ?
               UNION SELECT c.id FROM codes c JOIN tree t ON c.parent_id = t.id)
           SELECT DISTINCT s.case_id, s.document_id, k.id FROM codings k JOIN segments s ON s.id = k.segment_id
           WHERE k.code_id IN (SELECT id FROM tree) AND s.case_id IS NOT NULL""",
        (key,),
    ).fetchall()
    from qualcode.store.reviews import review_status

    status = review_status(project, [r[2] for r in rows])
    return {(int(c), int(d)) for c, d, kid in rows if status.get(kid) != "rejected"}


def set_participants(project: Project, document: str, participants: int | None) -> dict[str, Any]:
    """Record how many people a session had (None clears it); logged."""
    from qualcode.store.documents import document_id

    with project.transaction():
        doc_id = document_id(project, document)
        before = project.scalar("SELECT participants FROM documents WHERE id = ?", (doc_id,))
        project.conn.execute("UPDATE documents SET participants = ? WHERE id = ?", (participants, doc_id))
        project.log("document.participants", "document", document, {"before": before, "after": participants})
    return {"document": document, "participants": participants, "before": before}


def participation(project: Project) -> list[dict[str, Any]]:
    """Who took part, by method: each survey instrument and wave (respondents, whether or not they wrote open
    text), then each other source type (sessions, and people: a session's recorded --participants count when
    given, which includes its speaker-labelled cases, else its distinct cases)."""
    from qualcode.core.models import SOURCE_TYPES

    conn = project.conn
    seg_cases: dict[int, set[int]] = {}
    for doc_id, case_id in conn.execute(
        "SELECT DISTINCT document_id, case_id FROM segments WHERE case_id IS NOT NULL"
    ):
        seg_cases.setdefault(int(doc_id), set()).add(int(case_id))
    rows: list[dict[str, Any]] = []
    survey_docs: set[int] = set()
    for instrument, wave, sessions, people in conn.execute(
        "SELECT instrument, wave, count(DISTINCT document_id), count(DISTINCT case_id) FROM survey_respondents"
        " GROUP BY instrument, wave ORDER BY min(id)"
    ):
        rows.append(
            {
                "method": "survey",
                "instrument": instrument,
                "wave": wave or None,
                "sessions": sessions,
                "participants": people,
                "named": people,
                "counted": 0,
            }
        )
    survey_docs = {int(r[0]) for r in conn.execute("SELECT DISTINCT document_id FROM survey_respondents")}
    by_type: dict[str, list[tuple[int, int | None]]] = {}
    for doc_id, stype, n in conn.execute("SELECT id, source_type, participants FROM documents ORDER BY id"):
        if int(doc_id) not in survey_docs:
            by_type.setdefault(stype, []).append((int(doc_id), n))
    extra_total = 0
    for stype in SOURCE_TYPES:
        docs = by_type.get(stype)
        if not docs:
            continue
        named: set[int] = set()
        counted = 0
        for doc_id, n in docs:
            cases = seg_cases.get(doc_id, set())
            if n is None:
                named |= cases
            else:
                counted += max(n, len(cases))
                extra_total += max(0, n - len(cases))
        rows.append(
            {
                "method": stype,
                "instrument": None,
                "wave": None,
                "sessions": len(docs),
                "participants": len(named) + counted,
                "named": len(named),
                "counted": counted,
            }
        )
    everyone = int(
        conn.execute(
            "SELECT count(*) FROM (SELECT case_id FROM segments WHERE case_id IS NOT NULL"
            " UNION SELECT case_id FROM survey_respondents) AS everyone"
        ).fetchone()[0]
    )
    sessions = len(survey_docs) + sum(len(docs) for docs in by_type.values())
    rows.append(
        {
            "method": "everyone",
            "instrument": None,
            "wave": None,
            "sessions": sessions,
            "participants": everyone + extra_total,
            "named": everyone,
            "counted": extra_total,
        }
    )
    return rows
