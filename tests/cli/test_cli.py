"""Every command, in-process through click's CliRunner."""

import csv
import io
import json

import pytest

from qualcode.cli import cli
from tests.conftest import ROOT, write

INTERVIEW = (
    "Interviewer: What has changed for you?\n"
    "Ruth: I refer people to the mental health team much sooner now.\n"
    "Interviewer: Why?\n"
    "Ruth: Because I met their duty worker at the trauma-informed care session [laughs].\n"
)
SURVEY = "respondent_id,sector,q1\nR001,voluntary,I signpost to the hub\nR002,statutory,\nR003,statutory,More confident\n"


def run(runner, *args, code=0):
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr if hasattr(result, "stderr") else "")
    return result


@pytest.fixture
def study(tmp_path, runner, codebook_path, project_location):
    """A study made by the CLI: a project file, or a server study (each test runs on both backends)."""
    proj = project_location
    run(runner, "init", proj, "--codebook", codebook_path, "--coder", "amira")
    run(
        runner,
        "import",
        proj,
        write(tmp_path / "int01.txt", INTERVIEW),
        "--case",
        "INT01",
        "--attr",
        "sector=voluntary",
    )
    run(
        runner,
        "import",
        proj,
        write(tmp_path / "survey.csv", SURVEY),
        "--id-column",
        "respondent_id",
        "--text-column",
        "q1",
    )
    return proj


def segs(runner, proj, *extra):
    return json.loads(run(runner, "segments", proj, "--json", *extra).stdout)


def test_init_import_and_list(runner, study):
    docs = json.loads(run(runner, "documents", study, "--json").stdout)
    assert [(d["name"], d["source_type"], d["segments"]) for d in docs] == [
        ("int01", "interview", 4),
        ("survey", "survey", 2),
    ]
    rows = segs(runner, study, "--document", "int01")
    assert set(rows[0]) == {
        "id",
        "document",
        "case",
        "speaker",
        "question",
        "source_type",
        "start",
        "end",
        "text",
    }
    assert [r["case"] for r in rows] == [None, "INT01", None, "INT01"]
    listing = run(runner, "documents", study).stdout
    assert "int01" in listing and "50%" not in listing and "0%" in listing  # no participant segment coded yet
    cases = json.loads(run(runner, "cases", study, "--json").stdout)
    assert {c["name"]: c["attributes"] for c in cases} == {
        "INT01": {"sector": "voluntary"},
        "R001": {"sector": "voluntary"},
        "R002": {"sector": "statutory"},
        "R003": {"sector": "statutory"},
    }


def test_table_output_shows_brackets_literally(runner, study):
    out = run(runner, "segments", study, "--document", "int01").stdout
    assert "[laughs]" in out


def test_reimport_refused_then_allowed(runner, study, tmp_path):
    path = tmp_path / "int01.txt"
    result = run(runner, "import", study, path, code=2)
    assert "already imported as 'int01'" in result.stderr
    run(runner, "import", study, path, "--allow-duplicate", "--name", "int01-copy")


def test_import_is_all_or_nothing_across_files(runner, study, tmp_path):
    good = write(tmp_path / "int02.txt", "Interviewer: hi\nP2: hello\n")
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really")
    result = run(runner, "import", study, good, bad, code=2)
    assert "broken.docx" in result.stderr and result.stderr[-1] == "\n" and result.stderr.count("\n") == 1
    assert [d["name"] for d in json.loads(run(runner, "documents", study, "--json").stdout)] == [
        "int01",
        "survey",
    ]


def test_code_uncode_and_errors(runner, study):
    ruth = segs(runner, study, "--document", "int01")[1]
    got = json.loads(
        run(
            runner,
            "code",
            study,
            ruth["id"],
            "org.signposting",
            "--coder",
            "tom",
            "--contribution",
            "improved",
            "--claim",
            "Faster referrals",
            "--memo",
            "clear example",
            "--json",
        ).stdout
    )
    assert (got["code"], got["coder"], got["contribution"], got["claim"], got["memo"]) == (
        "org.signposting",
        "tom",
        "improved",
        "Faster referrals",
        "clear example",
    )
    sub = run(
        runner,
        "code",
        study,
        ruth["id"],
        "practice.knowledge",
        "--start",
        ruth["start"] + 2,
        "--end",
        ruth["start"] + 7,
        "--json",
    )
    assert json.loads(sub.stdout)["text"] == "refer"
    assert (
        "did you mean 'org.signposting'"
        in run(runner, "code", study, ruth["id"], "org.signpost", code=2).stderr
    )
    assert "no segment with id 999" in run(runner, "code", study, 999, "org.signposting", code=2).stderr
    assert (
        "'maybe' is not one of"
        in run(runner, "code", study, ruth["id"], "org.signposting", "--contribution", "maybe", code=2).stderr
    )
    assert (
        "already has this code"
        in run(runner, "code", study, ruth["id"], "org.signposting", "--coder", "tom", code=2).stderr
    )
    run(runner, "uncode", study, ruth["id"], "org.signposting", "--coder", "tom")
    assert (
        "has no coding"
        in run(runner, "uncode", study, ruth["id"], "org.signposting", "--coder", "tom", code=2).stderr
    )


def test_codings_import_export_round_trip(runner, study, tmp_path):
    rows = segs(runner, study)
    ruth, survey = rows[1], rows[5]
    csv_in = write(
        tmp_path / "codings.csv",
        "segment_id,document,start,end,quote,code,coder,contribution,claim,memo\n"
        f"{ruth['id']},,,,,org.signposting,amira,improved,Faster referrals,\n"
        f",int01,{ruth['start']},{ruth['start'] + 5},,practice.awareness,tom,,,\n"
        ",survey,,,More confident,practice.confidence,,,,a memo\n",
    )
    result = json.loads(run(runner, "codings", "import", study, csv_in, "--coder", "lead", "--json").stdout)
    assert result == {"added": 3, "updated": 0, "already_present": 0, "conflicts": [], "rows": 3}
    exported = list(csv.DictReader(io.StringIO(run(runner, "codings", "export", study).stdout)))
    assert [(r["code"], r["coder"], r["text"]) for r in exported] == [
        ("org.signposting", "amira", ruth["text"]),
        ("practice.awareness", "tom", ruth["text"][:5]),
        ("practice.confidence", "lead", "More confident"),
    ]
    assert set(exported[0]) == {
        "id",
        "segment_id",
        "document",
        "start",
        "end",
        "text",
        "code",
        "coder",
        "contribution",
        "polarity",
        "claim",
        "rival",
        "memo",
        "created",
    }
    as_json = json.loads(run(runner, "codings", "export", study, "--format", "json").stdout)
    assert as_json[0]["claim"] == "Faster referrals" and as_json[2]["segment_id"] == survey["id"]
    out = tmp_path / "out.csv"
    run(runner, "codings", "export", study, "-o", out, "--coder", "tom")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and out.read_text("utf-8-sig").count("\n") == 2
    again = json.loads(run(runner, "codings", "import", study, csv_in, "--coder", "lead", "--json").stdout)
    assert again == {"added": 0, "updated": 0, "already_present": 3, "conflicts": [], "rows": 3}


def test_codings_import_rejects_bad_file_whole(runner, study, tmp_path):
    bad = write(tmp_path / "bad.csv", "segment_id,code\n1,practice\n2,not.a.code\n")
    result = run(runner, "codings", "import", study, bad, code=2)
    assert "row 3" in result.stderr and "unknown code 'not.a.code'" in result.stderr
    assert json.loads(run(runner, "codings", "export", study, "--format", "json").stdout) == []
    no_code = write(tmp_path / "nocode.csv", "segment_id,label\n1,x\n")
    assert "needs a 'code' column" in run(runner, "codings", "import", study, no_code, code=2).stderr


def test_search(runner, study):
    ruth = segs(runner, study, "--document", "int01")[1]
    run(runner, "code", study, ruth["id"], "org.signposting")
    hits = json.loads(run(runner, "search", study, "referring", "--json").stdout)
    assert [(h["id"], h["codes"]) for h in hits] == [(ruth["id"], ["org.signposting"])]
    assert "1 hit(s)" in run(runner, "search", study, "refer").stdout
    assert "empty" in run(runner, "search", study, " ", code=2).stderr


def test_codebook_commands(runner, study, tmp_path, codebook_path):
    listed = json.loads(run(runner, "codebook", "list", study, "--json").stdout)
    assert len(listed) == 44 and listed[0]["key"] == "practice" and listed[1]["parent"] == "practice"
    exported = tmp_path / "cb.yaml"
    run(runner, "codebook", "export", study, "-o", exported)
    assert json.loads(run(runner, "codebook", "import", study, exported, "--json").stdout) == {
        "added": 0,
        "updated": 0,
        "unchanged": 44,
    }
    extra = write(
        tmp_path / "extra.yaml",
        "codes:\n  - key: practice.empathy\n    label: Empathy\n    parent: practice\n",
    )
    assert json.loads(run(runner, "codebook", "import", study, extra, "--json").stdout)["added"] == 1
    dup = write(tmp_path / "dup.yaml", "codes:\n  - {key: a, label: A}\n  - {key: a, label: B}\n")
    assert "duplicate key 'a'" in run(runner, "codebook", "import", study, dup, code=2).stderr
    assert "practice.empathy" in run(runner, "codebook", "export", study).stdout


def test_init_errors(runner, tmp_path, codebook_path):
    proj = tmp_path / "p.qcdb"
    bad = write(tmp_path / "bad.yaml", "codes:\n  - {key: a}\n")
    assert "empty label" in run(runner, "init", proj, "--codebook", bad, code=2).stderr
    assert not proj.exists()
    run(runner, "init", proj)
    assert "already exists" in run(runner, "init", proj, code=2).stderr
    assert "no such project" in run(runner, "documents", tmp_path / "missing.qcdb", code=2).stderr
    (tmp_path / "junk.qcdb").write_text("junk")
    assert "not a qualcode project" in run(runner, "documents", tmp_path / "junk.qcdb", code=2).stderr


def test_bad_attr_and_source_type(runner, study, tmp_path):
    f = write(tmp_path / "x.txt", "P1: a\nP1: b\n")
    assert "KEY=VALUE" in run(runner, "import", study, f, "--attr", "novalue", code=2).stderr
    assert (
        "source type must be one of"
        in run(runner, "import", study, f, "--source-type", "podcast", code=2).stderr
    )


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if command.hidden:  # an alias reached another way (`documents PROJECT` runs `documents list`)
            continue
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=" ".join)
def test_every_command_has_help_and_is_in_the_reference(runner, path):
    command = dict(_commands(cli))[path]
    assert command.help and len(command.help) > 20
    result = run(runner, *path, "--help")
    assert "Usage:" in result.stdout
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert f"## qualcode {' '.join(path)}\n" in reference, f"docs/commands.md lacks {path}"


def test_command_reference_is_current():
    """docs/commands.md is what the CLI's own help says now (regenerate: python -m qualcode.cli.reference)."""
    from qualcode.cli.reference import command_reference

    assert (ROOT / "docs" / "commands.md").read_text(encoding="utf-8") == command_reference(), (
        "docs/commands.md is stale: run `python -m qualcode.cli.reference > docs/commands.md`"
    )


def test_memos_are_listed_with_what_they_are_on(runner, study):
    from qualcode.store.memos import write_memo
    from qualcode.store.project import Project

    ruth = segs(runner, study, "--document", "int01")[1]
    with Project.open(study, coder="amira") as p:
        write_memo(p, "segment", ruth["id"], "Check [tone] here")
        write_memo(p, "project", None, "Overall impressions", coder="tom")
    rows = json.loads(run(runner, "memos", study, "--json").stdout)
    assert [(r["target_kind"], r["target_id"], r["coder"], r["text"]) for r in rows] == [
        ("segment", ruth["id"], "amira", "Check [tone] here"),
        ("project", None, "tom", "Overall impressions"),
    ]
    only = json.loads(run(runner, "memos", study, "--coder", "tom", "--json").stdout)
    assert [r["text"] for r in only] == ["Overall impressions"]
    assert "[tone]" in run(runner, "memos", study, "--kind", "segment").stdout
