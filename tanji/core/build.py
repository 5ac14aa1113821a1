"""Turn a :class:`ProductSystem` into matrices, keeping the map back to the model.

Each process output that bears burdens becomes one activity (column) of A; allocation
splits a multi-output process's inputs and emissions among its outputs by their shares.
Each distinct emission factor becomes an activity too, making one unit of its declared
unit with the factor's gases in B. System expansion keeps all burdens on the reference
output and credits the avoided products as negative inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tanji.core.allocation import shares
from tanji.core.errors import InvalidInput, Loc, UnknownReference
from tanji.core.gwp import GwpTable, canonical_gas, gwp_table
from tanji.core.i18n import _
from tanji.core.matrices import Matrices, from_triplets
from tanji.core.model import (
    Allocation,
    DataKind,
    Factor,
    Origin,
    Pedigree,
    Process,
    ProductSystem,
    Stage,
    Uncertainty,
)
from tanji.core.quality import pedigree_sigma
from tanji.core.uncertainty import DISTRIBUTIONS, FIXED, LOGNORMAL, NORMAL, UncertainValues
from tanji.core.units import conversion_factor


@dataclass(frozen=True)
class Activity:
    """A column of A: a process output (``kind='process'``) or a factor (``'factor'``)."""

    index: int
    kind: str
    id: str  # process id, or factor id
    product: str  # output id, or factor id
    name: str
    unit: str
    stage: Stage | None
    share: float = 1.0
    aircraft: bool = False
    factor: Factor | None = None


@dataclass(frozen=True)
class Flow:
    """A row of B: one gas of one origin; aircraft and removals kept apart for reporting."""

    index: int
    gas: str
    origin: Origin
    aircraft: bool = False
    removal: bool = False


@dataclass(frozen=True)
class Exchange:
    """An input placed in A: ``value`` units of ``provider`` per run of ``consumer``.

    A credit (system expansion) has a negative value.
    """

    consumer: int
    provider: int
    value: float
    process: str
    input: str
    loc: Loc
    data: DataKind
    quality: Pedigree | None
    credit: bool = False


@dataclass(frozen=True)
class DirectEmission:
    """An entry of B: ``value`` kg of ``flow`` per run of ``activity``."""

    activity: int
    flow: int
    value: float
    process: str
    loc: Loc
    data: DataKind
    quality: Pedigree | None


@dataclass(frozen=True)
class Parameter:
    """One uncertain quantity of the model, for the sensitivity ranking."""

    label: str
    loc: Loc


@dataclass(frozen=True)
class BuiltSystem:
    """Matrices plus everything needed to explain the result in the model's terms."""

    system: ProductSystem
    matrices: Matrices
    activities: tuple[Activity, ...]
    flows: tuple[Flow, ...]
    exchanges: tuple[Exchange, ...]
    emissions: tuple[DirectEmission, ...]
    reference: int
    demand: np.ndarray
    gwp: GwpTable
    allocations: tuple[tuple[str, str, dict[str, float]], ...]
    technosphere_uncertainty: UncertainValues
    intervention_uncertainty: UncertainValues
    technosphere_parameters: tuple[Parameter, ...]
    intervention_parameters: tuple[Parameter, ...]

    @property
    def labels(self) -> list[str]:
        """Names of the columns for error messages: the process id (or factor id)."""
        return [a.id for a in self.activities]


class _Uncertain:
    """Collects uncertain entries; each added parameter is one random draw (group)."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.amount: list[float] = []
        self.kind: list[int] = []
        self.sigma: list[float] = []
        self.low: list[float] = []
        self.high: list[float] = []
        self.group: list[int] = []
        self.parameters: list[Parameter] = []

    def add(
        self,
        entries: list[tuple[int, int, float]],
        amount: float,
        uncertainty: Uncertainty | None,
        quality: Pedigree | None,
        parameter: Parameter,
    ) -> None:
        """Add a parameter of value ``amount`` placed at entries (row, col, coefficient)."""
        spec = _distribution(amount, uncertainty, quality, parameter.loc)
        if spec is None or not entries:
            return
        kind, sigma, low, high = spec
        group = len(self.parameters)
        self.parameters.append(parameter)
        for row, col, coefficient in entries:
            value = amount * coefficient
            self.rows.append(row)
            self.cols.append(col)
            self.amount.append(value)
            self.kind.append(kind)
            if kind == LOGNORMAL:
                self.sigma.append(sigma)
            else:
                self.sigma.append(sigma * abs(coefficient))
            lo, hi = low * coefficient, high * coefficient
            self.low.append(min(lo, hi))
            self.high.append(max(lo, hi))
            self.group.append(group)

    def values(self) -> UncertainValues:
        return UncertainValues(
            rows=np.asarray(self.rows, dtype=np.int64),
            cols=np.asarray(self.cols, dtype=np.int64),
            amount=np.asarray(self.amount, dtype=float),
            kind=np.asarray(self.kind, dtype=np.uint8),
            sigma=np.asarray(self.sigma, dtype=float),
            low=np.asarray(self.low, dtype=float),
            high=np.asarray(self.high, dtype=float),
            group=np.asarray(self.group, dtype=np.int64),
        )


def _distribution(
    amount: float, uncertainty: Uncertainty | None, quality: Pedigree | None, loc: Loc
) -> tuple[int, float, float, float] | None:
    """(kind, sigma, low, high) for an amount; a pedigree alone gives a lognormal."""
    if uncertainty is None:
        if quality is None or amount == 0:
            return None
        return LOGNORMAL, pedigree_sigma(quality), 0.0, 0.0
    kind = DISTRIBUTIONS.get(uncertainty.distribution)
    where = (*loc, "uncertainty")
    if kind is None:
        raise InvalidInput(
            _("Unknown distribution '{name}'.").format(name=uncertainty.distribution), loc=where
        )
    if kind == FIXED:
        return None
    if kind == LOGNORMAL:
        if uncertainty.gsd is None or uncertainty.gsd < 1:
            raise InvalidInput(_("A lognormal distribution needs gsd ≥ 1."), loc=(*where, "gsd"))
        if amount == 0:
            return None
        return LOGNORMAL, float(np.log(uncertainty.gsd)), 0.0, 0.0
    if kind == NORMAL:
        if uncertainty.sd is None or uncertainty.sd < 0:
            raise InvalidInput(_("A normal distribution needs sd ≥ 0."), loc=(*where, "sd"))
        return NORMAL, float(uncertainty.sd), 0.0, 0.0
    low, high = uncertainty.minimum, uncertainty.maximum
    if low is None or high is None or not low <= amount <= high:
        raise InvalidInput(
            _("The distribution needs min ≤ amount ≤ max (amount {amount}).").format(amount=amount),
            loc=where,
        )
    return kind, 0.0, float(low), float(high)


def _find_providers(system: ProductSystem) -> tuple[dict[str, tuple[Process, int]], dict[str, str]]:
    """Map product ids (and process ids, to their reference output) to their maker."""
    providers: dict[str, tuple[Process, int]] = {}
    process_ids: dict[str, str] = {}
    for process in system.processes:
        if process.id in process_ids:
            raise InvalidInput(
                _("Duplicate process id '{id}'.").format(id=process.id), loc=(*process.loc, "id")
            )
        process_ids[process.id] = process.reference_output.id
        if not process.outputs:
            raise InvalidInput(
                _("Process '{id}' has no output.").format(id=process.id),
                loc=(*process.loc, "outputs"),
            )
        for o_index, output in enumerate(process.outputs):
            if output.id in providers:
                raise InvalidInput(
                    _("Duplicate product id '{id}'.").format(id=output.id),
                    loc=(*output.loc, "id"),
                )
            providers[output.id] = (process, o_index)
    return providers, process_ids


def build(system: ProductSystem) -> BuiltSystem:
    """Assemble A, B, c, the demand and the uncertainty of a product system."""
    gwp = gwp_table(system.gwp_set)
    providers, process_refs = _find_providers(system)

    activities: list[Activity] = []
    product_activity: dict[str, int] = {}
    allocations = []
    process_shares: dict[str, tuple[float, ...]] = {}
    for process in system.processes:
        split = shares(process)
        process_shares[process.id] = split
        if len(process.outputs) > 1:
            allocations.append(
                (
                    process.id,
                    str(process.allocation),
                    {o.id: share for o, share in zip(process.outputs, split, strict=True)},
                )
            )
        expansion = process.allocation is Allocation.SYSTEM_EXPANSION
        for output, share in zip(process.outputs, split, strict=True):
            if expansion and output is not process.reference_output:
                continue
            index = len(activities)
            activities.append(
                Activity(
                    index=index,
                    kind="process",
                    id=process.id,
                    product=output.id,
                    name=output.name or process.name,
                    unit=output.unit,
                    stage=process.stage,
                    share=share,
                )
            )
            product_activity[output.id] = index

    factor_activity: dict[tuple[str, bool], int] = {}

    def factor_index(factor: Factor, aircraft: bool) -> int:
        key = (factor.id, aircraft)
        if key not in factor_activity:
            index = len(activities)
            activities.append(
                Activity(
                    index=index,
                    kind="factor",
                    id=factor.id,
                    product=factor.id,
                    name=factor.name or factor.id,
                    unit=factor.unit,
                    stage=None,
                    aircraft=aircraft,
                    factor=factor,
                )
            )
            factor_activity[key] = index
        return factor_activity[key]

    def provider_index(provider: Factor | str, aircraft: bool, loc: Loc) -> int:
        if isinstance(provider, Factor):
            return factor_index(provider, aircraft)
        product = process_refs.get(provider, provider)
        if product not in providers:
            raise UnknownReference(
                _("'{id}' is neither a process nor a product of this model.").format(id=provider),
                loc=loc,
            )
        if product not in product_activity:
            raise InvalidInput(
                _(
                    "'{id}' is a co-product credited by system expansion and cannot supply "
                    "another process."
                ).format(id=provider),
                loc=loc,
            )
        return product_activity[product]

    tech: list[tuple[int, int, float]] = []
    exchanges: list[Exchange] = []
    emissions: list[DirectEmission] = []
    flow_index: dict[tuple[str, Origin, bool, bool], int] = {}
    flows: list[Flow] = []
    bio: list[tuple[int, int, float]] = []
    tech_unc, bio_unc = _Uncertain(), _Uncertain()

    def flow(gas: str, origin: Origin, aircraft: bool, removal: bool, loc: Loc) -> int:
        if not gwp.knows(gas):
            raise UnknownReference(
                _("Unknown gas '{gas}'; see the GWP table for the gases Tanji knows.").format(
                    gas=gas
                ),
                loc=loc,
            )
        key = (canonical_gas(gas), origin, aircraft, removal)
        if key not in flow_index:
            flow_index[key] = len(flows)
            flows.append(Flow(len(flows), key[0], origin, aircraft, removal))
        return flow_index[key]

    process_activities: dict[str, list[Activity]] = {}
    for activity in list(activities):
        process_activities.setdefault(activity.id, []).append(activity)

    for process in system.processes:
        columns = process_activities[process.id]
        for column in columns:
            output = next(o for o in process.outputs if o.id == column.product)
            tech.append((column.index, column.index, output.amount))
        for i_index, item in enumerate(process.inputs):
            loc = item.loc or (*process.loc, "inputs", i_index)
            source_loc = (*loc, "factor" if isinstance(item.provider, Factor) else "from")
            provider = provider_index(item.provider, item.aircraft, source_loc)
            unit = activities[provider].unit
            per_unit = conversion_factor(item.unit, unit, loc=(*loc, "unit"))
            entries = []
            for column in columns:
                value = item.amount * per_unit * column.share
                tech.append((provider, column.index, -value))
                entries.append((provider, column.index, -per_unit * column.share))
                exchanges.append(
                    Exchange(
                        consumer=column.index,
                        provider=provider,
                        value=value,
                        process=process.id,
                        input=item.id,
                        loc=loc,
                        data=item.data,
                        quality=item.quality,
                    )
                )
            tech_unc.add(
                entries,
                item.amount,
                item.uncertainty,
                item.quality,
                Parameter(f"{process.id} › {item.id}", loc),
            )
        if process.allocation is Allocation.SYSTEM_EXPANSION:
            reference = process_activities[process.id][0]
            for o_index, output in enumerate(process.outputs):
                if output is process.reference_output:
                    continue
                loc = output.loc or (*process.loc, "outputs", o_index)
                if output.avoided is None:
                    raise InvalidInput(
                        _(
                            "Co-product '{id}' needs 'avoided' (the product it replaces) for "
                            "system expansion."
                        ).format(id=output.id),
                        loc=(*loc, "avoided"),
                    )
                provider = provider_index(output.avoided, False, (*loc, "avoided"))
                unit = activities[provider].unit
                value = output.amount * conversion_factor(output.unit, unit, loc=(*loc, "unit"))
                tech.append((provider, reference.index, value))
                exchanges.append(
                    Exchange(
                        consumer=reference.index,
                        provider=provider,
                        value=-value,
                        process=process.id,
                        input=output.id,
                        loc=loc,
                        data=DataKind.PRIMARY,
                        quality=None,
                        credit=True,
                    )
                )
        for e_index, emission in enumerate(process.emissions):
            loc = emission.loc or (*process.loc, "emissions", e_index)
            kg = conversion_factor(emission.unit, "kg", loc=(*loc, "unit"))
            sign = -1.0 if emission.removal else 1.0
            origin = Origin.BIOGENIC if emission.removal else emission.origin
            row = flow(emission.gas, origin, False, emission.removal, (*loc, "gas"))
            entries = []
            for column in columns:
                value = sign * emission.amount * kg * column.share
                bio.append((row, column.index, value))
                entries.append((row, column.index, sign * kg * column.share))
                emissions.append(
                    DirectEmission(
                        column.index,
                        row,
                        value,
                        process.id,
                        loc,
                        emission.data,
                        emission.quality,
                    )
                )
            bio_unc.add(
                entries,
                emission.amount,
                emission.uncertainty,
                emission.quality,
                Parameter(f"{process.id} › {emission.gas}", loc),
            )

    for activity in activities:
        if activity.kind != "factor" or activity.factor is None:
            continue
        factor = activity.factor
        tech.append((activity.index, activity.index, 1.0))
        entries = []
        for gas in factor.gases:
            row = flow(gas.gas, gas.origin, activity.aircraft, False, ("factors", factor.id))
            bio.append((row, activity.index, gas.amount))
            emissions.append(
                DirectEmission(
                    activity.index,
                    row,
                    gas.amount,
                    factor.id,
                    ("factors", factor.id),
                    factor.data,
                    factor.quality,
                )
            )
            entries.append((row, activity.index, gas.amount))
        if entries:
            # The factor's spread scales all its gases together (one draw per factor).
            bio_unc.add(
                entries,
                1.0,
                factor.uncertainty,
                factor.quality,
                Parameter(f"{factor.id}", ("factors", factor.id)),
            )

    reference_product = process_refs.get(system.reference_product, system.reference_product)
    if reference_product not in product_activity:
        raise UnknownReference(
            _("The reference '{id}' is not a process or product of this model.").format(
                id=system.reference_product
            ),
            loc=("product", "reference"),
        )
    reference = product_activity[reference_product]
    n, m = len(activities), len(flows)
    demand = np.zeros(n)
    demand[reference] = system.amount * conversion_factor(
        system.unit, activities[reference].unit, loc=("product", "unit", "unit")
    )
    characterization = np.array([gwp.factor(f.gas, f.origin) for f in flows], dtype=float)
    matrices = from_triplets(
        n,
        _triplets(tech),
        m,
        _triplets(bio),
        characterization,
    )
    return BuiltSystem(
        system=system,
        matrices=matrices,
        activities=tuple(activities),
        flows=tuple(flows),
        exchanges=tuple(exchanges),
        emissions=tuple(emissions),
        reference=reference,
        demand=demand,
        gwp=gwp,
        allocations=tuple(allocations),
        technosphere_uncertainty=tech_unc.values(),
        intervention_uncertainty=bio_unc.values(),
        technosphere_parameters=tuple(tech_unc.parameters),
        intervention_parameters=tuple(bio_unc.parameters),
    )


def _triplets(entries: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not entries:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    rows, cols, values = zip(*entries, strict=True)
    return (
        np.asarray(rows, dtype=np.int64),
        np.asarray(cols, dtype=np.int64),
        np.asarray(values, dtype=float),
    )
