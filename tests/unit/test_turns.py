from qualcode.core.turns import is_researcher, split_paragraphs, split_turns


def spans(text, segs):
    return [(s.speaker, text[s.start : s.end]) for s in segs]


def test_speaker_labels_with_and_without_timestamps():
    text = (
        "Interviewer: How did you first hear about it?\n"
        "[00:12:31] Sam: Through a colleague.\nIt was a flyer, really.\n\n"
        "**P3:** I went twice.\n"
        "(00:13) Interviewer: And?\n"
    )
    assert spans(text, split_turns(text)) == [
        ("Interviewer", "How did you first hear about it?"),
        ("Sam", "Through a colleague.\nIt was a flyer, really."),
        ("P3", "I went twice."),
        ("Interviewer", "And?"),
    ]


def test_colon_inside_an_utterance_is_not_a_new_speaker():
    text = "Interviewer: Go on.\nParticipant 2: What I learnt: trauma matters.\nso basically: yes\nInterviewer: ok"
    got = spans(text, split_turns(text))
    assert got[1] == ("Participant 2", "What I learnt: trauma matters.\nso basically: yes")
    assert len(got) == 3


def test_prose_without_speakers_splits_into_paragraphs_and_list_items():
    text = "# Notes\n\nIntro line one\nline two\n\n- first point\n- second: with colon\n\n1. numbered\n"
    assert spans(text, split_turns(text)) == [
        (None, "Intro line one\nline two"),
        (None, "first point"),
        (None, "second: with colon"),
        (None, "numbered"),
    ]


def test_preamble_before_first_turn_is_kept_as_paragraph():
    text = "Interview 3 – typed from notes\n\nInterviewer: Hello\nP3: Hi there\n"
    got = spans(text, split_turns(text))
    assert got == [(None, "Interview 3 – typed from notes"), ("Interviewer", "Hello"), ("P3", "Hi there")]


def test_offsets_are_code_points_and_cover_exact_text():
    text = "Interviewer: Héllo 😀 there\nP1: Ça va — très bien 👍🏽\n"
    for seg in split_turns(text):
        assert text[seg.start : seg.end] in ("Héllo 😀 there", "Ça va — très bien 👍🏽")


def test_researcher_labels():
    assert is_researcher("Interviewer") and is_researcher("Facilitator") and is_researcher("Moderator 2")
    assert not is_researcher("P1") and not is_researcher("Ambassador") and not is_researcher(None)


def test_paragraph_offsets_respect_offset_argument():
    segs = split_paragraphs("a\n\nb", offset=10)
    assert [(s.start, s.end) for s in segs] == [(10, 11), (13, 14)]
