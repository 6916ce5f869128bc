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
    """Wait until background work (the suggester's thread, report workers) is done."""
    import asyncio

    await pilot.pause(SUGGESTER_DELAY + 0.2)  # the suggester starts this long after the screen is up
    for screen in pilot.app.screen_stack:
        done = getattr(screen, "fit_done", None)
        if done is not None:
            await asyncio.get_running_loop().run_in_executor(None, done.wait, 60)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot: Any, condition: Any, timeout: float = 10.0) -> bool:
    """Whether `condition()` holds within `timeout` seconds, checked between pauses: for what waits on a
    write (a loaded machine or a server study can take longer than a fixed pause) without a fixed sleep."""
    import time

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        await pilot.pause(0.05)
    return True


async def type_fast(app: Any, keys: list[str], interval: float = 0.01) -> None:
    """Send keys as a terminal would when someone types quickly: one every `interval` seconds, without
    waiting for the app to finish handling the previous one (pilot.press waits, which hides lost keys)."""
    import asyncio
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
        await asyncio.sleep(interval)
