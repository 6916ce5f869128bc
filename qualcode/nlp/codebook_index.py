"""Cold-start scoring from the codebook alone: word and character TF-IDF similarity, and phrase matches as reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from qualcode.core.models import Code, Codebook
from qualcode.nlp.pipeline import build_nlp, content_lemmas, known_word_test, lemmatise

# The cold score sums two cosines, each z-scored across the codes of one segment, so neither dominates by scale:
# TF-IDF over lemmas (the codebook's words) and TF-IDF over character 3-5-grams (near spellings, word parts).
# Measured on 212 real quotes (issue 16) this beat the earlier hand-weighted mix: recall@3 0.50 vs 0.42.
CHAR_NGRAMS = (3, 5)
W_EXCLUDE = (
    0.5  # z units taken off for a segment worded like a code's exclude text (more cost recall on the demo)
)
Z_FLOOR = 1e-6
FUZZY_CUTOFF = 85  # rapidfuzz ratio: "signpostng" vs "signpost" scores 89
FUZZY_MIN_LENGTH = 5  # shorter words have too many near neighbours to trust a fuzzy match
FUZZY_WEIGHT = 0.7  # a near miss counts a little less than an exact match
LABEL_WORD_WEIGHT = 0.5  # a single content word of a code's label, e.g. "confidence"
_CODE_KEY_RE = re.compile(
    r"\b[\w-]+(?:\.[\w-]+)+\b"
)  # "practice.knowledge" in exclude text names another code


def code_description(code: Code) -> str:
    """Everything the codebook says a code is, as one text."""
    return " ".join(
        [
            code.label,
            code.definition,
            code.include,
            " ".join(code.keywords),
            *code.examples,
            *code.atypical_examples,
        ]
    )


def code_text(code: Code) -> str:
    """What a code says it is: label, definition, include and keywords. The cold score compares a segment with
    this and the code's examples; the warm blend with this alone (the learned model has the examples)."""
    return " ".join([code.label, code.definition, code.include, " ".join(code.keywords)])


def zscore(scores: np.ndarray) -> np.ndarray:
    """Each row standardised across its columns (a segment's scores across the codes)."""
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return ((scores - mean) / np.maximum(std, Z_FLOOR)).astype(np.float32)


def make_char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        lowercase=True,
        sublinear_tf=True,
        dtype=np.float32,
        min_df=1,
    )


def word_char_ngrams(word: str, low: int = CHAR_NGRAMS[0], high: int = CHAR_NGRAMS[1]) -> list[str]:
    """The n-grams scikit-learn's `char_wb` analyzer yields for one lower-case word: padded with a space either
    side, every n from low to high; a padded word no longer than n counted once, whole."""
    w = f" {word} "
    out: list[str] = []
    for n in range(low, high + 1):
        if len(w) <= n:
            out.append(w)
            break
        out += [w[i : i + n] for i in range(len(w) - n + 1)]
    return out


class CharTfidf:
    """`transform` of a fitted character TfidfVectorizer (char_wb, lower-case, sublinear tf, idf, l2 norm) that
    looks each distinct word's n-gram columns up once: segments repeat the same few thousand words, and
    scikit-learn's per-n-gram Python loop was the largest part of scoring a batch. The same matrix as
    `vectorizer.transform` (tests/nlp/test_blend.py compares them)."""

    CACHE_LIMIT = 200_000

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self._columns: dict[str, list[int]] = {}

    def _word_columns(self, word: str) -> list[int]:
        vocabulary = self.vectorizer.vocabulary_
        return [j for g in word_char_ngrams(word) if (j := vocabulary.get(g)) is not None]

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        cache = self._columns
        if len(cache) > self.CACHE_LIMIT:
            cache.clear()
        columns: list[int] = []
        lengths = []
        for text in texts:
            before = len(columns)
            for word in text.lower().split():
                cols = cache.get(word)
                if cols is None:
                    cols = cache[word] = self._word_columns(word)
                columns += cols
            lengths.append(len(columns) - before)
        rows = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
        shape = (len(texts), len(self.vectorizer.vocabulary_))
        # Repeated (row, column) pairs are summed when converted: the n-gram counts.
        X = sp.coo_matrix((np.ones(len(columns), dtype=np.float64), (rows, columns)), shape=shape).tocsr()
        X.sum_duplicates()
        data = (np.log(X.data) + 1.0) * self.vectorizer.idf_[X.indices]  # sublinear tf times idf
        X = sp.csr_matrix((data.astype(np.float32), X.indices, X.indptr), shape=shape)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1), dtype=np.float32).ravel())
        X.data /= np.repeat(np.maximum(norms, np.float32(1e-30)), np.diff(X.indptr))
        return X


def identity(tokens: list[str]) -> list[str]:
    return tokens


def make_vectorizer(ngram_range: tuple[int, int] = (1, 1)) -> TfidfVectorizer:
    """TF-IDF over pre-lemmatised token lists (lemmatisation happens once, in the spaCy pipeline)."""
    return TfidfVectorizer(
        tokenizer=identity,
        preprocessor=identity,
        token_pattern=None,
        lowercase=False,
        ngram_range=ngram_range,
        sublinear_tf=True,
        dtype=np.float32,
    )


@dataclass(slots=True)
class Match:
    """One codebook term found in a segment; `seen` is the segment's word when it was a near miss."""

    term: str
    weight: float
    seen: str | None = None


@dataclass(slots=True)
class ColdScores:
    """Cold-start scores for a batch: `total` (n x codes, in z units) and the parts that explain them."""

    total: np.ndarray  # against the code's text and its examples: the cold-start score
    definition: (
        np.ndarray
    )  # against the code's text alone: the part the warm blend uses (the model has the examples)
    word: np.ndarray  # cosine of lemma TF-IDF vectors, segment vs code text and examples
    char: np.ndarray  # cosine of character 3-5-gram TF-IDF vectors
    exclude: np.ndarray  # cosine with the code's exclude text
    X: sp.csr_matrix  # the segments' lemma TF-IDF rows, for "shared words" reasons
    matches: list[dict[int, list[Match]]] = field(default_factory=list)

    def shared_words(self, i: int, j: int, index: CodebookIndex, n: int = 3) -> list[str]:
        """The words of segment i that add most to its lemma cosine with code j."""
        lo, hi = self.X.indptr[i], self.X.indptr[i + 1]
        if lo == hi:
            return []
        indices = self.X.indices[lo:hi]
        weights = self.X.data[lo:hi] * index.code_dense[indices, j]
        order = np.argsort(-weights)[:n]
        return [str(index.word_names[indices[o]]) for o in order if weights[o] > 0]


class CodebookIndex:
    """Scores segments against each leaf code's description, before (and alongside) any learning."""

    def __init__(self, codebook: Codebook, background: Sequence[str] = ()) -> None:
        """`background`: segment texts (no labels) that give the TF-IDF weights a realistic base."""
        self.nlp = build_nlp()
        parents = {c.parent for c in codebook.codes if c.parent}
        self.codes: list[Code] = [c for c in codebook.codes if c.key not in parents]
        self.keys: list[str] = [c.key for c in self.codes]
        self._known = known_word_test(self.nlp)
        self._fuzzy_cache: dict[str, str | None] = {}
        self._build_similarity(list(background))
        self._build_matcher()

    # -- phrase matching ---------------------------------------------------------------------------------
    def _build_matcher(self) -> None:
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
        self._terms: dict[tuple[str, ...], str] = {}  # lemma sequence -> term name
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
            self._terms[tuple(words)] = name
            self._term_words.update(w for w in words if len(w) >= FUZZY_MIN_LENGTH - 1)
        self._term_word_list = sorted(self._term_words)
        self._longest = max((len(t) for t in self._terms), default=0)

    def _correct(self, word: str) -> str | None:
        """The codebook word a misspelt segment word most likely means, or None."""
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        best = None
        if (
            len(word) >= FUZZY_MIN_LENGTH
            and word not in self._term_words
            and not self._known(word)
            and word.isalpha()
        ):
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
        found: dict[int, dict[str, Match]] = {}
        # Every (overlapping) run of words that is a codebook term: a dict lookup per start and length.
        hits = [
            (self._terms[t], start, start + n)
            for start in range(len(words))
            for n in range(1, min(self._longest, len(words) - start) + 1)
            if (t := tuple(words[start : start + n])) in self._terms
        ]
        for name, start, end in hits:
            seen = [corrected[i] for i in range(start, end) if i in corrected]
            for j, weight in self._owners[name].items():
                m = Match(name, weight * (FUZZY_WEIGHT if seen else 1.0), " ".join(seen) or None)
                prev = found.setdefault(j, {}).get(name)
                if prev is None or prev.weight < m.weight:
                    found[j][name] = m
        return {j: list(ms.values()) for j, ms in found.items()}

    # -- TF-IDF similarity ---------------------------------------------------------------------------------
    def _build_similarity(self, background: list[str]) -> None:
        plain = [code_text(c) for c in self.codes]
        texts = [
            " ".join([t, *c.examples, *c.atypical_examples]) for t, c in zip(plain, self.codes, strict=True)
        ]
        descriptions = lemmatise(texts)
        excludes = lemmatise([_CODE_KEY_RE.sub(" ", c.exclude) for c in self.codes])
        self.vectorizer_ = make_vectorizer()
        self.vectorizer_.fit([content_lemmas(d) for d in [*descriptions, *excludes, *lemmatise(background)]])
        self.word_names = self.vectorizer_.get_feature_names_out()
        self.code_matrix = self.vectorizer_.transform([content_lemmas(d) for d in descriptions]).T.tocsr()
        self.code_dense = self.code_matrix.toarray()
        self._plain = self.vectorizer_.transform([content_lemmas(d) for d in lemmatise(plain)]).T.tocsr()
        self._excl = self.vectorizer_.transform([content_lemmas(d) for d in excludes]).T.tocsr()
        self.char_vectorizer_ = make_char_vectorizer()
        self.char_vectorizer_.fit([*texts, *background])
        self._char_codes = self.char_vectorizer_.transform(texts).T.tocsr()
        self._char_plain = self.char_vectorizer_.transform(plain).T.tocsr()
        self._char = CharTfidf(self.char_vectorizer_)

    def score(
        self,
        lemma_seqs: Sequence[Sequence[str]],
        texts: Sequence[str] | None = None,
        with_matches: bool = True,
    ) -> ColdScores:
        """Cold-start scores for a batch of segments: their lemmas and (for the character n-grams) their texts;
        without `texts` the lemmas joined by spaces stand in."""
        n, k = len(lemma_seqs), len(self.codes)
        if texts is None:
            texts = [" ".join(s) for s in lemma_seqs]
        matches = [self.match(lemmas) for lemmas in lemma_seqs] if with_matches else []
        X = self.vectorizer_.transform([content_lemmas(s) for s in lemma_seqs])
        word = np.asarray((X @ self.code_matrix).todense(), dtype=np.float32).reshape(n, k)
        exclude = np.asarray((X @ self._excl).todense(), dtype=np.float32).reshape(n, k)
        C = self._char.transform(list(texts))
        char = np.asarray((C @ self._char_codes).todense(), dtype=np.float32).reshape(n, k)
        penalty = W_EXCLUDE * np.minimum(1.0, 2.5 * exclude)
        total = zscore(word) + zscore(char) - penalty
        word_plain = np.asarray((X @ self._plain).todense(), dtype=np.float32).reshape(n, k)
        char_plain = np.asarray((C @ self._char_plain).todense(), dtype=np.float32).reshape(n, k)
        definition = zscore(word_plain) + zscore(char_plain) - penalty
        return ColdScores(
            total.astype(np.float32), definition.astype(np.float32), word, char, exclude, X.tocsr(), matches
        )
