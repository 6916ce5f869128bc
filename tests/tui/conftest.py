"""Fixtures for workbench tests: a fresh copy of the demo study per test, the app at 120x40."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def demo_copy(demo_master, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    path = tmp_path / "study.qcdb"
    shutil.copy(demo_master, path)
    return path
