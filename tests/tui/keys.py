"""A registry of the keys the workbench tests press, so a key listed in the help screen cannot ship untested."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

TESTED: set[tuple[str, str]] = set()


def covers(*keys: str, screen: str = "Workbench") -> Callable[[F], F]:
    """Mark a test as the one that presses `keys` on `screen` and checks what they do."""

    def mark(test: F) -> F:
        TESTED.update((screen, key) for key in keys)
        return test

    return mark
