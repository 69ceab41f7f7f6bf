"""Near-duplicate detection: the same agency report republished by several outlets.

MinHash signatures of word shingles, indexed with LSH; a new text whose estimated Jaccard similarity
with a stored one reaches the threshold is linked to it with `dup_of` (to the original, never to a copy).
Signatures persist in `article_minhash` (storage.minhash), so detection works across runs.
"""

from __future__ import annotations

import re

import numpy as np
import sqlite_utils
from datasketch import MinHash, MinHashLSH

from onrecord.storage.minhash import save_signature, signatures

NUM_PERM = 128
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
    """The store's signatures in memory: find the original a new text copies, remember new texts."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        # LSH only proposes candidates; each is verified against `threshold`. Banding for a lower threshold,
        # weighted towards recall, so a real near-duplicate is rarely missed.
        self._lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=NUM_PERM, weights=(0.2, 0.8))
        self._signatures: dict[str, MinHash] = {}
        self._original: dict[str, str] = {}  # article id -> the id it duplicates (itself if original)

    @classmethod
    def load(cls, db: sqlite_utils.Database, threshold: float) -> NearDuplicateIndex:
        index = cls(threshold)
        for article_id, blob, dup_of in signatures(db):
            index._add(article_id, from_bytes(blob), dup_of or article_id)
        return index

    def _add(self, article_id: str, minhash: MinHash, original: str) -> None:
        if article_id in self._signatures:
            return
        self._lsh.insert(article_id, minhash)
        self._signatures[article_id] = minhash
        self._original[article_id] = original

    def find(self, article_id: str, minhash: MinHash | None) -> str | None:
        """The id of the original that `minhash` nearly duplicates (never `article_id` itself), or None."""
        if minhash is None:
            return None
        best: tuple[float, str] | None = None
        for candidate in self._lsh.query(minhash):
            if candidate == article_id:
                continue
            similarity = minhash.jaccard(self._signatures[candidate])
            if similarity >= self.threshold and (
                best is None or similarity > best[0] or (similarity == best[0] and candidate < best[1])
            ):
                best = (similarity, candidate)
        if best is None:
            return None
        original = self._original[best[1]]
        return None if original == article_id else original

    def remember(self, db: sqlite_utils.Database, article_id: str, minhash: MinHash | None, dup_of: str | None) -> None:
        """Index the article and persist its signature (caller holds the write transaction)."""
        if minhash is None:
            return
        self._add(article_id, minhash, dup_of or article_id)
        save_signature(db, article_id, to_bytes(minhash))
