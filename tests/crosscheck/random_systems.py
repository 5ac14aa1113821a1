"""Seeded small random product systems with loops and co-product credits.

They exist to cross-check tanji against bw2calc on shapes a hand-written fixture would miss:
cycles between activities, non-unit reference outputs, positive off-diagonal credits from
allocation already folded into A, several gases and flows nobody emits.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from tanji.core.matrices import Matrices
from tanji.core.uncertainty import UncertainValues

# GWP100 (IPCC AR6, kg CO2e per kg) for the gases the generator draws from, in order.
GWP100 = np.array([1.0, 29.8, 27.0, 273.0, 25_200.0, 1_530.0, 7_380.0, 17_400.0])

FIXED, LOGNORMAL, NORMAL, TRIANGULAR, UNIFORM = 0, 1, 2, 3, 4


def random_matrices(seed: int, *, size: tuple[int, int] = (5, 60)) -> Matrices:
    """Build a solvable system of ``size[0]``–``size[1]`` activities with at least one cycle.

    Inputs are drawn as shares of the consuming activity's output "value" (a hidden price per
    product spread over orders of magnitude, like mixed units), with the shares in a column
    summing below one. So ``P A P⁻¹`` is strictly column diagonally dominant and A is regular,
    whatever loops the random inputs close.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(size[0], size[1] + 1))
    price = rng.lognormal(0.0, 1.5, n)
    output = np.where(rng.random(n) < 0.3, 1.0, rng.uniform(0.5, 3.0, n))

    rows: list[int] = []
    cols: list[int] = []
    shares: list[float] = []
    for j in range(n):
        others = np.delete(np.arange(n), j)
        count = int(rng.integers(1, min(6, n - 1) + 1))
        suppliers = rng.choice(others, size=count, replace=False)
        weights = rng.dirichlet(np.ones(count)) * rng.uniform(0.2, 0.8)
        rows.extend(suppliers.tolist())
        cols.extend([j] * count)
        shares.extend((-weights).tolist())

    _add_cycle(rng, n, rows, cols, shares)
    _add_coproduct_credits(rng, n, rows, cols, shares)

    r = np.asarray(rows)
    c = np.asarray(cols)
    # value share w of column j's output, in physical units of product r per run of j
    off = np.asarray(shares) * output[c] * price[c] / price[r]
    technosphere = sparse.csc_matrix(
        (
            np.concatenate([output, off]),
            (np.concatenate([np.arange(n), r]), np.concatenate([np.arange(n), c])),
        ),
        shape=(n, n),
    )
    technosphere.sum_duplicates()

    gases = int(rng.integers(2, len(GWP100) + 1))
    intervention = _random_intervention(rng, gases, n)
    return Matrices(
        technosphere=technosphere,
        intervention=intervention,
        characterization=GWP100[:gases].copy(),
    )


def _add_cycle(
    rng: np.random.Generator, n: int, rows: list[int], cols: list[int], shares: list[float]
) -> None:
    """Close one explicit loop (electricity → coal → steel → electricity) with small shares."""
    length = int(rng.integers(2, min(5, n) + 1))
    members = rng.choice(n, size=length, replace=False)
    for supplier, consumer in zip(members, np.roll(members, -1), strict=True):
        rows.append(int(supplier))
        cols.append(int(consumer))
        shares.append(-0.05)


def _add_coproduct_credits(
    rng: np.random.Generator, n: int, rows: list[int], cols: list[int], shares: list[float]
) -> None:
    """Give a few activities a positive by-product entry, as substitution leaves in A."""
    for j in rng.choice(n, size=max(1, n // 10), replace=False):
        other = int(rng.integers(0, n - 1))
        rows.append(other if other < j else other + 1)
        cols.append(int(j))
        shares.append(0.05)


def _random_intervention(rng: np.random.Generator, gases: int, n: int) -> sparse.csr_matrix:
    """Emissions per run: every activity emits CO2, other gases sparsely, one gas maybe never."""
    density = np.concatenate([[1.0], rng.uniform(0.1, 0.6, gases - 1)])
    if gases > 2 and rng.random() < 0.3:
        density[-1] = 0.0  # a characterised gas with no emitter must not upset either engine
    mask = rng.random((gases, n)) < density[:, None]
    values = rng.lognormal(0.0, 1.0, (gases, n)) * 10.0 ** -np.arange(gases)[:, None]
    return sparse.csr_matrix(np.where(mask, values, 0.0))


def random_uncertainty(
    matrix: sparse.spmatrix, seed: int, *, kinds: tuple[int, ...] = (LOGNORMAL,)
) -> UncertainValues:
    """Attach a distribution to every stored value of ``matrix`` except the diagonal.

    Reference outputs stay fixed (as in ecoinvent); the others get one of ``kinds`` with spreads
    small enough that sampled systems stay solvable.
    """
    rng = np.random.default_rng(seed)
    coo = sparse.coo_matrix(matrix)
    amount = coo.data.astype(float)
    size = amount.size
    kind = rng.choice(np.asarray(kinds, dtype=np.uint8), size=size)
    if coo.shape[0] == coo.shape[1]:
        kind[coo.row == coo.col] = FIXED
    sigma = np.where(kind == LOGNORMAL, rng.uniform(0.05, 0.3, size), 0.0)
    sigma = np.where(kind == NORMAL, 0.1 * np.abs(amount), sigma)
    spread = np.abs(amount) * rng.uniform(0.05, 0.3, size)
    bounded = (kind == TRIANGULAR) | (kind == UNIFORM)
    low = np.where(bounded, amount - spread, np.nan)
    high = np.where(bounded, amount + spread, np.nan)
    return UncertainValues(
        rows=coo.row.astype(np.int64),
        cols=coo.col.astype(np.int64),
        amount=amount,
        kind=kind,
        sigma=sigma,
        low=low,
        high=high,
    )
