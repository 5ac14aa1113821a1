"""Run tanji's matrices through bw2calc, our correctness peer and speed baseline.

A tanji ``Matrices`` becomes one in-memory bw_processing datapackage, with product, activity
and flow ids equal to tanji's matrix indices, so results line up index by index. The helpers
use bw2calc the way its documentation does (``LCA``, ``lci``/``lcia``, ``decompose_technosphere``,
``next(lca)``), so that timings of them are fair timings of bw2calc.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import bw_processing as bwp
import numpy as np
from scipy import sparse

from tanji.core.matrices import Matrices
from tanji.core.uncertainty import UncertainValues

with warnings.catch_warnings():
    # bw2calc warns at import that pypardiso is missing; both engines then use SuperLU, which
    # is the comparison we want, and pytest's "warnings are errors" must not stop collection.
    warnings.filterwarnings("ignore", message=r"(?s).*pypardiso", category=UserWarning)
    import bw2calc

__all__ = [
    "IMPACT_CATEGORY",
    "bw2calc",
    "datapackage",
    "demand_dict",
    "monte_carlo",
    "new_lca",
    "score",
    "scores",
    "unit_scores",
]

# stats_arrays uncertainty_type ids for tanji's UncertainValues.kind codes 0–4.
STATS_ARRAYS_TYPE = np.array([0, 2, 3, 5, 4], dtype=np.uint8)
# The impact category the characterization resource is tagged with, for MultiLCA's method_config.
IMPACT_CATEGORY = ("tanji", "GWP100")


def demand_dict(demand: np.ndarray) -> dict[int, float]:
    """bw2calc's demand form: product id (here the row index) to amount, non-zeros only."""
    vector = np.asarray(demand, dtype=float).ravel()
    return {int(i): float(vector[i]) for i in np.flatnonzero(vector)}


def datapackage(
    matrices: Matrices,
    *,
    technosphere: UncertainValues | None = None,
    intervention: UncertainValues | None = None,
) -> bwp.Datapackage:
    """Pack A, B and c for bw2calc, with stats_arrays distributions where uncertainty is given.

    bw2calc stores technosphere inputs as positive amounts flagged ``flip``, as bw2data writes
    them; we do the same for every negative value, so the matrix bw2calc builds equals A.
    """
    package = bwp.create_datapackage(sum_intra_duplicates=True)
    _add_matrix(package, "technosphere_matrix", matrices.technosphere, technosphere)
    _add_matrix(package, "biosphere_matrix", matrices.intervention, intervention)
    flows = np.arange(matrices.characterization.size)
    package.add_persistent_vector(
        matrix="characterization_matrix",
        indices_array=_indices(flows, np.zeros_like(flows)),
        data_array=np.asarray(matrices.characterization, dtype=float),
        name="characterization",
        identifier=list(IMPACT_CATEGORY),
    )
    return package


def _indices(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=bwp.INDICES_DTYPE)
    out["row"] = rows
    out["col"] = cols
    return out


def _add_matrix(
    package: bwp.Datapackage,
    name: str,
    matrix: sparse.spmatrix,
    uncertain: UncertainValues | None,
) -> None:
    if uncertain is None:
        coo = sparse.coo_matrix(matrix)
        rows, cols, amount = coo.row, coo.col, coo.data.astype(float)
        distributions = None
    else:
        rows, cols, amount = uncertain.rows, uncertain.cols, np.asarray(uncertain.amount, float)
        distributions = _distributions(uncertain)
    package.add_persistent_vector(
        matrix=name,
        indices_array=_indices(np.asarray(rows), np.asarray(cols)),
        data_array=np.abs(amount),
        flip_array=amount < 0,
        distributions_array=distributions,
        name=name.removesuffix("_matrix"),
    )


def _distributions(uncertain: UncertainValues) -> np.ndarray:
    """Translate tanji's kinds into stats_arrays rows for the *absolute* value (flip adds sign).

    Lognormal: ``loc = ln|amount|``, ``scale = sigma`` (median ``|amount|``). Normal: mean
    ``|amount|``. Triangular/uniform bounds are mirrored for negative amounts.
    """
    amount = np.asarray(uncertain.amount, dtype=float)
    kind = np.asarray(uncertain.kind, dtype=np.intp)
    negative = amount < 0
    magnitude = np.abs(amount)
    low = np.where(negative, -np.asarray(uncertain.high, float), uncertain.low)
    high = np.where(negative, -np.asarray(uncertain.low, float), uncertain.high)
    bounded = (kind == 3) | (kind == 4)

    out = np.zeros(amount.size, dtype=bwp.UNCERTAINTY_DTYPE)
    out["uncertainty_type"] = STATS_ARRAYS_TYPE[kind]
    with np.errstate(divide="ignore"):
        out["loc"] = np.where(kind == 1, np.log(magnitude), magnitude)
    out["scale"] = np.where((kind == 1) | (kind == 2), uncertain.sigma, np.nan)
    out["shape"] = np.nan
    out["minimum"] = np.where(bounded, low, np.nan)
    out["maximum"] = np.where(bounded, high, np.nan)
    out["negative"] = False
    return out


def new_lca(
    matrices: Matrices,
    demand: np.ndarray,
    *,
    package: bwp.Datapackage | None = None,
    **kwargs: object,
) -> bw2calc.LCA:
    """A bw2calc ``LCA`` over ``matrices`` (or a prepared ``package``), not yet calculated."""
    package = package if package is not None else datapackage(matrices)
    return bw2calc.LCA(demand_dict(demand), data_objs=[package], **kwargs)


def score(matrices: Matrices, demand: np.ndarray) -> float:
    """bw2calc's footprint of one demand: ``lci()`` then ``lcia()``, as a user would run it."""
    lca = new_lca(matrices, demand)
    lca.lci()
    lca.lcia()
    return float(lca.score)


def scores(matrices: Matrices, demands: np.ndarray | sparse.spmatrix) -> np.ndarray:
    """Footprints of the columns of ``demands`` (n×k) with one ``decompose_technosphere``.

    This is bw2calc's documented way to score many demands without pypardiso: one LU, then a
    forward solve, inventory and characterisation per demand.
    """
    columns = list(_columns(demands))
    lca = new_lca(matrices, columns[0])
    lca.lci(factorize=True)
    lca.lcia()
    out = np.empty(len(columns))
    for k, column in enumerate(columns):
        demand = demand_dict(column)
        if not demand:  # bw2calc would silently reuse its previous demand for an empty one
            out[k] = 0.0
            continue
        lca.lci(demand=demand)
        lca.lcia_calculation()
        out[k] = lca.score
    return out


def unit_scores(matrices: Matrices) -> np.ndarray:
    """Footprint of one unit of every product, by bw2calc, one demand per product."""
    n = matrices.technosphere.shape[0]
    return scores(matrices, sparse.identity(n, format="csc"))


def _columns(demands: np.ndarray | sparse.spmatrix) -> Iterator[np.ndarray]:
    if sparse.issparse(demands):
        csc = sparse.csc_matrix(demands)
        for k in range(csc.shape[1]):
            yield csc[:, [k]].toarray().ravel()
    else:
        array = np.asarray(demands, dtype=float)
        array = array.reshape(array.shape[0], -1)
        yield from array.T


def monte_carlo(
    matrices: Matrices,
    demand: np.ndarray,
    *,
    technosphere: UncertainValues | None,
    intervention: UncertainValues | None,
    iterations: int,
    seed: int,
) -> np.ndarray:
    """bw2calc's Monte Carlo: ``use_distributions=True``, then one ``next(lca)`` per draw.

    The first draw is the one the constructor samples, so ``iterations`` scores come from
    ``iterations`` independent samples of A and B.
    """
    package = datapackage(matrices, technosphere=technosphere, intervention=intervention)
    lca = new_lca(matrices, demand, package=package, use_distributions=True, seed_override=seed)
    lca.lci()
    lca.lcia()
    out = np.empty(iterations)
    out[0] = lca.score
    for k in range(1, iterations):
        next(lca)
        out[k] = lca.score
    return out
