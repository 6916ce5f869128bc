"""`qualcode suggest` and `qualcode suggest evaluate`, in-process."""

import json

import pytest

from qualcode.cli import cli
from tests.conftest import write

ANSWERS = [
    ("I signpost people to the housing team and make referrals sooner.", "org.signposting"),
    ("I feel confident to speak up in meetings now.", "practice.confidence"),
    ("We changed our assessment forms and induction process.", "org.adaptation"),
    ("I refer clients to the outreach service and signpost them on.", "org.signposting"),
    ("More confident pushing back when a referral gets bounced.", "practice.confidence"),
    ("The team rewrote the policy so appointments are flexible.", "org.adaptation"),
]


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


@pytest.fixture
def survey_study(tmp_path, runner, codebook_path, project_location):
    """Twelve respondents, each one case, half of them coded (on each backend)."""
    proj = project_location
    run(runner, "init", proj, "--codebook", codebook_path, "--coder", "amira")
    lines = ["respondent_id,q1"] + [f'R{i:02d},"{text}"' for i, (text, _) in enumerate(ANSWERS * 2)]
    run(
        runner,
        "import",
        proj,
        write(tmp_path / "survey.csv", "\n".join(lines) + "\n"),
        "--id-column",
        "respondent_id",
        "--text-column",
        "q1",
    )
    segs = json.loads(run(runner, "segments", proj, "--json").stdout)
    rows = ["segment_id,code,coder"] + [f"{s['id']},{ANSWERS[i % 6][1]},amira" for i, s in enumerate(segs)]
    run(runner, "codings", "import", proj, write(tmp_path / "codings.csv", "\n".join(rows) + "\n"))
    return proj, segs


def test_suggest_json_for_one_segment_and_a_document(runner, survey_study):
    proj, segs = survey_study
    got = json.loads(
        run(
            runner, "suggest", proj, "--segment", segs[0]["id"], "--top", 3, "--coder", "tom", "--json"
        ).stdout
    )
    assert list(got) == [str(segs[0]["id"])]
    ranked = got[str(segs[0]["id"])]
    assert len(ranked) == 3 and set(ranked[0]) == {"code", "score", "reason"}
    assert ranked[0]["code"] == "org.signposting" and ranked[0]["reason"]
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    # amira already applied it, so she is not offered it again
    mine = json.loads(
        run(runner, "suggest", proj, "--segment", segs[0]["id"], "--coder", "amira", "--json").stdout
    )
    assert "org.signposting" not in [r["code"] for r in mine[str(segs[0]["id"])]]
    whole = json.loads(run(runner, "suggest", proj, "--document", "survey", "--json").stdout)
    assert len(whole) == len(segs)
    table = run(runner, "suggest", proj, "--all", "--top", 1).stdout
    assert "Suggestions" in table and str(segs[-1]["id"]) in table


def test_suggest_errors(runner, survey_study):
    proj, segs = survey_study
    assert "choose exactly one" in run(runner, "suggest", proj, code=2).stderr
    assert "choose exactly one" in run(runner, "suggest", proj, "--all", "--segment", 1, code=2).stderr
    assert "no segment with id 999" in run(runner, "suggest", proj, "--segment", 999, code=2).stderr
    assert "no document named" in run(runner, "suggest", proj, "--document", "nope", code=2).stderr
    assert "no such project" in run(runner, "suggest", "missing.qcdb", "--all", code=2).stderr
    assert "evaluate" in run(runner, "suggest", "--help").stdout


def test_evaluate_reports_figures_curve_and_targets(runner, survey_study):
    proj, _ = survey_study
    result = json.loads(
        run(runner, "suggest", "evaluate", proj, "--folds", 3, "--threshold", 0.3, "--json").stdout
    )
    assert result["grouped_by"] == "case" and result["folds"] == 3 and result["coded_segments"] == 12
    learned = result["learned"]
    assert learned["threshold"] == 0.3 and 0.0 <= learned["micro"]["f1"] <= 1.0
    assert set(result["cold_start"]) >= {"precision_at_1", "recall_at_3", "hit_at_3", "recall_at_5"}
    assert learned["recall_at_5"] >= learned["recall_at_3"]
    assert "learning_curve" not in result
    curve = json.loads(run(runner, "suggest", "evaluate", proj, "--folds", 3, "--curve", "--json").stdout)
    points = curve["learning_curve"]
    # 12 coded segments, 3 folds: each fold trains on 8, so the curve has the 10-segment seed clipped to "all".
    assert [c["coded_segments"] for c in points] == ["all"]
    assert points[-1]["random"]["precision_at_1"] == curve["learned"]["precision_at_1"]
    assert points[-1]["uncertainty"]["recall_at_3"] == curve["learned"]["recall_at_3"]
    assert set(learned["per_code"]) >= {"org.signposting", "practice.confidence", "org.adaptation"}
    assert [t["goal"] for t in result["targets"]] == [0.5, 0.75, 0.6]
    text = run(runner, "suggest", "evaluate", proj, "--folds", 3, "--group-by", "document", code=2).stderr
    assert "too few human codings" in text
    printed = run(runner, "suggest", "evaluate", proj, "--folds", 3)
    assert "Quality on held-out segments" in printed.stdout and "Targets" in printed.stdout
    assert "recall@5" in printed.stdout and "What a threshold means" in printed.stdout
