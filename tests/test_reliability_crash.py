"""SIGKILL in the middle of ingesting and of re-clustering (real `python -m narratives` processes).

After each kill: the store opens, `PRAGMA integrity_check` and the FTS5 self-check pass, every article
the killed process reported as stored is there with exactly the text its file gives, there is no half
article and no FTS row without its article, and re-running the same ingest completes the batch with
"duplicate" for what was already stored. For clustering: the last complete run is still what
`latest_run()`/`frame()` and the dashboard show, and the run the dead process left 'running' is marked
failed when the next clustering starts.
"""
from __future__ import annotations

import inspect
import os
import re
import signal
import sqlite3
import time

import pytest

from narratives.ingest import ingest_files
from narratives.store import Store
from reliability_helpers import cli, cli_popen, db_check, plain_articles

GROUP = inspect.signature(ingest_files).parameters["group"].default   # articles per transaction (1,000)
N_FILES = 3 * GROUP + GROUP // 2   # room for three kill points, each in a different group
# Three kill points, each on a fresh run of the same ingest into the same store:
#   ("txn", None)  SIGKILL while the ingest holds the write transaction of an article group open
#   ("added", k)   SIGKILL once k new "added" lines were read (a group committed, its report under way)
KILLS = [("txn", None), ("added", 30), ("txn", None)]
PIPE_BYTES = 4096               # "added" runs: the stdout pipe blocks when ~60 lines are unread, so the
                                # ingest cannot run ahead of what this test has read
ADDED = re.compile(r"^(?P<name>\S+): added #(?P<id>\d+)")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """N_FILES plain articles on disk and, per display name, the exact text the ingest gives for it."""
    from narratives.ingest import read_batch, read_paths
    d = tmp_path_factory.mktemp("crash") / "batch"
    d.mkdir()
    for k, (name, data) in enumerate(plain_articles(N_FILES).items()):
        (d / name).write_bytes(data + _long_tail(k))
    expected = {}
    for pf in read_batch(read_paths([d])):
        assert pf.error is None
        [a] = pf.articles
        expected[pf.file_name] = (a.title, a.text)
    assert len(expected) == N_FILES
    return d, expected


def _long_tail(i: int) -> bytes:
    """~12 KB more of distinct text per article: a 300-article group then keeps the write transaction open
    for ~0.1 s even on a fast machine, long enough for the "txn" kill to land inside it."""
    import random
    rng = random.Random(1000 + i)
    words = ("harbour council budget railway drought clinic court border tariff school festival election "
             "bridge refinery vaccine monsoon grain bank strike airport").split()
    return "".join(f"\nIn section {j} of report {i} the {rng.choice(words)} figure was {rng.randint(1, 10**6)} "
                   f"and the {rng.choice(words)} estimate {rng.randint(1, 10**6)} by the evening."
                   for j in range(150)).encode()


def _check_store(db, expected: dict, reported: dict[str, int]) -> int:
    facts = db_check(db)
    assert facts["integrity"] == "ok", facts
    assert facts["fts_check"] == "ok", facts
    assert facts["fts"] == facts["articles"] == facts["hashes"], facts
    con = sqlite3.connect(str(db))
    rows = {fn: (aid, title, text, n) for aid, fn, title, text, n in
            con.execute("SELECT id, file_name, title, text, n_chars FROM articles")}
    con.close()
    assert len(rows) == facts["articles"], "one row per file name: no file stored twice"
    for fn, (aid, title, text, n) in rows.items():
        assert fn in expected, fn
        assert (title, text) == expected[fn], f"half or altered article {fn}"
        assert n == len(text)
    for fn, aid in reported.items():
        assert fn in rows and rows[fn][0] == aid, f"{fn} was reported stored as #{aid} but is not there"
    store = Store(f"sqlite:///{db}")   # the store opens after the crash and answers
    assert store.count() == len(rows)
    assert len(store.search("district", limit=len(rows) + 1)) == len(rows)
    store.close()
    return len(rows)


def test_sigkill_mid_ingest_then_rerun_completes(batch, tmp_path):
    d, expected = batch
    db = tmp_path / "k.db"
    url = f"sqlite:///{db}"
    reported: dict[str, int] = {}
    stored_before = 0
    Store(url).close()          # the store exists before the first run (its schema is not what we kill)
    for mode, k in KILLS:
        p = _throttled_ingest(url, d, throttle=mode == "added")
        if mode == "txn":
            assert _wait_for_write_transaction(db, p), "the ingest never held a write transaction"
            os.kill(p.pid, signal.SIGKILL)
        lines = _lines(p)
        new = 0
        for line in lines:
            m = ADDED.match(line)
            if m:
                reported[m["name"]] = int(m["id"])
                new += 1
                if mode == "added" and new >= k:
                    os.kill(p.pid, signal.SIGKILL)
                    break
            else:
                assert ": duplicate of #" in line, line   # a rerun first meets what is stored
        p.wait(timeout=60)
        for line in lines:   # lines already in the pipe count as reported too
            m = ADDED.match(line)
            if m:
                reported[m["name"]] = int(m["id"])
        p.stdout.close()
        assert p.returncode == -signal.SIGKILL, "the kill must land mid-batch"
        n = _check_store(db, expected, reported)
        assert n < N_FILES and n % GROUP == 0, f"{n} stored: a group was half committed"
        assert n >= stored_before + (k or 0)
        print(f"kill point {mode}: {n} stored, {len(reported)} reported so far")
        stored_before = n
    # the same ingest again completes the batch: "duplicate" for everything stored, "added" for the rest
    done = cli(url, "ingest", str(d))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()[:-1]
    dup = [ln for ln in lines if ": duplicate of #" in ln]
    added = [ln for ln in lines if ADDED.match(ln)]
    assert len(dup) == stored_before and len(added) == N_FILES - stored_before and len(lines) == N_FILES
    for ln in dup:
        name = ln.split(": duplicate of #")[0]
        if name in reported:
            assert ln.endswith(f"#{reported[name]}")
    assert _check_store(db, expected, reported) == N_FILES


def _wait_for_write_transaction(db, p, timeout: float = 120) -> bool:
    """Poll the SQLite write lock until the ingest has held it for a while (a group being written,
    not the instant schema check at start-up); True then, with the transaction still open."""
    deadline = time.time() + timeout
    while time.time() < deadline and p.poll() is None:
        if _write_locked(db):
            time.sleep(0.03)
            if _write_locked(db):
                return True
        time.sleep(0.002)
    return False


def _write_locked(db) -> bool:
    con = sqlite3.connect(str(db), timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as e:
        assert "locked" in str(e) or "busy" in str(e), e
        return True
    finally:
        con.close()


def _throttled_ingest(url: str, d, throttle: bool = True):
    """`python -m narratives ingest d` whose progress is held back by how fast we read its output."""
    import fcntl
    import subprocess

    from reliability_helpers import PY, ROOT, env_for
    p = subprocess.Popen([PY, "-u", "-m", "narratives", "ingest", str(d), "--db", url], cwd=ROOT,
                         env=env_for(url, PYTHONUNBUFFERED="1"), stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, bufsize=0)
    if throttle:
        fcntl.fcntl(p.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return p


def _lines(p):
    """Lines of p's stdout read one byte at a time: nothing is read ahead of the line being handled."""
    fd, buf = p.stdout.fileno(), bytearray()
    while True:
        b = os.read(fd, 1)
        if not b:
            if buf:
                yield buf.decode()
            return
        buf += b
        if b == b"\n":
            yield buf.decode()
            buf.clear()


def _running_run(db) -> int | None:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            r = con.execute("SELECT id FROM runs WHERE status = 'running' ORDER BY id DESC").fetchone()
        finally:
            con.close()
        return r[0] if r else None
    except sqlite3.OperationalError:
        return None


def test_sigkill_mid_cluster_keeps_last_complete_run(batch, tmp_path, monkeypatch):
    d, _ = batch
    db = tmp_path / "c.db"
    url = f"sqlite:///{db}"
    from narratives.ingest import ingest_files
    from narratives.pipeline import cluster_corpus
    store = Store(url)    # 150 articles, ingested and clustered in this process: the kill is the point
    ingest_files(store, sorted(d.iterdir())[:150])
    cluster_corpus(store, n_topics=3)
    store.rename_cluster("topic", store.clusters(kind="topic")[0].key, "Analyst label")
    good_run = store.latest_run()
    good_frame = store.frame()[["id", "topic", "topic_label", "stance", "stance_label"]]
    assert good_frame["topic"].notna().all()

    killed = []
    for _ in range(1):   # a clustering run killed mid-way
        p = cli_popen(url, "cluster", "--topics", "5")
        deadline = time.time() + 120
        rid = None
        while time.time() < deadline and p.poll() is None:
            rid = _running_run(db)
            if rid is not None and rid != good_run.id and rid not in killed:
                break
            time.sleep(0.005)
        assert rid is not None and p.poll() is None, "cluster must still be running when killed"
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
        p.stdout.close()
        p.stderr.close()
        killed.append(rid)
        facts = db_check(db)
        assert facts["integrity"] == "ok" and facts["fts_check"] == "ok"
        after = Store(url)
        assert after.latest_run().id == good_run.id
        now = after.frame()[["id", "topic", "topic_label", "stance", "stance_label"]]
        assert now.equals(good_frame), "the dashboard's frame is the last complete run's"
        after.close()

    # what the dashboard shows: the Topics page names the last complete run
    from streamlit.testing.v1 import AppTest

    from app_paths import APP
    monkeypatch.setenv("NARRATIVES_DB", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/topics.py").run()
    assert not at.exception
    assert any(f"Clustering run #{good_run.id} " in c.value for c in at.caption)
    assert any("Analyst label" in m.value for m in at.markdown)

    # the next clustering marks the dead process's runs failed and completes; the label carries over
    again = cli(url, "cluster", "--topics", "3")
    assert again.returncode == 0, again.stderr
    store = Store(url)
    for rid in killed:
        status, message = store.run_status(rid)
        assert status == "failed" and "interrupted" in message, (rid, status, message)
    new_run = store.latest_run()
    assert new_run.id > max(killed)
    labels = {c.label for c in store.clusters(kind="topic")}
    assert "Analyst label" in labels
    assert store.frame()["topic"].notna().all()


def test_stale_running_run_of_a_live_process_is_left_alone(tmp_path):
    """Only runs whose process is gone are marked failed: a clustering still in progress is not touched."""
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    live = store.start_run({"n_topics": 2})          # this (live) process owns it
    dead = store.start_run({"n_topics": 2})
    with store.engine.begin() as conn:               # pretend `dead` belonged to a process that has ended
        import sqlalchemy as sa

        from narratives.store import runs
        params = dict(conn.execute(sa.select(runs.c.params).where(runs.c.id == dead)).scalar())
        params["_pid"] = _dead_pid()
        conn.execute(runs.update().where(runs.c.id == dead).values(params=params))
    third = store.start_run({"n_topics": 2})
    assert store.run_status(live)[0] == "running"
    assert store.run_status(third)[0] == "running"
    assert store.run_status(dead)[0] == "failed"


def _dead_pid() -> int:
    import subprocess
    import sys
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid
