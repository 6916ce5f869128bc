"""Cold-start scoring from the codebook alone: lemma phrase matches, fuzzy near misses, TF-IDF similarity."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from qualcode.core.models import Code, Codebook
from qualcode.nlp.pipeline import build_nlp, content_lemmas, known_word_test, lemmatise

# Weights of the cold-start score's parts (each part lies in [0, 1]); chosen by reasoning, not fitted.
W_TERMS, W_DESCRIPTION, W_EXAMPLE, W_EXCLUDE = 0.55, 0.25, 0.20, 0.35
FUZZY_CUTOFF = 85  # rapidfuzz ratio: "signpostng" vs "signpost" scores 89
FUZZY_MIN_LENGTH = 5  # shorter words have too many near neighbours to trust a fuzzy match
FUZZY_WEIGHT = 0.7  # a near miss counts a little less than an exact match
LABEL_WORD_WEIGHT = 0.5  # a single content word of a code's label, e.g. "confidence"
_CODE_KEY_RE = re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b")  # "practice.knowledge" in exclude text names another code


def code_description(code: Code) -> str:
    """Everything the codebook says a code is, as one text."""
    return " ".join([code.label, code.definition, code.include, " ".join(code.keywords), *code.examples,
                     *code.atypical_examples])


def identity(tokens: list[str]) -> list[str]:
    return tokens


def make_vectorizer(ngram_range: tuple[int, int] = (1, 1)) -> TfidfVectorizer:
    """TF-IDF over pre-lemmatised token lists (lemmatisation happens once, in the spaCy pipeline)."""
    return TfidfVectorizer(tokenizer=identity, preprocessor=identity, token_pattern=None, lowercase=False,
                           ngram_range=ngram_range, sublinear_tf=True, dtype=np.float32)


@dataclass(slots=True)
class Match:
    """One codebook term found in a segment; `seen` is the segment's word when it was a near miss."""

    term: str
    weight: float
    seen: str | None = None


@dataclass(slots=True)
class ColdScores:
    """Cold-start scores for a batch: `total` (n x codes) and the parts that explain them."""

    total: np.ndarray
    terms: np.ndarray
    description: np.ndarray
    example: np.ndarray
    exclude: np.ndarray
    matches: list[dict[int, list[Match]]] = field(default_factory=list)


class CodebookIndex:
    """Scores segments against each leaf code's description, before (and alongside) any learning."""

    def __init__(self, codebook: Codebook, background: Sequence[Sequence[str]] = ()) -> None:
        """`background`: lemmatised segment texts (no labels) that give the TF-IDF weights a realistic base."""
        self.nlp = build_nlp()
        parents = {c.parent for c in codebook.codes if c.parent}
        self.codes: list[Code] = [c for c in codebook.codes if c.key not in parents]
        self.keys: list[str] = [c.key for c in self.codes]
        self._known = known_word_test(self.nlp)
        self._fuzzy_cache: dict[str, str | None] = {}
        self._build_similarity(background)
        self._build_matcher()

    # -- phrase matching ---------------------------------------------------------------------------------
    def _build_matcher(self) -> None:
        vocab = self.nlp.vocab
        self.matcher = PhraseMatcher(vocab, attr="ORTH")
        owners: dict[tuple[str, ...], dict[int, float]] = {}
        for j, code in enumerate(self.codes):
            terms = set()
            for kw in code.keywords:
                terms.add(kw)
                if "-" in kw:  # "co-production" is also written "coproduction" and "co production"
                    terms.add(kw.replace("-", ""))
            for words in lemmatise(sorted(terms)):
                if content_lemmas(words):  # a keyword of stop words alone would match everywhere
                    owners.setdefault(tuple(words), {})[j] = 1.0
            label_words = content_lemmas(lemmatise([code.label])[0])
            for w in label_words:
                owners.setdefault((w,), {}).setdefault(j, LABEL_WORD_WEIGHT)
        self._owners: dict[str, dict[int, float]] = {}
        self._term_words: set[str] = set()
        idf = dict(zip(self.vectorizer_.get_feature_names_out(), self.vectorizer_.idf_, strict=True))
        top_idf = float(self.vectorizer_.idf_.max()) if len(idf) else 1.0
        for words, by_code in owners.items():
            name = " ".join(words)
            # A term shared by several codes says less about each of them, and so does a word common in the
            # project's text ("people", "work"): weigh by 1/owners and by the words' inverse document frequency.
            content = content_lemmas(words)
            rarity = max(idf.get(w, top_idf) for w in content) / top_idf if content else 0.0
            share = rarity / len(by_code)
            self._owners[name] = {j: w * share for j, w in by_code.items()}
            self.matcher.add(name, [Doc(vocab, words=list(words))])
            self._term_words.update(w for w in words if len(w) >= FUZZY_MIN_LENGTH - 1)
        self._term_word_list = sorted(self._term_words)

    def _correct(self, word: str) -> str | None:
        """The codebook word a misspelt segment word most likely means, or None."""
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        best = None
        if len(word) >= FUZZY_MIN_LENGTH and word not in self._term_words and not self._known(word) \
                and word.isalpha():
            hit = process.extractOne(word, self._term_word_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            best = hit[0] if hit else None
        if len(self._fuzzy_cache) > 100_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = best
        return best

    def match(self, lemmas: Sequence[str]) -> dict[int, list[Match]]:
        """Codebook terms found in one segment's lemmas, exact or as near misses, by code index."""
        words = list(lemmas)
        corrected: dict[int, str] = {}
        for i, w in enumerate(words):
            fix = self._correct(w)
            if fix is not None:
                corrected[i] = w
                words[i] = fix
        if not words:
            return {}
        doc = Doc(self.nlp.vocab, words=words)
        found: dict[int, dict[str, Match]] = {}
        strings = self.nlp.vocab.strings
        for match_id, start, end in self.matcher(doc):
            name = strings[match_id]
            seen = [corrected[i] for i in range(start, end) if i in corrected]
            for j, weight in self._owners[name].items():
                m = Match(name, weight * (FUZZY_WEIGHT if seen else 1.0), " ".join(seen) or None)
                prev = found.setdefault(j, {}).get(name)
                if prev is None or prev.weight < m.weight:
                    found[j][name] = m
        return {j: list(ms.values()) for j, ms in found.items()}

    # -- TF-IDF similarity ---------------------------------------------------------------------------------
    def _build_similarity(self, background: Sequence[Sequence[str]]) -> None:
        descriptions = lemmatise([code_description(c) for c in self.codes])
        excludes = lemmatise([_CODE_KEY_RE.sub(" ", c.exclude) for c in self.codes])
        examples: list[str] = []
        self._example_owner: list[int] = []
        for j, code in enumerate(self.codes):
            for ex in [*code.examples, *code.atypical_examples]:
                examples.append(ex)
                self._example_owner.append(j)
        example_lemmas = lemmatise(examples)
        self.vectorizer_ = make_vectorizer()
        corpus = [content_lemmas(d) for d in [*descriptions, *excludes, *background]]
        self.vectorizer_.fit(corpus)
        self._desc = self.vectorizer_.transform([content_lemmas(d) for d in descriptions]).T.tocsr()
        self._excl = self.vectorizer_.transform([content_lemmas(d) for d in excludes]).T.tocsr()
        n_features = len(self.vectorizer_.vocabulary_)
        self._examples = (self.vectorizer_.transform([content_lemmas(d) for d in example_lemmas]).T.tocsr()
                          if examples else sp.csr_matrix((n_features, 0), dtype=np.float32))
        self._owner = np.asarray(self._example_owner, dtype=np.int64)

    def score(self, lemma_seqs: Sequence[Sequence[str]]) -> ColdScores:
        """Cold-start scores in [0, 1] for a batch of lemmatised segments."""
        n, k = len(lemma_seqs), len(self.codes)
        terms = np.zeros((n, k), dtype=np.float32)
        matches = []
        for i, lemmas in enumerate(lemma_seqs):
            found = self.match(lemmas)
            matches.append(found)
            for j, ms in found.items():
                terms[i, j] = 1.0 - math.exp(-sum(m.weight for m in ms))
        X = self.vectorizer_.transform([content_lemmas(s) for s in lemma_seqs])
        description = np.asarray((X @ self._desc).todense(), dtype=np.float32)
        exclude = np.asarray((X @ self._excl).todense(), dtype=np.float32)
        example = np.zeros((n, k), dtype=np.float32)
        if self._examples.shape[1]:
            per_example = np.asarray((X @ self._examples).todense(), dtype=np.float32)
            np.maximum.at(example.T, self._owner, per_example.T)
        # Cosine values between a short segment and a long description are small: stretch them towards [0, 1].
        total = (W_TERMS * terms + W_DESCRIPTION * np.minimum(1.0, 2.5 * description)
                 + W_EXAMPLE * np.minimum(1.0, 2.0 * example) - W_EXCLUDE * np.minimum(1.0, 2.5 * exclude))
        return ColdScores(np.clip(total, 0.0, 1.0), terms, description, example, exclude, matches)
