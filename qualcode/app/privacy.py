"""Pseudonymisation as one call for the CLI: read the register, find names, change the project or write a
share copy, and write the key (real name <-> pseudonym) to a file of the user's choosing, never the project."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.pseudonyms import RegisterEntry, parse_register
from qualcode.errors import InputError
from qualcode.store.project import Project

if TYPE_CHECKING:
    from qualcode.store.pseudonymise import KeyWriter


def read_register(path: Path) -> tuple[list[RegisterEntry], list[str]]:
    from qualcode.app.actions import read_csv_dicts

    rows = read_csv_dicts(path, 10 * 1024 * 1024)
    return parse_register(rows, path.name)


def _check_key_path(
    key_out: Path | None, project: Project, output: Path | None, entries: list[RegisterEntry]
) -> None:
    if key_out is None:
        generated = [e for e in entries if e.generated]
        if generated:
            raise InputError(
                f"the register gives no pseudonym for {len(generated)} name(s); add --key-out FILE so "
                "the key is kept (or fill the pseudonym column)"
            )
        return
    from qualcode.store.backup import backup_root

    if not key_out.resolve().parent.is_dir():
        raise InputError(f"{key_out.parent}: folder does not exist")
    resolved = key_out.resolve()
    for other in (project.path, output):
        if other is not None and resolved == Path(other).resolve():
            raise InputError(f"{key_out}: the key must be a separate file, not the project or its copy")
    if resolved.is_relative_to(backup_root().resolve()):
        raise InputError(f"{key_out}: the key must not be written among the backups")


def key_csv(entries: list[RegisterEntry], counts: dict[str, int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "pseudonym", "kind", "variants", "replacements"])
    for e in entries:
        writer.writerow(
            [
                e.name,
                e.pseudonym,
                e.kind,
                "|".join(v for v in e.variants if v != e.name),
                counts.get(e.pseudonym, 0),
            ]
        )
    return out.getvalue().encode("utf-8")


def pseudonymise(
    project: Project,
    register: Path,
    *,
    review: bool = False,
    output: Path | None = None,
    strip_memos: bool = False,
    key_out: Path | None = None,
) -> dict[str, Any]:
    """In place, or into `output` (a share copy); `review` lists every replacement and changes nothing."""
    from qualcode.nlp.pseudonymise import NameFinder  # deferred: spaCy loads only for this command
    from qualcode.store.pseudonymise import pseudonymise_in_place, share_copy

    entries, warnings = read_register(register)
    if strip_memos and output is None:
        raise InputError("--strip-memos applies to a share copy (give -o/--copy-to)")
    if not review:
        _check_key_path(key_out, project, output, entries)
    finder = NameFinder(entries)
    with _staged_key(key_out if not review else None, entries) as key_writer:
        if review or output is None:
            result = pseudonymise_in_place(project, finder.find, review=review, key_writer=key_writer)
        else:
            result = share_copy(project, output, finder.find, strip_memos=strip_memos, key_writer=key_writer)
    if key_writer is not None and key_out is not None:
        result["key"] = str(key_out.resolve())
    return {**result, "warnings": warnings, "names": len(entries)}


@contextlib.contextmanager
def _staged_key(key_out: Path | None, entries: list[RegisterEntry]) -> Iterator[KeyWriter | None]:
    """The key is written in full to a private temporary file inside the project's write transaction (so a failed
    key write changes nothing) and renamed into place once the change is committed (so a change that is not
    saved, e.g. a busy project, leaves no key behind)."""
    if key_out is None:
        yield None
        return
    staged: list[Path] = []

    def write(detail: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{key_out.name}.", suffix=".tmp", dir=key_out.resolve().parent)
        staged.append(Path(tmp))
        with os.fdopen(fd, "wb") as fh:
            fh.write(key_csv(entries, detail["by_pseudonym"]))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)

    try:
        yield write
        if staged:
            os.replace(staged[-1], key_out)
    finally:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
