"""`qualcode autocode`, `qualcode pending` and `qualcode similar`, in-process."""

import json

from tests.cli.test_cli_nlp import run, survey_study  # noqa: F401  (the fixture)
from tests.conftest import db_rows, write


def counts(proj):
    return {
        t: db_rows(proj, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("codings", "pending_suggestions", "suggestion_feedback", "change_log")
    }


def test_autocode_proposes_pending_suggestions_never_codings(runner, survey_study):  # noqa: F811
    proj, segs = survey_study
    before = counts(proj)
    got = json.loads(
        run(
            runner, "autocode", proj, "--code", "practice.reflection", "--top", 4, "--coder", "tom", "--json"
        ).stdout
    )
    assert got["proposed"] == 4 and got["scored"] == len(segs)
    after = counts(proj)
    assert after["codings"] == before["codings"]
    assert after["pending_suggestions"] == 4 and after["change_log"] == before["change_log"] + 1
    # Running it again adds nothing new for segments already pending.
    again = json.loads(
        run(
            runner,
            "autocode",
            proj,
            "--code",
            "practice.reflection",
            "--min-score",
            0,
            "--coder",
            "tom",
            "--json",
        ).stdout
    )
    assert again["scored"] == len(segs) - 4 and again["proposed"] == len(segs) - 4


def test_autocode_leaves_out_segments_that_already_have_the_code(runner, survey_study):  # noqa: F811
    proj, segs = survey_study
    got = json.loads(
        run(runner, "autocode", proj, "--code", "org.signposting", "--min-score", 0, "--json").stdout
    )
    coded = sum(1 for i in range(len(segs)) if i % 6 in (0, 3))  # the fixture codes answers 0 and 3 with it
    assert got["scored"] == len(segs) - coded == got["proposed"]


def test_accepting_and_rejecting_pending_suggestions(runner, survey_study):  # noqa: F811
    proj, _ = survey_study
    first = json.loads(
        run(
            runner, "autocode", proj, "--code", "practice.reflection", "--top", 3, "--coder", "tom", "--json"
        ).stdout
    )
    rows = json.loads(run(runner, "pending", "list", proj, "--code", "practice.reflection", "--json").stdout)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True) and len(rows) == 3
    before = counts(proj)
    run(runner, "pending", "accept", proj, rows[0]["id"], "--coder", "tom")
    run(runner, "pending", "reject", proj, rows[1]["id"], "--coder", "tom")
    after = counts(proj)
    assert after["codings"] == before["codings"] + 1 and after["pending_suggestions"] == 1
    prov = json.loads(db_rows(proj, "SELECT provenance FROM codings WHERE coder = 'tom'")[0][0])
    decisions = db_rows(proj, "SELECT segment_id, decision FROM suggestion_feedback ORDER BY id")
    assert prov["method"].startswith("autocode:") and prov["pending_id"] == rows[0]["id"]
    assert decisions == [(rows[0]["segment_id"], "accepted"), (rows[1]["segment_id"], "rejected")]
    # A rejected segment is not proposed again to that coder.
    again = json.loads(
        run(
            runner,
            "autocode",
            proj,
            "--code",
            "practice.reflection",
            "--min-score",
            0,
            "--coder",
            "tom",
            "--json",
        ).stdout
    )
    pending_ids = {r["segment_id"] for r in json.loads(run(runner, "pending", "list", proj, "--json").stdout)}
    assert rows[1]["segment_id"] not in pending_ids and again["proposed"] > 0
    assert again["model_version"] != first["model_version"]  # the decisions went into the model


def test_pending_errors_change_nothing(runner, survey_study):  # noqa: F811
    proj, _ = survey_study
    run(runner, "autocode", proj, "--code", "practice.reflection", "--top", 2)
    first = json.loads(run(runner, "pending", "list", proj, "--json").stdout)[0]["id"]
    before = counts(proj)
    assert (
        "no pending suggestion with id 999"
        in run(runner, "pending", "accept", proj, first, 999, code=2).stderr
    )
    assert counts(proj) == before  # the good id in the same command was not accepted either
    assert "--all needs --code" in run(runner, "pending", "reject", proj, "--all", code=2).stderr
    assert "at least one" in run(runner, "pending", "accept", proj, code=2).stderr
    assert (
        "one of --min-score or --top"
        in run(
            runner, "autocode", proj, "--code", "practice.reflection", "--top", 2, "--min-score", 0.5, code=2
        ).stderr
    )
    assert "sub-codes" in run(runner, "autocode", proj, "--code", "org", code=2).stderr
    assert (
        "no document named"
        in run(runner, "autocode", proj, "--code", "org.adaptation", "--document", "x", code=2).stderr
    )
    assert counts(proj) == before
    run(runner, "pending", "reject", proj, "--all", "--code", "practice.reflection")
    assert counts(proj)["pending_suggestions"] == 0


def test_similar_ranks_segments_sharing_words(runner, survey_study):  # noqa: F811
    proj, segs = survey_study
    target = segs[0]  # "I signpost people to the housing team and make referrals sooner."
    got = json.loads(run(runner, "similar", proj, target["id"], "--top", 2, "--json").stdout)
    assert got["method"] == "tf-idf"
    # The same answer appears twice in the fixture (ANSWERS * 2): its copy is the closest, at cosine 1.
    assert got["similar"][0]["segment_id"] == segs[6]["id"] and got["similar"][0]["similarity"] == 1.0
    assert target["id"] not in [r["segment_id"] for r in got["similar"]]
    assert "no segment with id 999" in run(runner, "similar", proj, 999, code=2).stderr


def test_suggest_next_lists_uncoded_segments_least_sure_first(runner, survey_study, tmp_path):  # noqa: F811
    proj, _ = survey_study
    lines = [
        "respondent_id,q1",
        "N1,I signpost people to the housing team.",
        "N2,It was a nice day.",
        "N3,We changed the induction forms.",
    ]
    run(
        runner,
        "import",
        proj,
        write(tmp_path / "more.csv", "\n".join(lines) + "\n"),
        "--id-column",
        "respondent_id",
        "--text-column",
        "q1",
    )
    segs = json.loads(run(runner, "segments", proj, "--json").stdout)
    rows = json.loads(run(runner, "suggest", "next", proj, "--top", 50, "--json").stdout)
    coded = {r[0] for r in db_rows(proj, "SELECT segment_id FROM codings")}
    assert rows and not {r["segment_id"] for r in rows} & coded
    assert len(rows) == len(segs) - len(coded) == 3
    assert rows[0]["text"] == "It was a nice day."  # no code stands out for it
    assert [r["uncertainty"] for r in rows] == sorted((r["uncertainty"] for r in rows), reverse=True)
    assert "no document named" in run(runner, "suggest", "next", proj, "--document", "x", code=2).stderr


def test_similar_on_a_large_project_compares_only_segments_sharing_a_word(demo_location, monkeypatch):
    """Above COMPARE_ALL_UP_TO segments, `similar` reads candidates through the search index instead of
    TF-IDF over every segment (89 s and 3.7 GB at a million). Forced here on the demo: every hit is one the
    full comparison also scores above zero, and a segment's verbatim copy still comes first."""
    from qualcode.app import autocode
    from qualcode.store.project import Project

    with Project.open(demo_location, coder="tester") as p:
        target = p.query("SELECT id, text FROM segments WHERE length(text) > 120 ORDER BY id LIMIT 1")[0]
        everything = autocode.similar_segments(p, target["id"], top=500)[1]
        monkeypatch.setattr(autocode, "COMPARE_ALL_UP_TO", 0)
        read: list[list[str]] = []
        real = autocode.segments_sharing_words
        monkeypatch.setattr(
            autocode,
            "segments_sharing_words",
            lambda proj, words, limit: read.append(words) or real(proj, words, limit),
        )
        preselected = autocode.similar_segments(p, target["id"], top=20)[1]
    assert read and all(
        w not in ("the", "and", "to") for w in read[0]
    )  # the index was asked, without stop words
    assert preselected, "no similar segment found through the search index"
    assert {r["segment_id"] for r in preselected} <= {r["segment_id"] for r in everything}
    assert target["id"] not in {r["segment_id"] for r in preselected}
    assert preselected[0]["segment_id"] == everything[0]["segment_id"]
