"""JSON / JSON Lines reader: one object, a list of objects, {"articles": [...]}, or one object per line.

Keys are matched like CSV columns (see tabular.ALIASES). Invalid JSON is reported with its line and
column so the user can find it.
"""
from __future__ import annotations

import json

from .. import config
from ..errors import InputError
from ..records import Article
from .encoding import decode
from .tabular import ALIASES, _key, article_from_record, record_fields

_TEXT_KEYS = set(ALIASES["text"])


def _bad_json(name: str, e: json.JSONDecodeError, line_offset: int = 0) -> InputError:
    return InputError(name, f"invalid JSON at line {e.lineno + line_offset}, column {e.colno}: {e.msg}")


def _records(value) -> list:
    """The list of article objects inside a parsed JSON document."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if any(_key(k) in _TEXT_KEYS for k in value):
            return [value]
        for v in value.values():   # {"articles": [...]}, {"data": [...]}, ...
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                return v
        return [value]
    return [value]


def read_json(name: str, data: bytes) -> list[Article | InputError]:
    """Parse .json / .jsonl / .ndjson; each object becomes one article named "file.json#n"."""
    text = decode(data, name)
    if not text.strip():
        raise InputError(name, "empty file")
    lines_mode = name.lower().endswith((".jsonl", ".ndjson"))
    items: list = []
    single = False
    try:
        if not lines_mode:
            try:
                value = json.loads(text)
                items = _records(value)
                single = isinstance(value, dict) and len(items) == 1 and items[0] is value
            except json.JSONDecodeError as e:
                if e.msg != "Extra data":
                    raise _bad_json(name, e) from None
                lines_mode = True   # several documents: JSON Lines without the extension
        if lines_mode:
            items = []
            for lineno, line in enumerate(text.split("\n"), start=1):
                if not line.strip():
                    continue
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise _bad_json(name, e, lineno - 1) from None
                if len(items) > config.MAX_ROWS_PER_FILE:
                    break
    except RecursionError:
        raise InputError(name, "JSON nested too deeply") from None
    if not items:
        raise InputError(name, "no articles in JSON")
    if len(items) > config.MAX_ROWS_PER_FILE:
        raise InputError(name, f"more than {config.MAX_ROWS_PER_FILE:,} records")
    out: list[Article | InputError] = []
    for n, item in enumerate(items, start=1):
        row_name = name if single else f"{name}#{n}"
        if not isinstance(item, dict):
            out.append(InputError(row_name, "not a JSON object"))
            continue
        fields = record_fields(item)
        if "text" not in fields and not any(_key(k) in _TEXT_KEYS for k in item):
            seen = ", ".join(str(k) for k in item)[:200] or "none"
            out.append(InputError(row_name, f"no text field (keys: {seen})"))
            continue
        try:
            out.append(article_from_record(fields, row_name))
        except InputError as e:
            out.append(e)
    return out
