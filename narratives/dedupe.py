"""Exact and near-duplicate detection.

Exact duplicates: sha256 of the normalised text, so a re-scraped copy with different whitespace, quotes,
soft hyphens or letter case hashes the same. Near duplicates (syndicated copies, lightly edited re-posts):
128-value MinHash signatures over word 5-shingles, LSH-banded in the store (9 bands of 13 values).

Speed matters (ingest must do > 2,000 articles/s): the normalised text is hashed as bytes, all its words
at once with numpy (a polynomial hash per word), the 5-shingle hashes are combined with numpy, and the
signature is one-permutation hashing (each shingle hash falls into one of 128 bins, a bin keeps its
minimum; empty bins borrow from the next filled one, "rotation densification", Shrivastava & Li 2014),
which estimates Jaccard like 128 separate permutations at a fraction of the cost (~0.01 ms instead of
~0.07 ms and a 900 x 128 temporary an article). Stored signatures carry
SIGNATURE_VERSION; a store recomputes older ones from the stored texts once (store.Store._create_schema).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence

import numpy as np

NUM_PERM = 128
SHINGLE = 5
SEED = 1
THRESHOLD = 0.8

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_MULT = np.uint32(0x01000193)  # FNV prime: mixes the 5 word hashes of a shingle


def normalise(text: str) -> str:
    """NFKC, casefold, drop soft hyphens/zero-width chars, keep only words separated by one space: the
    \\w+ runs of that text joined by " " (tests/test_dedupe.py holds this definition to the fast paths)."""
    return _normalised_bytes(text).decode("utf-8")


_PUNCT = ("\u2019\u201c\u201d\u2014\u2018\u2013\u2026\u00a0\u2022\u00ab\u00bb\u201a\u201e\u2032\u2033"
          "\u00a9\u00ae\u00b0\u00b6\u00b7\u20ac\u00a3")   # (c) (R) degree pilcrow middle-dot euro pound
_NON_ASCII_NONWORD = re.compile(r"[^\w\x00-\x7f]+")


def space_punctuation(text: str) -> str:
    """The text with the punctuation of _PUNCT (never part of a word, nor made one by NFKC/NFKD) replaced
    by spaces: the words are the same, and most news texts become ASCII, for which fast paths exist."""
    for c in _PUNCT:
        if c in text:
            text = text.replace(c, " ")
    return text


def fingerprint(text: str) -> tuple[str, bytes]:
    """(content_hash, signature) normalising only once: the store's hot path."""
    nb = _normalised_bytes(text)
    return hashlib.sha256(nb).hexdigest(), _signature_of(nb)


def content_hash(text: str) -> str:
    """sha256 hex of the normalised text: equal for copies that differ only in formatting."""
    return hashlib.sha256(_normalised_bytes(text)).hexdigest()


def _normalised_bytes(text: str) -> bytes:
    """normalise(text) as UTF-8, built on bytes. ASCII text (after the never-a-word punctuation is spaced)
    is one translate (lower-case, non-word -> space); other text is NFKC + casefold + one regex sub
    (non-ASCII non-word -> space) first, then the same translate on its UTF-8 (a str.translate on non-ASCII
    text cost ~0.7 ms an article). Then the runs of spaces are collapsed."""
    t = space_punctuation(text or "")
    if t.isascii():
        return _collapse_spaces(t.encode("ascii").translate(_ASCII_BYTES_WORDS))
    t = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return _collapse_spaces(_NON_ASCII_NONWORD.sub(" ", t).encode("utf-8").translate(_ASCII_BYTES_WORDS))


def _collapse_spaces(b: bytes) -> bytes:
    """b" ".join(b.split()) for bytes whose only whitespace byte is the space (what _ASCII_BYTES_WORDS
    leaves), in numpy: a space stays only after a non-space, and a trailing one goes (~3x faster than
    split + join, which build a bytes object per word)."""
    a = np.frombuffer(b, dtype=np.uint8)
    if not len(a):
        return b""
    word = a != 32
    keep = word.copy()
    keep[1:] |= word[:-1]
    out = a[keep]
    if len(out) and out[-1] == 32:
        out = out[:-1]
    return out.tobytes()


_ASCII_BYTES_WORDS = bytes((c | 0x20 if 65 <= c <= 90 else c) if (chr(c).isalnum() or c == 95) else 32
                           for c in range(128)) + bytes(range(128, 256))

# Word hashes: a polynomial hash of each word's UTF-8 bytes mod 2**64, all words of a text at once with
# numpy (prefix sums of byte * P**i; a word's hash is its slice's sum times P**-start, so it does not
# depend on where the word sits). P is odd, hence invertible mod 2**64. Power tables grow on demand.
_P = 0x100000001B3
_P_INV = pow(_P, -1, 1 << 64)
_POWERS = np.ones(0, dtype=np.uint64)
_INV_POWERS = np.ones(0, dtype=np.uint64)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    global _POWERS, _INV_POWERS
    if len(_POWERS) < n:
        size = max(n, 2 * len(_POWERS), 1 << 14)
        with np.errstate(over="ignore"):
            pw = np.ones(size, dtype=np.uint64)
            pw[1:] = np.cumprod(np.full(size - 1, _P, dtype=np.uint64))
            inv = np.ones(size, dtype=np.uint64)
            inv[1:] = np.cumprod(np.full(size - 1, _P_INV, dtype=np.uint64))
        _POWERS, _INV_POWERS = pw, inv
    return _POWERS, _INV_POWERS


def _word_hashes(nb: bytes) -> np.ndarray:
    """uint32 hash of every word of a normalised text (words separated by single spaces)."""
    return _word_hashes_and_spaces(nb)[0]


def _word_hashes_and_spaces(nb: bytes) -> tuple[np.ndarray, np.ndarray]:
    """_word_hashes(nb) and the positions of its spaces (which _signatures_of counts words with)."""
    a = np.frombuffer(nb, dtype=np.uint8)
    pw, inv = _powers(len(a) + 1)
    spaces = np.flatnonzero(a == 32)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(a)]))
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(a) + 1, dtype=np.uint64)
        np.cumsum(a * pw[:len(a)], out=prefix[1:])
        h = (prefix[ends] - prefix[starts]) * inv[starts]
    return (h >> np.uint64(32)).astype(np.uint32) ^ h.astype(np.uint32), spaces


def _shingle_hashes(nb: bytes) -> np.ndarray:
    """uint32 hash of every word 5-shingle of a normalised text (the whole text as one shingle when shorter)."""
    if not nb:
        return np.zeros(1, dtype=np.uint32)
    wh = _word_hashes(nb)
    n = max(1, len(wh) - SHINGLE + 1)
    h = np.zeros(n, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for k in range(min(SHINGLE, len(wh))):
            h = h * _MULT ^ wh[k:k + n]
    return h


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 finalizer: spreads the combined shingle hash over all 32 bits before binning."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


SIGNATURE_VERSION = 3           # 1: datasketch-style 128 permutations; 2: one-permutation hashing;
                                # 3: same, over vectorised polynomial word hashes instead of crc32
_BIN_BITS = 7                   # 128 bins
_EMPTY = np.uint32(0xFFFFFFFF)
_BINS = np.arange(NUM_PERM)


def _signature_of(nb: bytes) -> bytes:
    """One-permutation MinHash: per bin (low 7 bits of the mixed shingle hash) the minimum of the other 25
    bits; an empty bin takes the next filled bin's value (circularly) tagged with the distance in the top
    7 bits, so two texts agree on a borrowed bin only when they borrowed alike."""
    return _signatures_of([nb])[0]


FINGERPRINT_BATCH = 64   # texts whose numpy work fingerprints() does together


def fingerprints(texts: Sequence[str]) -> list[tuple[str, bytes]]:
    """fingerprint() of each text (the same values), with the numpy work done for FINGERPRINT_BATCH texts
    at a time: at news-article sizes the ~30 numpy calls a signature makes cost more than their
    arithmetic (fingerprint of an AllSides article: 198 -> 143 us)."""
    out: list[tuple[str, bytes]] = []
    for i in range(0, len(texts), FINGERPRINT_BATCH):
        nbs = [_normalised_bytes(t) for t in texts[i:i + FINGERPRINT_BATCH]]
        out += [(hashlib.sha256(nb).hexdigest(), sig) for nb, sig in zip(nbs, _signatures_of(nbs))]
    return out


def _signatures_of(nbs: list[bytes]) -> list[bytes]:
    """The signatures of normalised texts, in one pass: the texts' words are hashed joined by a space (a word
    never spans two texts, and its hash does not depend on where it stands), the 5-shingles of each text
    with 5 or more words are folded at once, and the per-bin minima of all texts come from one
    minimum.at over (text, bin). Texts of 0-4 words (one partial shingle) go through _shingle_hashes."""
    lengths = np.array([len(nb) for nb in nbs], dtype=np.int64)
    joined = b" ".join(nb for nb in nbs if nb)
    n_words = np.zeros(len(nbs), dtype=np.int64)
    if joined:
        wh, spaces = _word_hashes_and_spaces(joined)
        # a text's words = the spaces inside its span of `joined`, plus one (bytes.count per text cost more)
        nonempty = lengths > 0
        filled = lengths[nonempty]
        begin = np.cumsum(filled + 1) - (filled + 1)
        n_words[nonempty] = np.searchsorted(spaces, begin + filled) - np.searchsorted(spaces, begin) + 1
    else:
        wh = np.zeros(0, dtype=np.uint32)
    first = np.concatenate(([0], np.cumsum(n_words)[:-1]))
    long_ = np.flatnonzero(n_words >= SHINGLE)
    counts = n_words[long_] - SHINGLE + 1                              # shingles of each long text
    owner = np.repeat(long_, counts)
    starts = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + first[owner]
    h = np.zeros(len(starts), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for k in range(SHINGLE):
            h = h * _MULT ^ wh[starts + k]
    short = [d for d in range(len(nbs)) if n_words[d] < SHINGLE]
    if short:
        parts = [_shingle_hashes(nbs[d]) for d in short]
        h = np.concatenate([h, *parts])
        owner = np.concatenate([owner, np.repeat(short, [len(x) for x in parts])])
    hv = _fmix32(h)
    sig = np.full(len(nbs) * NUM_PERM, _EMPTY, dtype=np.uint32)
    np.minimum.at(sig, owner * NUM_PERM + (hv & np.uint32(NUM_PERM - 1)), hv >> np.uint32(_BIN_BITS))
    raw = _fill_empty_bins_rows(sig.reshape(len(nbs), NUM_PERM)).astype("<u4").tobytes()
    size = NUM_PERM * 4
    return [raw[d * size:(d + 1) * size] for d in range(len(nbs))]


def _fill_empty_bins_rows(sig: np.ndarray) -> np.ndarray:
    """In every row of an (n, NUM_PERM) array, an empty bin takes the next filled bin's value (circularly)
    tagged with the distance in the top 7 bits. All rows at once: for each bin, the nearest filled bin at or
    after it is a running minimum of filled positions over the row written twice, taken from the right. A
    row with no filled bin (never made: every text has a shingle) stays as it is."""
    empty = sig == _EMPTY
    if not empty.any():
        return sig
    none = 4 * NUM_PERM
    pos = np.where(empty, none, _BINS)
    twice = np.concatenate((pos, pos + NUM_PERM), axis=1)
    nearest = np.minimum.accumulate(twice[:, ::-1], axis=1)[:, ::-1][:, :NUM_PERM]
    ok = nearest < none
    src = np.where(ok, nearest % NUM_PERM, _BINS)
    dist = np.where(ok, nearest - _BINS, 0).astype(np.uint32)
    return np.take_along_axis(sig, src, axis=1) | (dist << np.uint32(32 - _BIN_BITS))


def signature(text: str) -> bytes:
    """MinHash signature as 128 little-endian uint32 values (512 bytes), stored in the articles table."""
    return _signature_of(_normalised_bytes(text))


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4").astype(np.uint32)


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.mean(_values(a) == _values(b)))


# LSH banding as datasketch's MinHashLSH(threshold=0.8, num_perm=128) would choose it: 9 bands of 13 values.
# Two signatures are candidates when one band is equal. The store keeps one 64-bit key per (band, values)
# in an indexed table, so finding candidates is one SQL lookup (no in-memory index to build per process).
BANDS, ROWS = 9, 13
_BAND_BYTES = ROWS * 4


def band_keys(sigs: list[bytes]) -> list[list[int]]:
    """BANDS keys per signature: the band number in the high 32 bits, crc32 of the band's 13 values below.

    The band number is part of the key, so one indexed column holds all bands. A crc32 collision only adds
    a candidate, which the Jaccard check then rejects (at 1M band rows, ~1 in 4,000 lookups), and it is
    ~15x cheaper than a cryptographic digest on the writer's hot path. Persisted (store.minhash_bands):
    changing this function needs a new BAND_KEYS_VERSION so stores rebuild their band rows.
    """
    crc = zlib.crc32
    return [[(b << 32) | crc(sig[b * _BAND_BYTES:(b + 1) * _BAND_BYTES]) for b in range(BANDS)] for sig in sigs]


def band_keys_of(sig: bytes | None) -> list[int] | None:
    """One signature's band keys; None for a missing or malformed signature (nothing to index or look up)."""
    return band_keys([bytes(sig)])[0] if sig and len(sig) == NUM_PERM * 4 else None


BAND_KEYS_VERSION = 3
