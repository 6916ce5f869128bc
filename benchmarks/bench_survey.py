"""Import a generated survey (default 100,000 rows, 20 closed questions, 2 open) with a spec, then write
`report survey --format xlsx`; print rows per second and seconds (targets: >= 20,000 rows/s, < 5 s), wall and
CPU time, medians of 3 runs; the raw SQLite floor for the same rows; and check that every stored answer
equals the source.

    python -m benchmarks.bench_survey [--rows 100000] [--runs 3] [--keep PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from qualcode.app.actions import import_files
from qualcode.app.survey import SurveyRequest, run_survey_report
from qualcode.ingest import ImportOptions
from qualcode.ingest.survey_spec import load_spec
from qualcode.store.project import Project, delete_project_files

T = TypeVar("T")

LIKERT = ["Strongly agree", "Agree", "Neither", "Disagree", "Strongly disagree"]
SECTORS = ["statutory", "voluntary", "private", "lived experience"]
TOPICS = ["training", "network meetings", "briefings", "consultation", "resources"]
WORDS = [
    "referrals",
    "hostel",
    "trust",
    "confidence",
    "partnership",
    "training",
    "women",
    "housing",
    "probation",
    "outreach",
    "listening",
    "time",
    "staff",
    "team",
    "change",
    "waiting",
]


def write_survey(folder: Path, rows: int, seed: int = 13) -> tuple[Path, Path]:
    """20 closed questions: 6 single, 6 Likert, 3 multiple, 2 rankings (3 items each), 2 numeric, 1 date;
    2 open-text columns, each blank for about a third of respondents."""
    rnd = random.Random(seed)
    single = [f"single_{i}" for i in range(1, 7)]
    likert = [f"likert_{i}" for i in range(1, 7)]
    multiple = [f"multi_{i}" for i in range(1, 4)]
    rankings = [[f"rank{r}_{i}" for i in ("a", "b", "c")] for r in (1, 2)]
    header = [
        "respondent_id",
        "wave",
        *single,
        *likert,
        *multiple,
        *rankings[0],
        *rankings[1],
        "age",
        "events",
        "completed",
        "open_1",
        "open_2",
    ]
    csv_path = folder / "survey.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for n in range(rows):
            ranks = []
            for _ in rankings:
                order = ["1", "2", "3"]
                rnd.shuffle(order)
                if rnd.random() < 0.1:
                    order[rnd.randrange(3)] = ""
                ranks += order
            w.writerow(
                [
                    f"R{n:06d}",
                    "2021-06" if n % 2 else "2022-06",
                    *[rnd.choice(SECTORS) for _ in single],
                    *[rnd.choice(LIKERT) if rnd.random() > 0.05 else "" for _ in likert],
                    *[";".join(rnd.sample(TOPICS, rnd.randint(0, 3))) for _ in multiple],
                    *ranks,
                    rnd.randint(18, 70),
                    rnd.randint(0, 12),
                    f"2021-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                    *[
                        " ".join(rnd.choices(WORDS, k=rnd.randint(5, 30))) if rnd.random() > 0.33 else ""
                        for _ in range(2)
                    ],
                ]
            )
    questions = (
        [{"column": c, "type": "single"} for c in single]
        + [{"column": c, "type": "likert", "scale": LIKERT} for c in likert]
        + [{"column": c, "type": "multiple", "separator": ";"} for c in multiple]
        + [{"columns": cols, "type": "ranking", "key": f"rank{i}"} for i, cols in enumerate(rankings, 1)]
        + [
            {"column": "age", "type": "numeric"},
            {"column": "events", "type": "numeric"},
            {"column": "completed", "type": "date"},
        ]
    )
    spec = {
        "instrument": "Bench survey",
        "wave_column": "wave",
        "id_column": "respondent_id",
        "text_columns": ["open_1", "open_2"],
        "questions": questions,
    }
    spec_path = folder / "survey.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return csv_path, spec_path


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """fn's result, wall seconds and CPU seconds (this process: user + system)."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - t0, time.process_time() - c0


_FLOOR_TABLES = (
    "cases",
    "case_attributes",
    "documents",
    "segments",
    "survey_questions",
    "survey_respondents",
)


def raw_floor(project_path: Path, floor_path: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds to write the rows the import wrote with plain SQLite: one executemany per
    table into a new project's tables (same indexes, constraints and journal settings), the search index
    filled once, one transaction: what any import of this survey must at least pay."""
    with sqlite3.connect(project_path) as src:
        data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in _FLOOR_TABLES}
    walls, cpus = [], []
    for _ in range(runs):
        delete_project_files(floor_path)
        floor = Project.create(floor_path, coder="bench")

        def write(floor: Project = floor) -> None:
            with floor.transaction():
                trigger = floor.scalar("SELECT sql FROM sqlite_master WHERE name = 'segments_ai'")
                floor.conn.execute("DROP TRIGGER segments_ai")
                for table, rows in data.items():
                    marks = ", ".join("?" * len(rows[0]))
                    floor.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
                floor.conn.execute("INSERT INTO segments_fts(rowid, text) SELECT id, text FROM segments")
                floor.conn.execute(trigger)

        _, wall, cpu = timed(write)
        floor.close()
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def check_stored(path: Path, csv_path: Path, spec_path: Path) -> int:
    """Every stored answer equals the source: each respondent's closed answers (trimmed, blanks left out), wave
    and single-choice attributes, and each open answer's segment (the answer without its surrounding spacing,
    and the very characters of the document at the segment's offsets). Returns the number of values compared."""
    spec = load_spec(spec_path)
    with open(csv_path, newline="", encoding="utf-8") as fh:
        source = list(csv.DictReader(fh))
    conn = sqlite3.connect(path)
    stored = {
        case: (wave, json.loads(answers))
        for case, wave, answers in conn.execute(
            "SELECT c.name, r.wave, r.answers FROM survey_respondents r JOIN cases c ON c.id = r.case_id"
        )
    }
    segments = {
        (case, question): text
        for case, question, text in conn.execute(
            "SELECT c.name, s.question, s.text FROM segments s JOIN cases c ON c.id = s.case_id"
        )
    }
    attributes = {
        (c, n): v
        for c, n, v in conn.execute(
            "SELECT c.name, a.name, a.value FROM case_attributes a JOIN cases c ON c.id = a.case_id"
        )
    }
    texts = dict(conn.execute("SELECT id, text FROM documents"))
    off = sum(
        texts[doc][start:end] != text
        for doc, start, end, text in conn.execute('SELECT document_id, start, "end", text FROM segments')
    )
    conn.close()
    assert off == 0, f"{off} segments differ from the document at their offsets"
    assert len(stored) == len(source), (len(stored), len(source))
    compared = 0
    for row in source:
        rid = row[spec.id_column or ""]
        want: dict[str, object] = {}
        for q in spec.questions:
            if q.type == "ranking":
                ranks = {c: row[c].strip() for c in q.columns if row[c].strip()}
                if ranks:
                    want[q.key] = ranks
            elif row[q.columns[0]].strip():
                want[q.key] = row[q.columns[0]].strip()
        assert stored[rid] == (row[spec.wave_column or ""], want), (rid, stored[rid], want)
        for col in spec.text_columns:
            answer = row[col].strip()
            assert segments.get((rid, col)) == (answer or None), (rid, col)
        for col in spec.attribute_columns:
            value = row[col].strip()
            assert attributes.get((rid, col)) == (value or None), (rid, col)
        compared += 1 + len(want) + len(spec.text_columns) + len(spec.attribute_columns)
    return compared


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3, help="Imports and reports timed (the median is given).")
    ap.add_argument("--keep", type=Path, help="Keep the built project at this path.")
    args = ap.parse_args()
    print(
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; medians of {args.runs} runs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, spec_path = write_survey(folder, args.rows)
        path = args.keep or folder / "bench.qcdb"
        walls, cpus = [], []
        for _ in range(args.runs):
            delete_project_files(path)
            project = Project.create(path, coder="bench")
            options = ImportOptions(spec=load_spec(spec_path), max_bytes=1 << 30)
            results, wall, cpu = timed(lambda p=project, o=options: import_files(p, [csv_path], o))
            project.close()
            walls.append(wall)
            cpus.append(cpu)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(
            f"survey file: {csv_path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows, "
            f"{results[0]['questions']} closed questions, {results[0]['segments']:,} open answers"
        )
        print(
            f"import: wall {wall:.2f} s = {args.rows / wall:,.0f} rows/s (target >= 20,000); "
            f"CPU {cpu:.2f} s = {args.rows / cpu:,.0f} rows/s of CPU (runs: wall "
            f"{', '.join(f'{w:.2f}' for w in walls)} s; CPU {', '.join(f'{c:.2f}' for c in cpus)} s)"
        )
        floor_wall, floor_cpu = raw_floor(path, folder / "floor.qcdb", args.runs)
        print(
            f"raw SQLite floor (the same rows, one executemany per table, search index filled once): "
            f"wall {floor_wall:.2f} s, CPU {floor_cpu:.2f} s = {args.rows / floor_cpu:,.0f} rows/s of CPU; "
            f"the import is {cpu / floor_cpu:.1f}x the floor in CPU ({wall / floor_wall:.1f}x in wall time)"
        )
        compared, check_wall, _ = timed(lambda: check_stored(path, csv_path, spec_path))
        with sqlite3.connect(path) as conn:
            answers = conn.execute(
                "SELECT sum((SELECT count(*) FROM json_each(answers))) FROM survey_respondents"
            ).fetchone()[0]
        print(
            f"stored {answers:,} answered questions; project file {path.stat().st_size / 1e6:.1f} MB; "
            f"every stored value equals the source ({compared:,} compared in {check_wall:.1f} s)"
        )
        out = folder / "survey.xlsx"
        walls, cpus = [], []
        for _ in range(args.runs):
            result, wall, cpu = timed(lambda: run_survey_report(path, SurveyRequest(), "xlsx", out))
            walls.append(wall)
            cpus.append(cpu)
        print(
            f"report survey --format xlsx: wall {statistics.median(walls):.2f} s (target < 5 s), "
            f"CPU {statistics.median(cpus):.2f} s, {sum(len(t.rows) for t in result.doc.tables())} rows, "
            f"{out.stat().st_size / 1e3:.0f} kB"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
