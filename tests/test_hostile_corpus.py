"""ONE hostile corpus (tests/reliability_helpers.hostile_corpus) through all three ways in:
the backend (`ingest_files`), the CLI (`python -m narratives ingest DIR`, a real subprocess) and the
Upload page (AppTest's file_uploader).

Each bad file gets a one-line reason naming it, the good files around it are stored (exactly once, with
the text the file holds), hostile markup never reaches the stored text, and the process stays up.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from narratives.ingest.archive import safe_name
from reliability_helpers import Case, cli, db_check, good_files, hostile_corpus

OK = ("added", "near_duplicate")


@pytest.fixture(scope="module")
def corpus() -> list[Case]:
    return hostile_corpus()


def _results_for(case: Case, results: list[tuple[str, str, str]], prefix: str = ""):
    """(name, status, message) rows that belong to one case: its own name, its rows (#n), its members (/x)."""
    base = prefix + safe_name(case.name)
    return [r for r in results if r[0] == base or r[0].startswith(base + "#") or r[0].startswith(base + "/")]


def check_outcomes(corpus: list[Case], results: list[tuple[str, str, str]], prefix: str = "") -> None:
    """Every bad file: failed, one line, the expected reason. Every good file: stored. Nothing unaccounted."""
    claimed = set()
    for case in corpus:
        mine = _results_for(case, results, prefix)
        assert mine, f"no result at all for {case.why} ({case.name!r}): {[r[0] for r in results]}"
        claimed.update(r[0] for r in mine)
        failed = [r for r in mine if r[1] == "failed"]
        stored = [r for r in mine if r[1] in OK]
        for name, _, msg in failed:
            assert msg and "\n" not in msg and "\r" not in msg and "Traceback" not in msg, (name, msg)
            assert len(msg) <= 301, msg
            if case.reason:
                assert case.reason.lower() in msg.lower(), (case.why, msg)
        if case.bad:
            assert failed and not stored, (case.why, mine)
        else:
            assert stored, (case.why, mine)
            if case.partial:
                assert failed, (case.why, "the bad part of the file must be reported", mine)
    for name, data in good_files().items():
        mine = [r for r in results if r[0] == prefix + name]
        assert [r[1] for r in mine] == ["added"], (name, mine)
        claimed.add(prefix + name)
    assert claimed == {r[0] for r in results}, "results for files nobody sent"
    for name, _, _ in results:
        assert "\n" not in name and "\r" not in name and "\x1b" not in name and "\x07" not in name
        assert not name.startswith("/") and ".." not in name.split("/")


def check_store(corpus: list[Case], db_path: Path, prefix: str = "") -> None:
    """Stored text holds what each good file says, none of the hostile markup, once each; store intact."""
    con = sqlite3.connect(str(db_path))
    rows = con.execute("SELECT file_name, title, text FROM articles").fetchall()
    con.close()
    by_name = {}
    for fn, title, text in rows:
        by_name.setdefault(fn, []).append((title, text))
    for case in corpus:
        base = prefix + safe_name(case.name)
        mine = [tt for fn, tts in by_name.items() if fn == base or fn.startswith((base + "#", base + "/"))
                for tt in tts]
        if case.bad:
            assert not mine, (case.why, mine)
            continue
        blob = "\n".join(f"{t}\n{x}" for t, x in mine)
        for frag in case.must_contain:
            assert frag in blob, (case.why, frag, blob[:300])
        for frag in case.must_not_contain:
            assert frag.lower() not in blob.lower(), (case.why, frag)
    for name, data in good_files().items():
        [(title, text)] = by_name[prefix + name]
        body = data.decode().split("\n\n", 1)[1].strip()
        assert text.strip() == body and title == data.decode().split("\n", 1)[0]
    facts = db_check(db_path)
    assert facts["integrity"] == "ok" and facts["fts_check"] == "ok"
    assert facts["fts"] == facts["articles"] == facts["hashes"] == len(rows)


def expected_stored(corpus: list[Case]) -> int:
    from narratives.ingest import read_batch
    parsed = read_batch([(c.name, c.data) for c in corpus])
    return sum(len(p.articles) for p in parsed) + len(good_files())


# ---------------------------------------------------------------- 1. the backend
def test_backend_ingest_files(corpus, tmp_path):
    from narratives.ingest import ingest_files
    from narratives.store import Store
    db = tmp_path / "b.db"
    store = Store(f"sqlite:///{db}")
    files = list(good_files().items())[:2] + [(c.name, c.data) for c in corpus] + list(good_files().items())[2:]
    seen = []
    results = ingest_files(store, files, progress=lambda d, t, r: seen.append((d, t)))
    rows = [(r.file_name, r.status, r.message) for r in results]
    check_outcomes(corpus, rows)
    assert seen[-1] == (len(results), len(results))
    for r in results:
        assert "\n" not in r.line()
    assert store.count() == expected_stored(corpus) == sum(r.status in OK for r in results)
    check_store(corpus, db)
    # the same batch again: every stored article is an exact duplicate, nothing new, same failures
    again = ingest_files(store, files)
    assert sum(r.status == "duplicate" for r in again) == store.count()
    assert [r.file_name for r in again if r.status == "failed"] == [r[0] for r in rows if r[1] == "failed"]


# ---------------------------------------------------------------- 2. the CLI
def test_cli_ingest_dir(corpus, tmp_path):
    d = tmp_path / "hostile"
    d.mkdir()
    on_disk = [c for c in corpus if c.disk_ok]
    assert len(on_disk) >= len(corpus) - 1
    for c in on_disk:
        (d / c.name).write_bytes(c.data)
    for name, data in good_files().items():
        (d / name).write_bytes(data)
    db = tmp_path / "cli.db"
    p = cli(f"sqlite:///{db}", "ingest", str(d))
    assert p.returncode == 1, (p.returncode, p.stderr[-2000:])
    assert "Traceback" not in p.stderr + p.stdout
    lines = p.stdout.splitlines()
    summary = lines[-1]
    body = lines[:-1]
    rows = []
    for ln in body:
        assert ln.startswith("hostile/"), f"stray output line: {ln!r}"
        for status, marker in (("failed", ": failed: "), ("added", ": added #"),
                               ("near_duplicate", ": near-duplicate of #"), ("duplicate", ": duplicate of #")):
            if marker in ln:
                name, rest = ln.split(marker, 1)
                rows.append((name, status, rest if status == "failed" else ""))
                break
        else:
            raise AssertionError(f"unparsed line {ln!r}")
    check_outcomes(on_disk, rows, prefix="hostile/")
    n_failed = sum(r[1] == "failed" for r in rows)
    n_stored = sum(r[1] in OK for r in rows)
    assert n_stored == expected_stored(on_disk)
    assert summary.endswith(f"{n_failed} failed") and summary.startswith(
        f"{sum(r[1] == 'added' for r in rows)} added, 0 duplicate, {n_stored - sum(r[1] == 'added' for r in rows)} near")
    check_store(on_disk, db, prefix="hostile/")
    # stderr holds at most the progress counter, never a message per file or a traceback
    assert all(not ln.strip() or ln.strip().split("/")[0].isdigit() for ln in p.stderr.splitlines()), p.stderr


# ---------------------------------------------------------------- 3. the Upload page
def test_upload_page(corpus, fresh_db):
    from streamlit.testing.v1 import AppTest

    from app_paths import APP
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception
    files = [(c.name, c.data, "application/octet-stream") for c in corpus]
    files += [(n, d, "text/plain") for n, d in good_files().items()]
    at.file_uploader[0].set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    preview = at.data_editor[0].value
    problems = dict(zip(preview["file"], preview["problem"]))
    for c in corpus:
        if c.bad:
            mine = [v for k, v in problems.items() if k == safe_name(c.name) or k.startswith(safe_name(c.name) + "/")]
            assert mine and all(mine), (c.why, mine)       # the reason is in the preview before saving
    at.button(key="up_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    report = at.dataframe[0].value
    rows = [(f, s.replace("-", "_"), d if s == "failed" else "") for f, s, d in
            zip(report["file"], report["status"], report["detail"])]
    check_outcomes(corpus, rows)
    db = Path(fresh_db.removeprefix("sqlite:///"))
    check_store(corpus, db)
    # nothing from a file is rendered as markup on the page: markdown elements carry no raw tags
    for el in list(at.markdown) + list(at.caption) + list(at.error) + list(at.warning) + list(at.info):
        assert "<script" not in el.value.lower() and "javascript:" not in el.value.lower()
    # the app is still up: another page renders over the new corpus
    at.switch_page("views/articles.py").run()
    assert not at.exception, [e.value for e in at.exception]
