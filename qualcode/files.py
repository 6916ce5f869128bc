"""Write output files whole or not at all: a temporary file beside the target, then a rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from qualcode.errors import InputError


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600, encoding: str | None = None) -> Iterator[IO[Any]]:
    """A file to write in pieces (text in `encoding`, else bytes; it can be read back before it is kept) that
    appears at `path` whole, or not at all
    when the block fails: what a large export streams into without holding it in memory."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{folder}: folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w+", encoding=encoding, newline="") if encoding else os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o600) -> Path:
    with atomic_writer(path, mode) as fh:
        fh.write(data)
    return path


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes_atomic(path, text.encode(encoding))
