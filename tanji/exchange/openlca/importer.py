"""Import openLCA JSON-LD processes as cradle-to-gate factors, aggregated by Tanji's engine.

The package's processes are linked into one :class:`~tanji.core.model.ProductSystem` (each
product input to its default provider), solved once, and every selected process becomes one
factor-template row whose composition is its cradle-to-gate inventory of greenhouse gases,
kg per declared unit (声明单位). openLCA's own result is never read: Tanji recomputes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import olca_schema as olca
import scipy.sparse as sp
from olca_schema import zipio
from scipy.sparse import csgraph
from sqlalchemy.orm import Session

from tanji.core.build import Flow as GasFlow
from tanji.core.build import build
from tanji.core.errors import CalculationError, InvalidInput, Loc
from tanji.core.gwp import GwpTable, gwp_table
from tanji.core.i18n import _
from tanji.core.model import Allocation, Emission, Input, Origin, Output, Process, ProductSystem
from tanji.core.results import product_footprints
from tanji.core.solvers import factorize
from tanji.core.units import conversion_factor, is_mass
from tanji.core.version import ENGINE_VERSION
from tanji.factors import service
from tanji.factors.rows import GEO_RE
from tanji.factors.service import ImportReport

GWP_SET = "AR6"

# openLCA unit names → names Tanji's unit registry reads with the same meaning. Only
# unambiguous names are listed (pint reads openLCA's "kt" as knot and "unit" as micro-nit);
# an amount in another unit is expressed in a listed unit of the same openLCA unit group,
# through the group's own conversion factors.
UNIT_NAMES: dict[str, str] = {
    "kg": "kg", "g": "g", "mg": "mg", "t": "t", "Mg": "t", "lb": "lb",
    "J": "J", "kJ": "kJ", "MJ": "MJ", "GJ": "GJ", "TJ": "TJ",
    "Wh": "Wh", "kWh": "kWh", "MWh": "MWh", "GWh": "GWh",
    "m3": "m3", "m³": "m3", "dm3": "dm3", "cm3": "cm3", "l": "l", "L": "l", "ml": "ml",
    "Nm3": "Nm3", "Nm³": "Nm3",
    "m2": "m2", "m²": "m2", "cm2": "cm2", "km2": "km2", "ha": "ha",
    "m": "m", "cm": "cm", "mm": "mm", "km": "km",
    "t*km": "t*km", "tkm": "t*km", "kg*km": "kg*km",
    "p*km": "pkm", "pkm": "pkm", "personkm": "pkm",
    "Item(s)": "item", "item(s)": "item", "Items": "item", "items": "item", "Item": "item",
    "item": "item", "unit": "item", "Unit": "item", "p": "piece", "pcs": "piece",
    "s": "s", "min": "minute", "h": "hour", "hr": "hour", "d": "day", "day": "day",
    "a": "year", "year": "year", "yr": "year",
    "m2*a": "m2*year", "m2a": "m2*year", "m²*a": "m2*year", "m²a": "m2*year",
    "ha*a": "ha*year", "m3*a": "m3*year", "m3a": "m3*year",
    "Bq": "Bq", "kBq": "kBq",
}  # fmt: skip

# Greenhouse gases by CAS number; the gas names are those of tanji/data/gwp/gwp100.csv.
GAS_BY_CAS: dict[str, str] = {
    "124-38-9": "CO2", "74-82-8": "CH4", "10024-97-2": "N2O", "2551-62-4": "SF6",
    "7783-54-2": "NF3", "75-73-0": "CF4", "76-16-4": "C2F6", "76-19-7": "C3F8",
    "115-25-3": "c-C4F8", "75-46-7": "HFC-23", "75-10-5": "HFC-32", "354-33-6": "HFC-125",
    "811-97-2": "HFC-134a", "420-46-2": "HFC-143a", "75-37-6": "HFC-152a",
    "431-89-0": "HFC-227ea", "690-39-1": "HFC-236fa", "460-73-1": "HFC-245fa",
    "406-58-6": "HFC-365mfc", "138495-42-8": "HFC-43-10mee",
}  # fmt: skip
# Whole flow names (lower case) of the gases, as ecoinvent, ILCD/EF and IUPAC write them.
GAS_BY_NAME: dict[str, str] = {
    "carbon dioxide": "CO2", "methane": "CH4", "dinitrogen monoxide": "N2O",
    "nitrous oxide": "N2O", "sulfur hexafluoride": "SF6", "sulphur hexafluoride": "SF6",
    "nitrogen fluoride": "NF3", "nitrogen trifluoride": "NF3", "tetrafluoromethane": "CF4",
    "perfluoromethane": "CF4", "hexafluoroethane": "C2F6", "perfluoroethane": "C2F6",
    "octafluoropropane": "C3F8", "perfluoropropane": "C3F8",
    "octafluorocyclobutane": "c-C4F8", "perfluorocyclobutane": "c-C4F8",
    "trifluoromethane": "HFC-23", "difluoromethane": "HFC-32", "pentafluoroethane": "HFC-125",
    "1,1,1,2-tetrafluoroethane": "HFC-134a", "1,1,1-trifluoroethane": "HFC-143a",
    "1,1-difluoroethane": "HFC-152a",
}  # fmt: skip
# Refrigerant codes in names such as "Ethane, 1,1,1,2-tetrafluoro-, HFC-134a" or "R-14".
_CODE_RE = re.compile(r"\b(?:hfc|pfc|r)[- ]?(\d{2,3}[a-z]{0,3}(?:-\d{2}[a-z]{3})?)\b")
GAS_BY_CODE: dict[str, str] = {
    "23": "HFC-23", "32": "HFC-32", "125": "HFC-125", "134a": "HFC-134a",
    "143a": "HFC-143a", "152a": "HFC-152a", "227ea": "HFC-227ea", "236fa": "HFC-236fa",
    "245fa": "HFC-245fa", "365mfc": "HFC-365mfc", "43-10mee": "HFC-43-10mee",
    "14": "CF4", "116": "C2F6", "218": "C3F8", "318": "c-C4F8",
}  # fmt: skip
_CAS_RE = re.compile(r"(\d+)-(\d{2})-(\d)")
_HEAD_RE = re.compile(r"^(carbon dioxide|methane)\s*(?:[,(]\s*(.*?)\)?)?\s*$")
_AIR_RE = re.compile(r"\bair\b|空气|大气")
_DLUC_WORDS = ("soil or biomass stock", "land use change", "land-use change", "land transformation")
_BIOGENIC_WORDS = ("non-fossil", "non fossil", "biogenic")

# Template categories guessed from words of an openLCA category path (deepest folder first).
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("electricity", ("electricity", "electric power", "power generation", "电力", "电网")),
    ("heat-steam", ("heat", "steam", "热力", "蒸汽")),
    ("transport", ("transport", "freight", "运输", "物流")),
    ("waste-treatment", ("waste", "treatment of", "recycling", "sewerage", "landfill",
                         "incineration", "废")),
    ("building-materials", ("cement", "concrete", "construction", "building", "glass", "brick",
                            "ceramic", "mineral product", "水泥", "建材", "玻璃")),
    ("fuels", ("fuel", "petroleum", "coal", "coke", "natural gas", "diesel", "gasoline",
               "燃料", "煤", "石油", "天然气")),
    ("metals", ("metal", "steel", "iron", "alumin", "copper", "zinc", "钢", "铝", "铜", "金属")),
    ("chemicals", ("chemical", "plastic", "rubber", "fertili", "化学", "化工", "塑料", "化肥")),
    ("raw-materials", ("agricultur", "forestry", "mining", "quarrying", "crop", "animal",
                       "raw material", "原材料", "原料", "农业", "矿")),
)  # fmt: skip


def _word_pattern(word: str) -> str:
    return rf"\b{re.escape(word)}" if word.isascii() else re.escape(word)


_CATEGORY_RES = tuple(
    (category, re.compile("|".join(_word_pattern(w) for w in words)))
    for category, words in _CATEGORY_WORDS
)

_FOLDERS: dict[type, str] = {
    olca.Process: "processes",
    olca.Flow: "flows",
    olca.FlowProperty: "flow_properties",
    olca.UnitGroup: "unit_groups",
    olca.Location: "locations",
}
_READ_ERRORS = (ValueError, TypeError, AttributeError, KeyError, zipfile.BadZipFile, zlib.error)
_E = TypeVar("_E")


def _invalid(message: str, source: str, loc: Loc = ()) -> InvalidInput:
    """An InvalidInput that names the package file, so the CLI prints it first."""
    error = InvalidInput(message, loc=loc)
    error.source = source
    return error


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One exchange of a process, with its amount in the flow's reference unit.

    ``unit`` and ``factor`` are the openLCA unit and flow-property factor the exchange
    was given in; ``amount`` is already converted by them (openLCA's reference amount).
    """

    position: int
    exchange: olca.Exchange
    flow: olca.Flow
    amount: float
    unit: olca.Unit
    factor: olca.FlowPropertyFactor

    @property
    def elementary(self) -> bool:
        return self.flow.flow_type is olca.FlowType.ELEMENTARY_FLOW

    @property
    def is_input(self) -> bool:
        return bool(self.exchange.is_input)

    @property
    def avoided(self) -> bool:
        return bool(self.exchange.is_avoided_product)

    @property
    def supply(self) -> bool:
        """A product output or a waste input: what the process provides to others."""
        waste = self.flow.flow_type is olca.FlowType.WASTE_FLOW
        return not self.elementary and not self.avoided and self.is_input == waste

    @property
    def demand(self) -> bool:
        """A product input or waste output (or an avoided one, which is a credit)."""
        return not self.elementary and not self.supply


@dataclass(frozen=True)
class OlcaPackage:
    """The parts of an openLCA JSON-LD package that a cradle-to-gate factor needs.

    Every exchange has been checked on reading: ``lines`` holds them per process with
    amounts in the flows' reference units, ``references`` each process's reference flow.
    """

    name: str
    processes: dict[str, olca.Process]
    flows: dict[str, olca.Flow]
    flow_properties: dict[str, olca.FlowProperty]
    unit_groups: dict[str, olca.UnitGroup]
    locations: dict[str, olca.Location]
    lines: dict[str, tuple[Line, ...]]
    references: dict[str, Line]

    def group_of(self, factor: olca.FlowPropertyFactor) -> olca.UnitGroup:
        """The unit group of a flow-property factor (checked to exist on reading)."""
        prop = self.flow_properties[_ref_id(factor.flow_property)]
        return self.unit_groups[_ref_id(prop.unit_group)]


def read_package(path: Path) -> OlcaPackage:
    """Read an openLCA JSON-LD export (a zip, or the folder it unzips to) and check it.

    Raises :class:`InvalidInput` for a missing file, a file that is not JSON-LD, a process
    without a quantitative reference, and an exchange whose flow or unit is unknown.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise _invalid(_("No openLCA package at '{path}'.").format(path=path), name)
    entities = _read_folder(path) if path.is_dir() else _read_zip(path)
    processes = entities[olca.Process]
    if not processes:
        raise _invalid(
            _(
                "'{name}' holds no openLCA processes: export the database from openLCA as "
                "JSON-LD (a zip with a processes/ folder)."
            ).format(name=name),
            name,
        )
    parts = {
        "flows": entities[olca.Flow],
        "flow_properties": entities[olca.FlowProperty],
        "unit_groups": entities[olca.UnitGroup],
    }
    lines: dict[str, tuple[Line, ...]] = {}
    references: dict[str, Line] = {}
    for pid, process in processes.items():
        lines[pid], references[pid] = _check_process(process, pid, name=name, **parts)
    return OlcaPackage(
        name=name,
        processes=processes,
        locations=entities[olca.Location],
        lines=lines,
        references=references,
        **parts,
    )


def _read_zip(path: Path) -> dict[type, dict[str, Any]]:
    name = path.name
    if not zipfile.is_zipfile(path):
        raise _invalid(
            _("'{name}' is not a zip archive: export the database from openLCA as JSON-LD.").format(
                name=name
            ),
            name,
        )
    try:
        with zipio.ZipReader(path) as reader:
            return {
                cls: _load(cls, reader.ids_of(cls), _zip_loader(reader, cls), name)
                for cls in _FOLDERS
            }
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise _invalid(
            _("Cannot read the zip archive '{name}': {reason}").format(name=name, reason=exc), name
        ) from None


def _zip_loader(reader: zipio.ZipReader, cls: type[_E]) -> Callable[[str], _E | None]:
    return lambda uid: reader.read(cls, uid)


def _read_folder(path: Path) -> dict[type, dict[str, Any]]:
    def loader(cls: type[_E]) -> Callable[[str], _E | None]:
        return lambda uid: cls.from_json((path / _FOLDERS[cls] / f"{uid}.json").read_bytes())

    return {
        cls: _load(
            cls, [p.stem for p in sorted((path / folder).glob("*.json"))], loader(cls), path.name
        )
        for cls, folder in _FOLDERS.items()
    }


def _load(
    cls: type[_E], uids: Iterable[str], read: Callable[[str], _E | None], name: str
) -> dict[str, _E]:
    """Read every entity of one type, naming the entry that cannot be read."""
    entities: dict[str, _E] = {}
    for uid in sorted(uids):
        try:
            entity = read(uid)
        except _READ_ERRORS as exc:
            raise _invalid(
                _("Cannot read '{entry}' in '{name}': {reason}").format(
                    entry=f"{_FOLDERS[cls]}/{uid}.json", name=name, reason=exc
                ),
                name,
                loc=(_FOLDERS[cls], uid),
            ) from None
        if entity is not None:
            entities[getattr(entity, "id", None) or uid] = entity
    return entities


def _ref_id(ref: olca.Ref | None) -> str:
    return (ref.id or "") if ref is not None else ""


def _reference_factor(flow: olca.Flow) -> olca.FlowPropertyFactor | None:
    factors = flow.flow_properties or []
    for factor in factors:
        if factor.is_ref_flow_property:
            return factor
    return factors[0] if len(factors) == 1 else None


def _reference_unit(group: olca.UnitGroup) -> olca.Unit | None:
    units = group.units or []
    for unit in units:
        if unit.is_ref_unit:
            return unit
    for unit in units:
        if unit.conversion_factor == 1:
            return unit
    return None


def _find_unit(group: olca.UnitGroup, ref: olca.Ref | None) -> olca.Unit | None:
    """The unit an exchange names, by id, else by name or synonym; none: the reference."""
    if ref is None or not (ref.id or ref.name):
        return _reference_unit(group)
    units = group.units or []
    for unit in units:
        if ref.id and unit.id == ref.id:
            return unit
    for unit in units:
        if ref.name and (unit.name == ref.name or ref.name in (unit.synonyms or [])):
            return unit
    return None


def _factor_value(value: float | None) -> float:
    return 1.0 if value is None else float(value)


def _check_process(
    process: olca.Process,
    pid: str,
    *,
    name: str,
    flows: dict[str, olca.Flow],
    flow_properties: dict[str, olca.FlowProperty],
    unit_groups: dict[str, olca.UnitGroup],
) -> tuple[tuple[Line, ...], Line]:
    """Resolve every exchange of a process; the lines and the quantitative reference."""
    label = process.name or pid
    lines: list[Line] = []
    for position, exchange in enumerate(process.exchanges or []):
        loc: Loc = ("processes", pid, "exchanges", position)
        flow = flows.get(_ref_id(exchange.flow))
        flow_name = (exchange.flow.name if exchange.flow else None) or _ref_id(exchange.flow)
        if flow is None:
            raise _invalid(
                _(
                    "Exchange {position} of process '{process}' uses the flow '{flow}', which "
                    "is not in the package."
                ).format(position=position, process=label, flow=flow_name),
                name,
                loc=(*loc, "flow"),
            )
        wanted = _ref_id(exchange.flow_property)
        if wanted:
            factor = next(
                (f for f in flow.flow_properties or [] if _ref_id(f.flow_property) == wanted),
                None,
            )
        else:
            factor = _reference_factor(flow)
        prop = flow_properties.get(_ref_id(factor.flow_property)) if factor else None
        group = unit_groups.get(_ref_id(prop.unit_group)) if prop else None
        if factor is None or group is None:
            raise _invalid(
                _(
                    "The flow '{flow}' of exchange {position} of process '{process}' has no "
                    "usable flow property (quantity) with a unit group in the package."
                ).format(flow=flow.name, position=position, process=label),
                name,
                loc=(*loc, "flowProperty"),
            )
        unit = _find_unit(group, exchange.unit)
        if unit is None:
            unit_name = (exchange.unit.name if exchange.unit else None) or _ref_id(exchange.unit)
            raise _invalid(
                _(
                    "Unknown unit '{unit}' in exchange {position} ('{flow}') of process "
                    "'{process}': the unit group '{group}' has no such unit."
                ).format(
                    unit=unit_name, position=position, flow=flow.name, process=label,
                    group=group.name,
                ),
                name,
                loc=(*loc, "unit"),
            )  # fmt: skip
        unit_factor = _factor_value(unit.conversion_factor)
        property_factor = _factor_value(factor.conversion_factor)
        if exchange.amount is None or unit_factor == 0 or property_factor == 0:
            raise _invalid(
                _(
                    "Exchange {position} ('{flow}') of process '{process}' has no amount or a "
                    "zero conversion factor."
                ).format(position=position, flow=flow.name, process=label),
                name,
                loc=(*loc, "amount"),
            )
        # openLCA's reference amount: amount × unit factor ÷ flow-property factor.
        amount = float(exchange.amount) * unit_factor / property_factor
        lines.append(Line(position, exchange, flow, amount, unit, factor))
    references = [line for line in lines if line.exchange.is_quantitative_reference]
    if not references:
        raise _invalid(
            _(
                "Process '{process}' has no quantitative reference: mark its reference "
                "product in openLCA."
            ).format(process=label),
            name,
            loc=("processes", pid, "exchanges"),
        )
    reference = references[0]
    if not reference.supply or reference.amount <= 0:
        raise _invalid(
            _(
                "The quantitative reference of process '{process}' must be a positive product "
                "output or waste input."
            ).format(process=label),
            name,
            loc=("processes", pid, "exchanges", reference.position),
        )
    return tuple(lines), reference


# -- units and gases ---------------------------------------------------------------------


def _unit_label(unit: olca.Unit) -> str | None:
    """The Tanji unit for an openLCA unit, when its name is unambiguous."""
    for text in (unit.name, *(unit.synonyms or [])):
        if text and text.strip() in UNIT_NAMES:
            return UNIT_NAMES[text.strip()]
    return None


def _express(package: OlcaPackage, line: Line) -> tuple[str, float] | None:
    """A Tanji unit for the flow of ``line`` and how many reference units one of it is.

    Tries the exchange's own unit, then the other units of its group, then those of the
    flow's other quantities; the openLCA factors give the ratio, pint only reads the name.
    """
    factors = [line.factor, *sorted(line.flow.flow_properties or [], key=_not_reference)]
    candidates = [(line.unit, line.factor)]
    for factor in factors:
        units = sorted(package.group_of(factor).units or [], key=lambda u: not u.is_ref_unit)
        candidates.extend((unit, factor) for unit in units)
    for unit, factor in candidates:
        label = _unit_label(unit)
        if label is not None:
            size = _factor_value(unit.conversion_factor) / _factor_value(factor.conversion_factor)
            return label, size
    return None


def _not_reference(factor: olca.FlowPropertyFactor) -> bool:
    return not factor.is_ref_flow_property


def _kg_per_reference_unit(package: OlcaPackage, flow: olca.Flow) -> float | None:
    """kg of a gas per one reference unit of its flow, through any mass quantity it has."""
    for factor in sorted(flow.flow_properties or [], key=_not_reference):
        for unit in package.group_of(factor).units or []:
            label = _unit_label(unit)
            if label is not None and is_mass(label):
                per_unit = _factor_value(factor.conversion_factor) / _factor_value(
                    unit.conversion_factor
                )
                return per_unit * conversion_factor(label, "kg")
    return None


@dataclass(frozen=True)
class GasMatch:
    """An elementary flow recognised as a greenhouse gas to air (or CO2 taken from air)."""

    gas: str
    origin: Origin
    removal: bool = False


def _cas_gas(cas: str | None) -> str | None:
    match = _CAS_RE.search(cas or "")
    if match is None:
        return None
    first, second, third = match.groups()
    return GAS_BY_CAS.get(f"{int(first)}-{second}-{third}")


def _origin_words(text: str) -> Origin | str | None:
    """Origin of CO2 or CH4 from the words of its name; ``"removal"`` for CO2 from air."""
    if "to soil" in text or "correction" in text:
        return None  # carbon put into soil, and ecoinvent's balancing flows: not emissions
    if "in air" in text:
        return "removal"
    if any(word in text for word in _DLUC_WORDS):
        return Origin.DLUC
    if any(word in text for word in _BIOGENIC_WORDS):
        return Origin.BIOGENIC
    return Origin.FOSSIL


def greenhouse_gas(flow: olca.Flow, *, is_input: bool) -> GasMatch | None:
    """The gas of an elementary exchange, or None when it is not counted.

    Counted are greenhouse gases emitted to air (matched by CAS number, then by name) and
    CO2 taken from air (a biogenic removal). "carbon dioxide, fossil" is fossil; "non-fossil"
    and "biogenic" are biogenic; "from soil or biomass stock" and land-use change are dLUC.
    """
    if flow.flow_type is not olca.FlowType.ELEMENTARY_FLOW:
        return None
    if not _AIR_RE.search((flow.category or "").lower()):
        return None
    text = (flow.name or "").strip().lower()
    gas = _cas_gas(flow.cas) or GAS_BY_NAME.get(text)
    if gas is None and (code := _CODE_RE.search(text)):
        gas = GAS_BY_CODE.get(code.group(1))
    if gas is None and (head := _HEAD_RE.match(text)):
        qualifier = head.group(2) or ""
        known = ("fossil", "biogenic", "in air", *_DLUC_WORDS)
        if not qualifier or any(word in qualifier for word in known):
            gas = GAS_BY_NAME[head.group(1)]
    if gas is None:
        return None
    if gas not in ("CO2", "CH4"):
        return None if is_input else GasMatch(gas, Origin.FOSSIL)
    origin = _origin_words(text)
    if origin is None:
        return None
    if is_input:
        return GasMatch("CO2", Origin.BIOGENIC, removal=True) if gas == "CO2" else None
    if origin == "removal":
        return None
    return GasMatch(gas, Origin(origin))


# -- aggregation -------------------------------------------------------------------------


@dataclass
class _Linked:
    """The processes drawn into the product system, with their links and ignored flows."""

    order: list[str]
    providers: dict[tuple[str, int], str]
    ignored: dict[str, str]  # flow id → name of every elementary flow left out
    left_out: dict[str, set[str]]  # process id → ids of the flows it left out


def aggregate(
    package: OlcaPackage, *, process_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One cradle-to-gate factor-template row per selected process (default: all of them).

    The selected processes and their supply chains become one product system, solved once
    by Tanji's engine: ``product_footprints`` gives each process's kg CO2e per unit, and
    one transposed solve Aᵀ Y = Bᵀ gives every process's per-gas inventory B·A⁻¹eⱼ.
    """
    selected = _select(package, process_ids)
    if not selected:
        return []
    linked = _link(package, selected)
    system, products, units = _system(package, linked, selected)
    gwp = gwp_table(GWP_SET)
    try:
        footprints = {item.product: item.per_unit for item in product_footprints(system)}
        built = build(system)
        factorization = factorize(built.matrices.technosphere, labels=built.labels)
    except InvalidInput as exc:
        exc.source = package.name
        raise
    intervention = built.matrices.intervention
    per_gas = np.zeros((built.matrices.size, intervention.shape[0]))
    if intervention.shape[0]:
        per_gas[:] = factorization.solve_transposed(intervention.T.toarray()).reshape(per_gas.shape)
    column = {activity.product: activity.index for activity in built.activities}
    chains = _chains(package, linked)
    rows = []
    for pid in sorted(selected, key=lambda p: ((package.processes[p].name or "").lower(), p)):
        product = products[pid]
        label, per_declared = units[pid]
        inventory = per_gas[column[product]] * per_declared
        total = footprints[product] * per_declared
        check = float(inventory @ built.matrices.characterization)
        if abs(check - total) > 1e-9 * max(1.0, abs(total)):
            raise CalculationError(
                _(
                    "The per-gas inventory of process '{process}' does not add up to its "
                    "footprint ({gases:.6g} vs {total:.6g} kg CO2e)."
                ).format(process=package.processes[pid].name, gases=check, total=total)
            )
        rows.append(
            _row(package, pid, label, total, _compose(built.flows, inventory, gwp), chains[pid])
        )
    return rows


def _select(package: OlcaPackage, process_ids: Sequence[str] | None) -> list[str]:
    if process_ids is None:
        return sorted(package.processes)
    for index, pid in enumerate(process_ids):
        if pid not in package.processes:
            raise _invalid(
                _("No process '{id}' in the package.").format(id=pid),
                package.name,
                loc=("process_ids", index),
            )
    return list(dict.fromkeys(process_ids))


def _producers(package: OlcaPackage) -> dict[str, list[str]]:
    """Which processes provide each product (or treat each waste) flow."""
    producers: dict[str, list[str]] = {}
    for pid in sorted(package.processes):
        for line in package.lines[pid]:
            if line.supply and pid not in producers.setdefault(line.flow.id, []):
                producers[line.flow.id].append(pid)
    return producers


def _link(package: OlcaPackage, selected: Sequence[str]) -> _Linked:
    """Follow provider links from the selected processes through their supply chains."""
    producers = _producers(package)
    linked = _Linked(order=[], providers={}, ignored={}, left_out={})
    seen: set[str] = set()
    queue = deque(selected)
    while queue:
        pid = queue.popleft()
        if pid in seen:
            continue
        seen.add(pid)
        linked.order.append(pid)
        for line in package.lines[pid]:
            if line.demand and line.amount:
                provider = _provider(package, pid, line, producers)
                linked.providers[(pid, line.position)] = provider
                if provider not in seen:
                    queue.append(provider)
    return linked


def _provider(package: OlcaPackage, pid: str, line: Line, producers: dict[str, list[str]]) -> str:
    """The default provider of an input, else the only process that makes its flow."""
    process = package.processes[pid].name or pid
    loc: Loc = ("processes", pid, "exchanges", line.position, "defaultProvider")
    values = {"flow": line.flow.name, "process": process}
    ref = line.exchange.default_provider
    if ref is not None and ref.id:
        provider = package.processes.get(ref.id)
        if provider is None:
            raise _invalid(
                _(
                    "The default provider '{provider}' of '{flow}' in process '{process}' is "
                    "not in the package."
                ).format(provider=ref.name or ref.id, **values),
                package.name,
                loc=loc,
            )
        if ref.id not in producers.get(line.flow.id, []):
            raise _invalid(
                _(
                    "The default provider '{provider}' of '{flow}' in process '{process}' does "
                    "not provide that flow."
                ).format(provider=provider.name or ref.id, **values),
                package.name,
                loc=loc,
            )
        return ref.id
    candidates = producers.get(line.flow.id, [])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise _invalid(
            _(
                "No process in the package provides '{flow}', used by process '{process}': "
                "add its provider to the export or set a default provider in openLCA."
            ).format(**values),
            package.name,
            loc=loc,
        )
    names = ", ".join(package.processes[c].name or c for c in candidates)
    raise _invalid(
        _(
            "Several processes provide '{flow}' ({names}), used by process '{process}': set a "
            "default provider in openLCA."
        ).format(names=names, **values),
        package.name,
        loc=loc,
    )


def _product_id(pid: str, flow_id: str) -> str:
    return f"{pid}/{flow_id}"


def _flow_unit(package: OlcaPackage, flow: olca.Flow) -> str:
    """The label of a flow's reference unit in the linked system.

    Amounts there are already in the flow's reference unit on both sides of every link,
    so the label only has to be a unit Tanji reads; "item" stands in for exotic units.
    """
    factor = _reference_factor(flow)
    unit = _reference_unit(package.group_of(factor)) if factor is not None else None
    label = _unit_label(unit) if unit is not None else None
    return label or "item"


def _system(
    package: OlcaPackage, linked: _Linked, selected: Sequence[str]
) -> tuple[ProductSystem, dict[str, str], dict[str, tuple[str, float]]]:
    """The product system; each selected process's product id and declared unit."""
    processes = []
    products: dict[str, str] = {}
    units: dict[str, tuple[str, float]] = {}
    for pid in linked.order:
        reference = package.references[pid]
        products[pid] = _product_id(pid, reference.flow.id)
        processes.append(_process(package, pid, linked))
        if pid in selected:
            units[pid] = _declared_unit(package, pid, reference)
    first = selected[0]
    system = ProductSystem(
        processes=tuple(processes),
        reference_product=products[first],
        amount=1.0,
        unit=_flow_unit(package, package.references[first].flow),
        gwp_set=GWP_SET,
        meta={"source": "openLCA JSON-LD", "package": package.name},
    )
    return system, products, units


def _declared_unit(package: OlcaPackage, pid: str, reference: Line) -> tuple[str, float]:
    """The factor's unit (the reference exchange's, when Tanji knows it) and its size."""
    found = _express(package, reference)
    if found is None:
        raise _invalid(
            _(
                "Tanji does not know the unit '{unit}' of the reference flow '{flow}' of process "
                "'{process}', nor any other unit of its group."
            ).format(
                unit=reference.unit.name, flow=reference.flow.name,
                process=package.processes[pid].name,
            ),
            package.name,
            loc=("processes", pid, "exchanges", reference.position, "unit"),
        )  # fmt: skip
    return found


def _process(package: OlcaPackage, pid: str, linked: _Linked) -> Process:
    """One openLCA process as a Tanji process, amounts per run in reference units."""
    process = package.processes[pid]
    reference = package.references[pid]
    base: Loc = ("processes", pid)
    supply = [line for line in package.lines[pid] if line.supply]
    seen_flows: set[str] = set()
    for line in supply:
        if line.flow.id in seen_flows:
            raise _invalid(
                _(
                    "Process '{process}' provides '{flow}' twice; Tanji cannot tell them apart."
                ).format(process=process.name, flow=line.flow.name),
                package.name,
                loc=(*base, "exchanges", line.position),
            )
        seen_flows.add(line.flow.id)
    shares = _shares(package, pid, supply) if len(supply) > 1 else {}
    outputs = tuple(
        Output(
            id=_product_id(pid, line.flow.id),
            amount=line.amount,
            unit=_flow_unit(package, line.flow),
            name=line.flow.name or "",
            reference=line is reference,
            share=shares.get(line.flow.id),
            loc=(*base, "exchanges", line.position),
        )
        for line in supply
    )
    inputs = []
    emissions = []
    for line in package.lines[pid]:
        loc: Loc = (*base, "exchanges", line.position)
        if line.demand and line.amount:
            provider = linked.providers[(pid, line.position)]
            inputs.append(
                Input(
                    id=f"{line.position}:{line.flow.name or line.flow.id}",
                    amount=-line.amount if line.avoided else line.amount,
                    unit=_flow_unit(package, line.flow),
                    provider=_product_id(provider, line.flow.id),
                    name=line.flow.name or "",
                    loc=loc,
                )
            )
        elif line.elementary and line.amount:
            emission = _emission(package, pid, line, loc)
            if emission is None:
                linked.ignored.setdefault(line.flow.id, line.flow.name or line.flow.id)
                linked.left_out.setdefault(pid, set()).add(line.flow.id)
            else:
                emissions.append(emission)
    return Process(
        id=f"{process.name or pid} ({pid})",
        outputs=outputs,
        inputs=tuple(inputs),
        emissions=tuple(emissions),
        name=process.name or "",
        allocation=Allocation.SHARES if shares else None,
        loc=base,
    )


def _emission(package: OlcaPackage, pid: str, line: Line, loc: Loc) -> Emission | None:
    match = greenhouse_gas(line.flow, is_input=line.is_input)
    if match is None:
        return None
    kg = _kg_per_reference_unit(package, line.flow)
    if kg is None:
        raise _invalid(
            _(
                "The greenhouse gas '{flow}' in process '{process}' has no mass quantity, so "
                "it cannot be converted to kg."
            ).format(flow=line.flow.name, process=package.processes[pid].name),
            package.name,
            loc=(*loc, "unit"),
        )
    return Emission(
        gas=match.gas,
        amount=line.amount * kg,
        unit="kg",
        origin=match.origin,
        removal=match.removal,
        loc=loc,
    )


_METHODS = {
    olca.AllocationType.PHYSICAL_ALLOCATION: "physical",
    olca.AllocationType.ECONOMIC_ALLOCATION: "economic",
}


def _shares(package: OlcaPackage, pid: str, supply: Sequence[Line]) -> dict[str, float]:
    """Allocation shares of a multi-output process from its default method's factors.

    Only physical and economic factors are used as given; causal allocation (factors per
    exchange) and a missing method are refused rather than guessed.
    """
    process = package.processes[pid]
    method = process.default_allocation_method
    loc: Loc = ("processes", pid, "allocationFactors")
    if method not in _METHODS:
        raise _invalid(
            _(
                "Process '{process}' has {count} products; Tanji uses its default allocation "
                "method only when that is physical or economic with factors (found: {method})."
            ).format(
                process=process.name,
                count=len(supply),
                method=method.value.lower() if method else "none",
            ),
            package.name,
            loc=(*loc[:-1], "defaultAllocationMethod"),
        )
    given = {
        _ref_id(factor.product): float(factor.value)
        for factor in process.allocation_factors or []
        if factor.allocation_type is method and factor.value is not None and factor.exchange is None
    }
    shares = {}
    for line in supply:
        if line.flow.id not in given:
            raise _invalid(
                _(
                    "Process '{process}' has no {method} allocation factor for its product "
                    "'{flow}'."
                ).format(process=process.name, method=_METHODS[method], flow=line.flow.name),
                package.name,
                loc=loc,
            )
        shares[line.flow.id] = given[line.flow.id]
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-3:
        raise _invalid(
            _(
                "The {method} allocation factors of process '{process}' add up to {total:.6g}, "
                "not 1."
            ).format(method=_METHODS[method], process=process.name, total=total),
            package.name,
            loc=loc,
        )
    return {flow: share / total for flow, share in shares.items()}


_SHOWN = 8  # ignored flows named in a row's notes


def _chains(package: OlcaPackage, linked: _Linked) -> dict[str, tuple[int, int, list[str]]]:
    """Per process: the processes in its supply chain, and the flows left out there.

    Gives (process count, left-out flow count, the first few left-out names). Loops are
    condensed to single nodes first (strongly connected components), so each chain is the
    union of its providers' chains, kept as bit masks.
    """
    index = {pid: i for i, pid in enumerate(linked.order)}
    ordered = sorted(linked.ignored, key=lambda flow: (linked.ignored[flow], flow))
    bit = {flow: 1 << i for i, flow in enumerate(ordered)}
    count = len(index)
    edges = [(index[key[0]], index[provider]) for key, provider in linked.providers.items()]
    rows = [consumer for consumer, provider in edges]
    cols = [provider for consumer, provider in edges]
    graph = sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(count, count))
    components, label = csgraph.connected_components(graph, directed=True, connection="strong")
    members = [0] * components
    flows = [0] * components
    for pid, i in index.items():
        members[label[i]] |= 1 << i
        for flow in linked.left_out.get(pid, ()):
            flows[label[i]] |= bit[flow]
    children: list[set[int]] = [set() for _ in range(components)]
    for a, b in edges:
        if label[a] != label[b]:
            children[label[a]].add(label[b])
    done: list[tuple[int, int] | None] = [None] * components
    for root in range(components):
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if done[node] is not None:
                continue
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in children[node] if done[child] is None)
                continue
            chain, left_out = members[node], flows[node]
            for child in children[node]:
                child_chain, child_left_out = done[child]  # type: ignore[misc]
                chain |= child_chain
                left_out |= child_left_out
            done[node] = (chain, left_out)
    result = {}
    for pid, i in index.items():
        chain, left_out = done[label[i]]  # type: ignore[misc]
        names, rest = [], left_out
        while rest and len(names) < _SHOWN:
            lowest = rest & -rest
            names.append(linked.ignored[ordered[lowest.bit_length() - 1]])
            rest ^= lowest
        result[pid] = (chain.bit_count(), left_out.bit_count(), names)
    return result


@dataclass(frozen=True)
class _Composition:
    text: str
    origin: Origin
    mixed: bool = False
    biogenic_emitted: float = 0.0  # kg biogenic CO2 left out of a mixed row
    biogenic_removed: float = 0.0  # kg CO2 removals left out of a mixed row


def _gas_order(gas: str) -> tuple[int, str]:
    main = ("CO2", "CH4", "N2O")
    return (main.index(gas), gas) if gas in main else (len(main), gas)


def _compose(flows: Sequence[GasFlow], amounts: np.ndarray, gwp: GwpTable) -> _Composition:
    """The composition text and the one origin the factor template allows per row.

    A row of one origin keeps every gas. A mixed row is labelled fossil: fossil, dLUC and
    non-CO2 biogenic gases stay (biogenic CH4 is then weighted as fossil CH4), while biogenic
    CO2 emissions and removals are left out and reported in the notes, as in a footprint
    "excluding biogenic CO2".
    """
    weighted = [
        abs(float(a) * gwp.factor(f.gas, f.origin)) for f, a in zip(flows, amounts, strict=True)
    ]
    floor = max(weighted, default=0.0) * 1e-12
    live = [
        (f, float(a)) for f, a, w in zip(flows, amounts, weighted, strict=True) if a and w > floor
    ]
    origins = {flow.origin for flow, amount in live}
    mixed = len(origins) > 1
    origin = Origin.FOSSIL if mixed or not origins else origins.pop()
    totals: dict[str, float] = {}
    emitted = removed = 0.0
    for flow, amount in live:
        if mixed and flow.origin is Origin.BIOGENIC and flow.gas == "CO2":
            if flow.removal:
                removed -= amount
            else:
                emitted += amount
            continue
        name = gwp.names.get(flow.gas, flow.gas)
        totals[name] = totals.get(name, 0.0) + amount
    text = ";".join(
        f"{gas}={value:.10g}"
        for gas, value in sorted(totals.items(), key=lambda kv: _gas_order(kv[0]))
    )
    return _Composition(text or "CO2=0", origin, mixed, emitted, removed)


# -- rows --------------------------------------------------------------------------------


def _slug_words(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _slug(name: str, pid: str) -> str:
    """Readable and unique: the process name plus a short hash of its UUID."""
    base = _slug_words(name)[:100].strip("-") or "process"
    return f"{base}-{hashlib.sha256(pid.encode('utf-8')).hexdigest()[:8]}"


def _clip(text: str | None, size: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _category(package: OlcaPackage, pid: str) -> str:
    """A template category from the openLCA category path, deepest folder first."""
    paths = (package.processes[pid].category, package.references[pid].flow.category)
    for path in paths:
        for folder in reversed([p for p in (path or "").split("/") if p.strip()]):
            text = folder.lower()
            for category, pattern in _CATEGORY_RES:
                if pattern.search(text):
                    return category
    return "products"


def _geography(package: OlcaPackage, process: olca.Process) -> tuple[str, str]:
    """(template geography, the openLCA code when it had to become GLO)."""
    ref = process.location
    if ref is None:
        return "GLO", ""
    location = package.locations.get(ref.id or "")
    code = ((location.code if location else None) or ref.name or "").strip()
    if not code:
        return "GLO", ""
    if GEO_RE.match(code.upper()):
        return code.upper(), ""
    return "GLO", "" if code.upper() in ("GLO", "ROW") else code


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _row(
    package: OlcaPackage,
    pid: str,
    unit: str,
    total: float,
    composition: _Composition,
    chain: tuple[int, int, list[str]],
) -> dict[str, Any]:
    """The template row of one process.

    Notes are written in English whatever the interface language: they are stored data,
    and re-importing the same package must give the same row (no new version).
    """
    process = package.processes[pid]
    name = process.name or pid
    doc = process.process_documentation or olca.ProcessDocumentation()
    valid_from, valid_to = _date(doc.valid_from), _date(doc.valid_until)
    year = (valid_from or valid_to).year if (valid_from or valid_to) else None
    if valid_from and valid_to and valid_to < valid_from:
        valid_to = None
    geography, dropped_location = _geography(package, process)
    license_text = _clip(doc.restrictions_description, 200)
    if not license_text and doc.is_copyright_protected:
        license_text = "copyright protected (see the openLCA package)"
    cjk = any("\u3400" <= ch <= "\u9fff" for ch in name)
    reference_flow = package.references[pid].flow
    processes, left_out, shown = chain
    notes = [
        f"Cradle-to-gate aggregate of openLCA process '{name}' ({pid}), computed by the Tanji "
        f"engine {ENGINE_VERSION} with {GWP_SET} GWP100 from {processes} unit process(es) of "
        f"its supply chain in {package.name}; the engine's total over all origins is "
        f"{total:.6g} kg CO2e per {unit}.",
    ]
    if left_out:
        names = ", ".join(shown) + (", …" if left_out > len(shown) else "")
        notes.append(
            f"{left_out} elementary flow(s) of the supply chain are not greenhouse gases "
            f"to air and were left out: {names}."
        )
    if composition.mixed:
        notes.append(
            "Mixed origins: the template carries one origin per row, so fossil, dLUC and "
            "non-CO2 biogenic gases are recorded as fossil (biogenic CH4 weighted as fossil); "
            f"biogenic CO2 left out: {composition.biogenic_emitted:.6g} kg emitted and "
            f"{composition.biogenic_removed:.6g} kg removed per {unit}."
        )
    method = _METHODS.get(process.default_allocation_method)
    if method and sum(1 for line in package.lines[pid] if line.supply) > 1:
        notes.append(f"Multi-output process: its {method} allocation factors were used.")
    if dropped_location:
        notes.append(f"openLCA location '{dropped_location}' is not an ISO 3166 code: GLO used.")
    return {
        "slug": _slug(name, pid),
        "flow": _slug_words(reference_flow.name or "")[:120].strip("-"),
        "name_zh": _clip(name, 300) if cjk else "",
        "name_en": "" if cjk else _clip(name, 300),
        "synonyms": "",
        "category": _category(package, pid),
        "unit": unit,
        "composition": composition.text,
        "origin": composition.origin.value,
        "boundary": "cradle-to-gate",
        "geography": geography,
        "year": year if year is not None and 1900 <= year <= 2100 else "",
        "valid_from": valid_from.isoformat() if valid_from else "",
        "valid_to": valid_to.isoformat() if valid_to else "",
        "technology": _clip(doc.technology_description, 200),
        "document": f"openLCA JSON-LD: {package.name}, process {name} ({pid})",
        "table": "",
        "url": "",
        "license": license_text,
        "reliability": "",
        "completeness": "",
        "temporal": "",
        "geographical": "",
        "technological": "",
        "uncertainty": "",
        "notes": " ".join(notes),
    }


# -- import ------------------------------------------------------------------------------


def import_openlca(
    session: Session, *, path: Path, actor: str, publish: bool = False
) -> ImportReport:
    """Aggregate every process of a JSON-LD package and import the rows as factors.

    Drafts by default, like any contributor import; ``publish`` is for curators.
    """
    rows = aggregate(read_package(path))
    try:
        return service.import_factors(
            session, rows=list(enumerate(rows, start=1)), actor=actor, publish=publish
        )
    except InvalidInput as exc:
        exc.source = Path(path).name
        raise
