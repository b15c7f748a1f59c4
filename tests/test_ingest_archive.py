"""Zip handling: members expanded one level, unsafe paths and bombs refused, good members kept."""
from __future__ import annotations

import struct

from narratives import config
from narratives.ingest import read_batch

from filemakers import make_zip

STORY = "The port authority said on Monday that cargo volumes rose for a third month in a row."


def by_name(pfs):
    return {p.file_name: p for p in pfs}


def test_members_expanded_with_archive_prefix():
    data = make_zip({"inner/a.txt": f"Cargo Up\n\n{STORY}".encode(), "b.json": b'{"title": "B", "text": "Body text here."}',
                     "__MACOSX/._a.txt": b"junk", ".DS_Store": b"junk", "dir/": b""})
    got = by_name(read_batch([("bundle.zip", data)]))
    assert set(got) == {"bundle.zip/inner/a.txt", "bundle.zip/b.json"}
    assert got["bundle.zip/inner/a.txt"].articles[0].title == "Cargo Up"
    assert got["bundle.zip/inner/a.txt"].articles[0].file_name == "bundle.zip/inner/a.txt"


def test_traversal_absolute_and_nested_members_refused_others_kept():
    nested = make_zip({"deep.txt": STORY.encode()})
    data = make_zip({"../evil.txt": STORY.encode(), "/etc/passwd.txt": STORY.encode(),
                     "C:/win.txt": STORY.encode(), "a/../../up.txt": STORY.encode(),
                     "inner.zip": nested, "disguised.txt": nested, "ok.txt": f"Fine\n\n{STORY}".encode()})
    pfs = read_batch([("mixed.zip", data)])
    good = [p for p in pfs if p.articles]
    assert [p.file_name for p in good] == ["mixed.zip/ok.txt"]
    errors = [p for p in pfs if p.error]
    assert len(errors) == 6
    assert sum("unsafe path" in p.error for p in errors) == 4
    assert sum("nested archive" in p.error for p in errors) == 2
    for p in errors:
        assert ".." not in p.file_name and "\n" not in p.error and p.file_name.startswith("mixed.zip/")


def test_bomb_member_refused_from_header_others_kept():
    bomb = b"\0" * (3 * 1024 * 1024)          # deflates ~1000:1
    data = make_zip({"bomb.txt": bomb, "ok.txt": f"Fine\n\n{STORY}".encode()})
    got = by_name(read_batch([("b.zip", data)]))
    assert "zip bomb" in got["b.zip/bomb.txt"].error
    assert got["b.zip/ok.txt"].articles


def test_archive_limits_from_config(monkeypatch):
    data = make_zip({f"f{i}.txt": f"Title {i}\n\n{STORY}".encode() for i in range(5)})
    monkeypatch.setattr(config, "MAX_ARCHIVE_MEMBERS", 3)
    [pf] = read_batch([("many.zip", data)])
    assert "5 members" in pf.error
    monkeypatch.setattr(config, "MAX_ARCHIVE_MEMBERS", 100)
    monkeypatch.setattr(config, "MAX_ARCHIVE_UNPACKED_BYTES", 200)
    [pf] = read_batch([("big.zip", data)])
    assert "unpacks to" in pf.error


def _lie_about_size(data: bytes, member: str, fake_size: int) -> bytes:
    """Rewrite a member's uncompressed size in both the local and the central header."""
    raw = bytearray(data)
    name = member.encode()
    local = raw.find(b"PK\x03\x04")
    while local != -1:
        n_len = struct.unpack_from("<H", raw, local + 26)[0]
        if raw[local + 30: local + 30 + n_len] == name:
            struct.pack_into("<I", raw, local + 22, fake_size)
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        n_len = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46: central + 46 + n_len] == name:
            struct.pack_into("<I", raw, central + 24, fake_size)
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def test_lying_header_caught_while_reading():
    big = (STORY + "\n").encode() * 40_000     # ~3.5 MB, header will claim 100 bytes
    data = _lie_about_size(make_zip({"liar.txt": big, "ok.txt": f"Fine\n\n{STORY}".encode()}), "liar.txt", 100)
    got = by_name(read_batch([("l.zip", data)]))
    assert got["l.zip/liar.txt"].error and not got["l.zip/liar.txt"].articles
    assert got["l.zip/ok.txt"].articles


def test_corrupt_zip_is_one_error():
    data = make_zip({"a.txt": STORY.encode()})[:-30]
    [pf] = read_batch([("broken.zip", data)])
    assert pf.error == "not a readable zip archive"
