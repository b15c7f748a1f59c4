"""dedupe: re-scraped copies hash equal, edited copies are near-duplicates, unrelated texts are not."""
import numpy as np
from datasketch import MinHash
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


def test_signature_equals_datasketch_minhash():
    """The vectorised signature is exactly datasketch's MinHash over the same shingle hashes."""
    words = dedupe.normalise(BASE).split()
    m = MinHash(num_perm=128, seed=dedupe.SEED, hashfunc=int)
    m.update_batch(dedupe._shingle_hashes(words).tolist())
    sig = dedupe.signature(BASE)
    assert len(sig) == 128 * 4
    assert np.array_equal(np.frombuffer(sig, "<u4"), m.hashvalues)


def test_near_duplicate_index():
    idx = dedupe.NearDuplicateIndex()
    other = "The central bank raised interest rates by a quarter point to fight inflation, markets fell."
    idx.add(1, dedupe.signature(other))
    idx.add(2, dedupe.signature(BASE))
    edited = BASE + " The talks will continue next week."
    hit = idx.query(dedupe.signature(edited))
    assert hit is not None and hit[0] == 2 and 0.8 <= hit[1] < 1.0
    assert idx.query(dedupe.signature("Completely different words about football and the cup final.")) is None
    idx.remove(2)
    assert idx.query(dedupe.signature(edited)) is None


def test_short_and_empty_texts_do_not_crash():
    assert len(dedupe.signature("")) == 512
    assert len(dedupe.signature("two words")) == 512
    assert dedupe.jaccard(dedupe.signature("two words"), dedupe.signature("Two, words!")) == 1.0


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_fast_word_split_equals_the_regex_definition(text):
    """_words' fast paths (ASCII translate; non-ASCII: one regex sub + translate) give exactly the words of
    the definition: \\w+ runs of the NFKC-normalised, casefolded text without invisible characters."""
    import unicodedata
    expected = dedupe._WORD.findall(dedupe._INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold())
    assert dedupe._words(text) == expected
    assert dedupe._words(text + " \u00e9t\u00e9 \u00a9 2024") == expected + ["\u00e9t\u00e9", "2024"]
