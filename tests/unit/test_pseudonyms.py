"""The register, the offset map and the name finder, without a project."""

from __future__ import annotations

import pytest

from qualcode.core.pseudonyms import Replacement, apply_replacements, parse_register
from qualcode.errors import InputError
from qualcode.nlp.pseudonymise import NameFinder, max_edits


def rows(*lines: str) -> list[dict[str, str]]:
    keys = ["name", "pseudonym", "kind", "variants"]
    return [dict(zip(keys, line.split(";"), strict=False)) for line in lines]


@pytest.fixture(scope="module")
def finder() -> NameFinder:
    entries, _ = parse_register(
        rows(
            "Marisol;[Manager];staff",
            "Tamsin Okafor;[Psychologist];staff",
            "Jas;[Worker];staff",
            "Dev;[Outreach];staff",
            "the Harbour Project;[Centre];organisation;Harbour|the Harbour",
            "Kwame;[Coordinator];staff",
        )
    )
    return NameFinder(entries)


def found(finder: NameFinder, text: str) -> list[tuple[str, str, str]]:
    return [(r.original, r.pseudonym, r.how) for r in finder.find(text)]


# -- the register -------------------------------------------------------------------------------------------
def test_register_generates_stable_pseudonyms_and_name_forms():
    entries, warnings = parse_register(
        rows("Tamsin Okafor;;staff", "Gary;;person", "Lee Hall;;person", "Northgate;;organisation")
    )
    assert [e.pseudonym for e in entries] == ["[Staff1]", "[P1]", "[P2]", "[Org1]"]
    assert all(e.generated for e in entries)
    okafor = entries[0].variants
    assert {"Tamsin Okafor", "Tamsin", "Okafor", "Dr Okafor", "Dr. Okafor", "Dr Tamsin Okafor"} <= set(okafor)
    assert "Hall" in entries[2].variants and warnings == []
    assert entries[3].variants == ["Northgate"]  # organisations are not split into words


def test_a_name_part_two_people_share_is_not_replaced_on_its_own():
    entries, warnings = parse_register(rows("Sam Jones;[P1]", "Sam Lee;[P2]"))
    assert "Sam" not in entries[0].variants + entries[1].variants
    assert warnings and "'Sam' could be Sam Jones or Sam Lee" in warnings[0]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["x;y"], None),
        (["Ann;[A];wizard"], "kind must be one of"),
        (["Ann;[A]", "ann;[B]"], "already on row 2"),
        (["Ann;[A];person;Annie", "Annie;[B]"], "listed for both"),
        ([";[A]"], "empty name"),
    ],
)
def test_register_problems_are_reported(lines, message):
    if message is None:
        with pytest.raises(InputError, match="needs a 'name' column"):
            parse_register([{"who": "x"}])
        with pytest.raises(InputError, match="no names"):
            parse_register([])
        return
    with pytest.raises(InputError, match=message):
        parse_register(rows(*lines))


# -- offsets -------------------------------------------------------------------------------------------------
def test_offsets_map_so_spans_cover_the_same_words():
    text = "I met Marisol and Dr Okafor today."
    reps = [
        Replacement(6, 13, "Marisol", "[M]", "exact"),
        Replacement(18, 27, "Dr Okafor", "[Psychologist]", "exact"),
    ]
    new, where = apply_replacements(text, reps)
    assert new == "I met [M] and [Psychologist] today."

    def moved(s: int, e: int) -> str:
        return new[where.start(s) : where.end(e)]

    assert moved(0, 5) == "I met"  # before any name
    assert moved(6, 13) == "[M]"  # exactly a name
    assert moved(2, 17) == "met [M] and"  # across a shorter pseudonym
    assert moved(14, 34) == "and [Psychologist] today."  # across a longer one
    assert moved(8, 22) == "[M] and [Psychologist]"  # starting and ending inside names
    assert moved(13, 18) == " and "  # touching both names, covering neither
    assert moved(28, 34) == "today."


def test_overlapping_replacements_are_a_bug():
    with pytest.raises(ValueError):
        apply_replacements(
            "abcdef", [Replacement(0, 3, "abc", "x", "exact"), Replacement(2, 4, "cd", "y", "exact")]
        )


# -- finding names -------------------------------------------------------------------------------------------
def test_possessives_with_straight_and_curly_apostrophes(finder):
    assert found(finder, "Marisol's team and Kwame’s emails") == [
        ("Marisol", "[Manager]", "exact"),
        ("Kwame", "[Coordinator]", "exact"),
    ]
    new, _ = apply_replacements("Marisol's team", finder.find("Marisol's team"))
    assert new == "[Manager]'s team"


def test_longest_form_wins_and_words_inside_words_are_not_names(finder):
    assert found(finder, "Dr Tamsin Okafor and Dr. Okafor, then Okafor") == [
        ("Dr Tamsin Okafor", "[Psychologist]", "exact"),
        ("Dr. Okafor", "[Psychologist]", "exact"),
        ("Okafor", "[Psychologist]", "exact"),
    ]
    assert found(finder, "the Harbour Project, the Harbour and Harbour") == [
        ("the Harbour Project", "[Centre]", "exact"),
        ("the Harbour", "[Centre]", "exact"),
        ("Harbour", "[Centre]", "exact"),
    ]
    assert found(finder, "Development of the dev team at a harbour; Jasmine") == []


def test_letter_case_only_for_names_that_are_not_english_words(finder):
    assert found(finder, "MARISOL and marisol and KWAME") == [
        ("MARISOL", "[Manager]", "exact"),
        ("marisol", "[Manager]", "case"),
        ("KWAME", "[Coordinator]", "exact"),
    ]
    assert found(finder, "DEV and JAS said") == [("DEV", "[Outreach]", "exact"), ("JAS", "[Worker]", "exact")]
    assert found(finder, "dev and jas said") == []


def test_misspellings_of_distinctive_names(finder):
    assert found(finder, "Marisl, Marsiol and Okafur; Kwmae's idea") == [
        ("Marisl", "[Manager]", "fuzzy"),
        ("Marsiol", "[Manager]", "fuzzy"),
        ("Okafur", "[Psychologist]", "fuzzy"),
        ("Kwmae", "[Coordinator]", "fuzzy"),
    ]
    # short names and English words are never matched fuzzily
    assert found(finder, "Jam and Dew; Was it Harbor Lane? Marigold") == []


def test_edit_budget():
    assert [max_edits(n) for n in (3, 4, 7, 8, 12)] == [0, 1, 1, 2, 2]


def test_codings_that_differed_only_inside_a_name_become_one(project, finder):
    from qualcode.core.models import ParsedDocument, ParsedSegment
    from qualcode.store.codings import add_coding
    from qualcode.store.documents import add_documents
    from qualcode.store.pseudonymise import pseudonymise_in_place

    text = "P1: I asked Marisol again"
    add_documents(
        project,
        [
            ParsedDocument(
                "d", "interview", text, [ParsedSegment(4, len(text), speaker="P1")], "d.txt", "h", {}
            )
        ],
    )
    seg = project.scalar("SELECT id FROM segments")
    at = text.index("Marisol")
    for end in (at + 4, at + 7):  # "Mari" and "Marisol": both become "[Manager]"
        add_coding(project, "practice.awareness", segment_id=seg, start=at, end=end)
    add_coding(project, "practice.confidence", segment_id=seg, start=4, end=at + 2)
    result = pseudonymise_in_place(project, finder.find)
    assert result["codings_folded"] == 1
    rows = project.query(
        'SELECT substr(d.text, k.start + 1, k."end" - k.start) AS t FROM codings k'
        " JOIN documents d ON d.id = k.document_id ORDER BY k.id"
    )
    assert [r["t"] for r in rows] == ["[Manager]", "I asked [Manager]"]
