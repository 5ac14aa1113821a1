"""A seeded, ecoinvent-shaped synthetic product system for benchmarking the engine.

A random sparse matrix is no stand-in for an LCA database: its LU fills in until it is dense.
Real technosphere matrices are supply chains, so this one is built like one:

* purchases go through markets, as in ecoinvent: producers buy from markets of more basic
  products (lower in a hidden topological order), chosen with a skewed popularity;
* loops live only inside clusters of a few hundred basic activities (electricity ↔ coal ↔
  steel ↔ heat), where producers also buy from markets of their own cluster;
* hubs (regional electricity grids, transport, heat) are inputs to thousands of activities;
* the activity order is shuffled at the end, as database ids are, so no solver gets the
  triangular order for free.

Input amounts are value shares of the buyer's output at hidden prices spread over orders of
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

# (gas, GWP100 AR6 kg CO2e/kg, share of producers emitting it, typical kg per unit of value)
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
    producers_per_market: float = 4.0
    clusters: int = 12
    cluster_markets: tuple[int, int] = (30, 70)  # ×(1 + producers) ≈ 150–350 activities
    loop_share: float = 0.4  # share of a cluster producer's inputs bought inside its cluster
    inputs_per_producer: float = 21.0  # mean draws before duplicates merge, besides hubs
    popularity: float = 0.8  # Pareto index of how often a market is bought from
    price_spread: float = 1.0  # σ of ln(price): how far unit magnitudes spread
    uncertain_share: float = 0.85
    sigma: tuple[float, float] = (0.05, 0.3)


QUICK = Shape(activities=2_500, clusters=4, cluster_markets=(15, 30))


@dataclass(frozen=True)
class SyntheticSystem:
    """The matrices, their lognormal uncertainty, and where the hubs ended up."""

    matrices: Matrices
    technosphere: UncertainValues
    intervention: UncertainValues
    hubs: np.ndarray  # activity indices of grids, heat and transport markets
    seed: int


@dataclass(frozen=True)
class _Layout:
    """Markets 0..M-1 in topological order (basic first), then their producers M..n-1."""

    markets: int
    producer_market: np.ndarray  # the market each producer sells to
    cluster_starts: np.ndarray  # market index bounds of the looped clusters
    grids: np.ndarray
    heat: np.ndarray
    transport: np.ndarray

    @property
    def hubs(self) -> np.ndarray:
        return np.concatenate([self.grids, self.heat, self.transport])

    def cluster_of(self, market: int) -> int:
        """Index of the cluster holding ``market``, or -1 outside the looped clusters."""
        c = int(np.searchsorted(self.cluster_starts, market, side="right")) - 1
        return c if c < len(self.cluster_starts) - 1 else -1


@dataclass
class _Edges:
    rows: list[np.ndarray]
    cols: list[np.ndarray]
    shares: list[np.ndarray]

    def add(self, rows: np.ndarray, col: int | np.ndarray, shares: np.ndarray) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.cols.append(np.broadcast_to(np.asarray(col, dtype=np.int64), np.shape(rows)))
        self.shares.append(np.asarray(shares, dtype=float))


def build(seed: int = 42, shape: Shape | None = None) -> SyntheticSystem:
    """Build the synthetic system for ``seed``; same seed and shape, same matrices.

    Like ecoinvent, every purchase goes through a market: a market (few inputs, many buyers)
    buys from the producers of its product and from transport; a producer (many inputs, one
    buyer) buys from markets of more basic products. That bipartite, skewed shape is what keeps
    the LU of real technosphere matrices sparse.
    """
    shape = shape or Shape()
    rng = np.random.default_rng(seed)
    n = shape.activities
    layout = _layout(rng, shape)
    popularity = rng.pareto(shape.popularity, layout.markets) + 0.05
    popularity[layout.hubs] = 0.0  # hubs are bought explicitly below, not by chance
    cumulative = np.cumsum(popularity)

    edges = _Edges([], [], [])
    _market_inputs(rng, edges, layout)
    grid_weight = rng.dirichlet(np.full(layout.grids.size, 0.6))
    for p, market in enumerate(layout.producer_market):
        picked = _producer_inputs(rng, layout, int(market), cumulative, grid_weight, shape)
        edges.add(picked, layout.markets + p, rng.lognormal(0.0, 1.0, picked.size))

    rows = np.concatenate(edges.rows)
    cols = np.concatenate(edges.cols)
    # merge duplicate picks so every stored value carries exactly one distribution
    key, inverse = np.unique(rows * n + cols, return_inverse=True)
    shares = np.bincount(inverse, weights=np.concatenate(edges.shares))
    rows, cols = np.divmod(key, n)
    shares = _normalise(rng, cols, shares, n)

    price = rng.lognormal(0.0, shape.price_spread, n)
    price[layout.markets :] = price[layout.producer_market]  # one product, one price
    output = np.where(rng.random(n) < 0.9, 1.0, rng.choice([0.5, 2.0, 10.0, 1000.0], n))
    inputs = -shares * output[cols] * price[cols] / price[rows]

    order = rng.permutation(n)  # shuffled ids: new index of old activity k is order[k]
    diagonal = np.arange(n)
    technosphere = sparse.csc_matrix(
        (
            np.concatenate([output, inputs]),
            (order[np.concatenate([diagonal, rows])], order[np.concatenate([diagonal, cols])]),
        ),
        shape=(n, n),
    )
    technosphere.sum_duplicates()
    technosphere.sort_indices()
    basic = np.zeros(n, dtype=bool)
    basic[: layout.cluster_starts[-1]] = True
    basic[layout.markets :] = layout.producer_market < layout.cluster_starts[-1]
    producer = np.arange(n) >= layout.markets
    intervention = _intervention(rng, n, basic, producer, price, output)
    matrices = Matrices(
        technosphere=technosphere,
        intervention=sparse.csr_matrix(intervention[:, np.argsort(order)]),
        characterization=np.array([gwp for _, gwp, _, _ in GASES]),
    )
    return SyntheticSystem(
        matrices=matrices,
        technosphere=lognormal_uncertainty(matrices.technosphere, rng, shape),
        intervention=lognormal_uncertainty(matrices.intervention, rng, shape),
        hubs=order[layout.hubs],
        seed=seed,
    )


def _layout(rng: np.random.Generator, shape: Shape) -> _Layout:
    """Size the markets and clusters, give producers to markets and place the hubs."""
    markets = round(shape.activities / (1.0 + shape.producers_per_market))
    producers = shape.activities - markets
    counts = np.ones(markets, dtype=np.int64)
    counts += np.bincount(rng.integers(0, markets, producers - markets), minlength=markets)
    sizes = rng.integers(shape.cluster_markets[0], shape.cluster_markets[1] + 1, shape.clusters)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    grids, heat, transport = [], [], []
    for c in range(shape.clusters):
        hub = rng.choice(np.arange(starts[c], starts[c + 1]), size=3, replace=False)
        grids.append(hub[0])
        if c == 0 or rng.random() < 0.5:
            heat.append(hub[1])
        if c == 0 or rng.random() < 0.5:
            transport.append(hub[2])
    return _Layout(
        markets=markets,
        producer_market=np.repeat(np.arange(markets), counts),
        cluster_starts=starts,
        grids=np.array(grids),
        heat=np.array(heat),
        transport=np.array(transport),
    )


def _market_inputs(rng: np.random.Generator, edges: _Edges, layout: _Layout) -> None:
    """Each market buys its product from its producers, and transport unless it is transport.

    Markets of the first cluster buy only its own transport, so no loop spans clusters.
    """
    producers = layout.markets + np.arange(layout.producer_market.size)
    edges.add(producers, layout.producer_market, rng.lognormal(0.0, 1.0, producers.size))
    buyers = np.setdiff1d(np.arange(layout.markets), layout.transport)
    first = layout.transport[layout.transport < layout.cluster_starts[1]]
    carriers = np.where(
        buyers < layout.cluster_starts[1],
        rng.choice(first, buyers.size),
        rng.choice(layout.transport, buyers.size),
    )
    ok = (carriers < buyers) | (buyers < layout.cluster_starts[1])
    edges.add(carriers[ok], buyers[ok], np.full(int(ok.sum()), 0.05))


def _pick(
    rng: np.random.Generator, cumulative: np.ndarray, lo: int, hi: int, count: int
) -> np.ndarray:
    """``count`` markets in [lo, hi), each with probability proportional to its popularity."""
    if hi <= lo or count == 0:
        return np.zeros(0, dtype=np.int64)
    base = cumulative[lo - 1] if lo > 0 else 0.0
    draws = base + rng.random(count) * (cumulative[hi - 1] - base)
    return np.clip(np.searchsorted(cumulative, draws, side="right"), lo, hi - 1)


def _producer_inputs(
    rng: np.random.Generator,
    layout: _Layout,
    market: int,
    cumulative: np.ndarray,
    grid_weight: np.ndarray,
    shape: Shape,
) -> np.ndarray:
    """Markets a producer of ``market``'s product buys from.

    Outside the clusters only more basic markets (lower index), so no loop can form there;
    inside cluster c also any market of c, closing loops that stay within c.
    """
    count = int(rng.poisson(shape.inputs_per_producer))
    c = layout.cluster_of(market)
    hubs = layout.hubs
    if c >= 0:
        lo, hi = int(layout.cluster_starts[c]), int(layout.cluster_starts[c + 1])
        inside = int(rng.binomial(count, shape.loop_share))
        own = hubs[(hubs >= lo) & (hubs < hi)]
        earlier = _pick(rng, cumulative, 0, lo, count - inside)
        picked = [earlier, _pick(rng, cumulative, lo, hi, inside), own]
        allowed = hi  # markets of this and earlier clusters only
    else:
        picked = [_pick(rng, cumulative, 0, market, count)]
        if rng.random() < 0.9:
            picked.append(rng.choice(layout.grids, size=1, p=grid_weight))
        if rng.random() < 0.8:
            picked.append(rng.choice(layout.transport, size=1 + rng.binomial(1, 0.4)))
        if rng.random() < 0.3:
            picked.append(rng.choice(layout.heat, size=1))
        allowed = market
    chosen = np.unique(np.concatenate(picked).astype(np.int64))
    return chosen[(chosen < allowed) & (chosen != market)]


def _normalise(
    rng: np.random.Generator, cols: np.ndarray, weights: np.ndarray, n: int
) -> np.ndarray:
    """Scale each column's weights to a value share in [0.3, 0.9): inputs cost less than output."""
    total = np.bincount(cols, weights=weights, minlength=n)
    target = rng.uniform(0.3, 0.9, n)
    return weights * (target / np.where(total > 0, total, 1.0))[cols]


def _intervention(
    rng: np.random.Generator,
    n: int,
    basic: np.ndarray,
    producer: np.ndarray,
    price: np.ndarray,
    output: np.ndarray,
) -> sparse.csr_matrix:
    """kg of each gas per run. Producers emit, markets do not; basic ones emit more, more often."""
    rows, cols, values = [], [], []
    boost = np.where(basic, 2.0, 1.0)
    for g, (_, _, density, intensity) in enumerate(GASES):
        chance = np.where(producer, np.minimum(1.0, density * boost), 0.0)
        emitters = np.flatnonzero(rng.random(n) < chance)
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
    buyers = np.diff(sparse.csr_matrix(a).indptr)[system.hubs] - 1
    facts: dict[str, float] = {
        "activities": n,
        "nnz_A": a.nnz,
        "nnz_B": system.matrices.intervention.nnz,
        "gases": system.matrices.intervention.shape[0],
        "loops": int((loop_sizes > 1).sum()),
        "largest_loop": int(loop_sizes.max()),
        "hubs": int(system.hubs.size),
        "min_hub_buyers": int(buyers.min()),
        "max_hub_buyers": int(buyers.max()),
        "uncertain_A": int((system.technosphere.kind != 0).sum()),
        "uncertain_B": int((system.intervention.kind != 0).sum()),
    }
    factors = {}
    for name, matrix in (("A", a.tocsc()), ("At", a.T.tocsc())):
        start = time.perf_counter()
        factors[name] = splu(matrix, permc_spec="COLAMD")
        facts[f"splu_{name}_seconds"] = time.perf_counter() - start
        facts[f"fill_{name}"] = (factors[name].L.nnz + factors[name].U.nnz - n) / a.nnz
    scaling = factors["At"].solve(np.ones(n), trans="T")  # A s = 1: every product once
    facts["residual"] = float(np.linalg.norm(a @ scaling - 1.0) / np.sqrt(n))
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
