"""The researcher's vocabulary as dataclasses: documents, segments, cases, codes, codings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

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
    time: str | None = (
        None  # the turn's timestamp as the transcript gives it ("00:01:02"), never part of its text
    )


class SegmentTable(Sequence["ParsedSegment"]):
    """Many segments held column by column (a survey's open answers): it reads as the list of ParsedSegment
    an importer gives, each made only when asked for (the store writes the columns as they are)."""

    __slots__ = ("starts", "ends", "cases", "questions")

    def __init__(self, starts: list[int], ends: list[int], cases: list[str], questions: list[str]) -> None:
        self.starts, self.ends, self.cases, self.questions = starts, ends, cases, questions

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, i: int) -> ParsedSegment: ...

    @overload
    def __getitem__(self, i: slice) -> list[ParsedSegment]: ...

    def __getitem__(self, i: int | slice) -> ParsedSegment | list[ParsedSegment]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return ParsedSegment(self.starts[i], self.ends[i], case=self.cases[i], question=self.questions[i])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SegmentTable | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # (a list is not hashable either)


class CaseTable(Mapping[str, dict[str, str]]):
    """Many cases' attributes held column by column (a survey's respondents, one case per row): it reads as
    the case name -> attributes mapping an importer gives, without a dict per case (the store writes it
    column by column). `names` are distinct; `columns` maps an attribute to one value per name, "" for none;
    `common` attributes (given on the command line) go to every case, a non-blank column value winning."""

    __slots__ = ("names", "columns", "common", "_index")

    def __init__(
        self, names: list[str], columns: dict[str, list[str]], common: dict[str, str] | None = None
    ) -> None:
        self.names = names
        self.columns = columns
        self.common = dict(common or {})
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __getitem__(self, name: str) -> dict[str, str]:
        if self._index is None:
            self._index = {n: i for i, n in enumerate(self.names)}
        i = self._index[name]
        attributes = dict(self.common)
        attributes.update((a, values[i]) for a, values in self.columns.items() if values[i])
        return attributes


@dataclass(slots=True)
class ParsedDocument:
    """What an importer returns: the normalised text, its segments, and the cases it names."""

    name: str
    source_type: str
    text: str
    segments: list[ParsedSegment] | SegmentTable
    original_name: str
    sha256: str
    # case name -> attributes (only the attributes this file provides); a survey gives a CaseTable
    cases: dict[str, dict[str, str]] | CaseTable = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    survey: Any = None  # a core.survey.SurveyData: the closed questions and every respondent of a survey
    participants: int | None = None  # people in the session when given (--participants)
    # speaker (as stored on segments) -> "researcher" | "participant"; empty when the text has no speakers
    roles: dict[str, str] = field(default_factory=dict)
    legend: dict[str, str] = field(default_factory=dict)  # speaker legend at the top: code -> name


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

    def walk(self) -> list[tuple[Code, int]]:
        """The one tree walk: every code depth-first with its depth (0 = top level), parents before children,
        siblings in their order. Codes whose parent is not in this codebook (it exists elsewhere, e.g. in the
        project a file is imported into) follow at depth 1, grouped under that parent's key."""
        kids: dict[str | None, list[Code]] = {}
        for code in self.codes:
            kids.setdefault(code.parent, []).append(code)
        out: list[tuple[Code, int]] = []
        seen: set[int] = set()

        def visit(parent: str | None, depth: int) -> None:
            stack = [(c, depth) for c in reversed(kids.get(parent, []))]
            while stack:
                code, d = stack.pop()
                if id(code) in seen:  # only a loop of parents (refused by validation) could bring one back
                    continue
                seen.add(id(code))
                out.append((code, d))
                stack.extend((c, d + 1) for c in reversed(kids.get(code.key, [])))

        visit(None, 0)
        for parent in list(kids):
            if parent is not None and parent not in {c.key for c, _ in out}:
                visit(parent, 1)
        return out

    def subtrees(self) -> dict[str, set[str]]:
        """code key -> that code and every code below it (children come after parents in the walk, so going
        backwards every child's subtree is complete before it is added to its parent's)."""
        out: dict[str, set[str]] = {}
        for code, _ in reversed(self.walk()):
            out.setdefault(code.key, set()).add(code.key)
            if code.parent is not None:
                out.setdefault(code.parent, set()).update(out[code.key])
        return {c.key: out[c.key] for c in self.codes}
