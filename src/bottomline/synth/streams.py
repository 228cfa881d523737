"""Named random streams: every part of the generator draws from its own seeded stream.

A stream is keyed by the run's seed and a few labels (a table, a period, a chunk number), so a
part can be regenerated alone — the feed writer and the ground truth draw the same outpatient
visits for a month without keeping them in memory — and adding a draw to one part never shifts
the numbers of another.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def _label_key(label: str | int) -> int:
    if isinstance(label, int):
        return label
    return zlib.crc32(label.encode("utf-8"))


def stream(seed: int, *labels: str | int) -> np.random.Generator:
    """A generator for ``seed`` and ``labels``; the same arguments always give the same numbers."""
    entropy = [seed & 0xFFFFFFFF, seed >> 32, *(_label_key(label) for label in labels)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def pick(rng: np.random.Generator, weights: np.ndarray | Sequence[float], size: int) -> np.ndarray:
    """Indices drawn from a categorical distribution (weights need not sum to one)."""
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int32)


def pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One categorical draw per row of an ``(n, k)`` weight matrix (rows need not sum to one)."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cdf[:, -1]
    return (cdf <= u[:, None]).sum(axis=1).astype(np.int32).clip(0, weights.shape[1] - 1)
