"""dedupe: re-scraped copies hash equal, edited copies are near-duplicates, unrelated texts are not."""
import numpy as np
from hypothesis import given, settings, strategies as st

from narratives import dedupe

BASE = ("Pakistan and China are discussing security measures for Chinese nationals amid threats from "
        "separatist militants in Balochistan. Ambassador Khalil Hashmi stated Pakistan's commitment to "
        "ensuring their safety and mentioned ongoing talks to allow Chinese security personnel. The "
        "discussions follow previous attacks on Chinese workers, highlighting the urgency of protection.")


def test_normalise_collapses_formatting():
    messy = "  PAKISTAN\u00ad and   China\n\nare  discussing—security “measures”!  "
    assert dedupe.normalise(messy) == "pakistan and china are discussing security measures"
    assert dedupe.normalise("ﬁnance") == "finance"  # NFKC ligature


def test_content_hash_equal_for_rescraped_copy():
    copy = BASE.upper().replace(" ", "  \n").replace("'", "\u2019").replace("security", "secu\u00adrity")
    assert dedupe.content_hash(copy) == dedupe.content_hash(BASE)
    assert dedupe.content_hash(BASE + " Extra.") != dedupe.content_hash(BASE)
    assert dedupe.fingerprint(BASE)[0] == dedupe.content_hash(BASE)


def _shingles(text: str) -> set[int]:
    return set(dedupe._shingle_hashes(dedupe.normalise(text).encode()).tolist())


def test_signature_estimates_jaccard_of_the_shingle_sets():
    """The one-permutation signature estimates the Jaccard similarity of two texts' 5-shingle sets as well
    as 128 independent permutations would (standard error ~0.04), for long and for short texts (where
    most bins are borrowed), and across the near-duplicate threshold."""
    import random
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(3000)]
    errors = []
    for n_words in (40, 150, 900):
        for keep in (0.3, 0.6, 0.8, 0.9, 0.97):
            a = [rng.choice(vocab) for _ in range(n_words)]
            b = [w if rng.random() < keep else rng.choice(vocab) for w in a]
            ta, tb = " ".join(a), " ".join(b)
            sa, sb = _shingles(ta), _shingles(tb)
            true = len(sa & sb) / len(sa | sb)
            errors.append(dedupe.jaccard(dedupe.signature(ta), dedupe.signature(tb)) - true)
    errors = np.array(errors)
    assert abs(errors.mean()) < 0.03, errors        # unbiased
    assert np.abs(errors).max() < 0.15, errors      # no estimate far off
    sig = dedupe.signature(BASE)
    assert len(sig) == 128 * 4 and dedupe.jaccard(sig, sig) == 1.0


def test_store_recomputes_signatures_of_an_older_kind(tmp_path):
    """A store written before SIGNATURE_VERSION gets every signature recomputed once on open, so a new
    syndicated copy is still found as a near-duplicate of an article stored before the upgrade."""
    from narratives.records import Article
    from narratives.store import Store, meta
    import sqlalchemy as sa
    url = f"sqlite:///{tmp_path}/old.db"
    store = Store(url)
    (r,) = store.add_articles([Article(title="Talks", text=BASE, file_name="a.txt")])
    with store.engine.begin() as conn:   # what a version-1 store looks like: other signature values
        conn.execute(sa.text("UPDATE articles SET minhash = :m"), {"m": bytes(512)})
        conn.execute(meta.update().where(meta.c.key == "minhash_signature").values(value=1))
    store.close()
    store = Store(url)
    with store.engine.connect() as conn:
        assert bytes(conn.execute(sa.text("SELECT minhash FROM articles")).scalar()) == dedupe.signature(BASE)
        assert conn.execute(sa.select(meta.c.value).where(meta.c.key == "minhash_signature")).scalar() == \
            dedupe.SIGNATURE_VERSION
    (copy,) = store.add_articles([Article(title="Talks (syndicated)", text=BASE + " The talks go on next week.",
                                          file_name="b.txt")])
    assert copy.status == "near_duplicate" and copy.duplicate_of == r.article_id


def test_near_duplicate_found_through_the_store_bands(tmp_path):
    """An edited copy is a near-duplicate of its original (estimate in [0.8, 1)); other texts are not."""
    from narratives.records import Article
    from narratives.store import Store
    store = Store(f"sqlite:///{tmp_path}/n.db")
    other = "The central bank raised interest rates by a quarter point to fight inflation, markets fell."
    r_other, r_base = store.add_articles([Article(title="Rates", text=other, file_name="o.txt"),
                                          Article(title="Talks", text=BASE, file_name="b.txt")])
    edited, unrelated = store.add_articles([
        Article(title="Talks again", text=BASE + " The talks will continue next week.", file_name="e.txt"),
        Article(title="Cup", text="Completely different words about football and the cup final.", file_name="c.txt")])
    assert edited.status == "near_duplicate" and edited.duplicate_of == r_base.article_id
    assert 0.8 <= store.get_article(edited.article_id).similarity < 1.0
    assert unrelated.status == "added" and r_other.status == "added"


def test_short_and_empty_texts_do_not_crash():
    assert len(dedupe.signature("")) == 512
    assert len(dedupe.signature("two words")) == 512
    assert dedupe.jaccard(dedupe.signature("two words"), dedupe.signature("Two, words!")) == 1.0


def _defined_words(text: str) -> list[str]:
    """The definition normalise() implements: \\w+ runs of the NFKC-normalised, casefolded text without
    soft hyphens or zero-width characters."""
    import re
    import unicodedata
    return re.findall(r"\w+", dedupe._INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold())


@settings(max_examples=700, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_normalised_bytes_equal_the_word_definition(text):
    """Both fast paths (ASCII text: one bytes translate; other text: NFKC + casefold + one regex sub, then
    the same translate on its UTF-8; runs of spaces collapsed in numpy) give exactly the defined words."""
    assert dedupe._normalised_bytes(text) == " ".join(_defined_words(text)).encode("utf-8")
    assert dedupe.normalise(text + " \u00e9t\u00e9 \u00a9 2024") == " ".join(
        _defined_words(text) + ["\u00e9t\u00e9", "2024"])
    assert dedupe.normalise(text + " \u00a9 Caf\u00e9") == " ".join(_defined_words(text) + ["café"])


def test_word_hash_does_not_depend_on_position():
    """A word hashes the same wherever it stands (shared words are what makes shared shingles)."""
    a = dedupe._word_hashes(b"pakistan china talks security")
    b = dedupe._word_hashes(b"security x pakistan talks china")
    assert sorted(a.tolist()) == sorted(b[[0, 2, 3, 4]].tolist())
    assert len(set(a.tolist())) == 4
    long = " ".join(["w"] * 50_000).encode() + b" pakistan"   # beyond the first power table: grows it
    assert dedupe._word_hashes(long)[-1] == a[0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=60),
                          st.lists(st.sampled_from(["pakistan", "china", "talks", "Security", "cpec", "é"]),
                                   max_size=30).map(" ".join)), max_size=12))
def test_batched_fingerprints_equal_one_by_one(texts):
    """fingerprints() shares the numpy work of a batch (texts of 0-4 words included, empty bins filled
    per text) and must give exactly the one-permutation MinHash of each text on its own."""
    assert dedupe.fingerprints(texts) == [dedupe.fingerprint(t) for t in texts]
    assert [sig for _, sig in dedupe.fingerprints(texts)] == [_reference_signature(t) for t in texts]


def _reference_signature(text: str) -> bytes:
    """One text's signature the plain way: its shingle hashes, mixed; per bin the minimum."""
    import numpy as np
    hv = dedupe._fmix32(dedupe._shingle_hashes(dedupe._normalised_bytes(text)))
    sig = np.full(dedupe.NUM_PERM, dedupe._EMPTY, dtype=np.uint32)
    for h in hv.tolist():
        b, v = h & (dedupe.NUM_PERM - 1), h >> dedupe._BIN_BITS
        sig[b] = min(int(sig[b]), v)
    return _reference_fill(sig).astype("<u4").tobytes()


def _reference_fill(sig):
    """Rotation densification the plain way: an empty bin takes the next filled bin's value (circularly),
    tagged with the distance in the top 7 bits."""
    out = sig.copy()
    n = dedupe.NUM_PERM
    for j in range(n):
        if sig[j] == dedupe._EMPTY:
            d = next((d for d in range(1, n) if sig[(j + d) % n] != dedupe._EMPTY), None)
            if d is not None:
                out[j] = int(sig[(j + d) % n]) | (d << (32 - dedupe._BIN_BITS))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, (1 << 25) - 1)), min_size=128, max_size=128),
                min_size=1, max_size=6))
def test_empty_bins_filled_for_many_rows_as_one_by_one(rows):
    """The batched fill (all texts of a batch at once) equals the plain rule row by row, and on one row alone,
    empty bins at either end and rows with one filled bin included; a row with no filled bin is left alone."""
    import numpy as np
    sig = np.array([[dedupe._EMPTY if v is None else v for v in row] for row in rows], dtype=np.uint32)
    got = dedupe._fill_empty_bins_rows(sig.copy())
    for k in range(len(rows)):
        assert got[k].tolist() == _reference_fill(sig[k]).tolist()
        assert dedupe._fill_empty_bins_rows(sig[k:k + 1].copy())[0].tolist() == _reference_fill(sig[k]).tolist()


def test_batched_fingerprints_cross_batch_boundaries(monkeypatch):
    monkeypatch.setattr(dedupe, "FINGERPRINT_BATCH", 3)
    texts = [f"story {i} " + "pakistan china corridor security talks " * i for i in range(8)] + ["", "one"]
    assert dedupe.fingerprints(texts) == [dedupe.fingerprint(t) for t in texts]
