"""Import a generated survey (default 100,000 rows, 20 closed questions, 2 open) with a spec, then write
`report survey --format xlsx`; print rows per second and seconds (targets: >= 20,000 rows/s, < 5 s).

    python -m benchmarks.bench_survey [--rows 100000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

import yaml

from qualcode.app.actions import import_files
from qualcode.app.survey import SurveyRequest, run_survey_report
from qualcode.ingest import ImportOptions
from qualcode.ingest.survey_spec import load_spec
from qualcode.store.project import Project

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="Keep the built project at this path.")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, spec_path = write_survey(folder, args.rows)
        path = args.keep or folder / "bench.qcdb"
        project = Project.create(path, coder="bench")
        options = ImportOptions(spec=load_spec(spec_path), max_bytes=1 << 30)
        t0, c0 = time.perf_counter(), time.process_time()
        results = import_files(project, [csv_path], options)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"survey file: {csv_path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows, "
            f"{results[0]['questions']} closed questions, {results[0]['segments']:,} open answers"
        )
        print(
            f"import: {elapsed:.2f} s end to end = {args.rows / elapsed:,.0f} rows/s (target >= 20,000); "
            f"CPU {cpu:.2f} s = {args.rows / cpu:,.0f} rows/s of CPU (the machine may be shared)"
        )
        answers = project.scalar(
            "SELECT sum((SELECT count(*) FROM json_each(answers))) FROM survey_respondents"
        )
        project.close()
        print(f"stored {answers:,} answered questions; project file {path.stat().st_size / 1e6:.1f} MB")
        out = folder / "survey.xlsx"
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_survey_report(path, SurveyRequest(), "xlsx", out)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"report survey --format xlsx: {elapsed:.2f} s (target < 5 s), CPU {cpu:.2f} s, "
            f"{sum(len(t.rows) for t in result.doc.tables())} rows, {out.stat().st_size / 1e3:.0f} kB"
        )


if __name__ == "__main__":
    main()
