"""The dashboard's filters, round-tripped through URL query parameters and applied to `Store.frame()`.

Shared by app.py, the pages and the CLI export so a link, a page and an export select the same rows.
URL values come from users (edited links, stale bookmarks), so `from_query` never raises: it drops what
it cannot use and says so in a human notice.

Query parameter names: start, end (YYYY-MM-DD), source (repeatable; UNKNOWN_SOURCE selects the articles
whose outlet was not found), topic, stance (repeatable ints, or comma-separated), q (text),
gran (day|week|month), undated (1|0).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, Mapping

import numpy as np
import pandas as pd

UNKNOWN_SOURCE = "(unknown source)"   # the one name, in filters and on every page, of "no outlet found"
MAX_QUERY_CHARS = 200
MAX_VALUES = 500
GRANULARITIES = ("day", "week", "month")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass
class Filters:
    """What the analyst selected; empty lists mean 'all'."""

    start: date | None = None
    end: date | None = None
    sources: list[str] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    stances: list[int] = field(default_factory=list)
    query: str = ""
    granularity: Literal["day", "week", "month"] = "week"
    include_undated: bool = True

    @classmethod
    def from_query(cls, params: Mapping[str, str | list[str]]) -> tuple["Filters", list[str]]:
        """Parse URL query params; bad or stale values are dropped with a notice, never an exception."""
        notices: list[str] = []
        f = cls()

        def values(key: str) -> list[str]:
            v = params.get(key) if params is not None else None
            if v is None:
                return []
            items = [v] if isinstance(v, str) else list(v)
            return [str(x).strip() for x in items if x is not None and str(x).strip()][:MAX_VALUES]

        def first(key: str) -> str | None:
            v = values(key)
            return v[-1] if v else None

        for key in ("start", "end"):
            raw = first(key)
            if raw is None:
                continue
            try:
                setattr(f, key, date.fromisoformat(raw[:10]) if len(raw) >= 10 else date.fromisoformat(raw))
            except ValueError:
                notices.append(f"Ignored the {key} date {raw[:40]!r}: not a date (use YYYY-MM-DD).")
        if f.start and f.end and f.start > f.end:
            f.start, f.end = f.end, f.start
            notices.append("The start date was after the end date: swapped them.")

        f.sources = list(dict.fromkeys(values("source")))

        for key, attr in (("topic", "topics"), ("stance", "stances")):
            good, bad = [], []
            for raw in values(key):
                for part in raw.split(","):
                    part = part.strip()
                    if not part:
                        continue
                    try:
                        good.append(int(part))
                    except ValueError:
                        bad.append(part[:20])
            setattr(f, attr, list(dict.fromkeys(good)))
            if bad:
                notices.append(f"Ignored {key} value(s) {', '.join(map(repr, bad[:5]))}: not cluster numbers.")

        q = " ".join((first("q") or "").split())
        if len(q) > MAX_QUERY_CHARS:
            q = q[:MAX_QUERY_CHARS]
            notices.append(f"The search text was cut to {MAX_QUERY_CHARS} characters.")
        f.query = q

        gran = first("gran")
        if gran is not None:
            if gran.lower() in GRANULARITIES:
                f.granularity = gran.lower()
            else:
                notices.append(f"Unknown granularity {gran[:20]!r}: using week (day, week or month).")

        und = first("undated")
        if und is not None:
            if und.lower() in _TRUE:
                f.include_undated = True
            elif und.lower() in _FALSE:
                f.include_undated = False
            else:
                notices.append(f"Ignored undated={und[:20]!r}: use 1 or 0.")
        return f, notices

    def to_query(self) -> dict[str, str | list[str]]:
        """URL query params for this selection (defaults left out so links stay short)."""
        out: dict[str, str | list[str]] = {}
        if self.start:
            out["start"] = self.start.isoformat()
        if self.end:
            out["end"] = self.end.isoformat()
        if self.sources:
            out["source"] = list(self.sources)
        if self.topics:
            out["topic"] = [str(t) for t in self.topics]
        if self.stances:
            out["stance"] = [str(s) for s in self.stances]
        if self.query:
            out["q"] = self.query
        if self.granularity != "week":
            out["gran"] = self.granularity
        if not self.include_undated:
            out["undated"] = "0"
        return out

    def drop_unknown(self, sources=None, topics=None, stances=None) -> list[str]:
        """Remove values that no longer exist (stale links after a refit); returns notices."""
        notices = []
        for attr, known, what in (("sources", sources, "source"), ("topics", topics, "topic"),
                                  ("stances", stances, "stance")):
            if known is None:
                continue
            known = set(known)
            cur = getattr(self, attr)
            keep = [v for v in cur if v in known]
            if len(keep) != len(cur):
                gone = [str(v) for v in cur if v not in known]
                notices.append(f"Ignored unknown {what}(s): {', '.join(gone[:5])}.")
                setattr(self, attr, keep)
        return notices


def unknown_source(source: pd.Series) -> np.ndarray:
    """Rows whose outlet is not known: missing or blank (what every page shows as UNKNOWN_SOURCE)."""
    blank = source.astype("string").str.strip().eq("").fillna(True)
    return (source.isna() | blank).to_numpy(dtype=bool)


def apply(frame: pd.DataFrame, f: Filters, search_ids: list[int] | None = None) -> pd.DataFrame:
    """Rows of `frame` matching `f` (vectorised). Text query: `search_ids` (every match: Store.match_ids)
    when given, else a case-insensitive substring match on titles."""
    mask = np.ones(len(frame), dtype=bool)
    if len(frame) == 0:
        return frame
    pub = frame["published"]
    undated = pub.isna().to_numpy()
    if f.start is not None or f.end is not None:
        in_range = ~undated
        if f.start is not None:
            in_range &= (pub >= pd.Timestamp(f.start)).fillna(False).to_numpy(dtype=bool)
        if f.end is not None:
            in_range &= (pub < pd.Timestamp(f.end + timedelta(days=1))).fillna(False).to_numpy(dtype=bool)
        mask &= in_range | (undated & f.include_undated)
    elif not f.include_undated:
        mask &= ~undated
    if f.sources:
        src = frame["source"]
        picked = src.isin(f.sources).fillna(False).to_numpy(dtype=bool)
        if UNKNOWN_SOURCE in f.sources:
            picked = picked | unknown_source(src)
        mask &= picked
    if f.topics:
        mask &= frame["topic"].isin(f.topics).fillna(False).to_numpy(dtype=bool)
    if f.stances:
        mask &= frame["stance"].isin(f.stances).fillna(False).to_numpy(dtype=bool)
    if f.query:
        if search_ids is not None:
            mask &= frame["id"].isin(list(search_ids)).to_numpy(dtype=bool)
        else:
            mask &= frame["title"].fillna("").str.contains(f.query, case=False, regex=False).to_numpy(dtype=bool)
    return frame[mask]
