"""narrative-monitor backend: ingest article files, store them, cluster them by topic and stance.

Public surface (imports are lazy so that `python -m narratives stats` does not pay for scikit-learn):

    from narratives import Store, ingest_files, read_paths, TopicModel, StanceModel, cluster_corpus
"""
from __future__ import annotations

from importlib import import_module

from .errors import InputError, NarrativesError, StoreError
from .records import Article, Cluster, ClusterRun, IngestResult

_LAZY = {
    "Store": "narratives.store",
    "ingest_files": "narratives.ingest",
    "read_paths": "narratives.ingest",
    "read_batch": "narratives.ingest",
    "TopicModel": "narratives.topics",
    "StanceModel": "narratives.stance",
    "cluster_corpus": "narratives.pipeline",
    "assign_new": "narratives.pipeline",
}

__all__ = ["Article", "Cluster", "ClusterRun", "IngestResult", "InputError", "NarrativesError",
           "StoreError", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'narratives' has no attribute {name!r}")
