"""The Textual application: opens a project, asks the coder's name once, shows the workbench."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding

from qualcode.app.session import CodingSession
from qualcode.store.project import Project, location_of


class QualcodeApp(App[None]):
    CSS_PATH = "qualcode.tcss"
    TITLE = "qualcode"
    # Tab moves the focus at once, as the key is read: as an ordinary binding it runs later, on the focused
    # widget's queue, and a letter typed right after Tab went to the old widget and was lost.
    BINDINGS = [
        Binding("tab", "tab", "Next field", show=False, priority=True),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True),
    ]

    # When run as the program (App.run in a terminal, as the CLI does), end the process as soon as the
    # workbench has closed its project and restored the terminal: unloading spaCy, scikit-learn and a
    # half-loaded suggester thread took 0.7-2 s after the screen was gone. None: only when not headless
    # (headless runs are snapshot tests and screenshots inside another program); True/False: always/never.
    EXIT_PROCESS_AFTER_RUN: bool | None = None

    def __init__(self, project_path: str | Path, coder: str | None = None, remember: bool = True) -> None:
        super().__init__()
        self.project_path = location_of(project_path)  # a file, or a server study's URL
        self.coder = coder
        self.remember = remember
        self.project: Project | None = None
        self.quitting = False

    def on_mount(self) -> None:
        from qualcode.config import coder_and_source

        # The one rule the CLI uses too: --coder, $QUALCODE_CODER, the saved name; only a login name is asked.
        name, source = coder_and_source(self.coder, use_config=self.remember)
        if source != "login" or self.login_decides():
            self.start(name)
        else:
            from qualcode.tui.screens.dialogs import TextPrompt

            self.push_screen(
                TextPrompt("Your name as a coder (remembered for next time)", placeholder="e.g. amira"),
                self.named,
            )

    def named(self, name: str | None) -> None:
        if not name:
            self.exit(message="No coder name given.")
            return
        if self.remember:
            from qualcode.config import save_setting

            save_setting("coder", name)
        self.start(name)

    async def on_event(self, event: events.Event) -> None:
        # Keys typed while a dialog is still opening would reach it before its input has focus and be lost
        # (a claim saved as "uman claim"): hold them until the dialog says it is ready, then deliver in order.
        if isinstance(event, events.Key) and self.quitting:
            return  # keys typed after q must not open dialogs in an app that is closing
        screen = self.screen if self._screen_stack else None
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and getattr(screen, "holding_keys", False)
        ):
            screen.held_keys.append(event)  # type: ignore[union-attr]
            return
        await super().on_event(event)

    async def run_action(self, action: Any, *args: Any, **kwargs: Any) -> bool:
        """Every key's action. On a server study whose server has gone away (not merely restarted: that
        reconnects by itself), a key's read or write fails: say so and keep the workbench, rather than end it
        with a traceback; the next key tries the server again."""
        from qualcode.errors import ConnectionLostError, ServerUnreachableError

        try:
            return await super().run_action(action, *args, **kwargs)
        except (ConnectionLostError, ServerUnreachableError) as exc:
            self.notify(str(exc), title="Server", severity="error", timeout=10)
            return True

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.quitting = True
        super().exit(*args, **kwargs)

    def action_tab(self) -> None:
        """Complete the focused field if it offers a completion (the claim box), else focus the next widget."""
        focused = self.focused
        if hasattr(focused, "complete_on_tab"):
            # On the box's own queue, behind the letters typed before Tab that it has not handled yet.
            focused.call_later(focused.complete_on_tab)  # type: ignore[union-attr]
        else:
            self.screen.focus_next()

    async def release_keys(self, screen: object) -> None:
        """Deliver the keys held for a dialog that now has its focus (called on the app's own queue)."""
        held = getattr(screen, "held_keys", [])
        screen.holding_keys = False  # type: ignore[attr-defined]
        while held:
            await super().on_event(held.pop(0))

    @staticmethod
    def settle_memory() -> None:
        """Collect garbage less often while the workbench runs.

        Python's default thresholds start a collection every 700 new objects, and Textual makes many per
        frame; measured on a 100,000-segment project, collections added 100-160 ms to one key press in
        twenty. With larger thresholds the 95th percentile fell to about 70 ms (benchmarks/bench_tui.py).
        """
        gc.set_threshold(50_000, 50, 1000)

    def login_decides(self) -> bool:
        """A server study whose users table names this login decides who codes: no name to ask for."""
        if not isinstance(self.project_path, str):
            return False
        self.project = Project.open(self.project_path)
        return bool(self.project.server_conn.coder)

    def start(self, coder: str) -> None:
        from qualcode.tui.screens.workbench import Workbench

        if self.project is None:
            self.project = Project.open(self.project_path, coder=coder)
        else:
            self.project.coder = self.project.server_conn.coder or coder
        coder = self.project.coder  # on a server study with users, the login decides who codes
        self.coder = coder
        self.sub_title = f"{self.project.name} — {coder}"
        self.push_screen(Workbench(CodingSession(self.project, coder)))
        self.call_after_refresh(self.settle_memory)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        result = super().run(*args, **kwargs)
        leave = self.EXIT_PROCESS_AFTER_RUN
        if leave or (leave is None and not kwargs.get("headless", False)):
            # Textual has already printed any exit message; the project was closed on unmount.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.return_code or 0)
        return result

    def on_unmount(self) -> None:
        if self.project is not None:
            self.project.close()
