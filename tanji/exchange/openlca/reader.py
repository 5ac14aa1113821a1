"""Read an openLCA JSON-LD package (a zip or its folder) and check every process in it.

Each exchange is resolved to its flow, quantity and unit, with its amount in the flow's
reference unit; anything unusable is an :class:`InvalidInput` that names the package file.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import olca_schema as olca
from olca_schema import zipio

from tanji.core.errors import InvalidInput, Loc
from tanji.core.i18n import _

_FOLDERS: dict[type, str] = {
    olca.Process: "processes",
    olca.Flow: "flows",
    olca.FlowProperty: "flow_properties",
    olca.UnitGroup: "unit_groups",
    olca.Location: "locations",
}
_READ_ERRORS = (ValueError, TypeError, AttributeError, KeyError, zipfile.BadZipFile, zlib.error)
_E = TypeVar("_E")


def invalid(message: str, source: str, loc: Loc = ()) -> InvalidInput:
    """An InvalidInput that names the package file, so the CLI prints it first."""
    error = InvalidInput(message, loc=loc)
    error.source = source
    return error


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
        prop = self.flow_properties[ref_id(factor.flow_property)]
        return self.unit_groups[ref_id(prop.unit_group)]


def read_package(path: Path) -> OlcaPackage:
    """Read an openLCA JSON-LD export (a zip, or the folder it unzips to) and check it.

    Raises :class:`InvalidInput` for a missing file, a file that is not JSON-LD, a process
    without a quantitative reference, and an exchange whose flow or unit is unknown.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise invalid(_("No openLCA package at '{path}'.").format(path=path), name)
    entities = _read_folder(path) if path.is_dir() else _read_zip(path)
    processes = entities[olca.Process]
    if not processes:
        raise invalid(
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
        raise invalid(
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
        raise invalid(
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
            raise invalid(
                _("Cannot read '{entry}' in '{name}': {reason}").format(
                    entry=f"{_FOLDERS[cls]}/{uid}.json", name=name, reason=exc
                ),
                name,
                loc=(_FOLDERS[cls], uid),
            ) from None
        if entity is not None:
            entities[getattr(entity, "id", None) or uid] = entity
    return entities


def ref_id(ref: olca.Ref | None) -> str:
    """The id a reference points to; "" for none."""
    return (ref.id or "") if ref is not None else ""


def reference_factor(flow: olca.Flow) -> olca.FlowPropertyFactor | None:
    """The flow's reference quantity; its only one when none is marked."""
    factors = flow.flow_properties or []
    for factor in factors:
        if factor.is_ref_flow_property:
            return factor
    return factors[0] if len(factors) == 1 else None


def reference_unit(group: olca.UnitGroup) -> olca.Unit | None:
    """The group's reference unit; else a unit of factor 1."""
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
        return reference_unit(group)
    units = group.units or []
    for unit in units:
        if ref.id and unit.id == ref.id:
            return unit
    for unit in units:
        if ref.name and (unit.name == ref.name or ref.name in (unit.synonyms or [])):
            return unit
    return None


def factor_value(value: float | None) -> float:
    """An openLCA conversion factor, which JSON-LD may leave out when it is 1."""
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
        flow = flows.get(ref_id(exchange.flow))
        flow_name = (exchange.flow.name if exchange.flow else None) or ref_id(exchange.flow)
        if flow is None:
            raise invalid(
                _(
                    "Exchange {position} of process '{process}' uses the flow '{flow}', which "
                    "is not in the package."
                ).format(position=position, process=label, flow=flow_name),
                name,
                loc=(*loc, "flow"),
            )
        wanted = ref_id(exchange.flow_property)
        if wanted:
            factor = next(
                (f for f in flow.flow_properties or [] if ref_id(f.flow_property) == wanted),
                None,
            )
        else:
            factor = reference_factor(flow)
        prop = flow_properties.get(ref_id(factor.flow_property)) if factor else None
        group = unit_groups.get(ref_id(prop.unit_group)) if prop else None
        if factor is None or group is None:
            raise invalid(
                _(
                    "The flow '{flow}' of exchange {position} of process '{process}' has no "
                    "usable flow property (quantity) with a unit group in the package."
                ).format(flow=flow.name, position=position, process=label),
                name,
                loc=(*loc, "flowProperty"),
            )
        unit = _find_unit(group, exchange.unit)
        if unit is None:
            unit_name = (exchange.unit.name if exchange.unit else None) or ref_id(exchange.unit)
            raise invalid(
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
        unit_factor = factor_value(unit.conversion_factor)
        property_factor = factor_value(factor.conversion_factor)
        if exchange.amount is None or unit_factor == 0 or property_factor == 0:
            raise invalid(
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
        raise invalid(
            _(
                "Process '{process}' has no quantitative reference: mark its reference "
                "product in openLCA."
            ).format(process=label),
            name,
            loc=("processes", pid, "exchanges"),
        )
    reference = references[0]
    if not reference.supply or reference.amount <= 0:
        raise invalid(
            _(
                "The quantitative reference of process '{process}' must be a positive product "
                "output or waste input."
            ).format(process=label),
            name,
            loc=("processes", pid, "exchanges", reference.position),
        )
    return tuple(lines), reference
