"""filters: URL params never raise (bad values dropped with a notice), round-trip, vectorised apply."""
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from narratives.filters import MAX_QUERY_CHARS, Filters, apply


def _frame(n=8):
    return pd.DataFrame({
        "id": np.arange(1, n + 1, dtype="int64"),
        "title": ["China talks", "Pakistan FO", "china denies", "Markets", "Football", "Budget", "CHINA", "x"][:n],
        "source": pd.array(["Dawn", "AP", None, "Dawn", "BBC", "AP", "Dawn", None][:n], dtype="str"),
        "published": pd.to_datetime(["2024-01-01", "2024-01-10", None, "2024-02-01", "2024-02-15",
                                     None, "2024-03-01", "2024-01-31"][:n]).astype("datetime64[ns]"),
        "topic": pd.array([0, 0, 1, 1, None, 2, 0, 2][:n], dtype="Int64"),
        "stance": pd.array([5, 6, 7, 7, None, 8, 5, 8][:n], dtype="Int64"),
    })


def test_from_query_drops_bad_values_with_notices():
    f, notes = Filters.from_query({"start": "2024-13-45", "end": "2024-02-01", "topic": ["1", "x", "2,3"],
                                   "stance": "a", "gran": "fortnight", "q": "z" * 500, "undated": "maybe",
                                   "source": ["Dawn", "Dawn", " "]})
    assert f.start is None and f.end == date(2024, 2, 1)
    assert f.topics == [1, 2, 3] and f.stances == [] and f.sources == ["Dawn"]
    assert f.granularity == "week" and len(f.query) == MAX_QUERY_CHARS and f.include_undated
    assert len(notes) == 6 and all(isinstance(n, str) and "\n" not in n for n in notes)


def test_round_trip_and_swapped_dates():
    f = Filters(start=date(2024, 1, 1), end=date(2024, 2, 1), sources=["Dawn", "A, B"], topics=[3], stances=[4, 5],
                query="china", granularity="month", include_undated=False)
    g, notes = Filters.from_query(f.to_query())
    assert g == f and notes == []
    assert Filters().to_query() == {}
    h, notes = Filters.from_query({"start": "2024-05-01", "end": "2024-01-01"})
    assert h.start == date(2024, 1, 1) and h.end == date(2024, 5, 1) and notes


def test_apply_semantics():
    df = _frame()
    assert len(apply(df, Filters())) == 8
    r = apply(df, Filters(start=date(2024, 1, 10), end=date(2024, 2, 1)))
    assert list(r["id"]) == [2, 3, 4, 6, 8]  # end inclusive; undated kept by default
    r = apply(df, Filters(start=date(2024, 1, 10), end=date(2024, 2, 1), include_undated=False))
    assert list(r["id"]) == [2, 4, 8]
    assert list(apply(df, Filters(include_undated=False))["id"]) == [1, 2, 4, 5, 7, 8]
    assert list(apply(df, Filters(sources=["Dawn"]))["id"]) == [1, 4, 7]
    assert list(apply(df, Filters(topics=[0, 2]))["id"]) == [1, 2, 6, 7, 8]
    assert list(apply(df, Filters(stances=[7]))["id"]) == [3, 4]
    assert list(apply(df, Filters(query="china"))["id"]) == [1, 3, 7]
    assert list(apply(df, Filters(query="china"), search_ids=[8, 2])["id"]) == [2, 8]
    assert len(apply(df.iloc[:0], Filters(query="x", topics=[1]))) == 0


def test_apply_on_100k():
    df = pd.concat([_frame()] * 12_500, ignore_index=True)
    df["id"] = np.arange(1, len(df) + 1)
    f = Filters(start=date(2024, 1, 5), end=date(2024, 2, 20), sources=["Dawn", "AP"], topics=[0, 1], query="pakistan")
    r = apply(df, f)
    assert len(r) == 12_500 and set(r["title"]) == {"Pakistan FO"}  # one row of each 8-row block


_values = st.one_of(st.text(max_size=30), st.lists(st.text(max_size=30), max_size=4))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["start", "end", "source", "topic", "stance", "q", "gran", "undated", "zz"]),
                       _values))
def test_from_query_never_raises(params):
    f, notes = Filters.from_query(params)
    assert isinstance(notes, list) and len(f.query) <= MAX_QUERY_CHARS
    assert all(isinstance(t, int) for t in f.topics + f.stances)
    g, _ = Filters.from_query(f.to_query())
    assert g == f
    apply(_frame(), f)


def test_unknown_source_selects_articles_without_an_outlet():
    """The pages show articles with no outlet as "(unknown source)"; the filter can pick them, alone or with others."""
    from narratives.filters import UNKNOWN_SOURCE
    frame = _frame()
    frame.loc[3, "source"] = "  "    # blank counts as unknown, as on the pages
    assert list(apply(frame, Filters(sources=[UNKNOWN_SOURCE]))["id"]) == [3, 4, 8]
    assert list(apply(frame, Filters(sources=["AP", UNKNOWN_SOURCE]))["id"]) == [2, 3, 4, 6, 8]
    assert list(apply(frame, Filters(sources=["AP"]))["id"]) == [2, 6]
    f, notes = Filters.from_query(Filters(sources=[UNKNOWN_SOURCE]).to_query())
    assert f.sources == [UNKNOWN_SOURCE] and notes == []
