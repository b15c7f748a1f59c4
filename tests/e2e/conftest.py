"""Real-browser (headless Chromium) fixtures: one temp corpus + one Streamlit server + one browser per session.

The corpus is what an analyst would have after a first import: the 5 sample articles in data/*.txt plus
60 dated articles from three outlets (AllSides demo set), ingested through narratives.ingest and clustered
with narratives.pipeline.cluster_corpus. The server is `streamlit run app.py` on a free port with
NARRATIVES_DB pointing at that corpus; it is killed at teardown, also when a test fails.

Every test gets a fresh browser context (1400x2000, so screenshots show the whole page); the page helpers
(open_page / check_page assert that no Streamlit exception box is on the page) are in e2e_util.py.
"""
from __future__ import annotations

import contextlib
import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from e2e_server import run_server
from e2e_util import Ctx, wait_idle

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_FILES = sorted((ROOT / "data").glob("*.txt"))
ALLSIDES = Path(__file__).resolve().parents[3] / "shared" / "data" / "allsides" / "demo_12sources_2019_2020.csv.xz"
OUTLETS = ("Reuters", "The Guardian", "Townhall")
PER_OUTLET = 20
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]



# ------------------------------------------------------------------ corpus
def _allsides_rows() -> list[dict]:
    """PER_OUTLET coronavirus/environment articles per outlet, spread over 2019-2020 (deterministic)."""
    import pandas as pd

    df = pd.read_csv(ALLSIDES)
    df = df[df["source"].isin(OUTLETS) & df["topic"].isin(["coronavirus", "environment"])]
    df = df[df["text"].str.len().between(1500, 9000)]
    rows = []
    for outlet in OUTLETS:
        part = df[df["source"] == outlet].sort_values(["date_iso", "ID"])
        step = max(1, len(part) // PER_OUTLET)
        rows += part.iloc[::step].head(PER_OUTLET)[["title", "source", "date_iso", "url", "text"]].to_dict("records")
    return rows


class Corpus(dict):
    """{url, path, frame} of the e2e DB (short repr: tracebacks print fixture values)."""

    def __init__(self, **kw):
        super().__init__(**kw)

    def __repr__(self) -> str:
        return f"Corpus({self['url']}, {len(self['frame'])} articles at build time)"


@pytest.fixture(scope="session")
def e2e_corpus(tmp_path_factory) -> dict:
    """Build the temp DB once: 5 samples + 60 AllSides articles, clustered. Returns a Corpus."""
    from narratives.ingest import ingest_files, read_paths
    from narratives.pipeline import cluster_corpus
    from narratives.store import Store

    tmp = tmp_path_factory.mktemp("e2e")
    db = tmp / "e2e.db"
    url = f"sqlite:///{db}"
    rows = _allsides_rows()
    csv_path = tmp / "allsides_sample.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["title", "source", "date_iso", "url", "text"])
        w.writeheader()
        w.writerows(rows)

    store = Store(url)
    samples = [(n, b) for n, b in read_paths(SAMPLE_FILES)]
    res = ingest_files(store, samples)
    res += ingest_files(store, [(csv_path.name, csv_path.read_bytes())])
    stored = [r for r in res if r.status in ("added", "near_duplicate")]
    assert len(stored) >= len(rows), [r.line() for r in res if r.status not in ("added", "near_duplicate")]
    cluster_corpus(store)
    frame = store.frame()
    store.close()
    return Corpus(url=url, path=db, frame=frame)


# ------------------------------------------------------------------ server
@pytest.fixture(scope="session")
def server(e2e_corpus, browser, tmp_path_factory):
    """The shared server over the e2e corpus; yields its base URL.

    It is warmed up by opening `/` once: on a fresh server whose FIRST visitor opens a deep link, Streamlit
    runs the pages/ folder in its old multipage mode and skips app.py (product bug, proven by
    test_deep_link_as_first_visit.py on its own server). Warming keeps the other scenarios about their own subject.
    """
    with run_server(e2e_corpus["url"], tmp_path_factory.mktemp("e2e_server")) as base:
        c = Ctx(browser, base)
        try:
            c.page.goto(base + "/", wait_until="domcontentloaded")
            c.page.get_by_text("Filters (saved in the page link)").wait_for()
            wait_idle(c.page)
        finally:
            c.close()
        yield base


# ------------------------------------------------------------------ browser
@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def ctx(browser, server):
    c = Ctx(browser, server)
    yield c
    c.close()


@pytest.fixture()
def new_ctx(browser, server):
    """Factory for extra contexts (a colleague opening a shared link); all closed at teardown."""
    made = []

    def make() -> Ctx:
        c = Ctx(browser, server)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


