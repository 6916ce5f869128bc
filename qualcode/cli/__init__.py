"""The command line: thin click commands by area over the use cases in qualcode.app (see main.py)."""

from __future__ import annotations

from qualcode.cli.main import cli, main

__all__ = ["cli", "main"]
