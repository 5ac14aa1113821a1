"""Published PACT footprints and who they are shared with.

A published footprint is immutable: its spec v3 document is stored as published. A newer
publication of the same study and product supersedes it (the old one becomes Deprecated,
the new one names it in ``precedingPfIds``); deprecated footprints stay retrievable by id.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tanji.db.base import Base, Timestamps, UUIDPk


class FootprintStatus:
    ACTIVE = "Active"
    DEPRECATED = "Deprecated"
    ALL = (ACTIVE, DEPRECATED)


class Visibility:
    PARTNERS = "partners"  # the owner and the organisations it is shared with
    PUBLIC = "public"  # every API client of every organisation
    ALL = (PARTNERS, PUBLIC)


class PublishedFootprint(UUIDPk, Timestamps, Base):
    """One published PACT ProductFootprint; ``id`` is the PACT id."""

    __tablename__ = "pact_footprint"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    calculation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("calculation.id", ondelete="RESTRICT"), index=True
    )
    study_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("study.id", ondelete="RESTRICT"), index=True
    )
    document: Mapped[str] = mapped_column(Text)  # the v3 ProductFootprint JSON, as published
    status: Mapped[str] = mapped_column(String(20), default=FootprintStatus.ACTIVE)
    preceding_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of UUIDs
    product_id: Mapped[str] = mapped_column(String(300), index=True)  # first productIds URN
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.PARTNERS)


class FootprintShare(Base):
    """A partner organisation allowed to read a footprint."""

    __tablename__ = "pact_footprint_share"

    footprint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pact_footprint.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
