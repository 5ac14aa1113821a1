"""The linear system of a product system: technosphere A, interventions B, factors c.

Column j of A is one activity; A[j, j] is the amount of product j it makes per run and
an input is a negative entry in the row of the product it draws on. Row i of B is one
elementary flow (a gas with its origin); B[i, j] is the kg emitted per run of activity j.
c[i] is the GWP100 of flow i, so c·B·A⁻¹f is the footprint of demand f in kg CO2e.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Matrices:
    """A, B and c, ready to solve. Shapes: A (n, n), B (m, n), c (m,)."""

    technosphere: sp.csc_matrix
    intervention: sp.csr_matrix
    characterization: np.ndarray

    @property
    def size(self) -> int:
        return int(self.technosphere.shape[0])

    def characterized_intervention(self) -> np.ndarray:
        """cB as a dense vector: kg CO2e emitted directly per run of each activity."""
        return np.asarray(self.intervention.T @ self.characterization).ravel()


def from_triplets(
    n: int,
    tech: tuple[np.ndarray, np.ndarray, np.ndarray],
    m: int,
    bio: tuple[np.ndarray, np.ndarray, np.ndarray],
    characterization: np.ndarray,
) -> Matrices:
    """Assemble Matrices from COO triplets (rows, cols, values); duplicates are summed."""
    trows, tcols, tvals = tech
    brows, bcols, bvals = bio
    technosphere = sp.coo_matrix((tvals, (trows, tcols)), shape=(n, n)).tocsc()
    technosphere.sum_duplicates()
    intervention = sp.coo_matrix((bvals, (brows, bcols)), shape=(m, n)).tocsr()
    intervention.sum_duplicates()
    return Matrices(technosphere, intervention, np.asarray(characterization, dtype=float))
