"""User settings (the saved coder name) and the one rule for who the coder is; stdlib only, any layer may use it."""

from __future__ import annotations

import getpass
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
    from qualcode.files import write_text_atomic

    settings = load_settings()
    settings[key] = value
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(settings, indent=2))


def remembered_coder() -> str | None:
    name = load_settings().get("coder")
    return name.strip() if isinstance(name, str) and name.strip() else None


CODER_SOURCES = ("flag", "env", "config", "login")


def coder_and_source(flag: str | None = None, use_config: bool = True) -> tuple[str, str]:
    """Who is coding, and where the name came from, for the CLI and the workbench alike: the `--coder` flag,
    else `$QUALCODE_CODER`, else the name saved in the user config (`settings.json`, which the workbench writes
    when it first asks), else the login name ("coder" if there is none)."""
    if flag and flag.strip():
        return flag.strip(), "flag"
    env = os.environ.get("QUALCODE_CODER", "").strip()
    if env:
        return env, "env"
    saved = remembered_coder() if use_config else None
    if saved:
        return saved, "config"
    try:
        login = (getpass.getuser() or "").strip()
    except (KeyError, OSError):
        login = ""
    return login or "coder", "login"


def resolve_coder(flag: str | None = None) -> str:
    """The coder's name by the order in `coder_and_source`."""
    return coder_and_source(flag)[0]
