"""Fast topic + stance clustering for large corpora (used by the pipeline above FAST_ABOVE articles).

Why a separate engine: TopicModel/StanceModel tokenise every text in full, once for topics and again per
topic for stances, and choose k by many full refits; at 100,000 articles (~590 MB) that is many minutes.
Here every text is read ONCE, truncated (the title and the start of a news text carry its topic; stance
markers are counted in the same stretch), in worker processes, producing both the hashed term counts
(topics) and the stance-marker rates (stances). Then: TF-IDF + LSA fitted on a sample, k-means on all
(restarts on a sample, full-batch Lloyd on all, a few refining steps in the TF-IDF space; see topic_kmeans),
and per topic a small KMeans on [stance markers, LSA residual from the topic centre] with k chosen by
silhouette on a sample. Output objects expose the attributes the pipeline reads from TopicModel /
StanceModel (labels_, n_*_, *_terms_, *_names_, representatives_, predict).
"""
from __future__ import annotations

import os
import re
from collections import Counter

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.feature_extraction import FeatureHasher
from sklearn.metrics import silhouette_score

from . import textfeatures as tf
from .stance import CATEGORIES, LEXICON, POSITION_CATEGORIES, UNSPLIT_NAME

FAST_ABOVE = 5_000        # articles; below this the pipeline keeps TopicModel/StanceModel (auto k, full texts)
# Automatic k on an archive this large (this path) looks at 8 topics or more. Why: split-half stability,
# general as it is (BBC 5 -> 5, its 3- and 2-class subsets -> 3 and 2), finds a broad news archive's most
# stable split is in two (AllSides, 10,000 articles from 491 outlets: stability 0.89 at k = 2, <= 0.80
# above; NMI against its 108 editor topics 0.107). Two topics for 10,000+ articles are no map to browse;
# a subject split in sub-topics is (the analyst can merge them, and merges survive re-clustering). From 8
# it picks 12 there (NMI 0.373; 0.406 with k = 20 given; 100,000 articles: 12, NMI 0.424).
AUTO_K_MIN = 8
# of the body, after the title (100k, k=20: 2,000 chars NMI 0.426 in 24 s; 3,000 0.439 in 25.5 s;
# 4,000 0.436 in 29.7 s)
TOPIC_CHARS = 3_000
STANCE_CHARS = TOPIC_CHARS   # stance markers are counted in the same stretch (one pass); what the store reads
N_FEATURES = 2 ** 20
SAMPLE = 10_000           # docs the SVD is fitted on (100k, k=20, NMI over seeds 0-4: 20,000 mean 0.460 min
                          # 0.454; 10,000 mean 0.459 min 0.456; 7,000 no better), ~1 s less than 20,000
_STOP = frozenset(tf.STOP_WORDS)
_TOKEN = re.compile(r"[^\W\d_]{2,}")
_ASCII_TOKEN = re.compile(r"[a-z]{2,}")   # _TOKEN on lowercased ASCII text
_QUOTE = re.compile(r"[\"“”][^\"“”]{3,}[\"“”]")   # the quotes _quoted_chars counts (tests hold it to this)
_SENT = re.compile(r"[.!?…]+(?:\s|$)")


def _lexicon_tables():
    """Single marker words -> categories, and multi-word markers -> categories."""
    single: dict[str, list[int]] = {}
    phrases: dict[str, list[int]] = {}
    for ci, (_, words) in enumerate(LEXICON.values()):
        for w in words:
            if "-" in w:
                continue
            (phrases if "_" in w else single).setdefault(w.replace("_", " "), []).append(ci)
    return single, phrases


_SINGLE, _PHRASES = _lexicon_tables()
_SINGLE_KEYS = frozenset(_SINGLE)
# per multi-word marker: its words, a scan starting with a literal (fast), its categories
_PHRASE_SCANS = [(p.split(), re.compile(r"\s+".join(map(re.escape, p.split())) + r"\b"), cats)
                 for p, cats in _PHRASES.items()]


def _word_char_before(s: str, i: int) -> bool:
    return i > 0 and (s[i - 1].isalnum() or s[i - 1] == "_")   # as re's \b: a \w character before


_WORD = re.compile(r"[a-z]+")
_NEG = CATEGORIES.index("negation")
N_LEX = len(CATEGORIES) + 2   # + quoted-speech share, questions per sentence


def lexicon_rates(text: str) -> np.ndarray:
    """Stance-marker hits per 100 words by category, quoted-speech share, questions per sentence.

    Counted from a C-level Counter of the words (a Python loop per token, or one big alternation regex,
    is 4-10x slower at 100,000 texts).
    """
    low = text.lower().replace("’", "'")
    words = _WORD.findall(low)
    return _marker_rates(low, len(words), text, Counter(words))


def _marker_rates(low: str, n_words: int, raw: str, counts: Counter) -> np.ndarray:
    """The marker vector from a lowercased text, its number of words and their Counter, and the raw text
    (quotes and questions)."""
    out = [0.0] * N_LEX
    for w in _SINGLE_KEYS & counts.keys():   # C-level intersection: only the markers present
        c = counts[w]
        for ci in _SINGLE[w]:
            out[ci] += c
    # = the matches of one alternation regex over all phrases (tests/test_vectorize.py), 3x faster: only
    # phrases whose words all occur, literal-prefix scans, \b checked by hand
    for words_p, rx, cats in _PHRASE_SCANS:
        if all(w in counts for w in words_p):
            hits = sum(1 for m in rx.finditer(low) if not _word_char_before(low, m.start()))
            for ci in cats:
                out[ci] += hits
    out[_NEG] += low.count("n't")
    scale = 100.0 / max(n_words, 1)
    for ci in range(len(CATEGORIES)):
        out[ci] *= scale
    out[-2] = _quoted_chars(raw) / max(len(raw), 1)
    questions = raw.count("?")
    out[-1] = questions / max(len(_SENT.findall(raw)), 1) if questions else 0.0
    return np.array(out, dtype=np.float32)


_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False, dtype=np.float32)
# the same hashing of {term: count}: each distinct word hashed once (a news text repeats ~half its words)
_COUNT_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="dict", alternate_sign=False, dtype=np.float32)
_JOB: tuple[list[str], list[str]] | None = None   # (titles, texts) inherited by forked workers
# Typographic punctuation -> ASCII. None of these is a letter, so the tokens and the markers do not change
# (not "‘": as an apostrophe it would turn "don‘t" into a counted "n't"), but ~70 % of news texts are
# non-ASCII only because of them, and the ASCII token regex is ~2x faster.
_TYPOGRAPHIC = (("“", '"'), ("”", '"'), ("—", "-"), ("–", "-"), ("…", "."), ("\xa0", " "))


def _plain_punctuation(low: str) -> str:
    if not low.isascii():
        for a, b in _TYPOGRAPHIC:
            low = low.replace(a, b)
    return low


def doc_features(title: str, body: str) -> tuple[dict[str, int], np.ndarray]:
    """({topic term: count}, stance-marker rates) of one article from ONE lowercasing and ONE tokenisation
    of its title + first TOPIC_CHARS characters: the markers are counted from the same tokens (before
    stop words are dropped), so no second pass over the text."""
    part = body[:TOPIC_CHARS]
    low = _plain_punctuation(f"{title}\n{part}".lower().replace("’", "'"))
    counts = _word_counts(low)
    terms = {w: c for w, c in counts.items() if w not in _STOP}
    return terms, _marker_rates(low, sum(counts.values()), part, counts)


_NOT_A_LETTER = str.maketrans({chr(c): " " for c in range(128) if not "a" <= chr(c) <= "z"})
_ONE_LETTER = tuple("abcdefghijklmnopqrstuvwxyz")


def _ascii_word_counts(low: str) -> Counter:
    """Counter(_ASCII_TOKEN.findall(low)) for a lowercased ASCII text: every non-letter to a space (ASCII
    str.translate has a C fast path), split, count, drop the one-letter words; 1.23 -> 0.86 s on 8,500
    news texts (the regex's matching, not the word objects, was the cost)."""
    counts = Counter(low.translate(_NOT_A_LETTER).split())
    for letter in _ONE_LETTER:
        counts.pop(letter, None)
    return counts


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LETTER = re.compile(r"[^\W\d_]")   # one character of a _TOKEN word


def _word_counts(low: str) -> Counter:
    """Counter(_TOKEN.findall(low)) of a lowercased text. A non-ASCII text's non-ASCII characters that are not
    letters ("‘", "©", "•", zero-width spaces: ~1 news text in 5 has one, mostly a left quote) separate words
    like a space, so they become spaces and the text takes the ASCII path when no accented letter is left
    (0.22 -> 0.10 ms a text)."""
    if not low.isascii():
        for c in set(_NON_ASCII.findall(low)):
            if not _LETTER.match(c):
                low = low.replace(c, " ")
        if not low.isascii():
            return Counter(_TOKEN.findall(low))
    return _ascii_word_counts(low)


def _quoted_chars(raw: str) -> int:
    """sum(len(q) for q in _QUOTE.findall(raw)): the characters inside quotes of 3+ characters, quotes
    included, from one split at the quote marks (a quote opens at a mark and closes at the next one; a run
    under 3 characters makes its closing mark the next opening one, as the regex's scan does)."""
    if not raw.isascii():
        raw = raw.replace("“", '"').replace("”", '"')
    pieces = raw.split('"')
    total, j, last = 0, 1, len(pieces) - 1   # pieces[j] lies between the j-th and (j+1)-th marks
    while j < last:
        n = len(pieces[j])
        if n >= 3:
            total += n + 2
            j += 2
        else:
            j += 1
    return total


NAME_SAMPLE = 3_000   # the words of this many texts (the first ones) name the hashed columns


def _features_chunk(bounds: tuple[int, int], titles=None, texts=None):
    """(hashed topic counts, stance rates, words of its texts among the first NAME_SAMPLE) of
    texts[lo:hi], from one pass over each text."""
    if titles is None:
        titles, texts = _JOB  # type: ignore[misc]
    lo, hi = bounds
    terms, lex, vocab = [], np.zeros((hi - lo, N_LEX), dtype=np.float32), set()
    for j, i in enumerate(range(lo, hi)):
        terms_i, lex[j] = doc_features(titles[i] or "", texts[i] or "")
        terms.append(terms_i)
        if i < NAME_SAMPLE:
            vocab.update(terms_i)
    return _COUNT_HASHER.transform(terms).tocsr(), lex, vocab


def features(titles: list[str], texts: list[str], n_jobs: int | None = None):
    """(hashed counts csr, stance rates, naming vocabulary) for all texts; forked worker processes when
    there are many."""
    global _JOB
    n = len(texts)
    n_jobs = n_jobs or min(2, os.cpu_count() or 1)
    if n < 4_000 or n_jobs < 2:
        return _features_chunk((0, n), titles, texts)
    step = -(-n // (n_jobs * 4))
    bounds = [(i, min(i + step, n)) for i in range(0, n, step)]
    _JOB = (titles, texts)
    try:
        from .forking import fork_pool
        with fork_pool(n_jobs) as pool:
            parts = pool.map(_features_chunk, bounds, chunksize=1)
    finally:
        _JOB = None
    return (sparse.vstack([p[0] for p in parts]).tocsr(), np.vstack([p[1] for p in parts]),
            set().union(*(p[2] for p in parts)))


class _RowHalves:
    """A sparse matrix as its two row halves, for products with dense matrices on two threads: scipy's
    sparse product releases the GIL, and each output row is computed exactly as in one call, so
    `halves @ B` is `A @ B` bit for bit (the 100,000 x 100 LSA projection: 1.0 -> 0.6 s on 2 cores). The
    halves are copies (a CSR row slice is), so make them once for all the products with one matrix."""

    def __init__(self, A):
        A = sparse.csr_matrix(A)
        h = A.shape[0] // 2
        self.parts = (A[:h], A[h:]) if A.shape[0] >= 4_000 and (os.cpu_count() or 1) >= 2 else (A,)

    def __matmul__(self, B):
        if len(self.parts) == 1:
            return np.asarray(self.parts[0] @ B)
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(2) as ex:
            return np.vstack(list(ex.map(lambda part: np.asarray(part @ B), self.parts)))


class _LSA:
    """TruncatedSVD(algorithm="randomized", n_oversamples=10, LU power iterations) with its sparse products
    on two threads (_RowHalves): the same algorithm, random draws and sign convention as scikit-learn's
    (the same components: tests/test_vectorize.py), ~15 % less time on 2 cores (the LU and QR steps stay
    serial). Only `components_` is kept: the variance figures TruncatedSVD also computes are never read."""

    def __init__(self, n_components: int, n_iter: int = 3, random_state=0):
        self.n_components, self.n_iter, self.random_state = n_components, n_iter, random_state

    def fit(self, X):
        from scipy import linalg
        from sklearn.utils import check_random_state
        from sklearn.utils.extmath import svd_flip
        X = sparse.csr_matrix(X)
        rs = check_random_state(self.random_state)
        transpose = X.shape[0] < X.shape[1]     # as randomized_svd: the range of the smaller side
        A, At = (X.T.tocsr(), X) if transpose else (X, X.T.tocsr())
        A, At = _RowHalves(A), _RowHalves(At)
        Q = rs.normal(size=(X.shape[0] if transpose else X.shape[1], self.n_components + 10))
        if X.dtype == np.float32:
            Q = Q.astype(np.float32)
        for _ in range(self.n_iter):
            Q, _ = linalg.lu(A @ Q, permute_l=True, check_finite=False)
            Q, _ = linalg.lu(At @ Q, permute_l=True, check_finite=False)
        Q, _ = linalg.qr(A @ Q, mode="economic", check_finite=False)
        Uhat, _s, Vt = linalg.svd((At @ Q).T, full_matrices=False, lapack_driver="gesdd")
        U = Q @ Uhat
        if transpose:
            U, Vt = Vt[: self.n_components].T, U[:, : self.n_components].T
        else:
            U, Vt = U[:, : self.n_components], Vt[: self.n_components]
        self.components_ = svd_flip(U, Vt, u_based_decision=False)[1]
        return self


class _Embedder:
    """counts -> sublinear TF-IDF on kept columns -> LSA -> l2 (float32)."""

    def fit(self, H, random_state=0, n_components=100):
        n = H.shape[0]
        df = np.bincount(H.indices, minlength=H.shape[1])
        min_df = 2 if n < 10_000 else 5
        self.cols_ = np.flatnonzero((df >= min_df) & (df <= 0.5 * n)).astype(np.int32)
        self.idf_ = (np.log((1 + n) / (1 + df[self.cols_])) + 1).astype(np.float32)
        X = self.tfidf(H)
        rng = np.random.RandomState(random_state)
        fit_on = X if n <= SAMPLE else X[rng.choice(n, SAMPLE, replace=False)]
        k = min(n_components, X.shape[1] - 1, n - 1)
        self.svd_ = _LSA(k, n_iter=3, random_state=random_state).fit(fit_on) if k >= 2 else None
        return X

    def tfidf(self, H):
        X = H[:, self.cols_].astype(np.float32, copy=False)   # a new matrix: changed in place below
        # sublinear tf (as TfidfVectorizer(sublinear_tf=True)) times idf, in place: no diagonal product
        X.data = (1.0 + np.log(X.data)) * self.idf_[X.indices]
        return tf.l2(X)

    def embed(self, X):
        # components_ only: the same for _LSA and the TruncatedSVD of runs stored before it
        Z = _RowHalves(X) @ self.svd_.components_.T if self.svd_ is not None else X.toarray()
        return tf.l2(np.asarray(Z, dtype=np.float32))


def _term_names(vocab, cols):
    """Names of the kept hashed columns, from the words of a sample of the texts (the feature pass
    collects them; hash collisions: first in alphabetical order wins)."""
    terms = sorted(vocab)
    idx = _HASHER.transform([[w] for w in terms]).indices
    pos = {int(c): j for j, c in enumerate(cols)}
    names = np.array([""] * len(cols), dtype=object)
    for w, c in zip(terms, idx):
        j = pos.get(int(c))
        if j is not None and not names[j]:
            names[j] = w
    return names


KMEANS_SAMPLE = 20_000    # rows the k-means restarts run on before one full-batch run on all rows
KMEANS_INITS = 10         # restarts on the sample (best inertia seeds the full run)
REFINE_STEPS = 3          # spherical k-means steps in the TF-IDF space after the LSA clustering


def topic_kmeans(Z, X, k, random_state=0, sample=KMEANS_SAMPLE, n_init=KMEANS_INITS, refine=REFINE_STEPS):
    """Topic labels of the l2 LSA rows Z (and their l2 TF-IDF rows X), k clusters.

    k-means++ with n_init restarts on a sample; the best (lowest inertia) centres seed full-batch Lloyd
    iterations on all rows; then `refine` spherical k-means steps in the TF-IDF space itself (centre =
    normalised mean of the members' TF-IDF rows, each row to the most similar centre), which recovers
    some of what the 100-dim projection blurs. 100k articles, k=20, NMI against the AllSides topics over
    seeds 0-3: 0.461 0.461 0.458 0.462 (before refining 0.457 0.458 0.454 0.459) for ~1.5 s more than
    MiniBatchKMeans(n_init=3), which gave 0.440 0.447 0.459 (its restarts are noisy). Did not help (within
    seed noise): hashed bigrams (and LSA twice as slow), title x2-3, max_df 0.2, 50/75/150/200 LSA dims,
    SVD on 50k docs or 7-10 power iterations, over-clustering to 40-100 then merging the centres.
    """
    n = Z.shape[0]
    if k <= 1 or n <= k:
        return np.zeros(n, dtype=int) if k <= 1 else np.arange(n)
    rs = np.random.RandomState(random_state)
    S = Z if n <= sample else Z[rs.choice(n, sample, replace=False)]
    seed = KMeans(n_clusters=k, n_init=n_init, max_iter=100, random_state=random_state).fit(S)
    labels = seed.labels_ if S is Z else \
        KMeans(n_clusters=k, init=seed.cluster_centers_, n_init=1, max_iter=100).fit(Z).labels_
    X = sparse.csr_matrix(X)
    halves = _RowHalves(X)
    rows = np.arange(n)
    for _ in range(refine):
        M = sparse.csr_matrix((np.ones(n, dtype=np.float32), (labels, rows)), shape=(k, n))
        C = np.asarray((M @ X).todense(), dtype=np.float32)
        norm = np.linalg.norm(C, axis=1, keepdims=True)
        empty = norm.ravel() == 0
        C /= np.where(norm > 0, norm, 1.0)
        sims = halves @ C.T
        sims[:, empty] = -np.inf
        new = sims.argmax(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


class FastTopicModel:
    """Topic clustering with the interface the pipeline uses (see module docstring)."""

    def __init__(self, n_topics="auto", random_state=0, k_max=15, n_terms=10):
        self.n_topics, self.random_state, self.k_max, self.n_terms = n_topics, random_state, k_max, n_terms

    def fit_features(self, H, vocab):
        """Fit on hashed counts H (features()); vocab: words that name the hashed columns."""
        rs = self.random_state
        self.emb_ = _Embedder()
        X = self.emb_.fit(H, random_state=rs)
        Z = self.emb_.embed(X)
        n = Z.shape[0]
        if self.n_topics == "auto":
            from .topics import choose_k
            sample = Z if n <= 4_000 else Z[np.random.RandomState(rs).choice(n, 4_000, replace=False)]
            k, _ = choose_k(sample, k_max=self.k_max, random_state=rs, n_reps=3, k_min=AUTO_K_MIN)
        else:
            k = int(self.n_topics)
        k = max(1, min(k, n))
        labels = topic_kmeans(Z, X, k, random_state=rs)
        uniq, counts = np.unique(labels, return_counts=True)
        order = uniq[np.argsort(-counts, kind="stable")]
        remap = np.zeros(k, dtype=int)
        remap[order] = np.arange(len(order))
        self.labels_ = remap[labels]
        self.n_topics_ = len(order)
        self.centers_ = tf.l2(np.vstack([Z[self.labels_ == c].mean(axis=0) for c in range(self.n_topics_)]))
        self.names_ = names = _term_names(vocab, self.emb_.cols_)
        terms = tf.distinguishing_terms(X, self.labels_, names, n_terms=self.n_terms * 2, exclude=frozenset({""}))
        self.topic_terms_ = [t[: self.n_terms] for t in terms]
        self.topic_names_ = [tf.name_from_terms(t) for t in self.topic_terms_]
        self.representatives_ = tf.representatives(Z, self.labels_, self.centers_)
        return X, Z

    def embed_texts(self, titles, texts):
        H, lex, _ = _features_chunk((0, len(texts)), titles, texts)
        return self.emb_.embed(self.emb_.tfidf(H)), lex

    def predict_embedded(self, Z):
        return np.argmax(Z @ self.centers_.T, axis=1).astype(int) if len(Z) else np.zeros(0, dtype=int)


class FastStanceModel:
    """Stances of one topic: KMeans on [standardised marker rates, LSA residual from the topic centre]."""

    def __init__(self, random_state=0, lexicon_weight=0.3, k_max=4, n_terms=8):
        self.random_state, self.lexicon_weight, self.k_max, self.n_terms = random_state, lexicon_weight, k_max, n_terms

    def _features(self, Z, L):
        Lz = (L - self.lex_mean_) / self.lex_scale_
        R = tf.l2(Z - self.center_)
        return np.hstack([self.lexicon_weight * Lz / np.sqrt(L.shape[1]), R]).astype(np.float32)

    def fit(self, Z, L, X, names):
        rs = self.random_state
        self.lex_mean_ = L.mean(axis=0)
        sd = L.std(axis=0)
        self.lex_scale_ = np.where(sd > 1e-9, sd, 1.0)
        self.center_ = Z.mean(axis=0)
        F = self._features(Z, L)
        n = len(F)
        rng = np.random.RandomState(rs)
        S = F if n <= 600 else F[rng.choice(n, 600, replace=False)]   # k by silhouette on a sample
        best_k, best = 1, 0.05
        for k in range(2, min(self.k_max, len(S) - 1) + 1):
            lab = KMeans(n_clusters=k, n_init=1, random_state=rs).fit(S).labels_
            if len(set(lab)) < 2:
                continue
            s = float(silhouette_score(S, lab))
            if s > best:
                best_k, best = k, s
        if best_k == 1:
            labels = np.zeros(n, dtype=int)
        elif n > 5_000:
            labels = MiniBatchKMeans(n_clusters=best_k, random_state=rs, n_init=3, batch_size=2048).fit(F).labels_
        else:
            labels = KMeans(n_clusters=best_k, n_init=3, random_state=rs).fit(F).labels_
        uniq, counts = np.unique(labels, return_counts=True)
        order = uniq[np.argsort(-counts, kind="stable")]
        remap = np.zeros(int(labels.max()) + 1, dtype=int)
        remap[order] = np.arange(len(order))
        self.labels_ = remap[labels]
        k = self.n_stances_ = len(order)
        self.centers_ = np.vstack([F[self.labels_ == c].mean(axis=0) for c in range(k)])
        self.representatives_ = tf.representatives(tf.l2(F), self.labels_, tf.l2(self.centers_))
        Lz = (L - self.lex_mean_) / self.lex_scale_
        resid = tf.distinguishing_terms(X, self.labels_, names, n_terms=self.n_terms, exclude=frozenset({""})) \
            if k > 1 else [[] for _ in range(k)]
        self.stance_terms_, self.stance_names_ = [], []
        for c in range(k):
            zc = Lz[self.labels_ == c].mean(axis=0)
            ranked = [CATEGORIES[i] for i in np.argsort(-zc[: len(CATEGORIES)], kind="stable")
                      if zc[i] > 0 and CATEGORIES[i] != "negation"]
            cats = [x for x in POSITION_CATEGORIES if x in ranked] + [x for x in ranked if x not in POSITION_CATEGORIES]
            lead = LEXICON[cats[0]][0] if cats else None
            terms = resid[c][: self.n_terms]
            self.stance_terms_.append(terms)
            name_terms = ([lead] if lead else []) + list(terms)
            self.stance_names_.append(tf.name_from_terms(name_terms) if name_terms else UNSPLIT_NAME)
        return self

    def predict_embedded(self, Z, L):
        F = self._features(Z, L)
        d = ((F[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=2)
        return np.argmin(d, axis=1).astype(int)


def fit_corpus(titles: list[str], texts: list[str], n_topics="auto", random_state=0, min_stance_topic=4,
               progress=None):
    """(FastTopicModel, {topic: FastStanceModel | None}) fitted on the corpus; one feature pass."""
    tell = progress or (lambda stage, frac: None)
    H, L, vocab = features(titles, texts)
    tell("fitting topics", 0.3)
    tm = FastTopicModel(n_topics=n_topics, random_state=random_state)
    X, Z = tm.fit_features(H, vocab)
    del H
    tell("fitting stances", 0.5)
    return tm, stance_models(tm, Z, L, X, random_state=random_state, min_stance_topic=min_stance_topic)


PARALLEL_STANCE_ROWS = 20_000   # from this many texts the topics' stances are fitted in 2 workers (1.8 -> 1.2 s
                                # at 100,000; below, forking costs more than it saves)
_STANCE_JOB: tuple | None = None   # (labels, Z, L, X, names, random_state, min size) inherited by workers


def _fit_topic_stances(t: int):
    labels, Z, L, X, names, random_state, min_size = _STANCE_JOB  # type: ignore[misc]
    from threadpoolctl import threadpool_limits
    idx = np.flatnonzero(labels == t)
    if len(idx) < min_size:
        return None
    with threadpool_limits(1):  # many small fits: BLAS threads only add contention
        return FastStanceModel(random_state=random_state).fit(Z[idx], L[idx], X[idx], names)


def stance_models(tm: FastTopicModel, Z, L, X, random_state=0, min_stance_topic=4, n_jobs: int | None = None):
    """{topic: FastStanceModel, or None below min_stance_topic texts}. Topics are independent, so with many
    texts they are fitted in forked workers (same results: each fit has its own fixed seed)."""
    global _STANCE_JOB
    _STANCE_JOB = (tm.labels_, Z, L, X, tm.names_, random_state, min_stance_topic)
    topics = list(range(tm.n_topics_))
    n_jobs = n_jobs or min(2, os.cpu_count() or 1)
    try:
        if len(Z) < PARALLEL_STANCE_ROWS or n_jobs < 2 or len(topics) < 2:
            fitted = [_fit_topic_stances(t) for t in topics]
        else:
            from .forking import fork_pool
            with fork_pool(n_jobs) as pool:   # topics come largest first: chunks of one balance the load
                fitted = pool.map(_fit_topic_stances, topics, chunksize=1)
    finally:
        _STANCE_JOB = None
    return dict(zip(topics, fitted))
