"""The claims, judge, outcomes and recommendations commands, `code` updating a coding, and the conflict report."""

from __future__ import annotations

import json

import yaml

from tests.claim_study import OUTCOME_MAP, build_claim_study
from tests.conftest import run_cli as run
from tests.conftest import write


def _study(new_location):
    path = new_location("c")
    return path, build_claim_study(path)


def _log_count(path) -> int:
    from qualcode.store.project import Project

    with Project.open(path) as p:
        return p.scalar("SELECT count(*) FROM change_log")


def test_claims_import_list_export_round_trip(new_location, runner, tmp_path):
    path, _ = _study(new_location)
    csv_in = write(
        tmp_path / "claims.csv",
        "key,claim,outcome,category,judgement,confidence,rationale\n"
        "c.ref,Faster referrals to housing,out.ref,improved,strong,high,Rival checked\n"
        "c.new,Panels include people with lived experience,aim.voice,necessary,,,\n",
    )
    got = json.loads(run(runner, "claims", "import", path, csv_in, "--json").stdout)
    assert got == {"added": 1, "updated": 0, "judged": 1, "rows": 2}
    again = json.loads(run(runner, "claims", "import", path, csv_in, "--json").stdout)
    assert again == {"added": 0, "updated": 0, "judged": 0, "rows": 2}  # nothing new: no second judgement
    rows = {r["key"]: r for r in json.loads(run(runner, "claims", "list", path, "--json").stdout)}
    assert (rows["c.ref"]["judgement"], rows["c.ref"]["confidence"], rows["c.new"]["outcome"]) == (
        "strong",
        "high",
        "aim.voice",
    )
    exported = run(runner, "claims", "export", path).stdout
    assert exported.splitlines()[0].startswith("key,claim,outcome,category,judgement,confidence,rationale")
    bad = write(tmp_path / "bad.csv", "key,claim,outcome\nc.x,Something,out.nope\n")
    before = _log_count(path)
    result = run(runner, "claims", "import", path, bad, code=2)
    assert "row 2" in result.stderr and "no outcome or aim 'out.nope'" in result.stderr
    assert "Traceback" not in result.output and _log_count(path) == before


def test_claims_add_set_and_labels(new_location, runner, tmp_path):
    path, _ = _study(new_location)
    run(
        runner,
        "claims",
        "add",
        path,
        "Commissioners write PIE into specs",
        "--key",
        "c.spec",
        "--category",
        "sufficient",
    )
    run(runner, "claims", "set", path, "c.spec", "--outcome", "out.ref", "--category", "improved")
    run(
        runner, "claims", "set", path, "-", "--label", "improved=Happened sooner or better because of the PDU"
    )
    [spec] = [
        r for r in json.loads(run(runner, "claims", "list", path, "--json").stdout) if r["key"] == "c.spec"
    ]
    assert (spec["outcome"], spec["category"]) == ("out.ref", "improved")
    data = json.loads(run(runner, "report", path, "contribution", "--format", "json").stdout)
    assert {c["category"]: c["description"] for c in data}[
        "improved"
    ] == "Happened sooner or better because of the PDU"
    result = run(runner, "claims", "add", path, "  commissioners WRITE pie into specs ", code=2)
    assert "already says this" in result.stderr


def test_judge_and_report_hls_rows(new_location, runner, tmp_path):
    path, _ = _study(new_location)
    run(
        runner,
        "judge",
        path,
        "hls:hls.leadership",
        "higher",
        "--rationale",
        "Steering minutes show sponsorship",
        "--confidence",
        "low",
    )
    rows = {r["code"]: r for r in json.loads(run(runner, "report", path, "hls", "--format", "json").stdout)}
    lead = rows["hls.leadership"]
    assert {
        k: lead[k]
        for k in (
            "code",
            "level",
            "rule_level",
            "override",
            "rationale",
            "supports",
            "contradicts",
            "cases",
            "source_types",
        )
    } == {
        "code": "hls.leadership",
        "level": "higher",
        "rule_level": "lower",
        "override": "higher",
        "rationale": "Steering minutes show sponsorship",
        "supports": 3,
        "contradicts": 3,
        "cases": 6,
        "source_types": ["focus-group", "survey"],
    }
    result = run(runner, "judge", path, "hls:hls.leadership", "higher", code=2)
    assert "--rationale" in result.stderr


def test_code_on_a_coded_span_updates_it(new_location, runner, tmp_path):
    path, ids = _study(new_location)
    result = run(
        runner,
        "code",
        path,
        ids["seg_R2"],
        "hls.people",
        "--coder",
        "amira",
        "--contribution",
        "necessary",
        "--claim",
        "c.conf",
    )
    assert "updated" in result.stdout
    coding = json.loads(
        run(
            runner,
            "code",
            path,
            ids["seg_R2"],
            "hls.people",
            "--coder",
            "amira",
            "--polarity",
            "mixed",
            "--json",
        ).stdout
    )
    assert (coding["id"], coding["contribution"], coding["polarity"]) == (ids["hp_R2"], "necessary", "mixed")
    assert coding["claims"] == [{"claim": "c.conf", "polarity": "supports"}]
    result = run(runner, "code", path, ids["seg_R2"], "hls.people", "--coder", "amira", code=2)
    assert "already has this code" in result.stderr  # no option to change: still a duplicate


def test_codings_import_conflicts_are_reported_then_updated(new_location, runner, tmp_path):
    path, ids = _study(new_location)
    csv_in = write(
        tmp_path / "k.csv",
        "document,quote,code,coder,contribution,claim,polarity\n"
        "sv,People with lived experience sit on our panel.,hls.people,amira,sufficient,,\n",
    )
    result = run(runner, "codings", "import", path, csv_in)
    assert "0 coding(s) added, 0 updated, 0 row(s) already present, 1 conflict(s)." in result.stdout
    assert f"row 2 (coding {ids['hp_R2']}): contribution (none) -> sufficient" in result.stderr
    result = run(runner, "codings", "import", path, csv_in, "--update", "--json")
    assert json.loads(result.stdout)["updated"] == 1
    exported = run(runner, "codings", "export", path, "--format", "json").stdout
    rows = [r for r in json.loads(exported) if r["id"] == ids["I1"]]
    # A coding with two claim links: one row per link, the claim's text for the import to find it by.
    assert sorted((r["claim"], r["polarity"]) for r in rows) == [
        ("Faster referrals to housing", "supports"),
        ("Practitioners feel more confident", "supports"),
    ]


def test_outcomes_and_recommendations(new_location, runner, tmp_path):
    path, _ = _study(new_location)
    exported = yaml.safe_load(run(runner, "outcomes", "export", path).stdout)
    assert exported["aims"] == OUTCOME_MAP["aims"]
    assert exported["partners"] == OUTCOME_MAP["partners"]
    assert exported["rivals"] == [{"key": "covid", "label": "Covid-19", "claims": ["c.ref"]}]
    extra = write(
        tmp_path / "map.yaml",
        yaml.safe_dump(
            {
                "partners": [
                    {
                        "key": "commissioners",
                        "label": "Commissioners",
                        "kind": "indirect",
                        "outcomes": [
                            {"key": "out.spec", "label": "PIE in specifications", "aims": ["aim.voice"]}
                        ],
                    }
                ],
                "rivals": [{"key": "austerity", "label": "Austerity", "claims": ["c.ref"]}],
            }
        ),
    )
    got = json.loads(run(runner, "outcomes", "import", path, extra, "--json").stdout)
    assert (got["partners"], got["outcomes"], got["rivals"], got["changed"]) == (1, 1, 1, 3)
    rows = json.loads(run(runner, "outcomes", "list", path, "--json").stdout)
    assert [(r["partner"], r["outcome"], r["claims"], r["evidence"]) for r in rows] == [
        ("practitioners", "out.ref", 1, 5),
        ("commissioners", "out.spec", 0, 0),
    ]
    bad = write(tmp_path / "bad.yaml", "partners:\n  - {key: x, label: X, kind: sideways}\n")
    result = run(runner, "outcomes", "import", path, bad, code=2)
    assert "partners[0].kind must be direct or indirect" in result.stderr
    recs = write(
        tmp_path / "recs.csv",
        "key,text,priority,owner,links\n"
        "r1,Keep the shared directory funded,high,Commissioners,claim:c.ref; outcome:out.ref\n",
    )
    assert json.loads(run(runner, "recommendations", "import", path, recs, "--json").stdout)["added"] == 1
    [rec] = json.loads(run(runner, "recommendations", "list", path, "--json").stdout)
    assert rec["links"] == ["claim:c.ref", "outcome:out.ref"]
    bad = write(tmp_path / "badrecs.csv", "key,text,links\nr2,Something,claim:c.nope\n")
    assert "no claim 'c.nope'" in run(runner, "recommendations", "import", path, bad, code=2).stderr


def test_codings_export_then_import_is_a_no_op_and_an_edit_is_one_conflict(demo_location, runner, tmp_path):
    """The demo's codings are quotes inside segments: the export's start/end must bring each back to its own span,
    not to the whole segment (which would add every sub-span coding again)."""
    import csv
    import io

    path = demo_location
    exported = tmp_path / "codings.csv"
    run(runner, "codings", "export", path, "-o", exported)
    again = json.loads(run(runner, "codings", "import", path, exported, "--json").stdout)
    assert (again["added"], again["updated"], again["conflicts"]) == (0, 0, [])
    assert again["already_present"] == again["rows"]
    rows = list(csv.DictReader(io.StringIO(exported.read_text("utf-8-sig"))))
    first = next(i for i, r in enumerate(rows) if not r["contribution"])
    rows[first]["contribution"] = "necessary"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    edited = write(tmp_path / "edited.csv", out.getvalue())
    result = json.loads(run(runner, "codings", "import", path, edited, "--json").stdout)
    assert [(c["row"], c["coding_id"], c["differs"]) for c in result["conflicts"]] == [
        (first + 2, int(rows[first]["id"]), {"contribution": {"project": None, "file": "necessary"}})
    ]
    assert (
        json.loads(run(runner, "codings", "import", path, edited, "--update", "--json").stdout)["updated"]
        == 1
    )
