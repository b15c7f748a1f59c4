"""Many writers and readers on one SQLite store, as real OS processes.

* Two Upload page sessions (AppTest, each in its own process, clicking "Save" at the same moment) and a
  `python -m narratives ingest` process write overlapping sets of articles into one store: every article
  is stored exactly once, none twice, none lost, and each writer's report agrees with the store.
* A reader polling `Store.frame()` while `python -m narratives cluster` refits never sees a mix of two
  runs nor a partial run: every frame it reads is entirely the old run's or entirely the new one's.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

from narratives import dedupe
from narratives.store import Store
from reliability_helpers import PY, ROOT, cli_popen, db_check, env_for, plain_articles

N = 150
SETS = {"A": range(0, 100), "B": range(50, 150), "cli": list(range(0, 50)) + list(range(100, 150))}


def _seed(store, files: dict[str, bytes], n_topics: int) -> None:
    """Ingest and cluster in this process (the writers under test are the other processes)."""
    from narratives.ingest import ingest_files
    from narratives.pipeline import cluster_corpus
    assert all(r.status == "added" for r in ingest_files(store, list(files.items())))
    cluster_corpus(store, n_topics=n_topics)


def test_two_upload_sessions_and_a_cli_ingest_at_once(tmp_path):
    db = tmp_path / "shared.db"
    url = f"sqlite:///{db}"
    _seed(Store(url), {f"seed/{k}": v for k, v in plain_articles(12, start=5000).items()}, n_topics=2)

    articles = plain_articles(N)
    names = sorted(articles)
    dirs = {}
    for who, idx in SETS.items():
        d = tmp_path / who
        d.mkdir()
        for i in idx:
            (d / names[i]).write_bytes(articles[names[i]])
        dirs[who] = d
    go = tmp_path / "go"
    sessions = {}
    for who in ("A", "B"):
        sessions[who] = subprocess.Popen(
            [PY, str(ROOT / "tests" / "reliability_helpers.py"), "upload", str(dirs[who]), f"{who}_",
             str(tmp_path / f"ready_{who}"), str(go), str(tmp_path / f"out_{who}.json")],
            cwd=ROOT, env=env_for(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while not all((tmp_path / f"ready_{w}").exists() for w in sessions):
        assert time.time() < deadline, "upload sessions did not get to the preview"
        for w, p in sessions.items():
            assert p.poll() is None, (w, p.communicate()[1][-3000:])
        time.sleep(0.05)
    ingest = cli_popen(url, "ingest", str(dirs["cli"]))
    first = ingest.stdout.readline()          # the CLI is writing: now both sessions click Save
    go.touch()
    cli_out = first + ingest.stdout.read()
    ingest.wait(timeout=240)
    assert ingest.returncode == 0, ingest.stderr.read()
    ingest.stderr.close()
    ingest.stdout.close()
    reports = {}
    for who, p in sessions.items():
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-3000:]
        reports[who] = json.loads((tmp_path / f"out_{who}.json").read_text())

    # the store: every article exactly once, with its own text; nothing else
    facts = db_check(db)
    assert facts["integrity"] == "ok" and facts["fts_check"] == "ok"
    con = sqlite3.connect(str(db))
    rows = con.execute("SELECT id, file_name, content_hash FROM articles").fetchall()
    con.close()
    want = {dedupe.content_hash(articles[n].decode().split("\n\n", 1)[1].strip()): n for n in names}
    stored = [r for r in rows if not r[1].startswith("seed/")]       # leave out the seed corpus
    assert len(rows) == facts["fts"] == facts["hashes"] == N + 12
    got = {h for _, _, h in stored}
    assert len(stored) == N and got == set(want), "an article lost or stored twice"

    # each writer's report agrees with the store, and every article was written by exactly one writer
    writer_of: dict[str, list[str]] = {}
    cli_lines = [ln for ln in cli_out.splitlines() if ln.startswith("cli/")]
    assert len(cli_lines) == len(SETS["cli"])
    for line in cli_lines:
        name, rest = line.split(": ", 1)
        assert rest.startswith(("added #", "duplicate of #", "near-duplicate of #")), line
        if rest.startswith("added #"):
            writer_of.setdefault(name.split("/", 1)[1], []).append("cli")
    for who, rep in reports.items():
        statuses = {}
        for f, status, _ in rep["rows"]:
            statuses[status] = statuses.get(status, 0) + 1
            if status in ("added", "near-duplicate"):
                writer_of.setdefault(f.split("_", 1)[1], []).append(who)
        assert set(statuses) <= {"added", "near-duplicate", "duplicate", "skipped"}, statuses
        assert sum(statuses.values()) == len(SETS[who])
    assert sorted(writer_of) == names and all(len(v) == 1 for v in writer_of.values()), \
        {k: v for k, v in writer_of.items() if len(v) != 1}
    by_writer = {w: sum(v == [w] for v in writer_of.values()) for w in SETS}
    assert sum(by_writer.values()) == N
    # the two sessions really wrote at the same time (both were released by the same signal)
    a, b = reports["A"], reports["B"]
    assert a["t0"] < b["t1"] and b["t0"] < a["t1"]
    # new articles were assigned to the current run by the sessions (assign_new), none left over
    store = Store(url)
    frame = store.frame()
    assert frame["topic"].notna().sum() >= N - by_writer["cli"]
    store.close()


def _snapshot(frame) -> tuple:
    f = frame[["id", "topic", "topic_label", "stance", "stance_label"]]
    return tuple(map(tuple, f.astype(object).where(f.notna(), None).itertuples(index=False)))


def test_reader_never_sees_a_half_written_run(tmp_path):
    db = tmp_path / "r.db"
    url = f"sqlite:///{db}"
    store = Store(url)
    _seed(store, plain_articles(100, start=2000), n_topics=2)
    old = _snapshot(store.frame())
    old_run = store.latest_run().id
    p = cli_popen(url, "cluster", "--topics", "4")
    seen = []
    while p.poll() is None:
        seen.append(_snapshot(store.frame()))
        time.sleep(0.01)   # leave the clustering process some of the 2 shared cores
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    new = _snapshot(store.frame())
    assert store.latest_run().id > old_run and new != old
    kinds = {"old": 0, "new": 0}
    for snap in seen:
        assert snap in (old, new), "a reader saw a mix of two runs or a partial run"
        kinds["old" if snap == old else "new"] += 1
    assert kinds["old"] >= 1, kinds
    print(f"reader polled frame() {len(seen)} times during the refit: {kinds}")
    # once the new run was visible, no reader went back to the old one
    first_new = next((i for i, s in enumerate(seen) if s == new), len(seen))
    assert all(s == new for s in seen[first_new:])
    store.close()
