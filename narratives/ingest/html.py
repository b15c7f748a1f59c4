"""HTML reader: trafilatura finds the main text and the page's title/date/site/url.

Scripts, styles, event handlers and links never reach the output: trafilatura returns plain text.
htmldate runs without "extensive search" so that a date printed somewhere in the page is not taken
for the publication date.
"""
from __future__ import annotations

import logging

from ..errors import InputError
from ..records import Article
from .encoding import decode
from .metadata import parse_date_string
from .text import article_from_text

for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def read_html(name: str, data: bytes) -> list[Article]:
    """One article from one HTML page."""
    import trafilatura   # lazy: heavy import

    html = decode(data, name)
    if not html.strip():
        raise InputError(name, "empty file")
    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
            include_links=False, include_formatting=False,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception:   # lxml/trafilatura errors on malformed markup: fall back to plain text below
        doc = None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        try:
            text = (trafilatura.html2txt(html) or "").strip()
        except Exception:
            text = ""
    if not text:
        raise InputError(name, "no article text in HTML")
    title = getattr(doc, "title", None) if doc is not None else None
    published = parse_date_string(getattr(doc, "date", None) or "") if doc is not None else None
    source = (getattr(doc, "sitename", None) or getattr(doc, "hostname", None)) if doc is not None else None
    url = getattr(doc, "url", None) if doc is not None else None
    return [article_from_text(text, name, title=title, source=source, published=published, url=url)]
