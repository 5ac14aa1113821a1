"""openLCA units as Tanji unit labels, and elementary flows as greenhouse gases to air.

Amounts convert through openLCA's own unit-group factors; pint only reads the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import olca_schema as olca

from tanji.core.model import Origin
from tanji.core.units import conversion_factor, is_mass
from tanji.exchange.openlca.reader import Line, OlcaPackage, factor_value

# The GWP set the gases are weighted with, in the engine and in the rows' notes.
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


def unit_label(unit: olca.Unit) -> str | None:
    """The Tanji unit for an openLCA unit, when its name is unambiguous."""
    for text in (unit.name, *(unit.synonyms or [])):
        if text and text.strip() in UNIT_NAMES:
            return UNIT_NAMES[text.strip()]
    return None


def known_unit(package: OlcaPackage, line: Line) -> tuple[str, float] | None:
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
        label = unit_label(unit)
        if label is not None:
            size = factor_value(unit.conversion_factor) / factor_value(factor.conversion_factor)
            return label, size
    return None


def _not_reference(factor: olca.FlowPropertyFactor) -> bool:
    return not factor.is_ref_flow_property


def kg_per_reference_unit(package: OlcaPackage, flow: olca.Flow) -> float | None:
    """kg of a gas per one reference unit of its flow, through any mass quantity it has."""
    for factor in sorted(flow.flow_properties or [], key=_not_reference):
        for unit in package.group_of(factor).units or []:
            label = unit_label(unit)
            if label is not None and is_mass(label):
                per_unit = factor_value(factor.conversion_factor) / factor_value(
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
