"""The researcher's vocabulary as dataclasses: documents, segments, cases, codes, codings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SOURCE_TYPES: tuple[str, ...] = (
    "interview",
    "focus-group",
    "survey",
    "steering-group",
    "workshop",
    "document",
)

# Contribution analysis categories (Mayne): a field on a coding, not a code.
CONTRIBUTION_CATEGORIES: dict[str, str] = {
    "sufficient": "happened solely because of the programme",
    "necessary": "necessary but not sufficient: partnership with others",
    "improved": "neither necessary nor sufficient, but happened sooner or better",
    "none": "no contribution, or a rival explanation",
}

# Role attribution for quotes: reports never name participants.
SOURCE_TYPE_ROLES: dict[str, str] = {
    "interview": "Interviewee",
    "focus-group": "Focus group participant",
    "survey": "Survey respondent",
    "steering-group": "Steering group member",
    "workshop": "Workshop participant",
    "document": "Document",
}


@dataclass(slots=True)
class ParsedSegment:
    """A segment found by an importer, before it has an id: offsets are code points into the document text."""

    start: int
    end: int
    speaker: str | None = None
    case: str | None = None
    question: str | None = None


@dataclass(slots=True)
class ParsedDocument:
    """What an importer returns: the normalised text, its segments, and the cases it names."""

    name: str
    source_type: str
    text: str
    segments: list[ParsedSegment]
    original_name: str
    sha256: str
    # case name -> attributes (only the attributes this file provides)
    cases: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    survey: Any = None  # a core.survey.SurveyData: the closed questions and every respondent of a survey
    participants: int | None = None  # people in the session when given (--participants)


@dataclass(slots=True)
class Code:
    """One code of a codebook; `parent` is the parent's key or None for a top-level code."""

    key: str
    label: str
    parent: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    atypical_examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    colour: str = ""


@dataclass(slots=True)
class Codebook:
    """An ordered codebook: parents come before their children."""

    codes: list[Code]
    name: str = ""
    description: str = ""
    version: int = 1

    def by_key(self) -> dict[str, Code]:
        return {c.key: c for c in self.codes}

    def children(self, key: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent == key]
