"""The product system as the engine sees it: frozen, resolved, unit-bearing plain data.

A model file (``tanji.footprints.modelfile``) is validated and its factor references are
bound (``tanji.factors``) before it becomes a :class:`ProductSystem`. Every element keeps
its ``loc``, the path of the field it came from, so the engine's errors point at the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tanji.core.errors import Loc


class Stage(StrEnum):
    """Life-cycle stages of GB/T 24067-2024 §6.3 / ISO 14067."""

    RAW_MATERIAL = "raw-material-acquisition"
    PRODUCTION = "production"
    DISTRIBUTION = "distribution"
    USE = "use"
    END_OF_LIFE = "end-of-life"


class Origin(StrEnum):
    """Where an emission's carbon comes from, for the separated figures of GB/T 24067."""

    FOSSIL = "fossil"
    BIOGENIC = "biogenic"
    DLUC = "dluc"  # direct land-use change


class Boundary(StrEnum):
    CRADLE_TO_GATE = "cradle-to-gate"
    CRADLE_TO_GRAVE = "cradle-to-grave"
    GATE_TO_GATE = "gate-to-gate"


class Allocation(StrEnum):
    """How a multi-output process shares its burdens (ISO 14044 §4.3.4 hierarchy)."""

    MASS = "mass"
    ENERGY = "energy"
    ECONOMIC = "economic"
    SHARES = "shares"
    SYSTEM_EXPANSION = "system-expansion"


class DataKind(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Pedigree:
    """Pedigree scores 1 (best) to 5 (Weidema & Wesnæs 1996; ecoinvent data quality)."""

    reliability: int = 3
    completeness: int = 3
    temporal: int = 3
    geographical: int = 3
    technological: int = 3

    def scores(self) -> tuple[int, int, int, int, int]:
        return (
            self.reliability,
            self.completeness,
            self.temporal,
            self.geographical,
            self.technological,
        )


@dataclass(frozen=True)
class Uncertainty:
    """A distribution around an amount. ``gsd`` is the geometric standard deviation."""

    distribution: str  # lognormal | normal | triangular | uniform
    gsd: float | None = None
    sd: float | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class GasAmount:
    """kg of one gas (or ``CO2e`` for an already characterised value) per unit."""

    gas: str
    amount: float
    origin: Origin = Origin.FOSSIL


@dataclass(frozen=True)
class Factor:
    """An emission factor: emissions per one ``unit`` of a purchased good or service."""

    id: str
    unit: str
    gases: tuple[GasAmount, ...]
    name: str = ""
    source: str = ""
    data: DataKind = DataKind.SECONDARY
    quality: Pedigree | None = None
    uncertainty: Uncertainty | None = None
    release: str | None = None  # the factor-database release it came from
    flow: str = ""  # the factor family (e.g. electricity-footprint), for product rules
    version: int | None = None  # the factor's version in that database
    resolution: str = ""  # which rule chose this factor (region and year fallbacks)


@dataclass(frozen=True)
class Output:
    """A product of a process, with what allocation needs to share burdens among outputs.

    ``properties`` hold per-unit allocation properties as quantity strings, keyed
    ``mass`` (``"1000 kg/t"``), ``energy`` (``"29.3 MJ/kg"``) or ``price``
    (``"2000 CNY/t"``).
    """

    id: str
    amount: float
    unit: str
    name: str = ""
    reference: bool = False
    properties: dict[str, str] = field(default_factory=dict)
    share: float | None = None  # explicit share for Allocation.SHARES
    avoided: Factor | str | None = None  # system expansion: factor or product id credited
    loc: Loc = ()


@dataclass(frozen=True)
class Input:
    """An exchange into a process: from another process's product, or from a factor."""

    id: str
    amount: float
    unit: str
    provider: Factor | str  # a Factor, or the id of a product made by a process
    name: str = ""
    data: DataKind = DataKind.PRIMARY
    quality: Pedigree | None = None
    uncertainty: Uncertainty | None = None
    aircraft: bool = False
    loc: Loc = ()


@dataclass(frozen=True)
class Emission:
    """A direct emission (positive) or biogenic removal (``removal=True``) of one gas."""

    gas: str
    amount: float  # per run of the process, in ``unit``
    unit: str = "kg"
    origin: Origin = Origin.FOSSIL
    removal: bool = False
    data: DataKind = DataKind.PRIMARY
    quality: Pedigree | None = None
    uncertainty: Uncertainty | None = None
    loc: Loc = ()


@dataclass(frozen=True)
class Process:
    id: str
    outputs: tuple[Output, ...]
    inputs: tuple[Input, ...] = ()
    emissions: tuple[Emission, ...] = ()
    name: str = ""
    stage: Stage = Stage.PRODUCTION
    allocation: Allocation | None = None
    loc: Loc = ()

    @property
    def reference_output(self) -> Output:
        for output in self.outputs:
            if output.reference:
                return output
        return self.outputs[0]


@dataclass(frozen=True)
class Cutoff:
    """An input left out of the study with its estimated share of the footprint."""

    name: str
    share: float
    reason: str = ""
    loc: Loc = ()


@dataclass(frozen=True)
class ProductSystem:
    """What to calculate: processes, the reference product and amount, the GWP set."""

    processes: tuple[Process, ...]
    reference_product: str  # the product id whose footprint is wanted
    amount: float  # functional/declared unit amount, in ``unit``
    unit: str
    gwp_set: str = "AR6"
    cutoffs: tuple[Cutoff, ...] = ()
    cutoff_limits: tuple[float, float] = (0.01, 0.05)  # per input, in total
    carbon_content: float = 0.0  # kg biogenic C stored per unit of product (reported only)
    meta: dict[str, str] = field(default_factory=dict)
