"""What machine a figure came from: CPU model, clock, cores, memory, and a one-line Python speed probe.

Why: the same code measured ~1.5-2x apart on two machines of the same kind (2026-11-23 vs 2026-12-01), so a
figure is only comparable with others from the same host. Every bench script prints `describe()` next to its
figures; compare ratios within one run, and hosts by the probe.
"""
from __future__ import annotations

import os
import platform
import timeit


def python_probe_ms() -> float:
    """Best of 5 of `sum(range(10**6))` in ms: pure interpreter speed (about 10 ms on a fast desktop)."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


def import_probe_ms() -> float:
    """Best of 3 of a fresh interpreter importing pandas, in ms: the kind of work a dashboard start and the
    clustering's set-up do. The loop probe above can read as usual while the host is in a slow phase: at
    16:50 on 2026-12-01 it read 23.6 ms while importing pandas, sqlalchemy and streamlit took 1.4-2.3 s
    (1.2-1.4 s at 17:31) and the dashboard's first chart ~50 % longer."""
    import subprocess
    import sys
    import time
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas"], check=False, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best * 1000


def _cpu() -> tuple[str, str]:
    """(model, clock) of the first CPU in /proc/cpuinfo; platform.processor() where there is none."""
    found: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                found.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    mhz = found.get("cpu MHz")
    return (found.get("model name") or platform.processor() or "unknown CPU",
            f"{float(mhz):.0f} MHz" if mhz else "? MHz")


def _memory_gb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError, AttributeError):
        return None


def describe() -> str:
    model, mhz = _cpu()
    mem = _memory_gb()
    return (f"host: {model}, {mhz}, {os.cpu_count()} cores, "
            f"{f'{mem:.0f} GiB' if mem else '? GiB'}; python probe sum(range(10**6)) {python_probe_ms():.1f} ms, "
            f"import pandas {import_probe_ms():.0f} ms")


if __name__ == "__main__":
    print(describe())
