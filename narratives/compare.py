"""Comparisons across outlets and between two articles: the analyst's "who says what, and who said it first".

Pure functions over the articles frame (``Store.frame()``, possibly filtered) and over texts; no
Streamlit, no database writes. Frame work is vectorised (groupby/crosstab), so 100k rows take well
under a second; text work (terms, alignment) caps its input so a page never waits for minutes.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .filters import UNKNOWN_SOURCE, unknown_source   # one name and one test for "no outlet found"

UNASSIGNED_TOPIC = "(no topic)"
THIN = 3                    # fewer articles than this in a cell: shown, but marked "thin"

__all__ = [
    "UNKNOWN_SOURCE", "THIN", "name_words", "source_names", "SourceTopic", "source_topic_matrix",
    "topic_names", "stance_mix",
    "distinguishing_terms", "cap_sample", "MAX_TERM_DOCS", "first_coverage", "stance_evidence",
    "split_sentences", "AlignedPair", "Alignment", "align_passages", "similarity",
]


# --------------------------------------------------------------------------------------------------
# frame helpers

def name_words(*names: str) -> set[str]:
    """Words of outlet names and their initials ("Associated Press" -> associated, press, ap)."""
    out: set[str] = set()
    for name in names:
        words = re.findall(r"[^\W\d_]+", (name or "").lower())
        out.update(w for w in words if len(w) > 1)
        if len(words) > 1:
            out.add("".join(w[0] for w in words))
    return out


def source_names(frame: pd.DataFrame) -> pd.Series:
    """Source names with unknown (NA / blank) outlets grouped under one visible name, not dropped."""
    s = frame["source"].astype("object")
    return s.where(~unknown_source(s), UNKNOWN_SOURCE).astype(str)


def topic_names(frame: pd.DataFrame) -> dict[int, str]:
    """Topic key -> display label; duplicate labels get their key appended so axes stay unambiguous."""
    if frame is None or frame.empty or "topic" not in frame:
        return {}
    sub = frame.loc[frame["topic"].notna(), ["topic", "topic_label"]].drop_duplicates("topic")
    names: dict[int, str] = {}
    for key, label in zip(sub["topic"].astype(int), sub["topic_label"]):
        label = str(label) if isinstance(label, str) and label.strip() else f"Topic {key}"
        names[int(key)] = label
    counts = pd.Series(list(names.values())).value_counts()
    return {k: (f"{v} (#{k})" if counts[v] > 1 else v) for k, v in sorted(names.items())}


@dataclass
class SourceTopic:
    """Source x topic table: ``values`` (shares or counts, as asked), ``counts`` (always article counts)."""

    values: pd.DataFrame        # index: source, columns: topic key (int)
    counts: pd.DataFrame        # same shape, article counts, for thin marking
    labels: dict[int, str]      # topic key -> label
    unassigned: int = 0         # articles without a topic (not in the table)

    @property
    def thin(self) -> pd.DataFrame:
        """True where a non-empty cell rests on fewer than THIN articles."""
        return (self.counts > 0) & (self.counts < THIN)

    def long(self) -> pd.DataFrame:
        """One row per source x topic with label, count, value and thin flag (the CSV behind the heatmap)."""
        if self.counts.empty:
            return pd.DataFrame(columns=["source", "topic", "topic_label", "articles", "value", "thin"])
        c = self.counts.stack().rename("articles")
        v = self.values.stack().rename("value")
        out = pd.concat([c, v], axis=1).reset_index()
        out.columns = ["source", "topic", "articles", "value"]
        out["topic_label"] = out["topic"].map(self.labels)
        out["thin"] = (out["articles"] > 0) & (out["articles"] < THIN)
        return out[["source", "topic", "topic_label", "articles", "value", "thin"]]


def source_topic_matrix(frame: pd.DataFrame, normalise: str | None = "source") -> SourceTopic:
    """Share of each source's articles per topic (normalise="source"), per topic ("topic"), or counts (None).

    Sources are sorted by article count (largest first), topics by size, so the heatmap reads from the
    busy corner. Articles with no topic yet are counted in ``unassigned`` rather than silently lost.
    """
    if normalise not in ("source", "topic", None, "none"):
        raise ValueError(f"normalise must be 'source', 'topic' or None, not {normalise!r}")
    empty = pd.DataFrame(dtype=float)
    if frame is None or frame.empty:
        return SourceTopic(empty, empty, {}, 0)
    has_topic = frame["topic"].notna()
    sub = frame.loc[has_topic]
    unassigned = int((~has_topic).sum())
    if sub.empty:
        return SourceTopic(empty, empty, {}, unassigned)
    counts = pd.crosstab(source_names(sub), sub["topic"].astype(int))
    counts.index.name, counts.columns.name = "source", "topic"
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index,
                        counts.sum(axis=0).sort_values(ascending=False, kind="stable").index]
    if normalise == "source":
        values = counts.div(counts.sum(axis=1), axis=0)
    elif normalise == "topic":
        values = counts.div(counts.sum(axis=0), axis=1)
    else:
        values = counts.astype(float)
    return SourceTopic(values.astype(float), counts.astype(int), topic_names(sub), unassigned)


def _clustered(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The articles that have a topic, with display source names and int topics; None when there are none."""
    if frame is None or frame.empty:
        return None
    sub = frame.loc[frame["topic"].notna()].copy()
    if sub.empty:
        return None
    sub["source"] = source_names(sub)
    sub["topic"] = sub["topic"].astype(int)
    return sub


def stance_mix(frame: pd.DataFrame, by_topic: bool = True) -> pd.DataFrame:
    """Stance counts and shares per source (per source x topic when by_topic).

    Stances are clusters *within* a topic, so a stance is identified by (topic, stance); ``share`` is the
    share of that source's articles (on that topic when by_topic) in the stance. Articles without a stance
    are reported as stance_label "(no stance)" so the bars add up to the source's articles.
    """
    cols = ["source", "topic", "topic_label", "stance", "stance_label", "articles", "share"]
    sub = _clustered(frame)
    if sub is None:
        return pd.DataFrame(columns=cols)
    names = topic_names(sub)
    sub["topic_label"] = sub["topic"].map(names)
    sub["stance"] = sub["stance"].astype("Int64").fillna(-1).astype(int)
    lab = sub["stance_label"].astype("object")
    sub["stance_label"] = lab.where(lab.notna() & (sub["stance"] >= 0), "(no stance)").astype(str)
    keys = ["source", "topic", "topic_label", "stance", "stance_label"]
    g = sub.groupby(keys, sort=True, dropna=False).size().rename("articles").reset_index()
    denom_keys = ["source", "topic"] if by_topic else ["source"]
    g["share"] = g["articles"] / g.groupby(denom_keys)["articles"].transform("sum")
    order = g.groupby("source")["articles"].transform("sum")
    g = g.assign(_n=order).sort_values(["_n", "source", "topic", "stance"],
                                       ascending=[False, True, True, True], kind="stable")
    return g.drop(columns="_n").reset_index(drop=True)[cols]


# --------------------------------------------------------------------------------------------------
# distinguishing terms: log-odds ratio with informative Dirichlet prior (Monroe, Colaresi & Quinn 2008)

_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"     # letters only: "it's" -> "it" (a stop word), no numbers
MAX_TERM_CHARS = 20_000               # per text: the lede and body carry the vocabulary, not page 40


_WEB_WORDS = {"com", "http", "https", "www", "pic", "html", "org", "net", "status", "href"}


def _stop_words() -> list[str]:
    """The project's news stop words (so terms match the topic labels) plus URL debris from embeds."""
    try:
        from narratives.textfeatures import STOP_WORDS
    except ImportError:  # pragma: no cover - textfeatures is part of the package
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as STOP_WORDS
    return sorted(set(STOP_WORDS) | _WEB_WORDS)


MAX_TERM_DOCS = 1000                  # per side of distinguishing_terms


def _count_terms(texts: list[str]) -> Counter:
    """Unigram + bigram counts over texts, tokenised as CountVectorizer(token_pattern=_TOKEN,
    stop_words=_stop_words(), ngram_range=(1, 2)) does (stop words dropped before the bigrams are made; a
    word with a letter-like numeral such as "x²" is left out, which _TOKEN would keep).
    Counting into one Counter skips the vocabulary sort and sparse matrix that CountVectorizer builds:
    on 2 x 1,000 news articles ~1.5 s instead of ~6 s."""
    stop = _stop_set()
    find = _WORDS_RE.findall
    counts: Counter = Counter()
    for text in texts:
        # runs of 2+ word characters that are all letters: _TOKEN's tokens (bar letter-like numerals such
        # as "²"), found ~25% faster than with _TOKEN's look-arounds
        toks = [w for w in find(text.lower()) if w.isalpha() and w not in stop]
        counts.update(toks)
        counts.update(map(" ".join, zip(toks, toks[1:])))
    return counts


_WORDS_RE = re.compile(r"\w\w+")


@functools.lru_cache(maxsize=1)
def _stop_set() -> frozenset:
    return frozenset(_stop_words())


def cap_sample(items: Sequence, max_docs: int = MAX_TERM_DOCS, seed: int = 0) -> list:
    """A deterministic sample (kept in order) when one side is huge: word counts converge long before
    100k articles. distinguishing_terms samples side a with seed, side b with seed + 1: sampling the ids
    the same way first picks the same articles, so a caller reads 1,000 texts from the store, not 100,000."""
    items = list(items)
    if len(items) <= max_docs:
        return items
    idx = np.sort(np.random.RandomState(seed).choice(len(items), max_docs, replace=False))
    return [items[i] for i in idx]


def distinguishing_terms(texts_a: Iterable[str], texts_b: Iterable[str], n: int = 20,
                         prior: float = 500.0, *, background: Iterable[str] | None = None,
                         min_count: int = 3, max_docs: int = MAX_TERM_DOCS, seed: int = 0,
                         exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Terms that set corpus A apart from corpus B (and B from A), ranked by z-score of the log-odds ratio.

    "Fightin' Words" (Monroe, Colaresi & Quinn 2008): each term gets pseudo-counts alpha_w = prior * p_w,
    with p_w its frequency in the background (A+B unless given). The prior shrinks rare words, so a
    name mentioned twice by a small outlet does not top the list; the z-score divides the log-odds
    difference by its standard error. Returns columns term, z, delta, count_a, count_b, side ("a"|"b"):
    up to n terms favouring A (z desc) then up to n favouring B (z asc). Empty frame when either side
    has no text. ``exclude``: words dropped with every bigram containing them (e.g. the outlets' own
    names, which say who wrote it, not what it says). Each side is capped at max_docs articles
    (deterministic sample) and each text at MAX_TERM_CHARS: counting bigrams costs ~2 s per 1,000
    articles, and the ranking of the top terms is stable long before that.
    """
    cols = ["term", "z", "delta", "count_a", "count_b", "side"]
    a = [t[:MAX_TERM_CHARS] for t in cap_sample([t for t in texts_a if isinstance(t, str) and t.strip()],
                                          max_docs, seed)]
    b = [t[:MAX_TERM_CHARS] for t in cap_sample([t for t in texts_b if isinstance(t, str) and t.strip()],
                                          max_docs, seed + 1)]
    if not a or not b:
        return pd.DataFrame(columns=cols)
    ca, cb = _count_terms(a), _count_terms(b)
    if not ca and not cb:   # only stop words / no tokens
        return pd.DataFrame(columns=cols)
    # terms seen min_count times on both sides together (not via ca + cb: Counter addition of ~500,000
    # terms takes ~0.7 s)
    cb_get = cb.get
    kept = ([t for t, c in ca.items() if c + cb_get(t, 0) >= min_count]
            + [t for t, c in cb.items() if c >= min_count and t not in ca])
    if not kept:
        kept = list(ca) + [t for t in cb if t not in ca]
    drop = {w.lower() for w in exclude if w}
    if drop:
        kept = [t for t in kept if not (set(t.split()) & drop)]
    terms = np.array(sorted(kept), dtype=object)
    ya = np.fromiter((ca.get(t, 0) for t in terms), dtype=float, count=len(terms))
    yb = np.fromiter((cb.get(t, 0) for t in terms), dtype=float, count=len(terms))
    bg = ya + yb
    if background is not None:
        counts = _count_terms(cap_sample([t for t in background if isinstance(t, str) and t.strip()],
                                         max_docs, seed + 2))
        in_vocab = sum(c for t, c in counts.items() if t in ca or t in cb)
        if in_vocab:
            bg = np.fromiter((counts.get(t, 0) for t in terms), dtype=float, count=len(terms))
    alpha = prior * (bg + 0.01) / (bg + 0.01).sum()      # +0.01: background may lack a term of A/B
    a0 = alpha.sum()
    na, nb = ya.sum(), yb.sum()
    delta = (np.log((ya + alpha) / (na + a0 - ya - alpha))
             - np.log((yb + alpha) / (nb + a0 - yb - alpha)))
    z = delta / np.sqrt(1.0 / (ya + alpha) + 1.0 / (yb + alpha))
    df = pd.DataFrame({"term": terms, "z": z, "delta": delta,
                       "count_a": ya.astype(int), "count_b": yb.astype(int)})
    top_a = df[df["z"] > 0].sort_values(["z", "term"], ascending=[False, True], kind="stable").head(n)
    top_b = df[df["z"] < 0].sort_values(["z", "term"], ascending=[True, True], kind="stable").head(n)
    out = pd.concat([top_a.assign(side="a"), top_b.assign(side="b")], ignore_index=True)
    return out[cols]


# --------------------------------------------------------------------------------------------------
# first coverage

def first_coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Per topic: the source that published on it first (earliest date; ties by id), with the article.

    Undated articles cannot be first: they are excluded and counted in ``undated`` so the analyst sees
    how much the answer rests on. ``same_day`` lists the other sources that covered it on that date.
    Columns: topic, topic_label, source, published, id, title, same_day, sources, articles, undated.
    """
    cols = ["topic", "topic_label", "source", "published", "id", "title", "same_day", "sources",
            "articles", "undated"]
    sub = _clustered(frame)
    if sub is None:
        return pd.DataFrame(columns=cols)
    names = topic_names(sub)
    per_topic = sub.groupby("topic").agg(articles=("id", "size"),
                                         undated=("published", lambda s: int(s.isna().sum())))
    dated = sub.loc[sub["published"].notna()].sort_values(["topic", "published", "id"], kind="stable")
    rows = dated.drop_duplicates("topic", keep="first").set_index("topic")
    srcs = dated.groupby("topic")["source"].nunique().rename("sources")
    day = dated["published"].dt.normalize()
    first_day = day.groupby(dated["topic"]).transform("min")
    tie = dated.loc[day == first_day, ["topic", "source"]]
    out = per_topic.join(rows[["source", "published", "id", "title"]], how="left").join(srcs, how="left")
    out["same_day"] = ""
    for t, grp in tie.groupby("topic"):
        if t in out.index:
            others = sorted(set(grp["source"]) - {out.at[t, "source"]})
            out.at[t, "same_day"] = ", ".join(others)
    out["sources"] = out["sources"].fillna(0).astype(int)
    out["id"] = out["id"].astype("Int64")
    out = out.reset_index()
    out["topic_label"] = out["topic"].map(names)
    out = out.sort_values(["published", "topic"], kind="stable", na_position="last")
    return out.reset_index(drop=True)[cols]


# --------------------------------------------------------------------------------------------------
# stance evidence

def _fetch_texts(store_or_texts, ids: list[int]) -> dict[int, str]:
    """Texts by id from a Store (``texts(ids)``), a mapping id -> text, or a callable."""
    if hasattr(store_or_texts, "texts"):
        got_ids, _titles, texts = store_or_texts.texts(list(ids))
        return {int(i): t for i, t in zip(got_ids, texts)}
    if isinstance(store_or_texts, Mapping):
        return {int(i): store_or_texts[i] for i in ids if i in store_or_texts}
    if callable(store_or_texts):
        return {int(i): store_or_texts(i) for i in ids}
    raise TypeError("store_or_texts must be a Store, a mapping id -> text, or a callable")


def stance_evidence(store_or_texts, frame: pd.DataFrame, source: str, topic: int, limit: int = 3,
                    max_articles: int = 20) -> pd.DataFrame:
    """The sentences (quotes, attributions, denials) that show a source's stance on a topic.

    Looks at that source's articles on the topic, newest first (up to max_articles), and keeps up to
    ``limit`` stance sentences of each via ``narratives.stance.stance_sentences``. Columns: id, title,
    published, url, stance_label, sentence. Sentences are plain text: escape before rendering as HTML.
    """
    from narratives.stance import stance_sentences

    cols = ["id", "title", "published", "url", "stance_label", "sentence"]
    if frame is None or frame.empty or topic is None:
        return pd.DataFrame(columns=cols)
    src = source_names(frame)
    mask = (src == source) & (frame["topic"].astype("Int64") == int(topic)).fillna(False)
    sub = frame.loc[mask].sort_values(["published", "id"], ascending=[False, True], kind="stable",
                                      na_position="last").head(max_articles)
    if sub.empty:
        return pd.DataFrame(columns=cols)
    texts = _fetch_texts(store_or_texts, [int(i) for i in sub["id"]])
    rows = []
    for r in sub.itertuples(index=False):
        text = texts.get(int(r.id)) or ""
        for s in stance_sentences(text, limit=limit):
            rows.append({"id": int(r.id), "title": r.title, "published": r.published,
                         "url": getattr(r, "url", None), "stance_label": getattr(r, "stance_label", None),
                         "sentence": s})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------------
# passage alignment (side by side)

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "jr",
    "sr", "inc", "ltd", "co", "corp", "vs", "no", "jan", "feb", "mar", "apr", "aug", "sep", "sept",
    "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "dept", "est", "fig",
}
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> tuple[list[str], list[int]]:
    """Sentences of a news text and the paragraph (line block) each belongs to.

    Lines are paragraphs (scraped text puts headings and paragraphs on lines); inside a line, split
    after . ! ? … when the next word starts a sentence, except after common abbreviations ("Mr.",
    "U.S.") and initials.
    """
    sentences: list[str] = []
    paras: list[int] = []
    for p, line in enumerate(l for l in re.split(r"\n\s*\n|\n", text or "") if l.strip()):
        line = re.sub(r"\s+", " ", line).strip()
        start = 0
        for m in _CANDIDATE.finditer(line):
            before = line[start:m.start()].rsplit(" ", 1)[-1].lower().strip("\"'“‘(")
            if before in _ABBREV or (len(before) == 1 and before.isalpha()):
                continue
            piece = line[start:m.end()].strip()
            if piece:
                sentences.append(piece)
                paras.append(p)
            start = m.end()
        piece = line[start:].strip()
        if piece:
            sentences.append(piece)
            paras.append(p)
    return sentences, paras


def _norm(s: str) -> str:
    """Comparable form: NFKC, casefold, curly quotes and dashes unified, punctuation and spacing dropped."""
    s = unicodedata.normalize("NFKC", s).replace("\u00ad", "").casefold()
    s = re.sub(r"[^\w\s]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


@dataclass
class AlignedPair:
    """Sentence index_a of A matches sentence index_b of B; kind "same" (same wording) or "paraphrase"."""

    index_a: int
    index_b: int
    score: float
    kind: str


@dataclass
class Alignment:
    """Both texts as sentences, the one-to-one matches between them, and what only one side says."""

    sentences_a: list[str]
    sentences_b: list[str]
    paragraphs_a: list[int]
    paragraphs_b: list[int]
    pairs: list[AlignedPair] = field(default_factory=list)     # ordered by index_a
    only_a: list[int] = field(default_factory=list)
    only_b: list[int] = field(default_factory=list)
    similarity: float = 0.0                                    # share of the text (chars) in matched pairs

    def pair_of_a(self) -> dict[int, int]:
        """index_a -> position of its pair in ``pairs`` (for colouring)."""
        return {p.index_a: k for k, p in enumerate(self.pairs)}

    def pair_of_b(self) -> dict[int, int]:
        return {p.index_b: k for k, p in enumerate(self.pairs)}

    def table(self) -> pd.DataFrame:
        """The matched pairs as rows (the CSV behind the side-by-side view)."""
        return pd.DataFrame(
            [{"pair": k + 1, "kind": p.kind, "score": round(p.score, 3),
              "sentence_a": self.sentences_a[p.index_a], "sentence_b": self.sentences_b[p.index_b]}
             for k, p in enumerate(self.pairs)],
            columns=["pair", "kind", "score", "sentence_a", "sentence_b"])


MIN_SAME_WORDS = 3     # identical sentences shorter than this are not worth marking
MIN_WORDS = 4          # shorter sentences (datelines, "Breaking", headings) match only when identical
SAME_RATIO = 0.9       # character similarity above which two sentences count as the same wording
NEAR_COSINE = 0.6     # a one-word edit keeps cosine well above this; below it, don't try the ratio
MAX_SENTENCES = 3000   # per text: beyond that the tail is not aligned (a page must stay responsive)


def _score_matrix(na_s: list[str], nb_s: list[str]) -> np.ndarray:
    """Cosine of sentences on word (1-2 gram) and character (3-5 gram) TF-IDF, averaged."""
    # imported here: scikit-learn takes ~1-2 s to import, and the Source comparison page, which imports
    # this module, does not need it
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = na_s + nb_s
    mats = []
    for vec in (
        TfidfVectorizer(lowercase=True, stop_words=_stop_words(), token_pattern=r"(?u)\b\w+\b",
                        ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32),
        TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                        dtype=np.float32),
    ):
        try:
            X = vec.fit_transform(docs)
        except ValueError:  # only stop words
            continue
        A, B = X[: len(na_s)], X[len(na_s):]
        mats.append((A @ B.T).toarray())
    if not mats:
        return np.zeros((len(na_s), len(nb_s)), dtype=np.float32)
    return np.mean(mats, axis=0)


_END = re.compile(r"[.!?…:][\"'”’)\]]*$")


def _prose(raw: str, norm: str) -> bool:
    """A sentence that may be matched as a paraphrase: enough words and not a heading.

    Headings and sign-offs ("Robust Security Cooperation", "Follow us on ...") share topic words with
    the prose around them and would pair with it on word overlap alone; they match only when identical.
    """
    n = len(norm.split())
    return n >= MIN_WORDS and bool(_END.search(raw))


def align_passages(text_a: str, text_b: str, threshold: float = 0.25) -> Alignment:
    """Match the sentences of two articles one-to-one: same wording first, then paraphrases.

    1. "same": identical after normalisation (case, quotes, punctuation; at least MIN_SAME_WORDS words)
       or a character ratio >= 0.9 (a wire story with a word changed).
    2. "paraphrase": cosine over word + char n-grams >= threshold, both being prose (see _prose).
       The default threshold is set on real text: in the sample corpus, sentences reporting the same
       fact in other words score 0.25-0.30, unrelated ones on the same topic stay under 0.23.
    Matching is greedy on score (ties by position), so it is deterministic and linear in the number
    of candidate pairs.
    """
    sa, pa = split_sentences(text_a or "")
    sb, pb = split_sentences(text_b or "")
    al = Alignment(sa, sb, pa, pb)
    if not sa or not sb:
        al.only_a, al.only_b = list(range(len(sa))), list(range(len(sb)))
        return al
    ua, ub = sa[:MAX_SENTENCES], sb[:MAX_SENTENCES]
    na, nb = [_norm(s) for s in ua], [_norm(s) for s in ub]
    used_a, used_b = set(), set()
    pairs: list[AlignedPair] = []
    # exact (normalised) matches, in order of A
    where_b: dict[str, list[int]] = {}
    for j, s in enumerate(nb):
        if s:
            where_b.setdefault(s, []).append(j)
    for i, s in enumerate(na):
        if len(s.split()) < MIN_SAME_WORDS:   # "ADVERTISEMENT", "Post Comment": page furniture, not content
            continue
        for j in where_b.get(s, []):
            if j not in used_b:
                pairs.append(AlignedPair(i, j, 1.0, "same"))
                used_a.add(i)
                used_b.add(j)
                break
    S = _score_matrix(ua, ub)
    ok_a = np.array([_prose(raw, s) for raw, s in zip(ua, na)], dtype=bool)
    ok_b = np.array([_prose(raw, s) for raw, s in zip(ub, nb)], dtype=bool)
    ok = ok_a[:, None] & ok_b[None, :]
    cand = np.argwhere(ok & (S >= min(threshold, NEAR_COSINE)))
    order = np.lexsort((cand[:, 1], cand[:, 0], -S[cand[:, 0], cand[:, 1]])) if len(cand) else []
    for k in order:
        i, j = int(cand[k, 0]), int(cand[k, 1])
        if i in used_a or j in used_b:
            continue
        score = float(S[i, j])
        ratio = (SequenceMatcher(None, na[i], nb[j], autojunk=False).ratio()
                 if score >= NEAR_COSINE else 0.0)
        if ratio >= SAME_RATIO:
            pairs.append(AlignedPair(i, j, round(max(ratio, score), 4), "same"))
        elif score >= threshold:
            pairs.append(AlignedPair(i, j, round(score, 4), "paraphrase"))
        else:
            continue
        used_a.add(i)
        used_b.add(j)
    pairs.sort(key=lambda p: (p.index_a, p.index_b))
    al.pairs = pairs
    al.only_a = [i for i in range(len(sa)) if i not in used_a]
    al.only_b = [j for j in range(len(sb)) if j not in used_b]
    # furniture (sentences too short to be matched) counts on neither side of the ratio
    len_a = np.array([len(s) if len(_norm(s).split()) >= MIN_SAME_WORDS else 0 for s in sa], dtype=float)
    len_b = np.array([len(s) if len(_norm(s).split()) >= MIN_SAME_WORDS else 0 for s in sb], dtype=float)
    matched = sum(p.score * (len_a[p.index_a] + len_b[p.index_b]) for p in pairs)
    total = len_a.sum() + len_b.sum()
    al.similarity = float(min(1.0, matched / total)) if pairs and total else 0.0
    return al


def similarity(text_a: str, text_b: str, threshold: float = 0.25) -> float:
    """One 0..1 figure: the share of both texts (by characters) that is matched, weighted by match score."""
    return align_passages(text_a, text_b, threshold).similarity
