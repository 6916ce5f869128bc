"""Build the demo study (a fictional Practice Development Unit evaluation) from transcripts/demo.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qualcode.app.actions import import_codebook_file, import_codings_file, project_for_import
from qualcode.app.argument import import_claims_file, import_outcomes_file, import_recommendations_file
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest import ImportOptions, read_document
from qualcode.store.claims import judge
from qualcode.store.documents import add_documents
from qualcode.store.project import Project


def data_dir() -> Path:
    """Where the shipped codebooks/ and transcripts/ are: the package's own data folder."""
    root = Path(__file__).resolve().parent.parent / "data"
    if not (root / "transcripts" / "demo.yaml").is_file():
        raise QualcodeError("the demo study's files are missing from this installation")
    return root


def default_demo_path() -> Path:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("qualcode", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "demo.qcdb"


def _options(entry: dict[str, Any], base: Path) -> ImportOptions:
    options = ImportOptions(
        source_type=entry.get("source_type"),
        name=entry.get("name"),
        case=entry.get("case"),
        case_prefix=entry.get("case_prefix"),
        attributes={str(k): str(v) for k, v in (entry.get("attributes") or {}).items()},
        speakers={
            str(s): {str(k): str(v) for k, v in (a or {}).items()}
            for s, a in (entry.get("speakers") or {}).items()
        },
        id_column=entry.get("id_column"),
        text_columns=list(entry.get("text_columns") or []),
        participants=entry.get("participants"),
    )
    if entry.get("spec"):
        from qualcode.ingest.survey_spec import load_spec

        options.spec = load_spec(base / entry["spec"])
    return options


def _argument(project: Project, manifest: dict[str, Any], base: Path) -> None:
    """The rest of the contribution argument: evidence links, rivals, recommendations, HLS judgements."""
    if manifest.get("rivals"):
        import_outcomes_file(project, base / manifest["rivals"])
    if manifest.get("evidence"):
        import_codings_file(project, base / manifest["evidence"], backup=False, update=True)
    if manifest.get("recommendations"):
        import_recommendations_file(project, base / manifest["recommendations"])
    for entry in manifest.get("judgements") or []:
        judge(project, entry["target"], entry["rating"], entry["rationale"], entry.get("confidence"))


def build_demo(path: Path, coder: str = "amira", manifest_path: Path | None = None) -> dict[str, Any]:
    """Create the demo project at `path` (which must not exist); returns counts for a summary. Another study in
    the same manifest format (e.g. benchmarks/data/realistic/study.yaml) can be built from `manifest_path`."""
    manifest_path = manifest_path or data_dir() / "transcripts" / "demo.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    base = manifest_path.parent
    if path.exists():
        raise InputError(f"{path}: already exists")
    # A project made by project_for_import is removed again if anything below fails.
    with project_for_import(path, coder, create=True, name=manifest.get("study") or "Demo study") as project:
        try:
            import_codebook_file(project, (base / manifest["codebook"]).resolve())
            docs = []
            for entry in manifest["documents"]:
                docs.extend(read_document(base / entry["file"], _options(entry, base)))
            add_documents(project, docs)
            if manifest.get("outcomes"):
                import_outcomes_file(project, base / manifest["outcomes"])
            if manifest.get("claims"):
                import_claims_file(project, base / manifest["claims"])
            codings = (
                import_codings_file(project, base / manifest["codings"], backup=False)
                if manifest.get("codings")
                else {}
            )
            _argument(project, manifest, base)
        except (KeyError, TypeError) as exc:
            raise InputError(f"{manifest_path}: malformed demo manifest ({exc})") from None
    return {"project": str(path), "documents": len(docs), "codings": codings.get("added", 0)}
