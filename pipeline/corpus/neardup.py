"""Near-duplicate detection: MinHash signatures of word 3-shingles (datasketch), found by their LSH
band keys.

The same wire story republished with small edits gets the same ``group`` id: the id of the
earliest-ingested document of the group it resembles. Later stages keep a group together (one dataset split).

Only the first document of a group is looked up ("head"). The heads already in the store are
found by their band keys, which the documents table keeps beside each head (column ``bands``): an
ingest reads those keys as one integer array, and the signatures of the few heads whose keys match a
new document's, instead of rebuilding an index of the whole store every run (which made every run
slower than the one before).
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

log = logging.getLogger(__name__)

NUM_PERM = 64
SCHEME = "affine32"  # 32-bit hash values: a signature is 256 bytes
SHINGLE_WORDS = 3
_BATCH = 20_000  # shingles hashed at once; bounds memory on very long documents
_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"\W")


_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations  # made once: costly per instance
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77))
_LOW32 = np.uint64(0xFFFFFFFF)
_BAND_PRIME = np.uint64(0x100000001B3)
_BAND_SEED = np.uint64(0x9E3779B97F4A7C15)


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the word 3-shingles of ``text`` (of its words, when it has fewer than three),
    combined from per-word hashes in numpy (hashing every shingle string in Python costs three times
    as much)."""
    blocks = list(shingle_blocks(text))
    return np.concatenate(blocks) if blocks else np.empty(0, np.uint64)


def shingle_blocks(text: str, block_chars: int = 1_000_000) -> Iterator[np.ndarray]:
    """``shingle_hashes`` a block of about ``block_chars`` at a time, cut before a character that
    is not part of a word and the last two words carried over, so that a long text takes flat
    memory (a casefolded copy of a 50 MB text and its word hashes at once were 300 MB)."""
    carried = np.empty(0, np.uint64)
    shingled = False
    start = 0
    while start < len(text):
        cut = _NOT_WORD.search(text, min(start + block_chars, len(text)))
        end = cut.start() if cut and cut.start() > start else len(text)
        words = np.fromiter(
            (xxhash.xxh32_intdigest(m.group().encode()) for m in _WORD.finditer(text[start:end].casefold())),
            dtype=np.uint64,
        )
        hashes = np.concatenate([carried, words])
        if len(hashes) >= SHINGLE_WORDS:
            yield (hashes[:-2] * _MIX[0] ^ hashes[1:-1] * _MIX[1] ^ hashes[2:]) & _LOW32
            shingled = True
            hashes = hashes[1 - SHINGLE_WORDS :]
        carried = hashes
        start = end
    if not shingled and len(carried):
        yield carried


def band_layout(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's LSH chooses for ``threshold`` (false positives and
    false negatives weighed equally)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def band_keys(hashvalues: np.ndarray, layout: tuple[int, int]) -> np.ndarray:
    """The LSH band keys of signatures (an (n, NUM_PERM) array): (n, bands) int64, one integer per band,
    made from the band's number, the layout and its hash values. Two signatures that agree on all
    values of a band share that band's key."""
    bands, rows = layout
    values = np.asarray(hashvalues, dtype=np.uint64)[:, : bands * rows].reshape(len(hashvalues), bands, rows)
    keys = np.arange(bands, dtype=np.uint64) * _BAND_SEED + np.uint64(bands * 1000 + rows)
    keys = np.broadcast_to(keys, (len(hashvalues), bands)).copy()
    with np.errstate(over="ignore"):
        for row in range(rows):
            keys = (keys ^ values[:, :, row]) * _BAND_PRIME
    return keys.view(np.int64)


def encode(signature: LeanMinHash) -> str:
    return base64.b64encode(signature.hashvalues.astype("<u4").tobytes()).decode("ascii")


def decode(encoded: str) -> LeanMinHash:
    return LeanMinHash(seed=1, hashvalues=decode_values(encoded), scheme=SCHEME)


def decode_values(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype="<u4").astype(np.uint32)


class StoredHeads(Protocol):
    """The heads of the near-duplicate groups already stored (``CorpusStore`` is one)."""

    def group_heads(self, columns: Sequence[str], seqs: Sequence[int] | None = None) -> pa.Table:
        """Columns (of seq, id, minhash, bands) of the documents that head their group."""


class NearDuplicateIndex:
    """Finds the group a new document belongs to among the stored heads and those added this run.

    Stored heads are looked up by band key in one sorted array; their signatures are read only for
    the candidates, a run's worth at a time (``prefetch``)."""

    def __init__(self, threshold: float, stored: StoredHeads | None = None) -> None:
        self.threshold = threshold
        self.layout = band_layout(threshold)
        self._stored = stored
        self._stored_keys: np.ndarray | None = None  # sorted band keys of the stored heads
        self._stored_seqs: np.ndarray | None = None  # the head (seq) of each key
        self._fetched: dict[int, tuple[str, np.ndarray]] = {}  # seq -> (id, hash values) of candidates
        self._buckets: dict[int, list[int]] = {}  # band key -> positions in _added
        self._added: list[tuple[str, np.ndarray]] = []  # heads added this run: (id, hash values)
        self._groups: set[str] = set()

    def signature(self, text: str) -> LeanMinHash:
        minhash = MinHash(num_perm=NUM_PERM, hashfunc=int, scheme=SCHEME, permutations=_PERMUTATIONS)
        for hashes in shingle_blocks(text):
            for batch_start in range(0, len(hashes), _BATCH):
                minhash.update_batch(hashes[batch_start : batch_start + _BATCH].tolist())
        return LeanMinHash(minhash)

    # -- stored heads ----------------------------------------------------------------------------

    def _load_stored(self) -> None:
        if self._stored_keys is not None:
            return
        self._stored_keys, self._stored_seqs = np.empty(0, np.int64), np.empty(0, np.int64)
        if self._stored is None:
            return
        heads = self._stored.group_heads(["seq", "bands"])
        if heads.num_rows == 0:
            return
        seqs = heads.column("seq").to_numpy()
        bands_column = (
            heads.column("bands")
            if "bands" in heads.column_names
            else pa.chunked_array([pa.nulls(heads.num_rows, pa.list_(pa.int64()))])
        )
        present = pc.is_valid(bands_column).to_numpy(zero_copy_only=False)
        width = self.layout[0]
        keys = np.empty((len(seqs), width), np.int64)
        if present.any():
            lengths = pc.list_value_length(bands_column).to_numpy(zero_copy_only=False)[present]
            flat = pc.list_flatten(bands_column.filter(pa.array(present))).to_numpy()
            if (lengths == width).all() and self._layout_matches(int(seqs[present][0]), flat[:width]):
                keys[present] = flat.reshape(-1, width)
            else:
                log.info("near-duplicate band keys were stored for another threshold; computing them again")
                present[:] = False
        if not present.all():  # heads stored without keys (an older store) or for another threshold
            missing = self._stored.group_heads(["seq", "minhash"], seqs=seqs[~present].tolist())
            values = {
                seq: encoded
                for seq, encoded in zip(missing.column("seq").to_pylist(), missing.column("minhash").to_pylist())
                if encoded
            }
            for position in np.flatnonzero(~present):
                encoded = values.get(int(seqs[position]))
                keys[position] = band_keys(decode_values(encoded)[None, :], self.layout)[0] if encoded else 0
        order = np.argsort(keys.ravel(), kind="stable")
        self._stored_keys = keys.ravel()[order]
        self._stored_seqs = np.repeat(seqs, width)[order]

    def _layout_matches(self, seq: int, stored_keys: np.ndarray) -> bool:
        row = self._stored.group_heads(["seq", "minhash"], seqs=[seq])
        encoded = row.column("minhash")[0].as_py() if row.num_rows else None
        return encoded is not None and np.array_equal(
            band_keys(decode_values(encoded)[None, :], self.layout)[0], stored_keys
        )

    def _stored_candidates(self, keys: np.ndarray) -> np.ndarray:
        """The seqs of stored heads sharing a band key with any of ``keys``."""
        low = np.searchsorted(self._stored_keys, keys, side="left")
        high = np.searchsorted(self._stored_keys, keys, side="right")
        hits = np.flatnonzero(high > low)
        if not len(hits):
            return np.empty(0, np.int64)
        return np.unique(np.concatenate([self._stored_seqs[low[i] : high[i]] for i in hits]))

    def prefetch(self, signatures: Iterable[LeanMinHash]) -> None:
        """Read the signatures of the stored heads that may match any of ``signatures`` (the next
        documents to be grouped), in one read; those of earlier calls are dropped."""
        self._load_stored()
        values = [signature.hashvalues for signature in signatures]
        self._fetched = {}
        if not values or not len(self._stored_keys):
            return
        seqs = self._stored_candidates(band_keys(np.stack(values), self.layout).ravel())
        if len(seqs):
            self._fetch(seqs.tolist())

    def _fetch(self, seqs: list[int]) -> None:
        found = self._stored.group_heads(["seq", "id", "minhash"], seqs=seqs)
        for seq, doc_id, encoded in zip(
            found.column("seq").to_pylist(), found.column("id").to_pylist(), found.column("minhash").to_pylist()
        ):
            if encoded:
                self._fetched[seq] = (doc_id, decode_values(encoded))

    # -- grouping --------------------------------------------------------------------------------

    def find_group(self, signature: LeanMinHash) -> str | None:
        """The group of the most similar head above the threshold, if any; of equally similar ones,
        the first ingested (stored heads before this run's, each in ingest order), so the same corpus
        is always grouped, and split, the same way."""
        self._load_stored()
        keys = band_keys(signature.hashvalues[None, :], self.layout)[0]
        candidates: list[tuple[tuple[int, int], str, np.ndarray]] = []
        if len(self._stored_keys):
            seqs = self._stored_candidates(keys).tolist()
            unfetched = [seq for seq in seqs if seq not in self._fetched]
            if unfetched:
                self._fetch(unfetched)
            candidates += [((0, seq), *self._fetched[seq]) for seq in seqs if seq in self._fetched]
        positions = sorted({position for key in keys.tolist() for position in self._buckets.get(key, ())})
        candidates += [((1, position), *self._added[position]) for position in positions]
        if not candidates:
            return None
        similarities = (np.stack([values for *_, values in candidates]) == signature.hashvalues).mean(axis=1)
        best, best_key = None, None
        for (order, doc_id, _), similarity in zip(candidates, similarities.tolist()):
            key = (similarity, (-order[0], -order[1]))
            if similarity >= self.threshold and (best_key is None or key > best_key):
                best, best_key = doc_id, key
        return best

    def add(self, doc_id: str, group: str, signature: LeanMinHash) -> list[int] | None:
        """Index a document of this run if it heads its group, and return its band keys (what the
        documents table keeps for it); None for a member. Members are compared with their group's
        first document only: otherwise a story republished a thousand times makes every look-up
        check a thousand candidates, and ingest becomes quadratic."""
        if doc_id != group or doc_id in self._groups:
            return None
        self._groups.add(doc_id)
        self._added.append((doc_id, signature.hashvalues))
        keys = band_keys(signature.hashvalues[None, :], self.layout)[0].tolist()
        for key in keys:
            self._buckets.setdefault(key, []).append(len(self._added) - 1)
        return keys
