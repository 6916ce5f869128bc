"""The project store: one SQLite file per project, reached through sqlite-utils."""

from qualcode.store.project import Project

__all__ = ["Project"]
