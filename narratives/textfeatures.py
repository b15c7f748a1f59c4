"""Vectorising helpers shared by TopicModel and StanceModel.

Kept in one place so that topics and stances tokenise the same way, and so that the scale choices
(float32, capped vocabulary, fit on a sample, transform in worker processes) are made once.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer, strip_accents_unicode
from sklearn.preprocessing import normalize

from .dedupe import space_punctuation

# Words that are frequent in any news text and never name a topic or a position on their own.
NEWS_STOP_WORDS = frozenset(
    """said says say saying told tells mr mrs ms dr also would could should just like year years
    new one two three four five first last week weeks month months day days time times today
    yesterday monday tuesday wednesday thursday friday saturday sunday make made going get got
    way well want wanted know think thing things lot lots really including include includes
    according added adding asked did does don doesn didn isn wasn aren weren won wouldn couldn
    ve ll re et al per cent percent use used using told tell told news report reported reports
    read share click subscribe newsletter copyright rights reserved advertisement
    ap afp upi""".split()   # (last line) wire-service credits: who carried it, not what it says
)
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | NEWS_STOP_WORDS)

# Letters only (no digits/underscores), at least 2 characters; apostrophes inside words are kept out.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"

# Above this many documents the vocabulary is learnt on a sample, not on everything.
VOCAB_SAMPLE = 20_000


def clean_texts(texts) -> list[str]:
    """Coerce whatever the caller passed (None, numbers, bytes) to a list of str without failing."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    out = []
    for t in texts:
        if t is None:
            out.append("")
        elif isinstance(t, bytes):
            out.append(t.decode("utf-8", errors="replace"))
        elif isinstance(t, float) and t != t:  # NaN from pandas
            out.append("")
        else:
            out.append(str(t))
    return out


def preprocess(doc: str) -> str:
    """What TfidfVectorizer(lowercase=True, strip_accents="unicode") does before tokenising, up to
    punctuation that is never part of a token: sklearn's accent stripping joins the text character by
    character whenever it is not ASCII, and a curly quote or dash makes most news texts non-ASCII (2 of the
    17 s of clustering 1,000 AllSides articles). Those marks become spaces first; tokens are the same
    (tests/test_textfeatures.py compares with sklearn's own preprocessing)."""
    s = doc.lower()
    if s.isascii():
        return s
    s = space_punctuation(s)
    return s if s.isascii() else strip_accents_unicode(s)


def make_vectorizer(n_docs: int, *, max_features: int = 50_000, ngram_range=(1, 2),
                    min_df: int | None = None, max_df: float | None = None) -> TfidfVectorizer:
    """TF-IDF with settings that depend on corpus size: tiny corpora keep every term."""
    if min_df is None:
        min_df = 1 if n_docs < 20 else (2 if n_docs < 10_000 else 5)
    if max_df is None:
        max_df = 1.0 if n_docs < 20 else 0.5
    return TfidfVectorizer(
        preprocessor=preprocess, stop_words=STOP_WORDS, token_pattern=TOKEN_PATTERN,
        ngram_range=ngram_range, min_df=min_df, max_df=max_df, max_features=max_features,
        sublinear_tf=True, dtype=np.float32,
    )


def fit_vectorizer(vec: TfidfVectorizer, texts: list[str], random_state=0):
    """Fit vec (on a sample when the corpus is large) and return (vec, X) or (vec, None) if no terms.

    An empty vocabulary (all texts empty / only stop words) is not an error: the caller falls back to
    one cluster.
    """
    n = len(texts)
    try:
        if n > VOCAB_SAMPLE:
            rng = np.random.RandomState(random_state)
            idx = rng.choice(n, VOCAB_SAMPLE, replace=False)
            vec.fit([texts[i] for i in idx])
            X = transform_chunked(vec, texts)
        else:
            X = vec.fit_transform(texts)
    except ValueError:  # "empty vocabulary" or min_df/max_df leaving no terms
        return vec, None
    return vec, X.astype(np.float32)


def transform_chunked(vec, texts: list[str], chunk: int = 10_000, n_jobs: int = 2):
    """Vectorise in worker processes for large inputs; plain transform for small ones."""
    if len(texts) <= 2 * chunk:
        return vec.transform(texts)
    from joblib import Parallel, delayed

    parts = Parallel(n_jobs=n_jobs)(delayed(vec.transform)(texts[i:i + chunk])
                                    for i in range(0, len(texts), chunk))
    return sparse.vstack(parts).tocsr()


def distinguishing_terms(X, labels, feature_names, n_terms: int = 10, exclude=frozenset()) -> list[list[str]]:
    """Per cluster, the terms whose mean weight in the cluster most exceeds their mean elsewhere."""
    labels = np.asarray(labels)
    k = int(labels.max()) + 1 if len(labels) else 0
    X = sparse.csr_matrix(X)
    total = np.asarray(X.sum(axis=0)).ravel()
    n = X.shape[0]
    out = []
    for c in range(k):
        mask = labels == c
        m = int(mask.sum())
        if m == 0 or X.shape[1] == 0:
            out.append([])
            continue
        inside = np.asarray(X[mask].sum(axis=0)).ravel()
        mean_in = inside / m
        mean_out = (total - inside) / (n - m) if n > m else np.zeros_like(inside)
        score = mean_in - mean_out
        order = np.argsort(-score, kind="stable")
        terms = []
        for j in order:
            if score[j] <= 0 or len(terms) >= n_terms:
                break
            t = feature_names[j]
            if t in exclude:
                continue
            terms.append(t)
        if not terms:  # e.g. one cluster: fall back to the heaviest terms
            for j in np.argsort(-mean_in, kind="stable")[:n_terms]:
                if mean_in[j] > 0 and feature_names[j] not in exclude:
                    terms.append(feature_names[j])
        out.append(terms)
    return out


# Words that never carry a label on their own: modal/function words, reporting verbs, counters. The
# vectorizer's stop words already keep most of them out of topic terms; stance terms come from a
# lexicon (hedges: could, may...) and need this list.
_LABEL_FILLER = frozenset(
    """a an the and or but of to in on at for by with from as is are was were be been being it its this that
    these those there here he she they we you i his her their our your them him us not no yes
    could may might would should must can cannot will shall said says say saying told tells also just
    like one two three four five six seven eight nine ten first second last new old year years
    month months week weeks day days time times today yesterday mr mrs ms dr per cent percent
    get got make made going go way well want know think thing things lot really including according
    added asked did does do don more most many much some any other such even still yet very""".split())

# Names the stop-word list cuts in half ("new" is a stop word, so "new york" reaches us as "york").
_PHRASE_HEADS = {"york": "new york", "jersey": "new jersey", "zealand": "new zealand",
                 "hampshire": "new hampshire", "delhi": "new delhi", "orleans": "new orleans"}


def name_from_terms(terms: list[str], n: int = 3, sep: str = " · ") -> str:
    """A short lowercase label from the top terms: "new york · deaths · fauci", "united states · trump".

    - a bigram is preferred to its own unigrams when it is among the next few terms ("united states",
      not "states · united");
    - modal/function words and news filler (could, may, said, also, one, new, year...) are left out,
      unless nothing else is left to make a two-part label;
    - no word is shown twice.
    """
    terms = [" ".join(str(t).lower().split()) for t in (terms or []) if t and str(t).strip()]
    terms = [_PHRASE_HEADS.get(t, t) for t in terms]
    window = terms[: max(4 * n, 12)]

    def content(t: str) -> list[str]:
        return [w for w in t.split() if w not in _LABEL_FILLER]

    chosen: list[str] = []
    shown: set[str] = set()

    def same_word(a: str, b: str) -> bool:
        """mask/masks, denial/denied, court/courts: one word shown twice in another form."""
        k = 0
        for x, y in zip(a, b):
            if x != y:
                break
            k += 1
        return a == b or (k >= 4 and k >= min(len(a), len(b)) - 2)

    def take(t: str) -> None:
        chosen.append(t)
        shown.update(t.split())

    for t in terms:
        if len(chosen) >= n:
            break
        if not content(t):
            continue
        if " " not in t:
            # a bigram of this word among the nearby terms reads better than the word alone
            better = next((b for b in window if " " in b and t in b.split() and len(content(b)) == len(b.split())
                           and not (set(b.split()) & shown)), None)
            if better is not None:
                t = better
        words = t.split()
        overlap = set(words) & shown
        if overlap:
            # a bigram over a word shown alone replaces that word ("trump" -> "trump administration")
            new_words = [w for w in words if w not in shown]
            i = next((i for i, c in enumerate(chosen) if c in overlap), None)
            if len(overlap) == 1 and i is not None and new_words and not set(new_words) & _LABEL_FILLER:
                chosen[i] = t
                shown.update(words)
            continue
        if any(same_word(w, v) for w in words for v in shown):
            continue
        take(t)
    if len(chosen) < min(2, n):  # too little left: fall back to the filler terms rather than one word
        for t in terms:
            if len(chosen) >= min(2, n):
                break
            if not (set(t.split()) & shown):
                take(t)
    return sep.join(chosen[:n]) if chosen else "(no terms)"


def representatives(Z, labels, centers, n: int = 5) -> list[list[int]]:
    """Indices of each cluster's members, most similar to its (normalised) centre first."""
    labels = np.asarray(labels)
    out = []
    for c in range(len(centers)):
        idx = np.flatnonzero(labels == c)
        if idx.size == 0:
            out.append([])
            continue
        Zi = Z[idx]
        sims = np.asarray(Zi @ np.asarray(centers[c]).ravel()).ravel()
        order = np.argsort(-sims, kind="stable")
        out.append([int(i) for i in idx[order[:n]]])
    return out


def l2(X):
    """Row-normalise dense or sparse, keeping float32."""
    return normalize(X, norm="l2", copy=True)


_SENT_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\b[A-Z])([.!?…][\"'”’)]*)\s+(?=[\"'“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentence split good enough for news prose (line breaks and end punctuation, quotes kept)."""
    marked = _SENT_END.sub("\\1\n", text or "")
    return [p.strip() for p in marked.split("\n") if p.strip()]
