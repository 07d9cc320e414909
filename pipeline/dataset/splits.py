"""Which split a document goes to: a seeded hash of its near-duplicate group (see ``export``'s docstring
for why a hash and not a shuffle)."""

from __future__ import annotations

import hashlib

from pipeline.settings import SplitSettings

SPLITS = ("train", "validation", "test")


def split_of(group: str, split: SplitSettings) -> str:
    """The split of every document of near-duplicate group ``group``: a seeded hash of the group id."""
    digest = hashlib.blake2b(f"{split.seed}:{group}".encode(), digest_size=8).digest()
    position = int.from_bytes(digest, "big") / 2**64
    ratios = [(name, getattr(split, name)) for name in SPLITS if getattr(split, name) > 0]
    cumulative = 0.0
    for name, ratio in ratios[:-1]:
        cumulative += ratio
        if position < cumulative:
            return name
    return ratios[-1][0]
