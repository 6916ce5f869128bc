"""Report rules an evaluator may change: triangulation and capacity thresholds, quote caps, attribution."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from qualcode.errors import InputError


@dataclass(slots=True)
class ReportSettings:
    """Documented in the README ("Reports"); every field can be set in a YAML file given with --settings."""

    # Triangulation strength of a claim: strong needs both, moderate either, otherwise single-source.
    strong_source_types: int = 3
    strong_cases: int = 5
    moderate_source_types: int = 2
    moderate_cases: int = 3
    # HLS contribution capacity: 'higher' when evidence comes from at least this many source types AND cases.
    hls_higher_source_types: int = 2
    hls_higher_cases: int = 3
    # ... and 'insufficient evidence' when fewer cases than this speak to the condition either way.
    hls_min_cases: int = 2
    # Prevalence is shown as "31% (n=14)" when a source type has at least this many cases, else "5 of 5".
    percent_min_cases: int = 10
    # Caps on quotes shown in tables (the quotes report and --format json list everything).
    quotes_per_theme: int = 2
    quotes_per_claim: int = 3
    quotes_per_cell: int = 2  # contradicting evidence / rival explanations beside a claim
    # The full report's quotes sheet keeps this many per code; `report quotes` lists every one.
    full_report_quotes_per_code: int = 50
    # Case attributes added after the role in a quote's attribution, in this order, when the case has them.
    attribution_attributes: tuple[str, ...] = ("role", "sector")
    # "Who took part" skips attributes with more distinct values than this (ids, free text).
    participants_max_values: int = 25


_INT_FIELDS = {f.name for f in fields(ReportSettings) if f.type == "int"}


def load_settings(path: Path | None) -> ReportSettings:
    """Settings from a YAML mapping of field names to values; unknown names and bad values are errors."""
    settings = ReportSettings()
    if path is None:
        return settings
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read settings ({exc})") from None
    except yaml.YAMLError:
        raise InputError(f"{path}: settings are not valid YAML") from None
    if data is None:
        return settings
    if not isinstance(data, dict):
        raise InputError(f"{path}: settings must be a mapping of names to values")
    for name, value in data.items():
        if name in _INT_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(f"{path}: '{name}' must be a whole number >= 0")
            setattr(settings, name, value)
        elif name == "attribution_attributes":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{path}: 'attribution_attributes' must be a list of attribute names")
            settings.attribution_attributes = tuple(value)
        else:
            known = ", ".join(f.name for f in fields(ReportSettings))
            raise InputError(f"{path}: unknown setting '{name}' (known: {known})")
    return settings
