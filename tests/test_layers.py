"""Architecture contracts: layers point one way, and core stays free of heavy or I/O libraries."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "qualcode"

# layer -> top-level modules it must never import
FORBIDDEN = {
    "core": {"textual", "spacy", "sklearn", "sqlite3", "sqlite_utils", "qualcode.store", "qualcode.ingest",
             "qualcode.nlp", "qualcode.reports", "qualcode.export", "qualcode.tui", "qualcode.cli"},
    "store": {"textual", "spacy", "sklearn", "qualcode.tui", "qualcode.cli", "qualcode.export", "qualcode.reports"},
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
