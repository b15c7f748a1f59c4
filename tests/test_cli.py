"""CLI in subprocesses on temp databases: ingest/export/re-ingest/broken file/seed/CSV injection guard."""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "narratives", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_ingest_export_reingest(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    r = run("ingest", "data/", "--db", db, "--source", "Sample")
    assert r.returncode == 0, r.stderr
    assert "5 added, 0 duplicate, 0 near-duplicate, 0 failed" in r.stdout
    assert r.stdout.count(": added #") == 5 and "Traceback" not in r.stderr
    r = run("export", "--format", "jsonl", "--db", db)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 0 and len(rows) == 5
    assert all(row["text"] and row["title"] for row in rows)
    assert {"topic", "topic_label", "stance", "stance_label", "url", "published"} <= set(rows[0])
    r = run("ingest", "data/", "--db", db)
    assert r.returncode == 0 and "0 added, 5 duplicate" in r.stdout
    r = run("stats", "--db", db)
    assert "articles: 5" in r.stdout


def test_broken_file_exits_1_and_keeps_the_others(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text("A fine headline\n\nThe council approved the new budget on Monday after "
                                    "a long debate about schools and roads in the district.", encoding="utf-8")
    (batch / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf \x00\x01\x02")
    db = f"sqlite:///{tmp_path / 'b.db'}"
    r = run("ingest", str(batch), "--db", db)
    assert r.returncode == 1
    assert "broken.pdf: failed:" in r.stdout and "1 added" in r.stdout and "1 failed" in r.stdout
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert "articles: 1" in run("stats", "--db", db).stdout


def test_bad_arguments_are_one_line(tmp_path):
    r = run("ingest", "data/", "--date", "yesterday", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "YYYY-MM-DD" in r.stderr
    r = run("stats", "--db", "nosuchdb://x")
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_seed_cluster_and_csv_guard(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    r = run("seed", "--db", db)
    assert r.returncode == 0, r.stderr
    assert "clustered 5 articles" in r.stdout
    assert "nothing to seed" in run("seed", "--db", db).stdout
    # a formula-looking title is neutralised in CSV
    evil = tmp_path / "evil.txt"
    evil.write_text("=HYPERLINK(\"http://x\")\n\nSome body text about markets and prices rising again this week "
                    "as traders reacted to the data.", encoding="utf-8")
    r = run("ingest", str(evil), "--db", db)
    assert r.returncode == 0 and "assigned 1 new article" in r.stdout
    out = tmp_path / "out.csv"
    assert run("export", "--format", "csv", "--out", str(out), "--db", db).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 6
    titles = [row["title"] for row in rows]
    assert "'=HYPERLINK(\"http://x\")" in titles
    assert all(row["topic"] != "" for row in rows)
    r = run("cluster", "--topics", "2", "--db", db)
    assert r.returncode == 0 and "2 topics" in r.stdout
