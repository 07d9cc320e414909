"""Near-duplicate detection: MinHash signatures of word 3-shingles in an LSH index (datasketch).

The same wire story republished with small edits gets the same ``group`` id: the id of the
earliest-ingested document of the group it resembles. Later stages keep a group together (one dataset split).
"""

from __future__ import annotations

import base64
import re

import numpy as np
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 64
SCHEME = "affine32"  # 32-bit hash values: a signature is 256 bytes
SHINGLE_WORDS = 3
_BATCH = 20_000  # shingles hashed at once; bounds memory on very long documents
_WORD = re.compile(r"\w+")


_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations  # made once: costly per instance
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77))
_LOW32 = np.uint64(0xFFFFFFFF)


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the word 3-shingles of ``text``, combined from per-word hashes in numpy
    (hashing every shingle string in Python costs three times as much)."""
    # one word at a time: a list of the words of a 20 MB article alone took about 200 MB
    hashes = np.fromiter((xxhash.xxh32_intdigest(m.group().encode()) for m in _WORD.finditer(text.casefold())),
                         dtype=np.uint64)
    if len(hashes) < SHINGLE_WORDS:
        return hashes
    return (hashes[:-2] * _MIX[0] ^ hashes[1:-1] * _MIX[1] ^ hashes[2:]) & _LOW32


class NearDuplicateIndex:
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._groups: dict[str, str] = {}
        self._order: dict[str, int] = {}
        self._signatures: dict[str, LeanMinHash] = {}

    def signature(self, text: str) -> LeanMinHash:
        minhash = MinHash(num_perm=NUM_PERM, hashfunc=int, scheme=SCHEME, permutations=_PERMUTATIONS)
        hashes = shingle_hashes(text)
        for batch_start in range(0, max(len(hashes), 1), _BATCH):
            minhash.update_batch(hashes[batch_start : batch_start + _BATCH].tolist())
        return LeanMinHash(minhash)

    def find_group(self, signature: LeanMinHash) -> str | None:
        """The group of the most similar indexed document above the threshold, if any; of equally
        similar ones, the first indexed (LSH answers in set order, which changes from run to run with
        Python's string hashing: without this, the same corpus could be grouped, and split, otherwise)."""
        candidates = self._lsh.query(signature)
        if not candidates:
            return None
        # the estimated Jaccard similarities of all candidates at once (datasketch's jaccard, in numpy)
        values = np.stack([self._signatures[candidate].hashvalues for candidate in candidates])
        similarities = (values == signature.hashvalues).mean(axis=1)
        best, best_key = None, None
        for candidate, similarity in zip(candidates, similarities.tolist()):
            key = (similarity, -self._order[candidate])
            if similarity >= self.threshold and (best_key is None or key > best_key):
                best, best_key = candidate, key
        return self._groups[best] if best is not None else None

    def add(self, doc_id: str, group: str, signature: LeanMinHash) -> None:
        """Index a document if it heads its group. Members are compared with their group's first
        document only: otherwise a story republished a thousand times makes every look-up check a
        thousand candidates, and ingest becomes quadratic."""
        if doc_id != group or doc_id in self._groups:
            return
        self._lsh.insert(doc_id, signature, check_duplication=False)
        self._order[doc_id] = len(self._order)
        self._groups[doc_id] = group
        self._signatures[doc_id] = signature

    @staticmethod
    def encode(signature: LeanMinHash) -> str:
        return base64.b64encode(signature.hashvalues.astype("<u4").tobytes()).decode("ascii")

    @staticmethod
    def decode(encoded: str) -> LeanMinHash:
        values = np.frombuffer(base64.b64decode(encoded), dtype="<u4").astype(np.uint32)
        return LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)
