"""Shared text features for every intelligence model.

One vectoriser feeds all linear heads (sentiment, actionability, intent), so a batch of messages is
turned into features exactly once. Speed matters here (the enrichment target is thousands of
messages per second on one core), so character n-grams are hashed with vectorised numpy arithmetic
over the whole batch instead of a Python loop per n-gram:

* the batch is normalised (lower case, URLs -> ``http``, mentions -> ``@user``, digits -> ``0``),
* the normalised strings are concatenated into one array of code points,
* for every n in ``CHAR_NGRAMS`` a multiplicative hash of the n code points starting at each
  position is computed for all positions at once; n-grams crossing a message boundary are dropped,
* words (``\\w+`` runs plus ``!``/``?`` runs) and word bigrams are hashed with CRC-32 into their own
  block of columns.

Both blocks are weighted with sublinear term frequency times an inverse document frequency learned
at training time and L2-normalised separately (the same as a union of two TF-IDF vectorisers).
The hashing is stable across processes and platforms, so the idf vector and the model weights can
be stored as plain arrays.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

CHAR_BITS = 18
WORD_BITS = 16
N_CHAR = 1 << CHAR_BITS
N_WORD = 1 << WORD_BITS
N_META = 64
N_FEATURES = N_CHAR + N_WORD + N_META
CHAR_NGRAMS = (2, 3, 4, 5)
MAX_CHARS = 1000

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+|[!?]+")

# Odd 64-bit multipliers, one per position inside an n-gram, and a salt per n.
_MULT = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)
_SALT = {n: np.uint64(0x632BE59BD9B4E019 * n & 0xFFFFFFFFFFFFFFFF) for n in CHAR_NGRAMS}


def normalise(text: str) -> str:
    """Lower-case and replace volatile tokens so that similar messages share features."""
    text = _URL.sub(" http ", text[: MAX_CHARS * 2])
    text = _MENTION.sub(" @user ", text)
    text = _DIGIT.sub("0", text.lower())
    return " " + _SPACE.sub(" ", text).strip()[:MAX_CHARS] + " "


def _char_hashes(normalised: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows and bucket ids of every character n-gram in the batch."""
    lengths = np.fromiter((len(s) for s in normalised), dtype=np.int64, count=len(normalised))
    codes = np.frombuffer("".join(normalised).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(normalised), dtype=np.int32), lengths)
    total = codes.shape[0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    mask = np.uint64(N_CHAR - 1)
    with np.errstate(over="ignore"):
        for n in CHAR_NGRAMS:
            if total < n:
                continue
            m = total - n + 1
            h = np.full(m, _SALT[n], dtype=np.uint64)
            for k in range(n):
                h += codes[k : k + m] * _MULT[k]
            h ^= h >> np.uint64(31)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(29)
            valid = doc[:m] == doc[n - 1 : n - 1 + m]
            rows.append(doc[:m][valid])
            cols.append((h[valid] & mask).astype(np.int32))
    if not rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    return np.concatenate(rows), np.concatenate(cols)


def word_tokens(normalised: str) -> list[str]:
    """Unigrams and bigrams of a normalised text (also used to explain predictions)."""
    words = _WORD.findall(normalised)
    return words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]


def _word_bucket(token: str) -> int:
    if token.startswith("\x01"):  # metadata token: its own small block, exempt from normalisation
        return N_CHAR + N_WORD + (zlib.crc32(token.encode("utf-8")) & (N_META - 1))
    return N_CHAR + (zlib.crc32(token.encode("utf-8")) & (N_WORD - 1))


class _BucketCache(dict):
    """token -> column; ``map(cache.__getitem__, tokens)`` stays in C for tokens seen before."""

    limit = 300_000

    def __missing__(self, token: str) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = self[token] = _word_bucket(token)
        return value


_BUCKETS = _BucketCache()


def word_columns(normalised: str) -> tuple[list[str], list[int]]:
    """Word unigram/bigram tokens of a normalised text and their feature columns."""
    toks = word_tokens(normalised)
    return toks, list(map(_BUCKETS.__getitem__, toks))


def _word_hashes(
    normalised: Sequence[str], extra: Sequence[Sequence[str]] | None = None,
    keep: list[list[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the word block; ``keep`` collects each text's tokens (for explanations)."""
    get = _BUCKETS.__getitem__
    lengths: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(normalised):
        toks = word_tokens(text)
        if keep is not None:
            keep.append(toks[:])
        if extra is not None and extra[i]:
            toks.extend(extra[i])
        cols.extend(map(get, toks))
        lengths.append(len(toks))
    rows = np.repeat(np.arange(len(normalised), dtype=np.int32), lengths)
    return rows, np.asarray(cols, dtype=np.int32)


def meta_token(name: str, value: str) -> str:
    """A metadata feature (e.g. the message source) that cannot collide with a word."""
    return f"\x01{name}={value.lower()}"


def count_matrix(
    texts: Sequence[str], extra: Sequence[Sequence[str]] | None = None, keep: list[list[str]] | None = None
) -> sp.csr_matrix:
    """Raw n-gram counts (characters and words) of already normalised texts.

    ``extra`` adds per-text tokens to the word block (metadata such as ``meta_token("src", "web")``).
    Duplicates are summed with one ``np.unique`` over ``row << 20 | column`` keys, which is several
    times faster than scipy's COO to CSR conversion for this shape.
    """
    r1, c1 = _char_hashes(texts)
    r2, c2 = _word_hashes(texts, extra, keep)
    keys = np.concatenate([r1, r2]).astype(np.int64) << 20
    keys |= np.concatenate([c1, c2]).astype(np.int64)
    uniq, counts = np.unique(keys, return_counts=True)
    rows = (uniq >> 20).astype(np.int64)
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
    return sp.csr_matrix(
        (counts.astype(np.float32), (uniq & ((1 << 20) - 1)).astype(np.int32), indptr),
        shape=(len(texts), N_FEATURES),
    )


def _block_normalise(x: sp.csr_matrix) -> None:
    """L2-normalise the character block and the word block of every row in place.

    Metadata columns (``meta_token``) are set to 1.0: the source of a message is one fact, not a
    term to be weighed against the words.
    """
    block = (x.indices >= N_CHAR).astype(np.int64) + (x.indices >= N_CHAR + N_WORD)
    meta = block == 2
    data = x.data.astype(np.float64)
    data[meta] = 1.0
    row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    key = row * 3 + block
    sums = np.bincount(key, weights=data**2, minlength=x.shape[0] * 3)
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    norms[2::3] = 1.0
    x.data = (data / norms[key]).astype(np.float32)


@dataclass
class Featurizer:
    """TF-IDF over hashed character and word n-grams; ``idf`` is learned by ``fit``."""

    idf: np.ndarray | None = None

    def fit(self, texts: Sequence[str], extra: Sequence[Sequence[str]] | None = None) -> Featurizer:
        counts = count_matrix([normalise(t) for t in texts], extra)
        df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float64)
        n = counts.shape[0]
        self.idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        return self

    def transform(
        self,
        texts: Sequence[str],
        extra: Sequence[Sequence[str]] | None = None,
        normalised: Sequence[str] | None = None,
        keep_tokens: list[list[str]] | None = None,
    ) -> sp.csr_matrix:
        if self.idf is None:
            raise RuntimeError("Featurizer is not fitted")
        norm = list(normalised) if normalised is not None else [normalise(t) for t in texts]
        x = count_matrix(norm, extra, keep_tokens)
        x.data = ((1.0 + np.log(x.data)) * self.idf[x.indices]).astype(np.float32)
        _block_normalise(x)
        return x

    def fit_transform(self, texts: Sequence[str], extra: Sequence[Sequence[str]] | None = None) -> sp.csr_matrix:
        return self.fit(texts, extra).transform(texts, extra)
