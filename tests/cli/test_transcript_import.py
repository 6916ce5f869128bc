"""Importing transcripts from the CLI: --interviewer, --dry-run and `documents set --interviewer`."""

from __future__ import annotations

import json
from pathlib import Path

from qualcode.store.project import project_exists
from tests.conftest import db, run_cli

DATA = Path(__file__).parent.parent / "data" / "transcripts"


def dump(path: Path) -> list:
    with db(path) as conn:
        return [
            conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("documents", "segments", "cases", "document_speakers", "change_log")
        ]


def test_dry_run_shows_speakers_cases_and_first_turns_and_stores_nothing(new_location, tmp_path, runner):
    proj = new_location("p")
    out = run_cli(runner, "import", proj, DATA / "legend_codes.txt", "--dry-run", "--json", "--create")
    assert not project_exists(proj)
    (pv,) = json.loads(out.stdout)
    assert pv["source_type"] == "focus-group"
    assert pv["legend"] == {"I1": "Interviewer 1", "M": "Mand", "K": "Kvinde"}
    assert pv["speakers"] == [
        {"speaker": "Interviewer 1", "code": "I1", "role": "researcher", "turns": 2},
        {"speaker": "Mand", "code": "M", "role": "participant", "turns": 3},
        {"speaker": "Kvinde", "code": "K", "role": "participant", "turns": 1},
    ]
    assert pv["cases"] == [
        {"case": "legend_codes-Mand", "segments": 3, "attributes": {}},
        {"case": "legend_codes-Kvinde", "segments": 1, "attributes": {}},
    ]
    assert pv["no_case_segments"] == 3
    assert pv["first_turns"][1] == {
        "speaker": "Interviewer 1",
        "case": None,
        "time": "0:00:04.2",
        "text": "Velkommen. Hvordan hørte I om projektet?",
    }
    table = run_cli(runner, "import", proj, DATA / "otter.txt", "--dry-run", "--interviewer", "Sara Holm")
    assert "researcher" in table.stdout and "Speaker 2" in table.stdout and not project_exists(proj)


def test_dry_run_on_an_existing_project_leaves_it_unchanged(new_location, tmp_path, runner):
    proj = new_location("p")
    run_cli(runner, "init", proj)
    before = dump(proj)
    run_cli(runner, "import", proj, DATA / "rev.txt", "--dry-run")
    assert dump(proj) == before


def test_interviewer_on_import_and_stored_segments_equal_their_spans(new_location, tmp_path, runner):
    proj = new_location("p")
    run_cli(
        runner,
        "import",
        proj,
        DATA / "otter.txt",
        DATA / "zoom.txt",
        "--interviewer",
        "Sara Holm",
        "--create",
    )
    with db(proj) as conn:
        rows = conn.execute(
            'SELECT d.name, s.speaker, c.name, s.time, s.text, substr(d.text, s.start + 1, s."end" - s.start)'
            " FROM segments s JOIN documents d ON d.id = s.document_id LEFT JOIN cases c ON c.id = s.case_id"
            " ORDER BY s.id"
        ).fetchall()
        roles = conn.execute("SELECT speaker, role FROM document_speakers WHERE document_id = 2").fetchall()
    assert all(r[4] == r[5] for r in rows)
    assert [(r[1], r[2], r[3]) for r in rows if r[0] == "zoom"] == [
        ("Sara Holm", None, "10:01:22"),
        ("Ola Berg", "zoom", "10:01:30"),
        ("Sara Holm", None, "10:02:05"),
        ("Ola Berg", "zoom", "10:02:09"),
    ]
    assert dict(roles) == {"Sara Holm": "researcher", "Ola Berg": "participant"}


def test_documents_set_interviewer_rederives_cases_in_one_logged_change(new_location, tmp_path, runner):
    proj = new_location("p")
    run_cli(runner, "import", proj, DATA / "named_interviewer.txt", "--create")
    listed = json.loads(run_cli(runner, "documents", proj, "--json").stdout)
    assert listed[0]["cases"] == 3
    out = json.loads(
        run_cli(
            runner, "documents", "set", proj, "named_interviewer", "--interviewer", "sara holm", "--json"
        ).stdout
    )
    assert out["segments_moved"] == 2 and out["cases_removed"] == ["named_interviewer-Sara Holm"]
    with db(proj) as conn:
        got = conn.execute(
            "SELECT s.speaker, c.name FROM segments s LEFT JOIN cases c ON c.id = s.case_id"
            " ORDER BY s.position"
        ).fetchall()
        log = conn.execute(
            "SELECT action, entity_id, detail FROM change_log WHERE action = 'document.speakers'"
        ).fetchall()
    assert got == [
        ("Sara Holm", None),
        ("Jonas Lind", "named_interviewer-Jonas Lind"),
        ("Sara Holm", None),
        ("Jonas Lind", "named_interviewer-Jonas Lind"),
        ("Mette Dahl", "named_interviewer-Mette Dahl"),
    ]
    assert len(log) == 1 and json.loads(log[0][2])["after"]["Sara Holm"] == "researcher"
    # Naming someone else instead gives Sara her case back.
    run_cli(runner, "documents", "set", proj, "named_interviewer", "--interviewer", "Mette Dahl")
    with db(proj) as conn:
        cases = [r[0] for r in conn.execute("SELECT name FROM cases ORDER BY name")]
    assert cases == ["named_interviewer-Jonas Lind", "named_interviewer-Sara Holm"]


def test_documents_set_refuses_unknown_speakers_and_changes_nothing(new_location, tmp_path, runner):
    proj = new_location("p")
    run_cli(runner, "import", proj, DATA / "named_interviewer.txt", "--create")
    before = dump(proj)
    bad = run_cli(runner, "documents", "set", proj, "named_interviewer", "--interviewer", "Nobody", code=2)
    assert "no speaker 'Nobody'" in bad.stderr and "Jonas Lind" in bad.stderr
    run_cli(runner, "documents", "set", proj, "missing", "--interviewer", "Sara Holm", code=2)
    run_cli(runner, "documents", "set", proj, "named_interviewer", code=2)
    assert dump(proj) == before
