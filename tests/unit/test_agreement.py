"""Intercoder agreement: units, the hand-worked example, property tests against the independent oracle, edge cases."""

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.agreement import Span, Unit, codes_on_units, reliability_flag, split_sentences
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.errors import InputError
from qualcode.reports.agreement import agreement_from_codes, agreement_report, disagreements
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments
from tests.oracle import cohen_kappa, krippendorff_alpha_nominal


def turns_doc(name, n, sha):
    """A document of n turns 'P1: turn i.' whose segments are the turns."""
    lines, segs, pos = [], [], 0
    for i in range(n):
        line = f"P{i % 2 + 1}: Turn {i} is here. It has two sentences."
        lines.append(line)
        segs.append(
            ParsedSegment(pos + 4, pos + len(line), speaker=f"P{i % 2 + 1}", case=f"{name}-P{i % 2 + 1}")
        )
        pos += len(line) + 1
    return ParsedDocument(name, "focus-group", "\n".join(lines), segs, f"{name}.txt", sha)


@pytest.fixture
def ten(project):
    add_documents(project, [turns_doc("fg", 10, "h1")])
    return project, [s["id"] for s in list_segments(project)]


def test_sentence_splitter():
    text = 'I met Dr. Jones there. It helped! "Really?" she said. We did e.g. PIE work.\nNew line'
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == [
        "I met Dr. Jones there.",
        "It helped!",
        '"Really?"',
        "she said.",
        "We did e.g. PIE work.",
        "New line",
    ]
    assert split_sentences("  Hi. There  ", 100) == [(102, 105), (106, 111)]
    assert split_sentences("   ") == []


def test_a_span_covers_every_unit_it_overlaps():
    units = [Unit("d", 1, 0, 10), Unit("d", 1, 11, 20), Unit("d", 2, 25, 30), Unit("e", 3, 0, 10)]
    spans = [Span("d", 5, 12, "x", "a"), Span("d", 20, 25, "y", "a"), Span("d", 29, 40, "x", "b")]
    assert codes_on_units(units, spans) == {"a": {0: {"x"}, 1: {"x"}}, "b": {2: {"x"}}}


def test_hand_worked_example(ten):
    # Ten segments, one code, two coders:
    #   amira: 1 1 1 1 0 0 0 0 0 0
    #   tom:   1 1 1 0 1 0 0 0 0 0
    # both yes 3, both no 5, disagreements 2 -> percent agreement 8/10 = 80%.
    # Kappa: po = 0.8; each coder says yes 4/10, so pe = 0.4*0.4 + 0.6*0.6 = 0.52;
    #        kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 0.583333.
    # Alpha (nominal): 20 pairable values; coincidences o11 = 6, o00 = 10, o01 = o10 = 2; n1 = 8, n0 = 12.
    #        Do = 4/20 = 0.2; De = 2*12*8 / (20*19) = 192/380 = 0.505263; alpha = 1 - 0.2/0.505263 = 0.604167.
    p, segs = ten
    for i in (0, 1, 2, 3):
        add_coding(p, "practice.awareness", segment_id=segs[i], coder="amira")
    for i in (0, 1, 2, 4):
        add_coding(p, "practice.awareness", segment_id=segs[i], coder="tom")
    report = agreement_report(p, ["amira", "tom"], include_uncoded=True)
    (code,) = report["codes"]
    assert (code["units"], code["all_present"], code["all_absent"], code["disagreements"]) == (10, 3, 5, 2)
    assert code["percent_agreement"] == pytest.approx(80.0)
    assert code["kappa"] == pytest.approx(0.28 / 0.48)
    assert code["alpha"] == pytest.approx(1 - 0.2 / (192 / 380))
    assert code["flag"] == "unreliable" and report["overall"]["alpha"] == pytest.approx(code["alpha"])
    # By default units nobody coded are left out: the five both-no segments go, and with them the agreement.
    strict = agreement_report(p, ["amira", "tom"])
    assert (strict["uncoded_units"], strict["codes"][0]["units"], strict["codes"][0]["all_absent"]) == (
        5,
        5,
        0,
    )
    assert strict["codes"][0]["percent_agreement"] == pytest.approx(60.0)


def test_sentence_units_and_disagreement_list(ten):
    p, segs = ten
    seg = list_segments(p)[0]
    first_sentence_end = seg["start"] + seg["text"].index(".") + 1
    add_coding(p, "practice.awareness", segment_id=segs[0], coder="amira")
    add_coding(
        p, "practice.awareness", segment_id=segs[0], start=seg["start"], end=first_sentence_end, coder="tom"
    )
    report = agreement_report(p, ["amira", "tom"], unit="sentence")
    assert report["unit_count"] == 2
    assert (report["codes"][0]["all_present"], report["codes"][0]["disagreements"]) == (1, 1)
    rows = disagreements(p, ["amira", "tom"], unit="sentence")
    assert [(r["text"], r["codes_by_coder"]) for r in rows] == [
        ("It has two sentences.", {"amira": ["practice.awareness"], "tom": []})
    ]
    assert rows[0]["codings"]["amira"][0]["code"] == "practice.awareness" and rows[0]["codings"]["tom"] == []


def test_edge_cases_give_clear_answers(ten):
    p, segs = ten
    add_coding(p, "practice.awareness", segment_id=segs[0], coder="amira")
    add_coding(p, "practice.awareness", segment_id=segs[0], coder="tom")
    # One category only: both coders said yes to every unit.
    one = agreement_report(p, ["amira", "tom"])
    code = one["codes"][0]
    assert code["kappa"] is None and code["alpha"] is None and code["percent_agreement"] == 100.0
    assert "only one category" in code["alpha_note"] and code["flag"] == "undefined"
    # A code nobody used, asked for by name.
    unused = agreement_report(p, ["amira", "tom"], codes=["org.signposting"])["codes"][0]
    assert unused["alpha"] is None and "no coder applied" in unused["alpha_note"]
    # A coder who coded nothing.
    p.ensure_coder("sam")
    nothing = agreement_report(p, ["amira", "sam"])
    assert nothing["coders_without_codings"] == ["sam"] and nothing["unit_count"] == 0
    assert nothing["overall"]["alpha"] is None and nothing["overall"]["percent_agreement"] is None
    assert "sam coded nothing" in nothing["notes"][0]
    # No overlap: each coder coded a different document, so nothing is compared (not counted as disagreement).
    add_documents(p, [turns_doc("fg2", 3, "h2")])
    add_coding(p, "practice.awareness", segment_id=list_segments(p, "fg2")[0]["id"], coder="sam")
    apart = agreement_report(p, ["amira", "sam"])
    assert apart["unit_count"] == 0 and apart["partly_coded_documents"] == [
        {"document": "fg", "not_coded_by": ["sam"]},
        {"document": "fg2", "not_coded_by": ["amira"]},
    ]
    assert "nothing to compare" in apart["notes"][0]
    for bad, message in (
        (["amira"], "at least two"),
        (["amira", "amira"], "twice"),
        (["amira", "zed"], "no coder named"),
    ):
        with pytest.raises(InputError, match=message):
            agreement_report(p, bad)


def test_survey_respondents_count_only_when_every_coder_coded_them(project):
    text = "I use the hub\nMore confident now\nNothing changed"
    segs = [
        ParsedSegment(0, 13, case="R1"),
        ParsedSegment(14, 32, case="R2"),
        ParsedSegment(33, 48, case="R3"),
    ]
    add_documents(project, [ParsedDocument("survey", "survey", text, segs, "s.csv", "h3")])
    ids = [s["id"] for s in list_segments(project)]
    # The coders split the survey: amira took R1 and R2, tom R2 and R3; only R2 is compared.
    for coder, which in (("amira", (0, 1)), ("tom", (1, 2))):
        for i in which:
            add_coding(project, "practice.confidence", segment_id=ids[i], coder=coder)
    report = agreement_report(project, ["amira", "tom"])
    assert report["survey_respondents"] == {"survey": 1} and report["unit_count"] == 1
    assert report["partly_coded_documents"] == [{"document": "survey", "respondents_not_coded_by_all": 2}]
    assert report["codes"][0]["all_present"] == 1 and report["codes"][0]["disagreements"] == 0


def test_flags_follow_krippendorff():
    assert [reliability_flag(a) for a in (0.9, 0.8, 0.7, 0.667, 0.5, None)] == [
        "reliable",
        "reliable",
        "tentative",
        "tentative",
        "unreliable",
        "undefined",
    ]


def _reference(coders, n_units, assigned, codes):
    """Pooled vectors built directly, then the textbook formulas of tests/oracle.py (not the libraries qualcode
    calls, so a wrong statistic cannot agree with itself)."""
    pooled = [
        [1 if code in assigned[c].get(u, set()) else 0 for code in codes for u in range(n_units)]
        for c in coders
    ]
    alpha = krippendorff_alpha_nominal(pooled) if pooled and pooled[0] else None
    kappa = cohen_kappa(pooled[0], pooled[1]) if len(coders) == 2 and pooled[0] else None
    return (None if kappa is None else float(kappa)), (None if alpha is None else float(alpha))


ratings = st.integers(2, 4).flatmap(
    lambda n_coders: st.integers(1, 25).flatmap(
        lambda n_units: st.tuples(
            st.just(n_coders),
            st.just(n_units),
            st.lists(
                st.dictionaries(
                    st.integers(0, n_units - 1), st.sets(st.sampled_from("abc"), max_size=3), max_size=n_units
                ),
                min_size=n_coders,
                max_size=n_coders,
            ),
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(ratings)
def test_statistics_equal_the_oracle(data):
    n_coders, n_units, maps = data
    coders = [f"c{i}" for i in range(n_coders)]
    assigned = dict(zip(coders, maps, strict=True))
    result = agreement_from_codes(coders, n_units, assigned, ["a", "b", "c"])
    kappa, alpha = _reference(coders, n_units, assigned, ["a", "b", "c"])
    overall = result["overall"]
    assert overall["units"] == 3 * n_units
    if alpha is None or math.isnan(alpha):
        assert overall["alpha"] is None and overall["alpha_note"]
    else:
        assert overall["alpha"] == pytest.approx(alpha)
    if n_coders == 2:
        if kappa is None or math.isnan(kappa):
            assert overall["kappa"] is None and overall["kappa_note"]
        else:
            assert overall["kappa"] == pytest.approx(kappa)
    for row in result["codes"]:
        assert row["all_present"] + row["all_absent"] + row["disagreements"] == n_units
        assert not any(isinstance(v, float) and math.isnan(v) for v in row.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), include_uncoded=st.booleans())
def test_project_agreement_equals_the_oracle(ten, seed, include_uncoded):
    """Random codings (whole segments and partial spans) in a real project, checked against vectors built here."""
    p, segs = ten
    p.conn.execute("DELETE FROM codings")
    rng = random.Random(seed)
    rows = {s["id"]: s for s in list_segments(p)}
    assigned = {"amira": {}, "tom": {}}
    for coder in assigned:
        for i, sid in enumerate(segs):
            for code in ("practice.awareness", "org.signposting"):
                if rng.random() < 0.35:
                    s = rows[sid]
                    start = s["start"] + rng.randrange(0, 5)
                    add_coding(
                        p, code, segment_id=sid, start=start, end=s["end"] - rng.randrange(0, 5), coder=coder
                    )
                    assigned[coder].setdefault(i, set()).add(code)
    if not assigned["amira"] or not assigned["tom"]:
        assert agreement_report(p, ["amira", "tom"])["unit_count"] == 0
        return
    keep = range(10) if include_uncoded else sorted(set(assigned["amira"]) | set(assigned["tom"]))
    renumbered = {c: {n: assigned[c].get(u, set()) for n, u in enumerate(keep)} for c in assigned}
    codes = sorted({k for m in assigned.values() for s in m.values() for k in s})
    kappa, alpha = _reference(["amira", "tom"], len(keep), renumbered, codes)
    report = agreement_report(p, ["amira", "tom"], include_uncoded=include_uncoded)
    assert report["unit_count"] == len(keep) and [c["code"] for c in report["codes"]] == codes
    assert report["overall"]["alpha"] == (None if alpha is None else pytest.approx(alpha))
    assert report["overall"]["kappa"] == (
        None if kappa is None or math.isnan(kappa) else pytest.approx(kappa)
    )
