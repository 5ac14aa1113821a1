"""Calculate a product system and explain the result as GB/T 24067-2024 asks.

The result holds the total per functional or declared unit and its breakdowns —
separated figures (fossil, biogenic, removals, dLUC, aircraft), by gas, by life-cycle
stage, by process and by input — which each sum to the total, plus the supply-chain
tree, the primary-data share, the data-quality rating, the cut-off check and, on
request, Monte Carlo statistics with a sensitivity ranking.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, is_dataclass
from enum import Enum
from typing import Any

import numpy as np

from tanji.core.build import BuiltSystem, build
from tanji.core.errors import InvalidInput, format_loc
from tanji.core.i18n import _
from tanji.core.model import DataKind, Origin, Pedigree, ProductSystem
from tanji.core.quality import QualityRating, rate
from tanji.core.solvers import check_loops, factorize
from tanji.core.uncertainty import Statistics, rank_correlations, run_monte_carlo, summarise
from tanji.core.version import ENGINE_VERSION

CO2_PER_C = 44.0095 / 12.011  # molar masses (IUPAC 2021 standard atomic weights)


@dataclass(frozen=True)
class Separated:
    """The figures GB/T 24067-2024 §7 asks to report separately, kg CO2e per unit."""

    fossil: float
    biogenic: float  # biogenic emissions
    removals: float  # biogenic removals (≤ 0)
    dluc: float  # direct land-use change
    aircraft: float  # part of the total from aircraft transport
    carbon_stored: float  # kg CO2 stored in the product; reported, not in the total
    excluding_biogenic: float  # total less biogenic CO2 emissions and removals


@dataclass(frozen=True)
class Contribution:
    """A share of the total: ``key`` names the process, input, stage or gas."""

    key: str
    value: float
    share: float
    label: str = ""
    process: str = ""
    stage: str = ""


@dataclass(frozen=True)
class TreeNode:
    """A node of the supply-chain tree; ``footprint`` includes everything upstream."""

    id: str
    name: str
    amount: float
    unit: str
    footprint: float
    direct: float
    children: tuple[TreeNode, ...] = ()
    loop: bool = False
    truncated: int = 0  # children left out by the depth or cut-off


@dataclass(frozen=True)
class CutoffCheck:
    declared_total: float
    limit_each: float
    limit_total: float
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Sensitivity:
    parameter: str
    loc: str
    correlation: float


@dataclass(frozen=True)
class Result:
    """The footprint of ``amount`` ``unit`` of ``product``, and how it arises."""

    engine_version: str
    input_hash: str
    gwp_set: str
    product: str
    amount: float
    unit: str
    total: float
    separated: Separated
    by_gas: tuple[Contribution, ...]
    gas_mass: dict[str, float]
    by_stage: tuple[Contribution, ...]
    by_process: tuple[Contribution, ...]
    by_input: tuple[Contribution, ...]
    tree: TreeNode
    primary_data_share: float
    quality: QualityRating | None
    cutoffs: CutoffCheck
    allocation: tuple[dict[str, Any], ...]
    factors: tuple[dict[str, Any], ...]
    uncertainty: Statistics | None = None
    sensitivity: tuple[Sensitivity, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    def to_json(self) -> str:
        """Canonical JSON: the same inputs give byte-identical text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float | np.floating):
        number = float(value)
        return 0.0 if number == 0 else float(f"{number:.12g}")
    if isinstance(value, np.integer):
        return int(value)
    return value


DISPLAY_ONLY = frozenset({"name", "resolution"})  # texts in the interface language


def _without_display_names(value: Any) -> Any:
    """Drop display texts (names, how a factor was chosen): shown, never calculated."""
    if isinstance(value, dict):
        return {k: _without_display_names(v) for k, v in value.items() if k not in DISPLAY_ONLY}
    if isinstance(value, list):
        return [_without_display_names(v) for v in value]
    return value


def input_hash(system: ProductSystem) -> str:
    """SHA-256 of the canonical JSON of everything the calculation reads.

    Display texts are left out, so the same model hashes the same in Chinese and English
    (the bilingual product names stay in, through the system's metadata).
    """
    plain = _without_display_names(_plain(system))
    text = json.dumps(plain, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def calculate(
    system: ProductSystem,
    *,
    depth: int = 4,
    tree_cutoff: float = 0.01,
    iterations: int = 0,
    seed: int = 0,
) -> Result:
    """Footprint of the system's reference product, with all breakdowns.

    ``depth`` and ``tree_cutoff`` (share of the total) bound the supply-chain tree;
    ``iterations`` > 0 adds a seeded Monte Carlo run with a sensitivity ranking.
    """
    if depth < 0:
        raise InvalidInput(_("The tree depth cannot be negative."), loc=("depth",))
    built = build(system)
    matrices = built.matrices
    check_loops(matrices.technosphere, labels=built.labels)
    factorization = factorize(matrices.technosphere, labels=built.labels)
    scaling = factorization.solve(built.demand)
    cb = matrices.characterized_intervention()
    per_unit = factorization.solve_transposed(cb)
    direct = scaling * cb
    total = float(direct.sum())

    flow_mass = np.asarray(matrices.intervention @ scaling).ravel()
    flow_co2e = flow_mass * matrices.characterization

    by_process_value, by_input = _process_and_input(built, scaling, per_unit, direct, total)
    stage_value: dict[str, float] = {}
    for contribution in by_process_value:
        stage_value[contribution.stage] = (
            stage_value.get(contribution.stage, 0.0) + contribution.value
        )

    uncertainty, sensitivity = None, ()
    if iterations > 0:
        uncertainty, sensitivity = _monte_carlo(built, iterations, seed)

    return Result(
        engine_version=ENGINE_VERSION,
        input_hash=input_hash(system),
        gwp_set=built.gwp.name,
        product=system.reference_product,
        amount=system.amount,
        unit=system.unit,
        total=total,
        separated=_separated(built, flow_co2e, system, total),
        by_gas=_by_gas(built, flow_co2e, total),
        gas_mass=_gas_mass(built, flow_mass),
        by_stage=tuple(
            Contribution(key=stage, value=value, share=_share(value, total))
            for stage, value in sorted(stage_value.items(), key=lambda kv: -abs(kv[1]))
        ),
        by_process=by_process_value,
        by_input=by_input,
        tree=_tree(built, per_unit, total, depth, tree_cutoff),
        primary_data_share=_primary_share(built, scaling),
        quality=_quality(built, scaling, per_unit),
        cutoffs=_cutoffs(system),
        allocation=tuple(
            {"process": process, "method": method, "shares": split}
            for process, method, split in built.allocations
        ),
        factors=_factors_used(built),
        uncertainty=uncertainty,
        sensitivity=sensitivity,
        meta=dict(system.meta),
    )


def _share(value: float, total: float) -> float:
    return value / total if total else 0.0


def _process_and_input(built: BuiltSystem, scaling, per_unit, direct, total):
    """Contributions by process (direct emissions plus purchased factors) and by input."""
    process_value: dict[str, float] = {}
    stages: dict[str, str] = {}
    names: dict[str, str] = {}
    inputs: dict[tuple[str, str], float] = {}
    activities = built.activities
    for activity in activities:
        if activity.kind != "process":
            continue
        process_value[activity.id] = process_value.get(activity.id, 0.0) + direct[activity.index]
        stages[activity.id] = str(activity.stage)
        names[activity.id] = activity.name
        if direct[activity.index]:
            key = (activity.id, "")
            inputs[key] = inputs.get(key, 0.0) + direct[activity.index]
    for exchange in built.exchanges:
        if activities[exchange.provider].kind != "factor":
            continue
        value = scaling[exchange.consumer] * exchange.value * per_unit[exchange.provider]
        process_value[exchange.process] += value
        key = (exchange.process, exchange.input)
        inputs[key] = inputs.get(key, 0.0) + value
    by_process = tuple(
        Contribution(
            key=process,
            value=value,
            share=_share(value, total),
            label=names[process],
            process=process,
            stage=stages[process],
        )
        for process, value in sorted(process_value.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    )
    by_input = tuple(
        Contribution(
            key=f"{process}/{name}" if name else f"{process}/(direct emissions)",
            value=value,
            share=_share(value, total),
            label=name or _("direct emissions"),
            process=process,
            stage=stages[process],
        )
        for (process, name), value in sorted(inputs.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    )
    return by_process, by_input


def _separated(built: BuiltSystem, flow_co2e, system: ProductSystem, total: float) -> Separated:
    fossil = biogenic = removals = dluc = aircraft = biogenic_co2 = 0.0
    for flow in built.flows:
        value = float(flow_co2e[flow.index])
        if flow.removal:
            removals += value
        elif flow.origin is Origin.BIOGENIC:
            biogenic += value
            if flow.gas == "CO2":
                biogenic_co2 += value
        elif flow.origin is Origin.DLUC:
            dluc += value
        else:
            fossil += value
        if flow.aircraft:
            aircraft += value
    stored = system.carbon_content * system.amount * CO2_PER_C
    return Separated(
        fossil=fossil,
        biogenic=biogenic,
        removals=removals,
        dluc=dluc,
        aircraft=aircraft,
        carbon_stored=stored,
        excluding_biogenic=total - biogenic_co2 - removals,
    )


def _by_gas(built: BuiltSystem, flow_co2e, total: float) -> tuple[Contribution, ...]:
    values: dict[str, float] = {}
    for flow in built.flows:
        name = built.gwp.names.get(flow.gas, flow.gas if flow.gas != "CO2E" else "CO2e")
        values[name] = values.get(name, 0.0) + float(flow_co2e[flow.index])
    return tuple(
        Contribution(key=gas, value=value, share=_share(value, total))
        for gas, value in sorted(values.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    )


def _gas_mass(built: BuiltSystem, flow_mass) -> dict[str, float]:
    """kg of each gas emitted (removals netted), characterised values excluded."""
    masses: dict[str, float] = {}
    for flow in built.flows:
        if flow.gas == "CO2E":
            continue
        name = built.gwp.names.get(flow.gas, flow.gas)
        masses[name] = masses.get(name, 0.0) + float(flow_mass[flow.index])
    return dict(sorted(masses.items()))


def _primary_share(built: BuiltSystem, scaling) -> float:
    """Share of the footprint (by absolute contribution) computed from primary data.

    Direct emissions count as primary when declared so; a purchased input counts when
    both its amount and its factor are primary (a supplier's own footprint).
    """
    c = built.matrices.characterization
    primary = total = 0.0
    by_activity = {}
    for emission in built.emissions:
        activity = built.activities[emission.activity]
        value = abs(scaling[emission.activity] * emission.value * c[emission.flow])
        if activity.kind == "factor":
            by_activity[emission.activity] = by_activity.get(emission.activity, 0.0) + abs(
                emission.value * c[emission.flow]
            )
            continue
        total += value
        if emission.data is DataKind.PRIMARY:
            primary += value
    for exchange in built.exchanges:
        provider = built.activities[exchange.provider]
        if provider.kind != "factor":
            continue
        value = abs(scaling[exchange.consumer] * exchange.value) * by_activity.get(
            exchange.provider, 0.0
        )
        total += value
        factor = provider.factor
        if (
            exchange.data is DataKind.PRIMARY
            and factor is not None
            and factor.data is DataKind.PRIMARY
        ):
            primary += value
    return primary / total if total else 0.0


def _merge(first: Pedigree | None, second: Pedigree | None) -> Pedigree | None:
    """The pedigree of amount × factor: the worse score of the two on each indicator."""
    if first is None or second is None:
        return first or second
    return Pedigree(*(max(a, b) for a, b in zip(first.scores(), second.scores(), strict=True)))


def _quality(built: BuiltSystem, scaling, per_unit) -> QualityRating | None:
    weighted = []
    c = built.matrices.characterization
    for emission in built.emissions:
        if built.activities[emission.activity].kind == "factor":
            continue
        weighted.append(
            (scaling[emission.activity] * emission.value * c[emission.flow], emission.quality)
        )
    for exchange in built.exchanges:
        provider = built.activities[exchange.provider]
        if provider.kind != "factor":
            continue
        value = scaling[exchange.consumer] * exchange.value * per_unit[exchange.provider]
        factor_quality = provider.factor.quality if provider.factor else None
        weighted.append((value, _merge(exchange.quality, factor_quality)))
    return rate(weighted)


def _cutoffs(system: ProductSystem) -> CutoffCheck:
    limit_each, limit_total = system.cutoff_limits
    problems = []
    declared = 0.0
    for cutoff in system.cutoffs:
        declared += cutoff.share
        if cutoff.share > limit_each:
            problems.append(
                _(
                    "Cut-off '{name}' ({share:.2%}) exceeds the limit of {limit:.2%} per input."
                ).format(name=cutoff.name, share=cutoff.share, limit=limit_each)
            )
    if declared > limit_total:
        problems.append(
            _("Declared cut-offs total {share:.2%}, above the limit of {limit:.2%}.").format(
                share=declared, limit=limit_total
            )
        )
    return CutoffCheck(declared, limit_each, limit_total, tuple(problems))


def _factors_used(built: BuiltSystem) -> tuple[dict[str, Any], ...]:
    seen = {}
    for activity in built.activities:
        factor = activity.factor
        if factor is None or factor.id in seen:
            continue
        seen[factor.id] = {
            "id": factor.id,
            "unit": factor.unit,
            "gases": {g.gas: g.amount for g in factor.gases},
            "source": factor.source,
            "release": factor.release,
            "version": factor.version,
            "resolution": factor.resolution,
        }
    return tuple(seen[key] for key in sorted(seen))


def _tree(built: BuiltSystem, per_unit, total, depth, cutoff) -> TreeNode:
    """The supply chain from the reference product down, bounded by depth and cut-off."""
    children_of: dict[int, list] = {}
    for exchange in built.exchanges:
        children_of.setdefault(exchange.consumer, []).append(exchange)
    diagonal = built.matrices.technosphere.diagonal()
    cb = built.matrices.characterized_intervention()
    limit = abs(total) * cutoff

    def node(index: int, amount: float, level: int, path: frozenset[int]) -> TreeNode:
        activity = built.activities[index]
        runs = amount / diagonal[index] if diagonal[index] else 0.0
        footprint = amount * per_unit[index]
        own = runs * float(cb[index])
        kids: list[TreeNode] = []
        dropped = 0
        if level < depth:
            for exchange in children_of.get(index, []):
                child_amount = runs * exchange.value
                child_footprint = child_amount * per_unit[exchange.provider]
                if abs(child_footprint) < limit:
                    dropped += 1
                    continue
                if exchange.provider in path or exchange.provider == index:
                    provider = built.activities[exchange.provider]
                    kids.append(
                        TreeNode(
                            id=provider.product,
                            name=provider.name,
                            amount=child_amount,
                            unit=provider.unit,
                            footprint=child_footprint,
                            direct=0.0,
                            loop=True,
                        )
                    )
                    continue
                kids.append(node(exchange.provider, child_amount, level + 1, path | {index}))
        else:
            dropped = len(children_of.get(index, []))
        kids.sort(key=lambda child: (-abs(child.footprint), child.id))
        return TreeNode(
            id=activity.product,
            name=activity.name,
            amount=amount,
            unit=activity.unit,
            footprint=footprint,
            direct=own,
            children=tuple(kids),
            truncated=dropped,
        )

    return node(built.reference, float(built.demand[built.reference]), 0, frozenset())


def _monte_carlo(built: BuiltSystem, iterations: int, seed: int):
    run = run_monte_carlo(
        built.matrices,
        built.demand,
        technosphere=built.technosphere_uncertainty,
        intervention=built.intervention_uncertainty,
        iterations=iterations,
        seed=seed,
        keep_samples=True,
    )
    statistics = summarise(run.scores, seed=seed)
    ranking: list[Sensitivity] = []
    for values, samples, parameters in (
        (built.technosphere_uncertainty, run.technosphere_samples, built.technosphere_parameters),
        (built.intervention_uncertainty, run.intervention_samples, built.intervention_parameters),
    ):
        if samples is None or not parameters:
            continue
        rho = rank_correlations(values.group_samples(samples), run.scores)
        # a technosphere input is stored negated: flip so "more input" reads positive
        sign = -1.0 if parameters is built.technosphere_parameters else 1.0
        for parameter, value in zip(parameters, rho, strict=True):
            ranking.append(
                Sensitivity(parameter.label, format_loc(parameter.loc), sign * float(value))
            )
    ranking.sort(key=lambda item: (-abs(item.correlation), item.parameter))
    return statistics, tuple(ranking)


@dataclass(frozen=True)
class ProductFootprint:
    """The footprint of one unit of a product of the system (kg CO2e per ``unit``)."""

    product: str
    process: str
    name: str
    unit: str
    per_unit: float


def product_footprints(system: ProductSystem) -> tuple[ProductFootprint, ...]:
    """Every product's footprint per unit from one factorisation and one transposed solve.

    This is how a whole catalogue is re-calculated at once: Aᵀ y = (cB)ᵀ gives y, the
    footprint of one unit of every product, so no demand needs its own solve.
    """
    built = build(system)
    check_loops(built.matrices.technosphere, labels=built.labels)
    factorization = factorize(built.matrices.technosphere, labels=built.labels)
    per_unit = factorization.solve_transposed(built.matrices.characterized_intervention())
    return tuple(
        ProductFootprint(
            product=activity.product,
            process=activity.id,
            name=activity.name,
            unit=activity.unit,
            per_unit=float(per_unit[activity.index]),
        )
        for activity in built.activities
        if activity.kind == "process"
    )
