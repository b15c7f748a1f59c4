"""Plain records passed between ingest, store, clustering and the pages.

Dataclasses rather than ORM objects so that every layer (CLI, pages, tests) can build and read them
without a database session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Optional

IngestStatus = Literal["added", "duplicate", "near_duplicate", "failed"]


@dataclass
class Article:
    """One news article, as parsed from a file and then as stored."""

    title: str
    text: str
    source: Optional[str] = None          # outlet name, e.g. "Dawn" or "www.tradingview.com"
    published: Optional[date] = None      # None = unknown, never guessed
    url: Optional[str] = None
    language: Optional[str] = None        # ISO 639-1 when known
    file_name: Optional[str] = None       # name inside the batch (zip members: "archive.zip/member.txt")
    content_hash: str = ""                # sha256 of the normalised text, set by narratives.dedupe
    id: Optional[int] = None              # set by the store
    ingested_at: Optional[datetime] = None
    duplicate_of: Optional[int] = None    # id of the original when this is a near-duplicate / syndicated copy
    similarity: Optional[float] = None    # estimated Jaccard similarity to duplicate_of


@dataclass
class IngestResult:
    """What happened to one file (or one row of a tabular file) in a batch."""

    file_name: str
    status: IngestStatus
    article_id: Optional[int] = None
    title: Optional[str] = None
    duplicate_of: Optional[int] = None
    message: str = ""                     # failure reason, one line, no traceback

    def line(self) -> str:
        """One human line for the CLI and the upload report."""
        if self.status == "added":
            return f"{self.file_name}: added #{self.article_id} {self.title or ''}".rstrip()
        if self.status == "duplicate":
            return f"{self.file_name}: duplicate of #{self.duplicate_of}"
        if self.status == "near_duplicate":
            return f"{self.file_name}: near-duplicate of #{self.duplicate_of} (stored as #{self.article_id})"
        return f"{self.file_name}: failed: {self.message}"


@dataclass
class Cluster:
    """A topic or a stance cluster of one clustering run."""

    run_id: int
    kind: Literal["topic", "stance"]
    key: int                              # stable id: survives refits (matched to the previous run's clusters)
    topic_key: Optional[int]              # for stance clusters: the topic they belong to
    label: str                            # what the UI shows: analyst's label if set, else auto_label
    auto_label: str                       # made from the top terms
    terms: list[str] = field(default_factory=list)
    representative_ids: list[int] = field(default_factory=list)
    size: int = 0
    custom: bool = False                  # True when an analyst renamed it


@dataclass
class ClusterRun:
    """One persisted clustering of the corpus."""

    id: int
    created_at: datetime
    status: Literal["running", "complete", "failed"]
    params: dict
    n_articles: int = 0
    n_topics: int = 0
