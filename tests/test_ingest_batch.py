"""A batch with every kind of broken file: the good files come through, each bad one is one line naming it."""
from __future__ import annotations


from narratives.ingest import read_batch, read_paths
from narratives.records import IngestResult

from filemakers import make_docx, make_pdf, make_zip

STORY = "The water board said on Friday that reservoir levels had recovered after the spring rains."


def _pdf() -> bytes:
    return make_pdf([STORY])


def _docx() -> bytes:
    return make_docx([STORY])


def test_broken_files_do_not_stop_the_batch():
    good = {
        "good.txt": f"Reservoirs Recover\n\n{STORY}".encode(),
        "good.pdf": _pdf(),
        "good.docx": _docx(),
        "good.json": b'{"title": "J", "text": "Reservoir levels recovered."}',
        "good.csv": f"title,text\nC,{STORY}\n".encode(),
    }
    bad = {
        "empty.txt": b"",
        "blank.md": b"  \n\n ",
        "binary.txt": bytes(range(256)) * 16,
        "truncated.pdf": _pdf()[:300],
        "truncated.docx": _docx()[:2000],
        "invalid.json": b'{"title": "x", "text": ',
        "notext.csv": b"id,headline\n1,Hello\n",
        "bomb.zip": make_zip({"bomb.txt": b"\0" * (4 * 1024 * 1024)}),
        "weird.bin": b"\x13\x37 not a known format",
    }
    archive = make_zip({"../escape.txt": STORY.encode(), "nested.zip": make_zip({"x.txt": STORY.encode()}),
                    "inside.txt": f"Inside\n\n{STORY}".encode()})
    files = list(good.items()) + list(bad.items()) + [("mixed.zip", archive)]
    pfs = read_batch(files)
    names_ok = {p.file_name for p in pfs if p.articles}
    assert names_ok == set(good) | {"mixed.zip/inside.txt"}
    errors = {p.file_name: p.error for p in pfs if p.error}
    # the bomb is refused as a member of its zip (siblings would still come through)
    expected = (set(bad) - {"bomb.zip"}) | {"bomb.zip/bomb.txt", "mixed.zip/escape.txt", "mixed.zip/nested.zip"}
    assert set(errors) == expected
    for name, error in errors.items():
        line = IngestResult(name, "failed", message=error).line()
        assert "\n" not in line and line.startswith(f"{name}: failed: ") and "Traceback" not in line
    assert errors["empty.txt"] == "empty file" and errors["blank.md"] == "empty file"
    assert errors["binary.txt"] == "binary or unknown encoding"
    assert "PDF" in errors["truncated.pdf"] and "DOCX" in errors["truncated.docx"]
    assert errors["invalid.json"].startswith("invalid JSON at line 1")
    assert "no text column" in errors["notext.csv"] and "headline" in errors["notext.csv"]
    assert "zip bomb" in errors["bomb.zip/bomb.txt"]
    assert errors["weird.bin"].startswith("unsupported file type")


def test_read_paths_walks_sorted_and_caps_size(tmp_path, monkeypatch):
    from narratives import config
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.txt").write_text("B")
    (tmp_path / "d" / "a.txt").write_text("A")
    (tmp_path / "d" / "sub" / "c.txt").write_text("C" * 50)
    (tmp_path / "d" / ".hidden").write_text("H")
    single = tmp_path / "single.txt"
    single.write_text("S")
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 10)
    out = list(read_paths([tmp_path / "d", single, tmp_path / "missing.txt"]))
    assert [n for n, _ in out] == ["d/a.txt", "d/b.txt", "d/sub/c.txt", "single.txt", "missing.txt"]
    assert out[0][1] == b"A" and out[3][1] == b"S"
    assert "file too large" in out[2][1].reason
    assert out[4][1].reason == "no such file"
    pfs = read_batch(out)
    assert {p.file_name: p.error for p in pfs if p.error} == {
        "d/sub/c.txt": out[2][1].reason, "missing.txt": "no such file"}


def test_a_file_is_read_whole_up_to_the_cap_whatever_its_stat_said(tmp_path, monkeypatch):
    """Files are read from their stat size, not with one read of the cap: a file that grew after its stat is
    still read to its end, and one that grew past the cap is still refused as too large."""
    import os

    from narratives import config
    from narratives.ingest import _read_capped
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 3_000_000)
    f = tmp_path / "grew.txt"
    f.write_bytes(b"x" * 2_500_000)
    assert _read_capped(f, 10) == b"x" * 2_500_000            # stat said 10 bytes: read on to EOF
    assert _read_capped(f, os.path.getsize(f)) == b"x" * 2_500_000
    f.write_bytes(b"y" * 3_500_000)
    assert len(_read_capped(f, 100)) == 3_000_001              # past the cap: the cap + 1 (refused by the caller)
    (tmp_path / "empty.txt").write_bytes(b"")
    assert _read_capped(tmp_path / "empty.txt", 0) == b""
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 1_000_000)
    [(_, err)] = list(read_paths([f]))
    assert "file too large" in err.reason


def test_folder_holding_the_store_ingests_only_the_articles(tmp_path):
    """data/ holds both the sample articles and the default store (data/narratives.db + WAL files): ingesting
    the folder must not report the database files as failed articles (the CLI would exit 1)."""
    from pathlib import Path
    from narratives.ingest import ingest_files
    from narratives.store import Store
    folder = tmp_path / "data"
    folder.mkdir()
    for p in sorted(Path("data").glob("*.txt")):
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "other.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(100))
    store = Store(f"sqlite:///{folder / 'narratives.db'}")
    store.add_articles([])   # the store's files exist (db, and -wal/-shm while open)
    first = ingest_files(store, [folder])
    again = ingest_files(store, [folder])
    assert [r.status for r in first] == ["added"] * 5
    assert [r.status for r in again] == ["duplicate"] * 5
    assert not any(".db" in r.file_name or ".sqlite" in r.file_name for r in first + again)
