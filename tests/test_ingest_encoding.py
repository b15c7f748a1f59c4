"""Text in the encodings people actually send: UTF-16 with/without BOM, Windows-1252, UTF-8 BOM."""
from __future__ import annotations

import codecs

import pytest

from narratives.errors import InputError
from narratives.ingest import read_batch
from narratives.ingest.encoding import decode

TEXT = ("Le café – “quotes” and naïve résumés\n\n"
        "The café owner said the “new menu” – launched in May – was a success. Prices rose 5 € on average.\n")


@pytest.mark.parametrize("encoding,bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""), ("utf-16-be", b""), ("cp1252", b""),
])
def test_decodes_exactly(encoding, bom):
    data = bom + TEXT.encode(encoding)
    assert decode(data, "f.txt") == TEXT


def test_cp1252_short_phrase():
    assert decode("café – “quotes”".encode("cp1252"), "f.txt") == "café – “quotes”"


def test_utf16_article_goes_through_the_batch():
    [pf] = read_batch([("u16.txt", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))])
    [a] = pf.articles
    assert a.title == "Le café – “quotes” and naïve résumés"
    assert "“new menu” – launched in May –" in a.text


def test_crlf_normalised():
    assert decode(b"a\r\nb\rc", "f.txt") == "a\nb\nc"


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 4,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    b"text with a NUL \x00 in it and more text after it",
    __import__("random").Random(0).randbytes(4000),
])
def test_binary_is_refused(data):
    with pytest.raises(InputError, match="binary or unknown encoding"):
        decode(data, "x.txt")


def test_binary_txt_in_batch_is_one_line_error():
    [pf] = read_batch([("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8)])
    assert pf.articles == [] and pf.error == "binary or unknown encoding"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", codecs.BOM_UTF16_LE + "   \n".encode("utf-16-le")])
def test_empty_files(data):
    [pf] = read_batch([("e.txt", data)])
    assert pf.error == "empty file"


def test_utf16_without_bom_non_latin():
    text = "北京消息：外交部发言人周五表示，双方将继续保持密切沟通。" * 4 + "\n"
    for enc in ("utf-16-le", "utf-16-be"):
        assert decode(text.encode(enc), "zh.txt") == text
