"""Shared helpers for the workbench tests: read the project file, wait for workers, name tested keys."""

from __future__ import annotations

from typing import Any

from qualcode.store.project import Project
from qualcode.tui.screens.workbench import SUGGESTER_DELAY
from qualcode.tui.widgets.transcript import TranscriptView

SIZE = (120, 40)


def rows(path: Any, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    with Project.open(path) as p:
        return p.query(sql, params)


def current_segment(app: Any) -> dict[str, Any] | None:
    return app.screen.query_one(TranscriptView).current


async def ready(pilot: Any) -> None:
    """Wait until background workers (the suggester, reports) are done."""
    await pilot.pause(SUGGESTER_DELAY + 0.2)  # the suggester starts this long after the screen is up
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
