"""Start and stop a Streamlit server for the browser tests (its own module: test files import it by a
name that cannot collide with tests/conftest.py when the whole suite runs)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def run_server(db_url: str, log_dir: Path):
    """The dashboard as scripts/start.sh serves it (scripts/serve.py -> scripts/server_app.py: app.py, the
    Plotly preload, the warm-up) over db_url on a free port; yields the base URL; always killed afterwards."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = log_dir / f"streamlit_{port}.log"
    env = dict(os.environ, NARRATIVES_DB=db_url, PYTHONUNBUFFERED="1")
    env.pop("NARRATIVES_READ_ONLY", None)
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not _healthy(base):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after 90 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        text = log_path.read_text(errors="replace")
        if "Traceback" in text:  # shown with the test output: a server-side error is worth reading
            sys.stderr.write(f"\n--- streamlit server log {log_path} (had a traceback) ---\n" + text[-5000:] + "\n")
