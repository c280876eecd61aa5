"""Seeded, stable hashes: the one rule behind every reproducible choice keyed by an id (splits, subsets, orders).

sha256 of "seed:key:...", so a choice depends only on the seed and the item's own id: adding or removing other
items never changes it, and it is the same on every machine and Python version (unlike hash(), salted per
process). Changing the rule changes ingest's splits, evaluate's subsets, groups and generated tests: outputs of
every stage that uses it.
"""
from __future__ import annotations

import hashlib


def stable_hash(seed: int, *keys: str) -> bytes:
    """The 32-byte digest of (seed, *keys); sort by it for a seeded order that is stable per item."""
    return hashlib.sha256(":".join([str(seed), *keys]).encode()).digest()


def stable_fraction(seed: int, *keys: str) -> float:
    """(seed, *keys) mapped to a number in [0, 1), uniform over keys: cut it to assign an item to a bucket."""
    return int.from_bytes(stable_hash(seed, *keys)[:8], "big") / 2**64


def stable_int(seed: int, *keys: str) -> int:
    """(seed, *keys) as a 64-bit seed for a random generator of that item alone."""
    return int.from_bytes(stable_hash(seed, *keys)[:8], "big")
