"""Start the dashboard: `streamlit run scripts/server_app.py` (app.py served with a Plotly preload and a warm-up).

Arguments are passed on to `streamlit run`. scripts/start.sh runs this; so do the e2e tests and
bench/dashboard.py, so that they measure what a user starts.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", str(ROOT / "scripts" / "server_app.py"), *argv]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
