"""Pseudonymisation without I/O: the register of real names and their pseudonyms, and replacing found names in
a text while mapping every offset (segments, codings) from the old text to the new one."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from qualcode.errors import InputError

KINDS = ("person", "staff", "organisation", "place")
_PREFIX = {"person": "P", "staff": "Staff", "organisation": "Org", "place": "Place"}
TITLES = ("Dr", "Dr.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", "Prof", "Prof.")
# Name parts shorter than this are not used on their own (e.g. "Al" of "Al Smith" would hit too much).
MIN_PART = 3


@dataclass(slots=True)
class RegisterEntry:
    """One real name: its pseudonym, kind, and every written form to look for (the name itself first)."""

    name: str
    pseudonym: str
    kind: str
    variants: list[str] = field(default_factory=list)
    generated: bool = False  # the pseudonym was made up here, so only the key file records it


@dataclass(slots=True)
class Replacement:
    """A name found in a text: [start, end) of the original, what replaces it, and how it was found."""

    start: int
    end: int
    original: str
    pseudonym: str
    how: str  # "exact", "case" (another letter case) or "fuzzy" (a misspelling)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def parse_register(
    rows: list[dict[str, str]], source: str = "register"
) -> tuple[list[RegisterEntry], list[str]]:
    """Entries from rows with `name`, optional `pseudonym`, `kind` (person, staff, organisation, place; default
    person) and `variants` (separated by |). Returns (entries, warnings). A person's or staff member's first and
    last names and "Dr/Mr/Ms Surname" are added as variants, unless two entries share them (then only the
    variants written in the register count)."""
    if not rows:
        raise InputError(f"{source}: no names in the register")
    if "name" not in rows[0]:
        raise InputError(
            f"{source}: the register needs a 'name' column (and optionally pseudonym, kind, variants)"
        )
    problems: list[str] = []
    entries: list[RegisterEntry] = []
    counters = dict.fromkeys(KINDS, 0)
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        name = " ".join((row.get("name") or "").split())
        if not name:
            problems.append(f"row {n}: empty name")
            continue
        kind = (row.get("kind") or "person").strip().lower() or "person"
        if kind == "organization":
            kind = "organisation"
        if kind not in KINDS:
            problems.append(f"row {n}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
            continue
        if name.lower() in seen:
            problems.append(f"row {n}: {name!r} is already on row {seen[name.lower()]}")
            continue
        seen[name.lower()] = n
        counters[kind] += 1
        pseudonym = " ".join((row.get("pseudonym") or "").split())
        generated = not pseudonym
        if generated:
            pseudonym = f"[{_PREFIX[kind]}{counters[kind]}]"
        variants = [name, *(" ".join(v.split()) for v in _split(row.get("variants") or ""))]
        entries.append(RegisterEntry(name, pseudonym, kind, list(dict.fromkeys(variants)), generated))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InputError(f"{source}: " + "; ".join(problems[:3]) + more)
    _check_variants(entries, source)
    return entries, _add_name_parts(entries)


def _check_variants(entries: list[RegisterEntry], source: str) -> None:
    owner: dict[str, str] = {}
    for entry in entries:
        for variant in entry.variants:
            other = owner.setdefault(variant.lower(), entry.name)
            if other != entry.name:
                raise InputError(f"{source}: {variant!r} is listed for both {other!r} and {entry.name!r}")


def _name_forms(entry: RegisterEntry) -> list[str]:
    """First name, surname, and the surname or full name after a title, for a person with two or more names."""
    parts = [p for p in entry.name.split() if p not in TITLES]
    if entry.kind not in ("person", "staff") or len(parts) < 2:
        return []
    forms = [p for p in (parts[0], parts[-1]) if len(p) >= MIN_PART]
    return forms + [f"{t} {parts[-1]}" for t in TITLES] + [f"{t} {' '.join(parts)}" for t in TITLES]


def _add_name_parts(entries: list[RegisterEntry]) -> list[str]:
    """Add name forms to people where no other entry could be meant; warn about the ambiguous ones."""
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for form in _name_forms(entry):
            owners.setdefault(form.lower(), set()).add(entry.name)
    explicit = {v.lower() for e in entries for v in e.variants}
    warnings = []
    for entry in entries:
        for form in _name_forms(entry):
            who = owners[form.lower()]
            if form.lower() in explicit:
                continue
            if len(who) == 1:
                entry.variants.append(form)
            elif entry.name == min(who) and form not in TITLES and " " not in form:
                warnings.append(
                    f"{form!r} could be {' or '.join(sorted(who))}: it is not replaced on its own;"
                    " add it as a variant of the one it means"
                )
    return warnings


class OffsetMap:
    """Where an offset of the old text lands in the new one. A start inside a replaced name moves to the start
    of its pseudonym and an end inside it to the end, so a span that covered a name covers its pseudonym."""

    def __init__(self, replacements: list[Replacement]) -> None:
        self._starts = [r.start for r in replacements]
        self._reps = replacements
        shift, self._shift_before = 0, []
        for r in replacements:
            self._shift_before.append(shift)
            shift += len(r.pseudonym) - (r.end - r.start)

    def _locate(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos) - 1

    def start(self, pos: int) -> int:
        i = self._locate(pos)
        if i < 0:
            return pos
        r, shift = self._reps[i], self._shift_before[i]
        if pos < r.end:  # at or inside the replaced name
            return r.start + shift
        return pos + shift + len(r.pseudonym) - (r.end - r.start)

    def end(self, pos: int) -> int:
        i = bisect.bisect_left(self._starts, pos) - 1  # an end at a name's start stays before it
        if i < 0:
            return pos
        r, shift = self._reps[i], self._shift_before[i]
        if pos < r.end:
            return r.start + shift + len(r.pseudonym)
        return pos + shift + len(r.pseudonym) - (r.end - r.start)


def apply_replacements(text: str, replacements: list[Replacement]) -> tuple[str, OffsetMap]:
    """The text with every replacement made (they must not overlap), and the map of old offsets to new."""
    reps = sorted(replacements, key=lambda r: r.start)
    parts, pos = [], 0
    for r in reps:
        if r.start < pos:
            raise ValueError("overlapping replacements")
        parts += [text[pos : r.start], r.pseudonym]
        pos = r.end
    parts.append(text[pos:])
    return "".join(parts), OffsetMap(reps)


def replace_all(text: str | None, replacements: list[Replacement]) -> str | None:
    if text is None or not replacements:
        return text
    return apply_replacements(text, replacements)[0]


def context(text: str, rep: Replacement, width: int = 30) -> str:
    """A one-line snippet around a found name, the name in «»."""
    before = re.sub(r"\s+", " ", text[max(0, rep.start - width) : rep.start])
    after = re.sub(r"\s+", " ", text[rep.end : rep.end + width])
    return f"…{before}«{rep.original}»{after}…"
