"""Store: one transaction per article, dedupe on add, FTS kept in sync, fast frame, concurrent writers."""
import threading
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from narratives.errors import StoreError
from narratives.records import Article, Cluster
from narratives.store import FRAME_COLUMNS, Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = sorted((ROOT / "data").glob("*.txt"))


def _sample_articles():
    out = []
    for p in SAMPLE:
        text = p.read_text(encoding="utf-8")
        out.append(Article(title=text.strip().splitlines()[0][:120], text=text, file_name=p.name))
    return out


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'n.db'}")
    yield s
    s.close()


def test_add_duplicate_near_duplicate(store):
    arts = _sample_articles()
    results = [store.add_article(a) for a in arts]
    assert [r.status for r in results] == ["added"] * 5
    assert arts[0].id == results[0].article_id and len(arts[0].content_hash) == 64
    again = store.add_article(Article(title="x", text=arts[2].text.upper() + "\n\n", file_name="copy.txt"))
    assert again.status == "duplicate" and again.duplicate_of == results[2].article_id
    near = store.add_article(Article(title="y", text=arts[4].text + " One more closing sentence here.",
                                     file_name="near.txt"))
    assert near.status == "near_duplicate" and near.duplicate_of == results[4].article_id
    assert store.count() == 6
    stored = store.get_article(near.article_id)
    assert stored.duplicate_of == results[4].article_id and 0.8 <= stored.similarity < 1
    assert store.stats()["duplicates"] == 1


def test_failure_mid_transaction_leaves_nothing(store, monkeypatch):
    """An exception after the article INSERT (in the FTS insert) rolls the whole article back."""
    store.add_article(_sample_articles()[0])
    v = store.version()

    def boom(*a, **k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(store, "_fts_insert", boom)
    art = _sample_articles()[1]
    with pytest.raises(RuntimeError):
        store.add_article(art)
    assert store.count() == 1 and store.version() == v
    monkeypatch.undo()
    # the same article is not "duplicate" of a ghost row and is searchable once stored
    assert store.add_article(_sample_articles()[1]).status == "added"
    assert store.count() == 2 and store.search("traffickers")


def test_search_ranks_and_never_raises(store):
    for a in _sample_articles():
        store.add_article(a)
    hits = store.search("traffickers")
    assert hits and hits[0] == 2
    for bad in ['"unbalanced', "AND OR", "security NEAR/", "(((", "title:", "*", "-", "a:b:c", "'"]:
        assert isinstance(store.search(bad), list)
    assert store.search('"chinese security') == store.search('"chinese" "security"')  # quoted-phrase fallback
    assert store.search("") == [] and store.search("zzzzqqq") == []


def test_update_and_delete_keep_fts_in_sync(store):
    ids = [store.add_article(a).article_id for a in _sample_articles()]
    store.update_article(ids[0], title="Zanzibar headline", source="  Dawn ", published=date(2024, 1, 2))
    assert store.search("zanzibar") == [ids[0]]
    a = store.get_article(ids[0])
    assert a.source == "Dawn" and a.published == date(2024, 1, 2)
    store.delete_article(ids[0])
    assert store.search("zanzibar") == [] and store.get_article(ids[0]) is None
    with pytest.raises(StoreError):
        store.update_article(ids[1], text="no")


def test_frame_contract_and_version(store):
    empty = store.frame()
    assert list(empty.columns) == FRAME_COLUMNS and len(empty) == 0
    v0 = store.version()
    for a in _sample_articles():
        a.source = "" if a.file_name.startswith("000") else "Dawn"
        store.add_article(a)
    assert store.version() != v0
    df = store.frame()
    assert list(df.columns) == FRAME_COLUMNS and len(df) == 5
    assert df["id"].dtype == "int64" and df["n_chars"].dtype == "int64"
    assert df["published"].dtype == "datetime64[ns]" and df["ingested_at"].dtype == "datetime64[ns]"
    for col in ("duplicate_of", "topic", "stance"):
        assert str(df[col].dtype) == "Int64"
    assert df["source"].isna().sum() == 1 and (df["source"] != "").all()
    assert df["topic"].isna().all()
    # a run makes labels appear; custom labels win
    run = store.start_run({})
    assert store.latest_run() is None  # running runs are invisible
    store.finish_run(run, [(i, 7, 9) for i in df["id"]],
                     [Cluster(run, "topic", 7, None, "auto t", "auto t", ["a"], [1], 5),
                      Cluster(run, "stance", 9, 7, "auto s", "auto s", [], [1], 5)], None)
    v1 = store.version()
    store.rename_cluster("topic", 7, "My topic")
    assert store.version() != v1
    df = store.frame()
    assert set(df["topic"]) == {7} and set(df["topic_label"]) == {"My topic"} and set(df["stance_label"]) == {"auto s"}


def test_frame_on_100k(tmp_path):
    """100k rows come back complete and typed (its speed is measured in bench/, not asserted here)."""
    s = Store(f"sqlite:///{tmp_path / 'big.db'}")
    with s.engine.begin() as c:
        c.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
            "INSERT INTO articles (title, text, source, published, content_hash, n_chars, ingested_at) "
            "SELECT 'title ' || i, 'text', 'src' || (i % 50), date('2020-01-01', '+' || (i % 1000) || ' days'), "
            "printf('%064d', i), 4, '2024-01-01 00:00:00.000000' FROM n")
    df = s.frame()
    assert len(df) == 100_000 and df["published"].notna().all()
    assert df["source"].nunique() == 50 and df["id"].is_unique


def test_concurrent_writers_each_text_once(tmp_path):
    """Two Store objects (as two sessions would) adding overlapping batches at once: no errors, no doubles."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    texts = [f"Article number {i} about topic {i % 7} with some words to make it longer {i * 31}." for i in range(120)]
    results, errors = [], []

    def worker(order):
        st = Store(url)
        try:
            for i in order:
                results.append(st.add_article(Article(title=f"t{i}", text=texts[i])).status)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    ts = [threading.Thread(target=worker, args=(range(120),)), threading.Thread(target=worker, args=(range(119, -1, -1),))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert Store(url).count() == 120
    assert results.count("added") + results.count("near_duplicate") == 120
    assert results.count("duplicate") == 120


def test_real_bbc_articles_are_stored_once(store):
    """800 real BBC articles: all stored, a second pass adds nothing (throughput is measured in bench/)."""
    files = sorted((SHARED / "bbc").glob("*/*.txt"))[:800]
    assert len(files) == 800, "the shared BBC corpus is needed next to the repo"
    arts = [Article(title=f.name, text=f.read_text(encoding="latin-1")) for f in files]
    statuses = [store.add_article(a).status for a in arts]
    assert statuses.count("added") > 700
    stored = statuses.count("added") + statuses.count("near_duplicate")   # the BBC corpus has exact repeats
    assert store.count() == stored == 800 - statuses.count("duplicate")
    again = [store.add_article(Article(title=a.title, text=a.text)).status for a in arts]
    assert set(again) == {"duplicate"} and store.count() == stored


def test_bad_url_is_store_error(tmp_path):
    with pytest.raises(StoreError):
        Store("nosuchdialect://x")
    with pytest.raises(StoreError):
        Store("sqlite:////proc/definitely/not/here.db")


def test_near_duplicates_across_handles_and_old_databases(tmp_path):
    """LSH band rows live in the database: another handle (process) sees them at once, and a database
    from before the band table gets them backfilled once when opened."""
    import sqlite3
    from narratives.records import Article
    url = f"sqlite:///{tmp_path}/s.db"
    text = " ".join(f"word{i % 97} river{i % 13} council{i % 7}" for i in range(120))
    a, b = Store(url), Store(url)
    orig = a.add_article(Article(title="o", text=text)).article_id
    r = b.add_article(Article(title="n", text=text + " Reporting by a desk."))
    assert r.status == "near_duplicate" and r.duplicate_of == orig
    a.close(), b.close()
    con = sqlite3.connect(f"{tmp_path}/s.db")   # an old database: no band rows, no marker
    con.execute("DELETE FROM minhash_bands")
    con.execute("DELETE FROM meta WHERE key = 'minhash_bands'")
    con.commit(), con.close()
    c = Store(url)
    r = c.add_article(Article(title="n2", text=text + " Editing by another desk."))
    assert r.status == "near_duplicate" and r.duplicate_of == orig
    c.delete_article(orig)   # its copies become originals and are found as such
    r = c.add_article(Article(title="n3", text=text + " Reporting by a desk. More."))
    assert r.status == "near_duplicate" and r.duplicate_of != orig


def test_phrase_search_matches_words_in_order_only(store):
    """The FTS index keeps no word positions (detail=column): a quoted phrase is found by its words, then
    checked in the text. Words in order with only spaces/punctuation between match (as FTS5 phrases did);
    the same words apart or reversed do not; case does not matter; a column filter still applies."""
    texts = {
        "adjacent": "Officials discussed Chinese security guards for the corridor projects.",
        "hyphen": "A row over Chinese-security arrangements went on for weeks.",
        "apart": "Chinese engineers asked for more security at the dam site.",
        "reversed": "Security for Chinese nationals was the topic of the meeting.",
        "title": "Nothing in the body mentions the phrase at all, only the title does.",
    }
    ids = {}
    for name, text in texts.items():
        title = "CHINESE SECURITY plan" if name == "title" else f"Report {name}"
        ids[name] = store.add_article(Article(title=title, text=text, file_name=f"{name}.txt")).article_id
    hits = store.search('"chinese security"')
    assert sorted(hits) == sorted([ids["adjacent"], ids["hyphen"], ids["title"]])
    assert hits[0] == ids["title"]                                   # titles still weigh double
    assert sorted(store.search("chinese security")) == sorted(ids.values())   # unquoted: all words
    assert store.search('title:"chinese security"') == [ids["title"]]
    assert store.search('body title:"chinese security"') == [ids["title"]]
    assert store.search('officials "chinese security"') == [ids["adjacent"]]
    assert sorted(store.search('"chinese security" OR dam')) == sorted(ids.values())   # inside OR: its words
    assert store.search('"security for chinese" meeting') == [ids["reversed"]]
    assert store.search('"chinese security" "dam site"') == []


def test_store_with_an_older_full_text_index_is_reindexed_once(tmp_path):
    """A store whose FTS table kept positions (before detail=column) gets it rebuilt on open; search works."""
    url = f"sqlite:///{tmp_path}/old_fts.db"
    store = Store(url)
    ids = [store.add_article(a).article_id for a in _sample_articles()]
    with store.engine.begin() as conn:   # what such a store looked like
        conn.exec_driver_sql("DROP TABLE articles_fts")
        conn.exec_driver_sql("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', "
                             "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    before = store.search("traffickers")
    store.close()
    store = Store(url)
    with store.engine.connect() as conn:
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").scalar()
    assert "detail=column" in ddl
    assert store.search("traffickers") == before and before and set(before) <= set(ids)


def test_fts_settings_are_set_once_and_kept(tmp_path):
    """New stores get the FTS5 settings; an existing store without them gets them when opened; a value
    changed by hand is left alone."""
    import sqlite3

    from narratives.store import _FTS_CONFIG
    db = tmp_path / "n.db"
    Store(f"sqlite:///{db}").close()
    conn = sqlite3.connect(db)
    assert dict(conn.execute("SELECT k, v FROM articles_fts_config WHERE k != 'version'").fetchall()) == _FTS_CONFIG
    conn.execute("DELETE FROM articles_fts_config WHERE k = 'hashsize'")   # a store from before hashsize
    conn.execute("UPDATE articles_fts_config SET v = 12 WHERE k = 'automerge'")
    conn.commit()
    conn.close()
    s = Store(f"sqlite:///{db}")
    s.add_articles(_sample_articles())
    assert s.search("China")
    s.close()
    conn = sqlite3.connect(db)
    got = dict(conn.execute("SELECT k, v FROM articles_fts_config").fetchall())
    conn.close()
    assert got["hashsize"] == _FTS_CONFIG["hashsize"] and got["automerge"] == 12


def test_new_store_gets_large_pages_and_an_old_one_keeps_its_own(tmp_path):
    """New files get PAGE_SIZE pages (faster writes and scans); a store made with SQLite's default 4 KiB pages
    keeps them, reads and writes as before, and its writer's own checkpoint limit stays ~120 MB of log."""
    import sqlite3

    from narratives import store as store_mod

    new = Store(f"sqlite:///{tmp_path / 'new.db'}")
    new.add_articles(_sample_articles())
    with new.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == store_mod.PAGE_SIZE == 16384
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 7500   # ~120 MB of log
    new.close()

    old_path = tmp_path / "old.db"
    raw = sqlite3.connect(old_path)
    raw.execute("PRAGMA page_size = 4096")
    raw.execute("PRAGMA journal_mode = WAL")   # the page size is fixed from here on
    raw.close()
    old = Store(f"sqlite:///{old_path}")
    results = old.add_articles(_sample_articles())
    assert [r.status for r in results] == ["added"] * 5
    assert old.match_ids("Pakistan") and len(old.frame()) == 5
    with old.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    old.close()


def test_datetimes_are_bound_in_sqlalchemys_storage_format(store):
    """The hot path's datetime text is exactly SQLAlchemy's SQLite DateTime format, so SQLAlchemy reads it back."""
    from datetime import datetime, timedelta, timezone
    for dt in (datetime(2026, 12, 2, 1, 2, 3), datetime(2026, 12, 2, 1, 2, 3, 4567), datetime(1999, 1, 1),
               datetime(999, 5, 6, 7, 8, 9, 10), datetime(2024, 2, 29, 23, 59, 59, 999999),
               datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=5)))):
        assert store._bind(dt) == dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    store.add_articles(_sample_articles()[:1])
    assert isinstance(store.frame()["ingested_at"].iloc[0], pd.Timestamp)
    art = store.get_article(int(store.frame()["id"].iloc[0]))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert isinstance(art.ingested_at, datetime) and abs(art.ingested_at - now) < timedelta(minutes=5)
