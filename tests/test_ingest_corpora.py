"""Real corpora (../shared/data): nothing of the story lost, metadata columns honoured, and fast enough."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from narratives.ingest import read_batch

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BBC = sorted((SHARED / "bbc").glob("*/*.txt"))
ALLSIDES = SHARED / "allsides" / "demo_12sources_2019_2020.csv.xz"
_ZW = re.compile("[\u200b\u2060\ufeff]")

def needs_bbc(fn):
    """The shared BBC corpus must be next to the repo (it is in CI): a missing corpus fails, never skips."""
    def wrapper(*a, **kw):
        assert BBC, "the shared BBC corpus is needed next to the repo (../shared/data/bbc)"
        return fn(*a, **kw)
    import functools
    return functools.wraps(fn)(wrapper)


def _raw(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")   # the corpus's few non-UTF-8 files are Windows-1252 ("£")


@needs_bbc
def test_bbc_every_title_and_line_kept():
    files = [(p.relative_to(SHARED / "bbc").as_posix(), p.read_bytes()) for p in BBC]
    pfs = read_batch(files)
    assert len(pfs) == len(files) and not [p.error for p in pfs if p.error]
    english = 0
    for (name, data), pf in zip(files, pfs):
        [a] = pf.articles
        english += a.language == "en"
        lines = [ln.strip() for ln in _raw(data).strip().split("\n")]
        assert a.title == lines[0], name
        for ln in lines[1:]:
            assert ln in a.text, (name, ln)
        assert a.language in ("en", None), name
    assert english >= 0.98 * len(files)      # a few fixture lists are too short to tell


@needs_bbc
def test_plain_text_batch_parses_every_file():
    """1,000 real plain-text files parse to one article each (the parsing rate is measured in bench/)."""
    files = [(p.name, p.read_bytes()) for p in BBC[:1000]]
    parsed = read_batch(files)
    assert len(parsed) == 1000 and all(pf.error is None and len(pf.articles) == 1 for pf in parsed)


def test_allsides_csv_columns_and_text():
    import pandas as pd
    df = pd.read_csv(ALLSIDES, nrows=1200, dtype=str, keep_default_na=False)
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    pfs = read_batch([("allsides.csv", buf.getvalue().encode())])
    assert [p.error for p in pfs if p.error] == []
    [pf] = pfs
    assert len(pf.articles) == len(df)
    from collections import Counter
    per_source = Counter((src, ln.strip()) for src, t in zip(df["source"], df["text"]) for ln in set(t.split("\n")))
    for a, (_, row) in zip(pf.articles, df.iterrows()):
        assert a.title == " ".join(row["title"].split())
        assert a.source == row["source"]
        assert (a.published.isoformat() if a.published else "") == row["date_iso"][:10]
        assert a.url == (row["url"] or None)
        for ln in _ZW.sub("", row["text"]).split("\n"):
            ln = ln.strip()
            # only short lines (bylines, "ADVERTISEMENT", copyright) or an outlet's furniture repeated in
            # 3+ of its articles (newsletter plugs) may go; never a paragraph of the story
            if (len(ln) > 100 and per_source[(row["source"], ln)] < 3
                    and not ln.upper().startswith(("SEE ALSO:", "READ MORE", "RELATED:", "FOLLOW "))):
                assert ln in a.text, (a.file_name, ln)
    lost = sum(1 for a, t in zip(pf.articles, df["text"]) if len(a.text) < 0.8 * len(t.strip()))
    assert lost <= len(df) * 0.01
