"""Map a stored Tanji calculation to a PACT ProductFootprint (v3.0.3, and v2.3.3).

:func:`source_from_calculation` gathers everything a footprint needs from a result dict
(the JSON of ``tanji calc --json``), the model and what only the owner knows (company and
product ids, status, certificate) into a frozen :class:`PactSource`; :func:`to_pact_v3` and
:func:`to_pact_v2` write it out. All figures are kg CO2e per declared unit (声明单位); a
published footprint is never edited: :func:`supersede` deprecates it and makes a new one.
``docs/pact.md`` holds the field-by-field table and the choices made.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.resources import files
from typing import Any

from tanji.core.errors import Conflict, InvalidInput, UnitMismatch
from tanji.core.i18n import _
from tanji.core.model import Stage
from tanji.core.results import CO2_PER_C
from tanji.core.units import conversion_factor, dimension_name
from tanji.exchange.pact.decimals import to_decimal_string

SPEC_V3 = "3.0.3"
SPEC_V2 = "2.3.3"

# PACT's declared units and the Tanji unit of one of each.
PACT_UNITS: dict[str, str] = {
    "kilogram": "kg",
    "liter": "L",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "t*km",
    "square meter": "m2",
    "piece": "piece",
    "hour": "hour",
    "megabit second": "Mbit*s",
}
V2_UNITS = (
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
)
# Declared units whose product mass is not relevant: PACT asks for "0" (energy, transport,
# services).
MASSLESS_UNITS = ("kilowatt hour", "megajoule", "ton kilometer", "hour", "megabit second")
# Words that mean "one piece" but which pint reads otherwise ("unit" parses as micro-nit).
_PIECE_WORDS = {"unit", "units", "个", "件", "台", "只", "块", "套"}

CROSS_SECTORAL_V3 = ("ISO14067", "GHGP-Product")
CROSS_SECTORAL_V2_USED = ("ISO Standard 14067", "GHG Protocol Product standard")
TANJI_DATABASE = "Tanji factor database"
# Product-rule publishers: GB/T standards are issued by SAMR and SAC.
GB_OPERATOR = "SAMR/SAC (China)"
STAGE_NAMES = {
    Stage.RAW_MATERIAL: "Raw material acquisition",
    Stage.PRODUCTION: "Production",
    Stage.DISTRIBUTION: "Distribution",
    Stage.USE: "Use",
    Stage.END_OF_LIFE: "End of life",
}
BOUNDARY_NAMES = {
    "cradle-to-gate": "Cradle-to-gate",
    "cradle-to-grave": "Cradle-to-grave",
    "gate-to-gate": "Gate-to-gate",
}
V2_BOUNDARIES = {"cradle-to-gate": "Cradle-to-Gate", "gate-to-gate": "Gate-to-Gate"}
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_CPC = re.compile(r"cpc:([0-9A-Za-z.\-]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Verification:
    """A third-party verification of the footprint, from a Tanji certificate."""

    provider_name: str
    completed_at: dt.datetime | None = None
    standard_name: str = ""
    coverage: str = "product level"  # v3: PCF calculation model | PCF program | product level
    level: str | None = None  # v2 assurance level: limited | reasonable
    comments: str = ""


@dataclass(frozen=True)
class SectorRule:
    """A product or sector rule applied (PACT ``ProductOrSectorSpecificRule``)."""

    operator: str  # PEF | EPD International | Other
    names: tuple[str, ...]
    other_operator: str | None = None


@dataclass(frozen=True)
class Quality:
    """Data-quality ratings on Tanji's pedigree scale, 1 (best) to 5, weighted by the footprint."""

    technological: float
    geographical: float
    temporal: float
    completeness: float
    reliability: float
    coverage: float  # percent of the footprint that carried scores


@dataclass(frozen=True)
class PactSource:
    """Everything a PACT footprint says, in Tanji's terms, per declared unit.

    Emissions are kg CO2e per declared unit (``declared_amount`` × ``declared_unit``);
    ``uptake`` is ≤ 0. ``excluding_uptake`` = ``total`` − ``uptake``.
    """

    id: str
    created: dt.datetime
    status: str
    company_name: str
    company_ids: tuple[str, ...]
    product_ids: tuple[str, ...]
    product_name: str
    product_description: str
    declared_unit: str  # a PACT unit name, e.g. "kilogram"
    declared_amount: float
    product_mass: float  # kg per declared unit, packaging excluded
    reference_start: dt.datetime  # inclusive
    reference_end: dt.datetime  # exclusive
    total: float  # = pcfIncludingBiogenicUptake
    fossil: float
    biogenic_co2: float  # biogenic CO2 emissions (≥ 0)
    biogenic_non_co2: float  # biogenic CH4 and other non-CO2 emissions (≥ 0)
    uptake: float  # biogenic CO2 uptake (≤ 0)
    dluc: float
    aircraft: float
    fossil_carbon: float = 0.0  # kg C per declared unit
    biogenic_carbon: float = 0.0  # kg C per declared unit
    gwp_sets: tuple[str, ...] = ("AR6",)
    classifications: tuple[str, ...] = ()
    cpc: str | None = None  # UN CPC code, for v2's productCategoryCpc
    geography: tuple[str, str] | None = None  # (PACT field, value); None = global
    boundary: str = "cradle-to-gate"
    boundary_description: str = ""
    allocation_description: str = ""
    rules: tuple[SectorRule, ...] = ()
    exempted_percent: float = 0.0
    exempted_description: str = ""
    primary_data_share: float | None = None  # percent
    quality: Quality | None = None
    secondary_sources: tuple[tuple[str, str], ...] = ()  # (name, version)
    packaging_included: bool = False
    packaging_emissions: float | None = None
    verification: Verification | None = None
    preceding_ids: tuple[str, ...] = ()
    validity: tuple[dt.datetime, dt.datetime] | None = None
    comment: str = ""

    @property
    def excluding_uptake(self) -> float:
        return self.total - self.uptake


# ------------------------------------------------------------------------ units, places


def pact_unit_for(unit: str) -> tuple[str, float]:
    """The PACT declared unit for a Tanji unit, and how many of it one Tanji unit is.

    ``t`` → (kilogram, 1000), ``MWh`` → (kilowatt hour, 1000), ``GJ`` → (megajoule, 1000),
    ``Nm3`` → (cubic meter, 1), ``pcs`` → (piece, 1). A unit with no PACT equivalent
    (``kWp``, ``CNY``, ``p*km``) raises :class:`InvalidInput` naming it.
    """
    text = unit.strip()
    if text.lower() in _PIECE_WORDS:
        return "piece", 1.0
    candidates = (
        ("kilogram", "kg"),
        ("kilowatt hour", "kWh"),
        ("megajoule", "MJ"),
        ("cubic meter", "Nm3"),
        ("cubic meter", "Sm3"),
        ("liter", "L"),
        ("cubic meter", "m3"),
        ("square meter", "m2"),
        ("ton kilometer", "t*km"),
        ("piece", "piece"),
        ("hour", "hour"),
        ("megabit second", "Mbit*s"),
    )
    for name, target in candidates:
        try:
            factor = conversion_factor(text, target)
        except UnitMismatch:
            continue
        if name == "kilowatt hour" and "wh" not in text.lower():
            continue  # joules, tce and toe are declared in megajoules
        if name == "liter" and factor >= 1000 * (1 - 1e-9):
            continue  # a cubic metre or more is declared in cubic metres
        return name, factor
    raise InvalidInput(
        _(
            "The declared unit '{unit}' ({dimension}) has no PACT equivalent; PACT declares "
            "products in {units}."
        ).format(unit=unit, dimension=_(dimension_name(text)), units=", ".join(PACT_UNITS)),
        loc=("unit",),
    )


@lru_cache(maxsize=1)
def _regions() -> dict[str, tuple[str, str]]:
    """Tanji's region table: code → (parent, source)."""
    path = files("tanji") / "data" / "regions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: (row["parent"], row["source"]) for row in csv.DictReader(handle)}


def pact_geography(code: str) -> tuple[str, str] | None:
    """The PACT geography field for a Tanji region code; None for global (``GLO``).

    ``CN`` → geographyCountry, ``CN-SX`` → geographyCountrySubdivision. A Tanji region that
    is not an ISO 3166 code (a grid region such as ``CN-NORTH``) is reported as the nearest
    ISO region above it.
    """
    regions = _regions()
    current = code.strip().upper()
    for _step in range(10):
        if not current or current == "GLO":
            return None
        parent, source = regions.get(current, ("", "ISO 3166"))
        if "ISO 3166" in source:
            if re.fullmatch(r"[A-Z]{2}", current):
                return "geographyCountry", current
            if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", current):
                return "geographyCountrySubdivision", current
        current = parent
    return None


def _period(text: str) -> tuple[dt.datetime, dt.datetime]:
    """Tanji's inclusive ``start/end`` dates as PACT's [start, end) at 00:00 UTC."""
    try:
        first, last = (dt.date.fromisoformat(part) for part in text.split("/"))
    except ValueError:
        raise InvalidInput(
            _(
                "The study has no reference period; give the product a period (start and end) "
                "before publishing it in PACT."
            ),
            loc=("meta", "period"),
        ) from None
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return start, end


def _stamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(value: object, loc: tuple[str | int, ...]) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput(_("'{value}' is not a UUID.").format(value=value), loc=loc) from None


# ---------------------------------------------------------------------- the source


def verification_from_certificate(certificate: Mapping[str, Any]) -> Verification:
    """Read a certificate (a plain dict) as a PACT verification.

    Keys: ``provider_name`` (or ``certifier``), ``completed_at`` (or ``issued_on``; a date,
    datetime or ISO text), ``standard_name`` (or ``standard``), ``number``, ``coverage``,
    ``level`` and ``comments``, all optional but the provider.
    """
    provider = str(certificate.get("provider_name") or certificate.get("certifier") or "")
    if not provider:
        raise InvalidInput(
            _("A certificate must name its certification body (provider_name)."),
            loc=("verification", "provider_name"),
        )
    when = certificate.get("completed_at") or certificate.get("issued_on")
    completed: dt.datetime | None
    if isinstance(when, dt.datetime):
        completed = when
    elif isinstance(when, dt.date):
        completed = dt.datetime.combine(when, dt.time(), tzinfo=dt.UTC)
    elif isinstance(when, str) and when:
        try:
            completed = dt.datetime.fromisoformat(when)
        except ValueError:
            raise InvalidInput(
                _("'{value}' is not a date.").format(value=when),
                loc=("verification", "completed_at"),
            ) from None
    else:
        completed = None
    comments = str(certificate.get("comments") or "")
    number = certificate.get("number")
    if number:
        comments = f"Certificate {number}. {comments}".strip()
    return Verification(
        provider_name=provider,
        completed_at=completed,
        standard_name=str(certificate.get("standard_name") or certificate.get("standard") or ""),
        coverage=str(certificate.get("coverage") or "product level"),
        level=certificate.get("level"),
        comments=comments,
    )


def _clean(value: float, scale: float) -> float:
    """Zero for float noise left by subtracting rounded figures (below 1e-9 of the total)."""
    return 0.0 if abs(value) <= 1e-9 * max(1.0, abs(scale)) else value


def source_from_calculation(
    result: Mapping[str, Any],
    *,
    model: Mapping[str, Any] | None = None,
    company_name: str,
    company_ids: Sequence[str],
    product_ids: Sequence[str],
    product_name: str | None = None,
    product_description: str = "",
    classifications: Sequence[str] = (),
    cpc: str | None = None,
    rule_id: str | None = None,
    rule_version: str | None = None,
    rule_standard: str | None = None,
    rule_operator: str | None = None,
    created: dt.datetime | None = None,
    footprint_id: uuid.UUID | str | None = None,
    preceding_ids: Iterable[uuid.UUID | str] = (),
    status: str = "Active",
    verification: Mapping[str, Any] | Verification | None = None,
    packaging_included: bool = False,
    packaging_emissions: float | None = None,
    fossil_carbon_content: float | None = None,
    mass_per_declared_unit: float | None = None,
    declared_unit_as: tuple[str, float] | None = None,
    validity: tuple[dt.datetime, dt.datetime] | None = None,
    comment: str = "",
) -> PactSource:
    """Collect a PACT footprint from a stored result (``Result.to_dict()``) and the owner's facts.

    ``model`` is the model file's content (for the names and stages of processes and the
    cut-offs); ``fossil_carbon_content`` is kg C per declared unit (Tanji's model format has
    no field for it, so it is ``0`` unless given). ``mass_per_declared_unit`` (kg) is needed
    when the declared unit is neither a mass nor an energy, transport or service unit;
    ``declared_unit_as`` = (PACT unit, amount) states the declared unit in PACT's terms when
    Tanji's has no equivalent (1 kWp of modules as ("square meter", 4.65)).
    """
    if status not in ("Active", "Deprecated"):
        raise InvalidInput(
            _("A PACT status is Active or Deprecated, not '{status}'.").format(status=status),
            loc=("status",),
        )
    if not company_name.strip():
        raise InvalidInput(_("The company name is required."), loc=("company_name",))
    for name, values in (("company_ids", company_ids), ("product_ids", product_ids)):
        if not values:
            raise InvalidInput(_("Give at least one URN."), loc=(name,))
        for index, value in enumerate(values):
            if not str(value).lower().startswith("urn:"):
                raise InvalidInput(
                    _("'{value}' is not a URN (urn:…).").format(value=value), loc=(name, index)
                )
    meta = result.get("meta") or {}
    unit = str(result.get("unit") or "")
    amount = float(result.get("amount") or 0.0)
    if declared_unit_as is not None:
        pact_unit, declared_amount = declared_unit_as
        if pact_unit not in PACT_UNITS:
            raise InvalidInput(
                _("'{unit}' is not a PACT declared unit; use one of {units}.").format(
                    unit=pact_unit, units=", ".join(PACT_UNITS)
                ),
                loc=("declared_unit_as",),
            )
        declared_amount = float(declared_amount)
    else:
        pact_unit, per_unit = pact_unit_for(unit)
        declared_amount = amount * per_unit
    if not declared_amount > 0:
        raise InvalidInput(_("The declared unit amount must be more than zero."), loc=("amount",))
    mass = _product_mass(pact_unit, declared_amount, unit, amount, mass_per_declared_unit)

    start, end = _period(str(meta.get("period") or ""))
    total = float(result["total"])
    separated = result.get("separated") or {}
    fossil = _clean(float(separated.get("fossil", total)), total)
    biogenic = float(separated.get("biogenic", 0.0))
    removals = float(separated.get("removals", 0.0))
    dluc = _clean(float(separated.get("dluc", 0.0)), total)
    excluding_biogenic = float(separated.get("excluding_biogenic", total))
    # Separated: excluding_biogenic = total − biogenic CO2 − removals.
    biogenic_co2 = _clean(total - removals - excluding_biogenic, total)
    non_co2 = _clean(biogenic - biogenic_co2, total)
    # Net biogenic removals bought in with inputs show as negative biogenic figures: in
    # PACT they are uptake, so every reported emission stays ≥ 0 and the sums still hold.
    uptake = _clean(removals + min(biogenic_co2, 0.0) + min(non_co2, 0.0), total)
    for name, value in (("fossil", fossil), ("dluc", dluc)):
        if value < 0:
            raise InvalidInput(
                _(
                    "The {figure} emissions are negative ({value:.6g} kg CO2e), e.g. through "
                    "credits from system expansion; PACT reports them as zero or more."
                ).format(figure=name, value=value),
                loc=("separated", name),
            )

    gwp = str(result.get("gwp_set") or "AR6").upper()
    rule_check = result.get("rule_check") or {}
    rule_id = rule_id or rule_check.get("rule")
    rule_version = rule_version or rule_check.get("rule_version")
    rule_standard = rule_standard or rule_check.get("standard") or "GB/T 24067-2024"
    notes = []
    if pact_unit == "cubic meter" and _is_reference_volume(unit):
        notes.append(f"The declared volume is in {unit} (gas at reference conditions).")
    cutoffs = result.get("cutoffs") or {}
    if isinstance(verification, Mapping):
        verification = verification_from_certificate(verification)

    return PactSource(
        id=_uuid(footprint_id or uuid.uuid4(), ("footprint_id",)),
        created=created or dt.datetime.now(dt.UTC),
        status=status,
        company_name=company_name.strip(),
        company_ids=tuple(company_ids),
        product_ids=tuple(product_ids),
        product_name=(product_name or meta.get("name_en") or meta.get("name_zh") or "").strip()
        or str(result.get("product") or "product"),
        product_description=product_description,
        declared_unit=pact_unit,
        declared_amount=declared_amount,
        product_mass=mass,
        reference_start=start,
        reference_end=end,
        total=total,
        fossil=fossil,
        biogenic_co2=max(biogenic_co2, 0.0),
        biogenic_non_co2=max(non_co2, 0.0),
        uptake=min(uptake, 0.0),
        dluc=dluc,
        aircraft=_clean(float(separated.get("aircraft", 0.0)), total),
        fossil_carbon=float(fossil_carbon_content or 0.0),
        biogenic_carbon=float(separated.get("carbon_stored", 0.0)) / CO2_PER_C,
        gwp_sets=(gwp,),
        classifications=tuple(classifications),
        cpc=cpc or _cpc_from(classifications),
        geography=pact_geography(str(meta.get("geography") or "GLO")),
        boundary=str(meta.get("boundary") or "cradle-to-gate"),
        boundary_description=_boundary_description(result, model),
        allocation_description=_allocation_description(result),
        rules=_rules(rule_standard, rule_id, rule_version, rule_operator),
        exempted_percent=float(cutoffs.get("declared_total", 0.0)) * 100,
        exempted_description=_exempted_description(model, cutoffs),
        primary_data_share=_percent(result.get("primary_data_share")),
        quality=_quality(result.get("quality")),
        secondary_sources=_secondary_sources(result.get("factors") or ()),
        packaging_included=packaging_included,
        packaging_emissions=packaging_emissions if packaging_included else None,
        verification=verification,
        preceding_ids=tuple(
            _uuid(item, ("preceding_ids", i)) for i, item in enumerate(preceding_ids)
        ),
        validity=validity,
        comment=_comment(result, comment, notes),
    )


def _product_mass(
    pact_unit: str,
    declared_amount: float,
    unit: str,
    amount: float,
    given: float | None,
) -> float:
    if given is not None:
        if given < 0:
            raise InvalidInput(
                _("The product mass cannot be negative."), loc=("mass_per_declared_unit",)
            )
        return float(given)
    if pact_unit == "kilogram":
        return declared_amount
    try:
        return amount * conversion_factor(unit, "kg")
    except InvalidInput:
        pass
    if pact_unit in MASSLESS_UNITS:
        return 0.0
    raise InvalidInput(
        _(
            "PACT needs the product mass per declared unit for a product declared in "
            "'{unit}'; give it in kg (mass_per_declared_unit)."
        ).format(unit=pact_unit),
        loc=("mass_per_declared_unit",),
    )


def _percent(share: Any) -> float | None:
    return None if share is None else float(share) * 100


def _is_reference_volume(unit: str) -> bool:
    """Whether ``unit`` is a gas volume at normal or standard conditions (Nm3, Sm3)."""
    for target in ("Nm3", "Sm3"):
        try:
            conversion_factor(unit, target)
        except InvalidInput:
            continue
        return True
    return False


def _cpc_from(classifications: Iterable[str]) -> str | None:
    for urn in classifications:
        match = _CPC.search(urn)
        if match:
            return match.group(1)
    return None


def _quality(quality: Mapping[str, Any] | None) -> Quality | None:
    if not quality:
        return None
    scores = quality.get("indicators") or {}
    try:
        return Quality(
            technological=float(scores["technological"]),
            geographical=float(scores["geographical"]),
            temporal=float(scores["temporal"]),
            completeness=float(scores["completeness"]),
            reliability=float(scores["reliability"]),
            coverage=float(quality.get("coverage", 1.0)) * 100,
        )
    except KeyError:
        return None


def _rules(
    standard: str, rule_id: str | None, version: str | None, operator: str | None
) -> tuple[SectorRule, ...]:
    names = [standard]
    if rule_id:
        names.append(f"Tanji product rule {rule_id} {version or ''}".strip())
    publisher = operator or (GB_OPERATOR if standard.upper().startswith("GB") else "Tanji")
    return (SectorRule("Other", tuple(dict.fromkeys(names)), publisher),)


def _secondary_sources(factors: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """One entry per factor-database release, plus one per factor written into the model."""
    found: dict[tuple[str, str], None] = {}
    for used in factors:
        if str(used.get("id", "")).startswith("pact:"):
            continue  # a supplier's footprint is primary data, not a secondary source
        release = used.get("release")
        if release:
            found[(TANJI_DATABASE, str(release))] = None
            continue
        source = str(used.get("source") or used.get("id") or "").strip()
        name = source.split(";")[0].strip()[:200] or str(used.get("id"))
        # Tanji's citations end "…; year; URL": the last year named is the edition.
        years = [match.group(0) for match in _YEAR.finditer(source)]
        version = years[-1] if years else "unversioned"
        found[(name, version)] = None
    return tuple(found)


def _names(process: Mapping[str, Any]) -> str:
    names = process.get("name") or {}
    if isinstance(names, Mapping):
        return str(names.get("en") or names.get("zh") or process.get("id", ""))
    return str(names or process.get("id", ""))


def _boundary_description(result: Mapping[str, Any], model: Mapping[str, Any] | None) -> str:
    """The processes of each life-cycle stage, in stage order, with the system boundary."""
    by_stage: dict[str, list[str]] = {}
    if model and model.get("processes"):
        for process in model["processes"]:
            stage = str(process.get("stage") or Stage.PRODUCTION.value)
            by_stage.setdefault(stage, []).append(f"{_names(process)} ({process.get('id')})")
    else:
        for item in result.get("by_process") or ():
            stage = str(item.get("stage") or Stage.PRODUCTION.value)
            label = item.get("label") or item.get("process") or item.get("key")
            by_stage.setdefault(stage, []).append(f"{label} ({item.get('process')})")
    boundary = str((result.get("meta") or {}).get("boundary") or "cradle-to-gate")
    parts = [f"{BOUNDARY_NAMES.get(boundary, boundary)}."]
    for stage in Stage:
        if stage.value in by_stage:
            parts.append(f"{STAGE_NAMES[stage]}: {', '.join(by_stage.pop(stage.value))}.")
    for stage, processes in by_stage.items():
        parts.append(f"{stage}: {', '.join(processes)}.")
    return " ".join(parts)


def _allocation_description(result: Mapping[str, Any]) -> str:
    allocations = result.get("allocation") or ()
    if not allocations:
        return "No allocation: every process in the system has one product."
    parts = []
    for item in allocations:
        shares = item.get("shares") or {}
        split = ", ".join(f"{key} {float(value):.4g}" for key, value in dict(shares).items())
        parts.append(f"{item.get('process')}: {item.get('method')} ({split})")
    return "; ".join(parts) + "."


def _exempted_description(model: Mapping[str, Any] | None, cutoffs: Mapping[str, Any]) -> str:
    if model and model.get("cutoffs"):
        parts = []
        for cutoff in model["cutoffs"]:
            reason = f": {cutoff['reason']}" if cutoff.get("reason") else ""
            share = float(cutoff.get("share", 0.0))
            parts.append(f"{_names(cutoff)} ({share:.2%}){reason}")
        return "Cut-offs declared: " + "; ".join(parts) + "."
    declared = float(cutoffs.get("declared_total", 0.0))
    return f"Cut-offs declared: {declared:.2%} of the footprint." if declared else ""


def _comment(result: Mapping[str, Any], comment: str, notes: Sequence[str]) -> str:
    engine = result.get("engine_version")
    digest = result.get("input_hash")
    parts = [comment.strip()] if comment.strip() else []
    calculated = "Calculated with Tanji"
    if engine:
        calculated += f" engine {engine}"
    if digest:
        calculated += f" (input hash {digest})"
    parts.append(
        f"{calculated} per GB/T 24067-2024 and ISO 14067, GWP100 {result.get('gwp_set') or 'AR6'}."
    )
    parts.extend(notes)
    return " ".join(parts)


# -------------------------------------------------------------------------- writing


def _d(value: float) -> str:
    return to_decimal_string(value)


def _geography(source: PactSource) -> dict[str, str]:
    return {source.geography[0]: source.geography[1]} if source.geography else {}


def _header(source: PactSource, spec: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": source.id, "specVersion": spec}
    if source.preceding_ids:
        doc["precedingPfIds"] = list(dict.fromkeys(source.preceding_ids))
    return doc


def _validity(source: PactSource) -> dict[str, str]:
    if source.validity is None:
        return {}
    start, end = source.validity
    return {"validityPeriodStart": _stamp(start), "validityPeriodEnd": _stamp(end)}


def _rules_json(source: PactSource) -> list[dict[str, Any]]:
    rules = []
    for rule in source.rules:
        item: dict[str, Any] = {"operator": rule.operator, "ruleNames": list(rule.names)}
        if rule.operator == "Other":
            item["otherOperatorName"] = rule.other_operator or "Other"
        rules.append(item)
    return rules


def to_pact_v3(footprint: PactSource) -> dict[str, Any]:
    """The PACT v3.0.3 ProductFootprint of ``footprint`` (decimals as plain strings)."""
    source = footprint
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": source.declared_unit,
        "declaredUnitAmount": _d(source.declared_amount),
        "productMassPerDeclaredUnit": _d(source.product_mass),
        "referencePeriodStart": _stamp(source.reference_start),
        "referencePeriodEnd": _stamp(source.reference_end),
        **_geography(source),
        "boundaryProcessesDescription": source.boundary_description,
        "pcfExcludingBiogenicUptake": _d(source.excluding_uptake),
        "pcfIncludingBiogenicUptake": _d(source.total),
        "fossilGhgEmissions": _d(source.fossil),
        "fossilCarbonContent": _d(source.fossil_carbon),
        "biogenicCarbonContent": _d(source.biogenic_carbon),
        "landUseChangeGhgEmissions": _d(source.dluc),
        "biogenicCO2Uptake": _d(source.uptake),
        "biogenicNonCO2Emissions": _d(source.biogenic_non_co2),
        "aircraftGhgEmissions": _d(source.aircraft),
        "packagingEmissionsIncluded": source.packaging_included,
    }
    if source.packaging_included and source.packaging_emissions is not None:
        pcf["packagingGhgEmissions"] = _d(source.packaging_emissions)
    pcf["ipccCharacterizationFactors"] = list(source.gwp_sets)
    pcf["crossSectoralStandards"] = list(CROSS_SECTORAL_V3)
    if source.rules:
        pcf["productOrSectorSpecificRules"] = _rules_json(source)
    pcf["exemptedEmissionsPercent"] = to_decimal_string(source.exempted_percent, digits=6)
    if source.exempted_description:
        pcf["exemptedEmissionsDescription"] = source.exempted_description
    pcf["allocationRulesDescription"] = source.allocation_description
    if source.secondary_sources:
        pcf["secondaryEmissionFactorSources"] = [
            {"name": name, "version": version} for name, version in source.secondary_sources
        ]
    if source.primary_data_share is not None:
        pcf["primaryDataShare"] = to_decimal_string(source.primary_data_share, digits=4)
    if source.quality is not None:
        pcf["dqi"] = {
            "technologicalDQR": to_decimal_string(source.quality.technological, digits=2),
            "geographicalDQR": to_decimal_string(source.quality.geographical, digits=2),
            "temporalDQR": to_decimal_string(source.quality.temporal, digits=2),
        }
    if source.verification is not None:
        pcf["verification"] = _verification_v3(source.verification)

    doc = _header(source, SPEC_V3)
    doc.update(
        {
            "created": _stamp(source.created),
            "status": source.status,
            **_validity(source),
            "companyName": source.company_name,
            "companyIds": list(source.company_ids),
            "productDescription": source.product_description,
            "productIds": list(source.product_ids),
        }
    )
    if source.classifications:
        doc["productClassifications"] = list(source.classifications)
    doc["productNameCompany"] = source.product_name
    doc["comment"] = source.comment
    doc["pcf"] = pcf
    return doc


def _verification_v3(verification: Verification) -> dict[str, str]:
    item = {"coverage": verification.coverage, "providerName": verification.provider_name}
    if verification.completed_at is not None:
        item["completedAt"] = _stamp(verification.completed_at)
    if verification.standard_name:
        item["standardName"] = verification.standard_name
    if verification.comments:
        item["comments"] = verification.comments
    return item


def dqr_v2(score: float) -> float:
    """Tanji's 1–5 pedigree score on PACT v2's 1–3 DQR scale (linear: 1→1, 3→2, 5→3)."""
    return round(1 + (score - 1) / 2, 2)


def to_pact_v2(footprint: PactSource, *, version: int = 1) -> dict[str, Any]:
    """The PACT v2.3.3 ProductFootprint of ``footprint``, for partners still on v2.

    ``version`` is v2's integer version of the footprint (v3 makes a new id instead).
    """
    source = footprint
    if source.declared_unit not in V2_UNITS:
        raise InvalidInput(
            _(
                "PACT v2 has no declared unit '{unit}'; it declares products in {units}. "
                "Publish this footprint in PACT v3."
            ).format(unit=source.declared_unit, units=", ".join(V2_UNITS)),
            loc=("declaredUnit",),
        )
    if not source.cpc:
        raise InvalidInput(
            _(
                "PACT v2 needs the product's UN CPC code (productCategoryCpc); give cpc or a "
                "classification urn:pact:productclassification:un-cpc:<code>."
            ),
            loc=("productCategoryCpc",),
        )
    if set(source.gwp_sets) - {"AR5", "AR6"}:
        raise InvalidInput(
            _("PACT v2 accepts GWP values of AR5 or AR6 only, not {sets}.").format(
                sets=", ".join(source.gwp_sets)
            ),
            loc=("characterizationFactors",),
        )
    if source.exempted_percent > 5:
        raise InvalidInput(
            _(
                "PACT v2 allows at most 5 % exempted emissions; this study declares {share:.2f} %."
            ).format(share=source.exempted_percent),
            loc=("exemptedEmissionsPercent",),
        )
    bio_emissions = source.biogenic_co2 + source.biogenic_non_co2
    pcf: dict[str, Any] = {
        "declaredUnit": source.declared_unit,
        "unitaryProductAmount": _d(source.declared_amount),
        "productMassPerDeclaredUnit": _d(source.product_mass),
        # v2 excludes biogenic CO2 emissions and withdrawals from this figure.
        "pCfExcludingBiogenic": _d(
            max(0.0, _clean(source.excluding_uptake - source.biogenic_co2, source.total))
        ),
        "pCfIncludingBiogenic": _d(source.total),
        "fossilGhgEmissions": _d(source.fossil),
        "fossilCarbonContent": _d(source.fossil_carbon),
        "biogenicCarbonContent": _d(source.biogenic_carbon),
        "dLucGhgEmissions": _d(source.dluc),
        "otherBiogenicGhgEmissions": _d(bio_emissions),
        "biogenicCarbonWithdrawal": _d(source.uptake),
        "aircraftGhgEmissions": _d(source.aircraft),
        "characterizationFactors": source.gwp_sets[-1],
        "ipccCharacterizationFactorsSources": list(source.gwp_sets),
        "crossSectoralStandardsUsed": list(CROSS_SECTORAL_V2_USED),
        "crossSectoralStandards": list(CROSS_SECTORAL_V3),
    }
    if source.rules:
        pcf["productOrSectorSpecificRules"] = _rules_json(source)
    pcf["biogenicAccountingMethodology"] = "ISO"
    pcf["boundaryProcessesDescription"] = source.boundary_description
    pcf["referencePeriodStart"] = _stamp(source.reference_start)
    pcf["referencePeriodEnd"] = _stamp(source.reference_end)
    pcf.update(_geography(source))
    if source.reference_end > dt.datetime(2025, 1, 1, tzinfo=dt.UTC):
        # Mandatory from 2025 on; Tanji models neither indirect land-use change nor
        # land-management flows, so both are reported as zero.
        pcf["iLucGhgEmissions"] = "0"
        pcf["landManagementGhgEmissions"] = "0"
    if source.secondary_sources:
        pcf["secondaryEmissionFactorSources"] = [
            {"name": name, "version": version} for name, version in source.secondary_sources
        ]
    pcf["exemptedEmissionsPercent"] = round(source.exempted_percent, 6)
    pcf["exemptedEmissionsDescription"] = source.exempted_description
    pcf["packagingEmissionsIncluded"] = source.packaging_included
    if source.packaging_included and source.packaging_emissions is not None:
        pcf["packagingGhgEmissions"] = _d(source.packaging_emissions)
    pcf["allocationRulesDescription"] = source.allocation_description
    if source.primary_data_share is not None:
        pcf["primaryDataShare"] = round(source.primary_data_share, 4)
    if source.quality is not None:
        quality = source.quality
        pcf["dqi"] = {
            "coveragePercent": round(quality.coverage, 4),
            "technologicalDQR": dqr_v2(quality.technological),
            "temporalDQR": dqr_v2(quality.temporal),
            "geographicalDQR": dqr_v2(quality.geographical),
            "completenessDQR": dqr_v2(quality.completeness),
            "reliabilityDQR": dqr_v2(quality.reliability),
        }
    if source.verification is not None:
        pcf["assurance"] = _assurance_v2(source.verification, source.boundary)

    doc = _header(source, SPEC_V2)
    doc.update(
        {
            "version": version,
            "created": _stamp(source.created),
            "status": source.status,
            **_validity(source),
            "companyName": source.company_name,
            "companyIds": list(source.company_ids),
            "productDescription": source.product_description,
            "productIds": list(source.product_ids),
            "productCategoryCpc": source.cpc,
        }
    )
    if source.classifications:
        doc["productClassifications"] = list(source.classifications)
    doc["productNameCompany"] = source.product_name
    doc["comment"] = source.comment
    doc["pcf"] = pcf
    return doc


def _assurance_v2(verification: Verification, boundary: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "assurance": True,
        "coverage": verification.coverage
        if verification.coverage in ("corporate level", "product line", "PCF system")
        else "product level",
    }
    if verification.level in ("limited", "reasonable"):
        item["level"] = verification.level
    if boundary in V2_BOUNDARIES:
        item["boundary"] = V2_BOUNDARIES[boundary]
    item["providerName"] = verification.provider_name
    if verification.completed_at is not None:
        item["completedAt"] = _stamp(verification.completed_at)
    if verification.standard_name:
        item["standardName"] = verification.standard_name
    if verification.comments:
        item["comments"] = verification.comments
    return item


# ------------------------------------------------------------------------ lifecycle


def supersede(
    previous: Mapping[str, Any], new_source: PactSource
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replace a published v3 footprint: (the old one Deprecated, the new one).

    A published footprint is immutable (PACT v3 §7): only its status changes, to
    Deprecated; the new footprint gets a new id and lists the old id, and the ids the old
    one listed, in ``precedingPfIds``.
    """
    old_id = str(previous.get("id") or "")
    if previous.get("status") != "Active":
        raise Conflict(
            _("Footprint {id} is already Deprecated; supersede the active one.").format(id=old_id),
        )
    if new_source.id == old_id:
        raise Conflict(
            _("The new footprint needs a new id; {id} is the one it replaces.").format(id=old_id)
        )
    deprecated = copy.deepcopy(dict(previous))
    deprecated["status"] = "Deprecated"
    chain = [*previous.get("precedingPfIds", ()), old_id, *new_source.preceding_ids]
    new = replace(new_source, status="Active", preceding_ids=tuple(dict.fromkeys(chain)))
    return deprecated, to_pact_v3(new)
