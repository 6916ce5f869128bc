"""Team commands through click's CliRunner: coders, review, agreement, merge, export-for, audit."""

import csv
import io
import json

import pytest

from tests.cli.test_cli import run, segs
from tests.cli.test_cli import study as study  # noqa: F401  (a fixture)
from tests.unit.test_audit import tamper


@pytest.fixture
def coded(study, runner):
    ruth = segs(runner, study, "--document", "int01")
    for coder, codes in (("amira", ("org.signposting", "practice.knowledge")), ("tom", ("org.signposting",))):
        for key in codes:
            run(runner, "code", study, ruth[1]["id"], key, "--coder", coder)
        run(runner, "code", study, ruth[3]["id"], "practice.awareness", "--coder", coder)
    return study


def test_review_lists_and_sets_decisions(runner, coded):
    rows = json.loads(run(runner, "review", coded, "--json").stdout)
    assert len(rows) == 5 and {r["status"] for r in rows} == {"pending"}
    first = rows[0]["id"]
    got = json.loads(
        run(
            runner,
            "review",
            "set",
            coded,
            first,
            "queried",
            "--comment",
            "check",
            "--reviewer",
            "lead",
            "--json",
        ).stdout
    )
    assert (got["status"], got["reviewer"], got["comment"]) == ("queried", "lead", "check")
    assert "needs a comment" in run(runner, "review", "set", coded, first, "queried", code=2).stderr
    assert "no coding with id" in run(runner, "review", "set", coded, 999, "accepted", code=2).stderr
    run(runner, "review", "set", coded, first, "accepted", "--reviewer", "lead")
    accepted = json.loads(run(runner, "review", coded, "--status", "accepted", "--json").stdout)
    assert [r["id"] for r in accepted] == [first] and accepted[0]["reviewer"] == "lead"
    assert (
        len(
            json.loads(
                run(runner, "review", "list", coded, "--status", "pending", "--coder", "tom", "--json").stdout
            )
        )
        == 2
    )
    assert len(json.loads(run(runner, "review", coded, "--code", "practice.knowledge", "--json").stdout)) == 1
    assert "coding(s)" in run(runner, "review", coded).stdout
    exported = run(runner, "codings", "export", coded, "--status", "accepted").stdout
    assert len(list(csv.DictReader(io.StringIO(exported)))) == 1


def test_coders_lists_counts(runner, coded):
    rows = {r["coder"]: r for r in json.loads(run(runner, "coders", coded, "--json").stdout)}
    assert (rows["amira"]["codings"], rows["tom"]["codings"], rows["tom"]["segments"]) == (3, 2, 2)
    assert "amira" in run(runner, "coders", coded).stdout


def test_agreement_command(runner, coded):
    report = json.loads(run(runner, "agreement", coded, "--coders", "amira", "tom", "--json").stdout)
    by_code = {c["code"]: c for c in report["codes"]}
    assert report["documents"] == ["int01"] and report["unit_count"] == 2
    assert (
        by_code["org.signposting"]["percent_agreement"] == 100.0
        and by_code["org.signposting"]["alpha"] == 1.0
    )
    assert by_code["practice.knowledge"]["disagreements"] == 1
    one_code = json.loads(
        run(
            runner,
            "agreement",
            coded,
            "--coders",
            "amira,tom",
            "--code",
            "practice.knowledge",
            "--unit",
            "sentence",
            "--json",
        ).stdout
    )
    assert [c["code"] for c in one_code["codes"]] == ["practice.knowledge"] and one_code["unit"] == "sentence"
    text = run(runner, "agreement", coded, "--coders", "amira", "tom")
    assert "overall" in text.stdout and "Units are the segments" in text.stderr
    rows = json.loads(
        run(runner, "agreement", coded, "--coders", "amira", "tom", "--disagreements", "--json").stdout
    )
    assert [r["differing_codes"] for r in rows] == [["practice.knowledge"]]
    assert "differ" in run(runner, "agreement", coded, "--coders", "amira", "tom", "--disagreements").stdout
    assert "no coder named" in run(runner, "agreement", coded, "--coders", "amira", "zed", code=2).stderr
    assert (
        "unknown code"
        in run(runner, "agreement", coded, "--coders", "amira", "tom", "--code", "nope", code=2).stderr
    )


def test_audit_lists_and_verify_catches_tampering(runner, coded):
    rows = json.loads(run(runner, "audit", coded, "--coder", "amira", "--json").stdout)
    assert rows and {r["who"] for r in rows} == {"amira"}
    table = list(csv.DictReader(io.StringIO(run(runner, "audit", "list", coded, "--csv").stdout)))
    assert table[-1]["action"] == "code" and json.loads(table[-1]["detail"])["after"]["coder"] == "tom"
    assert "entries" in run(runner, "audit", coded, "--since", "2000-01-01").stdout
    assert "--since" in run(runner, "audit", coded, "--since", "yesterday", code=2).stderr
    assert "OK:" in run(runner, "audit", "verify", coded).stdout
    tamper(coded, "DROP TRIGGER change_log_no_update", "UPDATE change_log SET detail = '{}' WHERE id = 2")
    result = run(runner, "audit", "verify", coded, code=1)
    assert (
        "entry 2" in result.stderr and "edited" in result.stderr and "change_log_no_update" in result.stderr
    )
    assert (
        json.loads(run(runner, "audit", "verify", coded, "--json", code=1).stdout)["first_broken"]["id"] == 2
    )


def test_export_for_and_merge(runner, coded, tmp_path):
    copy = tmp_path / "tom.qcdb"
    assert "blind" in run(runner, "export-for", coded, "--coder", "tom", "-o", copy, "--blind").stdout
    codings = json.loads(run(runner, "codings", "export", copy, "--format", "json").stdout)
    assert {c["coder"] for c in codings} == {"tom"}
    seg = segs(runner, copy, "--document", "int01")[3]["id"]
    run(runner, "code", copy, seg, "org.adaptation", "--coder", "tom")
    dry = json.loads(run(runner, "merge", coded, copy, "--dry-run", "--json").stdout)[0]
    assert dry["codings_added"] == 1
    out = run(runner, "merge", coded, copy).stdout
    assert "added 1 coding(s)" in out
    assert "added 0 coding(s)" in run(runner, "merge", coded, copy).stdout
    assert "into itself" in run(runner, "merge", coded, coded, code=2).stderr
    assert "no such project" in run(runner, "merge", coded, tmp_path / "missing.qcdb", code=2).stderr
