"""DOCX reader (python-docx), with the XML refused up front if it declares a DTD or entities.

A DOCX is a zip of XML parts: the container gets the archive bomb checks, then every XML part is parsed
once with defusedxml (forbid_dtd), so a "billion laughs" document is refused, never expanded, before
python-docx sees it.
"""
from __future__ import annotations

import io

from ..errors import InputError
from ..records import Article
from .archive import check_office_xml
from .text import article_from_text

_GENERIC_TITLES = {"", "title", "document", "untitled"}


def read_docx(name: str, data: bytes) -> list[Article]:
    """One article: paragraphs and table cells in order; title from properties or a Title style."""
    check_office_xml(name, data, "DOCX")
    try:
        import docx
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        title = None
        for p in document.paragraphs:
            t = p.text.strip()
            style = (p.style.name if p.style is not None else "") or ""
            if title is None and t and style.lower() == "title":
                title = t
                continue
            lines.append(p.text)
        for table in document.tables:
            for row in table.rows:
                seen = []
                for cell in row.cells:
                    if cell.text not in seen:
                        seen.append(cell.text)
                lines.append(" | ".join(s for s in seen if s.strip()))
        prop_title = (document.core_properties.title or "").strip()
    except InputError:
        raise
    except Exception as e:   # python-docx / lxml / zipfile errors on damaged files
        raise InputError(name, f"not a readable DOCX ({type(e).__name__})") from None
    if not title and prop_title.lower() not in _GENERIC_TITLES:
        title = prop_title
    text = "\n".join(lines)
    if not text.strip():
        raise InputError(name, "no text in DOCX")
    return [article_from_text(text, name, title=title)]
