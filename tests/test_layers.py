"""Architecture contracts: layers point one way, and core stays free of heavy or I/O libraries."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "qualcode"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package and pyproject.toml under `root` (its own code, not an installed copy)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_linter_contracts_are_kept():
    """The `layers` contract in pyproject.toml (core < ingest/export/store < nlp/reports < app < cli/tui)."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and "layers" not in result.stderr


@pytest.mark.parametrize(
    "module, line",
    [
        ("core/models.py", "import qualcode.app.reporting"),  # core importing a use case (and so the store)
        ("core/turns.py", "from qualcode.store.project import Project"),
        ("store/project.py", "import qualcode.reports.evidence"),
        ("ingest/common.py", "import qualcode.export.csvfile"),  # siblings in one layer stay independent
        ("reports/build.py", "import qualcode.app.actions"),
        ("core/offsets.py", "import sqlite3"),
    ],
)
def test_import_linter_catches_a_violation(tmp_path, module, line):
    """The contracts can fail: one wrong import added to a copy of the package breaks them."""
    shutil.copytree(PKG, tmp_path / "qualcode", ignore=shutil.ignore_patterns("__pycache__", "*.tcss"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "qualcode" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout[-2000:]


# layer -> top-level modules it must never import
FORBIDDEN = {
    "core": {
        "textual",
        "spacy",
        "sklearn",
        "sqlite3",
        "sqlite_utils",
        "qualcode.store",
        "qualcode.ingest",
        "qualcode.nlp",
        "qualcode.reports",
        "qualcode.export",
        "qualcode.tui",
        "qualcode.cli",
    },
    "store": {
        "textual",
        "spacy",
        "sklearn",
        "qualcode.tui",
        "qualcode.cli",
        "qualcode.export",
        "qualcode.reports",
    },
    "ingest": {"textual", "sqlite3", "sqlite_utils", "qualcode.store", "qualcode.tui", "qualcode.cli"},
    "reports": {"textual", "qualcode.tui", "qualcode.cli", "qualcode.export"},
    "export": {"textual", "sqlite3", "sqlite_utils", "qualcode.store", "qualcode.tui", "qualcode.cli"},
    "nlp": {"textual", "qualcode.tui", "qualcode.cli"},
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer):
    bad = []
    for path in (PKG / layer).rglob("*.py"):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(PKG)} imports {name}")
    assert bad == []


def test_core_loads_without_heavy_modules():
    code = (
        "import sys, qualcode.core.models, qualcode.core.codebook, qualcode.core.turns, qualcode.core.display\n"
        "import qualcode.core.refi, qualcode.core.offsets\n"
        "heavy = {'textual', 'spacy', 'sklearn', 'sqlite3', 'sqlite_utils', 'docx', 'openpyxl'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_start_up_does_not_load_nlp_or_tui():
    code = (
        "import sys\nfrom qualcode.cli import cli\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'spacy', 'sklearn', 'docx', 'openpyxl'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reports_hold_no_sql():
    """Reports compute from plain data: every read they need is a function in qualcode.store."""
    bad = []
    for path in (PKG / "reports").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {
                "execute",
                "executemany",
                "query",
                "scalar",
                "conn",
            }:
                bad.append(f"{path.relative_to(PKG)}:{node.lineno} uses .{node.attr}")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "SELECT " in node.value.upper()
            ):
                bad.append(f"{path.relative_to(PKG)}:{node.lineno} holds SQL")
    assert bad == []
