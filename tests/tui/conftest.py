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


@pytest.fixture
def demo_location(demo_master, tmp_path, monkeypatch, backend, request):
    """The demo study as a project file, or pushed into a fresh server study (the `backend` fixture)."""
    monkeypatch.setenv("QUALCODE_CONFIG", str(tmp_path / "settings.json"))
    if backend == "sqlite":
        path = tmp_path / "study.qcdb"
        shutil.copy(demo_master, path)
        yield path
        return
    from qualcode.store.transfer import push

    server, reason = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    url = server.new_database()
    push(demo_master, url)
    yield url
    server.drop_database(url)
