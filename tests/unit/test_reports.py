"""Report numbers on a study small enough to work out by hand (tests/report_study.py)."""

import hashlib

import pytest

from qualcode.errors import InputError, NotFoundError
from qualcode.reports.build import build_report, full_report_from_evidence, report_from_evidence
from qualcode.reports.contribution import hls_capacity, triangulation
from qualcode.reports.evidence import Filters, load_evidence
from qualcode.reports.settings import ReportSettings, load_settings
from qualcode.reports.themes import Share, share_text
from qualcode.store.project import Project
from tests.report_study import HOSTILE, build_study


@pytest.fixture
def study(project_location):
    """The small study, as a project file and as a server study."""
    ids = build_study(project_location)
    p = Project.open(project_location)
    yield p, ids
    p.close()


def rows_by_code(data):
    return {r["code"]: r for r in data}


def test_theme_table_counts_distinct_cases_per_source_type(study):
    p, _ = study
    rows = rows_by_code(build_report(p, "themes").data)
    a1 = rows["a1"]
    assert (a1["segments"], a1["codings"], a1["cases"]) == (6, 7, 5)
    assert a1["by_source_type"] == {
        "interview": {"cases": 1, "total_cases": 2, "percent": 50.0},
        "focus-group": {"cases": 1, "total_cases": 3, "percent": 33.3},
        "survey": {"cases": 3, "total_cases": 10, "percent": 30.0},
    }
    a2 = rows["a2"]  # R06's coding was rejected by the reviewer
    assert (a2["segments"], a2["cases"], a2["by_source_type"]["survey"]["cases"]) == (2, 2, 1)
    group = rows["A"]  # the union of a1 and a2
    assert (group["segments"], group["codings"], group["cases"], group["group"]) == (8, 9, 7, True)
    assert [group["by_source_type"][t]["cases"] for t in ("interview", "focus-group", "survey")] == [2, 1, 4]
    assert rows["hls.leadership"]["by_source_type"]["interview"] == {
        "cases": 1,
        "total_cases": 2,
        "percent": 50.0,
    }
    assert list(rows) == ["A", "a1", "a2", "context", "hls", "hls.people", "hls.leadership"]


def test_theme_cells_and_breakdown_by_attribute(study):
    p, _ = study
    built = build_report(p, "themes", by="sector")
    a1 = rows_by_code(built.data)["a1"]
    assert a1["by_attribute"] == {
        "statutory": {"cases": 5, "total_cases": 7, "percent": 71.4},
        "voluntary": {"cases": 0, "total_cases": 7, "percent": 0.0},
        "(not recorded)": {"cases": 0, "total_cases": 1, "percent": 0.0},
    }
    table = built.doc.tables()[0]
    assert table.columns[3:6] == [
        "Interviewees (N=2)",
        "Focus group participants (N=3)",
        "Survey respondents (N=10)",
    ]
    assert "Sector: statutory (N=7)" in table.columns
    a1_row = next(r for r in table.rows if r[1] == "a1")
    assert a1_row[3:9] == ["1 of 2", "1 of 3", "30% (n=3)", "5 of 7", "0 of 7", "0 of 1"]


def test_share_text_switches_from_counts_to_percentages_and_rounds_half_up():
    s = ReportSettings()
    assert share_text(Share.of(5, 5), s) == "5 of 5"
    assert share_text(Share.of(14, 45), s) == "31% (n=14)"
    assert share_text(Share.of(1, 8), s) == "1 of 8"
    assert share_text(Share.of(1, 40), s) == "3% (n=1)"  # 2.5% rounds up
    assert share_text(Share.of(0, 0), s) == "-"


def test_exemplar_quotes_prefer_accepted_and_attribute_by_role(study):
    p, ids = study
    a1 = rows_by_code(build_report(p, "themes").data)["a1"]
    first = a1["quotes"][0]
    assert first["coding_id"] == ids["a1_R01"] and first["status"] == "accepted"
    assert first["attribution"] == "(Survey respondent, statutory)"
    quotes = build_report(p, "quotes", filters=Filters(codes=("a1",))).data
    by_id = {q["coding_id"]: q for q in quotes}
    assert by_id[ids["a1_I1"]]["attribution"] == "(Interviewee, commissioner, statutory)"
    assert by_id[ids["a1_R02"]]["status"] == "queried"  # the latest review wins
    assert by_id[ids["a1_interviewer"]]["case"] is None
    assert len(quotes) == 7


def test_contribution_groups_claims_and_rates_triangulation(study):
    p, ids = study
    data = {c["category"]: c for c in build_report(p, "contribution").data}
    assert list(data) == ["sufficient", "necessary", "improved", "none"]
    [faster] = data["improved"]["claims"]
    assert faster["claim"] == "Faster referrals"  # "  faster  REFERRALS " groups with it
    assert sorted(faster["evidence"]) == sorted(
        ids[k] for k in ("a1_I1", "a1_FG1", "a1_R01", "a1_R02", "a1_R03")
    )
    assert (faster["cases"], faster["source_types"], faster["strength"]) == (
        5,
        ["focus-group", "interview", "survey"],
        "strong",
    )
    assert faster["contradicting"] == [ids["ctx_I1"]]
    [confidence] = data["sufficient"]["claims"]
    assert (confidence["cases"], confidence["strength"]) == (1, "single-source")
    [joint] = data["necessary"]["claims"]
    assert (joint["cases"], joint["source_types"], joint["strength"]) == (
        2,
        ["focus-group", "survey"],
        "moderate",
    )
    # The coding marked 'none' that names the same claim now contradicts it (one claim, evidence both ways),
    # instead of standing as a second claim under 'none'.
    assert data["none"]["claims"] == []
    assert (faster["supports"], faster["contradicts"], faster["key"]) == (5, 1, "claim-1")


def test_triangulation_and_capacity_rules_are_configurable():
    s = ReportSettings()
    assert [triangulation(t, c, s) for t, c in ((3, 5), (3, 4), (2, 1), (1, 3), (1, 2))] == [
        "strong",
        "moderate",
        "moderate",
        "moderate",
        "single-source",
    ]
    assert [hls_capacity(t, c, s) for t, c in ((2, 3), (1, 9), (3, 2))] == ["higher", "lower", "lower"]
    strict = ReportSettings(strong_source_types=4, hls_higher_cases=5)
    assert triangulation(3, 5, strict) == "moderate" and hls_capacity(2, 4, strict) == "lower"


def test_settings_file(tmp_path):
    good = tmp_path / "rules.yaml"
    good.write_text("strong_cases: 8\nattribution_attributes: [sector]\n")
    s = load_settings(good)
    assert (s.strong_cases, s.attribution_attributes, s.moderate_cases) == (8, ("sector",), 3)
    bad = tmp_path / "bad.yaml"
    bad.write_text("strong_casez: 8\n")
    with pytest.raises(InputError, match="unknown setting 'strong_casez'"):
        load_settings(bad)
    bad.write_text("strong_cases: many\n")
    with pytest.raises(InputError, match="whole number"):
        load_settings(bad)


def test_hls_table(study):
    p, _ = study
    rows = {r["code"]: r for r in build_report(p, "hls").data}
    assert list(rows) == ["hls.people", "hls.leadership"]
    people = rows["hls.people"]
    assert (people["segments"], people["cases"], people["source_types"], people["capacity"]) == (
        3,
        3,
        ["focus-group", "survey"],
        "higher",
    )
    assert people["quote"]["text"]
    # One case only: fewer than hls_min_cases (2) speak to it, so the rule says so rather than 'lower'.
    assert (rows["hls.leadership"]["cases"], rows["hls.leadership"]["capacity"]) == (
        1,
        "insufficient evidence",
    )


def test_filters_accepted_only_coder_codes_and_attributes(study):
    p, ids = study
    accepted = rows_by_code(build_report(p, "themes", filters=Filters(accepted_only=True)).data)
    assert (accepted["a1"]["segments"], accepted["a1"]["by_source_type"]["survey"]) == (
        1,
        {"cases": 1, "total_cases": 10, "percent": 10.0},
    )  # denominators do not shrink
    assert accepted["a2"]["segments"] == 0
    tom = rows_by_code(build_report(p, "themes", filters=Filters(coder="tom")).data)
    assert (tom["a1"]["codings"], tom["a1"]["cases"], tom["A"]["codings"]) == (1, 1, 1)
    scoped = build_report(p, "themes", filters=Filters(codes=("A",))).data
    assert [r["code"] for r in scoped] == ["A", "a1", "a2"]
    statutory = rows_by_code(
        build_report(p, "themes", filters=Filters(attributes={"sector": "statutory"})).data
    )
    assert statutory["a1"]["by_source_type"]["survey"] == {"cases": 3, "total_cases": 5, "percent": 60.0}
    assert statutory["a2"]["cases"] == 1  # R04 (statutory); I2 is voluntary
    with pytest.raises(NotFoundError, match="did you mean 'a1'"):
        build_report(p, "themes", filters=Filters(codes=("a11",)))
    with pytest.raises(InputError, match="no case has an attribute 'sektor'"):
        build_report(p, "themes", filters=Filters(attributes={"sektor": "x"}))
    with pytest.raises(InputError, match="--by does not apply"):
        build_report(p, "hls", by="sector")


def test_matrices_and_cooccurrence(study):
    p, _ = study
    cases = {r["case"]: r for r in build_report(p, "matrix").data}
    assert len(cases) == 15 and "R11" not in cases
    assert cases["I1"]["codes"] == {"a1": 1, "a2": 0, "context": 1, "hls.people": 0, "hls.leadership": 0}
    assert cases["I1"]["sector"] == "statutory" and cases["FG-P3"]["sector"] == ""
    types = {r["source type"]: r["codes"] for r in build_report(p, "matrix", by="source-type").data}
    assert (
        types["survey"]["a1"] == 3 and types["interview"]["a1"] == 2
    )  # the interviewer's turn counts as a segment
    docs = {r["document"]: r["codes"] for r in build_report(p, "matrix", by="document").data}
    assert docs["fg"] == {"a1": 1, "a2": 0, "context": 0, "hls.people": 2, "hls.leadership": 0}
    sector = {r["sector"]: r for r in build_report(p, "matrix", by="sector").data}
    assert (sector["statutory"]["cases"], sector["statutory"]["codes"]["a1"]) == (7, 5)
    co = {r["code"]: r["codes"] for r in build_report(p, "cooccurrence").data}
    assert co["a1"]["a1"] == 6 and co["a1"]["hls.people"] == 1 and co["hls.people"]["a1"] == 1
    assert co["a2"]["hls.leadership"] == 1 and co["a1"]["a2"] == 0
    with pytest.raises(InputError, match="matrix --by"):
        build_report(p, "matrix", by="nonsense")


def test_participants_and_codebook(study):
    p, _ = study
    rows = build_report(p, "participants").data
    everyone = rows[0]
    assert (everyone["cases"], everyone["by_source_type"]) == (
        15,
        {"interview": 2, "focus-group": 3, "survey": 10},
    )
    sector = {r["value"]: r for r in rows if r["characteristic"] == "sector"}
    # The base is the 14 cases whose sector is recorded: "(not recorded)" is never part of a base (issue 13).
    assert (sector["statutory"]["cases"], sector["statutory"]["base"], sector["statutory"]["percent"]) == (
        7,
        14,
        50.0,
    )
    assert (sector["(not recorded)"]["base"], sector["(not recorded)"]["percent"]) == (None, None)
    assert sector["statutory"]["by_source_type"] == {"interview": 1, "focus-group": 1, "survey": 5}
    assert sector["(not recorded)"]["cases"] == 1
    built = build_report(p, "participants", by="role")
    assert [(r["value"], r["cases"]) for r in built.data if r["characteristic"] == "role"] == [
        ("commissioner", 1),
        ("(not recorded)", 14),
    ]
    methods = {
        r["value"]: (r["sessions"], r["participants"]) for r in built.data if r["characteristic"] == "Method"
    }
    # R11 is a case made without a survey response or segment, so it is in no method.
    assert methods == {
        "Interviewees": (2, 2),
        "Focus group participants": (1, 3),
        "Survey respondents": (1, 10),
        "Everyone": (4, 15),
    }
    assert "1 case(s) have no segments" in built.doc.tables()[0].note
    codebook = {r["key"]: r for r in build_report(p, "codebook").data}
    assert (codebook["A"]["segments"], codebook["a1"]["definition"], codebook["a1"]["examples"]) == (
        8,
        "Refers sooner.",
        ["we refer sooner"],
    )


def test_provenance_hash_is_the_project_file_and_full_report_has_every_table(study, tmp_path):
    p, _ = study
    evidence = load_evidence(p)
    head = p.scalar("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1")
    on_server, name = p.on_server, p.path.name
    p.close()
    if (
        on_server
    ):  # a server study: the state is named by the change log's head (report_data.SERVER_HASH_METHOD)
        digest = hashlib.sha256(f"qualcode change log head {head}".encode()).hexdigest()
    else:
        digest = hashlib.sha256((tmp_path / "study.qcdb").read_bytes()).hexdigest()
    assert evidence.provenance.sha256 == digest
    assert evidence.provenance.file == name and evidence.provenance.generated.endswith("Z")
    doc = full_report_from_evidence(evidence)
    assert [t.key for t in doc.tables()] == ["participants", "themes", "contribution", "hls", "codebook"]
    sheets = full_report_from_evidence(evidence, spreadsheet=True)
    assert {"matrix-case", "matrix-document", "cooccurrence", "quotes"} <= {t.key for t in sheets.tables()}
    quotes = report_from_evidence(evidence, "quotes").data
    assert {q["text"] for q in quotes} >= set(HOSTILE.values())


def test_hash_changes_when_the_project_changes(tmp_path):
    build_study(tmp_path / "s.qcdb")
    with Project.open(tmp_path / "s.qcdb") as p:
        before = load_evidence(p).provenance.sha256
        assert load_evidence(p).provenance.sha256 == before
        from qualcode.store.codings import update_coding

        update_coding(p, 1, memo="changed")
        assert load_evidence(p).provenance.sha256 != before


@pytest.mark.parametrize("in_memory", [True, False])
def test_a_coder_can_save_while_a_report_reads_its_evidence(tmp_path, monkeypatch, in_memory):
    """The report reads (and hashes) a snapshot taken under a brief lock, not the file under a long one: a
    save made meanwhile goes through at once, and the hash and data are both of the state before it. A large
    project's snapshot is a copy on disk (memory stays small), removed once the report has read it."""
    import sqlite3
    import tempfile

    from qualcode.reports import evidence as ev
    from qualcode.store import report_data

    if not in_memory:
        monkeypatch.setattr(report_data, "SNAPSHOT_IN_MEMORY_MAX", 0)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
        (tmp_path / "tmp").mkdir()

    build_study(tmp_path / "s.qcdb")
    before = hashlib.sha256((tmp_path / "s.qcdb").read_bytes()).hexdigest()
    real = ev._read
    saved = []

    def coder_saves_meanwhile(project, *args):
        with sqlite3.connect(tmp_path / "s.qcdb", timeout=0, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE codings SET memo = 'saved meanwhile' WHERE id = 1")
            other.execute("COMMIT")  # fails with 'database is locked' while a reader holds the file
            saved.append(True)
        return real(project, *args)

    monkeypatch.setattr(ev, "_read", coder_saves_meanwhile)
    with Project.open(tmp_path / "s.qcdb") as p:
        evidence = load_evidence(p)
    assert saved and evidence.provenance.sha256 == before
    assert "saved meanwhile" not in {i.memo for i in evidence.items}
    assert len(evidence.items) > 0
    if not in_memory:
        assert list((tmp_path / "tmp").iterdir()) == []  # the copy is gone
