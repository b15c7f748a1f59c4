"""A parquet copy of Store.frame() for one store version, next to a SQLite database.

Why: the dashboard needs the whole article frame before its first chart, and at 100,000 articles the SQL
query takes 1.5-2.5 s against ~0.15 s for reading the copy. The dashboard writes a copy after its first real
read (views/_shared._frame); the command line writes one after each command that changed the store, so the
first dashboard start after a nightly `ingest` or `cluster` does not pay for the query either.

The key is the database file (path, inode, size, mtime) + store.version() + the code of Store.frame() +
the pandas version, so a replaced or rewritten file, a new version or a changed frame() never hits an old
copy. Copies live in .narratives-cache/ beside the database; NARRATIVES_FRAME_CACHE=off switches them off.
Only an optimisation: every failure here means "read by SQL".
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import os
from pathlib import Path

import pandas as pd


@functools.lru_cache(maxsize=1)
def _frame_code() -> str:
    """The source of Store.frame() (read once a process: it does not change while running)."""
    from .store import Store
    return inspect.getsource(Store.frame)


def frame_path(url: str, ver: str) -> Path | None:
    """Where the copy of this store version's frame lives, or None (not a SQLite file, no such file, or
    switched off)."""
    if os.environ.get("NARRATIVES_FRAME_CACHE", "").strip().lower() in {"0", "off", "false", "no"}:
        return None
    from sqlalchemy.engine import make_url
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" or u.query.get("mode"):
        return None
    db = Path(u.database).resolve()
    try:
        stt = db.stat()
    except OSError:
        return None
    key = "|".join(map(str, (db, stt.st_ino, stt.st_size, stt.st_mtime_ns, ver, pd.__version__,
                               _frame_code())))
    return db.parent / ".narratives-cache" / f"frame-{db.stem}-{hashlib.sha256(key.encode()).hexdigest()[:24]}.parquet"


def write(path: Path, frame: pd.DataFrame) -> None:
    """Write the copy atomically and drop this database's older copies; never raises."""
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(prefix + "*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - read-only folder, full disk: the copy is only an optimisation
        pass


def read(path: Path | None) -> pd.DataFrame | None:
    """The copy at path, or None (no path, no file, unreadable)."""
    if path is None or not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except Exception:  # noqa: BLE001 - a torn or foreign file: read by SQL instead
        return None


def refresh(url: str) -> Path | None:
    """Make sure the copy for the store's current version exists; returns its path (None: no copy).

    Call it after the writing Store is closed: closing a SQLite store can still change the file (WAL
    checkpoint), and the key holds the file's size and mtime.
    """
    from .store import Store
    try:
        store = Store(url, read_only=True)
        try:
            path = frame_path(url, store.version())
            if path is None or path.exists():
                return path
            frame = store.frame()
        finally:
            store.close()
        write(path, frame)
        return path if path.exists() else None
    except Exception:  # noqa: BLE001 - only an optimisation
        return None
