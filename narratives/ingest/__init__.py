"""Turn files (paths or uploaded bytes) into cleaned Articles, and store them.

`read_paths` walks and reads files, `read_batch` detects formats, expands zips, parses, cleans and finds
metadata, `ingest_files` stores the result. Bad input never raises: each bad file (or row, or archive
member) becomes a one-line error naming it, and the rest of the batch goes on.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .. import config
from ..errors import InputError, StoreError
from ..records import Article, IngestResult
from .archive import expand, safe_name
from .clean import strip_repeated_lines
from .metadata import parse_date_string

__all__ = ["ParsedFile", "read_paths", "read_batch", "ingest_files", "detect_format"]


@dataclass
class ParsedFile:
    """What one file (or archive member, or bad row) of a batch produced."""

    file_name: str
    articles: list[Article] = field(default_factory=list)
    error: str | None = None       # one-line reason when the file could not be read at all


_EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".pdf": "pdf", ".docx": "docx", ".zip": "zip",
}
_HTML_SNIFF_RE = re.compile(rb"<(?:!doctype\s+html|html|head|body|article|p|div|h1|title)\b", re.I)


def _reader(kind: str) -> Callable[[str, bytes], list]:
    """Reader function for a format (imported lazily: each pulls in its own library)."""
    if kind == "text":
        from .text import read_text as f
    elif kind == "markdown":
        from .text import read_markdown as f
    elif kind == "html":
        from .html import read_html as f
    elif kind == "csv":
        from .tabular import read_csv as f
    elif kind == "xlsx":
        from .tabular import read_xlsx as f
    elif kind == "json":
        from .jsonfile import read_json as f
    elif kind == "pdf":
        from .pdf import read_pdf as f
    else:
        from .docx import read_docx as f
    return f


def _zip_kind(data: bytes) -> str:
    """zip, docx or xlsx, from the member names (without unpacking anything)."""
    import io
    import zipfile
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except Exception:
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def detect_format(name: str, data: bytes) -> str:
    """Format from the extension, else from the content (PDF/zip magic, JSON or HTML start)."""
    ext = os.path.splitext(name.rsplit("/", 1)[-1])[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "json"
    if _HTML_SNIFF_RE.search(head):
        return "html"
    ext_note = f" ({ext})" if ext else ""
    raise InputError(name, f"unsupported file type{ext_note}")


def _one_line(reason: str) -> str:
    s = " ".join(str(reason).split())
    return s[:300] + "…" if len(s) > 300 else s


def _read_one(name: str, data: bytes, in_archive: bool = False) -> list[ParsedFile]:
    """Parse one file (expanding it if it is a zip) into ParsedFiles; never raises for bad input."""
    try:
        if len(data) > config.MAX_FILE_BYTES:
            raise InputError(name, f"file too large ({len(data):,} bytes, limit {config.MAX_FILE_BYTES:,})")
        if not data.strip():
            raise InputError(name, "empty file")
        kind = detect_format(name, data)
        if kind == "zip":
            if in_archive:
                raise InputError(name, "nested archive (only one level of zip is expanded): refused")
            out: list[ParsedFile] = []
            members = expand(name, data)
            if not members:
                raise InputError(name, "archive has no files")
            for member, content in members:
                if isinstance(content, InputError):
                    out.append(ParsedFile(member, [], _one_line(content.reason)))
                else:
                    out.extend(_read_one(member, content, in_archive=True))
            return out
        items = _reader(kind)(name, data)
    except InputError as e:
        return [ParsedFile(name, [], _one_line(e.reason))]
    except (MemoryError, RecursionError) as e:
        return [ParsedFile(name, [], f"could not be read ({type(e).__name__})")]
    except Exception as e:   # a library bug on hostile input must not end the batch
        return [ParsedFile(name, [], _one_line(f"could not be read ({type(e).__name__})"))]
    articles = [a for a in items if isinstance(a, Article)]
    errors = [ParsedFile(e.file_name, [], _one_line(e.reason)) for e in items if isinstance(e, InputError)]
    if not articles and not errors:
        return [ParsedFile(name, [], "no articles found")]
    return ([ParsedFile(name, articles)] if articles else []) + errors


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return parse_date_string(str(value))


def read_paths(paths: Iterable[str | Path]) -> Iterator[tuple[str, bytes | InputError]]:
    """(display name, bytes or InputError) for each file; directories walked in sorted order.

    The size cap is checked with stat() before reading, so a huge file is never loaded. Hidden files and
    directories and database files (.db, .sqlite and their -wal/-shm/-journal) are skipped; symlinked
    directories are not followed (no loops).
    """
    for name, path in _walk(paths):
        yield _read_path(path, name)


# Database files met while walking a folder are not articles (e.g. data/ holds the default store): skipped.
_DB_FILE_RE = re.compile(r"\.(?:db|sqlite3?)(?:-wal|-shm|-journal)?$", re.I)


def _walk(paths: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """(display name, path) of each file read_paths would read, in the same order (folders: sorted, without
    hidden files and database files)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            root_name = path.resolve().name or "."
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                rel_dir = os.path.relpath(dirpath, path).replace(os.sep, "/")
                prefix = f"{root_name}/" if rel_dir == "." else f"{root_name}/{rel_dir}/"
                for fn in sorted(filenames):
                    if not fn.startswith(".") and not _DB_FILE_RE.search(fn):
                        yield safe_name(prefix + fn), os.path.join(dirpath, fn)
        else:
            yield safe_name(path.name), str(path)


@dataclass(frozen=True)
class _PathRef:
    """A file not read yet: ingest_files hands paths, not bytes, to its parsing workers (the writer process
    then neither reads nor pickles the files)."""
    path: str


def _resolve(files: Iterable[tuple[str, object]]) -> Iterator[tuple[str, bytes | InputError]]:
    for name, data in files:
        yield (_read_path(data.path, name) if isinstance(data, _PathRef) else (name, data))


def _read_path(path: str | Path, name: str) -> tuple[str, bytes | InputError]:
    try:
        st = os.stat(path)
        if st.st_size > config.MAX_FILE_BYTES:
            return name, InputError(name, f"file too large ({st.st_size:,} bytes, limit {config.MAX_FILE_BYTES:,})")
        if not stat.S_ISREG(st.st_mode):
            return name, InputError(name, "not a regular file")
        data = _read_capped(path, st.st_size)
        if len(data) > config.MAX_FILE_BYTES:
            return name, InputError(name, f"file too large (limit {config.MAX_FILE_BYTES:,} bytes)")
        return name, data
    except FileNotFoundError:
        return name, InputError(name, "no such file")
    except PermissionError:
        return name, InputError(name, "permission denied")
    except OSError as e:
        return name, InputError(name, _one_line(f"cannot read file ({e.strerror or type(e).__name__})"))


def _read_capped(path: str | Path, size: int) -> bytes:
    """The file's bytes, at most MAX_FILE_BYTES + 1 of them (a file that grew past the cap after its stat).

    Reads what the stat said plus one byte, then on to EOF: a single read(MAX_FILE_BYTES + 1) made Python
    allocate 50 MB for every file (a news article's file on its own: 36 -> 12 us; see README "Performance")."""
    limit = config.MAX_FILE_BYTES + 1
    chunks: list[bytes] = []
    total = 0
    with open(path, "rb", buffering=0) as fh:
        want = min(size + 1, limit)
        while total < limit:
            chunk = fh.read(min(want, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_batch(files: Iterable[tuple[str, bytes | InputError]], *, source: str | None = None,
               published: date | str | None = None, strip_repeated: bool = True) -> list[ParsedFile]:
    """Parse a batch. Batch `source`/`published` fill only values a file did not carry itself.

    Lines repeated at the edges of several articles of the same source (site furniture) are removed
    batch-wide. Never raises for bad input: errors land in ParsedFile.error.
    """
    batch_date = _as_date(published)
    batch_source = " ".join(source.split()) if isinstance(source, str) and source.strip() else None
    parsed: list[ParsedFile] = []
    for name, data in files:
        name = safe_name(name)
        if isinstance(data, InputError):
            parsed.append(ParsedFile(name, [], _one_line(data.reason)))
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            parsed.append(ParsedFile(name, [], "not file contents"))
        else:
            parsed.extend(_read_one(name, bytes(data)))
    for pf in parsed:
        for a in pf.articles:
            if not a.source:
                a.source = batch_source
            if a.published is None:
                a.published = batch_date
    if strip_repeated:
        _strip_repeated(parsed)
    return parsed


def _strip_repeated(parsed: list[ParsedFile]) -> list[Article]:
    """Remove lines repeated at the edges of several articles of one source; the articles changed."""
    groups: dict[str, list[Article]] = {}
    for pf in parsed:
        for a in pf.articles:
            if a.source:   # unknown source: repeated lines may be shared story text of different outlets
                groups.setdefault(a.source.casefold(), []).append(a)
    changed = []
    for articles in groups.values():
        if len(articles) < 2:
            continue
        texts = strip_repeated_lines([a.text for a in articles])
        for a, t in zip(articles, texts):
            if t.strip() and t != a.text:
                a.text = t
                changed.append(a)
    return changed


def _normalise_inputs(files) -> Iterator[tuple[str, bytes | InputError]]:
    """Accept (name, bytes) pairs, read_paths output, or plain paths (kept as _PathRef until parsed)."""
    for item in files:
        if isinstance(item, (str, Path)):
            for name, path in _walk([item]):
                yield name, _PathRef(path)
        else:
            yield item


PARALLEL_MIN_FILES = 200  # fewer files: parsed in this process (forking workers would cost more than it saves)
SERIAL_MAX_FILES = 2000   # up to this many: one batch (repeated lines found batch-wide), parsed in workers
CHUNK_FILES = 500         # above it: chunks of this many files parsed + fingerprinted in worker processes
CHUNKS_AHEAD = 3          # chunks in flight beyond one per worker (memory: ~3 MB of parsed text a chunk)
# Parsing workers run at a lower priority than the writer (this process). The writer is the one serial
# step: at equal priority it got ~65 % of a core while the workers ran (3 processes, 2 cores) and the
# workers then waited for it; niced, it runs at ~100 % and the chunks ahead keep the workers busy meanwhile
# (50,000 .txt files, 4 alternating pairs: 25.3-29.8 s -> 23.6-27.6 s, -8.5 %).
WORKER_NICE = 10


def _parse_chunk(files: list, source, published, strip_repeated: bool = True
                 ) -> tuple[list[ParsedFile], list[list[tuple[str, bytes, list[int]]]]]:
    """read_batch on one chunk plus each article's (content hash, MinHash signature, LSH band keys): a
    worker's job (the band keys too: they would otherwise cost the writer, the serial step, ~14 us each)."""
    from .. import dedupe
    parsed = read_batch(_resolve(files), source=source, published=published, strip_repeated=strip_repeated)
    fps = dedupe.fingerprints([a.text or "" for pf in parsed for a in pf.articles])
    keys = dedupe.band_keys([sig for _, sig in fps])
    it = ((h, sig, k) for (h, sig), k in zip(fps, keys))
    return parsed, [[next(it) for _ in pf.articles] for pf in parsed]


def _pool(workers: int):
    """Forked workers that inherit what parsing needs, set up once here instead of in each of them."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from .. import dedupe  # noqa: F401 - imported here once, not in each worker
    _reader("text")
    from ..forking import pool_kwargs
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               **pool_kwargs(nice=WORKER_NICE))


def _parse_whole_batch(files: list, source, published, workers: int):
    """A batch of at most SERIAL_MAX_FILES parsed in workers, then its repeated lines found batch-wide here
    (exactly read_batch's outcome); only articles that lost lines are fingerprinted again."""
    from .. import dedupe
    size = -(-len(files) // (2 * workers))
    parts = [files[i:i + size] for i in range(0, len(files), size)]
    with _pool(workers) as ex:
        futures = [ex.submit(_parse_chunk, part, source, published, False) for part in parts]
        done = []
        for part, fut in zip(parts, futures):
            try:
                done.append(fut.result())
            except Exception:  # noqa: BLE001 - a worker died (e.g. out of memory): parse that part here
                done.append(_parse_chunk(part, source, published, False))
    parsed = [pf for p, _ in done for pf in p]
    fps = [fp for _, f in done for fp in f]
    changed = {id(a) for a in _strip_repeated(parsed)}
    if changed:
        for k, pf in enumerate(parsed):
            for j, a in enumerate(pf.articles):
                if id(a) in changed:
                    fps[k][j] = dedupe.fingerprint(a.text or "")
    return parsed, fps


def _parsed_chunks(files, source, published, workers: int | None):
    """(parsed files, fingerprints or None, files still to parse, whether every file has been handed out)
    per chunk, in input order.

    Batches under PARALLEL_MIN_FILES are parsed here; up to SERIAL_MAX_FILES they are parsed in workers and
    stored as one chunk (exactly read_batch's outcome: _parse_whole_batch). Larger ones stream: chunks of
    CHUNK_FILES go to `workers` forked processes (parse, clean, fingerprint) while the caller stores the
    previous ones, with at most workers + CHUNKS_AHEAD chunks in flight, so memory stays bounded by the
    chunk size, not the batch. Lines repeated across one source's articles are then found per chunk.
    """
    import itertools
    it = _normalise_inputs(files)
    head = list(itertools.islice(it, SERIAL_MAX_FILES + 1))
    # as many workers as cores: parsing + fingerprinting (~0.65 ms an article) is twice the writer's share
    # (~0.3 ms), so the writer takes its turn on a core (2 cores: 1,617/s vs 1,365/s with 1 worker)
    workers = min(4, os.cpu_count() or 2) if workers is None else workers
    if len(head) < PARALLEL_MIN_FILES or workers < 1:
        files_all = head if len(head) <= SERIAL_MAX_FILES else itertools.chain(head, it)
        yield read_batch(_resolve(files_all), source=source, published=published), None, 0, True
        return
    if len(head) <= SERIAL_MAX_FILES:
        yield (*_parse_whole_batch(head, source, published, workers), 0, True)
        return
    from collections import deque
    chain = itertools.chain(head, it)
    del head
    with _pool(workers) as ex:
        pending: deque = deque()
        more = True

        def submit() -> bool:
            chunk = list(itertools.islice(chain, CHUNK_FILES))
            if chunk:
                pending.append((chunk, ex.submit(_parse_chunk, chunk, source, published)))
            return bool(chunk)

        for _ in range(workers + CHUNKS_AHEAD):
            more = more and submit()
        while pending:
            chunk, fut = pending.popleft()
            try:
                parsed, fps = fut.result()
            except Exception:  # noqa: BLE001 - a worker died (e.g. out of memory): parse the chunk here
                parsed, fps = _parse_chunk(chunk, source, published)
            del chunk
            more = more and submit()
            yield parsed, fps, sum(len(c) for c, _ in pending) + (1 if more else 0), not more


def ingest_files(store, files, *, source: str | None = None, published: date | str | None = None,
                 progress: Callable[[int, int, IngestResult], None] | None = None,
                 group: int = 1000, workers: int | None = None) -> list[IngestResult]:
    """Parse the files and store the articles `group` at a time; one result per article/failure, in order.

    Each article is still all-or-nothing (Store.add_articles: one transaction per group, a savepoint per
    article when one fails), which is several times faster than a commit per article. Batches of more than
    SERIAL_MAX_FILES files are parsed and fingerprinted in `workers` processes (default: one a core, at
    most 4) while earlier articles are stored (see _parsed_chunks). progress(done, total, result) is called for every
    article and every failed file or row, an article only once its group committed; for a streamed batch
    `total` counts the files not yet parsed as one item each until they are.
    """
    batch_date = _as_date(published)   # once, not per chunk
    results: list[IngestResult] = []
    items: list[tuple[str, Article | str, tuple | None]] = []   # parsed, not yet stored (fingerprint or None)
    ahead, known = [0], [0]   # files not yet parsed, items (articles + failures) parsed so far
    batch = getattr(store, "add_articles", None)

    def emit(result: IngestResult) -> None:
        results.append(result)
        if progress is not None:
            progress(len(results), known[0] + ahead[0], result)

    def drain(final: bool) -> None:
        """Store/report from the front of `items`: whole groups, or a shorter run before an error or at the end."""
        pos = 0
        total = len(items)
        while pos < total:
            name, item, _fp = items[pos]
            if isinstance(item, str):
                del items[pos:pos + 1]
                total -= 1
                emit(IngestResult(name, "failed", message=item))
                continue
            end = pos
            while end < total and end - pos < group and not isinstance(items[end][1], str):
                end += 1
            if end - pos < group and end == total and not final:
                break   # wait for more articles: groups are the same as for one big batch
            run = items[pos:end]
            del items[pos:end]
            total -= len(run)
            chunk = [a for _, a, _ in run]
            if batch is not None:
                try:
                    fps = [fp for _, _, fp in run]
                    stored = (batch(chunk, group=group, fingerprints=fps) if all(fps)
                              else batch(chunk, group=group))
                except StoreError as e:
                    stored = [IngestResult(n, "failed", title=a.title, message=_one_line(str(e))) for n, a, _ in run]
            else:  # a store without the batch method: one transaction per article
                stored = []
                for n, a, _ in run:
                    try:
                        stored.append(store.add_article(a))
                    except StoreError as e:
                        stored.append(IngestResult(n, "failed", title=a.title, message=_one_line(str(e))))
            for (n, _a, _), result in zip(run, stored):
                if not result.file_name:
                    result.file_name = n
                emit(result)

    for parsed, fps, files_ahead, last_submitted in _parsed_chunks(files, source, batch_date, workers):
        ahead[0] = files_ahead
        n0 = len(items)
        for k, pf in enumerate(parsed):
            if pf.error:
                items.append((pf.file_name, pf.error, None))
            for j, article in enumerate(pf.articles):
                items.append((article.file_name or pf.file_name, article, fps[k][j] if fps else None))
        known[0] += len(items) - n0
        # once every file is with a worker, store each chunk as it comes instead of waiting for a whole
        # group: the writer's last group, which nothing else overlaps, is then one chunk (~0.15 s less)
        drain(last_submitted)
    ahead[0] = 0
    drain(True)
    return results
