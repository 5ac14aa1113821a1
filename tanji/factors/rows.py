"""The factor import template: one row → one checked factor, with errors by row and column.

The same columns serve CSV, XLSX and JSON imports and exports, and the shipped seed
table (``tanji/data/factors/factors.csv``). Parsing is plain Python, not pydantic, so
that 100,000 rows import in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from tanji.core.errors import InvalidInput, Loc
from tanji.core.gwp import gwp_table
from tanji.core.i18n import _
from tanji.core.model import Origin
from tanji.core.units import dimension_name, parse_unit

COLUMNS = (
    "slug",
    "flow",
    "name_zh",
    "name_en",
    "synonyms",
    "category",
    "unit",
    "composition",
    "origin",
    "boundary",
    "geography",
    "year",
    "valid_from",
    "valid_to",
    "technology",
    "document",
    "table",
    "url",
    "license",
    "reliability",
    "completeness",
    "temporal",
    "geographical",
    "technological",
    "uncertainty",
    "notes",
)
REQUIRED = ("slug", "category", "unit", "composition", "document")
CATEGORIES = (
    "fuels",
    "electricity",
    "heat-steam",
    "transport",
    "raw-materials",
    "chemicals",
    "metals",
    "building-materials",
    "products",
    "waste-treatment",
    "process-emissions",
)
BOUNDARIES = ("cradle-to-gate", "gate-to-gate", "combustion", "life-cycle", "process")
PEDIGREE = ("reliability", "completeness", "temporal", "geographical", "technological")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,119}$")
GEO_RE = re.compile(r"^([A-Z]{2}(-[A-Z0-9]{1,12})?|GLO)$")
UNCERTAINTY_RE = re.compile(r"^(lognormal|normal|triangular|uniform)(\s+\w+=[-+0-9.eE]+)*$")


def parse_composition(text: str, *, loc: Loc = ()) -> tuple[tuple[str, float], ...]:
    """Parse ``"CO2=2.46;CH4=0.0001"`` into ((gas, kg per unit), …)."""
    pairs = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        gas, sep, value = part.partition("=")
        try:
            amount = float(value)
        except ValueError:
            amount = None
        if not sep or not gas.strip() or amount is None:
            raise InvalidInput(
                _("Cannot read '{part}': write GAS=value, e.g. CO2=2.46.").format(part=part),
                loc=loc,
            )
        pairs.append((gas.strip(), amount))
    if not pairs:
        raise InvalidInput(_("A factor needs at least one GAS=value."), loc=loc)
    return tuple(pairs)


@dataclass
class FactorData:
    """A checked factor row, ready to store: gases plus derived figures for search."""

    slug: str
    flow: str
    name_zh: str
    name_en: str
    synonyms: str
    category: str
    unit: str
    dimension: str
    gases: list[tuple[str, float, str]]
    co2e: float
    fossil_co2e: float
    biogenic_co2e: float
    dluc_co2e: float
    boundary: str
    geography: str
    year: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    technology: str
    source_document: str
    source_table: str
    source_url: str
    license: str
    pedigree: dict[str, int | None] = field(default_factory=dict)
    quality_rating: float | None = None
    uncertainty: str = ""
    notes: str = ""

    @property
    def search_text(self) -> str:
        parts = (self.slug, self.flow, self.name_zh, self.name_en, self.synonyms, self.technology)
        return " ".join(p for p in parts if p).lower()

    def fingerprint(self) -> tuple[Any, ...]:
        """What makes two rows the same version (names and notes included)."""
        return (
            self.flow, self.name_zh, self.name_en, self.synonyms, self.category, self.unit,
            tuple(self.gases), self.boundary, self.geography, self.year, self.valid_from,
            self.valid_to, self.technology, self.source_document, self.source_table,
            self.source_url, self.license, tuple(self.pedigree.get(k) for k in PEDIGREE),
            self.uncertainty, self.notes,
        )  # fmt: skip


class RowError(InvalidInput):
    """A bad row: ``loc`` is (row number, column)."""


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(row: dict[str, Any], key: str, line: int) -> dt.date | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RowError(
            _("Not a date (YYYY-MM-DD): '{value}'.").format(value=value), loc=(line, key)
        ) from None


def parse_row(row: dict[str, Any], line: int) -> FactorData:
    """Check one template row; raise :class:`RowError` naming the row and column."""
    for key in REQUIRED:
        if not _text(row, key):
            raise RowError(_("This column is required."), loc=(line, key))
    slug = _text(row, "slug")
    if not SLUG_RE.match(slug):
        raise RowError(
            _("A slug uses lower-case letters, digits, '-', '_' and '.' only: '{slug}'.").format(
                slug=slug
            ),
            loc=(line, "slug"),
        )
    category = _text(row, "category")
    if category not in CATEGORIES:
        raise RowError(
            _("Unknown category '{value}'; use one of {allowed}.").format(
                value=category, allowed=", ".join(CATEGORIES)
            ),
            loc=(line, "category"),
        )
    unit = _text(row, "unit")
    try:
        parse_unit(unit)
    except InvalidInput as exc:
        raise RowError(exc.message, loc=(line, "unit")) from None
    origin_text = _text(row, "origin") or "fossil"
    try:
        origin = Origin(origin_text)
    except ValueError:
        raise RowError(
            _("Unknown origin '{value}'; use fossil, biogenic or dluc.").format(value=origin_text),
            loc=(line, "origin"),
        ) from None
    try:
        pairs = parse_composition(_text(row, "composition"), loc=(line, "composition"))
    except InvalidInput as exc:
        raise RowError(exc.message, loc=exc.loc) from None
    table = gwp_table("AR6")
    split = {Origin.FOSSIL: 0.0, Origin.BIOGENIC: 0.0, Origin.DLUC: 0.0}
    for gas, amount in pairs:
        if not table.knows(gas):
            raise RowError(_("Unknown gas '{gas}'.").format(gas=gas), loc=(line, "composition"))
        split[origin] += amount * table.factor(gas, origin)
    boundary = _text(row, "boundary") or "cradle-to-gate"
    if boundary not in BOUNDARIES:
        raise RowError(
            _("Unknown boundary '{value}'; use one of {allowed}.").format(
                value=boundary, allowed=", ".join(BOUNDARIES)
            ),
            loc=(line, "boundary"),
        )
    geography = _text(row, "geography") or "GLO"
    if not GEO_RE.match(geography):
        raise RowError(
            _("Geography must be an ISO 3166 code (CN, CN-SX), a grid region or GLO."),
            loc=(line, "geography"),
        )
    year_text = _text(row, "year")
    if year_text and not (year_text.isdigit() and 1900 <= int(year_text) <= 2100):
        raise RowError(_("Not a year: '{value}'.").format(value=year_text), loc=(line, "year"))
    pedigree: dict[str, int | None] = {}
    for key in PEDIGREE:
        text = _text(row, key)
        if not text:
            pedigree[key] = None
            continue
        if text not in {"1", "2", "3", "4", "5"}:
            raise RowError(_("A pedigree score is 1 to 5."), loc=(line, key))
        pedigree[key] = int(text)
    scores = [v for v in pedigree.values() if v is not None]
    uncertainty = _text(row, "uncertainty")
    if uncertainty and not UNCERTAINTY_RE.match(uncertainty):
        raise RowError(
            _("Write the uncertainty as e.g. 'lognormal gsd=1.1' or 'normal sd=0.02'."),
            loc=(line, "uncertainty"),
        )
    valid_from = _date(row, "valid_from", line)
    valid_to = _date(row, "valid_to", line)
    if valid_from and valid_to and valid_to < valid_from:
        raise RowError(_("valid_to is before valid_from."), loc=(line, "valid_to"))
    return FactorData(
        slug=slug,
        flow=_text(row, "flow") or slug,
        name_zh=_text(row, "name_zh"),
        name_en=_text(row, "name_en"),
        synonyms=_text(row, "synonyms"),
        category=category,
        unit=unit,
        dimension=dimension_name(unit),
        gases=[(gas, amount, origin.value) for gas, amount in pairs],
        co2e=sum(split.values()),
        fossil_co2e=split[Origin.FOSSIL],
        biogenic_co2e=split[Origin.BIOGENIC],
        dluc_co2e=split[Origin.DLUC],
        boundary=boundary,
        geography=geography,
        year=int(year_text) if year_text else None,
        valid_from=valid_from,
        valid_to=valid_to,
        technology=_text(row, "technology"),
        source_document=_text(row, "document"),
        source_table=_text(row, "table"),
        source_url=_text(row, "url"),
        license=_text(row, "license"),
        pedigree=pedigree,
        quality_rating=sum(scores) / len(scores) if len(scores) == len(PEDIGREE) else None,
        uncertainty=uncertainty,
        notes=_text(row, "notes"),
    )


def to_row(record: Any) -> dict[str, Any]:
    """A stored factor (ORM record) back to template columns, for export."""
    return {
        "slug": record.slug,
        "flow": record.flow,
        "name_zh": record.name_zh,
        "name_en": record.name_en,
        "synonyms": record.synonyms,
        "category": record.category,
        "unit": record.unit,
        "composition": ";".join(f"{g.gas}={g.amount:.10g}" for g in record.gases),
        "origin": record.gases[0].origin if record.gases else "fossil",
        "boundary": record.boundary,
        "geography": record.geography,
        "year": record.year if record.year is not None else "",
        "valid_from": record.valid_from.isoformat() if record.valid_from else "",
        "valid_to": record.valid_to.isoformat() if record.valid_to else "",
        "technology": record.technology,
        "document": record.source_document,
        "table": record.source_table,
        "url": record.source_url,
        "license": record.license,
        **{
            key: getattr(record, key) if getattr(record, key) is not None else ""
            for key in PEDIGREE
        },
        "uncertainty": record.uncertainty,
        "notes": record.notes,
    }
