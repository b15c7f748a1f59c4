"""What the page tests of Source comparison and Side by side share: the five samples stored with one known
outlet and date each (plus one hostile article), and opening a page the way a shared link does."""
from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from app_paths import APP, SAMPLE_FILES

SOURCES = ["Dawn", "Reuters", "Daily Pakistan", "Day News", "TradingView"]


def store_samples(store, evil_text: str, evil_date: date) -> dict[str, int]:
    """Ingest the samples (file prefix -> id, "evil" -> the hostile article's id)."""
    from narratives.ingest import ingest_files

    ids = {}
    for i, (p, src) in enumerate(zip(SAMPLE_FILES, SOURCES)):
        (r,) = ingest_files(store, [(p.name, p.read_bytes())], source=src, published=date(2024, 11, 10 + i))
        # the batch source only fills in where the text names none (001, 004 do): force known names
        store.update_article(r.article_id, source=src, published=date(2024, 11, 10 + i))
        assert r.article_id, r.line()
        ids[p.name[:3]] = r.article_id
    (r,) = ingest_files(store, [("evil.txt", evil_text.encode())], source="Evil Outlet", published=evil_date)
    assert r.article_id, r.line()
    ids["evil"] = r.article_id
    return ids


def open_page(url: str, monkeypatch, page: str, **params) -> AppTest:
    """The app on store `url`, URL params set before the first run, then switched to `page`."""
    monkeypatch.setenv("NARRATIVES_DB", url)
    return run_page(AppTest.from_file(APP, default_timeout=60), page, params)


def run_page(at: AppTest, page: str, params: dict | None = None) -> AppTest:
    """Open `page` the way a shared link would: URL params set before the first run, then the page.

    AppTest quirk (1.67): after switch_page the entrypoint's sidebar widgets are missing from the element
    tree (their state is kept), so tests change sidebar filters through at.session_state.
    """
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
