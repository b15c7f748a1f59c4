"""textfeatures.preprocess tokenises exactly as TfidfVectorizer(lowercase=True, strip_accents="unicode")."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from narratives import textfeatures as tf

SAMPLES = [
    "Pakistan’s “security” talks — and China’s reply… «Non», said the café owner; naïve ﬁnance",
    "ÉCOLE Straße Ångström résumé coöperate fiancé — don’t won’t l’état 2024 © Dawn",
    "plain ascii text with don't and it's, numbers 123 and under_scores",
    "Mixed: • bullets ‘single’ ′prime″ ‚low‘ „low“ ½ º ™ ® ° ¶ · € £ ⦁",
]


def _reference(texts):
    return TfidfVectorizer(lowercase=True, strip_accents="unicode", token_pattern=tf.TOKEN_PATTERN,
                           ngram_range=(1, 2)).build_analyzer()


def _ours():
    return TfidfVectorizer(preprocessor=tf.preprocess, token_pattern=tf.TOKEN_PATTERN,
                           ngram_range=(1, 2)).build_analyzer()


def test_same_tokens_and_bigrams_as_sklearn_on_news_punctuation():
    ref, ours = _reference(SAMPLES), _ours()
    for text in SAMPLES:
        assert ours(text) == ref(text), text
    assert "finance" in ours(SAMPLES[0]) and "cafe" in ours(SAMPLES[0])   # accents and ligatures still folded


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_same_tokens_as_sklearn_on_any_text(text):
    text = text + " " + "’".join(["word", "s"]) + " Caf\u00e9"
    assert _ours()(text) == _reference([text])(text)
