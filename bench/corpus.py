"""Build benchmark corpora of any size from the real AllSides articles (shared/data, not shipped).

Sizes above the 37,554 real articles are reached by resampling: copy 0 of an article is the article
itself; later copies interleave its sentences with those of another article on the same AllSides
topic, so every text is distinct (no exact or near-duplicate collapses the corpus) while keeping
real vocabulary, real sources, real dates and a real topic label to score against.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ALLSIDES = SHARED / "allsides" / "articles_full.csv.xz"
_SENT = re.compile(r"(?<=[.!?])\s+")


def load_bbc(classes=None) -> tuple[list[str], np.ndarray]:
    """BBC News texts (title line + body, undecodable bytes replaced) and their folder labels."""
    texts, labels = [], []
    for d in sorted((SHARED / "bbc").iterdir()):
        if d.is_dir() and (classes is None or d.name in classes):
            for f in sorted(d.glob("*.txt")):
                texts.append(f.read_bytes().decode("utf-8", errors="replace"))
                labels.append(d.name)
    return texts, np.array(labels)


def load_allsides(path: Path = ALLSIDES) -> pd.DataFrame:
    df = pd.read_csv(path, usecols=["ID", "source", "topic", "date_iso", "title", "url", "text"])
    df = df.dropna(subset=["text", "title"]).reset_index(drop=True)
    df["text"] = df["text"].str.replace("\u00ad", "", regex=False)
    return df


def build(n: int, seed: int = 0, base: pd.DataFrame | None = None) -> pd.DataFrame:
    """n articles with columns title, text, source, date_iso, url, topic (deterministic for a seed)."""
    base = load_allsides() if base is None else base
    rng = np.random.default_rng(seed)
    if n <= len(base):
        idx = np.sort(rng.choice(len(base), size=n, replace=False))
        return base.iloc[idx][["title", "text", "source", "date_iso", "url", "topic"]].reset_index(drop=True)
    rows = [base[["title", "text", "source", "date_iso", "url", "topic"]]]
    by_topic = {t: np.flatnonzero(base["topic"].to_numpy() == t) for t in base["topic"].unique()}
    copy = 1
    total = len(base)
    while total < n:
        take = min(len(base), n - total)
        idx = rng.choice(len(base), size=take, replace=False)
        titles, texts, urls = [], [], []
        for i in idx:
            pool = by_topic[base.at[i, "topic"]]
            j = pool[rng.integers(len(pool))]
            a, b = _SENT.split(base.at[i, "text"]), _SENT.split(base.at[j, "text"])
            mixed = [a[k] if k % 2 == 0 or k >= len(b) else b[k] for k in range(len(a))]
            texts.append(" ".join(mixed) + f" [{copy}]")
            titles.append(f"{base.at[i, 'title']} ({copy})")
            urls.append(f"{base.at[i, 'url']}#copy{copy}" if isinstance(base.at[i, "url"], str) else None)
        part = base.iloc[idx][["source", "date_iso", "topic"]].copy()
        part["title"], part["text"], part["url"] = titles, texts, urls
        rows.append(part)
        total += take
        copy += 1
    return pd.concat(rows, ignore_index=True)[["title", "text", "source", "date_iso", "url", "topic"]]
