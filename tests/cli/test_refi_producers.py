"""REFI-QDA files shaped as each producer writes them (small invented fixtures in tests/data/refi), so a fresh
clone tests every quirk without ../shared: turn and coding level results checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.store.project import Project
from tests.conftest import ROOT, run_cli

DATA = ROOT / "tests" / "data" / "refi"


def imported(new_location, runner, tmp_path: Path, name: str, *extra: str) -> tuple[dict, Path]:
    proj = new_location("t")
    report = json.loads(run_cli(runner, "import", proj, DATA / name, "--create", "--json", *extra).stdout)
    return report, proj


def codings(proj: Path) -> list[tuple[str, str, str, str | None]]:
    """(code key, coded text, coder, speaker of the turn the coding starts in), in text order."""
    with Project.open(proj) as p:
        rows = p.conn.execute(
            'SELECT c.key, substr(d.text, k.start + 1, k."end" - k.start), k.coder, s.speaker FROM codings k'
            " JOIN documents d ON d.id = k.document_id JOIN codes c ON c.id = k.code_id"
            " LEFT JOIN segments s ON s.id = k.segment_id ORDER BY d.id, k.start, c.key"
        ).fetchall()
    return [tuple(r) for r in rows]


def turns(proj: Path) -> list[tuple[str | None, str]]:
    with Project.open(proj) as p:
        return [
            tuple(r)
            for r in p.conn.execute("SELECT speaker, text FROM segments ORDER BY document_id, position")
        ]


def test_fixtures_are_what_the_generator_writes():
    """The committed files are reproducible from make_fixtures.py (edit the script, not the files)."""
    from tests.data.refi.make_fixtures import FILES

    for name, make in FILES.items():
        assert (DATA / name).read_bytes() == make(), (
            f"{name} differs: run python tests/data/refi/make_fixtures.py"
        )


def test_nvivo_windows_utf16_offsets_over_crlf_text_with_a_bom(new_location, runner, tmp_path):
    """NVivo counts UTF-16 code units over the file's text, CRLF as two, BOM not counted; one selection per
    code (the same span twice); coders come from each Coding's creatingUser; nested codes."""
    report, proj = imported(new_location, runner, tmp_path, "nvivo-windows.qdpx", "--detect-speakers")
    assert report["warnings"] == [] and report["documents"] == 1 and report["codings"] == 3
    assert codings(proj) == [
        ("1-taking-part-részvétel", "I come every week now 😀 and bring my neighbour.", "Rosa", "Priya"),
        (
            "1-taking-part-részvétel.bringing-others",
            "I come every week now 😀 and bring my neighbour.",
            "Dev",
            "Priya",
        ),
        ("feeling-safe", "feels safe; staff know my name.\nThey ask after my son.", "Dev", "Priya"),
    ]
    assert turns(proj) == [
        ("Interviewer", "How did the drop-in change things?"),
        ("Priya", "I come every week now 😀 and bring my neighbour."),
        ("Interviewer", "Anything else?"),
        ("Priya", "The café 🍰 feels safe; staff know my name.\nThey ask after my son."),
    ]
    with Project.open(proj) as p:
        text = p.scalar("SELECT text FROM documents")
        parents = dict(
            p.conn.execute("SELECT c.label, p.label FROM codes c LEFT JOIN codes p ON p.id = c.parent_id")
        )
        description = p.scalar("SELECT definition FROM codes WHERE label = 'Feeling safe'")
    assert "\r" not in text and not text.startswith("\ufeff")  # the BOM is not text, CRLF became LF
    assert parents == {
        "1. Taking part – Részvétel": None,
        "bringing others": "1. Taking part – Részvétel",
        "Feeling safe": None,
    }
    assert description == ""  # <Description /> is no description


def test_nvivo_mac_lower_case_sources_folder_with_root_marker(new_location, runner, tmp_path):
    """sources/ with an empty sources/.root; UTF-16 offsets after a joined emoji of several astral characters."""
    report, proj = imported(new_location, runner, tmp_path, "nvivo-mac.qdpx", "--detect-speakers")
    assert report["warnings"] == [] and report["documents"] == 1
    assert codings(proj) == [("lived-experience", "who had been there.", proj_coder(proj), "Sam")]


def proj_coder(proj: Path) -> str:
    with Project.open(proj) as p:
        return p.coder


def test_atlas_project_named_qde_flat_hierarchy_media_pdf_and_notes(new_location, runner, tmp_path):
    """XML named after the project; 'A::B' names; code points; names cut with '…'; a PDF's text selection
    reusing its area selection's GUID; media, sets and links skipped and reported; notes on selections."""
    report, proj = imported(new_location, runner, tmp_path, "atlasti-named-qde.qdpx", "--detect-speakers")
    coder = proj_coder(proj)
    assert codings(proj) == [
        ("trust.early-doubt", "I didn't trust the hub.", "Lena", "Ana"),
        ("trust.won-over", "After the naïve questions stopped, I went back twice a week.", "Lena", "Ana"),
        ("reach.numbers", "from 12 to 31", coder, None),
    ]
    assert report["documents"] == 2 and report["memos"] == 2
    assert report["skipped"] == {"sources": 4, "selections": 2, "codings": 2, "links": 1, "sets": 1}
    warnings = " | ".join(report["warnings"])
    for expected in (
        "Missing.docx: skipped (its text is not in the file",
        "pictures are not imported; 1 coding",
        "1 PDF area selection(s) with 1 coding(s) skipped",
        "audio sources",
        "video sources",
        "1 link(s) skipped",
        "1 set(s) skipped",
        "added the grouping code 'Reach'",
    ):
        assert expected in warnings
    assert "selection name(s) differ" not in warnings  # '…' cut names still match their text
    with Project.open(proj) as p:
        parents = dict(
            p.conn.execute("SELECT c.label, p.label FROM codes c LEFT JOIN codes p ON p.id = c.parent_id")
        )
        memos = [tuple(r) for r in p.conn.execute("SELECT target_kind, title, text FROM memos ORDER BY id")]
    assert parents == {
        "Trust": None,
        "early doubt": "Trust",
        "won over": "Trust",
        "Reach": None,
        "numbers": "Reach",
    }
    # A note on a selection is a memo on the turn it selects; a free-standing note, one on the project.
    assert memos == [
        ("segment", "Doubt", "She said this twice. "),
        ("project", "Plan", "Follow up in spring."),
    ]


def test_older_project_namespace_bare_qde_with_inline_text(new_location, runner, tmp_path):
    report, proj = imported(new_location, runner, tmp_path, "project-ns-0-10.qde")
    assert report["warnings"] == [] and report["codings"] == 1
    assert codings(proj) == [("waiting", "We waited six weeks.", proj_coder(proj), None)]
    assert turns(proj) == [(None, "Kim: We waited six weeks.")]  # one line, one label: a paragraph


@pytest.mark.parametrize(
    ("name", "expected", "skipped"),
    [
        (
            "atlasti-codebook.qdc",
            [
                ("belonging", None, "feeling part of the group", "#46AA00"),
                ("belonging.first-names", "belonging", "", ""),
            ],
            {"sets": 1},
        ),
        (
            "taguette-codebook.qdc",
            [("access", None, "", ""), ("access-transport", None, "", ""), ("crèche-care", None, "", "")],
            {},
        ),
    ],
)
def test_codebooks_from_atlas_and_taguette(new_location, runner, tmp_path, name, expected, skipped):
    proj = new_location("t")
    run_cli(runner, "init", proj)
    report = json.loads(run_cli(runner, "codebook", "import", proj, DATA / name, "--json").stdout)
    assert report["added"] == len(expected) and report["skipped"] == skipped
    listed = json.loads(run_cli(runner, "codebook", "list", proj, "--json").stdout)
    assert [(c["key"], c["parent"], c["definition"], c["colour"]) for c in listed] == expected
    again = json.loads(run_cli(runner, "codebook", "import", proj, DATA / name, "--json").stdout)
    assert again["added"] == 0  # the same GUIDs update, never duplicate
