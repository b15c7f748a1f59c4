"""Paths the AppTest-based tests share. A module of its own (not conftest) so that `from app_paths import …`
cannot resolve to tests/e2e/conftest.py when the whole suite runs in one process."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

APP = str(ROOT / "app.py")
SAMPLE_FILES = sorted((ROOT / "data").glob("*.txt"))
