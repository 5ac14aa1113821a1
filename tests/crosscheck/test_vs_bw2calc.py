"""tanji's engine against bw2calc on 120 seeded random systems with loops and credits.

bw2calc is the reference implementation of matrix LCA; agreeing with it to 1e-9 relative on
systems nobody hand-picked is the evidence that tanji's sign conventions, transposed solve and
characterisation are right. Names follow bw2calc (``technosphere_matrix``, ``score``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from tanji.core import engine
from tanji.core.matrices import Matrices
from tanji.core.uncertainty import monte_carlo

from . import bw
from .random_systems import (
    LOGNORMAL,
    NORMAL,
    TRIANGULAR,
    UNIFORM,
    random_matrices,
    random_uncertainty,
)

SEEDS = range(120)
RTOL = 1e-9


def demands_for(matrices: Matrices, seed: int, count: int = 6) -> np.ndarray:
    """``count`` demands (n×count): single products with odd amounts and small baskets."""
    rng = np.random.default_rng(10_000 + seed)
    n = matrices.technosphere.shape[0]
    out = np.zeros((n, count))
    for k in range(count):
        products = rng.choice(n, size=int(rng.integers(1, min(4, n) + 1)), replace=False)
        out[products, k] = rng.lognormal(0.0, 2.0, products.size)
    return out


class TestConversion:
    @pytest.mark.parametrize("seed", range(5))
    def test_bw2calc_builds_the_same_matrices(self, seed: int) -> None:
        matrices = random_matrices(seed)
        lca = bw.new_lca(matrices, demands_for(matrices, seed)[:, 0])
        lca.lci()
        lca.lcia()
        assert (abs(lca.technosphere_matrix - matrices.technosphere)).max() == 0.0
        # bw2calc drops flows nobody emits, so compare the characterised rows cB instead
        cb_bw = (lca.characterization_matrix @ lca.biosphere_matrix).toarray().sum(axis=0)
        np.testing.assert_allclose(cb_bw, matrices.characterized_intervention(), rtol=1e-15)


class TestScore:
    @pytest.mark.parametrize("seed", SEEDS)
    def test_matches_lca_score(self, seed: int) -> None:
        matrices = random_matrices(seed)
        demand = demands_for(matrices, seed, count=1)[:, 0]
        assert engine.score(matrices, demand) == pytest.approx(bw.score(matrices, demand), rel=RTOL)


class TestScoresForDemands:
    @pytest.mark.parametrize("seed", SEEDS)
    def test_matches_decomposed_lca_loop(self, seed: int) -> None:
        matrices = random_matrices(seed)
        demands = demands_for(matrices, seed)
        expected = bw.scores(matrices, demands)
        np.testing.assert_allclose(
            engine.scores_for_demands(matrices, demands), expected, rtol=RTOL
        )
        np.testing.assert_allclose(
            engine.scores_for_demands(matrices, sparse.csc_matrix(demands)), expected, rtol=RTOL
        )


class TestUnitFootprints:
    @pytest.mark.parametrize("seed", SEEDS)
    def test_matches_one_lca_per_product(self, seed: int) -> None:
        matrices = random_matrices(seed)
        np.testing.assert_allclose(
            engine.unit_footprints(matrices), bw.unit_scores(matrices), rtol=RTOL
        )


class TestMonteCarlo:
    """Different random streams, so only statistics can agree; seeds make the check exact."""

    @pytest.mark.parametrize(
        ("seed", "kinds"),
        [(7, (LOGNORMAL,)), (11, (LOGNORMAL, NORMAL, TRIANGULAR, UNIFORM))],
    )
    def test_statistics_match_use_distributions(self, seed: int, kinds: tuple[int, ...]) -> None:
        matrices = random_matrices(seed, size=(20, 40))
        demand = demands_for(matrices, seed, count=1)[:, 0]
        technosphere = random_uncertainty(matrices.technosphere, seed, kinds=kinds)
        intervention = random_uncertainty(matrices.intervention, seed + 1, kinds=kinds)
        options = {"technosphere": technosphere, "intervention": intervention, "seed": seed}
        ours = monte_carlo(matrices, demand, iterations=4000, **options)
        theirs = bw.monte_carlo(matrices, demand, iterations=4000, **options)
        static = engine.score(matrices, demand)
        # the spread must be real, or the comparison below proves nothing
        assert theirs.std() > 0.02 * abs(static)
        # four standard errors of the difference of two independent means: fails for a wrong
        # median or sign, not for sampling noise
        standard_error = np.sqrt((ours.var() + theirs.var()) / ours.size)
        assert abs(ours.mean() - theirs.mean()) < 4 * standard_error
        # the std of 4,000 draws scatters by ~2-3 %; a misread sigma moves it far more
        assert ours.std() == pytest.approx(theirs.std(), rel=0.08)
