"""CSV / TSV / XLSX readers: one article per row.

Columns are matched case-insensitively by name (title/headline, text/body/content/article/articletext,
date/published/publish_date/pubdate/date_iso, source/outlet/publication/media/publisher, url/link).
CSV goes through the stdlib csv module rather than pandas: it tolerates ragged rows (short rows are
padded, extra cells ignored), never coerces values, and its record count is the row number we report.
XLSX goes through openpyxl in read-only mode (openpyxl parses with defusedxml when it is installed, and
the zip container is checked for bombs first). A row without text becomes its own one-line error.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any, Iterable, Iterator

from .. import config
from ..errors import InputError
from ..records import Article
from .encoding import decode
from .metadata import parse_date_string
from .text import article_from_text

# Field -> accepted column names, in order of preference (date_iso beats a free-form date column).
ALIASES = {
    "title": ("title", "headline", "heading"),
    "text": ("text", "body", "content", "article", "articletext", "articlebody", "story", "fulltext"),
    "published": ("dateiso", "publishdate", "published", "pubdate", "publishedat", "publicationdate",
                  "date", "datetime"),
    "source": ("source", "outlet", "publication", "media", "publisher", "sourcename", "sitename"),
    "url": ("url", "link", "permalink"),
}
_KEY_RE = re.compile(r"[^0-9a-z]")


def _key(name: Any) -> str:
    return _KEY_RE.sub("", str(name).casefold())


def match_columns(columns: Iterable[Any]) -> dict[str, int]:
    """field -> index of the column that carries it (first alias in preference order wins)."""
    keys = [_key(c) for c in columns]
    found = {}
    for field, aliases in ALIASES.items():
        for alias in aliases:
            if alias in keys:
                found[field] = keys.index(alias)
                break
    return found


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:   # NaN
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(_as_text(v) for v in value if _as_text(v))
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("title") or value.get("text") or "")
    return str(value).strip()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date_string(_as_text(value))


def record_fields(record: dict) -> dict:
    """Map one record's keys (any case/spacing) to title/text/published/source/url values."""
    idx = match_columns(record.keys())
    values = list(record.values())
    out: dict = {}
    for field, i in idx.items():
        v = values[i]
        out[field] = _as_date(v) if field == "published" else (_as_text(v) or None)
    return out


def article_from_record(fields: dict, name: str) -> Article:
    """Build one row's Article; the row's own columns win over anything found in its text."""
    text = fields.get("text") or ""
    if not text.strip():
        raise InputError(name, "no text in this row")
    return article_from_text(text, name, title=fields.get("title"), source=fields.get("source"),
                             published=fields.get("published"), url=fields.get("url"))


def _rows_to_articles(name: str, header: list, rows: Iterable[list]) -> list[Article | InputError]:
    columns = [_as_text(c) for c in header]
    idx = match_columns(columns)
    if "text" not in idx:
        seen = ", ".join(c for c in columns if c)[:200] or "none"
        raise InputError(name, f"no text column (expected text/body/content/article; columns: {seen})")
    out: list[Article | InputError] = []
    n = 0
    for row in rows:
        if isinstance(row, _BadRow):
            n += 1
            out.append(InputError(f"{name}#{n}", row.reason))
            continue
        if not any(_as_text(c) for c in row):
            continue   # blank line
        n += 1
        if n > config.MAX_ROWS_PER_FILE:
            raise InputError(name, f"more than {config.MAX_ROWS_PER_FILE:,} rows")
        row_name = f"{name}#{n}"
        fields = {}
        for field, i in idx.items():
            v = row[i] if i < len(row) else None
            fields[field] = _as_date(v) if field == "published" else (_as_text(v) or None)
        try:
            out.append(article_from_record(fields, row_name))
        except InputError as e:
            out.append(e)
    if n == 0:
        raise InputError(name, "no data rows")
    return out


class _BadRow:
    """A CSV record the csv module could not read (e.g. a cell over the field limit); the others still count."""

    def __init__(self, reason: str):
        self.reason = reason


def _tolerant(reader) -> Iterator[list | _BadRow]:
    """Yield rows; a record that raises csv.Error becomes a _BadRow (the reader resumes on the next line)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield _BadRow(f"unreadable CSV record at line {reader.line_num}: {e}")


def _delimiter(name: str, first_line: str) -> str:
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(name: str, data: bytes) -> list[Article | InputError]:
    """CSV/TSV: header row, then one article per non-blank record."""
    text = decode(data, name)
    if not text.strip():
        raise InputError(name, "empty file")
    csv.field_size_limit(max(csv.field_size_limit(), config.MAX_TEXT_CHARS * 4))
    first = text.lstrip("\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(name, first))
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            raise InputError(name, "empty file")
        return _rows_to_articles(name, header, _tolerant(reader))
    except csv.Error as e:
        raise InputError(name, f"invalid CSV at line {reader.line_num}: {e}") from None


def read_xlsx(name: str, data: bytes) -> list[Article | InputError]:
    """XLSX: the first worksheet; its first non-empty row is the header."""
    from .archive import check_office_xml

    check_office_xml(name, data, "XLSX workbook")
    try:
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InputError:
        raise
    except Exception as e:
        raise InputError(name, f"not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        if not wb.worksheets:
            raise InputError(name, "workbook has no sheets")
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = None
        for row in rows:
            if any(_as_text(c) for c in row):
                header = list(row)
                break
        if header is None:
            raise InputError(name, "empty workbook")
        return _rows_to_articles(name, header, (list(r) for r in rows))
    except InputError:
        raise
    except Exception as e:
        raise InputError(name, f"not a readable XLSX workbook ({type(e).__name__})") from None
    finally:
        wb.close()
