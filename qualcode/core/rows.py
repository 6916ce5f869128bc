"""Typed shapes of the rows the store hands out: segments, search hits, codings and a removed coding's snapshot."""

from __future__ import annotations

from typing import Any, TypedDict


class SegmentRow(TypedDict):
    """One segment as `segments --json` shows it; offsets are code points into its document's text."""

    id: int
    document: str
    case: str | None
    speaker: str | None
    question: str | None
    source_type: str
    start: int
    end: int
    text: str


class SearchHit(SegmentRow):
    snippet: str
    codes: list[str]


class ClaimLink(TypedDict):
    claim: str
    polarity: str


class CodingRow(TypedDict):
    """One coding as `get_coding` shows it: its span and text, code, coder, contribution, polarity, claim,
    memo, creation time and the claims it is evidence for."""

    id: int
    segment_id: int | None
    document: str
    start: int
    end: int
    text: str
    code: str
    coder: str
    contribution: str | None
    polarity: str
    claim: str | None
    memo: str | None
    created: str
    claims: list[ClaimLink]


class CodingSnapshot(TypedDict):
    """Everything that goes with a removed coding, for `restore_coding` to put back exactly."""

    row: dict[str, Any]
    reviews: list[dict[str, Any]]
    guids: list[dict[str, Any]]
    claim_evidence: list[dict[str, Any]]
    rival_evidence: list[dict[str, Any]]


class RemovedCoding(CodingRow):
    """What `remove_coding` returns: the coding as it was, and the snapshot that brings it back."""

    snapshot: CodingSnapshot
