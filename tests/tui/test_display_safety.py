"""The workbench shows transcript text as written: markup-like brackets stay literal, control and bidi
characters show as U+FFFD and are never sent to the terminal."""

from __future__ import annotations

from qualcode.app.actions import import_codebook_file, import_files
from qualcode.ingest import ImportOptions
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.transcript import TranscriptView
from tests.conftest import CODEBOOK, write

TEXT = "Interviewer: So [bold]what[/bold] changed?\nP1: [laughs] quite a lot [0] :fire: \x9b2J \u202eevil\u202c\n"


def rendered(widget) -> str:
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def test_transcript_shows_markup_literally_and_neutralises_control_characters(
    new_location, tmp_path, monkeypatch
):
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    path = new_location("h")
    with Project.create(path, coder="zoe") as p:
        import_codebook_file(p, CODEBOOK)
        import_files(p, [write(tmp_path / "int.txt", TEXT)], ImportOptions())
        seg = p.scalar("SELECT id FROM segments ORDER BY id DESC LIMIT 1")
        p.conn.execute("BEGIN")
        p.conn.execute("UPDATE segments SET speaker = ? WHERE id = ?", ("P1 \x1b[2J[red]", seg))
        p.conn.execute("COMMIT")
    app = QualcodeApp(path, coder="zoe")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = rendered(app.screen.query_one(TranscriptView))
    assert "[bold]what[/bold]" in shown and "[laughs]" in shown and "[0]" in shown and ":fire:" in shown
    assert "P1 \ufffd[2J[red]" in shown
    assert "\ufffd2J" in shown and "\ufffdevil\ufffd" in shown
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
