"""A seeded, ecoinvent-shaped synthetic product system for benchmarking the engine.

A random sparse matrix is no stand-in for an LCA database: its LU fills in until it is dense.
Real technosphere matrices are supply chains, so this one is built like one:

* most activities draw on more basic ones (lower in a hidden topological order), some from
  their own sector's neighbourhood and some from basic materials and energy;
* loops live only inside clusters of a few hundred basic activities (electricity ↔ coal ↔
  steel ↔ heat), each closed through the cluster's markets;
* hubs (regional electricity grids, transport, heat) are inputs to thousands of activities;
* the activity order is shuffled at the end, as database ids are, so no solver gets the
  triangular order for free.

Input amounts are value shares of the consumer's output at hidden prices spread over orders of
magnitude (like mixed units); shares in a column sum below one, so every sample is solvable.
Run ``python -m benchmarks.synthetic`` to print the shape and the LU fill-in.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.sparse.linalg import splu

from tanji.core.matrices import Matrices
from tanji.core.uncertainty import UncertainValues

# (gas, GWP100 AR6 kg CO2e/kg, share of activities emitting it, typical kg per unit of value)
GASES: tuple[tuple[str, float, float, float], ...] = (
    ("CO2, fossil", 1.0, 0.55, 1.0),
    ("CO2, land use change", 1.0, 0.04, 0.5),
    ("CH4, fossil", 29.8, 0.35, 2e-3),
    ("CH4, biogenic", 27.0, 0.15, 3e-3),
    ("N2O", 273.0, 0.30, 1e-4),
    ("SF6", 25_200.0, 0.03, 1e-7),
    ("NF3", 17_400.0, 0.005, 1e-8),
    ("CF4", 7_380.0, 0.01, 1e-7),
    ("C2F6", 12_400.0, 0.01, 1e-8),
    ("HFC-23", 14_600.0, 0.005, 1e-8),
    ("HFC-32", 771.0, 0.02, 1e-7),
    ("HFC-125", 3_740.0, 0.02, 1e-7),
    ("HFC-134a", 1_530.0, 0.05, 1e-6),
    ("HFC-143a", 5_810.0, 0.01, 1e-7),
    ("HFC-152a", 164.0, 0.005, 1e-7),
    ("HCFC-22", 1_960.0, 0.02, 1e-7),
    ("CFC-12", 12_500.0, 0.003, 1e-9),
    ("Halon 1301", 7_200.0, 0.003, 1e-9),
    ("CH2Cl2", 11.2, 0.01, 1e-6),
    ("CHCl3", 20.6, 0.005, 1e-7),
)


@dataclass(frozen=True)
class Shape:
    """Size knobs; the defaults give ≈25,000 activities and ≈300,000 stored values in A."""

    activities: int = 25_000
    clusters: int = 12
    cluster_size: tuple[int, int] = (150, 450)
    inputs_per_activity: float = 8.0  # mean, besides hubs and the reference output
    uncertain_share: float = 0.85
    sigma: tuple[float, float] = (0.05, 0.3)


QUICK = Shape(activities=2_500, clusters=4, cluster_size=(60, 150))


@dataclass(frozen=True)
class SyntheticSystem:
    """The matrices, their lognormal uncertainty, and where the hubs ended up."""

    matrices: Matrices
    technosphere: UncertainValues
    intervention: UncertainValues
    hubs: np.ndarray  # activity indices of grids, heat and transport markets
    seed: int


@dataclass
class _Edges:
    rows: list[np.ndarray]
    cols: list[np.ndarray]
    shares: list[np.ndarray]

    def add(self, rows: np.ndarray, col: int, shares: np.ndarray) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.cols.append(np.full(len(rows), col, dtype=np.int64))
        self.shares.append(np.asarray(shares, dtype=float))


def build(seed: int = 42, shape: Shape | None = None) -> SyntheticSystem:
    """Build the synthetic system for ``seed``; same seed and shape, same matrices."""
    shape = shape or Shape()
    rng = np.random.default_rng(seed)
    n = shape.activities
    sizes = rng.integers(shape.cluster_size[0], shape.cluster_size[1] + 1, shape.clusters)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    basic = int(starts[-1])

    edges = _Edges([], [], [])
    grids, heat, transport = _cluster_hubs(rng, starts)
    for c in range(shape.clusters):
        _cluster_inputs(rng, edges, starts, c, grids, heat, transport, shape)
    hub_list = np.concatenate([grids, heat, transport])
    grid_weight = rng.dirichlet(np.full(grids.size, 0.6))
    for j in range(basic, n):
        _regular_inputs(rng, edges, j, basic, grids, grid_weight, heat, transport, shape)

    rows = np.concatenate(edges.rows)
    cols = np.concatenate(edges.cols)
    # merge duplicate picks so every stored value carries exactly one distribution
    key, inverse = np.unique(rows * n + cols, return_inverse=True)
    shares = np.bincount(inverse, weights=np.concatenate(edges.shares))
    rows, cols = np.divmod(key, n)
    shares = _normalise(rng, cols, shares, n)

    price = rng.lognormal(0.0, 2.0, n)
    output = np.where(rng.random(n) < 0.9, 1.0, rng.choice([0.5, 2.0, 10.0, 1000.0], n))
    inputs = -shares * output[cols] * price[cols] / price[rows]

    order = rng.permutation(n)  # shuffled ids: new index of old activity k is order[k]
    technosphere = sparse.csc_matrix(
        (
            np.concatenate([output, inputs]),
            (order[np.concatenate([np.arange(n), rows])], order[np.concatenate([np.arange(n),
                                                                                 cols])]),
        ),
        shape=(n, n),
    )
    technosphere.sum_duplicates()
    technosphere.sort_indices()
    intervention = _intervention(rng, n, basic, price, output)
    intervention = intervention[:, np.argsort(order)]  # columns follow the shuffle
    matrices = Matrices(
        technosphere=technosphere,
        intervention=sparse.csr_matrix(intervention),
        characterization=np.array([gwp for _, gwp, _, _ in GASES]),
    )
    return SyntheticSystem(
        matrices=matrices,
        technosphere=lognormal_uncertainty(matrices.technosphere, rng, shape),
        intervention=lognormal_uncertainty(matrices.intervention, rng, shape),
        hubs=order[hub_list],
        seed=seed,
    )


def _cluster_hubs(
    rng: np.random.Generator, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick a grid in every cluster, and heat and transport markets in about half of them."""
    grids, heat, transport = [], [], []
    for c in range(len(starts) - 1):
        members = rng.choice(np.arange(starts[c], starts[c + 1]), size=3, replace=False)
        grids.append(members[0])
        if rng.random() < 0.6 or c == 0:
            heat.append(members[1])
        if rng.random() < 0.6 or c == 0:
            transport.append(members[2])
    return np.array(grids), np.array(heat), np.array(transport)


def _cluster_inputs(
    rng: np.random.Generator,
    edges: _Edges,
    starts: np.ndarray,
    c: int,
    grids: np.ndarray,
    heat: np.ndarray,
    transport: np.ndarray,
    shape: Shape,
) -> None:
    """Inputs of cluster ``c``: mostly upstream members, loops through the cluster's markets.

    A cluster may use hubs of earlier clusters but never of later ones, so loops stay inside.
    """
    lo, hi = int(starts[c]), int(starts[c + 1])
    own = {int(h) for h in np.concatenate([grids, heat, transport]) if lo <= h < hi}
    earlier_hubs = np.concatenate([grids, heat, transport])
    earlier_hubs = earlier_hubs[earlier_hubs < lo]
    for j in range(lo, hi):
        if j in own:
            # a market buys from a handful of producers anywhere in its cluster
            producers = rng.choice(np.arange(lo, hi), size=min(12, hi - lo), replace=False)
            producers = producers[producers != j]
            edges.add(producers, j, rng.dirichlet(np.ones(producers.size)))
            continue
        count = 1 + rng.poisson(shape.inputs_per_activity * 0.4)
        upstream = rng.integers(lo, j, count) if j > lo else np.zeros(0, dtype=np.int64)
        back = rng.integers(lo, hi, rng.binomial(2, 0.03))  # rare back edge: a real loop
        markets = [h for h in own if rng.random() < 0.7]
        if earlier_hubs.size and rng.random() < 0.3:
            markets.append(int(rng.choice(earlier_hubs)))
        picked = np.concatenate([upstream, back, np.asarray(markets, dtype=np.int64)])
        picked = picked[picked != j]
        edges.add(picked, j, rng.lognormal(0.0, 1.0, picked.size))


def _regular_inputs(
    rng: np.random.Generator,
    edges: _Edges,
    j: int,
    basic: int,
    grids: np.ndarray,
    grid_weight: np.ndarray,
    heat: np.ndarray,
    transport: np.ndarray,
    shape: Shape,
) -> None:
    """Inputs of a manufacturing/service activity: upstream only, plus hubs."""
    count = rng.poisson(shape.inputs_per_activity)
    from_basic = rng.random(count) < 0.35
    nearby = rng.random(count) < 0.5
    upstream = np.where(
        from_basic,
        rng.integers(0, basic, count),
        np.where(
            nearby,
            rng.integers(max(basic, j - 400), j, count) if j > basic else 0,
            rng.integers(basic, j, count) if j > basic else 0,
        ),
    )
    upstream = upstream[(upstream != j) & (upstream < j)]
    hubs = []
    if rng.random() < 0.9:
        hubs.append(int(rng.choice(grids, p=grid_weight)))
    if rng.random() < 0.8:
        hubs.extend(rng.choice(transport, size=min(transport.size, 1 + rng.binomial(1, 0.4)),
                               replace=False).tolist())
    if rng.random() < 0.3:
        hubs.append(int(rng.choice(heat)))
    picked = np.concatenate([upstream, np.asarray(hubs, dtype=np.int64)])
    edges.add(picked, j, rng.lognormal(0.0, 1.0, picked.size))


def _normalise(rng: np.random.Generator, cols: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Scale each column's weights to a value share in [0.3, 0.9): inputs cost less than output."""
    total = np.bincount(cols, weights=weights, minlength=n)
    target = rng.uniform(0.3, 0.9, n)
    return weights * (target / np.where(total > 0, total, 1.0))[cols]


def _intervention(
    rng: np.random.Generator, n: int, basic: int, price: np.ndarray, output: np.ndarray
) -> sparse.csr_matrix:
    """kg of each gas per run; basic (energy, materials) activities emit more and more often."""
    rows, cols, values = [], [], []
    boost = np.where(np.arange(n) < basic, 2.0, 1.0)
    for g, (_, _, density, intensity) in enumerate(GASES):
        emitters = np.flatnonzero(rng.random(n) < np.minimum(1.0, density * boost))
        rows.append(np.full(emitters.size, g))
        cols.append(emitters)
        per_value = intensity * boost[emitters] * rng.lognormal(0.0, 1.5, emitters.size)
        values.append(per_value * 0.2 * price[emitters] * output[emitters])
    return sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(GASES), n),
    )


def lognormal_uncertainty(
    matrix: sparse.spmatrix, rng: np.random.Generator, shape: Shape
) -> UncertainValues:
    """Lognormal (σ of ln in ``shape.sigma``) on most stored values; reference outputs fixed."""
    coo = sparse.coo_matrix(matrix)
    size = coo.nnz
    uncertain = rng.random(size) < shape.uncertain_share
    if coo.shape[0] == coo.shape[1]:
        uncertain &= coo.row != coo.col
    return UncertainValues(
        rows=coo.row.astype(np.int64),
        cols=coo.col.astype(np.int64),
        amount=coo.data.astype(float),
        kind=np.where(uncertain, 1, 0).astype(np.uint8),
        sigma=np.where(uncertain, rng.uniform(*shape.sigma, size), 0.0),
        low=np.full(size, np.nan),
        high=np.full(size, np.nan),
    )


def describe(system: SyntheticSystem) -> dict[str, float]:
    """Shape and solvability facts: size, loops, hub use, LU fill-in of A and Aᵀ, residual."""
    a = system.matrices.technosphere
    n = a.shape[0]
    _, labels = csgraph.connected_components(a, directed=True, connection="strong")
    loop_sizes = np.bincount(labels)
    users = np.diff(sparse.csr_matrix(a).indptr)[system.hubs] - 1
    facts: dict[str, float] = {
        "activities": n,
        "nnz_A": a.nnz,
        "nnz_B": system.matrices.intervention.nnz,
        "gases": system.matrices.intervention.shape[0],
        "loops": int((loop_sizes > 1).sum()),
        "largest_loop": int(loop_sizes.max()),
        "hubs": int(system.hubs.size),
        "max_hub_users": int(users.max()),
        "uncertain_A": int((system.technosphere.kind != 0).sum()),
        "uncertain_B": int((system.intervention.kind != 0).sum()),
    }
    for name, matrix in (("A", a.tocsc()), ("At", a.T.tocsc())):
        start = time.perf_counter()
        lu = splu(matrix, permc_spec="COLAMD")
        facts[f"splu_{name}_seconds"] = time.perf_counter() - start
        facts[f"fill_{name}"] = (lu.L.nnz + lu.U.nnz - n) / a.nnz
    demand = np.zeros(n)
    demand[system.hubs[0]] = 1.0
    scaling = splu(a.tocsc()).solve(demand)
    facts["relative_residual"] = float(np.linalg.norm(a @ scaling - demand))
    facts["min_scaling"] = float(scaling.min())
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="a 2,500-activity system")
    args = parser.parse_args()
    start = time.perf_counter()
    system = build(args.seed, QUICK if args.quick else None)
    print(f"built in {time.perf_counter() - start:.1f} s")
    for key, value in describe(system).items():
        print(f"{key:>20}: {value:,.4g}" if isinstance(value, float) else f"{key:>20}: {value:,}")


if __name__ == "__main__":
    main()
