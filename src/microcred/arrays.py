"""Array helpers shared by the in-memory indexes (skill search, the catalogue's facets)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def concat_ranges(starts: NDArray[np.int64], stops: NDArray[np.int64]) -> NDArray[np.int64]:
    """The concatenation of range(start, stop) for each pair, without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.arange(total, dtype=np.int64) + offsets
