"""Store.add_articles (grouped transactions, a savepoint per article) must behave like add_article one by one.

Why: batch ingest is the fast path of ingest_files and the CLI; it may change speed, never outcomes.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest

from narratives.ingest import ingest_files
from narratives.records import Article
from narratives.store import Store

WORDS = ("harbour ferry council budget river school vote court police strike energy price water road "
         "minister hospital teacher farmer market weather storm bridge railway port tax").split()


def _text(i: int, n: int = 80) -> str:
    """A distinct deterministic text per i (a cheap LCG over the word list)."""
    x, out = i * 7919 + 13, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append(WORDS[x % len(WORDS)])
    return f"Story {i}. " + " ".join(out) + "."


def _articles() -> list[Article]:
    """Originals, an exact copy and a near copy inside the same group, and copies across groups."""
    arts = [Article(title=f"t{i}", text=_text(i), source="S", file_name=f"f{i}.txt") for i in range(12)]
    arts.insert(3, Article(title="copy of 1", text=_text(1), file_name="dup1.txt"))                # exact, same group
    arts.insert(5, Article(title="near 2", text=_text(2) + " Reporting by a correspondent.", file_name="near2.txt"))
    arts.append(Article(title="copy of 0", text="  " + _text(0).upper(), file_name="dup0.txt"))      # normalised exact
    arts.append(Article(title="near 9", text=_text(9) + " Editing by a desk.", file_name="near9.txt"))
    return arts


def _outcome(results):
    return [(r.file_name, r.status, r.article_id, r.duplicate_of) for r in results]


@pytest.mark.parametrize("group", [1, 4, 300])
def test_batch_equals_one_by_one(tmp_path, group):
    one = Store(f"sqlite:///{tmp_path}/one.db")
    many = Store(f"sqlite:///{tmp_path}/many.db")
    expected = [one.add_article(a) for a in _articles()]
    got = many.add_articles(_articles(), group=group)
    assert _outcome(got) == _outcome(expected)
    statuses = [r.status for r in got]
    assert statuses.count("duplicate") == 2 and statuses.count("near_duplicate") == 2
    assert one.count() == many.count() == 14
    assert one.frame()[["id", "title", "source", "duplicate_of"]].equals(
        many.frame()[["id", "title", "source", "duplicate_of"]])
    assert many.search("harbour") == one.search("harbour")
    # re-ingesting the batch adds nothing
    assert {r.status for r in many.add_articles(_articles(), group=group)} == {"duplicate"}


def test_failure_mid_group_fails_one_article_only(tmp_path, monkeypatch):
    store = Store(f"sqlite:///{tmp_path}/s.db")
    real = store._fts_insert

    def flaky(conn, article_id, title, text):
        real(conn, article_id, title, text)        # the article row and its FTS row are written...
        if title == "t4":
            raise sqlite3.OperationalError("disk I/O error")   # ...then fail: the savepoint must undo both

    monkeypatch.setattr(store, "_fts_insert", flaky)
    arts = [Article(title=f"t{i}", text=_text(i), file_name=f"f{i}.txt") for i in range(8)]
    seen = []
    results = store.add_articles(arts, group=5, on_result=lambda i, r: seen.append((i, r.status)))
    assert [r.status for r in results] == ["added"] * 4 + ["failed"] + ["added"] * 3
    assert "disk I/O error" in results[4].message and results[4].file_name == "f4.txt"
    assert seen == [(i, r.status) for i, r in enumerate(results)]
    assert store.count() == 7
    assert store.search("t4") == []                    # no half article: no FTS row either
    monkeypatch.undo()
    # the failed one is not a duplicate of a ghost row, and the index still finds in-group originals
    again = store.add_articles([arts[4], Article(title="near", text=_text(6) + " Reporting by X.")])
    assert again[0].status == "added"
    assert again[1].status == "near_duplicate" and again[1].duplicate_of == results[6].article_id
    assert store.count() == 9


def test_group_that_cannot_commit_reports_all_failed(tmp_path, monkeypatch):
    """If the group's transaction does not commit, none of it is reported stored and nothing of it is kept."""
    store = Store(f"sqlite:///{tmp_path}/s.db")
    store.add_articles([Article(title="t0", text=_text(0))])
    v = store.version()
    real = store._write

    @contextmanager
    def no_commit(bump=True):
        with real(bump) as conn:
            yield conn
            raise sqlite3.OperationalError("database or disk is full")   # after every insert, before COMMIT

    monkeypatch.setattr(store, "_write", no_commit)
    seen = []
    results = store.add_articles([Article(title=f"t{i}", text=_text(i)) for i in range(1, 4)],
                                 on_result=lambda i, r: seen.append(r.status))
    assert [r.status for r in results] == seen == ["failed"] * 3
    assert "disk is full" in results[0].message
    monkeypatch.undo()
    assert store.count() == 1 and store.version() == v
    # the near-dup index must not remember the rolled-back rows
    again = store.add_articles([Article(title="t0", text=_text(0))]
                               + [Article(title=f"t{i}", text=_text(i) + " Reporting by X.") for i in range(1, 4)])
    assert [r.status for r in again] == ["duplicate", "added", "added", "added"]


def test_ingest_files_uses_groups_and_keeps_order(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/s.db")
    files = [(f"f{i}.txt", f"Title {i}\n\n{_text(i)}".encode()) for i in range(7)]
    files.insert(2, ("bad.txt", b""))
    files.append(("again.txt", files[4][1]))   # same bytes as f3.txt
    calls = []
    results = ingest_files(store, files, group=3, progress=lambda d, t, r: calls.append((d, t, r.status)))
    assert [r.file_name for r in results] == [n for n, _ in files]
    assert [r.status for r in results] == ["added"] * 2 + ["failed"] + ["added"] * 5 + ["duplicate"]
    assert calls == [(i + 1, 9, r.status) for i, r in enumerate(results)]
    assert store.count() == 7


def test_streamed_ingest_in_workers_equals_one_batch(tmp_path, monkeypatch):
    """Above SERIAL_MAX_FILES files, chunks are parsed + fingerprinted in worker processes: same outcome."""
    import narratives.ingest as ing
    files = [(f"f{i}.txt", f"Title {i}\n\n{_text(i)}".encode()) for i in range(23)]
    files.insert(7, ("bad.txt", b""))
    files.append(("again.txt", files[4][1]))
    files.append(("near.txt", f"Near\n\n{_text(9)} Reporting by a desk.".encode()))
    one = Store(f"sqlite:///{tmp_path}/one.db")
    expected = ingest_files(one, files, group=4)
    monkeypatch.setattr(ing, "SERIAL_MAX_FILES", 5)
    monkeypatch.setattr(ing, "CHUNK_FILES", 3)
    many = Store(f"sqlite:///{tmp_path}/many.db")
    calls = []
    got = ingest_files(many, iter(files), group=4, workers=2, progress=lambda d, t, r: calls.append((d, t)))
    assert _outcome(got) == _outcome(expected)
    assert [r.status for r in got].count("near_duplicate") == 1
    assert calls[-1] == (len(files), len(files)) and [d for d, _ in calls] == list(range(1, len(files) + 1))
    assert many.frame()[["id", "title", "duplicate_of"]].equals(one.frame()[["id", "title", "duplicate_of"]])


def test_paths_read_by_workers_equal_read_paths(tmp_path, monkeypatch):
    """Plain paths reach the workers unread (_PathRef); every file, good or bad, gets the same result as
    when the caller reads them with read_paths first, in the same order."""
    import narratives.ingest as ing
    from narratives import config
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i in range(9):
        (folder / ("sub" if i % 3 == 0 else ".") / f"f{i}.txt").write_text(f"Title {i}\n\n{_text(i)}")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "huge.txt").write_bytes(b"x" * 5000)
    (folder / "gone.txt").symlink_to(folder / "missing-target.txt")
    (folder / ".hidden.txt").write_text("Hidden\n\nnot read")
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 4000)
    expected = ingest_files(Store(f"sqlite:///{tmp_path}/one.db"), ing.read_paths([folder]), group=4)
    monkeypatch.setattr(ing, "SERIAL_MAX_FILES", 4)
    monkeypatch.setattr(ing, "CHUNK_FILES", 3)
    got = ingest_files(Store(f"sqlite:///{tmp_path}/many.db"), [folder], group=4, workers=2)
    assert _outcome(got) == _outcome(expected)
    assert [r.file_name for r in got] == [r.file_name for r in expected]
    msgs = {r.file_name: r.message for r in got if r.status == "failed"}
    assert set(msgs) == {"in/empty.txt", "in/huge.txt", "in/gone.txt"}
    assert "too large" in msgs["in/huge.txt"] and "no such file" in msgs["in/gone.txt"]
    assert sum(r.status == "added" for r in got) == 9


def test_medium_batch_parsed_in_workers_equals_read_batch(tmp_path, monkeypatch):
    """Between PARALLEL_MIN_FILES and SERIAL_MAX_FILES files are parsed in workers, then the lines one outlet
    repeats are stripped batch-wide here: same articles, texts and fingerprints as parsing in one process."""
    import narratives.ingest as ing
    from narratives import dedupe
    furniture = "Follow our live coverage at example-news dot com and share your views with our desk team"
    files = [(f"f{i}.txt", f"Title {i}\n\n{_text(i)}\n\n{furniture}".encode()) for i in range(14)]
    files.insert(5, ("bad.txt", b"\x00\x01"))
    files.append(("again.txt", files[2][1]))
    one = Store(f"sqlite:///{tmp_path}/one.db")
    expected = ingest_files(one, files, source="Example News", group=4)
    monkeypatch.setattr(ing, "PARALLEL_MIN_FILES", 3)
    calls = []
    real = ing._parse_whole_batch
    monkeypatch.setattr(ing, "_parse_whole_batch", lambda *a: calls.append(len(a[0])) or real(*a))
    many = Store(f"sqlite:///{tmp_path}/many.db")
    got = ingest_files(many, files, source="Example News", group=4, workers=2)
    assert calls == [len(files)]                       # the worker path ran, once, on the whole batch
    assert _outcome(got) == _outcome(expected)
    texts = dict(zip(many.frame()["id"], many.texts()))
    assert texts == dict(zip(one.frame()["id"], one.texts()))
    assert not any(furniture in t for t in texts.values())   # batch-wide stripping happened
    with many.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT text, content_hash, minhash FROM articles").all()
    assert rows and all(dedupe.fingerprint(t) == (h, bytes(m)) for t, h, m in rows)  # refingerprinted after stripping
