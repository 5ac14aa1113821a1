"""Validate PACT ProductFootprint documents: the JSON Schema plus the rules it cannot say.

:func:`validate_v3` and :func:`validate_v2` return every problem found, each with the
path of the offending field; :func:`check_v3` and :func:`check_v2` raise
:class:`PactInvalid` (an :class:`~tanji.core.errors.InvalidInput`) instead. The schema part
uses the Draft 2020-12 JSON Schemas in ``schemas/`` with format checking on; Tanji's own
part checks decimals (plain notation, sign and range on the parsed value, since two of the
spec's patterns are broken), at most one geography, packaging and CCS flags against their
figures, the reference and validity periods, and that the two totals agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tanji.core.errors import InvalidInput, Loc
from tanji.core.i18n import _
from tanji.exchange.pact.decimals import parse_decimal

# The schema files, newest first per version. A published OpenAPI document dropped into
# ``schemas/`` under the first name is used instead of Tanji's own schema (see SOURCES.md).
_SCHEMA_FILES = {
    "3": (
        ("v3.0.3-openapi.yaml", "#/components/schemas/ProductFootprint"),
        ("v3.0.3-productfootprint.schema.yaml", "#/$defs/ProductFootprint"),
    ),
    "2": (
        ("v2.3.3-openapi.yaml", "#/components/schemas/ProductFootprint"),
        ("v2.3.3-productfootprint.schema.yaml", "#/$defs/ProductFootprint"),
    ),
}
SPEC_VERSIONS = {"3": "3.0.3", "2": "2.3.3"}
GEOGRAPHY_FIELDS = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")

# Decimal fields of the v3 CarbonFootprint by the sign their value must have.
V3_NON_NEGATIVE = (
    "productMassPerDeclaredUnit",
    "fossilGhgEmissions",
    "fossilCarbonContent",
    "biogenicCarbonContent",
    "recycledCarbonContent",
    "landUseChangeGhgEmissions",
    "landCarbonLeakage",
    "landManagementFossilGhgEmissions",
    "landManagementBiogenicCO2Emissions",
    "biogenicNonCO2Emissions",
    "landAreaOccupation",
    "aircraftGhgEmissions",
    "packagingGhgEmissions",
    "packagingBiogenicCarbonContent",
    "outboundLogisticsGhgEmissions",
    "ccuCarbonContent",
)
V3_NON_POSITIVE = (
    "landManagementBiogenicCO2Removals",
    "biogenicCO2Uptake",
    "ccsTechnologicalCO2Capture",
    "technologicalCO2Removals",
)
V3_ANY_SIGN = ("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake")
V3_PERCENT = ("exemptedEmissionsPercent", "primaryDataShare")
V3_CCS = ("ccsTechnologicalCO2Capture", "technologicalCO2Removals", "technologicalCO2CaptureOrigin")
DQR_FIELDS_V3 = ("technologicalDQR", "geographicalDQR", "temporalDQR")

V2_NON_NEGATIVE = (
    "productMassPerDeclaredUnit",
    "pCfExcludingBiogenic",
    "fossilGhgEmissions",
    "fossilCarbonContent",
    "biogenicCarbonContent",
    "dLucGhgEmissions",
    "landManagementGhgEmissions",
    "otherBiogenicGhgEmissions",
    "iLucGhgEmissions",
    "aircraftGhgEmissions",
    "packagingGhgEmissions",
)
V2_NON_POSITIVE = ("biogenicCarbonWithdrawal",)
V2_ANY_SIGN = ("pCfIncludingBiogenic",)
DQR_FIELDS_V2 = (
    "technologicalDQR",
    "temporalDQR",
    "geographicalDQR",
    "completenessDQR",
    "reliabilityDQR",
)
# v2.3 fields that are optional only for reference periods ending before 2025 (spec §4).
V2_REQUIRED_FROM_2025 = (
    "pCfIncludingBiogenic",
    "dLucGhgEmissions",
    "iLucGhgEmissions",
    "landManagementGhgEmissions",
    "otherBiogenicGhgEmissions",
    "biogenicAccountingMethodology",
    "primaryDataShare",
    "dqi",
)
YEAR_2025 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+", re.ASCII)
_URN = re.compile(r"[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9\-]{0,31}:\S+", re.ASCII)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: where (a pydantic-style ``loc``) and what."""

    loc: Loc
    message: str

    @property
    def path(self) -> str:
        """The location as a JSON path, ``$.pcf.dqi.temporalDQR``."""
        text = "$"
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text


class PactInvalid(InvalidInput):
    """A PACT document with problems; ``problems`` lists all of them, the first is raised."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, loc=first.loc)
        self.problems = tuple(problems)

    def lines(self) -> list[str]:
        return [f"{problem.path}: {problem.message}" for problem in self.problems]


def parse_datetime(text: object) -> dt.datetime | None:
    """An RFC 3339 date-time as an aware datetime, or None when ``text`` is not one."""
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def parse_instant(text: str) -> dt.datetime | None:
    """An RFC 3339 date-time, or an ISO date taken as midnight UTC (how filters compare
    dates), else None."""
    found = parse_datetime(text)
    if found is not None:
        return found
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _format_checker() -> FormatChecker:
    """jsonschema's checkers plus date-time, uri and urn written for PACT."""
    checker = FormatChecker()

    @checker.checks("date-time")
    def _date_time(instance: object) -> bool:
        return not isinstance(instance, str) or parse_datetime(instance) is not None

    @checker.checks("uri")
    def _uri(instance: object) -> bool:
        return not isinstance(instance, str) or bool(_URI.fullmatch(instance))

    @checker.checks("urn")
    def _urn(instance: object) -> bool:
        return not isinstance(instance, str) or bool(_URN.fullmatch(instance))

    return checker


@lru_cache(maxsize=4)
def schema_validator(major: str) -> Draft202012Validator:
    """The JSON Schema validator of the ProductFootprint of PACT ``major`` ("3" or "2").

    The schema document is registered whole, so ``$ref`` pointers inside it (``$defs`` in
    Tanji's schema, ``components/schemas`` in a published OpenAPI file) resolve.
    """
    folder = files("tanji.exchange.pact") / "schemas"
    for name, pointer in _SCHEMA_FILES[major]:
        resource = folder / name
        if resource.is_file():
            document = yaml.safe_load(resource.read_text(encoding="utf-8"))
            return validator_for(document, pointer, name=name)
    raise FileNotFoundError(name)  # pragma: no cover - the own schemas always ship


def validator_for(
    document: Mapping[str, Any], pointer: str, *, name: str = "schema"
) -> Draft202012Validator:
    """A validator of the schema at ``pointer`` inside ``document`` (a JSON Schema or an
    OpenAPI 3.1 document), with every ``$ref`` in the document resolvable."""
    uri = f"urn:tanji:pact-schema:{name}"
    registry: Registry = Registry().with_resource(
        uri, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": uri + pointer}, registry=registry, format_checker=_format_checker()
    )


def without_nulls(value: Any) -> Any:
    """The document with null members dropped: PACT reads null as "undefined"."""
    if isinstance(value, Mapping):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def validate_v3(doc: object) -> list[Problem]:
    """Every problem of a PACT v3 ProductFootprint: schema first, then Tanji's own checks."""
    return _validate(doc, "3")


def validate_v2(doc: object) -> list[Problem]:
    """Every problem of a PACT v2.3 ProductFootprint: schema first, then Tanji's own checks."""
    return _validate(doc, "2")


def check_v3(doc: object) -> None:
    """Raise :class:`PactInvalid` at the first problem's path if the v3 document has any."""
    problems = validate_v3(doc)
    if problems:
        raise PactInvalid(problems)


def check_v2(doc: object) -> None:
    """Raise :class:`PactInvalid` at the first problem's path if the v2 document has any."""
    problems = validate_v2(doc)
    if problems:
        raise PactInvalid(problems)


def _validate(doc: object, major: str) -> list[Problem]:
    if not isinstance(doc, Mapping):
        return [Problem((), _("A PACT footprint must be a JSON object."))]
    plain = without_nulls(doc)
    schema_problems = [
        Problem(
            tuple(error.absolute_path),
            _("Not valid under the PACT {version} schema: {detail}").format(
                version=SPEC_VERSIONS[major], detail=error.message
            ),
        )
        for error in sorted(
            schema_validator(major).iter_errors(plain), key=lambda e: list(map(str, e.path))
        )
    ]
    own = _own_checks_v3(plain) if major == "3" else _own_checks_v2(plain)
    # One problem per field: the schema's first, else Tanji's own.
    problems: dict[Loc, Problem] = {}
    for problem in [*schema_problems, *own]:
        problems.setdefault(problem.loc, problem)
    return list(problems.values())


# ---------------------------------------------------------------------------- own checks


def _sign_problems(
    pcf: Mapping[str, Any],
    *,
    non_negative: Iterable[str] = (),
    non_positive: Iterable[str] = (),
    any_sign: Iterable[str] = (),
    positive: Iterable[str] = (),
) -> list[Problem]:
    problems: list[Problem] = []
    rules = (
        [(name, "any") for name in any_sign]
        + [(name, ">=0") for name in non_negative]
        + [(name, "<=0") for name in non_positive]
        + [(name, ">0") for name in positive]
    )
    for name, rule in rules:
        if name not in pcf:
            continue
        loc: Loc = ("pcf", name)
        text = pcf[name]
        value = parse_decimal(text)
        if value is None:
            problems.append(Problem(loc, _not_plain(text)))
        elif rule == ">=0" and value < 0:
            problems.append(
                Problem(loc, _("Must be zero or more, not {value}.").format(value=text))
            )
        elif rule == "<=0" and value > 0:
            problems.append(
                Problem(loc, _("Must be zero or less, not {value}.").format(value=text))
            )
        elif rule == ">0" and value <= 0:
            problems.append(
                Problem(loc, _("Must be more than zero, not {value}.").format(value=text))
            )
    return problems


def _not_plain(text: object) -> str:
    return _("'{value}' is not a decimal string in plain notation (no exponent).").format(
        value=text
    )


def _range(
    value: Decimal | float, low: float, high: float, loc: Loc, text: object
) -> list[Problem]:
    if low <= value <= high:
        return []
    return [
        Problem(
            loc,
            _("Must be between {low} and {high}, not {value}.").format(
                low=low, high=high, value=text
            ),
        )
    ]


def _common_checks(doc: Mapping[str, Any], major: str) -> list[Problem]:
    problems: list[Problem] = []
    version = doc.get("specVersion")
    if isinstance(version, str) and not version.startswith(f"{major}."):
        problems.append(
            Problem(
                ("specVersion",),
                _("specVersion {version} is not a {major}.x version.").format(
                    version=version, major=major
                ),
            )
        )
    preceding = doc.get("precedingPfIds")
    if isinstance(preceding, list) and doc.get("id") in preceding:
        problems.append(Problem(("precedingPfIds",), _("A footprint cannot precede itself.")))
    pcf = doc.get("pcf")
    if not isinstance(pcf, Mapping):
        return problems
    given = [name for name in GEOGRAPHY_FIELDS if name in pcf]
    if len(given) > 1:
        problems.append(
            Problem(
                ("pcf", given[1]),
                _("Give at most one of {fields}; {given} are all set.").format(
                    fields=", ".join(GEOGRAPHY_FIELDS), given=", ".join(given)
                ),
            )
        )
    if "packagingGhgEmissions" in pcf and pcf.get("packagingEmissionsIncluded") is not True:
        problems.append(
            Problem(
                ("pcf", "packagingGhgEmissions"),
                _("Leave packagingGhgEmissions out unless packagingEmissionsIncluded is true."),
            )
        )
    problems += _period_checks(doc, pcf)
    return problems


def _period_checks(doc: Mapping[str, Any], pcf: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    start = parse_datetime(pcf.get("referencePeriodStart"))
    end = parse_datetime(pcf.get("referencePeriodEnd"))
    if start and end and end <= start:
        problems.append(
            Problem(
                ("pcf", "referencePeriodEnd"),
                _("The reference period must end after it starts."),
            )
        )
    has_start = "validityPeriodStart" in doc
    has_end = "validityPeriodEnd" in doc
    if has_start != has_end:
        missing = "validityPeriodEnd" if has_start else "validityPeriodStart"
        problems.append(
            Problem(
                (missing,),
                _("Give both validityPeriodStart and validityPeriodEnd, or neither."),
            )
        )
        return problems
    valid_from = parse_datetime(doc.get("validityPeriodStart"))
    valid_to = parse_datetime(doc.get("validityPeriodEnd"))
    if valid_from is None or valid_to is None:
        return problems
    if valid_to <= valid_from:
        problems.append(
            Problem(("validityPeriodEnd",), _("The validity period must end after it starts."))
        )
    if end is not None:
        if valid_from < end:
            problems.append(
                Problem(
                    ("validityPeriodStart",),
                    _(
                        "The validity period cannot start before the reference period ends ({end})."
                    ).format(end=pcf.get("referencePeriodEnd")),
                )
            )
        limit = _add_years(end, 3)
        if valid_to > limit:
            problems.append(
                Problem(
                    ("validityPeriodEnd",),
                    _(
                        "The validity period can last at most until three years after the "
                        "reference period ends ({limit})."
                    ).format(limit=limit.isoformat()),
                )
            )
    return problems


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _rule_checks(pcf: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    rules = pcf.get("productOrSectorSpecificRules")
    if not isinstance(rules, list):
        return problems
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        loc: Loc = ("pcf", "productOrSectorSpecificRules", index, "otherOperatorName")
        if rule.get("operator") == "Other" and not rule.get("otherOperatorName"):
            problems.append(Problem(loc, _("Name the operator when the operator is 'Other'.")))
        if rule.get("operator") != "Other" and "otherOperatorName" in rule:
            problems.append(Problem(loc, _("otherOperatorName is only for the operator 'Other'.")))
    return problems


def _own_checks_v3(doc: Mapping[str, Any]) -> list[Problem]:
    problems = _common_checks(doc, "3")
    pcf = doc.get("pcf")
    if not isinstance(pcf, Mapping):
        return problems
    problems += _sign_problems(
        pcf,
        non_negative=V3_NON_NEGATIVE,
        non_positive=V3_NON_POSITIVE,
        any_sign=V3_ANY_SIGN,
        positive=("declaredUnitAmount",),
    )
    for name in V3_PERCENT:
        if name in pcf:
            value = parse_decimal(pcf[name])
            if value is None:
                problems.append(Problem(("pcf", name), _not_plain(pcf[name])))
            else:
                problems += _range(value, 0, 100, ("pcf", name), pcf[name])
    dqi = pcf.get("dqi")
    if isinstance(dqi, Mapping):
        for name in DQR_FIELDS_V3:
            if name not in dqi:
                continue
            value = parse_decimal(dqi[name])
            loc: Loc = ("pcf", "dqi", name)
            if value is None:
                problems.append(Problem(loc, _not_plain(dqi[name])))
            else:
                problems += _range(value, 1, 5, loc, dqi[name])
    if pcf.get("ccsTechnologicalCO2CaptureIncluded") is False:
        for name in V3_CCS:
            if name in pcf:
                problems.append(
                    Problem(
                        ("pcf", name),
                        _(
                            "Leave {field} out when ccsTechnologicalCO2CaptureIncluded is false."
                        ).format(field=name),
                    )
                )
    problems += _rule_checks(pcf)
    problems += _sum_check_v3(pcf)
    return problems


def _sum_check_v3(pcf: Mapping[str, Any]) -> list[Problem]:
    """pcfIncludingBiogenicUptake = pcfExcludingBiogenicUptake + biogenicCO2Uptake."""
    excluding = parse_decimal(pcf.get("pcfExcludingBiogenicUptake"))
    including = parse_decimal(pcf.get("pcfIncludingBiogenicUptake"))
    uptake = parse_decimal(pcf.get("biogenicCO2Uptake", "0"))
    if excluding is None or including is None or uptake is None:
        return []
    expected = excluding + uptake
    tolerance = max(abs(including), abs(expected)) * Decimal("1e-4") + Decimal("1e-6")
    if abs(including - expected) <= tolerance:
        return []
    return [
        Problem(
            ("pcf", "pcfIncludingBiogenicUptake"),
            _(
                "pcfIncludingBiogenicUptake ({including}) must equal pcfExcludingBiogenicUptake "
                "plus biogenicCO2Uptake ({expected})."
            ).format(including=pcf.get("pcfIncludingBiogenicUptake"), expected=expected),
        )
    ]


def _own_checks_v2(doc: Mapping[str, Any]) -> list[Problem]:
    problems = _common_checks(doc, "2")
    pcf = doc.get("pcf")
    if not isinstance(pcf, Mapping):
        return problems
    problems += _sign_problems(
        pcf,
        non_negative=V2_NON_NEGATIVE,
        non_positive=V2_NON_POSITIVE,
        any_sign=V2_ANY_SIGN,
        positive=("unitaryProductAmount",),
    )
    dqi = pcf.get("dqi")
    if isinstance(dqi, Mapping):
        for name in DQR_FIELDS_V2:
            value = dqi.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                problems += _range(value, 1, 3, ("pcf", "dqi", name), value)
    end = parse_datetime(pcf.get("referencePeriodEnd"))
    if end is not None and end > YEAR_2025:
        for name in V2_REQUIRED_FROM_2025:
            if name not in pcf:
                problems.append(
                    Problem(
                        ("pcf", name),
                        _(
                            "{field} is required when the reference period reaches into 2025 "
                            "or later."
                        ).format(field=name),
                    )
                )
    elif end is not None and "primaryDataShare" not in pcf and "dqi" not in pcf:
        problems.append(
            Problem(("pcf", "primaryDataShare"), _("Give primaryDataShare or dqi (or both)."))
        )
    problems += _rule_checks(pcf)
    return problems
