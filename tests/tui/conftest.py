"""Fixtures for workbench tests: a fresh copy of the demo study per test, the app at 120x40."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.demo import build_demo


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.qcdb"
    build_demo(path)
    return path


@pytest.fixture
def demo_copy(demo_master, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    path = tmp_path / "study.qcdb"
    shutil.copy(demo_master, path)
    return path
