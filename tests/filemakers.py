"""Real files of each binary format, made in memory for the ingest tests (one maker per format)."""
from __future__ import annotations

import io
import zipfile


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page A4 PDF with one text line per entry (reportlab), optionally a document title."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    if title:
        c.setTitle(title)
    y = 800
    for ln in lines:
        c.drawString(50, y, ln)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def make_docx(paragraphs: list[str | tuple[str, str | None]], core_title: str | None = None) -> bytes:
    """A DOCX (python-docx); a paragraph is its text or (text, style name)."""
    import docx
    d = docx.Document()
    for p in paragraphs:
        text, style = (p, None) if isinstance(p, str) else p
        d.add_paragraph(text, style=style)
    if core_title:
        d.core_properties.title = core_title
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding the members under exactly the given names (even hostile ones like '../x')."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()
