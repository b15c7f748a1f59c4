"""Start the dashboard: `streamlit run scripts/server_app.py` (app.py served with a Plotly preload and a warm-up).

Arguments are passed on to `streamlit run`. scripts/start.sh runs this; so do the e2e tests and
bench/dashboard.py, so that they measure what a user starts.

Python's cyclic garbage collector is off from here until the warm-up has imported and read what the first
visitor needs (scripts/server_app.py switches it back on, and freezes what was loaded by then): start-up
creates ~200,000 long-lived objects (modules, classes, functions) that the collector would otherwise walk
again and again; `import pandas, sqlalchemy, streamlit, plotly.graph_objects, pyarrow.parquet` takes
1.11-1.22 s without it against 1.28-1.49 s with it.
"""
from __future__ import annotations

import gc

gc.disable()   # first, before the imports below (scripts/server_app.py enables it again)

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", str(ROOT / "scripts" / "server_app.py"), *argv]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
