"""The benchmark scripts still run end to end on a tiny corpus and print their figure lines (no timing asserts).

Why: bench/ is not imported by the product, so nothing else would notice it rotting.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ALLSIDES = REPO.parent / "shared" / "data" / "allsides" / "articles_full.csv.xz"


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory):
    if not ALLSIDES.exists():
        pytest.fail(f"shared corpus missing: {ALLSIDES}")
    return {**os.environ, "NARRATIVES_BENCH_CACHE": str(tmp_path_factory.mktemp("bench"))}


def _run(args, env, timeout=900):
    out = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_scale_then_dashboard_print_their_figures(bench_env):
    out = _run(["bench/scale.py", "--sizes", "300", "--k", "5"], bench_env)
    assert "python bench/scale.py --sizes 300 --k 5" in out
    for stage in ("ingest", "ours", "peer", "speed-up", "+100 new"):
        assert f"n=    300 {stage}" in out, out
    assert "articles/s" in out and "NMI" in out and "peak" in out
    assert "cores" in out and "python probe sum(range(10**6))" in out and "import pandas" in out   # which host
    assert "100/100 assigned" in out or "assigned)" in out
    db = f"sqlite:///{Path(bench_env['NARRATIVES_BENCH_CACHE']) / 'store_300.db'}"
    out = _run(["bench/dashboard.py", "--db", db, "--changes", "3", "--starts", "2"], bench_env)
    assert "filter change -> redrawn" in out and "ms median of 3" in out
    assert "search change -> redrawn" in out and "trump: " in out   # the default words, after Clear filters
    charts = [line for line in out.splitlines() if "start -> first chart" in line]
    assert len(charts) == 2 and all("median of 2 (" in line for line in charts), out   # empty and warm cache
    assert out.count("that start: browser clock") == 2
    assert out.count("chart placed") == 2 and out.count("chart drawn") == 2   # where a first load's time goes
    assert "python probe sum(range(10**6))" in out
    assert "WARNING" not in out


def test_fts_settings_prints_a_line_per_setting(bench_env):
    out = _run(["bench/fts_settings.py", "--n", "300", "--settings", "automerge=8;automerge=8,hashsize=8388608"],
               bench_env)
    assert 'python bench/fts_settings.py --n 300 --settings "automerge=8;automerge=8,hashsize=8388608"' in out
    lines = [line for line in out.splitlines() if "CPU ms/article" in line]
    assert len(lines) == 2 and "hashsize=8388608" in lines[1] and "ranked search" in lines[0], out
    assert "python probe sum(range(10**6))" in out


def test_fnc1_story_halves_share_no_body():
    """The held-out check in bench/quality.py is only honest if no body of one half is seen in the other."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import quality
    finally:
        sys.path.remove(str(REPO / "bench"))
    groups = quality.fnc_groups()
    half, n_stories = quality.fnc_story_halves(groups)
    bodies = [{t for g, (texts, _) in enumerate(groups) if half[g] == h for t in texts} for h in (0, 1)]
    assert len(groups) == 295 and n_stories == 53
    assert bodies[0] and bodies[1] and not bodies[0] & bodies[1]
    assert 0.3 < (half == 0).mean() < 0.7
