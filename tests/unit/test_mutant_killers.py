"""Tests written to kill hand-made mutants that survived the rest of the suite (issue 11). Each test's
docstring names the rule it pins down; tests/mutants/catalogue.py lists the mutants and docs/testing.md the
table. Expected values are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from qualcode.core.agreement import split_sentences
from qualcode.core.models import Code, Codebook, ParsedDocument, ParsedSegment
from qualcode.core.offsets import NVIVO, SPEC, OffsetModel, Span, _name_matches, map_spans
from qualcode.core.reportdoc import Provenance
from qualcode.core.turns import is_researcher, split_turns
from qualcode.errors import InputError
from qualcode.reports.agreement import disagreements
from qualcode.reports.contribution import contribution_table
from qualcode.reports.evidence import Evidence, EvidenceItem, Filters
from qualcode.reports.settings import ReportSettings
from qualcode.store.codings import add_coding, check_contribution, export_codings, import_codings
from qualcode.store.documents import add_documents, list_segments, search_segments

# -- the sentence splitter ----------------------------------------------------------------------------------


def test_a_full_stop_after_an_initial_does_not_end_a_sentence():
    text = "I met J. K. Rowling there. It was plan A! Then B. Smith came."
    # "J." and "K." are initials; "A!" is not a full stop so it ends a sentence; "B." is an initial again.
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "I met J. K. Rowling there.",
        "It was plan A!",
        "Then B. Smith came.",
    ]
    # A two-letter word is not an initial: "us." ends a sentence.
    other = "Tell us. We listen."
    assert [other[s:e] for s, e in split_sentences(other)] == ["Tell us.", "We listen."]


# -- agreement: the disagreement list ------------------------------------------------------------------------


def test_disagreement_list_shows_only_codings_that_overlap_the_unit(project):
    """A coding that merely touches a unit (ends where it starts, or starts where it ends) is not on it."""
    text = "P1: It helped a lot. We refer people now."
    add_documents(
        project,
        [
            ParsedDocument(
                "fg", "focus-group", text, [ParsedSegment(4, len(text), "P1", case="P1")], "fg.txt", "h-fg"
            )
        ],
    )
    seg = list_segments(project)[0]
    s1_end = text.index(".") + 1  # sentence 1 is [4, 20), sentence 2 is [21, 41)
    s2_start = s1_end + 1
    assert (seg["start"], s1_end, s2_start, seg["end"]) == (4, 20, 21, 41)
    for code in ("practice.awareness", "org.signposting"):
        add_coding(project, code, segment_id=seg["id"], coder="amira")
    x = add_coding(project, "practice.awareness", document="fg", start=s1_end, end=seg["end"], coder="tom")
    y = add_coding(project, "org.signposting", document="fg", start=seg["start"], end=s2_start, coder="tom")
    rows = disagreements(project, ["amira", "tom"], unit="sentence")
    # Sentence 1: tom's x starts at its end, so only y is on it; sentence 2: y ends at its start, so only x.
    assert [(r["text"], r["differing_codes"], [c["id"] for c in r["codings"]["tom"]]) for r in rows] == [
        ("It helped a lot.", ["practice.awareness"], [y]),
        ("We refer people now.", ["org.signposting"], [x]),
    ]


# -- search ------------------------------------------------------------------------------------------------


def _doc(name, texts, sha):
    text, segs, pos = "", [], 0
    for i, t in enumerate(texts):
        line = f"P{i + 1}: {t}"
        segs.append(ParsedSegment(pos + 4, pos + len(line), f"P{i + 1}", case=f"{name}-P{i + 1}"))
        text += line + "\n"
        pos += len(line) + 1
    return ParsedDocument(name, "interview", text.rstrip("\n"), segs, f"{name}.txt", sha)


def test_search_puts_the_most_relevant_hit_first(project):
    """BM25 rank: a short segment saying 'hub' three times beats a long one saying it once, whatever the order."""
    add_documents(
        project,
        [
            _doc(
                "d",
                [
                    "The hub was one of many things we talked about over a long and winding afternoon of chat.",
                    "Nothing about it here.",
                    "Hub, hub, hub.",
                ],
                "h-rank",
            )
        ],
    )
    ids = [s["id"] for s in list_segments(project)]
    assert [h["id"] for h in search_segments(project, "hub")] == [ids[2], ids[0]]


def test_text_that_is_not_fts_syntax_is_searched_as_plain_words(project, request):
    """An apostrophe or a stray quote is an FTS5 syntax error: the words are then searched literally. A server
    study reads every query as a web search, which has no syntax errors: the same searches find the same."""
    add_documents(
        project,
        [_doc("d", ["We don't refer anyone.", "We do refer people.", 'She said "hub" twice.'], "h-lit")],
    )
    ids = [s["id"] for s in list_segments(project)]
    assert [h["id"] for h in search_segments(project, 'said "hub')] == [ids[2]]
    assert search_segments(project, '"') == []
    assert [h["id"] for h in search_segments(project, "don't refer")] == [ids[0]]
    assert [h["id"] for h in search_segments(project, 'said "hub')] == [ids[2]]
    assert search_segments(project, '"') == []  # a lone quote: searched literally, it matches nothing


def test_negations_are_searched_for(project):
    """'not' and 'no' are words an evaluator searches for (negative answers). PostgreSQL's 'english' search
    dropped them as stop words, so 'not helpful' found 'It was helpful' on a server study."""
    add_documents(
        project,
        [_doc("d", ["It was not helpful at all.", "It was helpful.", "No referrals came of it."], "h-neg")],
    )
    ids = [s["id"] for s in list_segments(project)]
    assert [h["id"] for h in search_segments(project, "not helpful")] == [ids[0]]
    assert [h["id"] for h in search_segments(project, "no referral")] == [ids[2]]


def test_a_hit_lists_each_of_its_codes_once(project):
    add_documents(project, [_doc("d", ["We refer people to the hub."], "h-dup")])
    seg = list_segments(project)[0]["id"]
    for coder in ("amira", "tom"):
        add_coding(project, "org.signposting", segment_id=seg, coder=coder)
    add_coding(project, "practice.awareness", segment_id=seg, coder="tom")
    assert search_segments(project, "hub")[0]["codes"] == ["org.signposting", "practice.awareness"]


# -- offsets written by other tools ---------------------------------------------------------------------------


def test_an_offset_inside_a_surrogate_pair_rules_out_a_utf16_reading():
    # "😀😀 hi": code points 😀0 😀1 ' '2 h3 i4; UTF-16 units 😀0-1 😀2-3 ' '4 h5 i6. A code-point producer
    # labelled NVivo selects "😀 hi" = (1, 5). Read as UTF-16, 1 is between the halves of the first emoji (not a
    # clean boundary), so the code-point reading wins even though NVivo's is preferred.
    mapped = map_spans("😀😀 hi", [Span(1, 5)], NVIVO)
    assert mapped.model == SPEC and mapped.spans == [(1, 5)] and mapped.text[1:5] == "😀 hi"


def test_an_offset_inside_a_crlf_rules_out_counting_it_as_two():
    # "Yes.\r\nI agree" as stored: "Yes.\nI agree". A producer that made line endings LF first selects "I" at
    # (5, 6). Counted with CRLF as two, 5 falls between CR and LF: not clean, so the LF reading is chosen.
    mapped = map_spans("Yes.\r\nI agree", [Span(5, 6)], SPEC)
    assert mapped.model == OffsetModel(utf16=False, crlf_counts_two=False)
    assert mapped.spans == [(5, 6)] and mapped.text[5:6] == "I" and mapped.unclean == 0


def test_a_boundary_in_the_middle_of_a_word_rules_out_a_reading():
    # "😀 hello world": a code-point producer labelled NVivo selects "hello" = (2, 7). As UTF-16 that is
    # code points (1, 6) = " hell", ending inside "hello"; as code points it is "hello", so that reading wins.
    mapped = map_spans("😀 hello world", [Span(2, 7)], NVIVO)
    assert mapped.model == SPEC and mapped.text[slice(*mapped.spans[0])] == "hello" and mapped.unclean == 0


def test_selection_names_outweigh_clean_boundaries():
    # "😀 helping": the producer counts code points and really selected "elping" (3, 9), named so. Read as
    # UTF-16 it is "helpin" (one mid-word boundary, like the true reading), so only the name can tell them apart.
    mapped = map_spans("😀 helping", [Span(3, 9, "elping")], NVIVO)
    assert mapped.model == SPEC and mapped.text[slice(*mapped.spans[0])] == "elping"
    assert (mapped.name_checks, mapped.name_matches) == (1, 1)


def test_selection_name_rules():
    assert _name_matches("we  refer\npeople", "we refer people") is True  # white space squashed
    assert _name_matches("we refer people", "we refer peopl") is False
    assert _name_matches("we refer…", "we refer people to the hub") is True  # ATLAS.ti cuts long names
    assert _name_matches("we refer...", "we referred") is True and _name_matches("we…", "we refer") is None
    assert _name_matches("abc", "abc") is None  # too short to say anything


# -- importing codings ----------------------------------------------------------------------------------------


@pytest.fixture
def one_doc(project):
    add_documents(project, [_doc("d1", ["We refer people to the hub now."], "h-imp")])
    return project, len("P1: We refer people to the hub now.")


def test_codings_import_span_bounds(one_doc):
    project, length = one_doc
    row = {"document": "d1", "code": "org.signposting"}
    for start, end in ((-1, 5), (5, 5), (6, 5), (0, length + 1)):
        with pytest.raises(InputError, match="outside document"):
            import_codings(project, [{**row, "start": str(start), "end": str(end)}])
    assert import_codings(project, [{**row, "start": "0", "end": str(length)}])["added"] == 1
    assert import_codings(project, [{**row, "start": "4", "end": "5"}])["added"] == 1  # one character
    seg = list_segments(project)[0]
    for start, end in ((seg["start"] - 1, seg["end"]), (seg["start"], seg["end"] + 1), (10, 10)):
        with pytest.raises(InputError, match="not inside segment"):
            add_coding(project, "practice.awareness", segment_id=seg["id"], start=start, end=end)
    add_coding(project, "practice.awareness", segment_id=seg["id"], start=seg["start"], end=seg["end"])


def test_a_row_repeated_in_one_codings_file_is_added_once(one_doc):
    project, _ = one_doc
    row = {"document": "d1", "start": "4", "end": "12", "code": "org.signposting", "coder": "amira"}
    assert import_codings(project, [row, dict(row)]) == {
        "added": 1,
        "updated": 0,
        "already_present": 1,
        "conflicts": [],
        "rows": 2,
    }
    assert len(export_codings(project)) == 1


def test_contribution_values_are_checked_and_normalised():
    assert check_contribution(" Sufficient ") == "sufficient" and check_contribution("NONE") == "none"
    assert check_contribution(None) is None and check_contribution("  ") is None
    with pytest.raises(InputError, match="contribution must be one of"):
        check_contribution("maybe")


# -- contribution claims --------------------------------------------------------------------------------------


def _evidence(rows, settings):
    items = [
        EvidenceItem(
            i,
            i,
            "d",
            source_type,
            case,
            "practice.awareness",
            "amira",
            "improved",
            claim,
            None,
            f"quote {i}",
            "pending",
            0,
            1,
        )
        for i, (claim, case, source_type) in enumerate(rows, 1)
    ]
    return Evidence(
        Codebook([Code("practice.awareness", "Awareness")]),
        items,
        {},
        [("d", "interview")],
        Provenance("p", "p.qcdb", "0" * 64, "test", "now", "0"),
        Filters(),
        settings,
    )


def test_claims_sort_by_strength_then_cases_then_evidence_then_name_and_caseless_evidence_does_not_count():
    # Thresholds made small: strong = 2 source types AND 3 cases; moderate = 2 source types OR 2 cases.
    settings = ReportSettings(
        strong_source_types=2, strong_cases=3, moderate_source_types=2, moderate_cases=2
    )
    rows = [
        ("alpha", "P1", "interview"),
        ("alpha", "P2", "interview"),  # moderate 2 cases 2 items
        ("Beta", "P1", "interview"),
        ("Beta", "P2", "survey"),
        ("Beta", "P3", "survey"),  # strong
        ("Gamma", "P1", "interview"),
        ("Gamma", "P2", "interview"),
        ("Gamma", "P3", "interview"),  # moderate 3 cases
        ("delta", "P1", "interview"),
        ("delta", "P2", "interview"),
        ("delta", "P2", "interview"),  # moderate 2 cases 3
        ("Banana", "P5", "interview"),
        ("apple", "P6", "interview"),  # single 1 case 1
        # Caseless evidence (a team member's turn) counts neither as a case nor as a source type: 1 case,
        # interview only, so single-source (counting it would give 2 cases in 2 source types: moderate).
        ("Caseless", "P1", "interview"),
        ("Caseless", None, "survey"),
        ("Caseless", None, "survey"),
    ]
    [improved] = [c for c in contribution_table(_evidence(rows, settings)) if c.category == "improved"]
    assert [(c.claim, c.strength, c.cases, len(c.evidence)) for c in improved.claims] == [
        ("Beta", "strong", 3, 3),
        ("Gamma", "moderate", 3, 3),
        ("delta", "moderate", 2, 3),
        ("alpha", "moderate", 2, 2),
        ("Caseless", "single-source", 1, 3),
        ("apple", "single-source", 1, 1),
        ("Banana", "single-source", 1, 1),
    ]
    assert improved.claims[4].source_types == ["interview"]


# -- speaker turns ----------------------------------------------------------------------------------------


def test_a_label_seen_twice_makes_a_transcript():
    segs = split_turns("mum: we went to the hub\nmum: it helped")
    assert [s.speaker for s in segs] == ["mum", "mum"]


def test_a_known_label_seen_once_is_not_enough():
    # "Interviewer" is a known label, but one labelled line is not a transcript: it stays one paragraph.
    text = "Interviewer: notes from the day\nWe met at the hub and talked."
    assert [(s.start, s.end, s.speaker) for s in split_turns(text)] == [(0, len(text), None)]


def test_labels_of_up_to_four_words():
    four = split_turns("Head of Youth Work: yes\nHead of Youth Work: and more")
    assert [s.speaker for s in four] == ["Head of Youth Work"] * 2
    five = split_turns("Head of the Youth Work: yes\nHead of the Youth Work: and more")
    assert [s.speaker for s in five] == [None]


def test_the_chair_is_research_team():
    assert is_researcher("Chair") and is_researcher("chair 2") and is_researcher("Note taker")
    assert not is_researcher("Chairperson") and not is_researcher("Chris")
