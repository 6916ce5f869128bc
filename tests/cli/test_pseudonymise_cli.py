"""Pseudonymising the demo study end to end: every name (with typos and possessives) replaced, every coding
still on the same words, and the real names nowhere in the project, its later backups, copies or exports."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from qualcode.store.memos import write_memo
from qualcode.store.project import Project
from tests.conftest import ROOT, write
from tests.conftest import run_cli as run

REGISTER = ROOT / "tests" / "data" / "demo-register.csv"
EXTRA = (
    "Interviewer: Anything else about the team?\n"
    "P9: Okafur's session was the best, and Kwmae sorted the room. Marisol’s staff came, so did Bernadete.\n"
    "Interviewer: And the Development group?\n"
    "P9: Ask JAS or marisol, they were at the Harbour Project.\n"
)
# Typos in EXTRA, with the pseudonym each must become.
TYPOS = {"Okafur": "[Psychologist]", "Kwmae": "[Coordinator]", "Bernadete": "[Work coach]"}


def register_forms() -> dict[str, str]:
    """Every written form the register implies (name, variants, first/last names, titled surname) -> pseudonym."""
    forms = {}
    with REGISTER.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pseudo = row["pseudonym"] or "[P2]"
            names = [row["name"], *filter(None, row["variants"].split("|"))]
            if row["kind"] in ("person", "staff") and " " in row["name"]:
                first, last = row["name"].split()[0], row["name"].split()[-1]
                names += [first, last, f"Dr {last}", f"Dr {row['name']}"]
            forms.update(dict.fromkeys(names, pseudo))
    return forms


FORMS = register_forms()


def expected(text: str) -> str:
    """The text as it must read after pseudonymising, worked out independently with regular expressions."""
    table = {**FORMS, **{f.upper(): p for f, p in FORMS.items()}, **TYPOS, "marisol": "[Manager]"}
    pattern = "|".join(re.escape(f) for f in sorted(table, key=len, reverse=True))
    return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", lambda m: table[m.group()], text)


def real_names() -> list[str]:
    return sorted(
        {
            w
            for form in FORMS
            for w in form.split()
            if w[0].isupper()
            and w not in ("Dr", "Project", "Street", "Living", "Housing", "Trust", "Recovery")
        }
        | set(TYPOS)
    )


@pytest.fixture
def study(demo_master, tmp_path, runner):
    """The demo plus a transcript with typos, possessives and capitals, codings on names, and names in a memo,
    a claim and a case attribute."""
    path = tmp_path / "study.qcdb"
    shutil.copy(demo_master, path)
    run(
        runner,
        "import",
        path,
        write(tmp_path / "int09.txt", EXTRA),
        "--case",
        "INT09",
        "--attr",
        "referred_by=Priya at Northgate",
    )
    segs = json.loads(run(runner, "segments", path, "--document", "int09", "--json").stdout)
    turn = segs[1]
    start = turn["start"] + turn["text"].index("Okafur's")
    run(
        runner,
        "code",
        path,
        turn["id"],
        "delivery.topics",
        "--start",
        start,
        "--end",
        start + len("Okafur's session"),
        "--claim",
        "Kwame made it happen",
        "--memo",
        "Check with Marisol",
        "--coder",
        "amira",
    )
    run(runner, "code", path, segs[3]["id"], "practice.networking", "--coder", "amira")
    with Project.open(path, coder="amira") as p:
        write_memo(p, "segment", turn["id"], "Dr Okafor and Shaz ran it together")
    return path


def coded_texts(path: Path) -> dict[int, str]:
    with Project.open(path) as p:
        return {
            r["id"]: r["text"]
            for r in p.query(
                'SELECT k.id, substr(d.text, k.start + 1, k."end" - k.start) AS text FROM codings k'
                " JOIN documents d ON d.id = k.document_id"
            )
        }


# Names that are also English words in lower case ("dev", "jade", "harbour") are looked for as written and in
# capitals; the others in any letter case.
WORDS = {"Dev", "Jade", "Helen", "Ruth", "Gary", "Harbour", "Beacon", "Tanner", "Jas"}


def assert_no_real_names(data: bytes, what: str) -> None:
    leaked = []
    for name in real_names():
        flags = 0 if name in WORDS else re.IGNORECASE
        forms = b"|".join(re.escape(f.encode()) for f in {name, name.upper()})
        if re.search(rb"(?<![A-Za-z])(?:" + forms + rb")(?![A-Za-z])", data, flags):
            leaked.append(name)
    assert leaked == [], f"{what} still holds {leaked}"


def test_review_lists_every_replacement_and_changes_nothing(runner, study):
    before = Path(study).read_bytes()
    review = json.loads(
        run(runner, "pseudonymise", study, "--register", REGISTER, "--review", "--json").stdout
    )
    assert Path(study).read_bytes() == before
    originals = {(r["original"], r["how"]) for r in review["review"]}
    assert {
        ("Okafur", "fuzzy"),
        ("Kwmae", "fuzzy"),
        ("Bernadete", "fuzzy"),
        ("JAS", "exact"),
        ("marisol", "case"),
        ("Marisol", "exact"),
        ("Dr Tamsin Okafor", "exact"),
    } <= originals
    possessive = next(r for r in review["review"] if r["original"] == "Marisol" and "int09" in r["where"])
    assert "«Marisol»’s staff" in possessive["context"]
    wheres = {r["where"].rsplit(" ", 1)[0] for r in review["review"]}
    assert {
        "document",
        "speaker of segment",
        "claim of coding",
        "memo of coding",
        "memo",
        "case attribute",
    } <= wheres
    assert review["replacements"] == len(review["review"])
    shown = run(runner, "pseudonymise", study, "--register", REGISTER, "--review").stdout
    assert "nothing was changed" in shown and "Okafur" in shown


def test_in_place_replaces_every_name_and_keeps_codings_on_the_same_words(
    runner, study, tmp_path, private_backup_dir
):
    before = coded_texts(study)
    key = tmp_path / "private" / "key.csv"
    key.parent.mkdir()
    result = json.loads(
        run(runner, "pseudonymise", study, "--register", REGISTER, "--key-out", key, "--json").stdout
    )
    after = coded_texts(study)
    assert after.keys() == before.keys()
    for coding_id, text in before.items():
        assert after[coding_id] == expected(text), coding_id
    assert after != before  # names were inside coded text
    assert "[Psychologist]'s session" in after.values()
    with Project.open(study) as p:
        texts = "\n".join(r[0] for r in p.conn.execute("SELECT text FROM documents"))
        assert texts == expected(texts)
        for seg in p.query(
            'SELECT s.text, s.start, s."end", d.text AS doc FROM segments s JOIN documents d'
            " ON d.id = s.document_id"
        ):
            assert seg["doc"][seg["start"] : seg["end"]] == seg["text"]
        log = p.query("SELECT action, detail FROM change_log")
        assert [r["action"] for r in log] == ["pseudonymise"]
        assert (
            p.scalar("SELECT value FROM case_attributes WHERE name = 'referred_by'")
            == "[Nurse] at [Housing provider]"
        )
        assert (
            p.scalar(
                "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'marisol OR okafor OR kwame'"
            )
            == 0
        )
        assert p.scalar("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'coordinator'") > 0
    assert result["by_method"]["fuzzy"] == 3 and result["codings_moved"] > 0
    assert run(runner, "check", study).exit_code == 0
    assert_no_real_names(Path(study).read_bytes(), "the project file")
    # the key: a separate private file with every name, its pseudonym and how often it was replaced
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    keyed = {r["name"]: r for r in csv.DictReader(key.open(encoding="utf-8"))}
    assert keyed["Gary"]["pseudonym"] == "[P2]" and int(keyed["Marisol"]["replacements"]) >= 5
    # a backup taken now and every export hold no real name either
    backup = json.loads(run(runner, "backup", study, "--json").stdout)
    assert_no_real_names(Path(backup["file"]).read_bytes(), "a later backup")
    exports = {
        "codings.csv": ["codings", "export", study, "-o"],
        "quotes.csv": ["report", study, "quotes", "-o"],
        "report.html": ["report", study, "all", "-o"],
        "p.qdpx": ["export", study, "-o"],
    }
    for name, args in exports.items():
        run(runner, *args, tmp_path / name)
        data = (tmp_path / name).read_bytes()
        if name.endswith(".qdpx"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                data = b"".join(zf.read(i) for i in zf.infolist())
        assert_no_real_names(data, name)
    # the automatic backup made first is the one place that still has them, and it is said so
    autos = [
        r
        for r in json.loads(run(runner, "backup", study, "--list", "--json").stdout)["backups"]
        if r["reason"] == "before-pseudonymise"
    ]
    assert len(autos) == 1 and b"Marisol" in Path(autos[0]["file"]).read_bytes()


def test_share_copy_strips_memos_leaves_the_project_alone(runner, study, tmp_path):
    original = coded_texts(study)
    out = tmp_path / "share.qcdb"
    result = run(
        runner,
        "share",
        study,
        "-o",
        out,
        "--register",
        REGISTER,
        "--strip-memos",
        "--key-out",
        tmp_path / "key.csv",
    )
    assert str(out) in result.stdout
    assert coded_texts(study) == original
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert_no_real_names(out.read_bytes(), "the share copy")
    copy = sqlite3.connect(out)
    assert copy.execute("SELECT count(*) FROM memos").fetchone()[0] == 0
    assert copy.execute("SELECT count(*) FROM codings WHERE memo IS NOT NULL").fetchone()[0] == 0
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    assert run(runner, "audit", "verify", out).exit_code == 0
    with Project.open(study) as p:
        assert p.scalar("SELECT action FROM change_log ORDER BY id DESC LIMIT 1") == "share"
    copied = json.loads(
        run(
            runner,
            "pseudonymise",
            study,
            "--register",
            REGISTER,
            "--copy-to",
            tmp_path / "c.qcdb",
            "--key-out",
            tmp_path / "k2.csv",
            "--json",
        ).stdout
    )
    assert (
        copied["memos_stripped"] is False
        and copied["replacements"]
        == json.loads(
            run(runner, "pseudonymise", study, "--register", REGISTER, "--review", "--json").stdout
        )["replacements"]
    )


def test_the_key_must_be_kept_somewhere_separate(runner, study, tmp_path):
    result = run(runner, "pseudonymise", study, "--register", REGISTER, code=2)
    assert "--key-out" in result.stderr
    for bad in (study, tmp_path / "nowhere" / "key.csv"):
        run(runner, "pseudonymise", study, "--register", REGISTER, "--key-out", bad, code=2)
    run(
        runner,
        "share",
        study,
        "-o",
        tmp_path / "s.qcdb",
        "--register",
        REGISTER,
        "--key-out",
        tmp_path / "s.qcdb",
        code=2,
    )
    bad_register = write(tmp_path / "r.csv", "name,kind\nAnn,wizard\n")
    assert (
        "kind must be one of" in run(runner, "pseudonymise", study, "--register", bad_register, code=2).stderr
    )
