"""Shares of a multi-output process's burdens among its outputs (ISO 14044 §4.3.4).

Physical (mass, energy) and economic allocation share by each output's amount times its
per-unit property; ``shares`` takes the shares as declared. System expansion does not
share: the process keeps all burdens and is credited with the products its co-products
avoid (handled where the matrices are built).
"""

from __future__ import annotations

from tanji.core.errors import InvalidInput, UnitMismatch
from tanji.core.i18n import N_, _
from tanji.core.model import Allocation, Output, Process
from tanji.core.units import is_mass, parse_unit

_PROPERTY = {Allocation.MASS: "mass", Allocation.ENERGY: "energy", Allocation.ECONOMIC: "price"}
# The method slugs stay in model files and results; people read these labels.
METHOD_LABELS = {
    Allocation.MASS: N_("mass allocation"),
    Allocation.ENERGY: N_("energy allocation"),
    Allocation.ECONOMIC: N_("economic allocation"),
    Allocation.SHARES: N_("allocation by declared shares"),
    Allocation.SYSTEM_EXPANSION: N_("system expansion (substitution)"),
}
_SHARE_TOLERANCE = 1e-6


def method_label(method: str) -> str:
    """The allocation method ``method`` (a slug such as ``mass``) in the current language."""
    label = METHOD_LABELS.get(method)  # StrEnum keys also match their plain-string values
    return _(label) if label else method


def shares(process: Process) -> tuple[float, ...]:
    """One share per output, summing to one; (1.0,) for a single-output process."""
    if len(process.outputs) == 1:
        return (1.0,)
    method = process.allocation
    if method is None:
        raise InvalidInput(
            _(
                "Process '{process}' has {count} outputs: choose an allocation method "
                "(mass, energy, economic, shares or system-expansion)."
            ).format(process=process.id, count=len(process.outputs)),
            loc=(*process.loc, "allocation"),
        )
    if method is Allocation.SYSTEM_EXPANSION:
        return tuple(
            1.0 if output is process.reference_output else 0.0 for output in process.outputs
        )
    if method is Allocation.SHARES:
        return _declared_shares(process)
    bases = [
        _basis(process, index, output, _PROPERTY[method])
        for index, output in enumerate(process.outputs)
    ]
    total = sum(bases)
    if total <= 0:
        raise InvalidInput(
            _("The allocation properties of process '{process}' add up to zero.").format(
                process=process.id
            ),
            loc=(*process.loc, "outputs"),
        )
    return tuple(basis / total for basis in bases)


def _declared_shares(process: Process) -> tuple[float, ...]:
    values = []
    for index, output in enumerate(process.outputs):
        if output.share is None:
            raise InvalidInput(
                _("Allocation by shares needs a share on every output."),
                loc=(*process.loc, "outputs", index, "share"),
            )
        values.append(output.share)
    total = sum(values)
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        raise InvalidInput(
            _("The allocation shares of process '{process}' add up to {total:.6g}, not 1.").format(
                process=process.id, total=total
            ),
            loc=(*process.loc, "outputs"),
        )
    return tuple(values)


def _basis(process: Process, index: int, output: Output, key: str) -> float:
    """The output's whole amount measured in the method's unit (kg, MJ or currency).

    Prices may be in any currency, but one currency for all outputs of a process: the
    currencies are separate dimensions, so mixing them is a unit mismatch.
    """
    loc = (*process.loc, "outputs", index, key)
    amount = output.amount * parse_unit(output.unit)
    text = output.properties.get(key)
    if text is None:
        if key == "mass" and is_mass(output.unit):
            return float(amount.to("kg").magnitude)
        raise InvalidInput(
            _("Output '{output}' needs a '{key}' property for {method}.").format(
                output=output.id, key=key, method=method_label(process.allocation or "")
            ),
            loc=loc,
        )
    total = (amount * parse_unit(text)).to_base_units()
    expected = _EXPECTED.get(key) or _first_price_dimension(process)
    if total.dimensionality != expected:
        raise UnitMismatch(
            _(
                "'{value}' times the unit '{unit}' of output '{output}' does not give a "
                "{key} comparable with the other outputs."
            ).format(value=text, unit=output.unit, output=output.id, key=key),
            loc=loc,
        )
    return float(total.magnitude)


_EXPECTED = {
    "mass": parse_unit("kg").dimensionality,
    "energy": parse_unit("MJ").dimensionality,
}


def _first_price_dimension(process: Process):
    for output in process.outputs:
        text = output.properties.get("price")
        if text is not None:
            return (output.amount * parse_unit(output.unit) * parse_unit(text)).dimensionality
    return None
