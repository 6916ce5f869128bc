"""The contribution argument's files: claims CSV, outcome map YAML, recommendations CSV or YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qualcode.app.actions import read_csv_dicts
from qualcode.errors import InputError
from qualcode.ingest.common import decode_text, read_file_bytes
from qualcode.store.claims import import_claims
from qualcode.store.outcomes import import_outcome_map, import_recommendations, outcome_map
from qualcode.store.project import Project

MAX_BYTES = 20 * 1024 * 1024


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(decode_text(read_file_bytes(path, MAX_BYTES), path.name))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InputError(f"{path.name}: not valid YAML{where}") from None


def _named(path: Path, run: Any) -> Any:
    try:
        return run()
    except InputError as exc:
        raise InputError(f"{path.name}: {exc}") from None


def import_claims_file(project: Project, path: Path, delimiter: str | None = None) -> dict[str, int]:
    rows = read_csv_dicts(path, MAX_BYTES, delimiter)
    return _named(path, lambda: import_claims(project, rows))


def import_outcomes_file(project: Project, path: Path) -> dict[str, int]:
    data = _yaml(path)
    return _named(path, lambda: import_outcome_map(project, data, path.name))


def outcome_map_yaml(project: Project) -> str:
    return yaml.safe_dump(outcome_map(project), sort_keys=False, allow_unicode=True, width=100)


def import_recommendations_file(project: Project, path: Path, delimiter: str | None = None) -> dict[str, int]:
    """A CSV (key, text, priority, owner, links) or a YAML list of the same fields."""
    if path.suffix.lower() in (".yaml", ".yml"):
        data = _yaml(path)
        if isinstance(data, dict):
            data = data.get("recommendations")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(
                f"{path.name}: expected a list of recommendations (key, text, priority, owner, links)"
            )
        rows: list[dict[str, Any]] = data
    else:
        rows = list(read_csv_dicts(path, MAX_BYTES, delimiter))
    return _named(path, lambda: import_recommendations(project, rows))
