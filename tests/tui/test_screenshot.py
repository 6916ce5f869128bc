"""docs/workbench.svg (the README's picture of the workbench) is what scripts/screenshot.py draws today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_screenshot_is_current():
    spec = importlib.util.spec_from_file_location("screenshot", ROOT / "scripts" / "screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    drawn = module.screenshot()
    committed = (ROOT / "docs" / "workbench.svg").read_text(encoding="utf-8")
    assert drawn == committed, (
        "docs/workbench.svg is out of date: run PYTHONPATH=. python scripts/screenshot.py"
    )
