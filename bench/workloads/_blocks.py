"""Deterministic test data for the data benchmarks; imports neither flyte nor any data library.

File content is made of 1 MiB chunks of one pseudo-random buffer, each chunk stamped with its
index in its first 8 bytes, so that chunks differ from one another while costing nothing to
produce: the writer reuses one ``bytearray`` and rewrites 8 bytes per chunk. The harness computes
the expected SHA-256 once (:func:`expected_sha256`) and hands it to every run, which fails unless
the bytes it read back hash to it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

CHUNK = 1 << 20
"""Bytes per write and per read in the file workloads."""
SEED = 20250101
MIB = float(1 << 20)


def chunks(size: int, seed: int = SEED) -> Iterator[bytearray]:
    """The content of a ``size``-byte file, as one reused buffer rewritten per chunk.

    The yielded buffer is only valid until the next one is requested (it is the same object).
    ``size`` must be a multiple of :data:`CHUNK`.
    """
    if size <= 0 or size % CHUNK:
        raise ValueError(f"size must be a positive multiple of {CHUNK}, got {size}")
    buffer = bytearray(random.Random(seed).randbytes(CHUNK))
    for index in range(size // CHUNK):
        buffer[:8] = index.to_bytes(8, "little")
        yield buffer


def expected_sha256(size: int, seed: int = SEED) -> str:
    """The SHA-256 of the content :func:`chunks` produces."""
    digest = hashlib.sha256()
    for chunk in chunks(size, seed):
        digest.update(chunk)
    return digest.hexdigest()


def parse_size(text: str) -> int:
    """A byte count from ``"1GiB"``, ``"100MiB"``, ``"64KiB"`` or a plain integer."""
    units = {"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30}
    upper = text.strip().upper()
    for suffix, factor in units.items():
        if upper.endswith(suffix):
            return int(float(upper[: -len(suffix)]) * factor)
    return int(upper)
