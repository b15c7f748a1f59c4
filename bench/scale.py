"""Scale benchmark: ingest, topic + stance clustering, a peer pipeline and incremental assignment at N articles.

Run:  .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--quick] [--k 20] [--no-peer]
Corpora come from the real AllSides articles (bench/corpus.py; resampled above 37,554) and are cached with
their stores under $NARRATIVES_BENCH_CACHE (default /tmp/narratives-bench), so bench/dashboard.py can reuse
the store. Every stage runs in its own process so its time and peak memory are its own.

Stages per size:
  ingest   N .txt files through narratives.ingest.ingest_files (batch ingest), articles/s
           (.txt files carry no metadata: the real sources/dates/urls are then set with one UPDATE, untimed)
  ours     narratives.pipeline.cluster_corpus(store, n_topics=k): topics + stances, persisted
  peer     TfidfVectorizer(ngram_range=(1, 2)) + KMeans(k), one process, on the same texts
  assign   100 new .txt files ingested into the N-article store + pipeline.assign_new, in a fresh process
NMI is against the AllSides `topic` label, same k for both. Peak memory = the stage's process + its workers,
summed proportional set size (shared pages split between the processes sharing them), sampled every 200 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
CACHE = Path(os.environ.get("NARRATIVES_BENCH_CACHE", "/tmp/narratives-bench"))
CMD = "python bench/scale.py"
N_NEW = 100


class PeakMemory:
    """Peak of (this process + its worker processes) memory, sampled every 200 ms in a thread.

    Summed PSS (proportional set size), not RSS: forked workers share their parent's pages until they
    write them, and RSS would count every shared page once per process (a stage with 2 workers forked from
    a 1.5 GB parent read as 4.5 GB). PSS splits each shared page between the processes that map it, so the
    sum is the memory the stage really holds. Why not ru_maxrss: on Linux it carries the parent's peak
    across fork+exec, so a stage would report the bench driver's memory.
    """

    INTERVAL = 0.2   # s; ~3 % of a core for 3 processes (every 50 ms with psutil's smaps parsing was ~25 %)

    def __init__(self):
        import threading
        import psutil
        self.proc, self.peak, self.stop = psutil.Process(), 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _pss(p) -> int:
        """PSS from /proc/<pid>/smaps_rollup (~2 ms, in the kernel; psutil's memory_full_info parses the
        whole smaps in Python, ~4 ms a process with the GIL held, which slowed the measured ingest)."""
        try:
            with open(f"/proc/{p.pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return p.memory_info().rss   # no smaps_rollup (not Linux >= 4.14): RSS

    def _run(self):
        import psutil
        while not self.stop.is_set():
            try:
                total = self._pss(self.proc) + sum(self._pss(c) for c in self.proc.children(True))
            except psutil.Error:   # a worker ended while being read
                continue
            self.peak = max(self.peak, total)
            self.stop.wait(self.INTERVAL)

    def mb(self) -> float:
        return self.peak / 2 ** 20


_PEAK: PeakMemory | None = None


def peak_mb() -> float:
    return _PEAK.mb() if _PEAK else float("nan")


def corpus(n: int, columns=None):
    """The n-article corpus (cached as parquet: building 100k takes ~1 min)."""
    import pandas as pd
    path = CACHE / f"corpus_{n}.parquet"
    if not path.exists():
        import corpus as c
        CACHE.mkdir(parents=True, exist_ok=True)
        base = c.load_allsides()
        df = c.build(n, base=base)
        df.to_parquet(path)
        fresh(df, n).to_parquet(CACHE / f"fresh_{n}.parquet")
    return pd.read_parquet(path, columns=columns)


def fresh(df, n: int):
    """N_NEW new articles for the incremental stage: sentences of two same-topic corpus articles interleaved."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(n + 1)
    rows = []
    topics = df["topic"].to_numpy()
    for i in rng.choice(len(df), N_NEW, replace=False):
        pool = np.flatnonzero(topics == topics[i])
        j = pool[rng.integers(len(pool))]
        a, b = df.at[i, "text"].split(". "), df.at[j, "text"].split(". ")
        mixed = [b[k] if k % 2 and k < len(b) else a[k] for k in range(len(a))]
        rows.append({"title": f"{df.at[i, 'title']} (new)", "text": ". ".join(mixed) + " [new]"})
    return pd.DataFrame(rows)


def db_url(n: int) -> str:
    return f"sqlite:///{CACHE / f'store_{n}.db'}"


def _write_txt(folder: Path, df, prefix: str = "") -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for i, (title, text) in enumerate(zip(df["title"], df["text"])):
        (folder / f"{prefix}{i:06d}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")


# ---------------------------------------------------------------- stages (each in its own process)
def stage_ingest(n: int) -> dict:
    from narratives.ingest import ingest_files
    from narratives.store import Store
    df = corpus(n)
    folder = CACHE / f"txt_{n}"
    _write_txt(folder, df)
    del df   # not held while ingesting (an ingest run holds no such frame); read again for the metadata below
    import gc
    gc.collect()
    os.sync()   # the files just written are on disk, as a folder a user ingests: no writeback during the timing
    db = CACHE / f"store_{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = Store(db_url(n))
    t = time.perf_counter()
    results = ingest_files(store, [folder])
    secs = time.perf_counter() - t
    status = {s: sum(r.status == s for r in results) for s in ("added", "near_duplicate", "duplicate", "failed")}
    status["why_failed"] = [f"{r.file_name}: {r.message}" for r in results if r.status == "failed"][:5]
    # real metadata from the corpus (untimed): row i is file txt_n/00000i.txt
    df = corpus(n, columns=["source", "date_iso", "url"])
    import sqlalchemy as sa
    from narratives.store import articles
    with store.engine.begin() as conn:
        id_of = dict(conn.execute(sa.select(articles.c.file_name, articles.c.id)).all())
        rows = [{"i": id_of[f"txt_{n}/{i:06d}.txt"], "s": s, "p": _date(d), "u": u if isinstance(u, str) else None}
                for i, (s, d, u) in enumerate(zip(df["source"], df["date_iso"], df["url"]))
                if f"txt_{n}/{i:06d}.txt" in id_of]
        conn.execute(articles.update().where(articles.c.id == sa.bindparam("i"))
                     .values(source=sa.bindparam("s"), published=sa.bindparam("p"), url=sa.bindparam("u")), rows)
        conn.exec_driver_sql("UPDATE meta SET value = value + 1 WHERE key = 'version'")
    shutil.rmtree(folder)
    return {"secs": secs, "rate": n / secs, "peak_mb": peak_mb(), **status}


def _date(v):
    from datetime import date
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _labels_by_row(store, n: int):
    """AllSides topic label and our topic key per corpus row that is stored (ids map via file_name)."""
    df = corpus(n, columns=["topic"])
    frame = store.frame()
    row = frame["file_name"].str.extract(r"(\d+)\.txt$")[0].astype(int)
    return df["topic"].to_numpy()[row.to_numpy()], frame["topic"].to_numpy(dtype=float, na_value=-1)


def stage_ours(n: int, k: int) -> dict:
    from sklearn.metrics import normalized_mutual_info_score as nmi
    from narratives.pipeline import cluster_corpus
    from narratives.store import Store
    store = Store(db_url(n))
    t = time.perf_counter()
    run_id = cluster_corpus(store, n_topics=k)
    secs = time.perf_counter() - t
    y, lab = _labels_by_row(store, n)
    stances = len(store.clusters(run_id, kind="stance"))
    return {"secs": secs, "peak_mb": peak_mb(), "nmi": nmi(y, lab), "topics": len(set(lab)), "stances": stances}


def stage_peer(n: int, k: int) -> dict:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import normalized_mutual_info_score as nmi
    df = corpus(n)
    docs = (df["title"] + "\n" + df["text"]).tolist()
    t = time.perf_counter()
    X = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True, min_df=5 if n >= 10_000 else 2,
                        max_df=0.5, dtype=np.float32).fit_transform(docs)
    lab = KMeans(n_clusters=k, n_init=1, random_state=0).fit(X).labels_
    secs = time.perf_counter() - t
    return {"secs": secs, "peak_mb": peak_mb(), "nmi": nmi(df["topic"], lab), "topics": k}


def stage_assign(n: int) -> dict:
    import pandas as pd
    from narratives.ingest import ingest_files
    from narratives.pipeline import assign_new
    from narratives.store import Store
    new = pd.read_parquet(CACHE / f"fresh_{n}.parquet")
    folder = CACHE / f"new_{n}"
    _write_txt(folder, new, prefix="new")
    t = time.perf_counter()
    store = Store(db_url(n))
    res = ingest_files(store, [folder])
    t_ingest = time.perf_counter() - t
    assigned = assign_new(store)
    secs = time.perf_counter() - t
    shutil.rmtree(folder)
    frame = store.frame()
    new_rows = frame[frame["file_name"].str.startswith(f"new_{n}/", na=False)]
    # put the store back as it was for the next run (the dashboard bench reads it too)
    ids = [int(r.article_id) for r in res if r.article_id]
    for i in ids:
        store.delete_article(i)
    return {"secs": secs, "ingest_secs": t_ingest, "peak_mb": peak_mb(), "assigned": assigned,
            "in_clusters": int(new_rows["topic"].notna().sum()), "new": len(new_rows)}


def run_stage(name: str, n: int, k: int) -> dict:
    """One stage in a fresh interpreter; returns its JSON figures."""
    cmd = [sys.executable, __file__, "--stage", name, "--sizes", str(n), "--k", str(k)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        raise SystemExit(f"stage {name} n={n} failed:\n{out.stderr[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--quick", action="store_true", help="1,000 and 10,000 only")
    ap.add_argument("--k", type=int, default=20, help="topics for ours and the peer (same k)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--stages", default="ingest,ours,peer,assign",
                    help="subset to run; without ingest the cached store of that size is reused")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    sizes = [1000, 10000] if a.quick else [int(s) for s in a.sizes.split(",") if s]
    stages = set(a.stages.split(","))
    if a.no_peer:
        stages.discard("peer")
    if a.stage:
        global _PEAK
        _PEAK = PeakMemory()
        fn = {"ingest": lambda: stage_ingest(sizes[0]), "ours": lambda: stage_ours(sizes[0], a.k),
              "peer": lambda: stage_peer(sizes[0], a.k), "assign": lambda: stage_assign(sizes[0])}[a.stage]
        print(json.dumps(fn()))
        return 0
    cmd = f"{CMD} --sizes {','.join(map(str, sizes))} --k {a.k}" + (" --no-peer" if a.no_peer else "") + (
        f" --stages {a.stages}" if a.stages != "ingest,ours,peer,assign" else "")
    print(f"== Scale: AllSides corpus, k={a.k} for ours and the peer ({cmd}) ==", flush=True)
    print(f"   cache {CACHE}; {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    import host
    print(f"   {host.describe()}", flush=True)
    rows = []
    for n in sizes:
        corpus(n, columns=["topic"])
        ing = ours = peer = asg = None
        if "ingest" in stages:
            ing = run_stage("ingest", n, a.k)
            print(f"  n={n:>7,} ingest    {ing['secs']:7.1f} s  {ing['rate']:7,.0f} articles/s  peak {ing['peak_mb']:6,.0f} MB"
                  f"  ({ing['added']} added, {ing['near_duplicate']} near-dup, {ing['duplicate']} dup, "
                  f"{ing['failed']} failed)", flush=True)
            for why in ing.get("why_failed", []):
                print(f"             failed: {why}", flush=True)
        if "ours" in stages:
            ours = run_stage("ours", n, a.k)
            print(f"  n={n:>7,} ours      {ours['secs']:7.1f} s  NMI {ours['nmi']:.3f}  peak {ours['peak_mb']:6,.0f} MB"
                  f"  ({ours['topics']} topics, {ours['stances']} stances)", flush=True)
        if "peer" in stages:
            peer = run_stage("peer", n, a.k)
            print(f"  n={n:>7,} peer      {peer['secs']:7.1f} s  NMI {peer['nmi']:.3f}  peak {peer['peak_mb']:6,.0f} MB"
                  f"  (TfidfVectorizer bigrams + KMeans, 1 process)", flush=True)
        if ours and peer:
            print(f"  n={n:>7,} speed-up  {peer['secs'] / ours['secs']:5.1f}x  NMI ours - peer "
                  f"{ours['nmi'] - peer['nmi']:+.3f}", flush=True)
        if "assign" in stages:
            asg = run_stage("assign", n, a.k)
            print(f"  n={n:>7,} +{N_NEW} new  {asg['secs']:7.1f} s to see them in clusters (ingest {asg['ingest_secs']:.1f} s;"
                  f" {asg['in_clusters']}/{asg['new']} assigned)  peak {asg['peak_mb']:6,.0f} MB", flush=True)
        rows.append((n, ing, ours, peer, asg))
    if len(rows) > 1:
        (n0, i0, o0, p0, _), (n1, i1, o1, p1, _) = rows[0], rows[-1]
        parts = [f"{name} x{b['secs'] / a_['secs']:.1f}" for name, a_, b in
                 (("ingest time", i0, i1), ("ours", o0, o1), ("peer", p0, p1)) if a_ and b]
        print(f"  growth {n0:,} -> {n1:,} (x{n1 / n0:.0f}): " + ", ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
