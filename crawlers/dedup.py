"""Near-duplicate detection: the same agency report republished by several outlets.

MinHash signatures of word shingles, indexed with LSH; a new text whose estimated Jaccard similarity
with a stored one reaches the threshold is linked to it with `dup_of` (to the original, never to a copy).
Signatures and their LSH bands persist in the store (storage.minhash), so detection works across runs, and
the crawl looks candidates up in the band index instead of loading every signature.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import sqlite_utils
from datasketch import MinHash

from onrecord.storage.minhash import BANDS, ROWS, SIGNATURE_BYTES, candidates, save_signature

NUM_PERM = BANDS * ROWS  # 128
# Candidates verified per new article at most (the earliest stored first): bounds the work of one article even
# when thousands of stored copies of one wire report share its bands.
MAX_CANDIDATES = 200
log = logging.getLogger("onrecord.crawl")
SCHEME = "affine32"  # datasketch's hashing scheme; stored signatures are only comparable within one scheme
SHINGLE_WORDS = 4
_WORD = re.compile(r"\w+")
_permutations: np.ndarray | None = None


def _new_minhash(hashvalues: np.ndarray | None = None) -> MinHash:
    """A MinHash sharing one set of permutations: building them costs about a millisecond each time."""
    global _permutations
    if _permutations is None:
        _permutations = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=hashvalues, permutations=_permutations)


def signature(text: str) -> MinHash | None:
    """MinHash of the text's 4-word shingles (lower case), or None when the text is too short to compare."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS * 3:
        return None
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}
    minhash = _new_minhash()
    minhash.update_batch(list(shingles))
    return minhash


def to_bytes(minhash: MinHash) -> bytes:
    """The signature as stored (and as sent back from an extraction worker)."""
    return minhash.hashvalues.astype(np.uint64).tobytes()


def from_bytes(blob: bytes | None) -> MinHash | None:
    return None if blob is None else _new_minhash(np.frombuffer(blob, dtype=np.uint64))


class NearDuplicateIndex:
    """Find the stored original a new text copies, and remember new texts: the store's LSH bands are looked up
    per article (storage.minhash.candidates), so memory is bounded by one article's candidates, never by the
    size of the store. Each candidate is verified against `threshold`.

    Bands are fixed (32 of 4 values: a pair at Jaccard 0.8 becomes a candidate with probability ~1, at 0.5
    ~0.87, at 0.2 ~0.05), tuned for recall at the default threshold; a lower threshold finds fewer of its
    pairs."""

    def __init__(self, db: sqlite_utils.Database, threshold: float) -> None:
        self.db = db
        self.threshold = threshold
        self.warned: set[str] = set()

    @classmethod
    def load(cls, db: sqlite_utils.Database, threshold: float) -> NearDuplicateIndex:
        return cls(db, threshold)

    def find(self, article_id: str, minhash: MinHash | None) -> str | None:
        """The id of the original that `minhash` nearly duplicates (never `article_id` itself), or None."""
        if minhash is None:
            return None
        best: tuple[float, str, str] | None = None
        for candidate, blob, dup_of in candidates(self.db, to_bytes(minhash), MAX_CANDIDATES):
            if candidate == article_id:
                continue
            stored = self._signature(candidate, blob)
            if stored is None:
                continue
            similarity = minhash.jaccard(stored)
            if similarity >= self.threshold and (
                best is None or similarity > best[0] or (similarity == best[0] and candidate < best[1])
            ):
                best = (similarity, candidate, dup_of or candidate)
        if best is None:
            return None
        return None if best[2] == article_id else best[2]

    def _signature(self, article_id: str, blob: bytes | None) -> MinHash | None:
        """The stored signature, or None (and one warning line per article) when its row is damaged."""
        if isinstance(blob, bytes) and len(blob) == SIGNATURE_BYTES:
            return from_bytes(blob)
        if article_id not in self.warned:
            self.warned.add(article_id)
            size = len(blob) if isinstance(blob, (bytes, str)) else type(blob).__name__
            log.warning("article_minhash: damaged signature of %s (%s bytes), skipped", article_id, size)
        return None

    def remember(self, db: sqlite_utils.Database, article_id: str, minhash: MinHash | None, dup_of: str | None) -> None:
        """Persist the article's signature and bands (caller holds the write transaction)."""
        if minhash is None:
            return
        save_signature(db, article_id, to_bytes(minhash))
