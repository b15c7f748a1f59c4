"""The article store: one database holding articles, clustering runs, cluster labels and merges.

SQLAlchemy Core (not the ORM) so the same schema runs on PostgreSQL given a URL; the default is an
SQLite file under data/ in WAL mode with a busy timeout, because several processes write at once
(two upload sessions plus a CLI ingest). Write transactions on SQLite start with BEGIN IMMEDIATE so two
writers queue on the lock instead of failing on a read->write upgrade.

Full-text search: an FTS5 table (external content = articles) kept in sync inside the same transaction
as the article row. It keeps which column a word is in but not its positions (detail=column): at 100,000
articles that costs the writer 0.26 instead of 0.37 ms an article (positions are most of the index, and
FTS5 keeps rewriting them as it merges segments). A quoted phrase is therefore found in two steps: its
words through the index, then the exact phrase checked on those candidates (`_phrase_query`). On other
dialects search falls back to ILIKE on title/text (slower, unranked; a tsvector index is the production
answer there).

`version()` is a counter in `meta` bumped by every write transaction: the dashboard's cache key.
"""
from __future__ import annotations

import functools
import json
import os
import re
import socket
import sqlite3
import threading
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from . import config, dedupe
from .checkpoint import BackgroundCheckpointer
from .errors import StoreError
from .records import Article, Cluster, ClusterRun, IngestResult

metadata = sa.MetaData()

articles = sa.Table(
    "articles", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source", sa.String(300), nullable=True),
    sa.Column("published", sa.Date, nullable=True),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("file_name", sa.Text, nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("minhash", sa.LargeBinary, nullable=True),
    sa.Column("n_chars", sa.Integer, nullable=False, default=0),
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL"), nullable=True),
    sa.Column("similarity", sa.Float, nullable=True),
    sa.Column("ingested_at", sa.DateTime, nullable=False),
    sa.Index("ix_articles_source", "source"),
    sa.Index("ix_articles_published", "published"),
    sa.Index("ix_articles_duplicate_of", "duplicate_of"),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("n_articles", sa.Integer, nullable=False, default=0),
    sa.Column("n_topics", sa.Integer, nullable=False, default=0),
    sa.Column("model", sa.LargeBinary, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Index("ix_runs_status", "status", "id"),
)

assignments = sa.Table(
    "assignments", metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_key", sa.Integer, nullable=False),
    sa.Column("stance_key", sa.Integer, nullable=True),
    sa.Index("ix_assignments_article", "article_id"),
    sa.Index("ix_assignments_topic", "run_id", "topic_key"),
)

clusters = sa.Table(
    "clusters", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("key", sa.Integer, nullable=False),
    sa.Column("topic_key", sa.Integer, nullable=True),
    sa.Column("auto_label", sa.Text, nullable=False, default=""),
    sa.Column("terms", sa.JSON, nullable=False),
    sa.Column("representative_ids", sa.JSON, nullable=False),
    sa.Column("size", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("run_id", "kind", "key", name="uq_clusters_run_kind_key"),
)

labels = sa.Table(
    "labels", metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("key", sa.Integer, primary_key=True),
    sa.Column("topic_key", sa.Integer, nullable=True),
    sa.Column("label", sa.Text, nullable=False),
)

merges = sa.Table(
    "merges", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("kept_key", sa.Integer, nullable=False),
    sa.Column("merged_key", sa.Integer, nullable=False),
    sa.Column("topic_key", sa.Integer, nullable=True),
    sa.Column("run_id", sa.Integer, nullable=True),
)

# Near-duplicate LSH: one row per (band key, original article); band keys from dedupe.band_keys (the band
# number is mixed into the key). Written in the article's own transaction, so every process sees exactly
# the committed originals; candidates are one indexed lookup, then verified with the stored signatures.
minhash_bands = sa.Table(
    "minhash_bands", metadata,
    sa.Column("key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("article_id", sa.Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

FRAME_COLUMNS = ["id", "title", "source", "published", "url", "file_name", "ingested_at", "n_chars",
                 "duplicate_of", "topic", "topic_label", "stance", "stance_label"]
_WORD = re.compile(r"\w+")
_FTS_DDL = ("CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
            "title, text, content='articles', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2', detail=column)")
_FTS_CONFIG = {
    "automerge": 8,        # merge segments less eagerly (default 4): ~8 % less insert CPU
    "hashsize": 8 << 20,   # pending terms held in memory up to 8 MB (default 1 MB): a 1,000-article group is
}                          # one segment instead of several, so fewer merges; articles + FTS inserts over
                           # 100,000 articles 0.29-0.30 -> 0.23 CPU ms an article (bench/fts_settings.py)
_QUOTED = re.compile(r'"([^"]*)"')
_FTS_TOKEN = re.compile(r"[^\W_]+")   # what the unicode61 tokenizer keeps: runs of letters and digits


_QUERY_ITEM = re.compile(r'(?:(?:\{[^}]*\}|\w+)\s*:\s*)?"[^"]*"\*?|\S+')
_OPERATOR = re.compile(r"^(?:OR|NOT|NEAR\b.*)$|[()]")


def _phrase_query(query: str) -> tuple[str, list[list[str]]]:
    """The FTS query with each quoted phrase of 2+ words replaced by its words AND-ed (the index has no
    positions), and the phrases whose exact wording _has_phrases then checks in the candidates' text.

    Only in a plain conjunction (words, phrases, column filters, prefixes; no OR/NOT/NEAR/parentheses) is
    a phrase checked exactly: there every result must contain it. Inside OR/NOT expressions a phrase
    matches its words (documented in the README).
    """
    items = _QUERY_ITEM.findall(query)
    conjunctive = not any(_OPERATOR.search(it) for it in items if '"' not in it)
    phrases: list[list[str]] = []

    def words_and(m: re.Match) -> str:
        words = _FTS_TOKEN.findall(m.group(1))
        if len(words) < 2:
            return m.group(0)
        if conjunctive:
            phrases.append(words)
        return "(" + " AND ".join(f'"{w}"' for w in words) + ")"

    if not any(len(_FTS_TOKEN.findall(q)) >= 2 for q in _QUOTED.findall(query)):
        return query, []
    if conjunctive:   # FTS5 has no implicit AND next to a parenthesis: spell every AND out
        return " AND ".join(_QUOTED.sub(words_and, it) for it in items if it != "AND"), phrases
    return _QUOTED.sub(words_and, query), phrases


@functools.lru_cache(maxsize=64)
def _phrase_patterns(spec: str) -> list[re.Pattern]:
    # No look-behind for the word boundary before the phrase: a pattern that starts with one is tried at
    # every position of the text (4x slower over 6,800-character texts); _found checks that boundary.
    return [re.compile(r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])", re.I)
            for words in json.loads(spec)]


def _found(pattern: re.Pattern, s: str) -> bool:
    r"""pattern occurs in s as whole words: no letter or digit right before it ([^\W_] is isalnum)."""
    for m in pattern.finditer(s):
        a = m.start()
        if a == 0 or not s[a - 1].isalnum():
            return True
    return False


def _has_phrases(title, text, spec) -> int:
    """SQL function narratives_phrases(title, text, json phrases): 1 when every phrase occurs, words in order
    with only punctuation or spaces between them (as FTS5 phrase matching), in the title or in the text."""
    try:
        return int(all(_found(p, title or "") or _found(p, text or "") for p in _phrase_patterns(spec)))
    except Exception:  # noqa: BLE001 - an SQL function must not raise into the query
        return 0


_UPDATABLE = {"title", "source", "published", "url", "language"}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _one_line(exc: BaseException) -> str:
    msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


class Store:
    """Thread-safe handle on one database (an Engine with pooled connections)."""

    def __init__(self, url: str | None = None, *, read_only: bool = False):
        """`read_only=True`: every write method raises StoreError (a read-only dashboard's handle)."""
        self.url = url or config.default_db_url()
        self.read_only = bool(read_only)
        self._lock = threading.RLock()
        try:
            parsed = sa.engine.make_url(self.url)
        except Exception as exc:  # noqa: BLE001 - any parse failure is a user error
            raise StoreError(f"bad database URL {self.url!r}: {_one_line(exc)}") from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._checkpointer: BackgroundCheckpointer | None = None   # SQLite files: the WAL copied after ingest groups
        kwargs: dict = {}
        if self.is_sqlite:
            db = parsed.database
            if db and db != ":memory:" and not db.startswith("file:"):
                try:
                    Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot create the folder for {db}: {exc.strerror}") from None
                if not self.read_only:
                    self._checkpointer = BackgroundCheckpointer(os.path.abspath(Path(db).expanduser()))
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        try:
            self.engine = sa.create_engine(parsed, **kwargs)
        except Exception as exc:  # noqa: BLE001 - missing driver etc.
            raise StoreError(f"cannot open database {self.url}: {_one_line(exc)}") from None
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._create_schema()

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _write(self, bump: bool = True, *, schema: bool = False) -> Iterator[sa.Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite); bumps the version counter."""
        if self.read_only and not schema:
            raise StoreError("read-only: this store does not accept changes here")
        with self.engine.connect() as conn:
            conn.execution_options(write=True)
            with conn.begin():
                yield conn
                if bump:
                    conn.execute(meta.update().where(meta.c.key == "version").values(value=meta.c.value + 1))

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database read failed ({self.url}): {_one_line(exc)}") from None

    def _guard(self, what: str):
        store = self

        class _G:
            def __enter__(self):
                return self

            def __exit__(self, et, exc, tb):
                if exc is not None and isinstance(exc, (SQLAlchemyError, sqlite3.Error)):
                    raise StoreError(f"{what} failed ({store.url}): {_one_line(exc)}") from None
                return False
        return _G()

    def _create_schema(self) -> None:
        with self._guard("opening the database"):
            with self._write(bump=False, schema=True) as conn:
                metadata.create_all(conn)
                if self.is_sqlite:
                    old = conn.exec_driver_sql(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'articles_fts'").scalar()
                    reindex = old is not None and "detail=column" not in old   # a store from before detail=column:
                    if reindex:                                                # index it again from the articles, once
                        conn.exec_driver_sql("DROP TABLE articles_fts")
                    conn.exec_driver_sql(_FTS_DDL)
                    if reindex:
                        conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
                    have = {k for (k,) in conn.exec_driver_sql("SELECT k FROM articles_fts_config").all()}
                    for key, value in _FTS_CONFIG.items():   # persistent FTS5 settings, set once per database
                        if key not in have:
                            conn.exec_driver_sql(
                                f"INSERT INTO articles_fts(articles_fts, rank) VALUES ('{key}', {int(value)})")
                if conn.execute(sa.select(meta.c.value).where(meta.c.key == "version")).first() is None:
                    conn.execute(meta.insert().values(key="version", value=0))
                sigs = conn.execute(sa.select(meta.c.value).where(meta.c.key == "minhash_signature")).scalar()
                if sigs != dedupe.SIGNATURE_VERSION:   # signatures of an older kind: recompute them, once
                    self._recompute_signatures(conn)
                    conn.execute(meta.delete().where(meta.c.key.in_(["minhash_signature", "minhash_bands"])))
                    conn.execute(meta.insert().values(key="minhash_signature", value=dedupe.SIGNATURE_VERSION))
                bands = conn.execute(sa.select(meta.c.value).where(meta.c.key == "minhash_bands")).scalar()
                if bands != dedupe.BAND_KEYS_VERSION:   # from before the band table (or its key function): once
                    conn.execute(minhash_bands.delete())
                    self._backfill_bands(conn)
                    conn.execute(meta.delete().where(meta.c.key == "minhash_bands"))
                    conn.execute(meta.insert().values(key="minhash_bands", value=dedupe.BAND_KEYS_VERSION))

    def _recompute_signatures(self, conn: sa.Connection) -> None:
        """Every stored signature again from the stored text (a store from before SIGNATURE_VERSION; ~0.2 ms
        an article, once). Comparing old and new signatures would find no near-duplicates at all."""
        last = 0
        while True:
            rows = conn.execute(sa.select(articles.c.id, articles.c.text).where(articles.c.id > last)
                                .order_by(articles.c.id).limit(5_000)).all()
            if not rows:
                return
            sigs = dedupe.fingerprints([text or "" for _, text in rows])
            conn.execute(articles.update().where(articles.c.id == sa.bindparam("i"))
                         .values(minhash=sa.bindparam("m")),
                         [{"i": aid, "m": sig} for (aid, _), (_, sig) in zip(rows, sigs)])
            last = rows[-1][0]

    def _backfill_bands(self, conn: sa.Connection) -> None:
        last = 0
        while True:
            rows = conn.execute(sa.select(articles.c.id, articles.c.minhash).where(
                articles.c.id > last, articles.c.duplicate_of.is_(None), articles.c.minhash.is_not(None))
                .order_by(articles.c.id).limit(20_000)).all()
            if not rows:
                return
            self._add_bands(conn, [(aid, dedupe.band_keys_of(sig)) for aid, sig in rows])
            last = rows[-1][0]

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()

    # FTS maintenance (separate methods so tests can inject failures mid-transaction)
    def _fts_insert(self, conn: sa.Connection, article_id: int, title: str, text: str) -> None:
        if self.is_sqlite:
            self._x(conn, "INSERT INTO articles_fts(rowid, title, text) VALUES (?, ?, ?)", (article_id, title, text))

    def _fts_delete(self, conn: sa.Connection, article_id: int, title: str, text: str) -> None:
        if self.is_sqlite:
            conn.exec_driver_sql(
                "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                (article_id, title, text))

    # ------------------------------------------------------------------ articles
    def _add_bands(self, conn: sa.Connection, items: list[tuple[int, list[int] | None]]) -> None:
        """Make originals findable as near-duplicate targets (same transaction as their rows).

        items: (article id, its band keys from dedupe.band_keys_of; None = no valid signature, skipped)."""
        rows = [(k, int(aid)) for aid, keys in items if keys for k in keys]
        if rows:
            self._xmany(conn, "INSERT INTO minhash_bands (key, article_id) VALUES (?, ?)", rows)

    def _drop_bands(self, conn: sa.Connection, article_id: int, sig: bytes | None) -> None:
        keys = dedupe.band_keys_of(sig)
        if keys:
            conn.exec_driver_sql(self._sql("DELETE FROM minhash_bands WHERE key = ? AND article_id = ?"),
                                 [(k, int(article_id)) for k in keys])

    def _near(self, conn: sa.Connection, sig: bytes, keys: list[int] | None) -> tuple[int, float] | None:
        """Best committed-or-own-transaction original with estimated Jaccard >= threshold; ties: oldest id.

        keys: the signature's band keys (dedupe.band_keys_of), computed once by the caller, who also indexes
        them when the article is an original."""
        if not keys:
            return None
        rows = self._x(conn,
                       "SELECT id, minhash FROM articles WHERE id IN (SELECT article_id FROM minhash_bands "
                       "WHERE key IN (" + ", ".join("?" * len(keys)) + "))", tuple(keys)).fetchall()
        best: tuple[int, float] | None = None
        for cand, csig in rows:
            if not csig:
                continue
            sim = dedupe.jaccard(sig, bytes(csig))
            if sim >= dedupe.THRESHOLD and (best is None or sim > best[1] or (sim == best[1] and cand < best[0])):
                best = (cand, sim)
        return best

    def _x(self, conn: sa.Connection, sql: str, params=()):
        """Run driver-level SQL on the hot path: straight on the sqlite3 connection (no SQLAlchemy result
        set-up, ~0.1 ms a statement), else exec_driver_sql. Returns something with fetchone/fetchall."""
        if self.is_sqlite:
            return conn.connection.driver_connection.execute(sql, params)
        return conn.exec_driver_sql(self._sql(sql), params)

    def _xmany(self, conn: sa.Connection, sql: str, rows: list) -> None:
        if self.is_sqlite:
            conn.connection.driver_connection.executemany(sql, rows)
        else:
            conn.exec_driver_sql(self._sql(sql), rows)

    def _sql(self, sql: str) -> str:
        """Driver-level SQL for the hot path (skips statement compilation): '?' -> the driver's paramstyle."""
        return sql if self.engine.dialect.paramstyle == "qmark" else sql.replace("?", "%s")

    def _bind(self, value):
        if self.is_sqlite and isinstance(value, datetime):
            # SQLAlchemy's SQLite DateTime storage format, "%Y-%m-%d %H:%M:%S.%f"; isoformat writes the same
            # (from year 1000) ~5x faster, and ingest binds one a stored article
            if value.year >= 1000 and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if self.is_sqlite and isinstance(value, date):
            return value.isoformat()
        return value

    def add_article(self, article: Article) -> IngestResult:
        """Store one article in ONE transaction; exact duplicates write nothing."""
        name = article.file_name or (article.title or "article")[:60]
        text = article.text or ""
        chash, sig = dedupe.fingerprint(text)
        title = (article.title or "").strip()
        source = (article.source or "").strip() or None
        published = article.published.date() if isinstance(article.published, datetime) else article.published
        q = self._sql
        with self._lock, self._guard(f"storing {name}"):
            try:
                with self._write(bump=False) as conn:
                    dup = conn.exec_driver_sql(q("SELECT id FROM articles WHERE content_hash = ?"), (chash,)).scalar()
                    if dup is not None:
                        raise _Duplicate(dup)
                    keys = dedupe.band_keys_of(sig)
                    near = self._near(conn, sig, keys)
                    now = _now()
                    new_id = conn.exec_driver_sql(q(
                        "INSERT INTO articles (title, text, source, published, url, language, file_name, "
                        "content_hash, minhash, n_chars, duplicate_of, similarity, ingested_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                        (title, text, source, self._bind(published), article.url, article.language,
                         article.file_name, chash, sig, len(text), near[0] if near else None,
                         round(near[1], 4) if near else None, self._bind(now))).scalar()
                    self._fts_insert(conn, new_id, title, text)
                    if near is None:
                        self._add_bands(conn, [(new_id, keys)])
                    conn.exec_driver_sql("UPDATE meta SET value = value + 1 WHERE key = 'version'")
            except _Duplicate as d:
                return IngestResult(name, "duplicate", title=title or None, duplicate_of=d.id)
            except IntegrityError:
                # a concurrent writer stored the same text between our check and our insert
                with self._read() as conn:
                    dup = conn.execute(sa.select(articles.c.id).where(articles.c.content_hash == chash)).scalar()
                if dup is None:
                    raise
                return IngestResult(name, "duplicate", title=title or None, duplicate_of=dup)
        article.id, article.content_hash, article.ingested_at = new_id, chash, now
        article.duplicate_of = near[0] if near else None
        article.similarity = near[1] if near else None
        if near:
            return IngestResult(name, "near_duplicate", article_id=new_id, title=title or None, duplicate_of=near[0])
        return IngestResult(name, "added", article_id=new_id, title=title or None)

    def add_articles(self, articles_: list[Article], *, group: int = 1000,
                     on_result: Callable[[int, IngestResult], None] | None = None,
                     fingerprints: list[tuple | None] | None = None) -> list[IngestResult]:
        """Store many articles with the outcome of add_article one by one, at a fraction of the cost.

        Why: one transaction + commit per article is ~90 % of ingest time. Here `group` articles share
        one transaction (1,000 rather than 300: each commit flushes FTS5's pending terms into a new segment
        that later merges rewrite; at 100,000 articles that cut the FTS cost per article by ~25-40 %).
        One article is still all-or-nothing: the group is first written without savepoints (a SAVEPOINT
        makes FTS5 flush its pending terms to a new segment, ~40 % of the write cost); if any article
        fails, that attempt is rolled back and the group is redone with a SAVEPOINT per article, so a
        failure rolls back only its savepoint and is reported "failed". Exact and near
        duplicates inside a group are found like across groups (hash and LSH band rows of the transaction's
        own articles are visible to it). on_result(index in articles_, result) is called only after the
        article's group committed, so "reported stored" still means committed. `fingerprints` (optional,
        one (content hash, signature) per article, from dedupe.fingerprint of its text, optionally with the
        signature's dedupe.band_keys as a third item) skips recomputing them (ingest computes them in
        worker processes, off the writer's serial path). Returns one result per article, in order.
        """
        articles_ = list(articles_)
        prepared: list[dict | None] = [None] * len(articles_)
        results: list[IngestResult | None] = [None] * len(prepared)
        fingerprints = list(fingerprints) if fingerprints else [None] * len(articles_)
        for start in range(0, len(prepared), max(1, group)):
            part = range(start, min(start + max(1, group), len(prepared)))
            missing = [i for i in part if fingerprints[i] is None]
            if missing:   # the group's in one batch (dedupe.fingerprints), before its transaction takes the lock
                try:
                    fps = dedupe.fingerprints([articles_[i].text or "" for i in missing])
                except Exception:  # noqa: BLE001 - an odd article: each is fingerprinted in _prepare instead,
                    fps = [None] * len(missing)   # where a failure is that article's alone
                for i, fp in zip(missing, fps):
                    fingerprints[i] = fp
            if not self._add_group(articles_, prepared, part, results, fingerprints, savepoints=False):
                for i in part:
                    results[i] = None
                self._add_group(articles_, prepared, part, results, fingerprints, savepoints=True)
            if self._checkpointer is not None:   # the group's WAL pages copied while the next group is written
                self._checkpointer.poke()
            for i in part:
                if on_result is not None:
                    on_result(i, results[i])
        return results  # type: ignore[return-value]

    @staticmethod
    def _prepare(article: Article, fp: tuple | None = None) -> dict:
        text = article.text or ""
        chash, sig = fp[:2] if fp else dedupe.fingerprint(text)
        keys = fp[2] if fp and len(fp) > 2 else None   # None: computed in _add_group, for non-duplicates only
        published = article.published.date() if isinstance(article.published, datetime) else article.published
        return {"name": article.file_name or (article.title or "article")[:60], "text": text, "hash": chash,
                "sig": sig, "keys": keys, "title": (article.title or "").strip(),
                "source": (article.source or "").strip() or None, "published": published}

    def _add_group(self, articles_, prepared, part, results, fingerprints=None, *, savepoints: bool) -> bool:
        """One transaction for the articles at indexes `part`; fills results[i] for each of them.

        Without savepoints, returns False (everything rolled back, nothing reported) as soon as one
        article fails: the caller then redoes the group with savepoints.
        """
        q = self._sql
        stored: list[tuple[int, int, tuple[int, float] | None, datetime]] = []  # (i, id, near, now)
        with self._lock:
            try:
                with self._write(bump=False) as conn:
                    for i in part:
                        if prepared[i] is None:  # group by group (memory); fingerprints given by ingest's workers
                            prepared[i] = self._prepare(articles_[i], fingerprints[i] if fingerprints else None)
                        p = prepared[i]
                        sp = conn.begin_nested() if savepoints else None
                        try:
                            dup = self._x(conn, "SELECT id FROM articles WHERE content_hash = ?",
                                          (p["hash"],)).fetchone()
                            if dup is not None:
                                dup = dup[0]
                                if sp is not None:
                                    sp.rollback()
                                results[i] = IngestResult(p["name"], "duplicate", title=p["title"] or None,
                                                          duplicate_of=dup)
                                continue
                            keys = p["keys"] if p["keys"] is not None else dedupe.band_keys_of(p["sig"])
                            near = self._near(conn, p["sig"], keys)
                            now = _now()
                            a = articles_[i]
                            new_id = self._insert(conn, a, p, near, now)
                            if near is None:  # visible to the rest of the group (rolled back with it)
                                self._add_bands(conn, [(new_id, keys)])
                            if sp is not None:
                                sp.commit()
                        except Exception as exc:  # noqa: BLE001 - this article fails, the group goes on
                            if sp is None:
                                raise _Retry() from exc
                            if sp.is_active:
                                sp.rollback()
                            if isinstance(exc, (IntegrityError, sqlite3.IntegrityError)):  # a concurrent writer
                                dup = conn.exec_driver_sql(q("SELECT id FROM articles WHERE content_hash = ?"),
                                                           (p["hash"],)).scalar()
                                results[i] = (IngestResult(p["name"], "duplicate", title=p["title"] or None,
                                                           duplicate_of=dup) if dup is not None else
                                              IngestResult(p["name"], "failed", title=p["title"] or None,
                                                           message="could not be stored (integrity error)"))
                                continue
                            results[i] = IngestResult(p["name"], "failed", title=p["title"] or None,
                                                      message=f"storing {p['name']} failed: {_one_line(exc)}")
                            continue
                        stored.append((i, new_id, near, now))
                    if stored:
                        conn.exec_driver_sql("UPDATE meta SET value = value + 1 WHERE key = 'version'")
            except _Retry:
                return False
            except BaseException as exc:
                if not isinstance(exc, Exception):
                    raise
                msg = _one_line(exc)
                for i in part:
                    if results[i] is None or results[i].status != "duplicate":
                        a = articles_[i]
                        p = prepared[i] or {"name": a.file_name or (a.title or "article")[:60],
                                            "title": (a.title or "").strip()}
                        results[i] = IngestResult(p["name"], "failed", title=p["title"] or None,
                                                  message=f"storing {p['name']} failed: {msg}")
                return True
        for i, new_id, near, now in stored:
            a, p = articles_[i], prepared[i]
            a.id, a.content_hash, a.ingested_at = new_id, p["hash"], now
            a.duplicate_of = near[0] if near else None
            a.similarity = near[1] if near else None
            results[i] = (IngestResult(p["name"], "near_duplicate", article_id=new_id, title=p["title"] or None,
                                       duplicate_of=near[0]) if near else
                          IngestResult(p["name"], "added", article_id=new_id, title=p["title"] or None))
        return True

    def _insert(self, conn: sa.Connection, a: Article, p: dict, near, now: datetime) -> int:
        """The article row + its FTS row (a separate method so tests can inject failures)."""
        sql = ("INSERT INTO articles (title, text, source, published, url, language, file_name, "
               "content_hash, minhash, n_chars, duplicate_of, similarity, ingested_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        params = (p["title"], p["text"], p["source"], self._bind(p["published"]), a.url, a.language,
                  a.file_name, p["hash"], p["sig"], len(p["text"]), near[0] if near else None,
                  round(near[1], 4) if near else None, self._bind(now))
        if self.is_sqlite:   # lastrowid, not RETURNING: a pending RETURNING statement makes the FTS5 insert
            new_id = self._x(conn, sql, params).lastrowid   # after it ~0.17 ms slower (bench/scale.py ingest)
        else:
            new_id = self._x(conn, sql + " RETURNING id", params).fetchone()[0]
        self._fts_insert(conn, new_id, p["title"], p["text"])
        return new_id

    def get_article(self, article_id: int) -> Article | None:
        with self._read() as conn:
            r = conn.execute(sa.select(articles).where(articles.c.id == int(article_id))).mappings().first()
        if r is None:
            return None
        return Article(title=r["title"], text=r["text"], source=r["source"], published=r["published"],
                       url=r["url"], language=r["language"], file_name=r["file_name"],
                       content_hash=r["content_hash"], id=r["id"], ingested_at=r["ingested_at"],
                       duplicate_of=r["duplicate_of"], similarity=r["similarity"])

    def update_article(self, article_id: int, **fields) -> None:
        """Correct metadata (title, source, published, url, language); keeps the FTS row in sync."""
        bad = set(fields) - _UPDATABLE
        if bad:
            raise StoreError(f"cannot update field(s) {', '.join(sorted(bad))}")
        if "source" in fields:
            fields["source"] = (fields["source"] or "").strip() or None
        if isinstance(fields.get("published"), datetime):
            fields["published"] = fields["published"].date()
        if not fields:
            return
        with self._guard(f"updating article {article_id}"), self._write() as conn:
            old = conn.execute(sa.select(articles.c.title, articles.c.text)
                               .where(articles.c.id == article_id)).first()
            if old is None:
                raise StoreError(f"no article #{article_id}")
            if "title" in fields:
                fields["title"] = (fields["title"] or "").strip()
            conn.execute(articles.update().where(articles.c.id == article_id).values(**fields))
            if "title" in fields and fields["title"] != old.title:
                self._fts_delete(conn, article_id, old.title, old.text)
                self._fts_insert(conn, article_id, fields["title"], old.text)

    def delete_article(self, article_id: int) -> None:
        with self._lock, self._guard(f"deleting article {article_id}"), self._write() as conn:
            old = conn.execute(sa.select(articles.c.title, articles.c.text)
                               .where(articles.c.id == article_id)).first()
            if old is None:
                return
            self._fts_delete(conn, article_id, old.title, old.text)
            sig = conn.execute(sa.select(articles.c.minhash).where(articles.c.id == article_id)).scalar()
            self._drop_bands(conn, article_id, sig)
            # its near-duplicates become originals (duplicate_of is set to NULL): findable from now on
            orphans = conn.execute(sa.select(articles.c.id, articles.c.minhash)
                                   .where(articles.c.duplicate_of == article_id)).all()
            conn.execute(articles.delete().where(articles.c.id == article_id))
            self._add_bands(conn, [(aid, dedupe.band_keys_of(sg)) for aid, sg in orphans])

    def count(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar() or 0)

    def search(self, query: str, limit: int = 1000) -> list[int]:
        """The best `limit` matches, best first (FTS5 bm25, titles weigh double). Bad FTS syntax never raises.

        Ranking scores every match (~45 us each at 100,000 articles: 2.7 s for a word in 59,000 of them);
        a filter needs match_ids(), and a list of a filtered set rank() of that set only.
        """
        return self._search(query, limit=int(limit), ranked=True)

    def match_ids(self, query: str) -> list[int]:
        """Every article matching `query`, in id order, unranked: what a filter must count (not only the best
        1,000). Reading the index alone: ~50 ms for a word in 59,000 of 100,000 articles."""
        return self._search(query, limit=-1, ranked=False)

    def rank(self, query: str, ids) -> list[int]:
        """Those of `ids` that match `query`, best first (bm25 as search()), scoring only them: ~50 us an id,
        so a page ranks a filtered set of a few thousand articles, not every match in the archive."""
        ids = sorted({int(i) for i in ids})
        if not ids:
            return []
        return self._search(query, limit=-1, ranked=True, only=ids)

    def _search(self, query: str, *, limit: int, ranked: bool, only: list[int] | None = None) -> list[int]:
        """search / match_ids / rank: `limit` -1 for all; `only` restricts (and scores) the given ids."""
        query = (query or "").strip()[:500]
        if not query:
            return []
        terms = _WORD.findall(query)
        with self._read() as conn:
            if not self.is_sqlite:
                if not terms:
                    return []
                cond = sa.and_(*[sa.or_(articles.c.title.ilike(f"%{t}%"), articles.c.text.ilike(f"%{t}%"))
                                 for t in terms[:20]])
                if only is not None:
                    cond = sa.and_(cond, articles.c.id.in_(only))
                sel = sa.select(articles.c.id).where(cond).order_by(articles.c.id)
                return list(conn.execute(sel.limit(limit) if limit >= 0 else sel).scalars())
            # straight on the sqlite3 connection (self._x): 59,000 ids in ~47 instead of ~110 ms.
            # "+rowid": the ids are checked on each match, not looked up one by one in the index (which
            # FTS5 does for a plain rowid IN: 2.3 s instead of 60 ms for 1,000 ids of a 59,000-match word)
            sql = ("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
                   + (" AND +rowid IN (SELECT value FROM json_each(?))" if only is not None else "")
                   + (" ORDER BY bm25(articles_fts, 2.0, 1.0), rowid" if ranked else "") + " LIMIT ?")
            extra = (json.dumps(only),) if only is not None else ()
            fts_query, phrases = _phrase_query(query)
            try:
                if not phrases:
                    return [r[0] for r in self._x(conn, sql, (fts_query, *extra, limit)).fetchall()]
                # all candidates (in rank order when ranked), then the exact phrases checked 500 at a time
                # until `limit` pass
                cands = [r[0] for r in self._x(conn, sql, (fts_query, *extra, -1)).fetchall()]
                found: list[int] = []
                spec = json.dumps(phrases)
                for i in range(0, len(cands), 500):
                    part = cands[i:i + 500]
                    ok = {r[0] for r in self._x(
                        conn, "SELECT id FROM articles WHERE id IN (" + ",".join("?" * len(part)) + ") "
                        "AND narratives_phrases(title, text, ?)", (*part, spec)).fetchall()}
                    found += [a for a in part if a in ok]
                    if 0 <= limit <= len(found):
                        break
                return found[:limit] if limit >= 0 else found
            except (SQLAlchemyError, sqlite3.Error):
                conn.rollback()
            if not terms:
                return []
            words = " ".join('"%s"' % t for t in terms[:50])   # not valid FTS syntax: all its words
            try:
                return [r[0] for r in self._x(conn, sql, (words, *extra, limit)).fetchall()]
            except (SQLAlchemyError, sqlite3.Error):
                return []

    def texts(self, ids: list[int] | None = None, *, originals_only: bool = False, max_chars: int | None = None
              ) -> tuple[list[int], list[str], list[str]]:
        """(ids, titles, texts) in id order; `originals_only` skips near-duplicates; `max_chars` cuts each
        text in SQL (clustering large corpora reads only the start: 100k full texts are ~600 MB)."""
        body = articles.c.text if not max_chars else sa.func.substr(articles.c.text, 1, int(max_chars))
        q = sa.select(articles.c.id, articles.c.title, body).order_by(articles.c.id)
        if originals_only:
            q = q.where(articles.c.duplicate_of.is_(None))
        with self._read() as conn:
            if ids is None:
                rows = conn.execute(q).all()
            else:
                rows = []
                ids = [int(i) for i in ids]
                for i in range(0, len(ids), 900):
                    rows += conn.execute(q.where(articles.c.id.in_(ids[i:i + 900]))).all()
                rows.sort(key=lambda r: r[0])
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def duplicate_map(self) -> dict[int, int]:
        """near-duplicate id -> original id."""
        with self._read() as conn:
            return dict(conn.execute(sa.select(articles.c.id, articles.c.duplicate_of)
                                     .where(articles.c.duplicate_of.is_not(None))).all())

    # ------------------------------------------------------------------ frames for the pages
    def _latest_run_id(self, conn: sa.Connection) -> int:
        rid = conn.execute(sa.select(sa.func.max(runs.c.id)).where(runs.c.status == "complete")).scalar()
        return int(rid) if rid is not None else -1

    def frame(self) -> pd.DataFrame:
        """One row per article with the latest complete run's clusters (one query, no text column)."""
        ct, cs = clusters.alias("ct"), clusters.alias("cs")
        lt, ls = labels.alias("lt"), labels.alias("ls")
        asg = assignments.alias("s")
        with self._read() as conn:
            rid = self._latest_run_id(conn)
            pub = sa.type_coerce(articles.c.published, sa.String) if self.is_sqlite else articles.c.published
            ing = sa.type_coerce(articles.c.ingested_at, sa.String) if self.is_sqlite else articles.c.ingested_at
            q = (sa.select(articles.c.id, articles.c.title, articles.c.source, pub.label("published"),
                           articles.c.url, articles.c.file_name, ing.label("ingested_at"), articles.c.n_chars,
                           articles.c.duplicate_of, asg.c.topic_key,
                           sa.func.coalesce(lt.c.label, ct.c.auto_label), asg.c.stance_key,
                           sa.func.coalesce(ls.c.label, cs.c.auto_label))
                 .select_from(articles
                              .outerjoin(asg, sa.and_(asg.c.article_id == articles.c.id, asg.c.run_id == rid))
                              .outerjoin(ct, sa.and_(ct.c.run_id == rid, ct.c.kind == "topic",
                                                     ct.c.key == asg.c.topic_key))
                              .outerjoin(lt, sa.and_(lt.c.kind == "topic", lt.c.key == asg.c.topic_key))
                              .outerjoin(cs, sa.and_(cs.c.run_id == rid, cs.c.kind == "stance",
                                                     cs.c.key == asg.c.stance_key))
                              .outerjoin(ls, sa.and_(ls.c.kind == "stance", ls.c.key == asg.c.stance_key)))
                 .order_by(articles.c.id))
            # raw DB-API cursor: plain tuples, no per-row SQLAlchemy processing (3x faster on 100k rows);
            # literal binds are safe here, the only values are our run id and the kind names
            sql = str(q.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
            cur = conn.connection.dbapi_connection.cursor()
            try:
                cur.execute(sql)
                rows = cur.fetchall()
            finally:
                cur.close()
        df = pd.DataFrame.from_records(rows, columns=FRAME_COLUMNS, nrows=len(rows))
        df["id"] = df["id"].astype("int64")
        df["n_chars"] = df["n_chars"].astype("int64")
        for col in ("title", "topic_label", "stance_label"):
            df[col] = df[col].fillna("").astype("str")
        for col in ("source", "url", "file_name"):
            df[col] = df[col].astype("str")
            df.loc[df[col].isna() | (df[col] == ""), col] = pd.NA
        df["published"] = pd.to_datetime(df["published"], errors="coerce", format="ISO8601").astype("datetime64[ns]")
        df["ingested_at"] = pd.to_datetime(df["ingested_at"], errors="coerce",
                                           format="ISO8601").astype("datetime64[ns]")
        for col in ("duplicate_of", "topic", "stance"):
            df[col] = df[col].astype("Int64")
        return df

    def version(self) -> str:
        """Changes on every write: articles, runs, labels, merges."""
        with self._read() as conn:
            v = conn.execute(sa.select(meta.c.value).where(meta.c.key == "version")).scalar()
        return str(v or 0)

    def stats(self) -> dict:
        """Corpus summary for the CLI and the overview page."""
        with self._read() as conn:
            r = conn.execute(sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(articles.c.source)),
                sa.func.count(articles.c.published),
                sa.func.min(articles.c.published),
                sa.func.max(articles.c.published),
                sa.func.count(articles.c.duplicate_of))).first()
            n_runs = conn.execute(sa.select(sa.func.count()).select_from(runs)
                                  .where(runs.c.status == "complete")).scalar()
            rid = self._latest_run_id(conn)
            n_topics = conn.execute(sa.select(sa.func.count()).select_from(clusters)
                                    .where(clusters.c.run_id == rid, clusters.c.kind == "topic")).scalar()
        n, n_src, dated, first, last, dups = r
        return {"articles": int(n), "sources": int(n_src), "dated": int(dated), "undated": int(n - dated),
                "first": _as_date(first), "last": _as_date(last), "duplicates": int(dups),
                "runs": int(n_runs or 0), "topics": int(n_topics or 0)}

    # ------------------------------------------------------------------ clustering runs
    def start_run(self, params: dict) -> int:
        """A new 'running' run owned by this process; runs left 'running' by a dead process become failed."""
        owner = {"_pid": os.getpid(), "_host": socket.gethostname()}
        with self._guard("starting a clustering run"), self._write() as conn:
            self._fail_abandoned_runs(conn, owner["_host"])
            return int(conn.execute(runs.insert().values(
                created_at=_now(), status="running", params={**dict(params), **owner}, n_articles=0, n_topics=0
            )).inserted_primary_key[0])

    def _fail_abandoned_runs(self, conn: sa.Connection, host: str) -> None:
        """Mark failed the runs whose clustering process ended without finishing (killed, crashed).

        Only runs started on this host can be checked (by pid); a run without an owner, or from another
        host, counts as abandoned after a day.
        """
        old = _now() - timedelta(days=1)
        for rid, params, created in conn.execute(sa.select(runs.c.id, runs.c.params, runs.c.created_at)
                                                 .where(runs.c.status == "running")).all():
            params = params if isinstance(params, dict) else {}
            pid = params.get("_pid")
            if params.get("_host") == host and isinstance(pid, int):
                abandoned = not _pid_alive(pid)
            else:
                abandoned = created is not None and created < old
            if abandoned:
                conn.execute(runs.update().where(runs.c.id == rid, runs.c.status == "running").values(
                    status="failed", message="interrupted: the clustering process ended before finishing"))

    def finish_run(self, run_id: int, assignments_: list[tuple[int, int, int | None]],
                   clusters_: list[Cluster], model_blob: bytes | None) -> None:
        """Persist a run's assignments + clusters and mark it complete, all in one transaction."""
        with self._guard(f"saving clustering run {run_id}"), self._write() as conn:
            existing = set(conn.execute(sa.select(articles.c.id)).scalars())
            rows = [(run_id, int(a), int(t), None if s is None else int(s))
                    for a, t, s in assignments_ if int(a) in existing]  # articles deleted meanwhile
            if rows and conn.dialect.name == "sqlite":
                # the driver's executemany on tuples: SQLAlchemy's per-row parameter handling doubled the
                # cost (100,000 rows: 1.13 -> 0.67 s)
                conn.exec_driver_sql("INSERT INTO assignments (run_id, article_id, topic_key, stance_key) "
                                     "VALUES (?, ?, ?, ?)", rows)
            elif rows:
                conn.execute(assignments.insert(), [dict(zip(("run_id", "article_id", "topic_key", "stance_key"),
                                                             r)) for r in rows])
            crow = [{"run_id": run_id, "kind": c.kind, "key": int(c.key),
                     "topic_key": None if c.topic_key is None else int(c.topic_key),
                     "auto_label": c.auto_label, "terms": list(c.terms),
                     "representative_ids": [int(i) for i in c.representative_ids], "size": int(c.size)}
                    for c in clusters_]
            if crow:
                conn.execute(clusters.insert(), crow)
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                status="complete", n_articles=len(rows), model=model_blob,
                n_topics=sum(1 for c in clusters_ if c.kind == "topic")))

    def fail_run(self, run_id: int, message: str) -> None:
        msg = (message or "failed").strip().splitlines()
        with self._guard("recording a failed run"), self._write() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id)
                         .values(status="failed", message=(msg[0] if msg else "failed")[:500]))

    def latest_run(self) -> ClusterRun | None:
        """Newest COMPLETE run: readers never see a half-written run."""
        with self._read() as conn:
            r = conn.execute(sa.select(runs.c.id, runs.c.created_at, runs.c.status, runs.c.params,
                                       runs.c.n_articles, runs.c.n_topics)
                             .where(runs.c.status == "complete").order_by(runs.c.id.desc()).limit(1)).first()
        if r is None:
            return None
        return ClusterRun(id=r.id, created_at=r.created_at, status=r.status, params=r.params or {},
                          n_articles=r.n_articles, n_topics=r.n_topics)

    def run_status(self, run_id: int) -> tuple[str, str | None] | None:
        with self._read() as conn:
            r = conn.execute(sa.select(runs.c.status, runs.c.message).where(runs.c.id == run_id)).first()
        return (r[0], r[1]) if r else None

    def run_model(self, run_id: int) -> bytes | None:
        with self._read() as conn:
            return conn.execute(sa.select(runs.c.model).where(runs.c.id == run_id)).scalar()

    def clusters(self, run_id: int | None = None, kind: str | None = None) -> list[Cluster]:
        """Clusters of a run (default: latest complete), with analysts' labels applied."""
        with self._read() as conn:
            if run_id is None:
                run_id = self._latest_run_id(conn)
            q = (sa.select(clusters, labels.c.label)
                 .select_from(clusters.outerjoin(labels, sa.and_(labels.c.kind == clusters.c.kind,
                                                                 labels.c.key == clusters.c.key)))
                 .where(clusters.c.run_id == run_id).order_by(clusters.c.kind.desc(), clusters.c.key))
            if kind:
                q = q.where(clusters.c.kind == kind)
            rows = conn.execute(q).mappings().all()
        return [Cluster(run_id=r["run_id"], kind=r["kind"], key=r["key"], topic_key=r["topic_key"],
                        label=r["label"] or r["auto_label"], auto_label=r["auto_label"],
                        terms=list(r["terms"] or []), representative_ids=list(r["representative_ids"] or []),
                        size=r["size"], custom=r["label"] is not None) for r in rows]

    def run_assignments(self, run_id: int) -> list[tuple[int, int, int | None]]:
        """(article id, topic key, stance key) of one run."""
        with self._read() as conn:
            return [tuple(r) for r in conn.execute(
                sa.select(assignments.c.article_id, assignments.c.topic_key, assignments.c.stance_key)
                .where(assignments.c.run_id == run_id).order_by(assignments.c.article_id)).all()]

    def run_assignments_for(self, run_id: int, ids: list[int]) -> list[tuple[int, int, int | None]]:
        """(article id, topic key, stance key) of some articles in one run."""
        out = []
        ids = sorted({int(i) for i in ids})
        with self._read() as conn:
            for i in range(0, len(ids), 900):
                out += [tuple(r) for r in conn.execute(
                    sa.select(assignments.c.article_id, assignments.c.topic_key, assignments.c.stance_key)
                    .where(assignments.c.run_id == run_id, assignments.c.article_id.in_(ids[i:i + 900]))).all()]
        return out

    def add_assignments(self, run_id: int, assignments_: list[tuple[int, int, int | None]]) -> None:
        """Add (article, topic key, stance key) rows to a run (new articles); cluster sizes follow."""
        if not assignments_:
            return
        with self._guard("assigning articles"), self._write() as conn:
            done = set(conn.execute(sa.select(assignments.c.article_id).where(
                assignments.c.run_id == run_id,
                assignments.c.article_id.in_([int(a) for a, _, _ in assignments_]))).scalars())
            rows = [{"run_id": run_id, "article_id": int(a), "topic_key": int(t),
                     "stance_key": None if s is None else int(s)}
                    for a, t, s in assignments_ if int(a) not in done]
            if not rows:
                return
            conn.execute(assignments.insert(), rows)
            for kind, col in (("topic", "topic_key"), ("stance", "stance_key")):
                keys = {r[col] for r in rows if r[col] is not None}
                for k in keys:
                    n = sum(1 for r in rows if r[col] == k)
                    conn.execute(clusters.update().where(clusters.c.run_id == run_id, clusters.c.kind == kind,
                                                         clusters.c.key == k)
                                 .values(size=clusters.c.size + n))

    def unassigned_ids(self, run_id: int) -> list[int]:
        with self._read() as conn:
            sub = sa.select(assignments.c.article_id).where(assignments.c.run_id == run_id)
            return list(conn.execute(sa.select(articles.c.id).where(articles.c.id.not_in(sub))
                                     .order_by(articles.c.id)).scalars())

    def rename_cluster(self, kind: str, key: int, label: str, topic_key: int | None = None) -> None:
        """Analyst's label for a stable cluster key; an empty label restores the automatic one."""
        _check_kind(kind)
        label = " ".join((label or "").split())[:200]
        with self._guard("renaming a cluster"), self._write() as conn:
            conn.execute(labels.delete().where(labels.c.kind == kind, labels.c.key == int(key)))
            if label:
                conn.execute(labels.insert().values(kind=kind, key=int(key), topic_key=topic_key, label=label))

    def merge_clusters(self, kind: str, keep: int, merge: int, topic_key: int | None = None) -> None:
        """Fold cluster `merge` into `keep` in the latest run and remember it so refits merge them again."""
        _check_kind(kind)
        keep, merge = int(keep), int(merge)
        if keep == merge:
            return
        with self._guard("merging clusters"), self._write() as conn:
            rid = self._latest_run_id(conn)
            col = assignments.c.topic_key if kind == "topic" else assignments.c.stance_key
            conn.execute(assignments.update().where(assignments.c.run_id == rid, col == merge)
                         .values({col.name: keep}))
            gone = conn.execute(sa.select(clusters.c.size).where(
                clusters.c.run_id == rid, clusters.c.kind == kind, clusters.c.key == merge)).scalar() or 0
            conn.execute(clusters.delete().where(clusters.c.run_id == rid, clusters.c.kind == kind,
                                                 clusters.c.key == merge))
            conn.execute(clusters.update().where(clusters.c.run_id == rid, clusters.c.kind == kind,
                                                 clusters.c.key == keep).values(size=clusters.c.size + gone))
            if kind == "topic":  # the merged topic's stance clusters now belong to the kept topic
                conn.execute(clusters.update().where(clusters.c.run_id == rid, clusters.c.kind == "stance",
                                                     clusters.c.topic_key == merge).values(topic_key=keep))
            conn.execute(merges.update().where(merges.c.kind == kind, merges.c.kept_key == merge)
                         .values(kept_key=keep))
            conn.execute(merges.insert().values(kind=kind, kept_key=keep, merged_key=merge,
                                                topic_key=topic_key, run_id=rid if rid > 0 else None))

    def label_history(self) -> dict:
        """What a refit needs to carry over: custom labels, merge results, the highest key ever used."""
        with self._read() as conn:
            lab = {(k, key): lbl for k, key, lbl in conn.execute(
                sa.select(labels.c.kind, labels.c.key, labels.c.label)).all()}
            mer = [dict(r) for r in conn.execute(sa.select(merges.c.kind, merges.c.kept_key, merges.c.merged_key,
                                                           merges.c.topic_key)).mappings().all()]
            mx = {}
            for kind in ("topic", "stance"):
                a = conn.execute(sa.select(sa.func.max(clusters.c.key)).where(clusters.c.kind == kind)).scalar()
                b = conn.execute(sa.select(sa.func.max(sa.func.max(merges.c.kept_key, merges.c.merged_key)))
                                 .where(merges.c.kind == kind)).scalar() if self.is_sqlite else None
                c = conn.execute(sa.select(sa.func.max(labels.c.key)).where(labels.c.kind == kind)).scalar()
                mx[kind] = max([v for v in (a, b, c) if v is not None], default=-1)
        return {"labels": lab, "merges": mer, "max_key": mx}


class _Retry(Exception):
    """An article failed in a group written without savepoints: redo the group with them."""


class _Duplicate(Exception):
    def __init__(self, id_: int):
        self.id = id_


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _check_kind(kind: str) -> None:
    if kind not in ("topic", "stance"):
        raise StoreError(f"unknown cluster kind {kind!r} (topic or stance)")


def _as_date(v) -> date | None:
    if v is None or isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


# 16 KiB pages rather than SQLite's default 4 KiB: an article row (title, text, 512-byte signature) is
# ~3 kB on average and often more, so at 4 KiB many rows spill into overflow pages, and every B-tree
# (articles, FTS5 segments, band keys) is deeper. The writer, ingest's one serial step, then spends less on
# each insert and commit. Measured: see README "Performance" (PAGE_SIZE).
PAGE_SIZE = 16384
WAL_CHECKPOINT_BYTES = 30_000 * 4096   # the writer's own checkpoint: ~120 MB of log (30,000 pages of 4 KiB, as
                                       # tuned before), whatever the page size


def wal_autocheckpoint_pages(page_size: int) -> int:
    """PRAGMA wal_autocheckpoint for a database of this page size: WAL_CHECKPOINT_BYTES of log."""
    return max(1000, WAL_CHECKPOINT_BYTES // (page_size or 4096))


def _sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 30000")
    # A new file gets PAGE_SIZE pages (the pragma only counts before the file's first write; an existing
    # store keeps its own). See PAGE_SIZE for why.
    cur.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    try:
        cur.execute("PRAGMA journal_mode = WAL")
    except Exception:  # noqa: BLE001 - read-only media: keep the default journal
        pass
    cur.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, no fsync per commit
    # FTS writes many pages: few, large checkpoints. Ingest copies the WAL after each group in the background
    # (checkpoint.py), so the writer's own checkpoint, a stall, comes only every ~7 groups (~120 MB of log).
    page = cur.execute("PRAGMA page_size").fetchone()[0]
    cur.execute(f"PRAGMA wal_autocheckpoint = {wal_autocheckpoint_pages(page)}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA cache_size = -65536")  # 64 MB: a 1,000-article group (text + FTS pages) fits without spilling
    cur.close()
    dbapi_conn.create_function("narratives_phrases", 3, _has_phrases, deterministic=True)


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")
