"""Solve a product system: scaling vector, footprint, and every product's footprint at once.

All functions take :class:`~tanji.core.matrices.Matrices` and plain numpy arrays. The
footprint of demand f is c·B·s with A s = f; the footprints of all products at once are
y with Aᵀ y = (cB)ᵀ, so any number of demands costs one transposed solve (y·f each).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tanji.core.matrices import Matrices
from tanji.core.solvers import Factorization, factorize


def supply(factorization: Factorization, demand: np.ndarray) -> np.ndarray:
    """Scaling vector s (runs of each activity) with A s = f."""
    return factorization.solve(np.asarray(demand, dtype=float))


def score(matrices: Matrices, demand: np.ndarray) -> float:
    """Footprint of one demand, kg CO2e: c·B·A⁻¹f (one factorisation, one solve)."""
    factorization = factorize(matrices.technosphere)
    scaling = supply(factorization, demand)
    return float(matrices.characterized_intervention() @ scaling)


def unit_footprints(matrices: Matrices, factorization: Factorization | None = None) -> np.ndarray:
    """Footprint per unit of every product, kg CO2e: y solving Aᵀ y = (cB)ᵀ."""
    factorization = factorization or factorize(matrices.technosphere)
    return factorization.solve_transposed(matrices.characterized_intervention())


def scores_for_demands(
    matrices: Matrices,
    demands: np.ndarray | sp.spmatrix,
    factorization: Factorization | None = None,
) -> np.ndarray:
    """Footprints of k demands (columns of an n × k matrix) from one transposed solve."""
    per_unit = unit_footprints(matrices, factorization)
    if sp.issparse(demands):
        return np.asarray(demands.T @ per_unit).ravel()
    demands = np.asarray(demands, dtype=float)
    return per_unit @ demands if demands.ndim == 2 else np.atleast_1d(per_unit @ demands)
