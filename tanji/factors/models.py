"""Persistence of the factor database: factor versions, their gases, releases, history.

A factor is a versioned dataset: its readable ``slug`` is stable, each version is a
row with its own UUID. Edits never change a row that a release points to; they make a
new version. A release is an immutable snapshot of one version per slug.
"""

from __future__ import annotations

import datetime as dt
import uuid

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tanji.db.base import Base, Timestamps, UUIDPk, utcnow


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

    gases: Mapped[list[FactorGas]] = relationship(
        back_populates="factor",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="FactorGas.position",
    )


class FactorGas(Base):
    """kg of one gas emitted per declared unit of a factor version."""

    __tablename__ = "factor_gas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    factor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    gas: Mapped[str] = mapped_column(String(30))
    amount: Mapped[float] = mapped_column(Float)
    origin: Mapped[str] = mapped_column(String(10), default="fossil")

    factor: Mapped[FactorRecord] = relationship(back_populates="gases", lazy="raise")


class FactorRelease(UUIDPk, Timestamps, Base):
    """A named, immutable snapshot of published factors that calculations pin."""

    __tablename__ = "factor_release"

    name: Mapped[str] = mapped_column(String(40), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    factor_count: Mapped[int] = mapped_column(Integer, default=0)


class FactorReleaseEntry(Base):
    """One factor version in a release; one version per slug."""

    __tablename__ = "factor_release_entry"

    release_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor_release.id", ondelete="RESTRICT"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    factor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor.id", ondelete="RESTRICT"), index=True
    )


class FactorEvent(Base):
    """The history of a factor version: imported, submitted, approved, rejected …"""

    __tablename__ = "factor_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    factor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("factor.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
