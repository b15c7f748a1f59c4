"""Forked workers end when the process that forked them is killed (narratives.forking)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

WORKER = r"""
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from narratives.forking import pool_kwargs

def pid(_):
    time.sleep(0.05)
    return os.getpid()

if __name__ == "__main__":
    kw = pool_kwargs() if sys.argv[1] == "yes" else {}
    ex = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"), **kw)
    print(" ".join(map(str, sorted(set(ex.map(pid, range(8)))))), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")
@pytest.mark.parametrize("use", ["yes", "no"])
def test_workers_end_when_the_parent_is_killed(tmp_path, use):
    """With pool_kwargs the workers are gone within seconds of SIGKILL to the parent; without (the control
    case, proving the test can fail) they are still there."""
    script = tmp_path / "pool.py"
    script.write_text(WORKER)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.Popen([sys.executable, str(script), use], stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": root})
    workers = [int(x) for x in p.stdout.readline().split()]
    assert len(workers) == 2 and p.pid not in workers
    os.kill(p.pid, signal.SIGKILL)
    p.wait(10)
    deadline = time.monotonic() + (10 if use == "yes" else 2)
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    if use == "yes":
        assert not left, f"workers {left} outlived their parent"
    else:
        assert left == workers, "control: without the initializer the workers stay"


def _niceness(_):
    return os.nice(0)


def test_workers_can_run_at_a_lower_priority():
    """pool_kwargs(nice=n): the workers run n steps nicer than the parent (ingest's writer keeps a core)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from narratives.forking import pool_kwargs
    base = os.nice(0)
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=ctx, **pool_kwargs(nice=3)) as ex:
        niced = set(ex.map(_niceness, range(4)))
    with ProcessPoolExecutor(2, mp_context=ctx, **pool_kwargs()) as ex:
        plain = set(ex.map(_niceness, range(4)))
    assert niced == {min(base + 3, 19)} and plain == {base} and os.nice(0) == base


def test_ingest_workers_are_niced():
    from narratives import ingest
    assert ingest.WORKER_NICE > 0
    with ingest._pool(2) as ex:
        assert set(ex.map(_niceness, range(4))) == {min(os.nice(0) + ingest.WORKER_NICE, 19)}
