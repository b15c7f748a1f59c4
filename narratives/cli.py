"""Command line: `python -m narratives ingest|cluster|export|stats|seed`.

Errors a user can cause print one line on stderr (no traceback) and exit 1 (2 for usage errors, argparse's
convention).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path

from . import config
from .errors import NarrativesError

_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")
WRITING_COMMANDS = frozenset({"ingest", "cluster", "seed"})
EXPORT_FIELDS = ["id", "title", "source", "published", "url", "topic", "topic_label", "stance", "stance_label",
                 "duplicate_of", "text"]


_OPENED: list = []   # stores the command opened: closed by main() before the frame copy is refreshed


def _store(url: str | None):
    from .store import Store
    store = Store(url)
    _OPENED.append(store)
    return store


def _close_opened() -> None:
    while _OPENED:
        _OPENED.pop().close()


def _refresh_frame_copy(url: str | None) -> None:
    """After a command that changed the store (and closed it): write the dashboard's parquet copy of the
    article frame (narratives.framecache), so the next dashboard start reads it instead of querying."""
    from . import framecache
    framecache.refresh(url or config.default_db_url())


def _progress_printer(total_hint: list[int]):
    """A one-line progress indicator on stderr, only for long batches (> 50 items)."""
    def show(done: int, total: int, _result) -> None:
        if total > 50 and (done % 25 == 0 or done == total):
            print(f"\r{done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
    return show


def cmd_ingest(args) -> int:
    from .ingest import ingest_files
    published = None
    if args.date:
        try:
            published = date.fromisoformat(args.date)
        except ValueError:
            raise NarrativesError(f"--date {args.date!r}: expected YYYY-MM-DD") from None
    store = _store(args.db)
    counts = {"added": 0, "duplicate": 0, "near_duplicate": 0, "failed": 0}
    show = _progress_printer([0])

    def progress(done, total, result):
        counts[result.status] = counts.get(result.status, 0) + 1
        print(result.line(), flush=False)
        show(done, total, result)

    results = ingest_files(store, args.paths, source=args.source, published=published,
                           progress=progress)
    if not results:
        print("no files found", file=sys.stderr)
    print(f"{counts['added']} added, {counts['duplicate']} duplicate, {counts['near_duplicate']} near-duplicate, "
          f"{counts['failed']} failed")
    if counts["added"] or counts["near_duplicate"]:
        if store.latest_run() is not None:
            from .pipeline import assign_new
            n = assign_new(store)
            if n:
                print(f"assigned {n} new article(s) to the current clusters")
    return 1 if counts["failed"] or not results else 0


def cmd_cluster(args) -> int:
    from .pipeline import cluster_corpus
    store = _store(args.db)
    n_topics = "auto" if args.topics is None else args.topics
    if n_topics != "auto" and n_topics < 1:
        raise NarrativesError("--topics must be at least 1")

    def progress(stage: str, frac: float) -> None:
        print(f"\r{int(frac * 100):3d}% {stage:<30}", end="\n" if frac >= 1 else "", file=sys.stderr, flush=True)

    run_id = cluster_corpus(store, n_topics=n_topics, progress=progress)
    topics = store.clusters(run_id, kind="topic")
    print(f"run {run_id}: {len(topics)} topics over {store.count()} articles")
    for c in sorted(topics, key=lambda c: -c.size):
        print(f"  topic {c.key}: {c.label} ({c.size})")
    return 0


def _neutralise(value):
    """CSV injection guard: a cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_CSV_RISKY):
        return "'" + value
    return value


def export_rows(store):
    """One dict per article with its text and current clusters, in id order."""
    frame = store.frame()
    ids, _titles, texts = store.texts()
    text_of = dict(zip(ids, texts))
    for row in frame.itertuples(index=False):
        pub = row.published
        yield {
            "id": int(row.id),
            "title": row.title,
            "source": None if _isna(row.source) else row.source,
            "published": None if _isna(pub) else pub.date().isoformat(),
            "url": None if _isna(row.url) else row.url,
            "topic": None if _isna(row.topic) else int(row.topic),
            "topic_label": row.topic_label or None,
            "stance": None if _isna(row.stance) else int(row.stance),
            "stance_label": row.stance_label or None,
            "duplicate_of": None if _isna(row.duplicate_of) else int(row.duplicate_of),
            "text": text_of.get(int(row.id), ""),
        }


def _isna(v) -> bool:
    import pandas as pd
    return v is None or bool(pd.isna(v))


def cmd_export(args) -> int:
    store = _store(args.db)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        rows = export_rows(store)
        if args.format == "jsonl":
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        else:
            w = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
            w.writeheader()
            for r in rows:
                w.writerow({k: _neutralise("" if v is None else v) for k, v in r.items()})
    finally:
        if args.out:
            out.close()
    return 0


def cmd_stats(args) -> int:
    s = _store(args.db).stats()
    for k, v in s.items():
        print(f"{k}: {'' if v is None else v}")
    return 0


def cmd_seed(args) -> int:
    """Load the bundled sample and cluster it, only into an empty store (used by the start script)."""
    store = _store(args.db)
    if store.count() > 0:
        print(f"store already has {store.count()} articles: nothing to seed")
        return 0
    from .ingest import ingest_files
    from .pipeline import cluster_corpus
    files = sorted(Path(config.DATA_DIR).glob("*.txt"))
    if not files:
        raise NarrativesError(f"no sample articles in {config.DATA_DIR}")
    results = ingest_files(store, files)
    for r in results:
        print(r.line())
    if store.count():
        run_id = cluster_corpus(store)
        print(f"clustered {store.count()} articles (run {run_id})")
    return 0 if all(r.status != "failed" for r in results) else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m narratives", description="narrative-monitor command line")
    sub = p.add_subparsers(dest="command", required=True)

    def db(sp):
        sp.add_argument("--db", metavar="URL", default=None,
                        help="SQLAlchemy database URL (default: NARRATIVES_DB or data/narratives.db)")

    sp = sub.add_parser("ingest", help="add article files (txt, html, pdf, docx, csv, xlsx, json, zip)")
    sp.add_argument("paths", nargs="+", metavar="PATH")
    sp.add_argument("--source", default=None, help="outlet name for files that do not carry one")
    sp.add_argument("--date", default=None, help="publication date YYYY-MM-DD for files without one")
    db(sp)
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("cluster", help="cluster all articles by topic and stance (a new run)")
    sp.add_argument("--topics", type=int, default=None, help="number of topics (default: chosen automatically)")
    db(sp)
    sp.set_defaults(func=cmd_cluster)

    sp = sub.add_parser("export", help="write every article with its clusters")
    sp.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    sp.add_argument("--out", default=None, metavar="FILE", help="output file (default: stdout)")
    db(sp)
    sp.set_defaults(func=cmd_export)

    sp = sub.add_parser("stats", help="corpus summary")
    db(sp)
    sp.set_defaults(func=cmd_stats)

    sp = sub.add_parser("seed", help="load and cluster the bundled sample if the store is empty")
    db(sp)
    sp.set_defaults(func=cmd_seed)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rc = int(args.func(args) or 0)
        if args.command in WRITING_COMMANDS:
            _close_opened()
            _refresh_frame_copy(args.db)
        return rc
    except NarrativesError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {e.filename or ''}: {e.strerror or e}".replace(": : ", ": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        _close_opened()   # every command's stores, also after an error
