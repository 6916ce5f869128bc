"""Write docs/workbench.svg: the workbench on the demo study, drawn by Textual's own screenshot function.

    PYTHONPATH=. python scripts/screenshot.py [--output docs/workbench.svg] [--size 120x40]

tests/tui/test_screenshot.py fails when the committed picture no longer matches what this script draws.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "workbench.svg"


async def draw(project: Path, size: tuple[int, int]) -> str:
    from qualcode.tui.app import QualcodeApp

    app = QualcodeApp(project, coder="amira", remember=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.7)  # the suggester starts 0.5 s after the first paint
        await asyncio.get_running_loop().run_in_executor(None, app.screen.fit_done.wait, 120)
        await pilot.press("j", "j", "j")
        await pilot.pause()
        svg = app.export_screenshot(title="qualcode workbench (demo study)")
    # Textual names its CSS classes after a hash of the run: make them stable so the file only changes
    # when the picture does.
    ids = {}
    return re.sub(r"terminal-\d+", lambda m: ids.setdefault(m.group(0), f"terminal-{len(ids)}"), svg)


def screenshot(size: tuple[int, int] = (120, 40)) -> str:
    from qualcode.app.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("QUALCODE_CONFIG", str(Path(tmp) / "settings.json"))
        # The picture shows what a plain install does, whether or not the embeddings extra is installed here.
        os.environ["QUALCODE_EMBEDDINGS"] = "0"
        project = Path(tmp) / "demo.qcdb"
        build_demo(project)
        return asyncio.run(draw(project, size))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--size", default="120x40", help="columns x rows (default 120x40)")
    args = ap.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(screenshot((width, height)), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
