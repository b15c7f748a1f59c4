"""Zip archives: safe expansion, and the bomb checks shared with the zip-based formats (DOCX, XLSX).

Policy (documented in the README): only ONE level of zip is expanded - a zip inside a zip is refused
as a member ("nested archive"), the other members still come through. Members with absolute paths,
drive letters or `..` components are refused. Bombs are refused from the headers (member count, total
unpacked size, per-member compression ratio) and again while reading (actual bytes against the header,
the ratio and the remaining budget), so a lying header does not help. macOS resource forks
(`__MACOSX/`), hidden files and directories are skipped silently.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib

from .. import config
from ..errors import InputError

_CHUNK = 1 << 20
_RATIO_FLOOR = 64 * 1024          # files this small cannot be bombs, whatever their ratio
NESTED_EXTS = (".zip", ".jar", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# A name that is already safe (ASCII word characters and . , + = @ ( ) - between single slashes, no "." or ".."
# part, <= 200 characters; a drive letter would need ":") is returned as it is: the common case, once per file on the
# writer's path (the full rules below cost ~10 us a name). tests/test_hostile_properties.py holds the two equal.
_SAFE_PART = r"(?!\.\.?(?:/|$))[\w.,+=@()-]+"
_ALREADY_SAFE_RE = re.compile(rf"{_SAFE_PART}(?:/{_SAFE_PART})*", re.ASCII)


def safe_name(name: str) -> str:
    """Display name without control characters, `..`, absolute roots or drive letters."""
    if isinstance(name, str) and len(name) <= 200 and _ALREADY_SAFE_RE.fullmatch(name):
        return name
    s = _CONTROL_RE.sub("_", str(name)).replace("\\", "/")
    parts = [p.strip() for p in s.split("/")]
    parts = [p for p in parts if p not in ("", ".", "..")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    s = "/".join(parts) or "unnamed"
    if len(s) > 200:
        s = s[:100] + "…" + s[-99:]
    return s


def _unsafe_member(filename: str) -> bool:
    s = filename.replace("\\", "/")
    return (s.startswith("/") or bool(re.match(r"^[A-Za-z]:", s))
            or any(p == ".." for p in s.split("/")) or "\x00" in s)


def _open(name: str, data: bytes, what: str = "zip archive") -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise InputError(name, f"not a readable {what}") from None


def _check_headers(name: str, zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Whole-archive checks from the central directory; returns the file members.

    The compression ratio is checked per member (`_member_problem`), so one bomb member is refused
    while its siblings still come through.
    """
    infos = zf.infolist()
    if len(infos) > config.MAX_ARCHIVE_MEMBERS:
        raise InputError(name, f"archive has {len(infos):,} members (limit {config.MAX_ARCHIVE_MEMBERS:,})")
    files = [i for i in infos if not i.is_dir()]
    total = sum(i.file_size for i in files)
    if total > config.MAX_ARCHIVE_UNPACKED_BYTES:
        raise InputError(name, f"archive unpacks to {total:,} bytes "
                               f"(limit {config.MAX_ARCHIVE_UNPACKED_BYTES:,}; zip bomb?)")
    return files


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member is refused from its header alone (None = fine)."""
    if _unsafe_member(info.filename):
        return "unsafe path in archive (absolute or '..'): refused"
    if info.flag_bits & 0x1:
        return "encrypted archive member"
    if info.file_size > config.MAX_FILE_BYTES:
        return f"file too large ({info.file_size:,} bytes, limit {config.MAX_FILE_BYTES:,})"
    if info.file_size > _RATIO_FLOOR and info.file_size / max(info.compress_size, 1) > config.MAX_ARCHIVE_RATIO:
        return "compression ratio too high (zip bomb?)"
    return None


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Read one member in chunks, stopping as soon as it outgrows its header, the ratio or the budget."""
    limit = min(info.file_size, budget, config.MAX_FILE_BYTES)
    chunks = []
    got = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            got += len(chunk)
            if got > limit:
                raise ValueError("member is larger than its header says or than the size limits (zip bomb?)")
            if got > _RATIO_FLOOR and got / max(info.compress_size, 1) > config.MAX_ARCHIVE_RATIO:
                raise ValueError("compression ratio too high (zip bomb?)")
            chunks.append(chunk)
    return b"".join(chunks)


def check_container(name: str, data: bytes, what: str) -> zipfile.ZipFile:
    """Bomb checks for zip-based documents (DOCX, XLSX) before a library opens them."""
    zf = _open(name, data, f"{what} (damaged zip container)")
    for info in _check_headers(name, zf):
        problem = _member_problem(info)
        if problem:
            raise InputError(name, problem)
    return zf


def expand(name: str, data: bytes) -> list[tuple[str, bytes | InputError]]:
    """(display name "bundle.zip/inner/b.html", bytes or the member's InputError) for each member."""
    zf = _open(name, data)
    files = _check_headers(name, zf)
    budget = config.MAX_ARCHIVE_UNPACKED_BYTES
    out: list[tuple[str, bytes | InputError]] = []
    for info in files:
        member = safe_name(info.filename)
        base = member.rsplit("/", 1)[-1]
        if member.startswith("__MACOSX/") or base.startswith(".") or base in ("Thumbs.db", "desktop.ini"):
            continue
        display = f"{name}/{member}"
        problem = _member_problem(info)
        if problem is None and base.lower().endswith(NESTED_EXTS):
            problem = "nested archive (only one level of zip is expanded): refused"
        if problem:
            out.append((display, InputError(display, problem)))
            continue
        try:
            content = read_member(zf, info, budget)
        except ValueError as e:
            out.append((display, InputError(display, str(e))))
            continue
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as e:
            reason = "corrupt archive member" if not isinstance(e, NotImplementedError) else \
                "unsupported compression method"
            out.append((display, InputError(display, reason)))
            continue
        budget -= len(content)
        if content[:4] == b"PK\x03\x04" and not base.lower().endswith((".docx", ".xlsx")):
            out.append((display, InputError(display, "nested archive (only one level of zip is expanded): refused")))
            continue
        out.append((display, content))
    return out


def check_office_xml(name: str, data: bytes, what: str) -> None:
    """Zip bomb checks, then every XML part parsed once with defusedxml: DTDs/entities are refused.

    A "billion laughs" DOCX/XLSX is refused here, never expanded, before python-docx/openpyxl see it.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    zf = check_container(name, data, what)
    budget = config.MAX_ARCHIVE_UNPACKED_BYTES
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            part = read_member(zf, info, budget)
        except Exception:
            raise InputError(name, f"not a readable {what} (corrupt part)") from None
        budget -= len(part)
        try:
            fromstring(part, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException:
            raise InputError(name, f"{what} contains XML DTD/entity declarations: refused") from None
        except Exception:
            raise InputError(name, f"not a readable {what} (invalid XML)") from None
