"""Vectorising helpers shared by TopicModel and StanceModel.

Kept in one place so that topics and stances tokenise the same way, and so that the scale choices
(float32, capped vocabulary, fit on a sample, transform in worker processes) are made once.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

# Words that are frequent in any news text and never name a topic or a position on their own.
NEWS_STOP_WORDS = frozenset(
    """said says say saying told tells mr mrs ms dr also would could should just like year years
    new one two three four five first last week weeks month months day days time times today
    yesterday monday tuesday wednesday thursday friday saturday sunday make made going get got
    way well want wanted know think thing things lot lots really including include includes
    according added adding asked did does don doesn didn isn wasn aren weren won wouldn couldn
    ve ll re et al per cent percent use used using told tell told news report reported reports
    read share click subscribe newsletter copyright rights reserved advertisement""".split()
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


def make_vectorizer(n_docs: int, *, max_features: int = 50_000, ngram_range=(1, 2),
                    min_df: int | None = None, max_df: float | None = None) -> TfidfVectorizer:
    """TF-IDF with settings that depend on corpus size: tiny corpora keep every term."""
    if min_df is None:
        min_df = 1 if n_docs < 20 else (2 if n_docs < 10_000 else 5)
    if max_df is None:
        max_df = 1.0 if n_docs < 20 else 0.5
    return TfidfVectorizer(
        lowercase=True, strip_accents="unicode", stop_words=STOP_WORDS, token_pattern=TOKEN_PATTERN,
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


def name_from_terms(terms: list[str], n: int = 3, sep: str = " · ") -> str:
    """A short label from the top terms, without repeating a word a chosen bigram already shows."""
    chosen: list[str] = []
    for t in terms:
        words = set(t.split())
        covered = {w for c in chosen for w in c.split()}
        if words <= covered:
            continue
        # a bigram that contains an already chosen unigram replaces it
        replaced = False
        for i, c in enumerate(chosen):
            if " " not in c and c in words:
                chosen[i] = t
                replaced = True
                break
        if replaced:
            # drop duplicates created by the replacement
            seen, dedup = set(), []
            for c in chosen:
                if c not in seen:
                    dedup.append(c)
                    seen.add(c)
            chosen = dedup
            continue
        chosen.append(t)
        if len(chosen) >= n:
            break
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
