"""A small study whose report numbers can be worked out by hand (see the comments for the answers)."""

from __future__ import annotations

from pathlib import Path

from qualcode.core.codebook import load_codebook_text
from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.store.codebook import save_codebook
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.project import Project, now

CODEBOOK = """
name: Small study
codes:
  - key: A
    label: Practice change
    definition: Any change in practice.
    children:
      - {key: a1, label: Faster referrals, definition: Refers sooner., examples: {typical: ["we refer sooner"]}}
      - {key: a2, label: Confidence, definition: Feels able to act.}
  - key: context
    label: Wider context
  - key: hls
    label: Human Learning Systems
    children:
      - {key: hls.people, label: Involving people supported}
      - {key: hls.leadership, label: Leadership support}
"""

HOSTILE = {
    "R07": "=cmd|' /C calc'!A0",
    "R08": "<script>alert('x')</script> & <b>bold</b>",
    "R09": "| pipes | and a \\ backslash",
    "R10": "**md** [link](http://evil.example) # not a heading",
}


def _doc(
    name: str, source_type: str, turns: list[tuple[str | None, str]], cases: dict[str, dict[str, str]]
) -> ParsedDocument:
    text, segments = "", []
    for case, utterance in turns:
        if text:
            text += "\n"
        start = len(text)
        text += utterance
        speaker = "Interviewer" if case is None else case
        segments.append(ParsedSegment(start, len(text), speaker=speaker, case=case))
    return ParsedDocument(name, source_type, text, segments, f"{name}.txt", f"sha-{name}", cases)


def build_study(path: Path) -> dict[str, int]:
    """Cases: interview I1 (statutory), I2 (voluntary); focus group FG-P1 (statutory), FG-P2 (voluntary),
    FG-P3 (no sector); survey R01-R05 statutory, R06-R10 voluntary, R11 statutory with no answer (no segment).
    Totals: interview 2, focus-group 3, survey 10; statutory 7, voluntary 7, not recorded 1.

    Returns coding ids by name."""
    p = Project.create(path, coder="amira", name="Small study")
    save_codebook(p, load_codebook_text(CODEBOOK))
    survey_cases = {
        f"R{i:02d}": {"sector": "statutory" if i <= 5 or i == 11 else "voluntary"} for i in range(1, 12)
    }
    answers = {f"R{i:02d}": f"Survey answer number {i} about the programme." for i in range(1, 7)}
    answers.update(HOSTILE)
    add_documents(
        p,
        [
            _doc(
                "int1",
                "interview",
                [
                    (None, "What changed?"),
                    ("I1", "We refer people to housing much faster now."),
                    (None, "Why?"),
                    ("I1", "Covid changed how we work more than anything."),
                ],
                {"I1": {"sector": "statutory", "role": "commissioner"}},
            ),
            _doc(
                "int2",
                "interview",
                [(None, "And you?"), ("I2", "I feel more confident to challenge decisions.")],
                {"I2": {"sector": "voluntary"}},
            ),
            _doc(
                "fg",
                "focus-group",
                [
                    (None, "Welcome everyone."),
                    ("FG-P1", "We refer sooner and involve people."),
                    ("FG-P2", "People with lived experience now sit on the panel."),
                    ("FG-P3", "Nothing much changed for me."),
                ],
                {"FG-P1": {"sector": "statutory"}, "FG-P2": {"sector": "voluntary"}, "FG-P3": {}},
            ),
            _doc("survey", "survey", [(case, text) for case, text in answers.items()], survey_cases),
        ],
    )
    seg = {}
    for s in list_segments(p):
        seg.setdefault(s["case"] or f"{s['document']}-q", []).append(s["id"])
    ids = {
        # a1: 7 codings on 6 segments; cases I1, FG-P1, R01-R03 -> interview 1 of 2, focus group 1 of 3, survey 3/10.
        "a1_I1": add_coding(
            p, "a1", segment_id=seg["I1"][0], contribution="improved", claim="Faster referrals"
        ),
        "a1_I1_tom": add_coding(p, "a1", segment_id=seg["I1"][0], coder="tom"),
        "a1_FG1": add_coding(
            p, "a1", segment_id=seg["FG-P1"][0], contribution="improved", claim="  faster  REFERRALS "
        ),
        "a1_R01": add_coding(
            p, "a1", segment_id=seg["R01"][0], contribution="improved", claim="Faster referrals"
        ),
        "a1_R02": add_coding(
            p, "a1", segment_id=seg["R02"][0], contribution="improved", claim="Faster referrals"
        ),
        "a1_R03": add_coding(
            p, "a1", segment_id=seg["R03"][0], contribution="improved", claim="Faster referrals"
        ),
        "a1_interviewer": add_coding(p, "a1", segment_id=seg["int1-q"][0]),
        # a2: I2 (sufficient, single-source) and R04 (necessary); R06 is rejected by a reviewer.
        "a2_I2": add_coding(p, "a2", segment_id=seg["I2"][0], contribution="sufficient", claim="Confidence"),
        "a2_R04": add_coding(p, "a2", segment_id=seg["R04"][0], contribution="necessary", claim="Joint work"),
        "a2_R06": add_coding(p, "a2", segment_id=seg["R06"][0]),
        # context: a rival explanation for "Faster referrals", and the hostile survey answers.
        "ctx_I1": add_coding(
            p,
            "context",
            segment_id=seg["I1"][1],
            contribution="none",
            claim="Faster referrals",
            memo='=HYPERLINK("http://evil.example")',
        ),
        # hls.people: FG-P1, FG-P2, R05 -> 3 cases, 2 source types -> higher; hls.leadership: I2 only -> lower.
        "hp_FG1": add_coding(p, "hls.people", segment_id=seg["FG-P1"][0]),
        "hp_FG2": add_coding(
            p, "hls.people", segment_id=seg["FG-P2"][0], contribution="necessary", claim="Joint work"
        ),
        "hp_R05": add_coding(p, "hls.people", segment_id=seg["R05"][0]),
        "hl_I2": add_coding(p, "hls.leadership", segment_id=seg["I2"][0]),
    }
    for case in HOSTILE:
        ids[f"ctx_{case}"] = add_coding(p, "context", segment_id=seg[case][0])
    with p.transaction():
        p.ensure_coder("lead")
        for coding, status in (
            ("a1_R01", "accepted"),
            ("a2_R06", "rejected"),
            ("a1_R02", "accepted"),
            ("a1_R02", "queried"),
        ):
            p.conn.execute(
                "INSERT INTO reviews(coding_id, status, reviewer, created) VALUES (?, ?, 'lead', ?)",
                (ids[coding], status, now()),
            )
    p.close()
    return ids
