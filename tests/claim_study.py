"""A study small enough to check claims, polarity and the HLS rule by hand (answers in the comments)."""

from __future__ import annotations

from pathlib import Path

from qualcode.core.codebook import load_codebook_text
from qualcode.store.claims import add_claim
from qualcode.store.codebook import save_codebook
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.outcomes import import_outcome_map
from qualcode.store.project import Project
from tests.report_study import CODEBOOK, _doc

OUTCOME_MAP = {
    "aims": [
        {"key": "aim.voice", "label": "People supported shape services", "success": ["Panels include EbE"]}
    ],
    "partners": [
        {
            "key": "practitioners",
            "label": "Frontline practitioners",
            "kind": "direct",
            "outcomes": [
                {
                    "key": "out.ref",
                    "label": "Faster referrals",
                    "mechanism": "Shared directory",
                    "aims": ["aim.voice"],
                }
            ],
        }
    ],
    "rivals": [{"key": "covid", "label": "Covid-19"}],
}


def build_claim_study(path: Path) -> dict[str, int]:
    """Cases: interview I1, I2; focus group F1, F2, F3; survey R1, R2 (one segment each).

    Claim c.ref (outcome out.ref, improved): supported by I1, F1, R1 and mixed F2 -> 4 cases for, in 3 source
    types (moderate: strong needs 5 cases); contradicted by I2 and mixed F2 -> 2 cases against.
    Claim c.conf: I1's coding (also evidence for c.ref) supports it -> 1 case, single-source.
    hls.leadership: supported by F1, F2, R1 (3 cases, focus-group + survey), contradicted by I1, I2, F3 (3 cases):
    the old rule said 'higher'; now 3 for is not more than 3 against -> 'lower'.
    hls.people: R2 only -> 1 case, fewer than 2 -> 'insufficient evidence'.
    Rival covid (rival of c.ref): evidenced by I2's coding."""
    p = Project.create(path, coder="amira", name="Claim study")
    save_codebook(p, load_codebook_text(CODEBOOK))
    add_documents(
        p,
        [
            _doc(
                "int",
                "interview",
                [
                    ("I1", "We refer people to housing much faster now, and I feel more confident."),
                    ("I2", "Referrals only sped up because Covid forced everyone online."),
                ],
                {"I1": {}, "I2": {}},
            ),
            _doc(
                "fg",
                "focus-group",
                [
                    ("F1", "Leadership backs us and we refer sooner."),
                    ("F2", "Managers back it, though referrals are patchy."),
                    ("F3", "There is no leadership support here at all."),
                ],
                {"F1": {}, "F2": {}, "F3": {}},
            ),
            _doc(
                "sv",
                "survey",
                [
                    ("R1", "Referrals are quicker and my manager supports it."),
                    ("R2", "People with lived experience sit on our panel."),
                ],
                {"R1": {}, "R2": {}},
            ),
        ],
    )
    seg = {s["case"]: s["id"] for s in list_segments(p)}
    import_outcome_map(p, OUTCOME_MAP)
    add_claim(p, "Faster referrals to housing", key="c.ref", about="out.ref", category="improved")
    add_claim(p, "Practitioners feel more confident", key="c.conf", about="aim.voice")
    ids = {
        "I1": add_coding(p, "a1", segment_id=seg["I1"], claim="c.ref"),
        "F1": add_coding(p, "a1", segment_id=seg["F1"], claim="c.ref"),
        "R1": add_coding(p, "a1", segment_id=seg["R1"], claim="c.ref"),
        "F2": add_coding(p, "a1", segment_id=seg["F2"], claim="c.ref", claim_polarity="mixed"),
        "I2": add_coding(p, "context", segment_id=seg["I2"], claim="c.ref", claim_polarity="contradicts"),
        "hl_F1": add_coding(p, "hls.leadership", segment_id=seg["F1"]),
        "hl_F2": add_coding(p, "hls.leadership", segment_id=seg["F2"]),
        "hl_R1": add_coding(p, "hls.leadership", segment_id=seg["R1"]),
        "hl_I1": add_coding(p, "hls.leadership", segment_id=seg["I1"], polarity="contradicts"),
        "hl_I2": add_coding(p, "hls.leadership", segment_id=seg["I2"], polarity="contradicts"),
        "hl_F3": add_coding(p, "hls.leadership", segment_id=seg["F3"], polarity="contradicts"),
        "hp_R2": add_coding(p, "hls.people", segment_id=seg["R2"]),
    }
    # I1's coding is evidence for a second claim too.
    with p.transaction():
        from qualcode.store.claims import claim_id, set_links

        set_links(p, ids["I1"], [(claim_id(p, "c.ref"), "supports"), (claim_id(p, "c.conf"), "supports")])
        p.conn.execute(
            "INSERT INTO rival_evidence(coding_id, rival_id) VALUES (?, (SELECT id FROM rivals))",
            (ids["I2"],),
        )
        p.conn.execute(
            "INSERT INTO claim_rivals(claim_id, rival_id) VALUES (?, (SELECT id FROM rivals))",
            (claim_id(p, "c.ref"),),
        )
        p.log("test.setup", "project", None)
    p.close()
    return {**ids, **{f"seg_{k}": v for k, v in seg.items()}}
