"""A text search as a filter counts every match, and a list of matches is ranked only when that is quick.

Store.search returns the best 1,000 matches; a search in the sidebar used to filter the charts by those
1,000 only, so on a large archive the Overview counted a common word's first 1,000 ranked articles, not
all of them. Filters use Store.match_ids (every match); the Articles page ranks the filtered set with
Store.rank when it is small enough (views._shared.RANK_MAX), else lists it newest first and says so.
"""
from __future__ import annotations

import random
from datetime import date

import pytest
from page_helpers import open_page

N_MATCHING = 1_060          # more than Store.search's default limit of 1,000
N_OTHER = 40
VOCAB = [f"w{i:04d}" for i in range(3000)]


def _text(rng: random.Random, with_word: bool, extra: str = "") -> str:
    words = rng.sample(VOCAB, 80)
    if with_word:
        words.insert(rng.randrange(len(words)), "harbour")
    return (" ".join(words) + " " + extra).strip() + "."


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    """N_MATCHING articles with 'harbour' in the text (plus 3 with it in the title too, one of them with
    the phrase 'harbour authority'), N_OTHER without it; distinct random words so none is a near-duplicate."""
    from narratives.records import Article
    from narratives.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'big.db'}"
    store = Store(url)
    rng = random.Random(7)
    arts = []
    for i in range(N_MATCHING):
        title = f"Report {i}"
        extra = ""
        if i in (100, 500):
            title = f"Harbour report {i}"
        if i == 900:
            title, extra = f"Harbour authority report {i}", "the harbour authority said"
        arts.append(Article(title=title, text=_text(rng, True, extra), source=f"Outlet {i % 7}",
                            published=date(2024, 1, 1 + i % 28)))
    arts += [Article(title=f"Other {i}", text=_text(rng, False), source="Outlet 0",
                     published=date(2024, 2, 1 + i % 28)) for i in range(N_OTHER)]
    results = store.add_articles(arts)
    assert sum(r.status == "added" for r in results) == len(arts), {r.status for r in results}
    ids = [r.article_id for r in results]
    store.close()
    return url, ids


def test_match_ids_returns_every_match_in_id_order(big_store):
    from narratives.store import Store
    url, ids = big_store
    store = Store(url)
    matching = sorted(ids[:N_MATCHING])
    assert len(store.search("harbour")) == 1000                 # ranked search stops at its limit
    assert store.match_ids("harbour") == matching               # the filter gets them all
    assert store.match_ids('"harbour authority"') == [ids[900]]  # exact phrase checked on every candidate
    assert store.match_ids("zzzz") == [] and store.match_ids("") == []
    assert store.match_ids('bad "syntax') == store.match_ids("bad syntax")   # never raises
    store.close()


def test_rank_orders_only_the_given_ids(big_store):
    from narratives.store import Store
    url, ids = big_store
    store = Store(url)
    subset = [ids[i] for i in (3, 100, 7, 900, 500, 42)] + [ids[N_MATCHING]]   # the last one has no match
    order = store.rank("harbour", subset)
    assert sorted(order) == sorted(subset[:-1])
    assert set(order[:3]) == {ids[100], ids[500], ids[900]}    # the word in the title ranks first
    assert store.rank('"harbour authority"', subset) == [ids[900]]
    assert store.rank("harbour", []) == []
    # the same order as the ranked search over the whole archive, restricted to the subset
    full = store.search("harbour", limit=N_MATCHING)
    assert order == [i for i in full if i in set(subset)]
    store.close()


def _caption_text(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_overview_counts_every_match_of_a_search(big_store, monkeypatch):
    url, _ = big_store
    at = open_page(url, monkeypatch, "views/overview.py", q="harbour")
    assert not at.exception
    assert f"{N_MATCHING:,} of {N_MATCHING + N_OTHER:,} stored articles" in _caption_text(at), _caption_text(at)


def test_articles_page_ranks_small_sets_and_lists_large_ones_newest_first(big_store, monkeypatch):
    from views import _shared as sh
    url, ids = big_store
    at = open_page(url, monkeypatch, "views/articles.py", q="harbour")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == N_MATCHING
    assert set(table["id"].iloc[:3]) == {ids[100], ids[500], ids[900]}   # best matches first
    assert "best matches first" in _caption_text(at)
    assert f"{N_MATCHING:,} of {N_MATCHING + N_OTHER:,} stored articles match" in _caption_text(at)

    monkeypatch.setattr(sh, "RANK_MAX", 500)
    at = open_page(url, monkeypatch, "views/articles.py", q="harbour")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == N_MATCHING
    assert "newest first" in _caption_text(at) and "best matches first" not in _caption_text(at)
    published = list(table["published"])
    assert published == sorted(published, reverse=True)
