"""The report command through click's CliRunner: default folder, JSON shapes, errors."""

import csv
import io
import json

import pytest

from qualcode.cli import cli
from tests.report_study import build_study


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


@pytest.fixture
def study(project_location):
    build_study(project_location)
    return project_location


def test_report_writes_to_exports_by_default(runner, study, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(runner, "report", study, "themes")
    stem = str(study).rsplit("/", 1)[-1].removesuffix(".qcdb")  # the file's name, or the database's
    target = tmp_path / "exports" / f"{stem}-themes.csv"
    assert f"Wrote {target}" in result.stdout.replace("\n", "")
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig").split("\r\n\r\n", 1)[1])))
    assert rows[0][:3] == ["Theme", "Code", "Segments"]
    run(runner, "report", study, "all")
    assert (tmp_path / "exports" / f"{stem}-report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    run(runner, "report", study, "matrix", "--by", "source-type", "--format", "xlsx")
    assert (tmp_path / "exports" / f"{stem}-matrix-source-type.xlsx").stat().st_size > 0


def test_report_json_shapes(runner, study):
    themes = json.loads(run(runner, "report", study, "themes", "--format", "json").stdout)
    a1 = next(r for r in themes if r["code"] == "a1")
    assert {"code", "label", "segments", "by_source_type"} <= set(a1)
    assert a1["by_source_type"]["survey"] == {"cases": 3, "total_cases": 10, "percent": 30.0}
    contribution = json.loads(run(runner, "report", study, "contribution", "--format", "json").stdout)
    assert [c["category"] for c in contribution] == ["sufficient", "necessary", "improved", "none"]
    claim = contribution[2]["claims"][0]
    assert {"claim", "evidence", "cases", "source_types", "strength"} <= set(claim)
    assert (claim["claim"], claim["cases"], claim["strength"]) == ("Faster referrals", 5, "strong")
    accepted = json.loads(
        run(runner, "report", study, "themes", "--format", "json", "--accepted-only", "--code", "a1").stdout
    )
    assert [(r["code"], r["segments"]) for r in accepted] == [("a1", 1)]
    tom = json.loads(run(runner, "report", study, "quotes", "--format", "json", "--coder", "tom").stdout)
    assert [q["coder"] for q in tom] == ["tom"]
    statutory = json.loads(
        run(runner, "report", study, "participants", "--format", "json", "--attr", "sector=statutory").stdout
    )
    assert statutory[0]["cases"] == 7


def test_report_settings_file(runner, study, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("strong_cases: 6\n")
    contribution = json.loads(
        run(runner, "report", study, "contribution", "--format", "json", "--settings", rules).stdout
    )
    assert contribution[2]["claims"][0]["strength"] == "moderate"


def test_report_errors_are_one_line(runner, study, tmp_path):
    cases = [
        (("report", study, "all", "--format", "csv"), "full report is written as"),
        (("report", study, "hls", "--by", "sector"), "--by does not apply"),
        (("report", study, "themes", "--code", "a11"), "did you mean 'a1'"),
        (("report", study, "themes", "--by", "sektor"), "no case has an attribute 'sektor'"),
        (("report", study, "quotes", "--attr", "sector"), "KEY=VALUE"),
        (("report", study, "quotes", "-o", tmp_path / "missing" / "q.csv"), "folder does not exist"),
        (("report", tmp_path / "nope.qcdb", "themes"), "no such project"),
    ]
    for args, message in cases:
        result = run(runner, *args, code=2)
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "missing").exists()
