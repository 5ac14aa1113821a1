"""Footprint operations the faces call: validate and calculate model files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tanji.core.build import build
from tanji.core.results import ProductFootprint, Result, calculate, product_footprints
from tanji.core.solvers import check_loops
from tanji.factors.resolve import FactorResolver, SeedTable
from tanji.footprints import modelfile


def validate_file(path: Path, *, resolver: FactorResolver | None = None) -> dict[str, int]:
    """Load, bind and assemble a model without solving it; counts for the message."""
    system = modelfile.load(path, resolver or SeedTable())
    built = build(system)
    check_loops(built.matrices.technosphere, labels=built.labels)
    return {
        "processes": len(system.processes),
        "inputs": sum(len(p.inputs) for p in system.processes),
        "factors": sum(1 for a in built.activities if a.kind == "factor"),
    }


def calculate_file(
    path: Path,
    *,
    resolver: FactorResolver | None = None,
    iterations: int = 0,
    seed: int = 42,
    depth: int = 4,
    tree_cutoff: float = 0.01,
) -> Result:
    """The footprint of a model file, bound against the given factor source."""
    system = modelfile.load(path, resolver or SeedTable())
    return calculate(system, iterations=iterations, seed=seed, depth=depth, tree_cutoff=tree_cutoff)


def model_schema() -> dict[str, Any]:
    return modelfile.json_schema()


def catalogue_file(
    path: Path, *, resolver: FactorResolver | None = None
) -> tuple[ProductFootprint, ...]:
    """The footprint per unit of every product in a model file, from one solve."""
    return product_footprints(modelfile.load(path, resolver or SeedTable()))
