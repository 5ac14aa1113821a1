"""The factor import template: one row → one checked factor, with errors by row and column.

The same columns serve CSV, XLSX and JSON imports and exports, and the shipped seed
table (``tanji/data/factors/factors.csv``). Parsing is plain Python, not pydantic, so
that 100,000 rows import in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
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


@dataclass(slots=True)
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
    def composition(self) -> str:
        """The gases as stored: ``CO2=2.46;CH4=0.0001`` (repr keeps every float exact)."""
        return ";".join(f"{gas}={amount!r}" for gas, amount, _origin in self.gases)

    @property
    def origin(self) -> str:
        return self.gases[0][2] if self.gases else "fossil"

    @property
    def search_text(self) -> str:
        parts = (self.slug, self.flow, self.name_zh, self.name_en, self.synonyms, self.technology)
        # bounded: it sits in a B-tree index (PostgreSQL caps index rows near 2.7 kB)
        return " ".join(p for p in parts if p).lower()[:1000]

    @property
    def pedigree_scores(self) -> tuple[int | None, ...]:
        return tuple(self.pedigree.get(key) for key in PEDIGREE)


# What makes two versions of a factor the same (names and notes included). Checked rows
# and stored records both have these attributes, so one function compares them.
VERSIONED = (
    "flow", "name_zh", "name_en", "synonyms", "category", "unit", "boundary", "geography",
    "year", "valid_from", "valid_to", "technology", "source_document", "source_table",
    "source_url", "license", "pedigree_scores", "uncertainty", "notes",
)  # fmt: skip


def fingerprint(item: Any) -> tuple[Any, ...]:
    """The versioned content of a checked row or a stored record, gases included."""
    return (*(getattr(item, name) for name in VERSIONED), tuple(tuple(g) for g in item.gases))


def citation(document: str, table: str, year: int | None, url: str) -> str:
    """One line citing a factor's source: document; table; year; URL."""
    return "; ".join(part for part in (document, table, str(year or ""), url) if part)


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


def _texts(row: dict[str, Any]) -> dict[str, str]:
    """Every template column as stripped text, in one pass (this runs 100,000 times)."""
    get = row.get
    return {
        key: value.strip() if (value := get(key)).__class__ is str else _text(row, key)
        for key in COLUMNS
    }


_ORIGINS = {origin.value: origin for origin in Origin}


@lru_cache(maxsize=1024)
def _ar6(gas: str, origin: Origin) -> float | None:
    """AR6 GWP100 of a gas of an origin, None for an unknown gas (cached per pair)."""
    table = gwp_table("AR6")
    return table.factor(gas, origin) if table.knows(gas) else None


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
    t = _texts(row)
    for key in REQUIRED:
        if not t[key]:
            raise RowError(_("This column is required."), loc=(line, key))
    slug = t["slug"]
    if not SLUG_RE.match(slug):
        raise RowError(
            _("A slug uses lower-case letters, digits, '-', '_' and '.' only: '{slug}'.").format(
                slug=slug
            ),
            loc=(line, "slug"),
        )
    category = t["category"]
    if category not in CATEGORIES:
        raise RowError(
            _("Unknown category '{value}'; use one of {allowed}.").format(
                value=category, allowed=", ".join(CATEGORIES)
            ),
            loc=(line, "category"),
        )
    unit = t["unit"]
    try:
        parse_unit(unit)
    except InvalidInput as exc:
        raise RowError(exc.message, loc=(line, "unit")) from None
    origin_text = t["origin"] or "fossil"
    origin = _ORIGINS.get(origin_text)
    if origin is None:
        raise RowError(
            _("Unknown origin '{value}'; use fossil, biogenic or dluc.").format(value=origin_text),
            loc=(line, "origin"),
        )
    try:
        pairs = parse_composition(t["composition"], loc=(line, "composition"))
    except InvalidInput as exc:
        raise RowError(exc.message, loc=exc.loc) from None
    co2e = 0.0
    for gas, amount in pairs:
        gwp = _ar6(gas, origin)
        if gwp is None:
            raise RowError(_("Unknown gas '{gas}'.").format(gas=gas), loc=(line, "composition"))
        co2e += amount * gwp
    boundary = t["boundary"] or "cradle-to-gate"
    if boundary not in BOUNDARIES:
        raise RowError(
            _("Unknown boundary '{value}'; use one of {allowed}.").format(
                value=boundary, allowed=", ".join(BOUNDARIES)
            ),
            loc=(line, "boundary"),
        )
    geography = t["geography"] or "GLO"
    if not GEO_RE.match(geography):
        raise RowError(
            _("Geography must be an ISO 3166 code (CN, CN-SX), a grid region or GLO."),
            loc=(line, "geography"),
        )
    year_text = t["year"]
    if year_text and not (year_text.isdigit() and 1900 <= int(year_text) <= 2100):
        raise RowError(_("Not a year: '{value}'.").format(value=year_text), loc=(line, "year"))
    pedigree: dict[str, int | None] = {}
    for key in PEDIGREE:
        text = t[key]
        if not text:
            pedigree[key] = None
            continue
        if text not in {"1", "2", "3", "4", "5"}:
            raise RowError(_("A pedigree score is 1 to 5."), loc=(line, key))
        pedigree[key] = int(text)
    scores = [v for v in pedigree.values() if v is not None]
    uncertainty = t["uncertainty"]
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
        flow=t["flow"] or slug,
        name_zh=t["name_zh"],
        name_en=t["name_en"],
        synonyms=t["synonyms"],
        category=category,
        unit=unit,
        dimension=dimension_name(unit),
        gases=[(gas, amount, origin.value) for gas, amount in pairs],
        co2e=co2e,
        fossil_co2e=co2e if origin is Origin.FOSSIL else 0.0,
        biogenic_co2e=co2e if origin is Origin.BIOGENIC else 0.0,
        dluc_co2e=co2e if origin is Origin.DLUC else 0.0,
        boundary=boundary,
        geography=geography,
        year=int(year_text) if year_text else None,
        valid_from=valid_from,
        valid_to=valid_to,
        technology=t["technology"],
        source_document=t["document"],
        source_table=t["table"],
        source_url=t["url"],
        license=t["license"],
        pedigree=pedigree,
        quality_rating=sum(scores) / len(scores) if len(scores) == len(PEDIGREE) else None,
        uncertainty=uncertainty,
        notes=t["notes"],
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
        "origin": record.origin,
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
