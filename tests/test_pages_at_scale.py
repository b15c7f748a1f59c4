"""What keeps the pages quick on a large archive, checked on small stores (the figures are in bench/dashboard.py).

On the 100,000-article store a rerun of the Articles page took 2.1 s (its CSV export, with the full texts
when ticked, was built on every run), the Source comparison 1.7 s (Streamlit hashed two tuples of 100,000
ids per run to key its word counts) and Topic over time drew 6,500 styled markers (~3 s in the browser).
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from page_helpers import open_page

VOCAB = [f"w{i:04d}" for i in range(3000)]
N_DAYS = 150


@pytest.fixture(scope="module")
def daily_store(tmp_path_factory):
    """N_DAYS articles, one a day from 2024-01-01, two outlets, distinct words (no near-duplicates), not
    clustered (Topic over time draws them as one "(not clustered)" series)."""
    from narratives.records import Article
    from narratives.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('daily') / 'daily.db'}"
    store = Store(url)
    rng = random.Random(3)
    arts = [Article(title=f"Day {i}", text=" ".join(rng.sample(VOCAB, 60)) + ".", source=f"Outlet {i % 2}",
                    published=date(2024, 1, 1) + timedelta(days=i)) for i in range(N_DAYS)]
    results = store.add_articles(arts)
    assert sum(r.status == "added" for r in results) == N_DAYS
    store.close()
    return url


def _timeline_trace_modes(at) -> set[str]:
    import json
    return {t["mode"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}


def test_timeline_marks_points_until_there_are_too_many(daily_store, monkeypatch):
    at = open_page(daily_store, monkeypatch, "views/timeline.py", gran="day")
    assert _timeline_trace_modes(at) == {"lines+markers"}          # 150 points: each one marked, clickable
    captions = " ".join(c.value for c in at.caption)
    assert "Click a point" in captions and "Lines only" not in captions

    import views._shared as sh
    monkeypatch.setattr(sh, "MAX_MARKERS", 100)
    at.run()
    assert not at.exception
    assert _timeline_trace_modes(at) == {"lines"}
    captions = " ".join(c.value for c in at.caption)
    assert f"Lines only: {N_DAYS} days × 1 series" in captions and "Click a point" not in captions

    at = open_page(daily_store, monkeypatch, "views/timeline.py", gran="month")   # 5 months: marked again
    assert _timeline_trace_modes(at) == {"lines+markers"}


def test_articles_export_is_not_built_on_a_rerun_and_its_click_does_not_rerun(daily_store, monkeypatch):
    """The CSV (and the full texts it may include) is made when the button is clicked, not on each run; the
    click itself starts no rerun (a rerun raced the browser's request for the file, see download_csv)."""
    import views._shared as sh
    from narratives.store import Store

    built, read = [], []
    real_csv, real_texts = sh.to_csv_bytes, Store.texts
    monkeypatch.setattr(sh, "to_csv_bytes", lambda df: built.append(len(df)) or real_csv(df))
    monkeypatch.setattr(Store, "texts", lambda self, ids=None, **kw: read.append(ids) or real_texts(self, ids, **kw))
    at = open_page(daily_store, monkeypatch, "views/articles.py")
    assert [b.label for b in at.get("download_button")] == ["Download these articles (CSV)"]
    at.checkbox(key="art_csv_text").check().run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == ["Download these articles with their texts (CSV)"]
    assert built == [] and read == []
    assert buttons[0].proto.deferred_file_id and not buttons[0].proto.url   # served when clicked
    assert buttons[0].proto.ignore_rerun


def test_every_download_button_leaves_the_page_as_it_is(seeded_app):
    """No page's download button reruns the page when clicked (the Overview's stance-mix export here)."""
    at = seeded_app
    at.run()
    buttons = at.get("download_button")
    assert buttons and all(b.proto.ignore_rerun and b.proto.deferred_file_id for b in buttons)


def test_ids_digest_keys_the_exact_id_sets():
    import numpy as np

    from views._shared import ids_digest
    assert ids_digest([1, 2, 3], [4]) == ids_digest(np.array([1, 2, 3]), (4,))
    assert ids_digest([1, 2, 3], [4]) != ids_digest([1, 2], [3, 4])      # same ids, other split
    assert ids_digest([1, 2, 3]) != ids_digest([1, 2, 4])
    assert ids_digest([]) != ids_digest([], [])
