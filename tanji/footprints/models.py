"""Persistence of products, product studies, their versions and their calculations.

A study's model is kept as model-file text (tanji-model/1 YAML), one row per saved
version, so every version can be re-read, diffed and re-calculated exactly. A
calculation stores everything needed to reproduce it: the version, the factor release,
the engine version and the input hash, with the canonical result JSON.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanji.db.base import Base, Timestamps, UUIDPk, utcnow


class Product(UUIDPk, Timestamps, Base):
    """A product of an enterprise (产品), named in both languages."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(80))  # the enterprise's own product code
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(60))  # product rule id, e.g. cement
    description: Mapped[str] = mapped_column(Text, default="")


class StudyStatus:
    DRAFT = "draft"
    ARCHIVED = "archived"
    ALL = (DRAFT, ARCHIVED)


class Study(UUIDPk, Timestamps, Base):
    """A product carbon footprint study (产品碳足迹研究): one product, many versions."""

    __tablename__ = "study"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    rule_id: Mapped[str] = mapped_column(String(60))
    rule_version: Mapped[str | None] = mapped_column(String(20))  # None: the current one
    status: Mapped[str] = mapped_column(String(20), default=StudyStatus.DRAFT)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StudyVersion(UUIDPk, Timestamps, Base):
    """One saved state of a study's model; never changed once written."""

    __tablename__ = "study_version"
    __table_args__ = (UniqueConstraint("study_id", "number"),)

    study_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("study.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(Text)  # tanji-model/1 YAML
    origin: Mapped[str] = mapped_column(String(20))  # template, form, yaml, json, xlsx
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))


class Calculation(UUIDPk, Timestamps, Base):
    """A stored, reproducible calculation of one study version."""

    __tablename__ = "calculation"

    study_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("study.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("study_version.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    release: Mapped[str] = mapped_column(String(40))  # factor release name
    rule_id: Mapped[str] = mapped_column(String(60))
    rule_version: Mapped[str] = mapped_column(String(20))
    engine_version: Mapped[str] = mapped_column(String(20))
    gwp_set: Mapped[str] = mapped_column(String(10))
    input_hash: Mapped[str] = mapped_column(String(80))
    iterations: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int] = mapped_column(Integer, default=42)
    total: Mapped[float] = mapped_column(Float)  # kg CO2e per declared unit
    unit: Mapped[str] = mapped_column(String(60))  # "1 t", the declared unit
    result: Mapped[str] = mapped_column(Text)  # canonical Result JSON
    findings: Mapped[str] = mapped_column(Text)  # rule report JSON
    grade: Mapped[str | None] = mapped_column(String(40))
    submittable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(120))
