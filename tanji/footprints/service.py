"""Footprint operations the faces call: validate, calculate and compare model files."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tanji.core.build import build
from tanji.core.errors import InvalidInput
from tanji.core.gwp import gwp_table
from tanji.core.i18n import _
from tanji.core.model import ProductSystem
from tanji.core.results import ProductFootprint, Result, calculate, product_footprints
from tanji.core.solvers import check_loops
from tanji.exchange.pact.library import LibraryResolver
from tanji.factors import service as factors
from tanji.factors.release_resolver import ReleaseResolver
from tanji.factors.resolve import FactorResolver, SeedTable
from tanji.footprints import modelfile


def _with_source(path: Path, error: InvalidInput) -> InvalidInput:
    """Errors found while assembling the system still name the file (kind kept)."""
    if not error.source:
        error.source = path.name
    return error


def load_system(path: Path, resolver: FactorResolver | None = None) -> ProductSystem:
    return modelfile.load(path, resolver or SeedTable())


def validate_file(path: Path, *, resolver: FactorResolver | None = None) -> dict[str, int]:
    """Load, bind and assemble a model without solving it; counts for the message."""
    system = load_system(path, resolver)
    try:
        built = build(system)
        check_loops(built.matrices.technosphere, labels=built.labels)
    except InvalidInput as error:
        raise _with_source(path, error) from None
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
    return study_file(
        path,
        resolver=resolver,
        iterations=iterations,
        seed=seed,
        depth=depth,
        tree_cutoff=tree_cutoff,
    )[1]


def study_file(
    path: Path,
    *,
    resolver: FactorResolver | None = None,
    iterations: int = 0,
    seed: int = 42,
    depth: int = 4,
    tree_cutoff: float = 0.01,
) -> tuple[ProductSystem, Result]:
    """The bound product system of a model file and its footprint (for rule checks)."""
    system = load_system(path, resolver)
    try:
        result = calculate(
            system, iterations=iterations, seed=seed, depth=depth, tree_cutoff=tree_cutoff
        )
    except InvalidInput as error:
        raise _with_source(path, error) from None
    return system, result


def catalogue_file(
    path: Path, *, resolver: FactorResolver | None = None
) -> tuple[ProductFootprint, ...]:
    """The footprint per unit of every product in a model file, from one solve."""
    system = load_system(path, resolver)
    try:
        return product_footprints(system)
    except InvalidInput as error:
        raise _with_source(path, error) from None


def model_schema() -> dict[str, Any]:
    return modelfile.json_schema()


def release_resolver(session: Session, release: str | None) -> ReleaseResolver:
    """A resolver pinned to the named release (the latest when None)."""
    if release:
        return ReleaseResolver(session, factors.get_release(session, name=release))
    latest = factors.latest_release(session)
    if latest is None:
        raise InvalidInput(
            _("The database has no factor release: run `tanji db seed`."), loc=("release",)
        )
    return ReleaseResolver(session, latest)


def study_resolver(
    session: Session, release: str | None, organisation_id: uuid.UUID
) -> LibraryResolver:
    """The resolver for an organisation's models: its supplier library for ``pact:`` ids,
    the pinned factor release for everything else."""
    return LibraryResolver(release_resolver(session, release), session, organisation_id)


@dataclass(frozen=True)
class FactorChange:
    """A factor whose value differs between two releases, as used by one model."""

    id: str
    old: float | None  # kg CO2e per unit (AR6) in the old release; None if not used
    new: float | None
    old_text: str
    new_text: str

    @property
    def change(self) -> float | None:
        if self.old in (None, 0) or self.new is None:
            return None
        return (self.new - self.old) / self.old


@dataclass(frozen=True)
class ReleaseComparison:
    """A model calculated with two releases: both results and the factors that moved."""

    old_release: str
    new_release: str
    old: Result
    new: Result
    factors: tuple[FactorChange, ...]

    @property
    def change(self) -> float | None:
        return (self.new.total - self.old.total) / self.old.total if self.old.total else None


def compare_releases(
    session: Session, path: Path, *, old: str, new: str | None = None
) -> ReleaseComparison:
    """Re-run a model with the release it was made with and with a newer one."""
    old_resolver = release_resolver(session, old)
    new_resolver = release_resolver(session, new)
    before = calculate_file(path, resolver=old_resolver)
    after = calculate_file(path, resolver=new_resolver)
    old_used = {f["id"]: f for f in before.factors}
    new_used = {f["id"]: f for f in after.factors}
    changes = []
    for key in sorted(old_used.keys() | new_used.keys()):
        a, b = old_used.get(key), new_used.get(key)
        if (
            a is not None
            and b is not None
            and (a["version"], a["gases"]) == (b["version"], b["gases"])
        ):
            continue
        changes.append(
            FactorChange(
                id=key,
                old=_co2e(a),
                new=_co2e(b),
                old_text=_describe(a),
                new_text=_describe(b),
            )
        )
    return ReleaseComparison(
        old_release=old_resolver.release.name,
        new_release=new_resolver.release.name,
        old=before,
        new=after,
        factors=tuple(changes),
    )


def _co2e(used: dict[str, Any] | None) -> float | None:
    if used is None:
        return None
    table = gwp_table("AR6")
    return sum(table.factor(gas) * amount for gas, amount in used["gases"].items())


def _describe(used: dict[str, Any] | None) -> str:
    if used is None:
        return "–"
    value = _co2e(used)
    return f"v{used['version']}: {value:.6g} kg CO2e/{used['unit']}"
