"""Settings with defaults that work on a fresh machine; each can be overridden by an environment variable."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def default_db_url() -> str:
    """NARRATIVES_DB (an SQLAlchemy URL) or the embedded SQLite file under data/."""
    return os.environ.get("NARRATIVES_DB") or f"sqlite:///{DATA_DIR / 'narratives.db'}"


MB = 1024 * 1024
# Caps (bytes). Documented in the README; all enforced on the server side.
MAX_FILE_BYTES = _int_env("NARRATIVES_MAX_FILE_MB", 50) * MB           # one uploaded / ingested file
MAX_BATCH_BYTES = _int_env("NARRATIVES_MAX_BATCH_MB", 500) * MB        # one upload batch
MAX_ARCHIVE_MEMBERS = _int_env("NARRATIVES_MAX_ZIP_MEMBERS", 10_000)   # files inside one zip
MAX_ARCHIVE_UNPACKED_BYTES = _int_env("NARRATIVES_MAX_ZIP_MB", 500) * MB  # total uncompressed size of a zip
MAX_ARCHIVE_RATIO = 200                                                # compressed->uncompressed ratio (zip bombs)
MAX_TEXT_CHARS = _int_env("NARRATIVES_MAX_TEXT_CHARS", 2_000_000)      # one article's text
MAX_ROWS_PER_FILE = _int_env("NARRATIVES_MAX_ROWS", 200_000)           # rows of one csv/xlsx/jsonl
READ_ONLY = os.environ.get("NARRATIVES_READ_ONLY", "").lower() in {"1", "true", "yes"}
