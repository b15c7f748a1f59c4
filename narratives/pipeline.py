"""Clustering runs: fit topics and stances, give clusters stable keys, persist atomically.

Stable keys are what make analysts' work survive a refit: a new cluster inherits the key of the previous
run's cluster it overlaps most (Hungarian assignment on article-overlap Jaccard), so custom labels (keyed by
kind+key in the `labels` table) follow automatically, and a new cluster made mostly (> 50 %) of an old
cluster that was the result of a merge is folded into it again. Stance keys are unique across topics so a
stance filter means one cluster.

Readers keep seeing the previous complete run until `finish_run` commits the new one in one transaction;
on any error the run is marked failed and the error re-raised.

The fitted models are pickled into the run (our own database: trusted) so `assign_new` can place articles
ingested later without a refit.
"""
from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import vectorize
from .errors import NarrativesError
from .stance import UNSPLIT_NAME
from .records import Cluster

MIN_STANCE_TOPIC = 4      # topics smaller than this get one stance cluster (too few texts to split)
MIN_MATCH_JACCARD = 0.1   # below this overlap a new cluster is new, not an old one that moved
MERGE_SHARE = 0.5         # a new cluster re-merges into an old merge result holding > this share of it
N_REPRESENTATIVES = 5
PARALLEL_STANCE_DOCS = 400   # from this many texts to fit stances for, topics are fitted in forked workers

Progress = Callable[[str, float], None]


def _fit_stance(job: tuple[list[str], int]):
    from .stance import StanceModel
    texts, random_state = job
    return StanceModel(random_state=random_state).fit(texts)


@contextmanager
def _stance_models(jobs: list[tuple[list[str], int]]) -> Iterator:
    """The fitted StanceModel of each job (one topic's texts), in order. Topics are independent, so from
    PARALLEL_STANCE_DOCS texts they are fitted in as many forked workers as there are cores (the results
    are the same; 1,000 AllSides articles in 20 topics: ~7 s of stance fitting on one core)."""
    import os
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    if workers < 2 or sum(len(texts) for texts, _ in jobs) < PARALLEL_STANCE_DOCS:
        yield (_fit_stance(job) for job in jobs)
        return
    from .forking import fork_pool
    with fork_pool(workers) as pool:
        yield pool.imap(_fit_stance, jobs)


def _doc(title: str, text: str) -> str:
    return f"{title}\n{text}" if title else text


def _match(new: dict[int, set[int]], old: dict[int, set[int]], next_key: int) -> tuple[dict[int, int], int]:
    """local cluster id -> stable key: Hungarian on Jaccard with the old clusters, fresh keys for the rest."""
    locs, keys = sorted(new), sorted(old)
    out: dict[int, int] = {}
    if locs and keys:
        sim = np.zeros((len(locs), len(keys)))
        for i, loc in enumerate(locs):
            a = new[loc]
            for j, k in enumerate(keys):
                inter = len(a & old[k])
                if inter:
                    sim[i, j] = inter / len(a | old[k])
        rows, cols = linear_sum_assignment(-sim)
        for i, j in zip(rows, cols):
            if sim[i, j] >= MIN_MATCH_JACCARD:
                out[locs[i]] = keys[j]
    for loc in locs:
        if loc not in out:
            out[loc] = next_key
            next_key += 1
    return out, next_key


def _remerge(new: dict[int, set[int]], keymap: dict[int, int], old: dict[int, set[int]],
             merged_results: set[int]) -> None:
    """Fold new clusters that mostly come from an old merge result back into it (in place)."""
    for loc in sorted(new):
        a = new[loc]
        if not a:
            continue
        for k in sorted(merged_results & set(old)):
            if keymap[loc] != k and len(a & old[k]) / len(a) > MERGE_SHARE:
                keymap[loc] = k
                break


def _groups(assign: dict[int, int]) -> dict[int, set[int]]:
    g: dict[int, set[int]] = defaultdict(set)
    for aid, c in assign.items():
        g[c].add(aid)
    return dict(g)


def cluster_corpus(store, n_topics="auto", random_state: int = 0, progress: Progress | None = None) -> int:
    """Fit, label, match to the previous run and persist a new clustering run; returns its id.

    progress(stage, fraction in [0, 1]) is called between stages.
    """
    from .topics import TopicModel

    def tell(stage: str, frac: float) -> None:
        if progress is not None:
            progress(stage, frac)

    run_id = store.start_run({"n_topics": n_topics, "random_state": random_state})
    try:
        tell("loading articles", 0.0)
        n_orig = store.count() - len(store.duplicate_map())
        fast = n_orig >= vectorize.FAST_ABOVE
        ids, titles, texts = store.texts(originals_only=True, max_chars=vectorize.STANCE_CHARS if fast else None)
        if not ids:
            raise NarrativesError("no articles to cluster: ingest some first")
        fast = len(ids) >= vectorize.FAST_ABOVE
        if fast:  # one feature pass for topics and stances (see narratives.vectorize)
            tell("reading features", 0.1)
            tm, fast_stances = vectorize.fit_corpus(titles, texts, n_topics=n_topics, random_state=random_state,
                                                    min_stance_topic=MIN_STANCE_TOPIC, progress=tell)
            docs = None
        else:
            docs = [_doc(t, x) for t, x in zip(titles, texts)]
            tell("fitting topics", 0.1)
            tm = TopicModel(n_topics=n_topics, random_state=random_state).fit(docs)
        del texts, titles
        topic_local = {aid: int(t) for aid, t in zip(ids, tm.labels_)}

        tell("fitting stances", 0.5)
        stances = _RunStances()
        by_topic: dict[int, list[int]] = defaultdict(list)
        for i, t in enumerate(tm.labels_):
            by_topic[int(t)].append(i)
        fit_here = [t for t in sorted(by_topic) if not fast and len(by_topic[t]) >= MIN_STANCE_TOPIC]
        with _stance_models([([docs[i] for i in by_topic[t]], random_state) for t in fit_here]) as fitted:
            fitted = iter(fitted)
            for n_done, t in enumerate(sorted(by_topic)):
                members = by_topic[t]
                if fast:
                    sm = fast_stances.get(t)
                else:   # fitted holds one model per topic of fit_here, in the same (sorted) order
                    sm = next(fitted) if len(members) >= MIN_STANCE_TOPIC else None
                stances.add(t, members, sm, ids)
                tell("fitting stances", 0.5 + 0.3 * (n_done + 1) / len(by_topic))

        # near-duplicates take their original's clusters
        for dup, orig in store.duplicate_map().items():
            if orig in topic_local:
                topic_local[dup] = topic_local[orig]
                stances.local[dup] = stances.local[orig]

        tell("matching to the previous run", 0.85)
        history = store.label_history()
        merged = {"topic": set(), "stance": set()}
        for m in history["merges"]:
            merged[m["kind"]].add(m["kept_key"])
        prev = store.latest_run()
        old_topic: dict[int, set[int]] = {}
        old_stance: dict[int, set[int]] = {}
        if prev is not None:
            for aid, tk, sk in store.run_assignments(prev.id):
                old_topic.setdefault(tk, set()).add(aid)
                if sk is not None:
                    old_stance.setdefault(sk, set()).add(aid)

        new_topic = _groups(topic_local)
        topic_key, _ = _match(new_topic, old_topic, history["max_key"]["topic"] + 1)
        _remerge(new_topic, topic_key, old_topic, merged["topic"])

        slocs = sorted(set(stances.local.values()))
        sindex = {sl: i for i, sl in enumerate(slocs)}
        new_stance = _groups({aid: sindex[sl] for aid, sl in stances.local.items()})
        skey, _ = _match(new_stance, old_stance, history["max_key"]["stance"] + 1)
        _remerge(new_stance, skey, old_stance, merged["stance"])
        stance_key = {sl: skey[sindex[sl]] for sl in slocs}

        assignments = sorted((aid, topic_key[t], stance_key[stances.local[aid]]) for aid, t in topic_local.items())
        sizes_t = Counter(t for _, t, _ in assignments)
        sizes_s = Counter(s for _, _, s in assignments)

        clusters: dict[tuple[str, int], Cluster] = {}
        for t in range(tm.n_topics_):
            if t not in new_topic:
                continue
            k = topic_key[t]
            reps = [ids[i] for i in tm.representatives_[t][:N_REPRESENTATIVES]]
            _add_cluster(clusters, Cluster(run_id, "topic", k, None, tm.topic_names_[t], tm.topic_names_[t],
                                           list(tm.topic_terms_[t]), reps, sizes_t[k]), len(new_topic[t]))
        for sl in slocs:
            k = stance_key[sl]
            name, terms, reps = stances.info[sl]
            _add_cluster(clusters, Cluster(run_id, "stance", k, topic_key[sl[0]], name, name, terms, reps,
                                           sizes_s[k]), len(new_stance[sindex[sl]]))

        blob = pickle.dumps({
            "engine": "fast" if fast else "models",
            "topic_model": tm,
            "topic_key": {t: topic_key[t] for t in new_topic},
            "stance_models": stances.models,
            "stance_key": stance_key,
        }, protocol=pickle.HIGHEST_PROTOCOL)
        tell("saving", 0.95)
        store.finish_run(run_id, assignments, list(clusters.values()), blob)
        tell("done", 1.0)
        return run_id
    except BaseException as exc:
        try:
            store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise


@dataclass
class _RunStances:
    """A run's stance results, filled topic by topic (cluster_corpus)."""
    models: dict[int, object | None] = field(default_factory=dict)            # topic local -> model or None
    local: dict[int, tuple[int, int]] = field(default_factory=dict)           # article -> (topic, stance) local
    info: dict[tuple[int, int], tuple[str, list[str], list[int]]] = field(default_factory=dict)  # name, terms, reps

    def add(self, t: int, members: list[int], sm, ids: list[int]) -> None:
        """Topic t's stance clusters from its fitted model `sm`; with none (a topic too small to split),
        one cluster of all its articles. `members` index into `ids`."""
        self.models[t] = sm
        if sm is None:
            for i in members:
                self.local[ids[i]] = (t, 0)
            self.info[(t, 0)] = (UNSPLIT_NAME, [], [ids[i] for i in members[:N_REPRESENTATIVES]])
            return
        for i, s in zip(members, sm.labels_):
            self.local[ids[i]] = (t, int(s))
        for s in range(sm.n_stances_):
            reps = [ids[members[j]] for j in sm.representatives_[s][:N_REPRESENTATIVES]]
            self.info[(t, s)] = (sm.stance_names_[s], list(sm.stance_terms_[s]), reps)


def _add_cluster(out: dict, c: Cluster, weight: int) -> None:
    """Add a cluster; a second one with the same key (re-merged) is folded in, the bigger part names it."""
    prev = out.get((c.kind, c.key))
    if prev is None:
        c._weight = weight  # type: ignore[attr-defined]
        out[(c.kind, c.key)] = c
        return
    if weight > prev._weight:  # type: ignore[attr-defined]
        prev.auto_label, prev.label, prev.terms = c.auto_label, c.label, c.terms
        prev.representative_ids = (c.representative_ids + prev.representative_ids)[:N_REPRESENTATIVES]
        prev._weight = weight  # type: ignore[attr-defined]
    else:
        prev.representative_ids = (prev.representative_ids + c.representative_ids)[:N_REPRESENTATIVES]


def assign_new(store) -> int:
    """Place articles added since the latest run into its clusters (no refit); returns how many."""
    run = store.latest_run()
    if run is None:
        return 0
    new_ids = store.unassigned_ids(run.id)
    if not new_ids:
        return 0
    blob = store.run_model(run.id)
    if not blob:
        return 0
    model = pickle.loads(blob)
    history = store.label_history()
    follow = {"topic": {}, "stance": {}}
    for m in history["merges"]:
        follow[m["kind"]][m["merged_key"]] = m["kept_key"]

    def resolve(kind: str, key):
        seen = set()
        while key in follow[kind] and key not in seen:
            seen.add(key)
            key = follow[kind][key]
        return key

    # near-duplicates of already-assigned articles take their original's clusters
    dmap = store.duplicate_map()
    known = {aid: (t, s) for aid, t, s in store.run_assignments_for(run.id, [dmap[i] for i in new_ids if i in dmap])}
    out: list[tuple[int, int, int | None]] = []
    to_predict = []
    for aid in new_ids:
        orig = dmap.get(aid)
        if orig is not None and orig in known:
            out.append((aid, *known[orig]))
        else:
            to_predict.append(aid)
    if to_predict:
        fast = model.get("engine") == "fast"
        ids, titles, texts = store.texts(to_predict, max_chars=vectorize.STANCE_CHARS if fast else None)
        if fast:
            Z, L = model["topic_model"].embed_texts(titles, texts)
            local = model["topic_model"].predict_embedded(Z)
        else:
            docs = [_doc(t, x) for t, x in zip(titles, texts)]
            local = model["topic_model"].predict(docs)
        by_topic: dict[int, list[int]] = defaultdict(list)
        for i, t in enumerate(local):
            by_topic[int(t)].append(i)
        for t, members in by_topic.items():
            sm = model["stance_models"].get(t)
            if sm is None:
                sl = [0] * len(members)
            elif fast:
                sl = [int(s) for s in sm.predict_embedded(Z[members], L[members])]
            else:
                sl = [int(s) for s in sm.predict([docs[i] for i in members])]
            for i, s in zip(members, sl):
                tk = model["topic_key"].get(t)
                sk = model["stance_key"].get((t, s))
                if tk is None:
                    continue
                out.append((ids[i], resolve("topic", tk), None if sk is None else resolve("stance", sk)))
    store.add_assignments(run.id, out)
    return len(out)
