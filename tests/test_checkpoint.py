"""The background WAL checkpointer: ingest groups reach the database file without the writer copying them."""
import shutil
import sqlite3
import time
from pathlib import Path

from test_store import _sample_articles as _articles

from narratives.checkpoint import BackgroundCheckpointer
from narratives.store import Store


def _wait(cond, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def _rows_in_main_file(db: Path, tmp: Path) -> int:
    """Articles readable from the database file alone (its WAL left behind): what has been checkpointed."""
    copy = tmp / "main-file-only.db"
    shutil.copyfile(db, copy)
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


def test_committed_groups_reach_the_database_file_in_the_background(tmp_path):
    db = tmp_path / "n.db"
    store = Store(f"sqlite:///{db}")
    try:
        results = store.add_articles(_articles(), group=2)
        assert [r.status for r in results] == ["added"] * 5
        # far below the writer's own checkpoint limit (30,000 pages): only the background thread copies them
        assert _wait(lambda: store._checkpointer.checkpoints >= 1)
        assert _wait(lambda: _rows_in_main_file(db, tmp_path) == 5)
        assert store.count() == 5
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    finally:
        store.close()
    assert store._checkpointer._thread is None or not store._checkpointer._thread.is_alive()


def test_the_thread_ends_when_idle_and_starts_again_on_the_next_poke(tmp_path):
    db = tmp_path / "n.db"
    Store(f"sqlite:///{db}").close()
    ck = BackgroundCheckpointer(str(db), idle_s=0.05)
    ck.poke()
    first = ck._thread
    assert first is not None
    assert _wait(lambda: ck._thread is None and not first.is_alive())
    done = ck.checkpoints
    assert done >= 1
    ck.poke()
    assert _wait(lambda: ck.checkpoints > done)
    ck.close()
    after_close = ck.checkpoints
    ck.poke()   # ignored once closed
    time.sleep(0.2)
    assert ck.checkpoints == after_close and (ck._thread is None or not ck._thread.is_alive())


def test_a_missing_database_ends_the_thread_quietly(tmp_path):
    ck = BackgroundCheckpointer(str(tmp_path / "no-such-dir" / "x.db"), idle_s=5)
    ck.poke()
    assert _wait(lambda: ck._thread is None)
    assert ck.checkpoints == 0
    ck.close()


def test_only_writable_sqlite_files_get_one(tmp_path):
    db = tmp_path / "n.db"
    assert Store(f"sqlite:///{db}")._checkpointer is not None
    assert Store(f"sqlite:///{db}", read_only=True)._checkpointer is None
    mem = Store("sqlite://")
    assert mem._checkpointer is None
    assert [r.status for r in mem.add_articles(_articles()[:2])] == ["added", "added"]
