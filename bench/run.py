"""All benchmark figures in one run: quality (bench/quality.py), scale (bench/scale.py), dashboard (bench/dashboard.py).

Run:  .venv/bin/python bench/run.py [--quick] [--sizes 1000,10000,100000] [--k 20] [--no-peer] [--skip-quality]
      [--skip-dashboard] [--skip-bertopic]
Each script prints its own figures with the command that produced them; this driver runs them in turn
(each in its own process) and stops at the first that fails. The dashboard is measured on the store of the
largest size that scale.py built.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import host  # noqa: E402
CACHE = Path(os.environ.get("NARRATIVES_BENCH_CACHE", "/tmp/narratives-bench"))


def _run(args: list[str]) -> None:
    print(f"$ python {' '.join(args)}", flush=True)
    rc = subprocess.call([sys.executable, *args], cwd=REPO)
    if rc:
        raise SystemExit(f"{args[0]} exited with {rc}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="scale at 1,000 and 10,000 only")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument("--skip-dashboard", action="store_true")
    a = ap.parse_args(argv)
    sizes = "1000,10000" if a.quick else a.sizes
    t = time.perf_counter()
    print(f"== narrative-monitor benchmarks, {time.strftime('%Y-%m-%d %H:%M')} (python bench/run.py "
          f"{' '.join(argv if argv is not None else sys.argv[1:])}) ==", flush=True)
    print(f"   at the start, {host.describe()}", flush=True)
    if not a.skip_quality:
        _run(["bench/quality.py"] + (["--skip-bertopic"] if a.skip_bertopic else []))
    _run(["bench/scale.py", "--sizes", sizes, "--k", str(a.k)] + (["--no-peer"] if a.no_peer else []))
    if not a.skip_dashboard:
        largest = max(int(s) for s in sizes.split(",") if s)
        _run(["bench/dashboard.py", "--db", f"sqlite:///{CACHE / f'store_{largest}.db'}"])
    print(f"   at the end, {host.describe()}", flush=True)
    print(f"== all benchmarks done in {time.perf_counter() - t:.0f} s ==", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
