"""The mutant catalogue stays honest: every mutant is in docs/testing.md and names tests that exist."""

from __future__ import annotations

import importlib

from tests.conftest import ROOT
from tests.mutants.catalogue import MUTANTS


def test_every_mutant_is_documented_and_names_real_tests():
    doc = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)
    for mutant in MUTANTS:
        assert f"`{mutant.id}`" in doc, f"{mutant.id} is missing from docs/testing.md"
        assert (ROOT / mutant.file).is_file()
        for test in mutant.tests:
            path, name = test.split("::")
            module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
            assert callable(getattr(module, name.split("[")[0])), test
