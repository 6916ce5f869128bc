"""Property-based, per importer: generated valid files always import; garbage is always refused with an
InputError; random and mutated files either import or fail with one clean QualcodeError. A failed import leaves
the project exactly as it was. Every assertion is made inside its own test, so the file works the same under
pytest-xdist (no counts are shared between tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.app.actions import import_files
from qualcode.ingest import ImportOptions
from qualcode.store.project import Project
from tests.conftest import CODEBOOK
from tests.hostile.inputs import SEEDS, TXT, attempt, hostile, outcome
from tests.hostile.valid_and_garbage import GARBAGE, VALID

EXAMPLES = 60
PER_IMPORTER = 25
KINDS = sorted(SEEDS)
QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


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
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=QUIET)
    @given(data=hostile(kind))
    def test(study, data):
        assert attempt(study, kind, data, study.folder) in ("ok", "error")

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
test_fuzz_rtf = _fuzz("rtf")
test_fuzz_odt = _fuzz("odt")
test_fuzz_html = _fuzz("html")
test_fuzz_pdf = _fuzz("pdf")


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_every_seed_imports(kind, tmp_path):
    """The seeds are valid files, so the fuzzers start from input the importers accept."""
    with new_study(tmp_path) as fresh:
        assert attempt(fresh, kind, SEEDS[kind](), tmp_path) == "ok"


def test_every_importer_has_valid_and_garbage_generators():
    assert sorted(VALID) == sorted(GARBAGE) == KINDS


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=PER_IMPORTER, deadline=None, suppress_health_check=QUIET)
@given(data=st.data())
def test_importer_accepts_valid_generated_input(study, kind, data):
    """Each importer succeeds on every file of its format generated here (a never-succeeding importer fails)."""
    assert outcome(study, kind, data.draw(VALID[kind], label=f"valid {kind}"), study.folder) == "ok"


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=PER_IMPORTER, deadline=None, suppress_health_check=QUIET)
@given(data=st.data())
def test_importer_refuses_garbage_with_an_input_error(study, kind, data):
    """Each importer refuses files that cannot be its format with an InputError (one line, project unchanged)."""
    result = outcome(study, kind, data.draw(GARBAGE[kind], label=f"garbage {kind}"), study.folder)
    assert result.startswith("InputError: "), result
