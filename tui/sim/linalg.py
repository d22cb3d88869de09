"""The little linear algebra the correlated walks need, in pure Python (no numpy)."""

from __future__ import annotations

import math


def cholesky(matrix: list[list[float]]) -> list[list[float]]:
    """Lower-triangular ``L`` with ``L Lᵀ = matrix``; ValueError if not positive definite."""
    n = len(matrix)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            acc = sum(low[i][k] * low[j][k] for k in range(j))
            if i == j:
                rest = matrix[i][i] - acc
                if rest <= 1e-12:
                    raise ValueError("the correlation matrix is not positive definite")
                low[i][j] = math.sqrt(rest)
            else:
                low[i][j] = (matrix[i][j] - acc) / low[j][j]
    return low
