"""Monte Carlo: seeded, exact per draw, right statistics, and a sensible sensitivity ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from tanji.core import solvers
from tanji.core.build import build
from tanji.core.matrices import Matrices
from tanji.core.model import Allocation, Pedigree, Uncertainty
from tanji.core.quality import pedigree_sigma
from tanji.core.results import calculate
from tanji.core.uncertainty import (
    LOGNORMAL,
    NORMAL,
    UncertainValues,
    rank_correlations,
    run_monte_carlo,
    summarise,
)
from tests.factories import buy, emit, factor, output, process, system

GRID = factor("grid", "kWh", CO2e=0.5)


def single_input(uncertainty: Uncertainty):
    return system([process("p", inputs=[buy("power", 100, "kWh", GRID, uncertainty=uncertainty)])])


class TestReproducible:
    def test_same_seed_same_numbers(self) -> None:
        model = single_input(Uncertainty("lognormal", gsd=1.3))
        first = calculate(model, iterations=300, seed=7).uncertainty
        again = calculate(model, iterations=300, seed=7).uncertainty
        other = calculate(model, iterations=300, seed=8).uncertainty
        assert first == again
        assert first != other


class TestDistributions:
    def test_lognormal_median_and_spread(self) -> None:
        stats = calculate(
            single_input(Uncertainty("lognormal", gsd=1.2)), iterations=20000, seed=1
        ).uncertainty
        # 100 kWh × 0.5 = 50; median 50, ln-spread ln 1.2 → 95 % interval 50 × 1.2^±1.96
        assert stats.median == pytest.approx(50, rel=0.01)
        assert stats.p97_5 == pytest.approx(50 * 1.2**1.96, rel=0.02)
        assert stats.p2_5 == pytest.approx(50 / 1.2**1.96, rel=0.02)

    def test_normal_mean_and_sd(self) -> None:
        stats = calculate(
            single_input(Uncertainty("normal", sd=10)), iterations=20000, seed=2
        ).uncertainty
        assert stats.mean == pytest.approx(50, rel=0.005)
        assert stats.std == pytest.approx(5, rel=0.03)  # sd 10 kWh × 0.5

    def test_triangular_mean(self) -> None:
        stats = calculate(
            single_input(Uncertainty("triangular", minimum=60, maximum=180)),
            iterations=20000,
            seed=3,
        ).uncertainty
        assert stats.mean == pytest.approx((60 + 100 + 180) / 3 * 0.5, rel=0.01)

    def test_uniform_bounds(self) -> None:
        stats = calculate(
            single_input(Uncertainty("uniform", minimum=90, maximum=110)), iterations=5000, seed=4
        ).uncertainty
        assert 45 <= stats.p2_5 < stats.p97_5 <= 55
        assert stats.mean == pytest.approx(50, rel=0.01)


class TestPedigree:
    def test_sigma_from_scores(self) -> None:
        assert pedigree_sigma(Pedigree(1, 1, 1, 1, 1)) == pytest.approx(math.sqrt(0.0006))
        worst = 0.0006 + 0.04 + 0.008 + 0.04 + 0.002 + 0.12
        assert pedigree_sigma(Pedigree(5, 5, 5, 5, 5)) == pytest.approx(math.sqrt(worst))

    def test_scores_alone_give_a_spread(self) -> None:
        model = system(
            [process("p", inputs=[buy("power", 100, "kWh", GRID, quality=Pedigree(4, 4, 4, 4, 4))])]
        )
        stats = calculate(model, iterations=5000, seed=5).uncertainty
        assert stats.std > 0
        sigma = pedigree_sigma(Pedigree(4, 4, 4, 4, 4))
        assert stats.p97_5 == pytest.approx(50 * math.exp(1.96 * sigma), rel=0.03)


def loop_matrices(gain: float) -> Matrices:
    a = sp.csc_matrix(np.array([[1.0, -gain, -0.2], [-0.5, 1.0, 0.0], [0.0, -0.3, 1.0]]))
    b = sp.csr_matrix(np.array([[1.0, 2.0, 0.5], [0.01, 0.0, 0.02]]))
    return Matrices(a, b, np.array([1.0, 29.8]))


class TestExactPerDraw:
    @pytest.mark.parametrize("sigma", [0.05, 0.6])
    @pytest.mark.parametrize("ordered", [True, False], ids=["refactorise", "refine"])
    def test_each_iteration_matches_a_direct_solve(
        self, sigma: float, ordered: bool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if not ordered:
            # as for a system dominated by one large loop: A₀'s LU preconditions refinement
            monkeypatch.setattr(solvers, "_LARGEST_BLOCK_FOR_NATURAL", 0)
        # sigma 0.6 on a loop with gain near one makes refinement stall: the direct path runs
        matrices = loop_matrices(1.7)
        tech = UncertainValues(
            rows=np.array([0, 1, 2]),
            cols=np.array([1, 0, 1]),
            amount=np.array([-1.7, -0.5, -0.3]),
            kind=np.array([LOGNORMAL, LOGNORMAL, NORMAL]),
            sigma=np.array([sigma, sigma, 0.05]),
        )
        bio = UncertainValues(
            rows=np.array([0]),
            cols=np.array([1]),
            amount=np.array([2.0]),
            kind=np.array([LOGNORMAL]),
            sigma=np.array([0.2]),
        )
        demand = np.array([1.0, 0.0, 0.0])
        run = run_monte_carlo(
            matrices,
            demand,
            technosphere=tech,
            intervention=bio,
            iterations=150,
            seed=11,
            keep_samples=True,
        )
        for k in range(150):
            a = matrices.technosphere.toarray()
            for e in range(3):
                a[tech.rows[e], tech.cols[e]] = run.technosphere_samples[e, k]
            b = matrices.intervention.toarray()
            b[0, 1] = run.intervention_samples[0, k]
            supply = np.linalg.solve(a, demand)
            expected = matrices.characterization @ (b @ supply)
            assert run.scores[k] == pytest.approx(expected, rel=1e-9)


class TestAllocatedInputsMoveTogether:
    def test_one_draw_per_input(self) -> None:
        outputs = [output("a", 1, "t"), output("b", 1, "t")]
        coal = factor("coal", "kg", CO2=2.0)
        p = process(
            "p",
            outputs,
            inputs=[buy("coal", 100, "kg", coal, uncertainty=Uncertainty("lognormal", gsd=1.5))],
            allocation=Allocation.MASS,
        )
        built = build(system([p], reference="a"))
        values = built.technosphere_uncertainty
        assert len(values) == 2 and values.groups == 1
        run = run_monte_carlo(
            built.matrices,
            built.demand,
            technosphere=values,
            intervention=None,
            iterations=50,
            seed=1,
            keep_samples=True,
        )
        ratio = run.technosphere_samples[0] / run.technosphere_samples[1]
        assert np.allclose(ratio, ratio[0])


class TestSensitivity:
    def test_the_driving_input_ranks_first(self) -> None:
        coal = factor("coal", "kg", CO2=2.0)
        model = system(
            [
                process(
                    "p",
                    inputs=[
                        buy(
                            "coal", 1000, "kg", coal, uncertainty=Uncertainty("lognormal", gsd=1.5)
                        ),
                        buy(
                            "power", 10, "kWh", GRID, uncertainty=Uncertainty("lognormal", gsd=1.5)
                        ),
                    ],
                    emissions=[emit("CO2", 5, uncertainty=Uncertainty("normal", sd=1))],
                )
            ]
        )
        ranking = calculate(model, iterations=2000, seed=9).sensitivity
        assert ranking[0].parameter == "p › coal"
        assert ranking[0].correlation > 0.9
        assert {item.parameter for item in ranking} == {"p › coal", "p › power", "p › CO2"}

    def test_rank_correlation_of_monotone_relation(self) -> None:
        x = np.linspace(1, 10, 50)
        rho = rank_correlations(np.vstack([x, -x, np.ones(50)]), x**3)
        assert rho == pytest.approx([1.0, -1.0, 0.0])

    def test_summary(self) -> None:
        stats = summarise(np.arange(1.0, 101.0), seed=0)
        assert stats.median == pytest.approx(50.5) and stats.iterations == 100
