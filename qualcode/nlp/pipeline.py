"""The one spaCy pipeline builder, and lemmatisation of segment text with an in-memory cache."""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterable

import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA, ORTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.tokenizer import Tokenizer

TRAINED_PIPELINE = "en_core_web_sm"
# Components a trained pipeline needs for lemmas; the rest (parser, ner) only cost time here.
_TRAINED_KEEP = {"tok2vec", "tagger", "attribute_ruler", "lemmatizer", "senter"}
_CACHE_LIMIT = 200_000

_lock = threading.Lock()
_lemma_cache: dict[str, tuple[str, ...]] = {}


@functools.lru_cache(maxsize=2)
def build_nlp(use_trained: bool = True) -> Language:
    """English pipeline: an installed `en_core_web_sm` if present (never downloaded), else blank English with a
    sentencizer and the lookup lemmatizer from spacy-lookups-data. Built once per process."""
    nlp = _build_nlp(use_trained)
    # spaCy, scikit-learn and SciPy leave ~150,000 objects that live as long as the process; every full pass
    # of the cyclic garbage collector walked them all (0.25 s CPU each, several per refit, holding the GIL:
    # the workbench stalled while its suggester was fitted). Frozen, the collector skips them.
    gc.freeze()
    return nlp


def _build_nlp(use_trained: bool) -> Language:
    if use_trained and spacy.util.is_package(TRAINED_PIPELINE):
        nlp = spacy.load(TRAINED_PIPELINE, exclude=["parser", "ner"])
        for name in list(nlp.pipe_names):
            if name not in _TRAINED_KEEP:
                nlp.disable_pipe(name)
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")  # sentence boundaries without the parser
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data; no network
    return nlp


def is_trained(nlp: Language) -> bool:
    """A trained pipeline tags words itself; the blank one relies on the lookup table alone."""
    return "tagger" in nlp.pipe_names or "tok2vec" in nlp.pipe_names


def known_word_test(nlp: Language) -> Callable[[str], bool]:
    """A test for English words the lookup tables know (inflected forms and base forms, e.g. "directly"):
    a token outside them is likely a misspelling or a rare word, so worth a fuzzy look."""
    return _known_word_test(id(nlp), nlp)


@functools.lru_cache(maxsize=2)
def _known_word_test(_key: int, nlp: Language) -> Callable[[str], bool]:
    try:
        # spaCy types get_pipe as Callable[[Doc], Doc]; the lemmatizer component carries lookups.
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
    except (KeyError, ValueError):
        return lambda word: True
    words = {v for v in table.values() if isinstance(v, str)}
    try:
        index = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
        words.update(w for pos_words in index.values() for w in pos_words)
    except (KeyError, ValueError, ImportError):
        pass  # without spacy-lookups-data's index, inflected forms and lemmas still count
    frozen = frozenset(words)
    return lambda word: word in frozen or word in table


def _lemmas_of(doc: spacy.tokens.Doc) -> tuple[str, ...]:
    # Reading arrays avoids building a Token object per word, which dominated the cost.
    strings = doc.vocab.strings
    rows = doc.to_array([LEMMA, ORTH, IS_PUNCT, IS_SPACE])
    return tuple(
        strings[int(lemma or orth)].lower() for lemma, orth, punct, space in rows if not (punct or space)
    )


def _lookup_table(nlp: Language) -> dict[int, str] | None:
    """The blank pipeline's lemma lookup table (a dict keyed by the word's hash), or None for a trained one."""
    if is_trained(nlp) or "lemmatizer" not in nlp.pipe_names:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "lookup":
        return None
    try:
        return lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[attr-defined, no-any-return]
    except (KeyError, ValueError):
        return None


def _lookup_lemmas(
    nlp: Language, table: dict[int, str], texts: Iterable[str], batch_size: int
) -> list[tuple[str, ...]]:
    """What the lookup lemmatizer computes (its table's lemma for the word, else the word), read from the
    tokenizer's arrays without building a Token per word, which dominated the cost."""
    strings = nlp.vocab.strings
    out = []
    tokenizer: Tokenizer = nlp.tokenizer  # a blank pipeline's is always spaCy's Tokenizer
    for doc in tokenizer.pipe(texts, batch_size=batch_size):
        rows = doc.to_array([ORTH, IS_PUNCT, IS_SPACE])
        out.append(
            tuple(
                (lemma if (lemma := dict.get(table, int(orth))) is not None else strings[int(orth)]).lower()
                for orth, punct, space in rows
                if not (punct or space)
            )
        )
    return out


def lemmatise(
    texts: Iterable[str], nlp: Language | None = None, batch_size: int = 256
) -> list[tuple[str, ...]]:
    """Lower-case lemmas of each text's word tokens (punctuation dropped), cached by text.

    The blank pipeline is fed lower-cased text because the lookup table is keyed by lower-case forms.
    """
    nlp = nlp or build_nlp()
    texts = list(texts)
    out: list[tuple[str, ...] | None] = [_lemma_cache.get(t) for t in texts]
    todo = [(t, i) for i, t in enumerate(texts) if out[i] is None]
    if todo:
        lower = not is_trained(nlp)
        table = _lookup_table(nlp)
        if table is not None:
            lemmas = _lookup_lemmas(nlp, table, (t.lower() for t, _ in todo), batch_size)
            done = [(i, lem) for (_, i), lem in zip(todo, lemmas, strict=True)]
        else:
            # Only lemmas are needed: the sentencizer (and a trained parser) would only cost time.
            disable = [n for n in nlp.pipe_names if n in ("sentencizer", "senter", "parser", "ner")]
            pairs = ((t.lower() if lower else t, i) for t, i in todo)
            with nlp.select_pipes(disable=disable):
                done = [
                    (i, _lemmas_of(doc)) for doc, i in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size)
                ]
        with _lock:
            if len(_lemma_cache) + len(done) > _CACHE_LIMIT:
                _lemma_cache.clear()
            for i, found in done:
                out[i] = found
                _lemma_cache[texts[i]] = found
    return [o if o is not None else () for o in out]


def content_lemmas(lemmas: Iterable[str]) -> list[str]:
    """Lemmas that carry meaning: stop words and tokens without a letter are dropped."""
    keep = _is_content
    return [w for w in lemmas if keep(w)]


@functools.lru_cache(maxsize=_CACHE_LIMIT)
def _is_content(word: str) -> bool:
    # Decided once per word: the same few thousand words recur in every segment.
    return word not in STOP_WORDS and any(ch.isalpha() for ch in word)


def clear_cache() -> None:
    with _lock:
        _lemma_cache.clear()
