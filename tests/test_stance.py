"""StanceModel and stance_sentences: contract API, degenerate inputs, determinism, FNC-1 quality floor."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score as nmi

from narratives.stance import StanceModel, stance_sentences

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SAMPLE = sorted((REPO / "data").glob("*.txt"))


@pytest.fixture(scope="module")
def sample_texts():
    return [p.read_text(encoding="utf-8", errors="replace") for p in SAMPLE]


def test_contract_attributes(sample_texts):
    m = StanceModel(n_stances=2).fit(sample_texts)
    assert m.n_stances_ == 2 == len(m.stance_names_) == len(m.stance_terms_) == len(m.representatives_)
    assert all(" · " in name for name in m.stance_names_)
    assert all(terms for terms in m.stance_terms_)
    assert list(m.predict(sample_texts)) == list(m.labels_)
    assert all(m.labels_[i] == c for c, reps in enumerate(m.representatives_) for i in reps)


def test_denial_and_quashing_not_in_one_stance(sample_texts):
    """003 (FO calls reports 'speculation') and 001 (Pakistan quashes investigations) take different
    positions; 002 (embassy denies) sides with 003."""
    for k in ("auto", 2, 3):
        lab = StanceModel(n_stances=k).fit(sample_texts).labels_
        assert lab[3] != lab[1], k
    lab = StanceModel(n_stances=2).fit(sample_texts).labels_
    assert lab[2] == lab[3]
    name = StanceModel(n_stances=2).fit(sample_texts).stance_names_[lab[3]]
    assert "denial" in name or "denied" in name or "denies" in name


@pytest.mark.parametrize("texts", [
    ["one text that denied the report"], [""], ["", ""], ["same text", "same text", "same text"],
    ["They denied it was true.", "Officials confirmed the report.", "It may reportedly happen."],
    ["x", None, "  "],
])
@pytest.mark.parametrize("k", ["auto", 1, 2, 5])
def test_degenerate_inputs_never_crash(texts, k):
    m = StanceModel(n_stances=k).fit(texts)
    assert len(m.labels_) == len(texts)
    assert m.n_stances_ == len(set(m.labels_)) == len(m.stance_names_) <= max(1, len(texts))
    assert len(m.predict(["another text", ""])) == 2


def test_deterministic_and_picklable(sample_texts):
    a = StanceModel(random_state=7).fit(sample_texts)
    b = pickle.loads(pickle.dumps(StanceModel(random_state=7).fit(sample_texts)))
    assert list(a.labels_) == list(b.labels_) and a.stance_names_ == b.stance_names_
    assert list(b.predict(sample_texts)) == list(a.predict(sample_texts))


def test_stance_sentences_pick_positions(sample_texts):
    sents = stance_sentences(sample_texts[3], limit=3)
    assert 1 <= len(sents) <= 3
    assert any("speculation" in s for s in sents)
    assert all(s in sample_texts[3] for s in sents)
    assert stance_sentences("") == [] and stance_sentences("Nothing here at all today.") == []
    text = "The weather was mild. The ministry denied the report, calling it false. Trains ran."
    assert stance_sentences(text) == ["The ministry denied the report, calling it false."]


def _fnc_groups(limit=None):
    d = SHARED / "fnc1"
    bodies = pd.read_csv(d / "competition_test_bodies.csv")
    stances = pd.read_csv(d / "competition_test_stances.csv")
    stances = stances[stances.Stance != "unrelated"]
    body = dict(zip(bodies["Body ID"], bodies["articleBody"]))
    out = []
    for _, g in stances.groupby("Headline", sort=True):
        if len(g) >= 5 and g.Stance.nunique() >= 2:
            out.append(([body[i] for i in g["Body ID"]], g.Stance.to_numpy()))
    return out[:limit] if limit else out


def _purity(y, lab):
    return sum(pd.Series(y[lab == c]).value_counts().iloc[0] for c in set(lab)) / len(y)


def test_fnc1_quality_floor():
    """All 295 FNC-1 claims with >= 5 related bodies over >= 2 stances, k = stances present.

    Measured (python bench/quality.py --only stance, 2026-11-23): NMI 0.419, purity 0.784, agree/disagree
    body pairs put in different clusters 0.904 (chance with the same cluster sizes 0.650); 0.420 / 0.784
    with random_state=1. Before the refuting / reported-speech cues (lead, claim sentences, whole body):
    0.405 / 0.777; before the lead / claim-sentence position features and 50 KMeans restarts: NMI 0.354,
    purity 0.759. Baselines: TF-IDF + KMeans 0.298 / 0.734, majority purity 0.634.
    """
    groups = _fnc_groups()
    assert len(groups) == 295
    scores, split = [], []
    for texts, y in groups:
        lab = StanceModel(n_stances=len(set(y)), random_state=0).fit(texts).labels_
        scores.append((nmi(y, lab), _purity(y, lab)))
        ag, dis = np.flatnonzero(y == "agree"), np.flatnonzero(y == "disagree")
        if len(ag) and len(dis):
            split.append(np.mean([lab[i] != lab[j] for i in ag for j in dis]))
    mean_nmi, mean_purity = np.mean(scores, axis=0)
    assert mean_nmi >= 0.405
    assert mean_purity >= 0.775
    assert np.mean(split) >= 0.87


def test_fnc1_auto_number_of_stances():
    """Auto k on every 5th of those claims (59): the number found and the quality without being told.

    Measured: NMI 0.402, purity 0.782, true number of stances found for 44% (26 of 59). On all 295
    (python bench/quality.py --only stance): NMI 0.402, purity 0.770, 45% equal. The number found is at
    chance level on FNC-1 (2 and 3 stances are about equally frequent; always 2 would be right for 51%):
    the floor on it only guards against a collapse (e.g. one stance everywhere). Before the refuting /
    reported-speech cues: 0.407 / 0.775, 47% (51% on this subset); the silhouette rule: 0.389 / 0.771, 33%.
    """
    groups = _fnc_groups()[::5]
    res = []
    for texts, y in groups:
        m = StanceModel(random_state=0).fit(texts)
        res.append((nmi(y, m.labels_), _purity(y, m.labels_), m.n_stances_ == len(set(y))))
    mean_nmi, mean_purity, equal = np.mean(res, axis=0)
    assert mean_nmi >= 0.37
    assert mean_purity >= 0.77
    assert equal >= 0.40
