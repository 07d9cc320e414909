"""Near-duplicate signatures: the word 3-shingles of a long text, a block at a time."""

from __future__ import annotations

import random

import numpy as np
import pytest
import xxhash

from pipeline.corpus import neardup


def whole_text_shingles(text: str) -> np.ndarray:
    """The definition: every word of the casefolded text hashed, then each run of three combined."""
    words = np.fromiter(
        (xxhash.xxh32_intdigest(m.group().encode()) for m in neardup._WORD.finditer(text.casefold())), dtype=np.uint64
    )
    if len(words) < neardup.SHINGLE_WORDS:
        return words
    return (words[:-2] * neardup._MIX[0] ^ words[1:-1] * neardup._MIX[1] ^ words[2:]) & neardup._LOW32


@pytest.mark.parametrize("block_chars", [1, 5, 17, 1_000_000])
def test_shingles_made_a_block_at_a_time_are_those_of_the_whole_text(block_chars):
    pieces = ["Perú", "ÉTÉ", "Straße", "the", "a", "cocaine", "6,300", "kg", "—", "x"]
    separators = [" ", "\n", ", ", "", "-", "\n\n"]
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(rng.choice(pieces) + rng.choice(separators) for _ in range(rng.randint(0, 40)))
        blocks = list(neardup.shingle_blocks(text, block_chars))
        made = np.concatenate(blocks) if blocks else np.empty(0, np.uint64)
        assert np.array_equal(made, whole_text_shingles(text)), text


def test_a_text_of_fewer_than_three_words_is_signed_by_its_words():
    assert len(neardup.shingle_hashes("Lima, Peru")) == 2
    assert len(neardup.shingle_hashes("")) == 0


def test_a_long_text_is_hashed_in_blocks_and_signed_as_the_whole():
    text = " ".join(f"word{n % 977} story{n % 13}" for n in range(60_000))
    assert len(list(neardup.shingle_blocks(text, 100_000))) > 5
    index = neardup.NearDuplicateIndex(0.7)
    edited = text.replace("word5 ", "word6 ", 3)
    assert index.signature(text).jaccard(index.signature(edited)) > 0.95
