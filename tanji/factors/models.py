"""Persistence of the factor database: factor versions, releases and review history.

A factor is a versioned dataset: its readable ``slug`` is stable, each version is a
row with its own UUID. Edits never change a row that a release points to; they make a
new version. A release is an immutable snapshot of one version per slug.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NamedTuple

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanji.db.base import Base, Timestamps, UUIDPk, utcnow
from tanji.factors.rows import parse_composition


class StoredGas(NamedTuple):
    gas: str
    amount: float
    origin: str


class FactorStatus:
    DRAFT = "draft"
    IN_REVIEW = "in-review"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    ALL = (DRAFT, IN_REVIEW, PUBLISHED, SUPERSEDED, WITHDRAWN, REJECTED)


class FactorRecord(UUIDPk, Timestamps, Base):
    """One version of an emission factor, with its provenance and review state."""

    __tablename__ = "factor"
    __table_args__ = (
        UniqueConstraint("slug", "version"),
        Index("ix_factor_flow_geo_year", "flow", "geography", "year"),
    )

    # slug lookups use the (slug, version) unique index; no other single-column indexes:
    # filtered searches scan 100,000 rows in milliseconds, and every index slows imports.
    slug: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    flow: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    synonyms: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(80))
    composition: Mapped[str] = mapped_column(Text)  # "CO2=2.46;CH4=0.0001", kg per unit
    origin: Mapped[str] = mapped_column(String(10), default="fossil")
    co2e: Mapped[float] = mapped_column(Float)  # kg CO2e per unit, AR6 GWP100
    fossil_co2e: Mapped[float] = mapped_column(Float, default=0.0)
    biogenic_co2e: Mapped[float] = mapped_column(Float, default=0.0)
    dluc_co2e: Mapped[float] = mapped_column(Float, default=0.0)
    boundary: Mapped[str] = mapped_column(String(30))
    geography: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    technology: Mapped[str] = mapped_column(String(200), default="")
    source_document: Mapped[str] = mapped_column(Text)
    source_table: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(Text, default="")
    license: Mapped[str] = mapped_column(String(200), default="")
    reliability: Mapped[int | None] = mapped_column(SmallInteger)
    completeness: Mapped[int | None] = mapped_column(SmallInteger)
    temporal: Mapped[int | None] = mapped_column(SmallInteger)
    geographical: Mapped[int | None] = mapped_column(SmallInteger)
    technological: Mapped[int | None] = mapped_column(SmallInteger)
    quality_rating: Mapped[float | None] = mapped_column(Float)
    uncertainty: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(20), default=FactorStatus.DRAFT)
    contributor: Mapped[str] = mapped_column(String(120), default="")
    reviewer: Mapped[str | None] = mapped_column(String(120))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    import_mode: Mapped[str] = mapped_column(String(20), default="draft")

    @property
    def pedigree_scores(self) -> tuple[int | None, ...]:
        return (
            self.reliability,
            self.completeness,
            self.temporal,
            self.geographical,
            self.technological,
        )

    @property
    def gases(self) -> list[StoredGas]:
        """The composition as (gas, kg per unit, origin) entries."""
        return [
            StoredGas(gas, amount, self.origin)
            for gas, amount in parse_composition(self.composition)
        ]


# Searches scan this narrow index in result order instead of the wide table: a text match
# over 100,000 factors reads a few MB, and LIMIT stops the scan once a page is full.
Index(
    "ix_factor_search",
    FactorRecord.slug,
    FactorRecord.version.desc(),
    FactorRecord.status,
    FactorRecord.category,
    FactorRecord.geography,
    FactorRecord.dimension,
    FactorRecord.year,
    FactorRecord.search_text,
)


class FactorRelease(UUIDPk, Timestamps, Base):
    """A named, immutable snapshot of published factors that calculations pin."""

    __tablename__ = "factor_release"

    name: Mapped[str] = mapped_column(String(40), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    factor_count: Mapped[int] = mapped_column(Integer, default=0)


class FactorReleaseEntry(Base):
    """One factor version in a release; one version per slug.

    Flow, unit, region and year are copied in when the release is made (both sides are
    immutable), so resolving a reference reads this table's index alone.
    """

    __tablename__ = "factor_release_entry"
    __table_args__ = (Index("ix_factor_release_entry_flow", "release_id", "flow", "geography"),)

    release_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor_release.id", ondelete="RESTRICT"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    factor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor.id", ondelete="RESTRICT"), index=True
    )
    flow: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))
    geography: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)


class FactorEvent(Base):
    """Review actions on a factor version: submitted, approved, rejected, withdrawn.

    The import itself is not an event row (100,000 of them would double an import's
    cost): the version's ``created_at``, ``contributor`` and ``import_mode`` record it.
    """

    __tablename__ = "factor_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    factor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
