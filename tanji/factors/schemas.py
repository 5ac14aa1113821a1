"""Pydantic schemas of the factor database's API: what comes in and what goes out.

Read schemas are built from the ORM records (``from_attributes``); ``FactorCreate`` is a
contributor's proposal, turned into an import-template row that the service checks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from tanji.factors.rows import PEDIGREE


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored in UTC (tanji.db.base.utcnow)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]
"""A timestamp that always carries its zone, as RFC 3339 (and the OpenAPI schema) demands."""


def _score() -> Any:
    return Field(default=None, ge=1, le=5, description="Pedigree score, 1 (best) to 5.")


class GasRead(BaseModel):
    """One gas of a factor's composition, kg of the gas per declared unit."""

    model_config = ConfigDict(from_attributes=True)

    gas: str
    amount: float
    origin: str


class FactorRead(BaseModel):
    """One version of an emission factor with its source, quality and review state."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    version: int
    flow: str
    name_zh: str
    name_en: str
    synonyms: str
    category: str
    unit: str = Field(description="The declared unit the value is per (kg, kWh, t*km …).")
    dimension: str
    composition: str = Field(description="kg of each gas per unit, 'CO2=2.46;CH4=0.0001'.")
    gases: list[GasRead]
    origin: str
    co2e: float = Field(description="kg CO2e per declared unit, IPCC AR6 GWP100.")
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
    reliability: int | None
    completeness: int | None
    temporal: int | None
    geographical: int | None
    technological: int | None
    quality_rating: float | None = Field(description="Mean of the five pedigree scores.")
    uncertainty: str
    status: str
    contributor: str
    reviewer: str | None
    review_note: str | None
    reviewed_at: UtcDatetime | None
    notes: str
    created_at: UtcDatetime


class FactorSummary(BaseModel):
    """A factor in a picker or a list: enough to choose it."""

    model_config = ConfigDict(from_attributes=True)

    slug: str
    version: int
    name_zh: str
    name_en: str
    unit: str
    dimension: str
    co2e: float = Field(description="kg CO2e per declared unit, IPCC AR6 GWP100.")
    geography: str
    year: int | None
    source: str = Field(validation_alias=AliasChoices("source", "source_document"))
    status: str


class FactorPage(BaseModel):
    """One page of search results; ``total`` counts every match."""

    total: int
    limit: int
    offset: int
    items: list[FactorRead]


class FactorEventRead(BaseModel):
    """Something that happened to a version: imported, submitted, approved, rejected …"""

    model_config = ConfigDict(from_attributes=True)

    at: UtcDatetime
    action: str
    actor: str
    reason: str


class FactorVersionRead(BaseModel):
    """A version in a factor's history, with its events and the releases holding it."""

    id: uuid.UUID
    version: int
    status: str
    co2e: float
    unit: str
    created_at: UtcDatetime
    events: list[FactorEventRead]
    releases: list[str]


class FactorDetailRead(FactorRead):
    """The current version of a factor (published, else newest) and its whole history."""

    versions: list[FactorVersionRead]

    @classmethod
    def of(cls, dossier: Any) -> FactorDetailRead:
        """Build from a :class:`tanji.factors.service.FactorDossier`."""
        base = FactorRead.model_validate(dossier.record).model_dump()
        versions = [
            FactorVersionRead(
                id=item.record.id,
                version=item.record.version,
                status=item.record.status,
                co2e=item.record.co2e,
                unit=item.record.unit,
                created_at=item.record.created_at,
                events=[FactorEventRead.model_validate(event) for event in item.events],
                releases=[release.name for release in item.releases],
            )
            for item in dossier.versions
        ]
        return cls(**base, versions=versions)


class ReleaseRead(BaseModel):
    """A named, immutable snapshot of published factors."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    notes: str
    created_by: str
    created_at: UtcDatetime
    factor_count: int


class ReleaseDetailRead(BaseModel):
    """A release and one page of its factors (by slug)."""

    release: ReleaseRead
    total: int
    limit: int
    offset: int
    items: list[FactorRead]


class ChangedFactorRead(BaseModel):
    """A factor whose version differs between two releases."""

    slug: str
    unit: str
    old_version: int
    new_version: int
    old_co2e: float
    new_co2e: float
    change: float | None = Field(description="Relative change (0.05 = +5 %); null from zero.")


class ReleaseDiffRead(BaseModel):
    """Factors added, changed and withdrawn from release ``old`` to release ``new``."""

    old: str
    new: str
    added: list[FactorSummary]
    changed: list[ChangedFactorRead]
    withdrawn: list[FactorSummary]

    @classmethod
    def of(cls, diff: Any, *, old: str, new: str) -> ReleaseDiffRead:
        """Build from a :class:`tanji.factors.service.ReleaseDiff`."""
        return cls(
            old=old,
            new=new,
            added=[FactorSummary.model_validate(r) for r in diff.added],
            changed=[
                ChangedFactorRead(
                    slug=c.slug,
                    unit=c.new.unit,
                    old_version=c.old.version,
                    new_version=c.new.version,
                    old_co2e=c.old.co2e,
                    new_co2e=c.new.co2e,
                    change=c.change,
                )
                for c in diff.changed
            ],
            withdrawn=[FactorSummary.model_validate(r) for r in diff.withdrawn],
        )


class FactorCreate(BaseModel):
    """A proposed factor, or a new version of an existing slug; it goes to review."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(min_length=1, max_length=120, examples=["cn-steel-bof-2024"])
    flow: str = Field(default="", max_length=120, description="Family; default: the slug.")
    name_zh: str = Field(default="", max_length=300)
    name_en: str = Field(default="", max_length=300)
    synonyms: str = Field(default="", max_length=1000, description="'|'-separated.")
    category: str = Field(max_length=40, examples=["metals"])
    unit: str = Field(max_length=40, examples=["t"])
    composition: dict[str, float] = Field(
        min_length=1,
        max_length=40,
        description="kg of each gas per unit, e.g. {'CO2': 2.46, 'CH4': 0.0001}; "
        "or {'CO2e': 0.58} for a characterised value.",
    )
    origin: Literal["fossil", "biogenic", "dluc"] = "fossil"
    boundary: str = Field(default="cradle-to-gate", max_length=30)
    geography: str = Field(default="CN", max_length=20)
    year: int | None = Field(default=None, ge=1900, le=2100)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    technology: str = Field(default="", max_length=200)
    document: str = Field(min_length=1, max_length=2000, description="The source document.")
    table: str = Field(default="", max_length=1000, description="Table or page in it.")
    url: str = Field(default="", max_length=1000)
    license: str = Field(default="", max_length=200)
    reliability: int | None = _score()
    completeness: int | None = _score()
    temporal: int | None = _score()
    geographical: int | None = _score()
    technological: int | None = _score()
    uncertainty: str = Field(default="", max_length=80, examples=["lognormal gsd=1.1"])
    notes: str = Field(default="", max_length=5000)

    def to_row(self) -> dict[str, Any]:
        """The proposal as an import-template row."""
        row: dict[str, Any] = self.model_dump(exclude={"composition", *PEDIGREE})
        row["composition"] = ";".join(
            f"{gas}={amount!r}" for gas, amount in self.composition.items()
        )
        row["year"] = str(self.year) if self.year is not None else ""
        for key in PEDIGREE:
            value = getattr(self, key)
            row[key] = str(value) if value is not None else ""
        return row


class ReviewCreate(BaseModel):
    """A reviewer's decision on the version in review."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=2000, description="Required to reject.")
