"""ingest_files end to end against the real Store (a temp SQLite file per test)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from narratives.errors import StoreError
from narratives.ingest import ingest_files, read_paths
from narratives.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
STORY = "The harbour master said on Sunday that two ferries would resume service after the storm."


@pytest.fixture()
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'ingest.db'}")
    yield s
    s.close()


def test_sample_corpus_added_then_duplicates(store):
    calls = []
    results = ingest_files(store, read_paths([DATA]), progress=lambda d, t, r: calls.append((d, t, r.status)))
    assert [r.status for r in results] == ["added"] * 5, [r.line() for r in results]
    assert [c[:2] for c in calls] == [(i, 5) for i in range(1, 6)]
    assert [r.file_name for r in results] == [f"data/{p.name}" for p in sorted(DATA.glob("*.txt"))]
    a2 = store.get_article(results[2].article_id)
    assert a2.title == "China Denies Sending Security Teams to Pakistan for Citizens’ Safety"
    assert a2.published == date(2024, 11, 15)
    assert "Post a Comment" not in a2.text
    assert store.get_article(results[4].article_id).source == "www.tradingview.com"
    again = ingest_files(store, [(p.name, p.read_bytes()) for p in sorted(DATA.glob("*.txt"))])
    assert [r.status for r in again] == ["duplicate"] * 5
    assert [r.duplicate_of for r in again] == [r.article_id for r in results]
    assert store.count() == 5


def test_rows_failures_and_batch_defaults(store):
    files = [
        ("export.csv", f"title,text,source\nOne,{STORY},Harbour Times\nTwo,,Harbour Times\n"
                       f"Three,\"{STORY} The ferries carry 900 passengers a day.\",\n".encode()),
        ("empty.txt", b""),
        ("bad.json", b"{oops"),
        ("note.txt", f"Ferries Resume\n\nThe ferries resumed on Monday morning as planned.\n".encode()),
    ]
    seen = []
    results = ingest_files(store, files, source="Batch Outlet", published=date(2024, 5, 1),
                           progress=lambda d, t, r: seen.append((d, t)))
    by_name = {r.file_name: r for r in results}
    assert set(by_name) == {"export.csv#1", "export.csv#2", "export.csv#3", "empty.txt", "bad.json", "note.txt"}
    assert by_name["export.csv#2"].status == "failed" and by_name["export.csv#2"].message == "no text in this row"
    assert by_name["empty.txt"].line() == "empty.txt: failed: empty file"
    assert by_name["bad.json"].line().startswith("bad.json: failed: invalid JSON at line 1, column 2")
    assert seen == [(i, 6) for i in range(1, 7)]
    row1 = store.get_article(by_name["export.csv#1"].article_id)
    row3 = store.get_article(by_name["export.csv#3"].article_id)
    note = store.get_article(by_name["note.txt"].article_id)
    assert (row1.source, row1.published) == ("Harbour Times", date(2024, 5, 1))
    assert row3.source == "Batch Outlet"            # empty cell -> batch value fills in
    assert (note.title, note.source) == ("Ferries Resume", "Batch Outlet")


def test_paths_accepted_directly(store, tmp_path):
    p = tmp_path / "one.txt"
    p.write_text(f"Ferry Title\n\n{STORY}\n", encoding="utf-8")
    [r] = ingest_files(store, [p, ])
    assert (r.status, r.file_name, r.title) == ("added", "one.txt", "Ferry Title")


class _FlakyStore:
    """Wraps the real store; refuses one article the way a full disk would."""

    def __init__(self, real):
        self.real = real

    def add_article(self, article):
        if "refuse" in article.text:
            raise StoreError("database is locked")
        return self.real.add_article(article)


def test_store_error_fails_one_article_not_the_batch(store):
    files = [("a.txt", f"A Title\n\n{STORY}".encode()), ("b.txt", b"B Title\n\nPlease refuse this one today."),
             ("c.txt", b"C Title\n\nA third and different story about trains.")]
    results = ingest_files(_FlakyStore(store), files)
    assert [r.status for r in results] == ["added", "failed", "added"]
    assert results[1].line() == "b.txt: failed: database is locked"
