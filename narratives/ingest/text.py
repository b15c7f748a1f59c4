"""Plain text and Markdown readers, and `article_from_text`, the step every reader ends with.

Every format turns into text plus whatever metadata the format itself carried (HTML meta tags, CSV
columns, DOCX properties); `article_from_text` then finds the rest in the text (title line, date line,
"Original Source:"), strips boilerplate and builds the Article. Metadata the format carried wins.
"""
from __future__ import annotations

import re
from datetime import date

from .. import config
from ..errors import InputError
from ..records import Article
from . import metadata as md
from .clean import clean_lines
from .encoding import decode

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+")
_ZERO_WIDTH_RE = re.compile("[\u200b\u2060\ufeff]")   # not ZWJ/ZWNJ: emoji and Indic scripts need them
_SENTENCE_RE = re.compile(r"^(.+?[.!?])(?:[\"”’)]*)(?:\s|$)")


def fallback_title(body: str) -> str:
    """No headline in the file: the first sentence of the story, cut to 120 characters."""
    first = next((ln.strip() for ln in body.split("\n") if ln.strip()), "")
    m = _SENTENCE_RE.match(first)
    title = m.group(1) if m else first
    if len(title) > 120:
        title = title[:120].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return title


def article_from_text(text: str, file_name: str, *, title: str | None = None, source: str | None = None,
                      published: date | None = None, url: str | None = None,
                      language: str | None = None) -> Article:
    """Find title/date/source/url in the text, strip boilerplate, and build the Article.

    Values passed in (from the format's own metadata) win over what the text suggests.
    """
    if len(text) > config.MAX_TEXT_CHARS:
        raise InputError(file_name, f"text longer than {config.MAX_TEXT_CHARS:,} characters")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():   # (three quick scans instead of a regex pass over every article)
        if "\u200b" in text or "\u2060" in text or "\ufeff" in text:
            text = _ZERO_WIDTH_RE.sub("", text)
        text = text.replace("\xa0", " ")
    lines = all_lines = text.split("\n")
    title = " ".join(title.split()) if title else None
    detected = False
    if not title:
        found, idx = md.find_title(lines)
        if found and any(ln.strip() for ln in lines[idx + 1:]):   # a lone line is the story, not a title
            title, detected = found, True
            lines = lines[idx + 1:]          # lines above the headline are page furniture
    stripped = md.stripped_lines(all_lines)   # scanned by the three finders below: stripped once
    if published is None:
        published = md.find_published(all_lines, stripped=stripped, title=title)
    found_source, found_url = md.find_source(all_lines, stripped=stripped)
    source = source or found_source
    url = url or found_url or md.find_url(all_lines, stripped=stripped)
    body_lines = clean_lines(lines, title)
    if url:
        body_lines = [ln for ln in body_lines if ln.strip() != url]
    body = "\n".join(body_lines).strip("\n")
    if not body.strip() and detected:
        # The "headline" was all there was (or the rest repeated it): it is the story, not a title.
        title = None
        body = "\n".join(clean_lines(all_lines)).strip("\n")
    if not body.strip():
        raise InputError(file_name, "no article text")
    if not title:
        title = fallback_title(body)
    return Article(title=title, text=body, source=source or None, published=published, url=url or None,
                   language=language or md.guess_language(body), file_name=file_name)


def read_text(name: str, data: bytes) -> list[Article]:
    """A .txt file: one article, headline on the first non-furniture line."""
    text = decode(data, name)
    if not text.strip():
        raise InputError(name, "empty file")
    return [article_from_text(text, name)]


def read_markdown(name: str, data: bytes) -> list[Article]:
    """A .md file: optional YAML-style front matter (title/date/source/url), '#' headings, links."""
    from .tabular import record_fields   # shared column/key aliases

    text = decode(data, name)
    if not text.strip():
        raise InputError(name, "empty file")
    fields: dict = {}
    m = _FRONT_MATTER_RE.match(text)
    if m:
        record = {}
        for ln in m.group("body").split("\n"):
            key, sep, value = ln.partition(":")
            if sep and key.strip():
                record[key.strip()] = value.strip().strip("\"'")
        fields = record_fields(record)
        text = text[m.end():]
    title = fields.get("title")
    lines = [_MD_HEADING_RE.sub("", _MD_LINK_RE.sub(r"\1", _MD_IMAGE_RE.sub("", ln))) for ln in text.split("\n")]
    return [article_from_text("\n".join(lines), name, title=title, source=fields.get("source"),
                              published=fields.get("published"), url=fields.get("url"))]
