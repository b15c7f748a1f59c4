"""Shared fixtures: Streamlit cache isolation, and temp stores for AppTest runs of the dashboard.

The dashboard opens the DB named by NARRATIVES_DB, so each fixture points that env var at its own
temporary SQLite file before AppTest runs. Streamlit caches are process-wide (shared between AppTest
instances), hence the autouse clearing.
"""
from __future__ import annotations


import pytest

from app_paths import APP, ROOT, SAMPLE_FILES  # noqa: F401 (re-exported for fixtures below)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """st.cache_data / st.cache_resource survive between AppTest instances in one process."""
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _seed(url: str) -> None:
    """Ingest data/*.txt and cluster them, exactly as a user would (ingest_files + cluster_corpus)."""
    from narratives.ingest import ingest_files
    from narratives.pipeline import cluster_corpus
    from narratives.store import Store

    store = Store(url)
    files = [(p.name, p.read_bytes()) for p in SAMPLE_FILES]
    results = ingest_files(store, files)
    assert sum(r.status in ("added", "near_duplicate") for r in results) >= 4, [r.line() for r in results]
    cluster_corpus(store, n_topics=2)
    store.close()


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> str:
    """URL of a temp SQLite DB holding the 5 sample articles, clustered (built once per test module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'seeded.db'}"
    _seed(url)
    return url


@pytest.fixture()
def seeded_app(seeded_db, monkeypatch):
    """An AppTest of app.py over the seeded DB (call .run() / switch_page yourself)."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("NARRATIVES_DB", seeded_db)
    return AppTest.from_file(APP, default_timeout=60)


@pytest.fixture()
def fresh_db(tmp_path, monkeypatch) -> str:
    """An empty temp DB (per test), selected through NARRATIVES_DB."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("NARRATIVES_DB", url)
    return url


@pytest.fixture()
def empty_app(fresh_db):
    from streamlit.testing.v1 import AppTest
    return AppTest.from_file(APP, default_timeout=60)
