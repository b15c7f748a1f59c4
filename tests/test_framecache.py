"""narratives.framecache: the parquet copy of Store.frame() per store version (what a dashboard start reads)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from narratives import framecache
from narratives.records import Article
from narratives.store import Store

ROOT = Path(__file__).resolve().parents[1]


def _article(i: int) -> Article:
    return Article(title=f"Budget vote number {i}", text=f"The council approved budget number {i} after a long "
                   f"debate about schools, roads and the harbour in district {i}.", source=f"Outlet {i % 2}")


def _store_with(tmp_path, n: int = 3) -> tuple[str, Store]:
    url = f"sqlite:///{tmp_path / 'fc.db'}"
    store = Store(url)
    store.add_articles([_article(i) for i in range(n)])
    return url, store


def test_refresh_writes_the_copy_the_next_open_finds_and_it_equals_the_frame(tmp_path):
    url, store = _store_with(tmp_path)
    want = store.frame()
    store.close()
    path = framecache.refresh(url)
    assert path is not None and path.exists() and path.parent.name == ".narratives-cache"
    for read_only in (True, False):   # what a dashboard start computes, for viewers and for editors
        again = Store(url, read_only=read_only)
        try:
            assert framecache.frame_path(url, again.version()) == path
        finally:
            again.close()
    pd.testing.assert_frame_equal(framecache.read(path), want)


def test_a_write_changes_the_key_and_the_refresh_replaces_the_old_copy(tmp_path):
    url, store = _store_with(tmp_path)
    store.close()
    old = framecache.refresh(url)
    store = Store(url)
    store.add_articles([_article(99)])
    assert len(store.frame()) == 4
    store.close()
    new = framecache.refresh(url)
    assert new is not None and new != old and not old.exists()
    assert len(framecache.read(new)) == 4


def test_no_copy_for_other_databases_or_when_switched_off(tmp_path, monkeypatch):
    assert framecache.frame_path("sqlite://", "1") is None
    assert framecache.frame_path("postgresql://u@localhost/db", "1") is None
    assert framecache.frame_path(f"sqlite:///{tmp_path / 'missing.db'}", "1") is None
    url, store = _store_with(tmp_path)
    store.close()
    monkeypatch.setenv("NARRATIVES_FRAME_CACHE", "off")
    assert framecache.refresh(url) is None
    assert not (tmp_path / ".narratives-cache").exists()


def test_a_torn_copy_reads_as_none_and_an_unwritable_folder_is_not_an_error(tmp_path):
    bad = tmp_path / "torn.parquet"
    bad.write_bytes(b"PAR1 not really")
    assert framecache.read(bad) is None
    assert framecache.read(None) is None
    (tmp_path / "ro").mkdir()
    target = tmp_path / "ro" / ".narratives-cache" / "frame-x-1.parquet"
    os.chmod(tmp_path / "ro", 0o500)
    try:
        framecache.write(target, pd.DataFrame({"a": [1]}))   # must not raise
    finally:
        os.chmod(tmp_path / "ro", 0o700)
    if os.geteuid() != 0:   # root may write anyway
        assert not target.exists()


def test_cli_ingest_leaves_the_copy_of_the_new_version(tmp_path):
    db = tmp_path / "cli.db"
    url = f"sqlite:///{db}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "narratives", "ingest", "data/", "--db", url], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    store = Store(url, read_only=True)
    try:
        path = framecache.frame_path(url, store.version())
        want = store.frame()
    finally:
        store.close()
    assert path is not None and path.exists(), sorted(p.name for p in (tmp_path / ".narratives-cache").glob("*"))
    pd.testing.assert_frame_equal(framecache.read(path), want)
    assert len(want) == 5


@pytest.mark.parametrize("command", ["stats", "export"])
def test_reading_commands_write_no_copy(tmp_path, command):
    url, store = _store_with(tmp_path)
    store.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "narratives", command, "--db", url], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / ".narratives-cache").exists()


def test_the_dashboard_reads_the_copy_the_cli_wrote(tmp_path, monkeypatch):
    """After `ingest` on the command line, a dashboard start shows the articles without querying the frame."""
    from streamlit.testing.v1 import AppTest

    from app_paths import APP
    db = tmp_path / "dash.db"
    url = f"sqlite:///{db}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "narratives", "seed", "--db", url], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr

    def no_query(self):
        raise AssertionError("Store.frame() was called: the copy was not used")
    framecache.frame_path(url, "0")   # the key holds Store.frame's code: read it before it is replaced
    monkeypatch.setenv("NARRATIVES_DB", url)
    monkeypatch.setattr(Store, "frame", no_query)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "5" for m in at.metric), [m.value for m in at.metric]
