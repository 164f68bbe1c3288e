"""Revealed comparative advantage (Balassa's RCA) and presence on dense location × group arrays."""

from __future__ import annotations

import numpy as np

# M_cg = 1 when RCA_cg >= this (the Growth Lab's default, rca_mcp_threshold=1 in ecomplexity)
RCA_THRESHOLD = 1.0


def national_shares(values: np.ndarray) -> np.ndarray:
    """X_g / X over the rows of a location × group array of values (zeros where no output)."""
    group_totals = values.sum(axis=0)
    return group_totals / group_totals.sum()


def rca(values: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """(X_cg / X_c) / share_g per cell; NaN where the cell has no positive value or the group no
    national share, since RCA is then not observed (a missing cell need not be a true zero).

    The operations run in the order ecomplexity uses (share of the location first, then divided by
    the national share), so the presence derived here is bit-identical to the package's."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (values / values.sum(axis=1)[:, np.newaxis]) / shares[np.newaxis, :]
    return np.where((values > 0) & (shares > 0)[np.newaxis, :], ratio, np.nan)


def presence(rca_values: np.ndarray) -> np.ndarray:
    """M_cg as a boolean array: RCA >= 1; an unobserved (NaN) RCA counts as absent."""
    with np.errstate(invalid="ignore"):
        return rca_values >= RCA_THRESHOLD
