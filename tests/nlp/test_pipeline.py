"""The one spaCy pipeline: blank English, lookup lemmas, nothing downloaded."""

import spacy

from qualcode.nlp.pipeline import build_nlp, content_lemmas, is_trained, known_word_test, lemmatise


def test_blank_english_with_sentencizer_and_lookup_lemmatizer(monkeypatch):
    def no_download(*args, **kwargs):
        raise AssertionError("the pipeline builder must never download a model")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    build_nlp.cache_clear()
    try:
        nlp = build_nlp(use_trained=False)
        assert nlp.lang == "en" and nlp.pipe_names == ["sentencizer", "lemmatizer"]
        assert nlp.get_pipe("lemmatizer").mode == "lookup" and not is_trained(nlp)
        doc = nlp("We signposted two women. Then we went to the sessions.")
        assert [t.lemma_ for t in doc if t.text in ("signposted", "went", "sessions")] == [
            "signpost",
            "go",
            "session",
        ]
        assert len(list(doc.sents)) == 2
        assert build_nlp(use_trained=False) is nlp  # built once per process
    finally:
        build_nlp.cache_clear()


def test_lemmatise_lowercases_drops_punctuation_and_caches():
    first = lemmatise(["Referrals WENT up, honestly!"])
    assert first == [("referral", "go", "up", "honestly")]
    assert lemmatise(["Referrals WENT up, honestly!"])[0] is first[0]
    assert content_lemmas(first[0]) == ["referral", "honestly"]  # "go" and "up" are stop words


def test_known_words_include_base_forms_but_not_misspellings():
    known = known_word_test(build_nlp())
    assert known("signposted") and known("directly") and known("referral")
    assert not known("signpostng")
