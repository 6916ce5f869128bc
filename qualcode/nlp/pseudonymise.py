"""Find the register's names in text: spaCy PhraseMatcher for every written form (possessives fall out of the
tokenizer: "Marisol's" is "Marisol" + "'s"), rapidfuzz for misspellings of distinctive names."""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from qualcode.core.pseudonyms import RegisterEntry, Replacement
from qualcode.nlp.pipeline import build_nlp, known_word_test

# A misspelling is a word within this many edits (Damerau-Levenshtein: a swap of two letters is one edit) of a
# registered name: one edit for names of 4-7 letters, two from 8. Shorter names, and words that are English
# words, are never matched fuzzily: "Jas" is one letter from "Jam" and "Was".
FUZZY_MIN_LENGTH = 4
FUZZY_LONG = 8


def max_edits(length: int) -> int:
    if length < FUZZY_MIN_LENGTH:
        return 0
    return 2 if length >= FUZZY_LONG else 1


class NameFinder:
    """Finds every form of every registered name in a text. Built once per register; `find` is thread-safe
    for reading but builds docs with the shared pipeline, so use one finder per thread."""

    def __init__(self, entries: list[RegisterEntry], nlp: Language | None = None) -> None:
        self.nlp = nlp or build_nlp()
        self.entries = entries
        is_word = known_word_test(self.nlp)
        self._exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._any_case = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._fuzzy: dict[str, int] = {}
        for i, entry in enumerate(entries):
            key = str(i)
            forms = list(dict.fromkeys([*entry.variants, *(v.upper() for v in entry.variants)]))
            self._exact.add(key, [self.nlp.make_doc(v) for v in forms])
            # Any letter case ("marisol", "MARISOL") only for forms with no English word in them: "harbour" and
            # "dev" are words in lower case, "Harbour" and "Dev" are names.
            distinctive = [
                v
                for v in entry.variants
                if all(
                    not is_word(t.lower_) and len(t) >= FUZZY_MIN_LENGTH
                    for t in self.nlp.make_doc(v)
                    if t.is_alpha
                )
            ]
            if distinctive:
                self._any_case.add(key, [self.nlp.make_doc(v) for v in distinctive])
            for variant in entry.variants:
                if (
                    " " not in variant
                    and variant.isalpha()
                    and max_edits(len(variant))
                    and not is_word(variant.lower())
                ):
                    self._fuzzy.setdefault(variant, i)
        self._is_word = is_word

    def find(self, text: str | None) -> list[Replacement]:
        """Non-overlapping names found in `text`, in order; the longest form wins where forms overlap."""
        if not text or not self.entries:
            return []
        doc = self.nlp.make_doc(text)
        found = {}
        for matcher, how in ((self._any_case, "case"), (self._exact, "exact")):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                span.label_ = f"{how}:{self.nlp.vocab.strings[match_id]}"
                found[(start, end)] = span  # exact overrides any-case for the same tokens
        spans = filter_spans(list(found.values()))
        taken = {i for span in spans for i in range(span.start, span.end)}
        reps = []
        for span in spans:
            how, index = span.label_.split(":")
            entry = self.entries[int(index)]
            if how == "case" and span.text in entry.variants:
                how = "exact"
            reps.append(Replacement(span.start_char, span.end_char, span.text, entry.pseudonym, how))
        for token in doc:
            if token.i in taken:
                continue
            fuzzy_index = self._fuzzy_match(token.text)
            if fuzzy_index is not None:
                reps.append(
                    Replacement(
                        token.idx,
                        token.idx + len(token.text),
                        token.text,
                        self.entries[fuzzy_index].pseudonym,
                        "fuzzy",
                    )
                )
        return sorted(reps, key=lambda r: r.start)

    def _fuzzy_match(self, word: str) -> int | None:
        """The one entry this capitalised, non-English word is a misspelling of (None if none, or if two are
        equally close)."""
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha() or not word[0].isupper() or not self._fuzzy:
            return None
        if self._is_word(word.lower()):
            return None
        from rapidfuzz.distance import DamerauLevenshtein

        best: tuple[int, int] | None = None
        tie = False
        for name, index in self._fuzzy.items():
            limit = max_edits(len(name))
            if abs(len(name) - len(word)) > limit:
                continue
            d = DamerauLevenshtein.distance(word, name, score_cutoff=limit)
            if d > limit or d == 0:
                continue
            if best is None or d < best[0]:
                best, tie = (d, index), False
            elif d == best[0] and index != best[1]:
                tie = True
        return None if best is None or tie else best[1]
