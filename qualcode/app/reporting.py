"""Run a named report to a format and a file: the one call the CLI and the TUI's export worker make."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.core.reportdoc import Provenance
from qualcode.errors import InputError
from qualcode.export.render import FORMATS, render
from qualcode.files import write_bytes_atomic
from qualcode.reports.build import KINDS, build_full_report, build_report, check_kind
from qualcode.reports.evidence import Filters
from qualcode.reports.settings import ReportSettings
from qualcode.store.project import Project

FULL_REPORT_FORMATS = ("html", "docx", "xlsx", "md")
DEFAULT_FOLDER = "exports"


@dataclass(slots=True)
class ReportResult:
    kind: str
    fmt: str
    path: Path | None  # None when JSON was only returned, not written
    provenance: Provenance
    data: Any = None  # the JSON shape, for single reports


def check_request(kind: str, fmt: str, by: str | None = None) -> None:
    """Refuse impossible combinations before any work is done."""
    if fmt not in (*FORMATS, "json"):
        raise InputError(f"unknown format '{fmt}' (choose from {', '.join((*FORMATS, 'json'))})")
    if kind == "all":
        if fmt not in FULL_REPORT_FORMATS:
            raise InputError(f"the full report is written as {', '.join(FULL_REPORT_FORMATS)} (not {fmt})")
        if by:
            raise InputError("--by applies to single reports (themes, matrix, participants), not to all")
    else:
        check_kind(kind, by)


def default_output(
    project_path: Path, kind: str, fmt: str, by: str | None = None, folder: Path | None = None
) -> Path:
    """exports/<project>-<kind>[-<by>].<fmt> under the current folder (created if missing)."""
    folder = folder or Path.cwd() / DEFAULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{project_path.stem}-{'report' if kind == 'all' else kind}"
    if by:
        stem += "-" + re.sub(r"[^\w.-]+", "_", by)
    return folder / f"{stem}.{fmt}"


def run_report(
    project: Project | str | Path,
    kind: str,
    fmt: str,
    output: Path | None = None,
    *,
    by: str | None = None,
    filters: Filters | None = None,
    settings: ReportSettings | None = None,
    write_json: bool = False,
) -> ReportResult:
    """Compute `kind` (a report name, or 'all' for the full report) and write it as `fmt` to `output`
    (default: exports/ in the current folder). JSON is returned in `data`, and written only if `output`
    is given or `write_json` is set. Opens its own connection when given a path, so it can run in a worker."""
    check_request(kind, fmt, by)
    if not isinstance(project, Project):
        with Project.open(project) as opened:
            return run_report(
                opened, kind, fmt, output, by=by, filters=filters, settings=settings, write_json=write_json
            )
    if kind == "all":
        doc = build_full_report(project, filters, settings, spreadsheet=fmt == "xlsx")
        data = None
        payload = render(doc, fmt)
    else:
        built = build_report(project, kind, by, filters, settings, flat=fmt in ("xlsx", "csv"))
        doc, data = built.doc, built.data
        if fmt == "json":
            if output is None and not write_json:
                return ReportResult(kind, fmt, None, doc.provenance, data)
            payload = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        else:
            payload = render(doc, fmt)
    path = output or default_output(project.path, kind, fmt, by)
    write_bytes_atomic(path, payload)
    return ReportResult(kind, fmt, path, doc.provenance, data)


__all__ = [
    "KINDS",
    "FORMATS",
    "FULL_REPORT_FORMATS",
    "Filters",
    "ReportSettings",
    "ReportResult",
    "run_report",
    "check_request",
    "default_output",
]
