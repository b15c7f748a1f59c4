"""Each reader on a real file of its format, built here with the library that writes that format."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from narratives.errors import InputError
from narratives.ingest import detect_format, read_batch

from filemakers import make_docx as _docx, make_pdf as _pdf

STORY = ("The finance ministry said on Tuesday that exports rose by four percent in the third quarter. "
         "Officials credited stronger demand from neighbouring countries for the increase.")
STORY2 = "Analysts said the figures were better than expected. The central bank will meet next week."


def one(name: str, data: bytes, **kw):
    """The single article a one-article file must produce."""
    [pf] = read_batch([(name, data)], **kw)
    assert pf.error is None, pf.error
    [a] = pf.articles
    return a


def test_txt_title_date_and_body():
    data = f"Breaking\n\nMonday, March 3, 2025\n\nExports Rise Four Percent\n\n{STORY}\n\n{STORY2}\n".encode()
    a = one("a.txt", data)
    assert a.title == "Exports Rise Four Percent"
    assert a.published == date(2025, 3, 3)
    assert STORY in a.text and STORY2 in a.text
    assert "Breaking" not in a.text and "March 3, 2025" not in a.text
    assert a.language == "en" and a.file_name == "a.txt"


def test_markdown_front_matter_and_links():
    data = (f"---\ntitle: \"Exports Rise\"\ndate: 2025-03-03\nsource: Daily Ledger\n---\n"
            f"# Exports Rise\n\n{STORY} See [the report](https://example.org/r).\n").encode()
    a = one("n.md", data)
    assert (a.title, a.published, a.source) == ("Exports Rise", date(2025, 3, 3), "Daily Ledger")
    assert "See the report." in a.text and "https://" not in a.text
    assert not a.text.lstrip().startswith("#")


def test_html_main_text_and_metadata():
    html = f"""<!doctype html><html><head><title>Exports Rise | Daily Ledger</title>
    <meta property="og:site_name" content="Daily Ledger">
    <meta property="article:published_time" content="2025-03-03T10:00:00Z">
    <link rel="canonical" href="https://ledger.example/exports"></head>
    <body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Exports Rise Four Percent</h1><p>{STORY}</p><p>{STORY2}</p></article>
    <footer>Copyright 2025 Daily Ledger</footer></body></html>"""
    a = one("page.html", html.encode())
    assert "Exports Rise" in a.title
    assert a.published == date(2025, 3, 3)
    assert a.source == "Daily Ledger"
    assert a.url == "https://ledger.example/exports"
    assert "exports rose by four percent" in a.text and "central bank" in a.text
    assert "<" not in a.text


def test_hostile_html_is_plain_text():
    html = f"""<html><head><script>window.stolen = document.cookie;</script>
    <style>body {{ display:none }}</style></head><body><article><h1>Exports Rise</h1>
    <p>{STORY}</p><p onclick="steal()">{STORY2} <a href="javascript:alert('xss')">more</a>
    <img src="x" onerror="alert('pwned')"></p><script>alert("inline")</script>
    <iframe src="javascript:alert(3)"></iframe></article></body></html>"""
    a = one("evil.html", html.encode())
    blob = a.title + a.text
    for bad in ("<script", "alert", "document.cookie", "javascript:", "onerror", "onclick", "steal(",
                "display:none", "<"):
        assert bad not in blob, bad
    assert "exports rose by four percent" in a.text


def test_html_without_main_block_falls_back_to_text():
    a = one("tiny.htm", b"<html><body><div>Short note about exports rising.</div></body></html>")
    assert "exports rising" in a.text


def test_csv_columns_case_insensitive_ragged_rows_and_row_errors():
    data = ("Headline,Body,Publish_Date,Outlet,Link\n"
            f"First,\"{STORY}\",2025-03-03,Ledger,https://l.example/1\n"
            f"Second,\"{STORY2}\",\"March 4, 2025\",Courier\n"              # short row
            f"Third,\"{STORY} Extra.\",2025-03-05,Ledger,https://l.example/3,unexpected,cells\n"  # long row
            "Fourth,,2025-03-06,Ledger,https://l.example/4\n").encode()
    pfs = read_batch([("export.csv", data)])
    ok = [p for p in pfs if not p.error]
    assert len(ok) == 1 and len(ok[0].articles) == 3
    first, second, third = ok[0].articles
    assert (first.title, first.published, first.source, first.url) == (
        "First", date(2025, 3, 3), "Ledger", "https://l.example/1")
    assert first.file_name == "export.csv#1" and third.file_name == "export.csv#3"
    assert (second.published, second.source, second.url) == (date(2025, 3, 4), "Courier", None)
    assert third.text.endswith("Extra.")
    errors = [p for p in pfs if p.error]
    assert [(p.file_name, p.error) for p in errors] == [("export.csv#4", "no text in this row")]


def test_tsv_and_semicolon_delimiters():
    tsv = f"title\ttext\nT1\t{STORY}\n".encode()
    semi = f"TITLE;ArticleText;Source\nT2;{STORY2};Courier\n".encode()
    assert one("a.tsv", tsv).title == "T1"
    b = one("b.csv", semi)
    assert (b.title, b.source) == ("T2", "Courier")


def test_csv_without_text_column_names_the_columns():
    [pf] = read_batch([("bad.csv", b"id,title,author\n1,Hello,Me\n")])
    assert pf.articles == []
    assert "no text column" in pf.error and "id, title, author" in pf.error


def test_xlsx_rows():
    import openpyxl
    from datetime import datetime
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Title", "Content", "Date", "Publisher"])
    ws.append(["Row one", STORY, datetime(2025, 3, 3, 9, 30), "Ledger"])
    ws.append([None, None, None, None])
    ws.append(["Row two", STORY2, "2025-03-04", "Courier"])
    buf = io.BytesIO()
    wb.save(buf)
    [pf] = read_batch([("sheet.xlsx", buf.getvalue())])
    assert pf.error is None
    assert [(a.title, a.published, a.source, a.file_name) for a in pf.articles] == [
        ("Row one", date(2025, 3, 3), "Ledger", "sheet.xlsx#1"),
        ("Row two", date(2025, 3, 4), "Courier", "sheet.xlsx#2")]


def test_json_object_list_wrapper_and_jsonl():
    obj = {"headline": "Solo", "body": STORY, "pubDate": "2025-03-03", "source": {"name": "Ledger"}}
    a = one("one.json", json.dumps(obj).encode())
    assert (a.title, a.published, a.source, a.file_name) == ("Solo", date(2025, 3, 3), "Ledger", "one.json")
    [pf] = read_batch([("list.json", json.dumps({"articles": [obj, dict(obj, headline="Two")]}).encode())])
    assert [x.file_name for x in pf.articles] == ["list.json#1", "list.json#2"]
    lines = "\n".join(json.dumps({"title": f"L{i}", "text": STORY}) for i in range(3)).encode()
    for name in ("lines.jsonl", "lines.json"):     # JSON Lines recognised even without the extension
        [pf] = read_batch([(name, lines)])
        assert [x.title for x in pf.articles] == ["L0", "L1", "L2"]


def test_invalid_json_reports_line_and_column():
    [pf] = read_batch([("bad.json", b'[\n  {"title": "x", "text": "y"},\n  {"title": oops}\n]')])
    assert pf.error.startswith("invalid JSON at line 3, column 13")
    [pf] = read_batch([("bad.jsonl", b'{"text": "fine line here."}\n{"text": \n')])
    assert "line 2" in pf.error


def test_pdf_text_is_unwrapped_into_sentences():
    data = _pdf(["Exports Rise Four Percent", "", "The finance ministry said on Tuesday that exports",
                 "rose by four percent in the third quarter.", "Officials credited stronger demand."])
    a = one("r.pdf", data)
    assert a.title == "Exports Rise Four Percent"
    assert "exports rose by four percent in the third quarter." in a.text


def test_pdf_metadata_title_wins():
    a = one("r.pdf", _pdf([STORY[:80]], title="Ministry Reports Export Growth"))
    assert a.title == "Ministry Reports Export Growth"


def test_docx_paragraphs_and_title_style():
    data = _docx([("Exports Rise Four Percent", "Title"), (STORY, None), (STORY2, None)])
    a = one("d.docx", data)
    assert a.title == "Exports Rise Four Percent"
    assert STORY in a.text and STORY2 in a.text


def test_docx_billion_laughs_is_refused():
    good = _docx([(STORY, None)])
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                      for i in range(1, 10))
            + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = bomb.encode() if info.filename == "word/document.xml" else src.read(info)
            z.writestr(info.filename, data)
    [pf] = read_batch([("laughs.docx", out.getvalue())])
    assert pf.articles == [] and "DTD/entity" in pf.error


@pytest.mark.parametrize("data,kind", [
    (b"%PDF-1.4 ...", "pdf"), (b'  {"text": "x"}', "json"), (b"[1, 2]", "json"),
    (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
])
def test_unknown_extension_is_sniffed(data, kind):
    assert detect_format("download", data) == kind
    assert detect_format("file.bin", data) == kind


def test_unknown_extension_without_known_content_is_refused():
    with pytest.raises(InputError, match="unsupported file type"):
        detect_format("notes.xyz", b"just some words")
    [pf] = read_batch([("notes.xyz", b"just some words")])
    assert pf.error == "unsupported file type (.xyz)"


def test_sniffed_docx_without_extension():
    a = one("download", _docx([("Exports Rise Four Percent", "Title"), (STORY, None)]))
    assert a.title == "Exports Rise Four Percent"


def test_batch_source_and_date_fill_only_missing_values():
    files = [("a.txt", f"Exports Rise\n\n{STORY}\n\nOriginal Source: www.ledger.example\n".encode()),
             ("b.txt", f"Friday, November 15, 2024\n\nBank Meets\n\n{STORY2}\n".encode())]
    a, b = (pf.articles[0] for pf in read_batch(files, source="Batch Source", published="2020-01-02"))
    assert (a.source, a.published) == ("www.ledger.example", date(2020, 1, 2))
    assert (b.source, b.published) == ("Batch Source", date(2024, 11, 15))


def test_caps_from_config(monkeypatch):
    from narratives import config
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 100)
    [pf] = read_batch([("big.txt", b"x " * 100)])
    assert "file too large" in pf.error
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(config, "MAX_TEXT_CHARS", 50)
    [pf] = read_batch([("long.txt", (STORY + "\n").encode())])
    assert "text longer than 50" in pf.error
    monkeypatch.setattr(config, "MAX_TEXT_CHARS", 10_000)
    monkeypatch.setattr(config, "MAX_ROWS_PER_FILE", 2)
    rows = "title,text\n" + "".join(f"t{i},{STORY2}\n" for i in range(3))
    [pf] = read_batch([("rows.csv", rows.encode())])
    assert "more than 2 rows" in pf.error


def test_display_names_are_sanitised():
    [pf] = read_batch([("../../etc/evil\x1b[31m\nname.txt", f"Title Here\n\n{STORY}".encode())])
    assert pf.error is None
    assert pf.file_name == "etc/evil_[31m_name.txt"
    assert "\n" not in pf.articles[0].file_name and ".." not in pf.file_name


def test_xlsx_with_entity_declarations_is_refused():
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["title", "text"])
    wb.active.append(["T", STORY])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + data
            z.writestr(info.filename, data)
    [pf] = read_batch([("laughs.xlsx", out.getvalue())])
    assert pf.articles == [] and pf.error == "XLSX workbook contains XML DTD/entity declarations: refused"
