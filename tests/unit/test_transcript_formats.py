"""Transcript exports as researchers have them (Otter, Zoom, Teams, Rev, Trint, legends): turn by turn."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from qualcode.core.turns import parse_turns, split_turns
from qualcode.errors import InputError
from qualcode.ingest import ImportOptions, read_document

DATA = Path(__file__).parent.parent / "data" / "transcripts"


def turns(name: str, **options) -> list[tuple]:
    (doc,) = read_document(DATA / name, ImportOptions(**options))
    return [(s.speaker, s.case, s.time, doc.text[s.start : s.end]) for s in doc.segments]


def test_otter_txt_headers_preamble_and_footer():
    assert turns("otter.txt", interviewers=["Sara Holm"]) == [
        (
            None,
            None,
            None,
            "SUMMARY KEYWORDS\nhub, referral, outreach, volunteers\nSPEAKERS\nSara Holm, Speaker 2",
        ),
        ("Sara Holm", None, "00:03", "Thanks for making time today. How did you first hear about the hub?"),
        (
            "Speaker 2",
            "otter",
            "00:11",
            "Through a colleague, really. [inaudible] she had a flyer.\nWe went the week after.",
        ),
        ("Sara Holm", None, "01:02", "And what changed for you?"),
        ("Speaker 2", "otter", "01:09", "We refer people earlier now."),
        (None, None, None, "Transcribed by https://otter.ai"),
    ]


def test_otter_docx_name_and_time_line_is_a_header_not_a_segment():
    got = turns("otter.docx", interviewers=["Sara Holm"])
    assert [t[:3] for t in got[4:8]] == [
        ("Sara Holm", None, "0:03"),
        ("Speaker 2", "otter", "0:11"),
        ("Sara Holm", None, "1:02"),
        ("Speaker 2", "otter", "1:09"),
    ]
    assert got[5][3] == "Through a colleague. [inaudible] she had a flyer.\n\nWe went the week after."
    assert all(
        t[0] is None and t[1] is None for t in got[:4] + got[8:]
    )  # the summary and footer: nobody's words
    assert len(got) == 9


def test_teams_docx_and_txt():
    expected = [
        ("Sara Holm", None, "Thanks for joining. Could you say what your role is?"),
        ("Ola Berg", "teams", "I coordinate the volunteers at the east site."),
        ("Sara Holm", None, "How long have you done that?"),
        ("Ola Berg", "teams", "Two years in May."),
    ]
    docx_turns = turns("teams.docx", interviewers=["sara holm"])  # names match whatever their case
    assert [(s, c, t) for s, c, _, t in docx_turns] == expected
    assert [t[2] for t in docx_turns] == ["0:03", "0:09", "0:21", "0:25"]
    txt_turns = turns("teams.txt", interviewers=["Sara Holm"])
    assert [(s, c, t) for s, c, _, t in txt_turns] == expected
    assert [t[2] for t in txt_turns] == ["0:0:0.0", "0:0:5.120", "0:0:10.100", "0:0:12.900"]


def test_teams_and_zoom_captions():
    assert turns("teams.vtt", interviewers=["Sara Holm"]) == [
        ("Sara Holm", None, "00:00:00.000", "Thanks for joining. Could you say what your role is?"),
        ("Ola Berg", "teams", "00:00:05.120", "I coordinate the volunteers at the east site."),
    ]
    assert turns("zoom.vtt", interviewers=["Sara Holm"]) == [
        ("Sara Holm", None, "00:00:01.200", "Thanks for joining."),
        ("Ola Berg", "zoom", "00:00:04.500", "Happy to [coughs] help."),
    ]


def test_zoom_saved_captions_time_after_the_bracketed_name():
    assert turns("zoom.txt", interviewers=["Sara Holm"]) == [
        ("Sara Holm", None, "10:01:22", "Thanks for joining. Could you say what your role is?"),
        ("Ola Berg", "zoom", "10:01:30", "I coordinate the volunteers at the east site."),
        ("Sara Holm", None, "10:02:05", "And how long have you done that?"),
        ("Ola Berg", "zoom", "10:02:09", "Two years in May [laughs]."),
    ]


def test_rev_and_trint_headers():
    assert turns("rev.txt") == [
        ("Interviewer", None, "00:00", "Thanks for coming in. What brought you to the project?"),
        ("Speaker 2", "rev", "00:07", "A friend. She said it was worth a look.\nAnd it was."),
        ("Interviewer", None, "00:21", "What would you change?"),
        ("Speaker 2", "rev", "00:25", "More evening sessions."),
    ]
    assert turns("trint.txt") == [
        ("Interviewer", None, "00:01:02", "What did the training give you?"),
        ("Participant", "trint", "00:01:09", "Confidence, mostly. Knowing who to call."),
        ("Interviewer", None, "00:01:30", "Anything else?"),
        ("Participant", "trint", "00:01:34", "[anonymised description of a colleague] helped a lot."),
    ]


def test_legend_codes_timestamp_prefixes_lines_and_labels_without_a_space():
    (doc,) = read_document(DATA / "legend_codes.txt")
    assert doc.legend == {"I1": "Interviewer 1", "M": "Mand", "K": "Kvinde"}
    assert doc.source_type == "focus-group"
    assert [(s.speaker, s.case, s.time, doc.text[s.start : s.end]) for s in doc.segments] == [
        (None, None, None, "Interview 7, site visit"),
        ("Interviewer 1", None, "0:00:04.2", "Velkommen. Hvordan hørte I om projektet?"),
        ("Mand", "legend_codes-Mand", "00:12", "Gennem min søster.\nHun var med sidste år."),
        ("Kvinde", "legend_codes-Kvinde", None, "Ja, og [utydeligt] på biblioteket."),
        ("Interviewer 1", None, "0:01:07.9", "Okay. Hvad har ændret sig?"),
        ("Mand", "legend_codes-Mand", "0:01:15.0", "Vi ringer tidligere nu."),
        ("Mand", "legend_codes-Mand", "0:01:40.3", "Og vi kender folkene."),
    ]
    # no segment holds a legend line or a timestamp line
    assert not any(re.search(r"Kvinde$|^\d+:\d+", doc.text[s.start : s.end]) for s in doc.segments)


def test_legend_of_name_code_pairs_on_one_line():
    assert turns("legend_pairs.txt") == [
        ("Interviewer", None, None, "Hvad lavede du før?"),
        ("Informant", "legend_pairs", None, "Jeg arbejdede på lageret. [pause] Det var hårdt."),
        ("Interviewer", None, None, "Og nu?"),
        ("Informant", "legend_pairs", None, "Nu er jeg frivillig."),
    ]


def test_named_interviewer_belongs_to_no_case():
    without = turns("named_interviewer.txt")
    assert {t[1] for t in without if t[0] == "Sara Holm"} == {"named_interviewer-Sara Holm"}
    got = turns("named_interviewer.txt", interviewers=["Sara Holm"])
    assert [(s, c) for s, c, _, _ in got] == [
        ("Sara Holm", None),
        ("Jonas Lind", "named_interviewer-Jonas Lind"),
        ("Sara Holm", None),
        ("Jonas Lind", "named_interviewer-Jonas Lind"),
        ("Mette Dahl", "named_interviewer-Mette Dahl"),
    ]


def test_interviewer_named_by_legend_code():
    roles = parse_turns("I1: Interviewer 1\nA: Anna\n\nA: Hej\nI1: Ja\nA: Godt\n", ["A"]).roles
    assert roles == {"Anna": "researcher", "Interviewer 1": "researcher"}


def test_an_opening_exchange_is_not_a_legend():
    text = "I: Hello\nM: Hi there\nI: How are you?\nM: Fine.\n"
    assert [(s.speaker, text[s.start : s.end]) for s in split_turns(text)] == [
        ("I", "Hello"),
        ("M", "Hi there"),
        ("I", "How are you?"),
        ("M", "Fine."),
    ]


def test_no_space_after_colon_never_splits_urls_or_clock_times():
    text = "Interviewer: see http://x.org at 10:30\nP1: ok:fine\nNote:10:30 is late\nP1: yes"
    got = [(s.speaker, text[s.start : s.end]) for s in split_turns(text)]
    assert got == [
        ("Interviewer", "see http://x.org at 10:30"),
        ("P1", "ok:fine\nNote:10:30 is late"),
        ("P1", "yes"),
    ]


def test_timestamp_lines_in_prose_are_times_not_text():
    text = "00:01:02\nFirst paragraph.\n\n[00:02:00]\nSecond one."
    segs = split_turns(text)
    assert [(s.time, text[s.start : s.end]) for s in segs] == [
        ("00:01:02", "First paragraph."),
        ("00:02:00", "Second one."),
    ]


def test_rtf_html_odt_and_pdf_transcripts_turn_by_turn():
    assert turns("interview.rtf") == [
        ("Interviewer", None, None, "How did the café sessions start?"),
        ("P4", "interview", None, "A neighbour asked me [laughs]. I said yes.\nWe met on Tuesdays."),
        ("Interviewer", None, None, "And now?"),
        ("P4", "interview", None, "Now I run them — with two others."),
    ]
    assert turns("interview.html") == [
        (None, None, None, "Interview 5"),
        ("Interviewer", None, None, "What did the & group change for you?"),
        ("P5", "interview", None, "I talk to people more.\nEven at the shop."),
        ("Interviewer", None, None, "Anything else?"),
        ("P5", "interview", None, "[inaudible] the bus, mostly."),
    ]
    assert turns("interview.odt") == [
        (None, None, None, "Interview 6"),
        ("Interviewer", None, None, "What brought you to the garden?"),
        ("P6", "interview", None, "My daughter. She  volunteers there.\n\nWe go on Saturdays."),
        ("Interviewer", None, None, "What do you do there?"),
        ("P6", "interview", None, "Weeding, mostly [laughs]."),
    ]
    assert turns("interview.pdf") == [
        ("Interviewer", None, None, "How did you hear about the clinic?"),
        ("P7", "interview", None, "From the leaflet at the library.\nIt had the times on it."),
        ("Interviewer", None, None, "Would you go again?"),
        ("P7", "interview", None, "Yes, next month."),
    ]


def test_a_scanned_pdf_is_refused_with_a_clear_message():
    with pytest.raises(
        InputError, match=r"no text layer \(a scan\?\): 2 page\(s\), 0 letters found; run OCR"
    ):
        read_document(DATA / "scanned.pdf")


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("fake.pdf", b"just text", "not a PDF file"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "cannot read this"),
        ("fake.rtf", b"plain words", "not an RTF file"),
        ("fake.odt", b"plain words", "not a valid zip"),
    ],
)
def test_broken_rich_files_are_one_line_errors(tmp_path, name, body, message):
    (tmp_path / name).write_bytes(body)
    with pytest.raises(InputError, match=message):
        read_document(tmp_path / name)


def _source_text(path: Path) -> str:
    """The text as an independent reader sees it (for generated files: what the generator wrote)."""
    if path.suffix == ".docx":
        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    if path.suffix == ".odt":
        from tests.data.transcripts.make_fixtures import ODT

        return "".join(ODT)
    if path.suffix == ".pdf":
        from tests.data.transcripts.make_fixtures import PDF_PAGES

        return "".join("".join(p) for p in PDF_PAGES)
    if path.suffix == ".html":
        import lxml.html

        body = lxml.html.fromstring(path.read_bytes()).find("body")
        for el in body.xpath("//script|//comment()"):
            el.drop_tree()
        return body.text_content()
    return path.read_text(encoding="utf-8")


FIXTURES = sorted(
    p
    for p in DATA.iterdir()
    if p.suffix in (".txt", ".docx", ".odt", ".pdf", ".html") and p.name != "scanned.pdf"
)


def test_rtf_keeps_every_character_of_its_text():
    (doc,) = read_document(DATA / "interview.rtf")
    source = (
        "Interviewer: How did the café sessions start? P4: A neighbour asked me [laughs]. I said yes."
        " We met on Tuesdays. Interviewer: And now? P4: Now I run them — with two others."
    )
    assert re.sub(r"\s", "", doc.text) == re.sub(r"\s", "", source)
