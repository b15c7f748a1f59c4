"""FTS5 settings benchmark: CPU of the articles + FTS5 inserts the ingest writer does, per setting, at scale.

Run:  .venv/bin/python bench/fts_settings.py [--n 100000] [--settings "automerge=8;automerge=8,hashsize=8388608"]

Why: the FTS5 index is most of the ingest writer's cost, and it grows with the store (segment merges). This
inserts the corpus's titles and texts into a fresh SQLite file with the store's pragmas, FTS table and group
size (1,000 articles a transaction), one process per setting, and prints CPU ms an article overall and per
fifth of the corpus, the time of two ranked searches and the file size. Settings are FTS5 configuration
options ('automerge', 'hashsize', 'pgsz', 'crisismerge'; https://sqlite.org/fts5.html#fts5_configuration_options),
plus 'page_size', SQLite's page size (default: the store's, narratives.store.PAGE_SIZE).
The corpus is bench/scale.py's (the AllSides articles, cached under $NARRATIVES_BENCH_CACHE).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
GROUP = 1000
QUERIES = ["president", "border wall"]


def run_one(n: int, setting: str) -> str:
    import scale
    from narratives.store import _FTS_DDL, PAGE_SIZE, wal_autocheckpoint_pages
    df = scale.corpus(n, columns=["title", "text"])
    rows = list(zip(df["title"], df["text"]))
    del df
    db = scale.CACHE / "fts_settings.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    options = dict(kv.strip().split("=") for kv in filter(None, setting.split(",")))
    page_size = int(options.pop("page_size", PAGE_SIZE))   # the SQLite page size: the store's unless given
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in (f"page_size = {page_size}", "journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536",
                   f"wal_autocheckpoint = {wal_autocheckpoint_pages(page_size)}"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT, text TEXT)")
    conn.execute(_FTS_DDL)
    for key, value in options.items():
        conn.execute(f"INSERT INTO articles_fts(articles_fts, rank) VALUES ('{key}', {int(value)})")
    fifth = max(GROUP, len(rows) // 5)
    blocks, start = [], time.process_time()
    block_start, block_n = start, 0
    for g in range(0, len(rows), GROUP):
        conn.execute("BEGIN")
        for title, text in rows[g:g + GROUP]:
            rid = conn.execute("INSERT INTO articles (title, text) VALUES (?, ?)", (title, text)).lastrowid
            conn.execute("INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)", (rid, title, text))
            block_n += 1
        conn.execute("COMMIT")
        if block_n >= fifth or g + GROUP >= len(rows):
            now = time.process_time()
            blocks.append((now - block_start) / block_n * 1000)
            block_start, block_n = now, 0
    total = (time.process_time() - start) / len(rows) * 1000
    t = time.perf_counter()
    for q in QUERIES:
        conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                     "ORDER BY bm25(articles_fts, 2.0, 1.0) LIMIT 1000", (q,)).fetchall()
    query_ms = (time.perf_counter() - t) / len(QUERIES) * 1000
    conn.close()
    size = os.path.getsize(db) / 1e6
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return (f"  {setting or 'defaults':40} {total:.3f} CPU ms/article; per fifth: "
            + " ".join(f"{b:.3f}" for b in blocks) + f"; ranked search {query_ms:,.0f} ms; {size:,.0f} MB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--settings", default="automerge=8;automerge=8,hashsize=8388608",
                    help="';'-separated settings, each ','-separated key=value FTS5 options")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one is not None:
        print(run_one(a.n, a.one), flush=True)
        return 0
    import host
    print(host.describe())
    print(f"python bench/fts_settings.py --n {a.n} --settings \"{a.settings}\"  (articles + FTS5 inserts, "
          f"{GROUP:,} a transaction, one process per setting)")
    for setting in a.settings.split(";"):
        subprocess.run([sys.executable, __file__, "--n", str(a.n), "--one", setting], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
