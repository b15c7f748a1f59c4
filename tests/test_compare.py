"""narratives.compare on hand-made frames (exact numbers) and on real text (sample articles, AllSides)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from narratives import compare as C

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").glob("*.txt"))}
SHARED = ROOT.parent / "shared" / "data"
DEMO = SHARED / "allsides" / "demo_12sources_2019_2020.csv.xz"


def make_frame(rows):
    """rows: (id, source, published ISO or None, topic or None, stance or None)."""
    df = pd.DataFrame(rows, columns=["id", "source", "published", "topic", "stance"])
    df["title"] = [f"title {i}" for i in df["id"]]
    df["url"] = [f"https://example.org/{i}" for i in df["id"]]
    df["source"] = df["source"].astype("str")
    df.loc[[r[1] is None for r in rows], "source"] = pd.NA
    df["published"] = pd.to_datetime(df["published"])
    df["topic"] = df["topic"].astype("Int64")
    df["stance"] = df["stance"].astype("Int64")
    df["topic_label"] = df["topic"].map(lambda t: "" if pd.isna(t) else f"topic{t}")
    df["stance_label"] = df["stance"].map(lambda s: pd.NA if pd.isna(s) else f"stance{s}")
    return df


@pytest.fixture
def frame():
    return make_frame([
        (1, "A", "2024-01-05", 0, 0),
        (2, "A", "2024-01-02", 0, 1),
        (3, "A", "2024-01-03", 1, 2),
        (4, "A", None, 1, 2),
        (5, "B", "2024-01-01", 1, 3),
        (6, "B", "2024-01-04", 0, 0),
        (7, None, "2024-01-02", 0, 0),
        (8, "C", "2024-01-02", 0, None),
        (9, "C", "2024-01-09", None, None),
    ])


# ------------------------------------------------------------------ source x topic
def test_source_topic_shares_per_source(frame):
    st = C.source_topic_matrix(frame)
    assert st.unassigned == 1
    assert set(st.values.index) == {"A", "B", "C", C.UNKNOWN_SOURCE}
    assert st.values.index[0] == "A"                       # busiest source first
    assert st.values.loc["A", 0] == pytest.approx(0.5)
    assert st.values.loc["B", 1] == pytest.approx(0.5)
    np.testing.assert_allclose(st.values.sum(axis=1), 1.0)
    assert st.counts.loc["A", 1] == 2 and st.counts.loc["C", 1] == 0
    assert st.thin.loc["A", 1] and not st.thin.loc["C", 1]     # empty cells are not "thin", just empty
    assert st.labels == {0: "topic0", 1: "topic1"}
    long = st.long()
    assert len(long) == 8 and long["articles"].sum() == 8


def test_source_topic_other_normalisations(frame):
    by_topic = C.source_topic_matrix(frame, normalise="topic")
    np.testing.assert_allclose(by_topic.values.sum(axis=0), 1.0)
    counts = C.source_topic_matrix(frame, normalise=None)
    assert counts.values.loc["A", 0] == 2
    with pytest.raises(ValueError):
        C.source_topic_matrix(frame, normalise="bogus")


def test_empty_and_unclustered_frames(frame):
    empty = frame.iloc[0:0]
    assert C.source_topic_matrix(empty).values.empty
    assert C.stance_mix(empty).empty
    assert C.first_coverage(empty).empty
    unclustered = frame.assign(topic=pd.array([pd.NA] * len(frame), dtype="Int64"))
    st = C.source_topic_matrix(unclustered)
    assert st.values.empty and st.unassigned == len(frame)
    assert st.long().empty


def test_topic_names_disambiguates_duplicate_labels(frame):
    frame["topic_label"] = "same words"
    assert C.topic_names(frame) == {0: "same words (#0)", 1: "same words (#1)"}


# ------------------------------------------------------------------ stance mix
def test_stance_mix_shares_add_up(frame):
    mix = C.stance_mix(frame)
    per = mix.groupby(["source", "topic"])["share"].sum()
    np.testing.assert_allclose(per.values, 1.0)
    a0 = mix[(mix.source == "A") & (mix.topic == 0)]
    assert sorted(a0["stance_label"]) == ["stance0", "stance1"]
    assert "(no stance)" in set(mix[mix.source == "C"]["stance_label"])
    overall = C.stance_mix(frame, by_topic=False)
    np.testing.assert_allclose(overall.groupby("source")["share"].sum().values, 1.0)
    assert overall[overall.source == "A"]["articles"].sum() == 4


# ------------------------------------------------------------------ first coverage
def test_first_coverage_earliest_dated_and_counts_undated(frame):
    fc = C.first_coverage(frame).set_index("topic")
    # topic 0: dated 1(01-05) 2(01-02) 6(01-04) 7(01-02, unknown) 8(01-02) -> id 2 first, ties same day
    assert fc.loc[0, "id"] == 2 and fc.loc[0, "source"] == "A"
    assert fc.loc[0, "same_day"] == f"{C.UNKNOWN_SOURCE}, C"
    assert fc.loc[0, "undated"] == 0 and fc.loc[0, "articles"] == 5
    # topic 1: B on 01-01 beats A; A's undated article is counted, not used
    assert fc.loc[1, "id"] == 5 and fc.loc[1, "source"] == "B"
    assert fc.loc[1, "undated"] == 1 and fc.loc[1, "sources"] == 2
    assert fc.loc[1, "published"] == pd.Timestamp("2024-01-01")


def test_first_coverage_topic_with_only_undated_articles():
    f = make_frame([(1, "A", None, 0, None), (2, "B", None, 0, None), (3, "A", "2024-02-01", 1, None)])
    fc = C.first_coverage(f).set_index("topic")
    assert pd.isna(fc.loc[0, "source"]) and pd.isna(fc.loc[0, "id"]) and fc.loc[0, "undated"] == 2
    assert fc.index[-1] == 0          # undatable topics sort last


def test_frame_functions_on_100k_rows():
    rng = np.random.RandomState(0)
    n = 100_000
    f = make_frame([(i, f"S{rng.randint(40)}", None, int(rng.randint(60)), int(rng.randint(4)))
                    for i in range(n)])
    f["published"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.randint(0, 900, n), unit="D")
    st = C.source_topic_matrix(f)
    C.stance_mix(f)
    fc = C.first_coverage(f)
    assert st.counts.values.sum() == n and len(fc) == 60


# ------------------------------------------------------------------ distinguishing terms
def test_distinguishing_terms_log_odds_direction_and_prior():
    a = ["the tariff war hurts farmers and the tariff on soybeans"] * 6 + ["farmers talk about rain"]
    b = ["the vaccine trial shows the vaccine works"] * 6 + ["farmers talk about rain"]
    dt = C.distinguishing_terms(a, b, n=5, min_count=1)
    top_a = dt[dt.side == "a"]
    top_b = dt[dt.side == "b"]
    assert top_a.iloc[0]["term"] == "tariff" and top_a.iloc[0]["count_a"] == 12
    assert top_b.iloc[0]["term"] == "vaccine" and top_b.iloc[0]["count_b"] == 12
    assert (top_a["z"] > 0).all() and (top_b["z"] < 0).all()
    assert "rain" not in set(dt["term"])                     # shared equally: z ~ 0, not distinguishing
    assert top_a["z"].is_monotonic_decreasing
    # the prior shrinks: a much stronger prior gives smaller |z| for the same counts
    strong = C.distinguishing_terms(a, b, n=5, min_count=1, prior=1e6)
    assert abs(strong.iloc[0]["z"]) < abs(top_a.iloc[0]["z"])


def test_distinguishing_terms_degenerate_inputs():
    assert C.distinguishing_terms([], ["some text here"]).empty
    assert C.distinguishing_terms(["the and of"], ["it is the"]).empty       # only stop words
    assert list(C.distinguishing_terms([None, ""], ["x"]).columns) == \
        ["term", "z", "delta", "count_a", "count_b", "side"]


def test_distinguishing_terms_on_real_outlets():
    df = pd.read_csv(DEMO, usecols=["source", "text"])
    reason = df.loc[df.source == "Reason", "text"].tolist()
    rest = df.loc[df.source != "Reason", "text"].tolist()
    dt = C.distinguishing_terms(reason, rest, n=15)
    a_terms = set(dt[dt.side == "a"]["term"])
    # libertarian magazine vs the news wires: its own vocabulary vs the horse race
    assert a_terms & {"libertarian", "marijuana", "surveillance", "amendment", "government"}
    assert "trump" in set(dt[dt.side == "b"]["term"])
    assert not a_terms & {"com", "https", "it"}          # URL debris and contractions are not terms


# ------------------------------------------------------------------ stance evidence
def test_stance_evidence_uses_stance_sentences_and_mapping(frame):
    texts = {1: "Officials denied the report on Friday. The weather was fine.",
             2: "“We reject these claims,” the spokesperson said. Nothing else happened here today.",
             6: "B says something else entirely and confirmed it."}
    ev = C.stance_evidence(texts, frame, "A", 0, limit=2)
    assert set(ev["id"]) <= {1, 2} and not ev.empty
    assert ev["sentence"].str.contains("denied|reject").any()
    assert not ev["sentence"].str.contains("weather").any()
    assert list(ev.columns) == ["id", "title", "published", "url", "stance_label", "sentence"]
    assert C.stance_evidence(texts, frame, "nobody", 0).empty
    assert C.stance_evidence(texts, frame, "A", None).empty


# ------------------------------------------------------------------ sentences and alignment
def test_split_sentences_keeps_abbreviations_and_paragraphs():
    s, p = C.split_sentences("Mr. Smith went to the U.S. Senate. He said no!\n\nA heading\nLast one? Yes.")
    assert s == ["Mr. Smith went to the U.S. Senate.", "He said no!", "A heading", "Last one?", "Yes."]
    assert p == [0, 0, 1, 2, 2]
    assert C.split_sentences("") == ([], [])


def test_align_identical_and_empty():
    text = SAMPLE["002"]
    al = C.align_passages(text, text)
    assert al.similarity == pytest.approx(1.0)
    # only page furniture ("Breaking", "Post Comment": < 3 words) is left unmatched, on both sides alike
    assert al.only_a == al.only_b
    assert all(len(al.sentences_a[i].split()) < C.MIN_SAME_WORDS for i in al.only_a)
    assert all(p.kind == "same" and p.index_a == p.index_b for p in al.pairs)
    empty = C.align_passages("", text)
    assert empty.pairs == [] and empty.similarity == 0.0 and len(empty.only_b) == len(empty.sentences_b)
    assert C.similarity(None, None) == 0.0


def test_align_wire_copy_with_edits():
    """A wire story re-run with light edits: changed words stay "same", a rewrite is a paraphrase."""
    a = SAMPLE["003"]
    b = (a.replace("on Thursday, denied claims", "on Thursday denied the claims")
          .replace("Deadly Attacks and Heightened Security\n", "")
          .replace("The FO’s clarification followed remarks by China’s envoy expressing frustration over "
                   "these attacks.",
                   "Her clarification came after China's ambassador voiced frustration about the attacks.")
         + "\nThis paragraph was added by the second outlet and appears nowhere else.")
    al = C.align_passages(a, b)
    def kind_of(start):
        return [p.kind for p in al.pairs if al.sentences_a[p.index_a].startswith(start)]

    assert kind_of("Pakistan’s Foreign Office (FO), on Thursday") == ["same"]      # one edited clause
    assert kind_of("The FO’s clarification followed") == ["paraphrase"]          # rewritten sentence
    assert [al.sentences_a[i] for i in al.only_a] == ["Deadly Attacks and Heightened Security"]
    assert al.sentences_b[al.only_b[-1]].startswith("This paragraph was added")
    assert 0.85 < al.similarity < 1.0
    # one-to-one and ordered by A
    assert len({p.index_b for p in al.pairs}) == len(al.pairs)
    assert [p.index_a for p in al.pairs] == sorted(p.index_a for p in al.pairs)
    assert list(al.table().columns) == ["pair", "kind", "score", "sentence_a", "sentence_b"]


def test_align_sample_articles_shared_vs_unrelated():
    """002 and 003 report the same denial in other words; 000 (trafficking) and 004 share little."""
    al = C.align_passages(SAMPLE["002"], SAMPLE["003"])
    pairs = {(al.sentences_a[p.index_a][:40], al.sentences_b[p.index_b][:40]) for p in al.pairs}
    assert ("Meanwhile, Pakistan's Foreign Office Spo", "FO Spokesperson Mumtaz Zahra Baloch call") in pairs
    assert all(p.kind == "paraphrase" for p in al.pairs)
    unrelated = C.similarity(SAMPLE["000"], SAMPLE["004"])
    assert unrelated < 0.01 < al.similarity
    # headings never pair on shared topic words alone
    for p in al.pairs:
        assert al.sentences_a[p.index_a].rstrip()[-1] in ".!?…:\"”’'"


def test_align_real_wire_story_reprinted():
    """Reuters story and The Guardian's edited reprint of it (AllSides demo corpus)."""
    df = pd.read_csv(DEMO, usecols=["ID", "text"]).set_index("ID")["text"]
    al = C.align_passages(df["Vwtbo94QbhCojfdb"], df["SU71oJG2tNQT60RV"])
    assert al.similarity > 0.8
    assert sum(p.kind == "same" for p in al.pairs) >= 0.7 * len(al.sentences_a)
    other = C.similarity(df["Vwtbo94QbhCojfdb"], df["BrOhhC9Ql8U6s0SC"])
    assert other < 0.2


def test_align_is_deterministic_and_bounded():
    long_a = " ".join(f"Sentence number {i} talks about topic {i % 7} in detail." for i in range(4000))
    al = C.align_passages(long_a, long_a)
    assert len(al.sentences_a) == 4000
    assert C.align_passages(SAMPLE["002"], SAMPLE["003"]) == C.align_passages(SAMPLE["002"], SAMPLE["003"])


def test_distinguishing_terms_can_leave_out_outlet_names():
    a = ["Associated Press reports the tariff news, AP photo"] * 5
    b = ["the vaccine trial shows the vaccine works"] * 5
    words = C.name_words("Associated Press", "The Hill")
    assert {"associated", "press", "ap", "hill", "th"} <= words
    dt = C.distinguishing_terms(a, b, n=10, min_count=1, exclude=words)
    assert "tariff" in set(dt["term"])
    assert not any(set(t.split()) & {"associated", "press", "ap"} for t in dt["term"])


def test_term_counts_tokenise_like_count_vectorizer():
    """_count_terms (one Counter) gives exactly CountVectorizer's unigram + bigram counts, stop words dropped
    before the bigrams are made, on real articles with punctuation, digits and accents."""
    from sklearn.feature_extraction.text import CountVectorizer

    df = pd.read_csv(DEMO, usecols=["text"]).head(60)
    texts = df["text"].tolist() + list(SAMPLE.values()) + ["Café déjà-vu 2024: it's U.S. news, isn't it?"]
    vec = CountVectorizer(lowercase=True, stop_words=C._stop_words(), token_pattern=C._TOKEN,
                          ngram_range=(1, 2), dtype=np.int64)
    X = vec.fit_transform(texts)
    want = dict(zip(vec.get_feature_names_out(), np.asarray(X.sum(axis=0)).ravel().tolist()))
    assert dict(C._count_terms(texts)) == want


def test_sampling_ids_first_reads_the_same_articles():
    """The Source comparison page samples ids with cap_sample (seed 0 for side a, 1 for side b) and reads only
    those texts; distinguishing_terms over all texts samples the same positions, so the terms are identical."""
    df = pd.read_csv(DEMO, usecols=["source", "text"])
    df = df[df["text"].str.strip().astype(bool)]
    a = df.loc[df.source == "Reuters", "text"].tolist()
    b = df.loc[df.source != "Reuters", "text"].tolist()
    cap = 40
    assert len(a) > cap and len(b) > cap
    whole = C.distinguishing_terms(a, b, n=10, max_docs=cap)
    ids_a, ids_b = C.cap_sample(range(len(a)), cap, 0), C.cap_sample(range(len(b)), cap, 1)
    assert len(ids_a) == len(ids_b) == cap
    sampled = C.distinguishing_terms([a[i] for i in ids_a], [b[i] for i in ids_b], n=10, max_docs=cap)
    pd.testing.assert_frame_equal(whole, sampled)
    assert C.cap_sample(range(5), cap, 0) == list(range(5))          # small sides are kept whole, in order
