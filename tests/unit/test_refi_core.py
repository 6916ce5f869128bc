"""REFI-QDA pure parts: offset models, description trailers, keys, GUIDs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.core.models import Code
from qualcode.core.offsets import NVIVO, SPEC, OffsetModel, Span, map_spans, normalise, preferred_model
from qualcode.core.refi import (
    code_description,
    code_fields,
    coding_description,
    coding_fields,
    normalise_guid,
    slug,
    split_trailer,
)
from qualcode.ingest.common import normalise_text

RAW = "\ufeffIntro 😀 line\r\nשלום עולם\r\ncafé ☕ naïve 👩🏽‍⚕️ end\r\n"


def utf16_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """Code-point offsets of `text` as UTF-16 code units, the way NVivo counts them."""
    return len(text[:start].encode("utf-16-le")) // 2, len(text[:end].encode("utf-16-le")) // 2


@given(st.text(alphabet=st.sampled_from(list("ab \r\n\t\u2028\u2029\x00\x0b\x7fé😀")), max_size=60))
def test_normalise_agrees_with_the_importers(text):
    assert normalise(text) == normalise_text(text)


def test_nvivo_offsets_map_to_the_same_text_whoever_made_them():
    raw = RAW.lstrip("\ufeff")  # NVivo does not count the BOM; the importer strips it before mapping
    words = ["😀 line", "שלום", "café ☕ naïve 👩🏽‍⚕️", "end"]
    spans = []
    for w in words:
        s = raw.index(w)
        spans.append(Span(*utf16_offsets(raw, s, s + len(w))))
    for preferred in (NVIVO, SPEC):  # even told the wrong producer, the checks find UTF-16 units
        mapped = map_spans(raw, spans, preferred)
        assert mapped.model == NVIVO
        assert [mapped.text[a:b] for a, b in mapped.spans] == words


def test_code_point_offsets_over_lf_text_are_recognised():
    raw = "Alpha beta\r\ngamma 😀 delta\r\nepsilon"
    lf = raw.replace("\r\n", "\n")
    s = lf.index("delta")
    mapped = map_spans(raw, [Span(s, s + 5, "delta")], SPEC)
    assert mapped.model == OffsetModel(utf16=False, crlf_counts_two=False)
    assert mapped.text[slice(*mapped.spans[0])] == "delta"


def test_out_of_range_spans_are_reported_not_clamped():
    mapped = map_spans("short text", [Span(2, 400)], SPEC)
    assert mapped.spans == [None]


def test_preferred_model_from_origin():
    assert preferred_model("NVivo for Windows 12.6") == NVIVO
    assert preferred_model("ATLAS.ti 8.4.0") == SPEC


line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=30)


@settings(max_examples=150)
@given(
    definition=st.text(max_size=60),
    include=line,
    exclude=line,
    examples=st.lists(line, max_size=3),
    atypical=st.lists(line, max_size=2),
    keywords=st.lists(line, max_size=3),
)
def test_code_descriptions_come_back_exactly(definition, include, exclude, examples, atypical, keywords):
    code = Code(
        "k.x", "Label", None, definition.replace("\r", ""), include, exclude, examples, atypical, keywords
    )
    fields = code_fields(code_description(code))
    assert (
        fields["key"],
        fields["definition"],
        fields["include"],
        fields["exclude"],
        fields["examples"],
        fields["atypical_examples"],
        fields["keywords"],
    ) == (
        code.key,
        code.definition,
        code.include,
        code.exclude,
        code.examples,
        code.atypical_examples,
        code.keywords,
    )


def test_code_description_is_readable_text():
    code = Code(
        "practice.awareness",
        "Awareness",
        None,
        "Knowing what trauma does.",
        "Named changes",
        examples=["I see it differently now"],
        keywords=["aware", "TIC"],
    )
    text = code_description(code)
    assert text.startswith(
        "Knowing what trauma does.\n\nInclude: Named changes\n\nExamples:\n- I see it differently now"
    )
    assert text.endswith("Keywords: aware, TIC\n\nqualcode:key=practice.awareness")
    assert code_fields("Free text from NVivo\nover two lines") == {
        "definition": "Free text from NVivo\nover two lines"
    }


@settings(max_examples=150)
@given(
    memo=st.text(max_size=40).map(lambda s: s.replace("\r", "").strip()),
    contribution=st.sampled_from([None, "sufficient", "necessary", "improved", "none"]),
    claim=st.one_of(st.none(), line.filter(bool)),
)
def test_coding_descriptions_come_back_exactly(memo, contribution, claim):
    reviews = [{"status": "queried", "reviewer": "tom", "comment": "check\nthis"}]
    fields = coding_fields(coding_description(memo or None, contribution, claim, reviews, '{"method": "x"}'))
    assert (
        fields["memo"],
        fields["contribution"],
        fields["claim"],
        fields["reviews"],
        fields["provenance"],
    ) == (memo or None, contribution, claim, reviews, '{"method": "x"}')


def test_foreign_descriptions_are_memos():
    assert coding_fields("Mabel is not the only one")["memo"] == "Mabel is not the only one"
    assert split_trailer("plain") == ("plain", [])


def test_guids_and_slugs():
    assert normalise_guid("{1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294}") == "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294"
    assert normalise_guid("not-a-guid") is None
    assert (
        slug("1. Perceived Susceptibility – Észlelt fogékonyság")
        == "1-perceived-susceptibility-észlelt-fogékonyság"
    )
    assert slug('"rushed"') == "rushed" and slug("???") == "code"


def test_export_checks_what_the_schema_cannot_and_what_it_can():
    import pytest

    from qualcode.core.refi import RefiCode, RefiCoding, RefiProject, RefiSelection, RefiSource
    from qualcode.export.qdpx import ExportError, build_qdpx

    code = RefiCode("11111111-1111-1111-1111-111111111111", "A")
    coding = RefiCoding("44444444-4444-4444-4444-444444444444", "99999999-9999-9999-9999-999999999999")
    source = RefiSource(
        "22222222-2222-2222-2222-222222222222",
        "s",
        "hello",
        selections=[RefiSelection("33333333-3333-3333-3333-333333333333", 0, 9, codings=[coding])],
    )
    with pytest.raises(ExportError, match="outside 's'.*missing code"):
        build_qdpx(RefiProject(name="p", codes=[code], sources=[source]))
    coding.code, source.selections[0].end = code.guid, 5
    assert build_qdpx(RefiProject(name="p", codes=[code], sources=[source]))[:2] == b"PK"
    code.color = "red"
    with pytest.raises(ExportError, match="not valid QDA-XML"):
        build_qdpx(RefiProject(name="p", codes=[code], sources=[source]))
