"""Who took part counts everyone (respondents without open text, sessions recorded by number); cases can be
corrected after import (set, import, recode), every change logged and every bad input refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.cli import cli
from qualcode.store.project import Project
from tests.conftest import project_state

DATA = Path(__file__).resolve().parent.parent / "data" / "surveys"


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


@pytest.fixture
def study(new_location, runner, tmp_path):
    """The worked-example survey (10 respondents, 5 with open text) and a 16-person workshop without speaker
    labels (one case: the document)."""
    path = new_location("p")
    run(
        runner,
        "import",
        path,
        DATA / "worked-example.csv",
        "--spec",
        DATA / "worked-example.yaml",
        "--create",
    )
    notes = tmp_path / "ws01.txt"
    notes.write_text("We mapped who does what in each service.\nThen we talked about what gets in the way.\n")
    run(runner, "import", path, notes, "--source-type", "workshop", "--participants", "16")
    return path


def methods(runner, path, *args):
    rows = json.loads(run(runner, "report", path, "participants", "--format", "json", *args).stdout)
    return {
        r["value"]: (r["sessions"], r["participants"]) for r in rows if r["characteristic"] == "Method"
    }, rows


def test_who_took_part_counts_blank_respondents_and_recorded_sessions(runner, study):
    by_method, rows = methods(runner, study)
    # 10 respondents + 16 workshop people (its one labelled case is one of the 16) = 26.
    assert by_method == {
        "Survey: PDU survey, wave 2021-06": (1, 10),
        "Workshop participants": (1, 16),
        "Everyone": (2, 26),
    }
    sector = {
        r["value"]: (r["cases"], r["base"], r["percent"]) for r in rows if r["characteristic"] == "sector"
    }
    # The workshop case has no sector: shown, but not in the base of 10.
    assert sector == {
        "private": (2, 10, 20.0),
        "statutory": (4, 10, 40.0),
        "voluntary": (4, 10, 40.0),
        "(not recorded)": (1, None, None),
    }


def test_documents_set_participants_is_logged_and_listing_still_works(runner, study):
    run(runner, "documents", "set", study, "ws01", "--participants", "12")
    assert methods(runner, study)[0]["Workshop participants"] == (1, 12)
    assert [d["name"] for d in json.loads(run(runner, "documents", study, "--json").stdout)] == [
        "worked-example",
        "ws01",
    ]
    with Project.open(study) as p:
        detail = p.scalar("SELECT detail FROM change_log WHERE action = 'document.participants'")
    assert json.loads(detail) == {"before": 16, "after": 12}
    run(runner, "documents", "set", study, "ws01", "--clear-participants")
    assert methods(runner, study)[0]["Workshop participants"] == (1, 1)
    result = run(runner, "documents", "set", study, "nosuch", "--participants", "3", code=2)
    assert "no document named 'nosuch'" in result.stderr


def test_cases_set_import_and_recode(runner, study, tmp_path):
    run(runner, "cases", "set", study, "R01", "role=Beneficiary ambassador", "sector=")
    run(runner, "cases", "set", study, "R02", "role=Beneficiary Ambassador")
    table = tmp_path / "roles.csv"
    table.write_text("case,role,region\nR03,Beneficiary ambassador,North\nR04,,South\n")
    result = run(runner, "cases", "import", study, table, "--json")
    assert json.loads(result.stdout) == {
        "rows": 2,
        "cases_changed": 2,
        "values_changed": 3,
        "cases_created": 0,
    }
    run(runner, "cases", "recode", study, "role", "--map", "Beneficiary ambassador=Beneficiary Ambassador")
    cases = {c["name"]: c["attributes"] for c in json.loads(run(runner, "cases", study, "--json").stdout)}
    assert cases["R01"] == {"role": "Beneficiary Ambassador"}  # sector= removed it
    assert cases["R03"] == {"sector": "statutory", "role": "Beneficiary Ambassador", "region": "North"}
    assert cases["R04"] == {"sector": "voluntary", "region": "South"}  # a blank cell leaves a value as it was
    assert cases["R05"]["sector"] == "private"
    with Project.open(study) as p:
        actions = [r[0] for r in p.conn.execute("SELECT action FROM change_log WHERE action LIKE 'case.%'")]
        recoded = json.loads(p.scalar("SELECT detail FROM change_log WHERE action = 'case.recode'"))
    assert actions.count("case.attributes") == 4 and recoded["cases"] == {"Beneficiary ambassador": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cases", "set", "{p}", "R99", "a=b"), "no case named 'R99' (did you mean 'R09'?)"),
        (
            ("cases", "recode", "{p}", "sector", "--map", "Statutry=statutory"),
            "no case has sector='Statutry'",
        ),
        (("cases", "recode", "{p}", "nokey", "--map", "a=b"), "no case has an attribute 'nokey'"),
        (("cases", "import", "{p}", "{t}"), "row 3: no case named 'R77'"),
        (
            ("documents", "set", "{p}", "ws01"),
            "nothing to set: give --interviewer NAME (repeatable), --participants N or --clear-participants",
        ),
    ],
)
def test_bad_case_edits_change_nothing(runner, study, tmp_path, args, message):
    table = tmp_path / "t.csv"
    table.write_text(
        "case,role\nR01,lead\nR77,lead\n"
    )  # R01 would change, but R77 is unknown: nothing changes
    before = project_state(study)
    result = run(runner, *[a.format(p=study, t=table) for a in args], code=2)
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert project_state(study) == before
