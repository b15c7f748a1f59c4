"""Forked worker processes that end when the process that forked them dies.

Why: ingest and large-corpus clustering fork worker processes. If the parent is killed (SIGKILL, OOM killer,
a closed terminal), workers blocked on their task queue would otherwise linger for ever, holding memory and
the parent's stdout: a caller reading the CLI's output (a script, a test) would never see it end.
"""
from __future__ import annotations

import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: ask Linux to SIGKILL this process when its parent dies (prctl PDEATHSIG); exit
    at once if the parent is already gone. A no-op where prctl is not available."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):   # not Linux: workers end with their queue instead
        return
    if os.getppid() != parent_pid:      # the parent died before the request took effect
        os._exit(1)


def init_worker(parent_pid: int, nice: int = 0) -> None:
    """Worker initializer: die_with_parent, then lower the worker's CPU priority by `nice` (if allowed)."""
    die_with_parent(parent_pid)
    if nice:
        try:
            os.nice(nice)
        except (OSError, AttributeError):   # not permitted / not POSIX: run at the parent's priority
            pass


def pool_kwargs(nice: int = 0) -> dict:
    """initializer/initargs for ProcessPoolExecutor or multiprocessing.Pool workers forked from here.

    `nice` > 0 runs the workers at a lower priority than this process: for a pipeline whose one consumer
    here is the bottleneck (ingest's database writer), so it is not left waiting for a core."""
    return {"initializer": init_worker, "initargs": (os.getpid(), nice)}


def fork_pool(processes: int):
    """A multiprocessing Pool of `processes` forked workers that die with this process."""
    import multiprocessing as mp
    return mp.get_context("fork").Pool(processes, **pool_kwargs())
