"""StanceModel: cluster the articles of ONE topic by the position they take, plus stance_sentences().

Why these features: within one topic the subject words are shared, so plain TF-IDF mostly separates
sub-subjects, not positions. The position shows in general rhetorical markers: who is cited
(attribution), whether a claim is refuted (denial), confirmed, or hedged, negation, evaluative words,
quoted speech and questions. Clustering uses those markers per sentence in the lead and in the sentences that
restate the topic's key terms, plus refuting and reported-speech cues there and over the whole body
(standardised within the topic), combined with the TF-IDF of words shared by >= 2 texts (texts that
share wording beyond the common subject tend to share a framing).
The word lists are general English news vocabulary, not picked from any evaluation set.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from . import textfeatures as tf

# category -> (label shown in names, words/phrases). Phrases are matched as whole words, lowercased.
LEXICON: dict[str, tuple[str, list[str]]] = {
    "denial": ("denial", """denied denies deny denying denial dismissed dismisses dismiss rejected
        rejects reject refuted refutes refute debunked debunk debunks false falsely fake fakes hoax
        hoaxes baseless untrue fabricated fabrication bogus unfounded speculation speculations
        speculative misleading myth satire satirical incorrect inaccurate nonsense rumours-denied
        no_evidence not_true not_real never_happened no_truth no_basis no_such categorically
        quashed quash dropped contradicted contradicts disputes disputed faked prank pranks myths
        debunking made_up doctored photoshopped spoof parody no_proof""".split()),
    "confirmation": ("confirmation", """confirmed confirms confirm confirming verified verify
        proved proves proven evidence_shows acknowledged acknowledges admitted admits admit
        officially announced revealed reveals established indeed genuine authentic""".split()),
    "hedging": ("hedged", """reportedly allegedly alleged purportedly apparently appears appear
        may might could possibly perhaps unconfirmed unverified rumour rumours rumor rumors
        rumoured rumored claims claimed claim supposedly unclear suggest suggests suggested
        speculate believed seems seem seemingly appeared claiming if_true not_clear would""".split()),
    "attribution": ("attributed", """said says told stated states according_to reported reports
        announced insisted insists explained added noted spokesperson spokesman spokeswoman
        statement sources source official officials""".split()),
    "negation": ("negation", """not no never nothing none neither nor without cannot""".split()),
    "negative": ("critical", """fraud abuse crisis threat attack attacks fear fears concern
        concerns failed failure blame blamed criticism criticised criticized condemn condemned
        illegal harm harmful danger dangerous worst scandal outrage angry anger worried
        problem problems pressure""".split()),
    "positive": ("supportive", """support supports supported praise praised welcome welcomed
        cooperation success successful agreement commitment friendship trust progress benefit
        benefits appreciated positive strong secure safety""".split()),
}
CATEGORIES = list(LEXICON)
POSITION_CATEGORIES = ("denial", "confirmation", "hedging", "attribution")
# extra, non-lexicon features: quoted-speech share, questions per sentence
EXTRA = ["quotes", "questions"]
FEATURE_NAMES = CATEGORIES + EXTRA

_WORD = re.compile(r"[a-z]+(?:'t)?")
_QUOTE = re.compile(r"[\"“”][^\"“”]{3,}?[\"“”]")
_NT = re.compile(r"n't\b|n’t\b")


def _phrase_sets():
    single: dict[str, list[str]] = {}
    phrases: dict[str, list[tuple[str, tuple[str, ...]]]] = {}   # first word -> [(cat, phrase)]
    for cat, (_, words) in LEXICON.items():
        for w in words:
            if "_" in w:
                p = tuple(w.split("_"))
                phrases.setdefault(p[0], []).append((cat, p))
            elif "-" in w:
                continue
            else:
                single.setdefault(w, []).append(cat)
    return single, phrases


_SINGLE, _PHRASES = _phrase_sets()


def lexicon_hits(text: str) -> tuple[dict[str, list[str]], int]:
    """Lexicon words found in text, per category, and the number of word tokens."""
    low = (text or "").lower().replace("’", "'")
    toks = _WORD.findall(low)
    hits: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for i, t in enumerate(toks):
        for cat in _SINGLE.get(t, ()):
            hits[cat].append(t)
        for cat, p in _PHRASES.get(t, ()):
            if tuple(toks[i:i + len(p)]) == p:
                hits[cat].append(" ".join(p))
    hits["negation"].extend(["n't"] * len(_NT.findall(low)))
    return hits, len(toks)


def lexicon_features(text: str) -> np.ndarray:
    """Per-document rates: lexicon hits per 100 words, quoted-speech share, questions per sentence."""
    hits, n_tok = lexicon_hits(text)
    denom = max(n_tok, 1) / 100.0
    rates = [len(hits[c]) / denom for c in CATEGORIES]
    chars = max(len(text or ""), 1)
    quoted = sum(len(m) for m in _QUOTE.findall(text or "")) / chars
    n_sent = max(len(tf.split_sentences(text or "")), 1)
    questions = (text or "").count("?") / n_sent
    return np.array(rates + [quoted, questions], dtype=np.float64)


# Position block used for clustering: per-sentence presence of these categories, averaged over the lead
# (first LEAD_SENTENCES sentences) and over the CLAIM_SENTENCES sentences that mention the topic's key
# terms most (where the shared claim is restated, so where its framing shows). Whole-body rates dilute
# the framing: bodies drift to background after the lead.
POSITION_FEATURES = ("denial", "confirmation", "hedging", "attribution", "negation")
# Two more cue sets, counted per sentence in the lead, the claim sentences AND the whole body (a debunk
# or a reported-speech framing runs through the text, not only its lead). Generic English words from the
# stance-detection literature, not from any evaluation set: the refuting words of the FNC-1 baseline
# (fake, fraud, hoax, false, deny, not, despite, nope, doubt, bogus, debunk, prank, retract) with their
# inflections and a few debunk words; the hedging / reporting words of the Emergent study (Ferreira &
# Vlachos 2016: alleged, reportedly, claims, purportedly, rumour...) with report / according. Kept out of
# LEXICON so the whole-body marker rates (stance names, narratives.vectorize) stay as they were.
POSITION_CUES: dict[str, frozenset] = {
    "refuting": frozenset("""fake fraud hoax false deny denies denied denying not despite nope doubt
        doubts bogus debunk debunked pranks prank retract retracted untrue baseless fabricated satire
        satirical parody spoof myth rumour rumor""".split()),
    "reported": frozenset("""alleged allegedly apparently appear appears claim claims claimed could may
        might possibly perhaps reportedly reported rumor rumors rumour rumours suggest suggests suggested
        unconfirmed unverified purportedly supposedly speculate speculation speculated believed seems
        seem likely unclear report reports according""".split()),
}
LEAD_SENTENCES = 3
CLAIM_SENTENCES = 3
N_KEY_TERMS = 10
N_INIT = 50   # KMeans restarts for a topic of up to 500 texts (10 above)
N_RESAMPLES = 10   # subsamples per k for the auto number of stances
# the name of a topic's only stance when it is not split (too few articles, or nothing sets a group apart):
# its first part is the "position" the Overview colours by
UNSPLIT_NAME = "one stance · not split"


def _n_init(n: int) -> int:
    return N_INIT if n <= 500 else 10
_STOP = frozenset(tf.STOP_WORDS)


def key_terms(texts, n: int = N_KEY_TERMS) -> list[str]:
    """The topic's shared subject words: most document-frequent non-stop, non-lexicon words (3+ letters)."""
    df: Counter = Counter()
    for t in texts:
        df.update({w for w in _WORD.findall((t or "").lower().replace("’", "'"))
                   if len(w) > 2 and w not in _STOP and w not in _SINGLE and "'" not in w})
    return [w for w, _ in sorted(df.items(), key=lambda x: (-x[1], x[0]))[:n]]


def position_features(text: str, keys=()) -> np.ndarray:
    """Share of sentences carrying each position cue, in the lead, the claim sentences and the body.

    POSITION_FEATURES and POSITION_CUES over the lead and the claim sentences, then POSITION_CUES over
    all sentences: 2 * (5 + 2) + 2 values, each a share in [0, 1].
    """
    sents = [s for s in tf.split_sentences(text or "") if len(s) >= 15] or [text or ""]
    keys = frozenset(keys)
    cues = list(POSITION_CUES.values())
    rows, key_counts = [], []
    for s in sents:
        hits, _ = lexicon_hits(s)
        toks = _WORD.findall(s.lower().replace("’", "'"))
        rows.append([float(len(hits[c]) > 0) for c in POSITION_FEATURES]
                    + [float(any(t in cue for t in toks)) for cue in cues])
        key_counts.append(sum(1 for w in toks if w in keys))
    A = np.array(rows)
    claim = np.sort(np.argsort(-np.array(key_counts), kind="stable")[:CLAIM_SENTENCES])
    return np.concatenate([A[:LEAD_SENTENCES].mean(axis=0), A[claim].mean(axis=0),
                           A[:, len(POSITION_FEATURES):].mean(axis=0)])


N_POSITION = 2 * (len(POSITION_FEATURES) + len(POSITION_CUES)) + len(POSITION_CUES)
# columns of the layout before POSITION_CUES (lead and claim POSITION_FEATURES only), so that a model
# pickled into an older run still predicts
_LEGACY_POSITION = np.r_[0:len(POSITION_FEATURES),
                         len(POSITION_FEATURES) + len(POSITION_CUES)
                         + np.arange(len(POSITION_FEATURES))]


def stance_sentences(text: str, limit: int = 3) -> list[str]:
    """The sentences of text that carry a position (denials, confirmations, hedges, attributed quotes).

    Ranked by a weighted count of stance markers; returned in document order so they read naturally.
    Sentences with no marker are never returned.
    """
    if not text or limit <= 0:
        return []
    weights = {"denial": 3.0, "confirmation": 2.0, "hedging": 1.0, "attribution": 1.0, "negation": 0.5,
               "negative": 0.3, "positive": 0.3}
    scored = []
    for i, s in enumerate(tf.split_sentences(text)):
        if len(s) < 20 or len(s) > 600:
            continue
        hits, _ = lexicon_hits(s)
        score = sum(weights[c] * len(h) for c, h in hits.items())
        if _QUOTE.search(s) or s.lstrip().startswith(("\"", "“")):
            score += 1.5
        has_marker = any(hits[c] for c in ("denial", "confirmation", "hedging", "attribution"))
        if score > 0 and has_marker:
            scored.append((score, i, s))
    top = sorted(scored, key=lambda x: (-x[0], x[1]))[:limit]
    return [s for _, _, s in sorted(top, key=lambda x: x[1])]


class StanceModel(BaseEstimator, ClusterMixin):
    """Cluster the texts of one topic by stance.

    Parameters: n_stances "auto" or int; random_state; lexicon_weight / tfidf_weight scale the two
    feature blocks (position markers, TF-IDF); k_max bounds the auto search; n_terms kept per stance.
    """

    def __init__(self, n_stances="auto", random_state=0, lexicon_weight=0.3, tfidf_weight=1.0,
                 k_max=3, n_terms=8):
        self.n_stances = n_stances
        self.random_state = random_state
        self.lexicon_weight = lexicon_weight
        self.tfidf_weight = tfidf_weight
        self.k_max = k_max
        self.n_terms = n_terms

    def _features(self, texts, fit: bool):
        """Clustering features: TF-IDF rows (l2) + the standardised position block at lexicon_weight.

        Also returns the whole-body lexicon rates L (used to name the stances).
        """
        L = np.vstack([lexicon_features(t) for t in texts]) if texts else np.zeros((0, len(FEATURE_NAMES)))
        P = (np.vstack([position_features(t, self.key_terms_) for t in texts]) if texts
             else np.zeros((0, N_POSITION)))
        if fit:
            self.lex_mean_ = L.mean(axis=0)
            sd = L.std(axis=0)
            self.lex_scale_ = np.where(sd > 1e-9, sd, 1.0)
            self.pos_mean_ = P.mean(axis=0)
            sd = P.std(axis=0)
            self.pos_scale_ = np.where(sd > 1e-9, sd, 1.0)
        if not fit and P.shape[1] != len(self.pos_mean_) and len(self.pos_mean_) == len(_LEGACY_POSITION):
            P = P[:, _LEGACY_POSITION]   # a model fitted before POSITION_CUES
        Pz = (P - self.pos_mean_) / self.pos_scale_
        blocks = [self.lexicon_weight * Pz / np.sqrt(P.shape[1])]
        if self.vectorizer_ is not None:
            X = self.vectorizer_.transform(texts)
            blocks.append(self.tfidf_weight * tf.l2(X).toarray())
        return np.hstack(blocks).astype(np.float64), L

    def fit(self, texts, y=None):
        """Fit on the texts of one topic; degenerate inputs give fewer (possibly one) stances."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # one topic is small: threads only add overhead
            return self._fit(texts)

    def _fit(self, texts):
        texts = tf.clean_texts(texts)
        n = len(texts)
        if n == 0:
            raise ValueError("StanceModel.fit needs at least one text")
        # words in >= 2 texts (shared vocabulary groups texts; one-off words are noise at this size),
        # all words when that leaves none
        X = None
        for min_df in (2, 1):
            vec = tf.make_vectorizer(n, max_features=20_000, ngram_range=(1, 1), min_df=min_df, max_df=1.0)
            vec, X = tf.fit_vectorizer(vec, texts, random_state=self.random_state or 0)
            if X is not None and X.nnz:
                break
        self.vectorizer_ = vec if X is not None and X.nnz else None
        self.key_terms_ = key_terms(texts)
        F, L = self._features(texts, fit=True)
        n_distinct = len(np.unique(np.round(F, 6), axis=0))
        self.k_scores_ = {}
        labels = None
        if self.n_stances == "auto":
            k, labels = self._choose_k(F, n_distinct)
        else:
            k = int(self.n_stances)
            if k < 1:
                raise ValueError("n_stances must be >= 1 or 'auto'")
        k = max(1, min(k, n_distinct))
        if k == 1:
            labels = np.zeros(n, dtype=int)
        elif labels is None:   # (auto: _choose_k already made exactly this fit of all texts for the chosen k)
            # many restarts: one topic is small and the partition found varies with the start (on FNC-1,
            # NMI 0.38-0.40 over seeds with 10 restarts, 0.40 steadily with 50)
            labels = KMeans(n_clusters=k, n_init=_n_init(n), random_state=self.random_state).fit(F).labels_
        self._finish(texts, F, L, X, labels)
        return self

    def _choose_k(self, F, n_distinct):
        """(k, its partition of all texts or None): the most stable k in 2..k_max; one stance when that
        partition shows no separation.

        Stability: the partition of all texts is compared (adjusted Rand) with partitions of
        N_RESAMPLES random 80% subsamples; the k whose split comes back the same wins. On FNC-1 this
        picked the true number of stances more often than the silhouette did (47% vs 33%; mean 2.47 for
        a true 2.49, silhouette up to 4: 2.64) and auto NMI / purity went 0.389 / 0.771 -> 0.407 / 0.775;
        with the refuting / reported-speech cues 0.402 / 0.770, 45% (about chance on FNC-1, where 2 and 3
        stances are equally frequent).
        """
        n = F.shape[0]
        if n_distinct <= 2:
            return n_distinct, None
        rng = np.random.RandomState(self.random_state or 0)
        best_k, best, best_lab = 1, -np.inf, None
        for k in range(2, min(self.k_max, n_distinct - 1, n - 1) + 1):
            lab = KMeans(n_clusters=k, n_init=_n_init(n), random_state=self.random_state).fit(F).labels_
            if len(set(lab)) < 2:
                continue
            agree = []
            for b in range(N_RESAMPLES):
                idx = np.sort(rng.choice(n, max(k + 1, int(0.8 * n)), replace=False))
                sub = KMeans(n_clusters=k, n_init=5, random_state=b).fit(F[idx]).labels_
                agree.append(adjusted_rand_score(lab[idx], sub))
            s = float(np.mean(agree))
            self.k_scores_[k] = s
            if s > best + 1e-9:
                best_k, best, best_lab = k, s, lab
        if best_lab is None or float(silhouette_score(F, best_lab)) < 0.02:  # no real split
            return 1, None
        return best_k, best_lab

    def _finish(self, texts, F, L, X, labels):
        labels = np.asarray(labels)
        uniq, counts = np.unique(labels, return_counts=True)
        order = uniq[np.argsort(-counts, kind="stable")]
        remap = {int(old): new for new, old in enumerate(order)}
        labels = np.array([remap[int(v)] for v in labels], dtype=int)
        k = len(order)
        self.labels_ = labels
        self.n_stances_ = k
        self.centers_ = np.vstack([F[labels == c].mean(axis=0) for c in range(k)])
        Fn = tf.l2(F)
        self.representatives_ = tf.representatives(Fn, labels, tf.l2(self.centers_))
        # terms: lexicon words over-represented in the cluster, then distinguishing TF-IDF terms
        Lz = (L - self.lex_mean_) / self.lex_scale_
        word_counts = [lexicon_hits(t)[0] for t in texts]
        tfidf_terms = (tf.distinguishing_terms(X, labels, self.vectorizer_.get_feature_names_out(),
                                               n_terms=self.n_terms)
                       if self.vectorizer_ is not None else [[] for _ in range(k)])
        self.stance_terms_, self.stance_names_ = [], []
        for c in range(k):
            mask = labels == c
            zc = Lz[mask].mean(axis=0)
            # position categories lead the name; evaluative tone only when no position stands out
            ranked = [CATEGORIES[i] for i in np.argsort(-zc[: len(CATEGORIES)], kind="stable")
                      if zc[i] > 0 and CATEGORIES[i] != "negation"]
            cats = ([c for c in POSITION_CATEGORIES if c in ranked]
                    + [c for c in ranked if c not in POSITION_CATEGORIES])
            lead = LEXICON[cats[0]][0] if cats else None
            lex_words: dict[str, float] = {}
            for i in np.flatnonzero(mask):
                for cat in cats[:2]:
                    for w in word_counts[i][cat]:
                        lex_words[w] = lex_words.get(w, 0) + 1
            # a word counts for the cluster when it is more frequent there than elsewhere
            others = max(int((~mask).sum()), 1)
            scored = []
            for w, cnt in lex_words.items():
                out_cnt = sum(word_counts[i][cat].count(w) for i in np.flatnonzero(~mask) for cat in cats[:2])
                scored.append((cnt / mask.sum() - out_cnt / others, cnt, w))
            lex_top = [w for s, _, w in sorted(scored, key=lambda x: (-x[0], -x[1], x[2])) if s > 0][:4]
            terms = list(dict.fromkeys(lex_top + tfidf_terms[c]))[: self.n_terms]
            self.stance_terms_.append(terms)
            name_terms = ([lead] if lead else []) + [t for t in terms if t != lead]
            self.stance_names_.append(tf.name_from_terms(name_terms) if name_terms else "(no terms)")

    def predict(self, texts) -> np.ndarray:
        """Nearest stance centre for new texts of the same topic."""
        texts = tf.clean_texts(texts)
        if not texts:
            return np.zeros(0, dtype=int)
        F, _ = self._features(texts, fit=False)
        d = ((F[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=2)
        return np.argmin(d, axis=1).astype(int)

    def fit_predict(self, texts, y=None):
        return self.fit(texts).labels_
