"""Per-user settings remembered between sessions (the coder's name), in the user config folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def config_path() -> Path:
    override = os.environ.get("QUALCODE_CONFIG")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("qualcode", appauthor=False)) / "settings.json"


def load_settings() -> dict[str, Any]:
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: Any) -> None:
    from qualcode.export.files import write_text_atomic

    settings = load_settings()
    settings[key] = value
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(settings, indent=2))


def remembered_coder() -> str | None:
    name = load_settings().get("coder")
    return name.strip() if isinstance(name, str) and name.strip() else None
