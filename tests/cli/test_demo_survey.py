"""The demo study shows every survey feature: a spec with Likert, multiple choice and a ranking, two waves,
respondents without open text, and a workshop recorded by its number of people."""

from __future__ import annotations

import csv
import json
from collections import Counter

from qualcode.app.demo import data_dir
from qualcode.cli import cli


def run(runner, *args):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.stderr)
    return result


def test_demo_survey_has_waves_types_and_blank_respondents(runner, demo_location):
    with open(
        data_dir() / "transcripts" / "survey" / "pdu-survey-2024.csv", newline="", encoding="utf-8"
    ) as fh:
        rows = list(csv.DictReader(fh))
    first = [r for r in rows if r["wave"] == "2024-06"]
    texts = ("q1_changed_practice", "q2_would_miss", "q3_unexpected")
    blank = [r["respondent_id"] for r in first if not any(r[t].strip() for t in texts)]
    assert blank == ["R033"]  # no open text at all, yet a respondent
    data = json.loads(run(runner, "report", demo_location, "survey").stdout)
    assert [(i["wave"], i["respondents"]) for i in data["instruments"]] == [("2024-06", 45), ("2025-01", 12)]
    wave1 = {q["question"]: q for q in data["instruments"][0]["questions"]}
    assert {q["type"] for q in wave1.values()} >= {"single", "likert", "multiple", "ranking"}
    expected = Counter(r["expectations_met"] for r in first)
    assert [(o["value"], o["count"]) for o in wave1["expectations_met"]["options"]] == [
        (v, expected[v]) for v in ("Yes", "Partly", "No")
    ]
    assert wave1["expectations_met"]["answered"] == 45
    assert "took_action" in data["instruments"][0]["not_answered_in_wave"]
    follow_up = {q["question"]: q for q in data["instruments"][1]["questions"]}
    took = Counter(r["took_action"] for r in rows if r["wave"] == "2025-01" and r["took_action"])
    assert {o["value"]: o["count"] for o in follow_up["took_action"]["options"]} == dict(took)
    rows_json = json.loads(run(runner, "report", demo_location, "participants", "--format", "json").stdout)
    methods = {r["value"]: r["participants"] for r in rows_json if r["characteristic"] == "Method"}
    assert methods["Steering group members"] == 14 and methods["Survey: PDU survey, wave 2024-06"] == 45
    everyone = next(r for r in rows_json if r["characteristic"] == "All participants")
    assert everyone["by_source_type"]["survey"] == 45  # R033 counts; the follow-up's 12 are the same people


def test_full_report_includes_the_survey_questions(runner, demo_location, tmp_path):
    out = tmp_path / "all.md"
    run(runner, "report", demo_location, "all", "--format", "md", "-o", out)
    text = out.read_text()
    assert text.index("## Survey questions") < text.index("## Appendix: codebook")
    assert "### PDU survey, wave 2025-01" in text and "Top 2: Yes + Partly" in text
    sheets = tmp_path / "all.xlsx"
    run(runner, "report", demo_location, "all", "--format", "xlsx", "-o", sheets)
    from openpyxl import load_workbook

    assert "survey" in load_workbook(sheets, read_only=True).sheetnames
