"""The Textual application: opens a project, asks the coder's name once, shows the workbench."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App

from qualcode.app.session import CodingSession
from qualcode.store.project import Project


class QualcodeApp(App[None]):
    CSS_PATH = "qualcode.tcss"
    TITLE = "qualcode"

    def __init__(self, project_path: str | Path, coder: str | None = None, remember: bool = True) -> None:
        super().__init__()
        self.project_path = Path(project_path)
        self.coder = coder
        self.remember = remember
        self.project: Project | None = None

    def on_mount(self) -> None:
        from qualcode.config import coder_and_source

        # The one rule the CLI uses too: --coder, $QUALCODE_CODER, the saved name; only a login name is asked.
        name, source = coder_and_source(self.coder, use_config=self.remember)
        if source != "login":
            self.start(name)
        else:
            from qualcode.tui.screens.dialogs import TextPrompt

            self.push_screen(TextPrompt("Your name as a coder (remembered for next time)", placeholder="e.g. amira"),
                             self.named)

    def named(self, name: str | None) -> None:
        if not name:
            self.exit(message="No coder name given.")
            return
        if self.remember:
            from qualcode.config import save_setting

            save_setting("coder", name)
        self.start(name)

    @staticmethod
    def settle_memory() -> None:
        """Collect garbage less often while the workbench runs.

        Python's default thresholds start a collection every 700 new objects, and Textual makes many per
        frame; measured on a 100,000-segment project, collections added 100-160 ms to one key press in
        twenty. With larger thresholds the 95th percentile fell to about 70 ms (benchmarks/bench_tui.py).
        """
        gc.set_threshold(50_000, 50, 1000)

    def start(self, coder: str) -> None:
        from qualcode.tui.screens.workbench import Workbench

        self.coder = coder
        self.project = Project.open(self.project_path, coder=coder)
        self.sub_title = f"{self.project.name} — {coder}"
        self.push_screen(Workbench(CodingSession(self.project, coder)))
        self.call_after_refresh(self.settle_memory)

    def on_unmount(self) -> None:
        if self.project is not None:
            self.project.close()
