"""Start the dashboard: `streamlit run app.py`, with the first visitor's work done while the server starts.

Why: a fresh server otherwise imports pandas/plotly and reads the article frame only when the first browser
connects, on the path to its first chart (bench/dashboard.py measures it). Here a background thread does it
(views/_shared.warm_up) while Streamlit starts and the browser loads the page. Arguments are passed on to
`streamlit run`. scripts/start.sh runs this.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _warm() -> None:
    import time
    t = time.perf_counter()
    try:
        # Wait until the server has started: importing pandas here while Streamlit's own start-up imports run
        # in the main thread can leave one of them with a partially initialised module (seen in tests). Then
        # import in the order app.py does, so a first visitor arriving meanwhile simply waits for the same
        # module locks. st.cache_data also needs the runtime.
        from streamlit.runtime import Runtime, RuntimeState
        while not (Runtime.exists() and Runtime.instance().state in (
                RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)):
            if time.perf_counter() - t > 60:
                raise TimeoutError("the server did not start within 60 s")
            time.sleep(0.02)
        from views import _shared
        n = _shared.warm_up()
    except Exception as exc:  # noqa: BLE001 - only an optimisation: the first script run does the work instead
        print(f"narratives: warm-up skipped ({type(exc).__name__}: {exc})", file=sys.stderr, flush=True)
    else:
        print(f"narratives: warmed up in {time.perf_counter() - t:.1f} s ({n:,} articles)", file=sys.stderr,
              flush=True)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    threading.Thread(target=_warm, name="narratives-warm-up", daemon=True).start()
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
