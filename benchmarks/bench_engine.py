"""Time tanji's engine against bw2calc on the same synthetic matrices, in one run.

Three questions a footprint platform asks all day: one footprint, the footprints of many
products, and a Monte Carlo run. Each is timed for both engines on the same matrices, the
answers are checked against each other, and a markdown table is printed and written to
``benchmarks/out/``. Run ``python -m benchmarks.bench_engine --help``; docs/benchmarks.md
explains the rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy
from scipy import sparse

from benchmarks.synthetic import QUICK, SyntheticSystem, build, describe
from tanji.core import engine
from tanji.core.solvers import factorize
from tanji.core.uncertainty import monte_carlo
from tests.crosscheck import bw

OUT = Path(__file__).parent / "out"


@dataclass
class Timing:
    """Wall-clock seconds of each run; ``note`` says when a figure is scaled, not measured."""

    runs: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")


@dataclass
class Row:
    label: str
    tanji: Timing
    bw2calc: Timing
    target: float | None = None  # minimum bw2calc/tanji ratio asked for, None if informative
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.bw2calc.median / self.tanji.median


def timed(fn: Callable[[], Any], repetitions: int, budget: float) -> tuple[Timing, Any]:
    """Run ``fn`` up to ``repetitions`` times, stopping early once ``budget`` seconds are spent."""
    timing = Timing()
    result = None
    for _ in range(repetitions):
        start = time.perf_counter()
        result = fn()
        timing.runs.append(time.perf_counter() - start)
        if sum(timing.runs) > budget and len(timing.runs) < repetitions:
            timing.note = f"{len(timing.runs)} of {repetitions} runs (time budget)"
            break
    return timing, result


def relative_difference(ours: np.ndarray | float, theirs: np.ndarray | float) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))


# -- (a) one footprint -----------------------------------------------------------------------


def bench_one(system: SyntheticSystem, demand: np.ndarray, reps: int, budget: float) -> list[Row]:
    """tanji ``score`` against bw2calc ``LCA(...)``, ``lci()``, ``lcia()``."""
    matrices = system.matrices
    package = bw.datapackage(matrices)

    def bw_full() -> float:
        lca = bw.new_lca(matrices, demand, package=package)
        lca.lci()
        lca.lcia()
        return float(lca.score)

    ours, value = timed(lambda: engine.score(matrices, demand), reps, budget)
    theirs, expected = timed(bw_full, reps, budget)

    loaded = bw.new_lca(matrices, demand, package=package)
    loaded.lci()
    loaded.lcia()

    def bw_solve_only() -> float:
        loaded._delete_solver_state()  # no cached LU: solve from scratch, as score() does
        loaded.lci_calculation()
        loaded.lcia_calculation()
        return float(loaded.score)

    solve_only, _ = timed(bw_solve_only, reps, budget)
    detail = f"relative difference {relative_difference(value, expected):.1e}"
    return [
        Row("(a) one footprint: `score` vs `LCA()`+`lci()`+`lcia()`", ours, theirs, 1.0, detail),
        Row("(a′) same, bw2calc matrices already built (`lci_calculation`)", ours, solve_only),
    ]


# -- (b) footprints of many products ---------------------------------------------------------


def bench_many(system: SyntheticSystem, products: int, reps: int, budget: float) -> list[Row]:
    """tanji ``scores_for_demands`` against bw2calc's loop over demands with one LU."""
    matrices = system.matrices
    n = matrices.technosphere.shape[0]
    rng = np.random.default_rng(system.seed + 1)
    chosen = rng.choice(n, size=min(products, n), replace=False)
    demands = sparse.csc_matrix(
        (np.ones(chosen.size), (chosen, np.arange(chosen.size))), shape=(n, chosen.size)
    )
    package = bw.datapackage(matrices)
    demand_dicts = [{int(i): 1.0} for i in chosen]

    def bw_loop(lca: Any) -> np.ndarray:
        out = np.empty(len(demand_dicts))
        for k, demand in enumerate(demand_dicts):
            lca.lci(demand=demand)
            lca.lcia_calculation()
            out[k] = lca.score
        return out

    def bw_full() -> np.ndarray:
        lca = bw.new_lca(matrices, demands[:, 0].toarray().ravel(), package=package)
        lca.lci(factorize=True)
        lca.lcia()
        return bw_loop(lca)

    ours, values = timed(lambda: engine.scores_for_demands(matrices, demands), reps, budget)
    theirs, expected = timed(bw_full, reps, budget)
    detail = f"max relative difference {relative_difference(values, expected):.1e}"
    rows = [
        Row(
            f"(b) {chosen.size:,} products: `scores_for_demands` vs loop with "
            "`decompose_technosphere`",
            ours,
            theirs,
            50.0,
            detail,
        )
    ]

    if "factorization" in inspect.signature(engine.scores_for_demands).parameters:
        ready = factorize(matrices.technosphere)
        reused = bw.new_lca(matrices, demands[:, 0].toarray().ravel(), package=package)
        reused.lci(factorize=True)
        reused.lcia()
        ours_given, _ = timed(
            lambda: engine.scores_for_demands(matrices, demands, factorization=ready), reps, budget
        )
        theirs_given, _ = timed(lambda: bw_loop(reused), reps, budget)
        rows.append(Row("(b′) same, both LUs already made", ours_given, theirs_given))

    def bw_multi() -> Any:
        lca = bw.bw2calc.MultiLCA(
            {str(i): d for i, d in zip(chosen, demand_dicts, strict=True)},
            {"impact_categories": [bw.IMPACT_CATEGORY]},
            data_objs=[package],
        )
        lca.lci()
        lca.lcia()
        return lca.scores

    multi, _ = timed(bw_multi, reps, budget)
    rows.append(Row("(b″) bw2calc `MultiLCA` (one `spsolve`, k right-hand sides)", ours, multi))
    try:
        fast = bw.bw2calc.FastScoresOnlyMultiLCA(
            {str(i): d for i, d in zip(chosen, demand_dicts, strict=True)},
            {"impact_categories": [bw.IMPACT_CATEGORY]},
            data_objs=[package],
            direction="adjoint",
        )
        fast_timing, _ = timed(fast.calculate, reps, budget)
        rows.append(Row("(b‴) bw2calc `FastScoresOnlyMultiLCA` (adjoint)", ours, fast_timing))
    except (ValueError, ImportError, NotImplementedError) as error:
        rows.append(
            Row(
                "(b‴) bw2calc `FastScoresOnlyMultiLCA`",
                ours,
                Timing(note=f"not available: {error}"),
            )
        )
    return rows


# -- (c) Monte Carlo -------------------------------------------------------------------------


@dataclass
class MonteCarloCheck:
    tanji: np.ndarray
    bw2calc: np.ndarray

    def summary(self) -> str:
        a, b = self.tanji, self.bw2calc
        se = np.sqrt(a.var() / a.size + b.var() / b.size)
        return (
            f"mean {a.mean():.6g} vs {b.mean():.6g} ({(a.mean() / b.mean() - 1):+.1%}, "
            f"{(a.mean() - b.mean()) / se:+.1f} SE); std {a.std():.4g} vs {b.std():.4g} "
            f"({(a.std() / b.std() - 1):+.1%}); n = {a.size:,} vs {b.size:,}"
        )

    def agrees(self) -> bool:
        a, b = self.tanji, self.bw2calc
        se = np.sqrt(a.var() / a.size + b.var() / b.size)
        same_mean = abs(a.mean() - b.mean()) <= max(0.03 * abs(b.mean()), 4 * se)
        std_error = np.sqrt(1 / (2 * a.size) + 1 / (2 * b.size))  # relative SE of a std ratio
        return bool(same_mean and abs(a.std() / b.std() - 1) <= max(0.05, 4 * std_error))


def bench_monte_carlo(
    system: SyntheticSystem,
    demand: np.ndarray,
    *,
    iterations: int,
    tanji_iterations: int,
    bw_iterations: int,
    reps: int,
    budget: float,
) -> tuple[Row, MonteCarloCheck]:
    """tanji ``monte_carlo`` against ``LCA(use_distributions=True)`` and ``next(lca)``."""
    matrices = system.matrices
    options = {"technosphere": system.technosphere, "intervention": system.intervention}

    def ours_run() -> np.ndarray:
        return monte_carlo(
            matrices, demand, iterations=tanji_iterations, seed=system.seed, **options
        )

    ours, scores = timed(ours_run, reps, budget)
    if tanji_iterations != iterations:
        ours.runs = [t * iterations / tanji_iterations for t in ours.runs]
        ours.note = _join(ours.note, f"scaled from {tanji_iterations:,} iterations")

    package = bw.datapackage(matrices, **options)
    start = time.perf_counter()
    lca = bw.new_lca(
        matrices, demand, package=package, use_distributions=True, seed_override=system.seed
    )
    lca.lci()
    lca.lcia()
    setup = time.perf_counter() - start
    theirs_scores = [lca.score]
    steps = []
    for _ in range(bw_iterations - 1):
        start = time.perf_counter()
        next(lca)
        theirs_scores.append(lca.score)
        steps.append(time.perf_counter() - start)
    # a sum of iterations: extrapolate with the mean step, not the median
    total = setup + (iterations - 1) * float(np.mean(steps))
    note = "" if bw_iterations == iterations else f"scaled from {bw_iterations:,} iterations"
    theirs = Timing(runs=[total], note=note)
    check = MonteCarloCheck(tanji=np.asarray(scores), bw2calc=np.asarray(theirs_scores))
    row = Row(
        f"(c) {iterations:,} Monte Carlo iterations: `monte_carlo` vs `next(lca)`",
        ours,
        theirs,
        3.0,
        check.summary(),
    )
    return row, check


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


# -- report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores and library versions, for the table's caption."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "bw2calc": bw.bw2calc.__version__,
        "solver": "SuperLU (scipy) for both; no pypardiso/UMFPACK",
    }


def _seconds(timing: Timing) -> str:
    if not timing.runs:
        return "—"
    value = timing.median
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def markdown(rows: list[Row], facts: dict[str, float], info: dict[str, str], reps: int) -> str:
    lines = [
        f"Run {info['date']} on {info['cpu']} ({info['cores']} cores); Python {info['python']}, "
        f"numpy {info['numpy']}, scipy {info['scipy']}, bw2calc {info['bw2calc']}; "
        f"{info['solver']}.",
        "",
        f"System: {facts['activities']:,} activities, {facts['nnz_A']:,} values in A, "
        f"{facts['nnz_B']:,} in B ({facts['gases']} gases); {facts['loops']} loops, the largest "
        f"{facts['largest_loop']} activities; {facts['hubs']} hubs with "
        f"{facts['min_hub_buyers']:,}–{facts['max_hub_buyers']:,} buyers. SuperLU fill-in "
        f"(L+U over A): {facts['fill_A']:.1f}× factorising A, {facts['fill_At']:.1f}× factorising "
        f"Aᵀ.",
        "",
        f"Median seconds of up to {reps} runs.",
        "",
        "| measurement | tanji (s) | bw2calc (s) | bw2calc ÷ tanji | target | met | notes |",
        "|---|---:|---:|---:|---:|:-:|---|",
    ]
    for row in rows:
        have = bool(row.tanji.runs and row.bw2calc.runs)
        ratio = f"{row.ratio:,.1f}×" if have else "—"
        target = f"≥ {row.target:g}×" if row.target else ""
        met = ("yes" if row.ratio >= row.target else "**no**") if have and row.target else ""
        notes = _join(
            f"tanji: {row.tanji.note}" if row.tanji.note else "",
            f"bw2calc: {row.bw2calc.note}" if row.bw2calc.note else "",
            row.detail,
        )
        lines.append(
            f"| {row.label} | {_seconds(row.tanji)} | {_seconds(row.bw2calc)} | {ratio} | "
            f"{target} | {met} | {notes} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,500 activities instead of 25,000")
    parser.add_argument("--repetitions", type=int, default=5, help="runs per measurement")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--iterations", type=int, default=1_000)
    parser.add_argument(
        "--bw-iterations",
        type=int,
        help="bw2calc Monte Carlo iterations actually run, then scaled (default: 1,000 with "
        "--quick, 100 at full size, where each costs a full factorisation)",
    )
    parser.add_argument(
        "--tanji-iterations", type=int, help="tanji Monte Carlo iterations actually run"
    )
    parser.add_argument(
        "--budget", type=float, default=600.0, help="seconds per measurement before fewer runs"
    )
    parser.add_argument("--output", type=Path, help="markdown file (default benchmarks/out/)")
    args = parser.parse_args()

    system = build(args.seed, QUICK if args.quick else None)
    facts = describe(system)
    n = system.matrices.technosphere.shape[0]
    demand = np.zeros(n)
    demand[np.random.default_rng(args.seed).integers(n)] = 1.0
    bw_iterations = args.bw_iterations or (args.iterations if args.quick else 100)

    rows = bench_one(system, demand, args.repetitions, args.budget)
    rows += bench_many(system, args.products, args.repetitions, args.budget)
    mc_row, check = bench_monte_carlo(
        system,
        demand,
        iterations=args.iterations,
        tanji_iterations=args.tanji_iterations or args.iterations,
        bw_iterations=min(bw_iterations, args.iterations),
        reps=args.repetitions,
        budget=args.budget,
    )
    rows.append(mc_row)

    text = markdown(rows, facts, machine(), args.repetitions)
    text += f"\nMonte Carlo statistics {'agree' if check.agrees() else '**DISAGREE**'}.\n"
    print(text)
    output = args.output or OUT / f"bench_engine{'-quick' if args.quick else ''}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"written to {output}")


if __name__ == "__main__":
    main()
