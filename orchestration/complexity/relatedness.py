"""Proximity between groups and relatedness density, in the Growth Lab's Stata convention."""

from __future__ import annotations

import numpy as np


def proximity(present: np.ndarray) -> np.ndarray:
    """phi_gh = min(P(M_g | M_h), P(M_h | M_g)) over the rows of a boolean location × group
    presence array, i.e. co-occurrences / max(ubiquity_g, ubiquity_h).

    The diagonal is 0, as in the Stata ecomplexity command (the Python package keeps phi_gg = 1,
    which adds a location's own presence in g to its density of g). Groups present nowhere have
    phi = 0 with every group."""
    m = present.astype(np.float64)
    co_occurrences = m.T @ m
    ubiquity = m.sum(axis=0)
    larger = np.maximum(ubiquity[:, np.newaxis], ubiquity[np.newaxis, :])
    phi = np.divide(co_occurrences, larger, out=np.zeros_like(co_occurrences), where=larger > 0)
    np.fill_diagonal(phi, 0.0)
    return phi


def density(present: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Relatedness density of each location (row) in each group (column):
    sum_h M_ch phi_gh / sum_h phi_gh; NaN for groups related to none (sum_h phi_gh = 0)."""
    weights = phi.sum(axis=1)
    numerator = present.astype(np.float64) @ phi.T
    out = np.full(numerator.shape, np.nan)
    return np.divide(numerator, weights[np.newaxis, :], out=out, where=weights[np.newaxis, :] > 0)
