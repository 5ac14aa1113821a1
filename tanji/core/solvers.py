"""Sparse LU factorisation of the technosphere matrix, reused across many solves.

The matrix is never inverted: one LU serves any number of demands (``solve``) and the
transposed system (``solve_transposed``) that gives every product's footprint at once.

Supply chains are mostly hierarchical: loops are confined to small groups of processes
(electricity ↔ coal ↔ steel). Ordering the processes by their strongly connected groups
(the order in which Pearce's algorithm finishes them is a topological order of the groups)
makes A block-triangular, so SuperLU factorises it with the natural ordering and fill-in
only inside the loops. On the 25,000-activity benchmark system this takes 0.04 s with
fill 1.8×, against 1 s (fill 7.5×) for COLAMD on Aᵀ and 100 s (fill 324×) for COLAMD on A.
A system dominated by one large loop falls back to COLAMD on Aᵀ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import splu

from tanji.core.errors import SingularSystem
from tanji.core.i18n import _

# A process loop whose spectral radius reaches this has no positive solution.
_LOOP_GAIN_LIMIT = 1.0 - 1e-9
# Loops larger than this are not checked densely (only whole-matrix singularity is).
_DENSE_CHECK_LIMIT = 600


# Above this many processes in one loop, natural ordering may fill in: use COLAMD.
_LARGEST_BLOCK_FOR_NATURAL = 5000


@dataclass(frozen=True)
class Factorization:
    """An LU factorisation of the permuted Aᵀ with solves for A x = b and Aᵀ y = b.

    ``order`` is the permutation applied to rows and columns before factorising (None
    when the matrix is factorised as it is, with COLAMD choosing the column order).
    """

    lu: object  # scipy.sparse.linalg.SuperLU of (P A Pᵀ)ᵀ
    size: int
    order: np.ndarray | None = None

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """x with A x = rhs; rhs has shape (n,) or (n, k)."""
        return self._solve(np.asarray(rhs, dtype=float), trans="T")

    def solve_transposed(self, rhs: np.ndarray) -> np.ndarray:
        """y with Aᵀ y = rhs; rhs has shape (n,) or (n, k)."""
        return self._solve(np.asarray(rhs, dtype=float), trans="N")

    def _solve(self, rhs: np.ndarray, trans: str) -> np.ndarray:
        if self.order is None:
            return self.lu.solve(rhs, trans=trans)
        result = np.empty_like(rhs)
        result[self.order] = self.lu.solve(np.ascontiguousarray(rhs[self.order]), trans=trans)
        return result


def factorize(technosphere: sp.spmatrix, *, labels: Sequence[str] | None = None) -> Factorization:
    """Factorise A once; raise :class:`SingularSystem` naming processes when it cannot be.

    ``labels`` name the columns (processes) for the error message.
    """
    matrix = sp.csc_matrix(technosphere, dtype=float)
    n, m = matrix.shape
    if n != m:
        raise SingularSystem(
            _("The technosphere matrix is not square ({rows} products, {cols} activities).").format(
                rows=n, cols=m
            )
        )
    matrix.sort_indices()
    _count, groups = csgraph.connected_components(matrix, directed=True, connection="strong")
    largest = int(np.bincount(groups).max()) if n else 0
    try:
        if largest <= _LARGEST_BLOCK_FOR_NATURAL:
            order = np.argsort(groups, kind="stable")
            permuted = matrix[order][:, order]
            lu = splu(sp.csc_matrix(permuted.T), permc_spec="NATURAL")
            return Factorization(lu=lu, size=n, order=order)
        lu = splu(sp.csc_matrix(matrix.T), permc_spec="COLAMD")
    except RuntimeError:
        raise diagnose(matrix, labels) from None
    return Factorization(lu=lu, size=n)


def _names(indices: Sequence[int], labels: Sequence[str] | None) -> list[str]:
    if labels is None:
        return [f"#{i}" for i in indices]
    return [labels[i] for i in indices]


def diagnose(matrix: sp.csc_matrix, labels: Sequence[str] | None) -> SingularSystem:
    """Explain why A cannot be solved, naming the processes involved."""
    return _loop_problem(matrix, labels) or SingularSystem(
        _("The technosphere matrix is singular and cannot be solved.")
    )


def _loop_problem(matrix: sp.csc_matrix, labels: Sequence[str] | None) -> SingularSystem | None:
    """A process or loop that uses at least as much as it makes, or None."""
    diagonal = matrix.diagonal()
    no_output = np.flatnonzero(diagonal <= 0)
    if no_output.size:
        names = _names(no_output[:10].tolist(), labels)
        return SingularSystem(
            _(
                "These processes make no net amount of their own product (they use at "
                "least as much as they make): {names}."
            ).format(names=", ".join(names)),
            processes=names,
        )
    for block in loops(matrix):
        gain = loop_gain(matrix, block)
        if gain is not None and gain >= _LOOP_GAIN_LIMIT:
            names = _names(block[:20].tolist(), labels)
            return SingularSystem(
                _(
                    "The loop between {names} consumes at least as much as it produces "
                    "(loop gain {gain:.3g} ≥ 1), so it has no solution."
                ).format(names=", ".join(names), gain=gain),
                processes=names,
            )
    return None


def loops(matrix: sp.csc_matrix) -> list[np.ndarray]:
    """The strongly connected groups of more than one process (the loops of the system).

    A process that consumes its own product shows only as a smaller net diagonal entry,
    which :func:`diagnose` checks separately.
    """
    count, labels = csgraph.connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=count)
    return [np.flatnonzero(labels == k) for k in np.flatnonzero(sizes > 1)]


def loop_gain(matrix: sp.csc_matrix, block: np.ndarray) -> float | None:
    """Spectral radius of the loop's input coefficients (Hawkins–Simon condition).

    With outputs on the diagonal D and inputs −N, the loop has a non-negative solution for
    every non-negative demand exactly when ρ(N D⁻¹) < 1. ``None`` when the block is too
    large to check densely.
    """
    if block.size > _DENSE_CHECK_LIMIT:
        return None
    sub = matrix[block][:, block].toarray()
    outputs = np.diag(sub).copy()
    inputs = -(sub - np.diag(outputs))
    inputs[inputs < 0] = 0.0  # credits (negative inputs) do not drive the loop
    coefficients = inputs / outputs[np.newaxis, :]
    return float(np.max(np.abs(np.linalg.eigvals(coefficients))))


def check_loops(technosphere: sp.spmatrix, *, labels: Sequence[str] | None = None) -> None:
    """Raise :class:`SingularSystem` for a loop that consumes as much as it produces.

    Such a loop may still give a non-singular matrix, but its solution is negative and
    meaningless, so user models are checked before they are solved.
    """
    problem = _loop_problem(sp.csc_matrix(technosphere, dtype=float), labels)
    if problem is not None:
        raise problem
