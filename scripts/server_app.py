"""The dashboard as the ASGI app `streamlit run` serves: app.py, plus what a first visitor should not wait for.

- views/_preload.PlotlyPreload: the page's HTML starts the browser on Plotly's bundle at once.
- A warm-up thread, started once the runtime is up: imports, the article frame, the cluster labels
  (views/_shared.warm_up), done while the browser loads the page. Without it the first visitor's script run
  pays for them, on the path to the first chart (bench/dashboard.py measures it).
- Python's garbage collector: scripts/serve.py switches it off before the imports; once the warm-up is done
  (or after GC_BACK_AFTER_S whatever happens) it is switched on again, after gc.freeze() has moved every
  object loaded so far out of its reach. Streamlit collects after every script run, which walked those
  ~200,000 start-up objects each time (90-130 ms of CPU, holding the GIL, after every rerun; ~0 ms frozen).
- Streamlit's scan of every installed package for packaged components (st.components.v2 manifests) is
  skipped: it reads the metadata of each distribution (~0.13 s for the ~80 of this venv) before the
  server answers, and the app uses none (its one component, views/_light_plotly.py, is defined inline).
Run through scripts/serve.py (what scripts/start.sh does), or `streamlit run scripts/server_app.py`.
"""
from __future__ import annotations

import gc
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from views._preload import PlotlyPreload  # noqa: E402


def skip_component_scan() -> bool:
    """No scan for packaged components at start (see above); False when this Streamlit has no such scan."""
    try:
        from streamlit.components.v2.component_manager import BidiComponentManager
    except ImportError:
        return False
    if not hasattr(BidiComponentManager, "discover_and_register_components"):
        return False
    BidiComponentManager.discover_and_register_components = lambda self, *args, **kwargs: None
    return True


skip_component_scan()


GC_BACK_AFTER_S = 120.0   # the collector is on again by then even if the warm-up never ends
_gc_lock = threading.Lock()


def collector_back_on() -> None:
    """Freeze what start-up loaded (long-lived: modules, the shared frame) and switch the collector on; once.
    Whatever a first visitor's run, still going, has allocated is frozen too: a one-time, bounded cost."""
    with _gc_lock:
        if not gc.isenabled():
            gc.freeze()
            gc.enable()


def _warm() -> None:
    t = time.perf_counter()
    try:
        from views import _shared
        n = _shared.warm_up()
    except Exception as exc:  # noqa: BLE001 - only an optimisation: the first script run does the work instead
        print(f"narratives: warm-up skipped ({type(exc).__name__}: {exc})", file=sys.stderr, flush=True)
    else:
        print(f"narratives: warmed up in {time.perf_counter() - t:.1f} s ({n:,} articles)", file=sys.stderr,
              flush=True)
    finally:
        collector_back_on()
    try:
        from views import _shared
        later = threading.Timer(_shared.WARM_LATER_S, _shared.warm_later)
        later.daemon = True
        later.start()
    except Exception:  # noqa: BLE001 - only an optimisation
        pass


@asynccontextmanager
async def _lifespan(_app):
    # Runs after Streamlit's runtime has started, so its start-up imports are done (a concurrent import of
    # pandas during them once left a partially initialised module) and st.cache_data works.
    threading.Thread(target=_warm, name="narratives-warm-up", daemon=True).start()
    safety = threading.Timer(GC_BACK_AFTER_S, collector_back_on)
    safety.daemon = True
    safety.start()
    yield None


app = st.App(ROOT / "app.py", middleware=[Middleware(PlotlyPreload)], lifespan=_lifespan)
