"""Property-based: random and mutated files given to every importer either import or fail with one clean
QualcodeError, and a failed import leaves the project exactly as it was."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions
from qualcode.store.project import Project
from tests.conftest import CODEBOOK
from tests.hostile.inputs import SEEDS, TXT, attempt, hostile

EXAMPLES = 60
OUTCOMES: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)


def new_study(folder: Path) -> Project:
    """A project with the PDU codebook and one interview named 'seed'."""
    from qualcode.app.actions import import_codebook_file

    p = Project.create(folder / "fuzz.qcdb", coder="zoe")
    import_codebook_file(p, CODEBOOK)
    (folder / "seed.txt").write_text(TXT + "P1: One more line.\n", encoding="utf-8")
    import_files(p, [folder / "seed.txt"], ImportOptions())
    p.folder = folder  # type: ignore[attr-defined]
    return p


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Project:
    """One study shared by every example of a fuzz test (each example compares the project before and after)."""
    p = new_study(tmp_path_factory.mktemp("fuzz"))
    yield p
    p.close()


def _fuzz(kind: str):
    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=hostile(kind))
    def test(study, data):
        OUTCOMES[kind][attempt(study, kind, data, study.folder)] += 1

    test.__name__ = f"test_fuzz_{kind}"
    test.__doc__ = f"Random and mutated {kind} input: success or a clean error, never a half-written project."
    return test


test_fuzz_txt = _fuzz("txt")
test_fuzz_csv = _fuzz("csv")
test_fuzz_xlsx = _fuzz("xlsx")
test_fuzz_docx = _fuzz("docx")
test_fuzz_vtt = _fuzz("vtt")
test_fuzz_qdpx = _fuzz("qdpx")
test_fuzz_codebook_yaml = _fuzz("yaml")
test_fuzz_codings_csv = _fuzz("codings")


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_every_seed_imports(kind, tmp_path):
    """The seeds are valid files, so the fuzzers start from input the importers accept."""
    with new_study(tmp_path) as fresh:
        assert attempt(fresh, kind, SEEDS[kind](), tmp_path) == "ok"


def test_zz_outcomes_were_mixed():
    """Across the fuzz runs both outcomes happened for the importers, so the properties were really tested."""
    if not OUTCOMES:
        pytest.skip("the fuzz tests did not run in this session")
    for kind, counts in OUTCOMES.items():
        print(kind, dict(counts))
    assert sum(c["ok"] for c in OUTCOMES.values()) > 0 and sum(c["error"] for c in OUTCOMES.values()) > 0
