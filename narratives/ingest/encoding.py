"""Bytes -> str for every text-based format.

Fast path first (BOMs, strict UTF-8) because almost every file is UTF-8 and ingest must stay cheap;
charset-normalizer only for the rest. Output that still looks like binary is refused rather than
stored as mojibake.
"""
from __future__ import annotations

import codecs
import re

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),   # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in text (tab, newlines, form feed are fine); U+FFFD = replaced bytes.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
BINARY = "binary or unknown encoding"
# Any byte pair is "valid" UTF-16: a BOM-less guess on fewer bytes than this is indistinguishable from noise.
_MIN_BOMLESS_WIDE = 64


def _looks_binary(text: str) -> bool:
    """More than 1 % control/replacement characters (or any NUL) means it is not text."""
    if "\x00" in text:
        return True
    if not _BAD_CHARS.search(text, 0, 200_000):
        return False
    bad = len(_BAD_CHARS.findall(text[:200_000]))
    return bad > max(2, len(text[:200_000]) // 100)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII-range text has a zero in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zero > 0.3 * half and even_zero < 0.05 * half:
        enc = "utf-16-le"
    elif even_zero > 0.3 * half and odd_zero < 0.05 * half:
        enc = "utf-16-be"
    else:
        return None
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        return None


# The control bytes of _BAD_CHARS: in UTF-8 they never occur inside a multi-byte character.
_BAD_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])


def _clean_utf8(data: bytes) -> bool:
    """Bytes that decode as UTF-8 to text without any control or replacement character (then it is not
    binary): two C passes over the bytes instead of a regex scan of the text."""
    return len(data.translate(None, _BAD_BYTES)) == len(data) and b"\xef\xbf\xbd" not in data


def decode(data: bytes, file_name: str) -> str:
    """Decode file bytes to text, or raise InputError(file_name, "binary or unknown encoding")."""
    text = None
    try:   # the common case first: UTF-8 without a BOM and nothing binary-looking in it
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not data.startswith(codecs.BOM_UTF8) and _clean_utf8(data):
            return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
        text = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                raise InputError(file_name, BINARY) from None
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" in text:
            text = _utf16_without_bom(data)
            if text is None:
                raise InputError(file_name, BINARY)
    if text is None:
        text = _utf16_without_bom(data) if b"\x00" in data else None
    if text is None:
        from charset_normalizer import from_bytes  # lazy: costs ~50 ms to import

        matches = from_bytes(data[:1_000_000] if len(data) > 1_000_000 else data)
        best = matches.best()
        if best is None:
            raise InputError(file_name, BINARY)
        encoding = best.encoding
        if b"\x00" in data and not encoding.startswith(("utf_16", "utf_32")):
            raise InputError(file_name, BINARY)   # NUL bytes only ever occur in UTF-16/32 text
        if b"\x00" in data and len(data) < _MIN_BOMLESS_WIDE:
            raise InputError(file_name, BINARY)   # too short to tell BOM-less UTF-16 from a binary blob
        # Western text in Windows-1252 also decodes "cleanly" as cp1250/cp1257 (ï -> ď), and mostly-ASCII
        # text with one "£" even as cp932: when cp1252 reads about as cleanly and at least as coherently,
        # it is by far the likelier encoding.
        for m in matches:
            if (m.encoding == "cp1252" and m.chaos <= best.chaos + 0.1
                    and m.coherence >= best.coherence - 0.01):
                encoding = "cp1252"
                break
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise InputError(file_name, BINARY) from None
    if _looks_binary(text):
        raise InputError(file_name, BINARY)
    return text.replace("\r\n", "\n").replace("\r", "\n")
