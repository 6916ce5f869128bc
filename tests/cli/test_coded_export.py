"""`export --document NAME --format docx|html`: the coded transcript, as reviewers audit coding in Word."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import db, run_cli

DATA = Path(__file__).parent.parent / "data" / "transcripts"


@pytest.fixture
def coded(new_location, tmp_path, runner, codebook_path):
    """rev.txt coded twice: Amira codes "A friend" (the start of turn 2) with a memo; Tom codes the whole
    of segment 4."""
    proj = new_location("p")
    run_cli(runner, "init", proj, "--codebook", codebook_path)
    run_cli(runner, "import", proj, DATA / "rev.txt")
    with db(proj) as conn:
        seg2, seg2_start = conn.execute("SELECT id, start FROM segments WHERE position = 1").fetchone()
        seg4 = conn.execute("SELECT id FROM segments WHERE position = 3").fetchone()[0]
        code = conn.execute("SELECT key FROM codes ORDER BY id LIMIT 1").fetchone()[0]
        label = conn.execute("SELECT label FROM codes ORDER BY id LIMIT 1").fetchone()[0]
    run_cli(
        runner,
        "code",
        proj,
        seg2,
        code,
        "--start",
        seg2_start,
        "--end",
        seg2_start + 8,
        "--memo",
        "friend <b>as</b> route in",
        "--coder",
        "amira",
    )
    run_cli(runner, "code", proj, seg4, code, "--coder", "tom")
    return proj, code, label


def test_docx_has_one_comment_per_coding_on_the_coded_text(coded, tmp_path, runner):
    proj, code, label = coded
    out = tmp_path / "rev.docx"
    summary = json.loads(
        run_cli(runner, "export", proj, "--document", "rev", "--format", "docx", "-o", out, "--json").stdout
    )
    assert summary["codings"] == 2 and summary["coders"] == ["amira", "tom"]
    import docx

    document = docx.Document(str(out))
    comments = sorted((c.author, c.text) for c in document.comments)
    assert comments == [
        ("amira", f"{label} [{code}]\nfriend <b>as</b> route in"),
        ("tom", f"{label} [{code}]"),
    ]
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    # The text each comment covers: between its range start and end.
    covered = []
    for n in (0, 1):
        part = xml.split(f'<w:commentRangeStart w:id="{n}"/>')[1].split(f'<w:commentRangeEnd w:id="{n}"/>')[0]
        covered.append("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", part)))
    assert sorted(covered) == ["A friend", "More evening sessions."]
    highlighted = re.findall(r'<w:highlight w:val="yellow"/></w:rPr><w:t(?: [^>]*)?>([^<]*)</w:t>', xml)
    assert highlighted == ["A friend", "More evening sessions."]
    body = "".join(p.text for p in document.paragraphs[2:])
    source = (DATA / "rev.txt").read_text(encoding="utf-8")
    assert re.sub(r"\s", "", body) == re.sub(r"\s", "", source)  # every character of the transcript is there


def test_html_marks_coded_spans_and_lists_codings_in_the_margin(coded, tmp_path, runner):
    proj, code, label = coded
    out = tmp_path / "rev.html"
    run_cli(runner, "export", proj, "--document", "rev", "--format", "html", "-o", out)
    page = out.read_text(encoding="utf-8")
    assert re.findall(r"<mark[^>]*>([^<]*)</mark>", page) == ["A friend", "More evening sessions."]
    assert "friend &lt;b&gt;as&lt;/b&gt; route in" in page and "<b>as</b>" not in page  # memos are escaped
    notes = re.findall(
        r'<div class="note"><sup>(\d)</sup> <b>([^<]*)</b> <span class="who">\[([^\]]*)\] (\w+)', page
    )
    assert notes == [("1", label, code, "amira"), ("2", label, code, "tom")]
    assert "Content-Security-Policy" in page and "<script" not in page


def test_bad_export_options_are_one_line_errors(coded, tmp_path, runner):
    proj, _, _ = coded
    assert (
        "--document"
        in run_cli(runner, "export", proj, "--format", "docx", "-o", tmp_path / "x.docx", code=2).stderr
    )
    assert (
        "--document is for"
        in run_cli(runner, "export", proj, "--document", "rev", "-o", tmp_path / "x.qdpx", code=2).stderr
    )
    assert (
        "no document named"
        in run_cli(
            runner,
            "export",
            proj,
            "--document",
            "nope",
            "--format",
            "html",
            "-o",
            tmp_path / "x.html",
            code=2,
        ).stderr
    )
    assert not any(tmp_path.glob("x.*"))
