"""Write the binary transcript fixtures (.docx) from invented text: `python tests/data/transcripts/make_fixtures.py`."""

from __future__ import annotations

from pathlib import Path

import docx

HERE = Path(__file__).parent

OTTER = [
    ("SUMMARY KEYWORDS", None), ("hub, referral, outreach", None), ("SPEAKERS", None), ("Sara Holm, Speaker 2", None),
    ("Sara Holm", "  0:03"), ("Thanks for making time today. How did you hear about the hub?", None),
    ("Speaker 2", "  0:11"), ("Through a colleague. [inaudible] she had a flyer.", None),
    ("We went the week after.", None),
    ("Sara Holm", "  1:02"), ("And what changed?", None),
    ("Speaker 2", "  1:09"), ("We refer people earlier now.", None),
    ("Transcribed by https://otter.ai", None),
]
TEAMS = [
    ("Sara Holm", "   0:03"), ("Thanks for joining. Could you say what your role is?", None),
    ("Ola Berg", "   0:09"), ("I coordinate the volunteers at the east site.", None),
    ("Sara Holm", "   0:21"), ("How long have you done that?", None),
    ("Ola Berg", "   0:25"), ("Two years in May.", None),
]


def write_docx(path: Path, paragraphs: list[tuple[str, str | None]]) -> None:
    """Each paragraph as Otter and Teams write them: the name in one run, the time in another."""
    document = docx.Document()
    for text, time in paragraphs:
        para = document.add_paragraph()
        para.add_run(text).bold = time is not None
        if time:
            para.add_run(time)
    document.core_properties.author = "qualcode tests"
    document.save(path)


if __name__ == "__main__":
    write_docx(HERE / "otter.docx", OTTER)
    write_docx(HERE / "teams.docx", TEAMS)
