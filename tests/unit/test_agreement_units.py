"""Agreement units when segments overlap (B6), and survey codings with no respondent: every unit a coding
touches is found, and the result does not depend on the order rows come back in."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from qualcode.core.agreement import Span, Unit, codes_on_units
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.reports.agreement import agreement_report
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments

CODE = "practice.confidence"


def test_a_span_inside_a_long_segment_that_a_short_one_overlaps_is_found():
    units = [Unit("d", 1, 0, 100), Unit("d", 2, 10, 20)]
    found = codes_on_units(units, [Span("d", 50, 60, "x", "amira")])
    assert found == {"amira": {0: {"x"}}}


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(1, 40)), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 90), st.integers(1, 30)), min_size=1, max_size=8),
)
def test_every_overlapping_unit_is_found_as_a_plain_loop_finds_it(unit_spans, code_spans):
    units = [Unit("d", i, s, s + n) for i, (s, n) in enumerate(unit_spans)]
    spans = [Span("d", s, s + n, f"c{i % 3}", "amira") for i, (s, n) in enumerate(code_spans)]
    expected: dict[int, set[str]] = {}
    for i, u in enumerate(units):
        for sp in spans:
            if sp.start < u.end and sp.end > u.start:
                expected.setdefault(i, set()).add(sp.code)
    assert codes_on_units(units, spans) == ({"amira": expected} if expected else {})


def test_agreement_counts_a_long_segment_that_a_shorter_one_overlaps(project):
    text = "We met at the hub every week, and I felt more confident each time we did."
    segs = [ParsedSegment(0, len(text), case="P1"), ParsedSegment(3, 13, case="P1")]
    add_documents(project, [ParsedDocument("int", "interview", text, segs, "int.txt", "h1")])
    for coder in ("amira", "tom"):
        add_coding(project, CODE, document="int", start=40, end=54, coder=coder)  # "more confident"
    report = agreement_report(project, ["amira", "tom"])
    assert report["unit_count"] == 1 and report["codes"][0]["all_present"] == 1


def survey(project):
    text = "Q1 notes\nI use the hub\nMore confident now"
    segs = [ParsedSegment(9, 22, case="R1"), ParsedSegment(23, 41, case="R2")]
    add_documents(project, [ParsedDocument("survey", "survey", text, segs, "s.csv", "h3")])
    return [s["id"] for s in list_segments(project)]


def test_a_survey_coding_with_no_respondent_is_not_a_respondent_whatever_the_order(project):
    """A coding in a survey outside every respondent's answer (here amira's note on the question) neither
    stops the comparison of the respondents both coded nor makes it compare the whole survey."""
    ids = survey(project)
    jobs = [
        ("amira", {"segment_id": ids[0]}),
        ("tom", {"segment_id": ids[0]}),
        ("amira", {"segment_id": ids[1]}),
        ("amira", {"document": "survey", "start": 0, "end": 8}),
    ]
    for seed in range(4):
        random.Random(seed).shuffle(jobs)
        project.conn.execute("DELETE FROM codings")
        for coder, where in jobs:
            add_coding(project, CODE, coder=coder, **where)
        report = agreement_report(project, ["amira", "tom"])
        assert report["survey_respondents"] == {"survey": 1} and report["unit_count"] == 1
        assert report["partly_coded_documents"] == [{"document": "survey", "respondents_not_coded_by_all": 1}]
        assert report["codes"][0]["all_present"] == 1


def test_survey_codings_with_no_respondent_never_compare_the_whole_survey(project):
    survey(project)
    for coder in ("amira", "tom"):
        add_coding(project, CODE, document="survey", start=0, end=8, coder=coder)
    report = agreement_report(project, ["amira", "tom"], include_uncoded=True)
    assert report["survey_respondents"] == {"survey": 0} and report["unit_count"] == 0
