"""The little linear algebra the correlated walks need, in pure Python (no numpy)."""

from __future__ import annotations

import math


def cholesky(matrix: list[list[float]]) -> list[list[float]]:
    """Lower-triangular ``L`` with ``L Lᵀ = matrix``; ValueError if not positive definite.

    Each finished row's non-zero entries are kept by column so the dot products skip zeros:
    a venue's worth of mostly independent assets (hundreds, a few correlated) factors in
    O(n²) instead of O(n³). The sums add the same non-zero terms in the same order as the
    textbook loop, so the factor is the same to the last bit.
    """
    n = len(matrix)
    low = [[0.0] * n for _ in range(n)]
    finished: list[dict[int, float]] = []
    """finished[j]: column → value of the non-zero entries of row j left of the diagonal."""
    for i in range(n):
        row = matrix[i]
        mine: dict[int, float] = {}
        for j in range(i + 1):
            acc = 0.0
            if mine:
                theirs = finished[j] if j < i else mine
                for k, value in mine.items():  # in column order: filled left to right
                    other = theirs.get(k)
                    if other is not None:
                        acc += value * other
            if i == j:
                rest = row[i] - acc
                if rest <= 1e-12:
                    raise ValueError("the correlation matrix is not positive definite")
                low[i][i] = math.sqrt(rest)
            else:
                entry = (row[j] - acc) / low[j][j]
                low[i][j] = entry
                if entry != 0.0:
                    mine[j] = entry
        finished.append(mine)
    return low
