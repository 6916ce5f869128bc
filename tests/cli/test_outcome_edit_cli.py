"""`outcomes add|set|delete` and `claims delete`: the map edited one item at a time from the command line."""

from __future__ import annotations

import json

from tests.claim_study import build_claim_study
from tests.conftest import run_cli as run


def _study(new_location):
    path = new_location("c")
    build_claim_study(path)
    return path


def _dump(path) -> str:
    from tests.conftest import project_state

    return project_state(path)


def test_add_set_and_delete_an_aim_partner_and_outcome(new_location, runner, tmp_path):
    path = _study(new_location)
    run(
        runner,
        "outcomes",
        "add",
        path,
        "aim",
        "aim.x",
        "--label",
        "Aim X",
        "--success",
        "one",
        "--success",
        "two",
    )
    run(runner, "outcomes", "add", path, "partner", "funders", "--label", "Funders", "--kind", "indirect")
    got = run(
        runner,
        "outcomes",
        "add",
        path,
        "outcome",
        "out.x",
        "--label",
        "X",
        "--partner",
        "funders",
        "--aims",
        "aim.x,aim.voice",
        "--mechanism",
        "Grants",
        "--json",
    )
    assert json.loads(got.stdout)["aims"] == ["aim.voice", "aim.x"]
    got = run(runner, "outcomes", "set", path, "outcome", "out.x", "--key", "out.y", "--aims", "", "--json")
    assert json.loads(got.stdout) == {
        "key": "out.y",
        "label": "X",
        "partner": "funders",
        "mechanism": "Grants",
        "aims": [],
    }
    exported = run(runner, "outcomes", "export", path).stdout
    assert "key: out.y" in exported and "- one\n" in exported
    result = run(runner, "outcomes", "delete", path, "partner", "funders", "--yes", code=2)
    assert "cannot delete: partner funders has 1 outcome (out.y)" in result.stderr
    run(runner, "outcomes", "delete", path, "outcome", "out.y", "--yes")
    run(runner, "outcomes", "delete", path, "partner", "funders", "--yes")
    assert "out.y" not in run(runner, "outcomes", "list", path, "--json").stdout


def test_delete_without_yes_says_what_would_go_and_changes_nothing(new_location, runner, tmp_path):
    path = _study(new_location)
    before = _dump(path)
    result = run(runner, "claims", "delete", path, "c.ref", code=2)
    assert result.stderr.count("\n") == 1
    assert "With it go its evidence links from 5 codings (the codings stay)" in result.stderr
    assert "add --yes to delete" in result.stderr
    assert _dump(path) == before
    done = run(runner, "claims", "delete", path, "c.ref", "--yes")
    assert done.stdout.startswith("Deleted claim c.ref. With it went its evidence links from 5 codings")
    assert "c.ref" not in run(runner, "claims", "list", path, "--json").stdout


def test_bad_input_is_one_line_exit_2_and_the_project_unchanged(new_location, runner, tmp_path):
    path = _study(new_location)
    before = _dump(path)
    for args, message in [
        (("add", path, "aim", "aim.voice", "--label", "x"), "there is already an aim 'aim.voice'"),
        (("add", path, "aim", "aim.y", "--label", " "), "label is missing"),
        (
            ("add", path, "partner", "p", "--label", "x", "--aims", "a"),
            "--aims is for an outcome, not a partner",
        ),
        (
            ("add", path, "outcome", "o", "--label", "x", "--partner", "nobody"),
            "no boundary partner 'nobody'",
        ),
        (("set", path, "aim", "aim.none", "--label", "x"), "no aim 'aim.none'"),
    ]:
        result = run(runner, "outcomes", *args, code=2)
        assert message in result.stderr and "Traceback" not in result.output + result.stderr
    assert _dump(path) == before
