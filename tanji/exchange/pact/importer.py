"""Read a supplier's PACT footprint (v3 or v2) as primary data a model can use.

:func:`read_pact` takes a ProductFootprint as JSON text, bytes or parsed data (alone, in a
``{"data": …}`` envelope as the PACT API returns it, or in a list), validates it and turns
it into a :class:`~tanji.core.model.Factor`: kg CO2e per one PACT unit of the product,
flagged primary, with the supplier's data quality as pedigree scores.
:func:`inline_factor_for_model` gives the same factor in the model file's inline form, so a
customer's model can use the supplier's footprint as an input's source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tanji.core.errors import InvalidInput, Loc
from tanji.core.i18n import _
from tanji.core.model import DataKind, Factor, GasAmount, Origin, Pedigree
from tanji.exchange.pact.decimals import parse_decimal
from tanji.exchange.pact.mapping import PACT_UNITS
from tanji.exchange.pact.validation import (
    PactInvalid,
    Problem,
    validate_v2,
    validate_v3,
    without_nulls,
)


@dataclass(frozen=True)
class PactFootprint:
    """A supplier's PACT footprint read into Tanji's terms.

    ``total`` and ``excluding_uptake`` are kg CO2e per declared unit (``declared_amount``
    ``declared_unit``); ``factor`` is kg CO2e per one ``unit`` (the Tanji unit of one PACT
    unit, e.g. ``kg``). ``document`` is the footprint exactly as received.
    """

    id: str
    spec_version: str
    status: str
    company_name: str
    product_name: str
    product_ids: tuple[str, ...]
    declared_unit: str
    declared_amount: float
    unit: str
    total: float
    excluding_uptake: float
    verified: bool
    primary_data_share: float | None
    factor: Factor
    document: dict[str, Any]

    @property
    def per_unit(self) -> float:
        """kg CO2e per one ``unit`` of the product, biogenic uptake included."""
        return self.total / self.declared_amount


def read_pacts(
    data: bytes | str | Mapping[str, Any] | list[Any], *, allow_deprecated: bool = False
) -> tuple[PactFootprint, ...]:
    """Every footprint in ``data`` (one, a ``{"data": …}`` envelope, or a list of them).

    Invalid documents raise :class:`~tanji.exchange.pact.validation.PactInvalid` naming
    the path of each problem; Deprecated footprints are refused unless
    ``allow_deprecated`` (a newer footprint replaces them).
    """
    parsed = _parse(data)
    prefix: Loc = ()
    if isinstance(parsed, Mapping) and "data" in parsed and "pcf" not in parsed:
        parsed, prefix = parsed["data"], ("data",)
    if isinstance(parsed, Mapping):
        items: list[tuple[Loc, Any]] = [(prefix, parsed)]
    elif isinstance(parsed, list):
        items = [((*prefix, index), item) for index, item in enumerate(parsed)]
    else:
        raise InvalidInput(
            _("A PACT file holds a footprint (a JSON object) or a list of footprints."),
            loc=prefix,
        )
    if not items:
        raise InvalidInput(_("The PACT data holds no footprint."), loc=prefix)
    return tuple(_read_one(item, loc, allow_deprecated) for loc, item in items)


def read_pact(
    data: bytes | str | Mapping[str, Any] | list[Any], *, allow_deprecated: bool = False
) -> PactFootprint:
    """The one footprint in ``data``; see :func:`read_pacts` for the forms accepted."""
    footprints = read_pacts(data, allow_deprecated=allow_deprecated)
    if len(footprints) != 1:
        raise InvalidInput(
            _("The PACT data holds {count} footprints; read them with read_pacts.").format(
                count=len(footprints)
            )
        )
    return footprints[0]


def _parse(data: bytes | str | Mapping[str, Any] | list[Any]) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("A PACT file must be JSON in UTF-8.")) from None
    if isinstance(data, str):
        try:
            return json.loads(data)
        except json.JSONDecodeError as exc:
            where = _("line {line}, column {column}").format(line=exc.lineno, column=exc.colno)
            raise InvalidInput(
                _("JSON syntax error: {problem}.").format(problem=exc.msg), loc=(where,)
            ) from None
    return data


def _major(doc: Mapping[str, Any], loc: Loc) -> str:
    version = doc.get("specVersion")
    pcf = doc.get("pcf") if isinstance(doc.get("pcf"), Mapping) else {}
    if isinstance(version, str) and version[:2] in ("3.", "2."):
        return version[0]
    if version is None:
        if "pcfExcludingBiogenicUptake" in pcf:
            return "3"
        if "pCfExcludingBiogenic" in pcf:
            return "2"
        raise InvalidInput(
            _("Cannot tell the PACT version: specVersion is missing."),
            loc=(*loc, "specVersion"),
        )
    raise InvalidInput(
        _("PACT {version} is not supported; Tanji reads versions 2.x and 3.x.").format(
            version=version
        ),
        loc=(*loc, "specVersion"),
    )


def _read_one(raw: Any, loc: Loc, allow_deprecated: bool) -> PactFootprint:
    if not isinstance(raw, Mapping):
        raise InvalidInput(_("A PACT footprint must be a JSON object."), loc=loc)
    major = _major(raw, loc)
    problems = validate_v3(raw) if major == "3" else validate_v2(raw)
    if problems:
        raise PactInvalid([Problem((*loc, *p.loc), p.message) for p in problems])
    doc = without_nulls(raw)
    if doc["status"] == "Deprecated" and not allow_deprecated:
        raise InvalidInput(
            _(
                "PACT footprint {id} is Deprecated: a newer footprint replaces it. Import the "
                "active one, or allow deprecated footprints explicitly."
            ).format(id=doc["id"]),
            loc=(*loc, "status"),
        )
    pcf = doc["pcf"]
    if major == "3":
        declared_unit = pcf["declaredUnitOfMeasurement"]
        amount = _number(pcf["declaredUnitAmount"])
        total = _number(pcf["pcfIncludingBiogenicUptake"])
        uptake = _number(pcf.get("biogenicCO2Uptake", "0"))
        dluc = _number(pcf.get("landUseChangeGhgEmissions", "0"))
        non_co2 = _number(pcf.get("biogenicNonCO2Emissions", "0"))
        verified = "verification" in pcf
    else:
        declared_unit = pcf["declaredUnit"]
        amount = _number(pcf["unitaryProductAmount"])
        uptake = _number(pcf.get("biogenicCarbonWithdrawal", "0"))
        if "pCfIncludingBiogenic" in pcf:
            total = _number(pcf["pCfIncludingBiogenic"])
        else:  # biogenic CO2 emissions unknown: taken as none
            total = _number(pcf["pCfExcludingBiogenic"]) + uptake
        dluc = _number(pcf.get("dLucGhgEmissions", "0"))
        # v2's figure "excluding biogenic" leaves out biogenic CO2 only.
        non_co2 = _number(pcf["pCfExcludingBiogenic"]) - _number(pcf["fossilGhgEmissions"]) - dluc
        assurance = pcf.get("assurance") or {}
        verified = assurance.get("assurance") is True
    fossil = _number(pcf["fossilGhgEmissions"])
    share = pcf.get("primaryDataShare")
    primary_share = None if share is None else float(_number(share))
    unit = PACT_UNITS[declared_unit]

    parts = (
        (Origin.FOSSIL, "CO2e", fossil),
        (Origin.DLUC, "CO2e", dluc),
        (Origin.BIOGENIC, "CO2e", non_co2),
        # The rest is biogenic CO2: uptake, emissions, land-management flows and removals.
        (Origin.BIOGENIC, "CO2", total - fossil - dluc - non_co2),
    )
    gases = tuple(
        GasAmount(gas, float(value / amount), origin) for origin, gas, value in parts if value
    ) or (GasAmount("CO2e", 0.0, Origin.FOSSIL),)
    start = pcf["referencePeriodStart"][:10]
    end = pcf["referencePeriodEnd"][:10]
    source = (
        f"PACT footprint {doc['id']} from {doc['companyName']}, status {doc['status']}, "
        f"PACT {doc['specVersion']}, reference period {start} to {end} (end exclusive), "
        f"{'verified' if verified else 'not verified'}"
    )
    factor = Factor(
        id=f"pact:{doc['id']}",
        unit=unit,
        gases=gases,
        name=doc["productNameCompany"],
        source=source,
        data=DataKind.PRIMARY,
        quality=_pedigree(pcf, major, verified=verified, primary_share=primary_share),
    )
    return PactFootprint(
        id=doc["id"],
        spec_version=doc["specVersion"],
        status=doc["status"],
        company_name=doc["companyName"],
        product_name=doc["productNameCompany"],
        product_ids=tuple(doc["productIds"]),
        declared_unit=declared_unit,
        declared_amount=float(amount),
        unit=unit,
        total=float(total),
        excluding_uptake=float(total - uptake),
        verified=verified,
        primary_data_share=primary_share,
        factor=factor,
        document=dict(raw),
    )


def _number(value: Any) -> Decimal:
    """A validated PACT number (a decimal string in v3, a string or number in v2)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(repr(value))
    parsed = parse_decimal(value)
    if parsed is None:  # pragma: no cover - validation has refused it already
        raise InvalidInput(_("'{value}' is not a decimal.").format(value=value))
    return parsed


def _score(value: Decimal) -> int:
    """A rating rounded half-up to a whole pedigree score, within 1–5."""
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(5, max(1, whole))


def _pedigree(
    pcf: Mapping[str, Any], major: str, *, verified: bool, primary_share: float | None
) -> Pedigree:
    """The supplier's data quality on Tanji's pedigree scale (1 best … 5 worst).

    Temporal, geographical and technological scores are the footprint's DQRs (v3: 1–5 as
    they are; v2: 1–3 stretched linearly, 1→1, 2→3, 3→5), 3 when absent. Reliability is 1
    for a verified footprint with at least 50 % primary data, 2 for one of the two, else 3.
    Completeness follows the primary data share: ≥ 75 % → 1, ≥ 50 % → 2, ≥ 25 % → 3,
    less → 4, unknown → 3. A v2 footprint's own completeness and reliability DQRs win.
    """
    dqi = pcf.get("dqi") or {}

    def rating(name: str) -> int | None:
        if name not in dqi:
            return None
        value = _number(dqi[name])
        return _score(value if major == "3" else 2 * value - 1)

    share = primary_share
    reliability = 1 if verified and share is not None and share >= 50 else 2
    if not verified and (share is None or share < 50):
        reliability = 3
    if share is None:
        completeness = 3
    else:
        completeness = 1 if share >= 75 else 2 if share >= 50 else 3 if share >= 25 else 4
    return Pedigree(
        reliability=rating("reliabilityDQR") or reliability,
        completeness=rating("completenessDQR") or completeness,
        temporal=rating("temporalDQR") or 3,
        geographical=rating("geographicalDQR") or 3,
        technological=rating("technologicalDQR") or 3,
    )


def inline_factor_for_model(pact: PactFootprint) -> dict[str, Any]:
    """The supplier's footprint as a model file's inline ``factor:`` (per one ``unit``).

    The inline form holds one gas of one origin, so the value is the whole footprint
    (biogenic uptake included) as CO2e, tagged with the origin of its largest part; the
    exact split stays in ``pact.factor`` for code that binds factors itself.
    """
    factor = pact.factor
    largest = max(factor.gases, key=lambda gas: abs(gas.amount))
    quality = factor.quality or Pedigree()
    return {
        "value": pact.per_unit,
        "unit": pact.unit,
        "gas": "CO2e",
        "origin": largest.origin.value,
        "source": factor.source,
        "name": pact.product_name,
        "data": DataKind.PRIMARY.value,
        "quality": {
            "reliability": quality.reliability,
            "completeness": quality.completeness,
            "temporal": quality.temporal,
            "geographical": quality.geographical,
            "technological": quality.technological,
        },
    }
