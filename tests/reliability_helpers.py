"""Shared by the hostile-input, crash, concurrency and access tests.

* `hostile_corpus()` builds ONE corpus of bad and hostile files (made here, with the libraries that write
  each format) mixed with good files, each entry saying what must happen to it. The same corpus goes
  through `ingest_files`, the CLI and the Upload page (tests/test_hostile_corpus.py).
* `plain_articles(n)` makes n distinct plain-text articles (for the crash and concurrency tests).
* `cli()` / `cli_popen()` run `python -m narratives` in a real subprocess against a given store.
* `db_check()` opens an SQLite store file directly and returns integrity facts.
"""
from __future__ import annotations

import io
import os
import random
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from filemakers import make_docx as _docx, make_pdf as _pdf, make_zip as _zip  # noqa: F401 (used by tests)

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable

STORY = ("The water authority said on Tuesday that reservoir levels recovered after three weeks of rain. "
         "Farmers in the southern districts welcomed the news but warned that the damage to crops was done. "
         "A spokesman for the ministry declined to say when rationing would end.")


@dataclass
class Case:
    """One file of the hostile corpus and what must become of it."""

    name: str                      # name as given to the backend / uploader (may hold '/', '\\', controls)
    data: bytes
    bad: bool                      # True: a one-line failure naming it; False: stored
    why: str                       # what the case is (shows in test ids and the README figures)
    reason: str = ""               # a fragment the failure reason must contain (case-insensitive)
    must_contain: list[str] = field(default_factory=list)   # good files: in the stored text
    must_not_contain: list[str] = field(default_factory=list)
    disk_ok: bool = True           # can be written as a file on disk under this name (CLI path)
    partial: bool = False          # a container (zip, csv) with good AND bad parts: both kinds expected


def _billion_laughs_docx() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_docx(["Laughs Headline", STORY])))
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                      for i in range(1, 10))
            + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, bomb.encode() if info.filename == "word/document.xml" else src.read(info))
    return out.getvalue()


def article_text(i: int, topic: str = "reservoir") -> str:
    """A distinct plain article (title line, blank line, three sentences): deterministic per i."""
    rng = random.Random(i)
    words = ("harbour council budget railway drought clinic court border tariff school festival "
             "election bridge refinery vaccine monsoon grain bank strike airport").split()
    picks = rng.sample(words, 6)
    return (f"Report {i}: {picks[0].title()} And {picks[1].title()} Update\n\n"
            f"Officials in district {i} said on Monday that the {picks[0]} plan for the {topic} would "
            f"change after the {picks[1]} review number {i * 7919}. "
            f"Residents told reporters the {picks[2]} and the {picks[3]} mattered most to them this year. "
            f"The {picks[4]} committee will publish its findings on the {picks[5]} next month, item {i}.\n")


def plain_articles(n: int, start: int = 0) -> dict[str, bytes]:
    return {f"art_{i:04d}.txt": article_text(i).encode() for i in range(start, start + n)}


def hostile_corpus(big_cell_bytes: int = 50_000_000) -> list[Case]:
    """The hostile corpus (bad + hostile-but-valid files). ~20 files, one 50 MB CSV cell by default."""
    html_hostile = (
        "<html><head><title>Harbour Reopens</title><script>alert('head')</script></head>"
        "<body onload=\"alert('onload')\"><article><h1>Harbour Reopens After Storm</h1>"
        "<p>The harbour master said on Friday that ships could dock again after the storm passed.</p>"
        "<p>Fishermen returned to the quays <a href=\"javascript:alert('link')\">read more</a> "
        "and <img src=x onerror=\"alert('img')\"> unloaded their catch.</p>"
        "<script>document.write('<b>injected</b>')</script>"
        "<p>Port officials expect full traffic <span onmouseover=\"steal()\">by next week</span>.</p>"
        "</article></body></html>").encode()
    formula_csv = ("title,text,source\n"
                   "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",\"=1+2 The council approved the new harbour "
                   "budget on Monday after a long debate.\",=cmd|' /C calc'!A0\n"
                   "+Plus Title,\"+The railway strike ended on Tuesday when unions accepted the offer.\",@SUM(A1)\n"
                   "-Minus Title,\"-Officials said the drought would ease as the monsoon arrived early.\",-2+3\n"
                   "@At Title,\"@The clinic opened its doors to patients from three districts.\",+cmd\n").encode()
    big_cell = (b"title,text\nHuge," + b"a" * big_cell_bytes + b"\nSmall,\""
                + STORY.replace("Tuesday", "Sunday").encode() + b"\"\n")
    cases = [
        Case("empty.txt", b"", True, "empty file", "empty"),
        Case("blank.txt", b"  \n\t\r\n   \n", True, "whitespace only", "empty"),
        Case("binary.txt", random.Random(7).randbytes(4096) + b"\x00" * 64,
             True, "binary with a text extension", ""),
        Case("truncated.pdf", _pdf(["Truncated Report", STORY])[:400], True, "truncated PDF", ""),
        Case("truncated.docx", _docx(["Truncated Doc", STORY])[:1500], True, "truncated DOCX", ""),
        Case("notext.csv", b"id,author,views\n1,Ann,4\n2,Bob,5\n", True, "CSV with no text column", "no text column"),
        Case("ragged.csv", ("title,text\nGood Row,\"" + STORY + "\"\n\"unterminated,\"quote\n,,,,\n").encode(),
             False, "CSV with ragged rows", partial=True, must_contain=["reservoir levels recovered"]),
        Case("bigcell.csv", big_cell, False, "CSV with a 50 MB cell (that row refused, the next row kept)",
             "field", partial=True, must_contain=["on Sunday that reservoir"]),
        Case("invalid.json", b'{"title": "Broken", "text": "no end', True, "invalid JSON", "json"),
        Case("utf16.txt", ("Caf\u00e9 Owners Protest\n\nThe caf\u00e9 owners of the old town said on Monday "
                           "that the new rules were \u201cunfair\u201d and would cost jobs \u2013 all of them.\n"
                           ).encode("utf-16"), False, "UTF-16 text",
             must_contain=["caf\u00e9 owners of the old town", "\u201cunfair\u201d"]),
        Case("cp1252.txt", ("Na\u00efve Budget Plan\n\nThe minister\u2019s \u201cna\u00efve\u201d budget "
                            "plan was criticised by the opposition on Thursday \u2013 again.\n").encode("cp1252"),
             False, "Windows-1252 text", must_contain=["minister\u2019s \u201cna\u00efve\u201d budget"]),
        Case("bomb.zip", _zip({"bomb.txt": b"\0" * (8 * 1024 * 1024), "also.txt": b" " * (4 * 1024 * 1024)}),
             True, "zip bomb (small file expanding past the cap)", "zip bomb"),
        Case("traversal.zip", _zip({"../../etc/evil.txt": STORY.encode(),
                                    "/abs/evil.txt": STORY.encode(),
                                    "ok/fine.txt": ("Traversal Neighbour Story\n\n" + STORY.replace(
                                        "Tuesday", "Wednesday")).encode()}),
             False, "zip with ../ paths", partial=True, must_contain=["on Wednesday that reservoir"]),
        Case("nested.zip", _zip({"inner.zip": _zip({"deep.txt": STORY.encode()}),
                                 "inner2/deeper.zip": _zip({"x.zip": _zip({"y.txt": STORY.encode()})})}),
             True, "zip with nested zips", "nested archive"),
        Case("hostile.html", html_hostile, False, "HTML with <script>, javascript: links, event attributes",
             must_contain=["ships could dock again"],
             must_not_contain=["alert(", "<script", "javascript:", "onerror", "onload", "document.write",
                               "<b>", "steal()"]),
        Case("formulas.csv", formula_csv, False, "CSV with cells starting with = + - @",
             must_contain=["council approved the new harbour budget"]),
        Case("laughs.docx", _billion_laughs_docx(), True, "billion laughs inside a DOCX", "entit"),
        Case("sub\\..\\..\\windows\\evil\x07name\x1b[31m.txt",
             ("Control Names Story\n\n" + STORY.replace("Tuesday", "Thursday")).encode(),
             False, "file name with path separators and control characters",
             must_contain=["on Thursday that reservoir"]),
        Case("../../etc/passwd\r\nfake: added #1.txt",
             ("Slash Names Story\n\n" + STORY.replace("Tuesday", "Saturday")).encode(),
             False, "file name with '/' and CR LF", must_contain=["on Saturday that reservoir"], disk_ok=False),
        Case("new\nline\x7f.txt", random.Random(8).randbytes(2048), True,
             "newline and DEL in a bad file's name", ""),
    ]
    return cases


def good_files() -> dict[str, bytes]:
    """Plain articles sent with the hostile corpus: the batch around the bad files."""
    return plain_articles(5, start=9000)


# ------------------------------------------------------------------ subprocesses
def env_for(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NARRATIVES_DB"] = url
    env["PYTHONPATH"] = str(ROOT)
    env.pop("NARRATIVES_READ_ONLY", None)
    env.update(extra)
    return env


def cli(url: str, *args: str, timeout: float = 240, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "narratives", *args, "--db", url], cwd=ROOT, env=env_for(url, **extra),
                          capture_output=True, text=True, timeout=timeout)


def cli_popen(url: str, *args: str, **extra) -> subprocess.Popen:
    return subprocess.Popen([PY, "-u", "-m", "narratives", *args, "--db", url], cwd=ROOT,
                            env=env_for(url, PYTHONUNBUFFERED="1", **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)


def db_check(path: str | Path) -> dict:
    """Integrity facts read straight from an SQLite store file."""
    con = sqlite3.connect(str(path), timeout=30)
    try:
        out = {
            "integrity": con.execute("PRAGMA integrity_check").fetchone()[0],
            "articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],
            "fts": con.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0],
            "hashes": con.execute("SELECT count(DISTINCT content_hash) FROM articles").fetchone()[0],
            "fts_check": None,
        }
        try:  # FTS5 self-check: raises if the index does not match the content table
            con.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
            out["fts_check"] = "ok"
        except sqlite3.DatabaseError as e:
            out["fts_check"] = str(e)
        return out
    finally:
        con.close()


# ------------------------------------------------------------------ a browser session, as a process
def upload_session(files_dir: str, prefix: str, ready: str, go: str, out: str) -> None:
    """One analyst's Upload page session (AppTest, the page's real save code) in its own process.

    Loads every file of files_dir into the uploader under `prefix + name`, waits for the preview, touches
    `ready`, waits for `go` to exist, clicks "Save to the corpus", and writes the report rows to `out`.
    """
    import json
    import time

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("views/upload.py").run()
    files = [(prefix + p.name, p.read_bytes(), "text/plain") for p in sorted(Path(files_dir).iterdir())]
    at.file_uploader[0].set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.01)
    t0 = time.time()
    at.button(key="up_save").click().run()
    t1 = time.time()
    assert not at.exception, [e.value for e in at.exception]
    report = at.dataframe[0].value
    Path(out).write_text(json.dumps({"rows": [list(r) for r in zip(report["file"], report["status"],
                                                                      report["detail"])],
                                     "t0": t0, "t1": t1}))


if __name__ == "__main__":
    if sys.argv[1] == "upload":
        sys.path.insert(0, str(ROOT))
        upload_session(*sys.argv[2:7])
