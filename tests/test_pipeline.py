"""pipeline: deterministic runs, stable keys, labels and merges survive refits, atomic failure, assign_new."""
from pathlib import Path

import pytest

from narratives import pipeline
from narratives.pipeline import assign_new, cluster_corpus
from narratives.records import Article
from narratives.store import Store

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "data" / "bbc"


def _bbc(n_per=12, cats=("business", "sport", "tech")):
    out = []
    for c in cats:
        for f in sorted((BBC / c).glob("*.txt"))[:n_per]:
            text = f.read_text(encoding="latin-1")
            out.append(Article(title=text.splitlines()[0], text=text, source=c, file_name=f"{c}/{f.name}"))
    return out


@pytest.fixture
def bbc_store(tmp_path):
    assert BBC.is_dir(), "the shared BBC corpus is needed next to the repo (../shared/data/bbc)"
    s = Store(f"sqlite:///{tmp_path / 'p.db'}")
    for a in _bbc():
        s.add_article(a)
    return s


def _sample_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 's.db'}")
    for p in sorted((ROOT / "data").glob("*.txt")):
        t = p.read_text(encoding="utf-8")
        s.add_article(Article(title=t.strip().splitlines()[0][:100], text=t, file_name=p.name))
    return s


def test_sample_corpus_run_is_complete_and_deterministic(tmp_path):
    s = _sample_store(tmp_path)
    stages = []
    r1 = cluster_corpus(s, progress=lambda stage, frac: stages.append(frac))
    a1 = s.run_assignments(r1)
    r2 = cluster_corpus(s)
    assert s.latest_run().id == r2 and r2 > r1
    assert s.run_assignments(r2) == a1 and len(a1) == 5
    assert stages[-1] == 1.0 and stages == sorted(stages)
    df = s.frame()
    assert df["topic"].notna().all() and df["stance"].notna().all() and (df["topic_label"] != "").all()
    topics = s.clusters(kind="topic")
    assert sum(c.size for c in topics) == 5 and all(c.auto_label for c in topics)


def test_keys_labels_and_merges_survive_refit(bbc_store):
    s = bbc_store
    r1 = cluster_corpus(s, n_topics=3)
    topics = {c.key: c for c in s.clusters(r1, "topic")}
    assert len(topics) == 3
    by_source = s.frame().groupby("source")["topic"].agg(lambda x: x.mode()[0]).to_dict()
    sport = int(by_source["sport"])
    s.rename_cluster("topic", sport, "Sport desk")
    keep, merge = int(by_source["business"]), int(by_source["tech"])
    s.merge_clusters("topic", keep, merge)
    df = s.frame()
    assert merge not in set(df["topic"]) and set(df.loc[df.source == "tech", "topic"]) <= {keep, sport}
    assert len(s.clusters(kind="topic")) == 2
    # refit: the sport cluster keeps its key and label; business+tech come back merged
    r2 = cluster_corpus(s, n_topics=3)
    df2 = s.frame()
    assert s.latest_run().id == r2
    assert df2.loc[df2.source == "sport", "topic_label"].mode()[0] == "Sport desk"
    assert set(df2.loc[df2.topic == sport, "topic_label"]) == {"Sport desk"}
    assert df2.loc[df2.source == "sport", "topic"].mode()[0] == sport
    assert merge not in set(df2["topic"])
    assert (df2.loc[df2.source.isin(["business", "tech"]), "topic"] == keep).mean() > 0.8
    assert {c.key for c in s.clusters(kind="topic")} == {keep, sport}


def test_failed_run_keeps_previous_visible(bbc_store, monkeypatch):
    s = bbc_store
    r1 = cluster_corpus(s, n_topics=3)
    before = s.frame()

    def broken(*a, **k):
        raise RuntimeError("model exploded")
    monkeypatch.setattr(pipeline, "_match", broken)
    with pytest.raises(RuntimeError):
        cluster_corpus(s, n_topics=3)
    assert s.latest_run().id == r1
    status, message = s.run_status(r1 + 1)
    assert status == "failed" and "model exploded" in message
    assert s.frame()[["id", "topic", "stance"]].equals(before[["id", "topic", "stance"]])


def test_assign_new_and_near_duplicates_inherit(bbc_store):
    s = bbc_store
    cluster_corpus(s, n_topics=3)
    assert assign_new(s) == 0
    extra = _bbc(n_per=15)[-3:]  # the 13th-15th tech articles
    ids = [s.add_article(a).article_id for a in extra]
    orig = s.get_article(1)
    near = s.add_article(Article(title="copy", text=orig.text + " Reporting by our correspondent."))
    assert near.status == "near_duplicate"
    assert assign_new(s) == 4
    df = s.frame().set_index("id")
    assert df.loc[near.article_id, "topic"] == df.loc[1, "topic"]
    assert df.loc[near.article_id, "stance"] == df.loc[1, "stance"]
    tech_key = df.loc[df.source == "tech", "topic"].mode()[0]
    assert sum(df.loc[i, "topic"] == tech_key for i in ids) >= 2
    assert df["topic"].notna().all()


def test_empty_store_fails_cleanly(tmp_path):
    from narratives.errors import NarrativesError
    s = Store(f"sqlite:///{tmp_path / 'e.db'}")
    with pytest.raises(NarrativesError):
        cluster_corpus(s)
    assert s.latest_run() is None


def test_stances_fitted_in_workers_equal_the_serial_fit(tmp_path, monkeypatch):
    """Topics' stance models fitted in forked workers (from PARALLEL_STANCE_DOCS texts) give the same run
    as fitting them one after the other."""
    from narratives import pipeline
    from narratives.store import Store
    runs = []
    for threshold in (10**9, 0):   # serial, then parallel
        monkeypatch.setattr(pipeline, "PARALLEL_STANCE_DOCS", threshold)
        store = Store(f"sqlite:///{tmp_path}/p{threshold}.db")
        for a in _bbc():
            store.add_article(a)
        run = pipeline.cluster_corpus(store, n_topics=3, random_state=0)
        runs.append((sorted(store.run_assignments(run)),
                     sorted((c.key, c.topic_key, c.label) for c in store.clusters(run, kind="stance"))))
    assert runs[0] == runs[1]
    assert len(runs[0][1]) >= 2
