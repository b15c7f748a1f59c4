"""scripts/server_app.py and views/_shared.warm_up: what a server does at start so the first visitor waits less."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_server_skips_streamlits_scan_for_packaged_components():
    """The scan reads every installed distribution's metadata before the server answers (~0.13 s); the app
    defines its one component inline. Importing the ASGI app (not serving it) must replace the scan, and a
    Streamlit without it must not break the import."""
    code = ("import runpy, sys; sys.argv = ['x']; g = runpy.run_path('scripts/server_app.py');"
            "from streamlit.components.v2.component_manager import BidiComponentManager as B;"
            "print(B.discover_and_register_components(object()) is None, B.discover_and_register_components.__name__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "<lambda>"]


def test_streamlits_first_element_check_is_still_there_for_the_warm_up_to_do():
    """warm_up() runs Streamlit's once-per-process check (is_repl(): 50-110 ms of reading source files) so
    the first visitor's run does not; if an upgrade renames it, the warm-up silently skips it: say so here."""
    from streamlit import delta_generator
    assert callable(getattr(delta_generator, "_maybe_print_use_warning", None))
    assert hasattr(delta_generator, "_use_warning_has_been_displayed")


def test_no_page_relies_on_streamlit_magic():
    """.streamlit/config.toml turns "magic" off (its syntax-tree rewrite cost the first run ~40 ms): a bare
    expression in a page would then silently show nothing, so there must be none (docstrings and calls only)."""
    assert "magicEnabled = false" in (ROOT / ".streamlit" / "config.toml").read_text()
    bare = []
    for path in [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Expr) and not isinstance(node.value, (ast.Call, ast.Await, ast.Yield)) and not (
                    isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                bare.append(f"{path.name}:{node.lineno}")
    assert not bare, bare


def test_the_collector_is_off_during_start_up_and_back_on_frozen_after_the_warm_up():
    """scripts/serve.py switches Python's cyclic collector off before any import; server_app's
    collector_back_on() (run when the warm-up ends, or by a safety timer) freezes what was loaded and switches
    it on again, once."""
    code = ("import gc, runpy, sys; sys.argv = ['x'];"
            "s = runpy.run_path('scripts/serve.py', run_name='not_main'); off = not gc.isenabled();"
            "g = runpy.run_path('scripts/server_app.py'); before = gc.get_freeze_count();"
            "g['collector_back_on'](); frozen = gc.get_freeze_count(); on = gc.isenabled();"
            "g['collector_back_on'](); again = gc.get_freeze_count();"
            "print(off, on, frozen > before + 10000, again == frozen, g['GC_BACK_AFTER_S'] > 0)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True", "True", "True", "True"], out.stdout


def test_the_warm_up_imports_scikit_learn_later_in_a_quiet_moment():
    """The Overview does not need scikit-learn and the warm-up does not import it (it would compete with the
    first chart); warm_later(), started WARM_LATER_S after the warm-up, does, so the first visit to the
    Source comparison or Topics page does not pay ~1.5 s of import. It waits while a script runs (app.py
    counts runs in RUNS) and until none has run for quiet_s: the import would slow that run."""
    code = textwrap.dedent("""
        import sys, threading, time
        sys.path.insert(0, ".")
        import views._shared as sh
        import narratives.filters, plotly.graph_objects
        a = "sklearn" in sys.modules

        def visitor():
            with sh.RUNS.running():
                time.sleep(1.0)

        t = threading.Thread(target=visitor)
        t.start()
        time.sleep(0.1)
        busy = sh.RUNS.quiet_for() == 0
        t0 = time.monotonic()
        sh.warm_later(quiet_s=0.5)
        waited = time.monotonic() - t0
        print(a, busy, waited >= 1.3, "sklearn" in sys.modules, 0 < sh.WARM_LATER_S < 60)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True", "True", "True", "True"], out.stdout
    assert "_shared.warm_later" in (ROOT / "scripts" / "server_app.py").read_text()
    assert "with sh.RUNS.running():" in (ROOT / "app.py").read_text()
