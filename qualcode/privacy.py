"""Pseudonymisation as one call for the CLI: read the register, find names, change the project or write a
share copy, and write the key (real name <-> pseudonym) to a file of the user's choosing, never the project."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from qualcode.core.pseudonyms import RegisterEntry, parse_register
from qualcode.errors import InputError
from qualcode.store.project import Project


def read_register(path: Path) -> tuple[list[RegisterEntry], list[str]]:
    from qualcode.actions import read_csv_dicts

    rows = read_csv_dicts(path, 10 * 1024 * 1024)
    return parse_register(rows, path.name)


def _check_key_path(key_out: Path | None, project: Project, output: Path | None, entries: list[RegisterEntry]) -> None:
    if key_out is None:
        generated = [e for e in entries if e.generated]
        if generated:
            raise InputError(f"the register gives no pseudonym for {len(generated)} name(s); add --key-out FILE so "
                             "the key is kept (or fill the pseudonym column)")
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
        writer.writerow([e.name, e.pseudonym, e.kind, "|".join(v for v in e.variants if v != e.name),
                         counts.get(e.pseudonym, 0)])
    return out.getvalue().encode("utf-8")


def pseudonymise(project: Project, register: Path, *, review: bool = False, output: Path | None = None,
                 strip_memos: bool = False, key_out: Path | None = None) -> dict[str, Any]:
    """In place, or into `output` (a share copy); `review` lists every replacement and changes nothing."""
    from qualcode.export.files import write_bytes_atomic
    from qualcode.nlp.pseudonymise import NameFinder  # deferred: spaCy loads only for this command
    from qualcode.store.pseudonymise import pseudonymise_in_place, share_copy

    entries, warnings = read_register(register)
    if strip_memos and output is None:
        raise InputError("--strip-memos applies to a share copy (give -o/--copy-to)")
    if not review:
        _check_key_path(key_out, project, output, entries)
    finder = NameFinder(entries)
    key_writer = None
    if key_out is not None and not review:
        def key_writer(detail: dict[str, Any]) -> None:  # called inside the transaction, before its commit
            write_bytes_atomic(key_out, key_csv(entries, detail["by_pseudonym"]))

    if review or output is None:
        result = pseudonymise_in_place(project, finder.find, review=review, key_writer=key_writer)
    else:
        result = share_copy(project, output, finder.find, strip_memos=strip_memos, key_writer=key_writer)
    if key_writer is not None:
        result["key"] = str(key_out.resolve())
    return {**result, "warnings": warnings, "names": len(entries)}
