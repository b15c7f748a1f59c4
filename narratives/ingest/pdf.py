"""PDF reader (pypdf): page text joined, lines re-flowed into paragraphs so cleaning sees sentences."""
from __future__ import annotations

import io
import logging
import re

from .. import config
from ..errors import InputError
from ..records import Article
from .text import article_from_text

logging.getLogger("pypdf").setLevel(logging.CRITICAL)
MAX_PAGES = 2000
_GENERIC_TITLE_RE = re.compile(r"^(?:microsoft word|untitled|document\d*|.*\.(?:docx?|pdf|txt|indd))", re.I)


def unwrap(text: str) -> str:
    """Join lines that a PDF wrapped mid-sentence (and words it hyphenated) back together."""
    out: list[str] = []
    for line in text.split("\n"):
        s = line.strip()
        if out and out[-1] and s and s[0].islower():
            prev = out[-1]
            if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha():
                out[-1] = prev[:-1] + s
                continue
            if not re.search(r"[.!?:;\"”]$", prev):
                out[-1] = prev + " " + s
                continue
        out.append(s)
    return "\n".join(out)


def read_pdf(name: str, data: bytes) -> list[Article]:
    """One article per PDF; encrypted, truncated or image-only PDFs are refused with a reason."""
    try:
        from pypdf import PdfReader
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise InputError(name, "encrypted PDF")
        parts: list[str] = []
        size = 0
        for i, page in enumerate(reader.pages):
            if i >= MAX_PAGES:
                raise InputError(name, f"more than {MAX_PAGES} pages")
            t = page.extract_text() or ""
            size += len(t)
            if size > config.MAX_TEXT_CHARS:
                raise InputError(name, f"text longer than {config.MAX_TEXT_CHARS:,} characters")
            parts.append(t)
        title = None
        try:
            meta = reader.metadata
            title = (meta.title or "").strip() if meta else None
        except Exception:
            title = None
    except InputError:
        raise
    except RecursionError:
        raise InputError(name, "not a readable PDF (nested too deeply)") from None
    except Exception as e:   # pypdf raises many error types on damaged files
        raise InputError(name, f"not a readable PDF ({type(e).__name__})") from None
    text = unwrap("\n".join(parts))
    if not text.strip():
        raise InputError(name, "no extractable text in PDF (scanned image?)")
    if title and (_GENERIC_TITLE_RE.match(title) or len(title.split()) < 2):
        title = None
    return [article_from_text(text, name, title=title or None)]
