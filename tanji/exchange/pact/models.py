"""Persistence of supply-chain exchange: published footprints and their disclosure, the
supplier footprints an organisation has received, data requests between enterprises,
partner systems reached over PACT, the outbox of calls to them, and update flags.

A published footprint is immutable: its spec v3 document is stored as published. A newer
publication of the same study and product supersedes it (the old one becomes Deprecated,
the new one names it in ``precedingPfIds``); deprecated footprints stay retrievable by id.
Who may read it is its disclosure level (``visibility``) and its shares; every change of
either, withdrawal included, is a :class:`DisclosureEvent`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanji.db.base import Base, Timestamps, UUIDPk, utcnow


class FootprintStatus:
    ACTIVE = "Active"
    DEPRECATED = "Deprecated"
    ALL = (ACTIVE, DEPRECATED)


class Visibility:
    """Disclosure levels (披露级别), from the narrowest to the widest audience."""

    PRIVATE = "private"  # the owner only (a prepared or withdrawn footprint)
    PARTNERS = "partners"  # + the organisations it is shared with: the PACT document
    PUBLIC = "public"  # + everyone: the public summary, and the PACT document to any client
    ALL = (PRIVATE, PARTNERS, PUBLIC)


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
    # a certification body that may read the full study behind it (披露给核查机构)
    verifier_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")


class FootprintShare(Base):
    """A partner organisation allowed to read a footprint (while it is not private)."""

    __tablename__ = "pact_footprint_share"

    footprint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pact_footprint.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )


class DisclosureAction:
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer footprint replaced this one
    LEVEL = "level"  # the disclosure level changed
    SHARED = "shared"  # partners added
    UNSHARED = "unshared"  # partners removed
    VERIFIER = "verifier"  # the verifier allowed to read the full study changed
    WITHDRAWN = "withdrawn"
    ANSWERED = "answered"  # shared in answer to a data request
    ALL = (PUBLISHED, SUPERSEDED, LEVEL, SHARED, UNSHARED, VERIFIER, WITHDRAWN, ANSWERED)


class DisclosureEvent(Base):
    """One change of a footprint's disclosure, kept for the owner and, when ``public``, shown
    on the product's public disclosure page and in the feed."""

    __tablename__ = "pact_disclosure_event"
    __table_args__ = (Index("ix_pact_disclosure_event_public_at", "public", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    footprint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pact_footprint.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[str] = mapped_column(Text, default="")  # e.g. the level before
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReceivedOrigin:
    PLATFORM = "platform"  # shared on this platform by another organisation
    UPLOAD = "upload"  # a PACT file the organisation uploaded
    REQUEST = "request"  # the answer to one of its data requests
    PARTNER = "partner"  # fetched from a partner's PACT system
    ALL = (PLATFORM, UPLOAD, REQUEST, PARTNER)


class ReceivedFootprint(UUIDPk, Timestamps, Base):
    """A supplier's PACT footprint in an organisation's library (供应商碳足迹), usable in its
    models as ``factor: pact:<footprint id>``; the document is kept exactly as received."""

    __tablename__ = "pact_received"
    __table_args__ = (UniqueConstraint("organisation_id", "footprint_id"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    footprint_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)  # the PACT id
    document: Mapped[str] = mapped_column(Text)
    spec_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # as received; Deprecated once superseded
    company_name: Mapped[str] = mapped_column(String(300))
    product_name: Mapped[str] = mapped_column(String(300))
    product_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of URNs
    preceding_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of UUIDs
    declared_unit: Mapped[str] = mapped_column(String(40))  # the PACT unit, e.g. kilogram
    declared_amount: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)  # kg CO2e per declared unit, uptake included
    origin: Mapped[str] = mapped_column(String(20))
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("pact_request.id", ondelete="SET NULL")
    )
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_by: Mapped[str] = mapped_column(String(120))


class PartnerConnection(UUIDPk, Timestamps, Base):
    """How the platform reaches an organisation whose PACT system runs elsewhere.

    The platform calls ``base_url`` (ListFootprints, GetFootprint, Events) with the client
    credentials that organisation issued to the platform; the organisation calls the
    platform with an API client of its own, so its events are recognised as coming from it.
    """

    __tablename__ = "pact_connection"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), unique=True
    )
    base_url: Mapped[str] = mapped_column(String(300))
    token_url: Mapped[str] = mapped_column(String(300), default="")  # empty: discover it
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(String(300))
    spec_version: Mapped[str] = mapped_column(String(4), default="3")  # "3" or "2"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")


class RequestStatus:
    OPEN = "open"  # waiting for the supplier
    FULFILLED = "fulfilled"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # by the requester
    ALL = (OPEN, FULFILLED, DECLINED, CANCELLED)
    CLOSED = (FULFILLED, DECLINED, CANCELLED)


class RequestChannel:
    PLATFORM = "platform"  # both parties on this platform
    PACT = "pact"  # one party is a partner system: PACT events carry the request
    ALL = (PLATFORM, PACT)


class DataRequest(UUIDPk, Timestamps, Base):
    """A customer asks a supplier for the footprint of a named product (供应商数据请求)."""

    __tablename__ = "pact_request"

    requester_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(300))
    criteria: Mapped[str] = mapped_column(Text, default="{}")  # PACT v3 filter criteria, JSON
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.OPEN)
    channel: Mapped[str] = mapped_column(String(20), default=RequestChannel.PLATFORM)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # the CloudEvent id carrying the request (ours when sent, the partner's when received)
    event_id: Mapped[str] = mapped_column(String(200), default="", index=True)
    event_source: Mapped[str] = mapped_column(String(300), default="")  # who to answer
    spec_version: Mapped[str] = mapped_column(String(4), default="3")
    answer_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of PACT ids
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DataRequestEvent(Base):
    """One step in a data request's history, seen by both parties."""

    __tablename__ = "pact_request_event"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pact_request.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobKind:
    EVENT = "event"  # POST a CloudEvent to a partner's events endpoint
    FETCH = "fetch"  # GET footprints a partner announced, into the libraries that want them
    ALL = (EVENT, FETCH)


class JobState:
    PENDING = "pending"
    DONE = "done"
    ABANDONED = "abandoned"  # retried with back-off for 72 hours, then given up
    ALL = (PENDING, DONE, ABANDONED)


class OutboxJob(UUIDPk, Timestamps, Base):
    """A call to a partner system, retried with exponential back-off until it succeeds or
    72 hours have passed (PACT's advice for events)."""

    __tablename__ = "pact_job"
    __table_args__ = (Index("ix_pact_job_state_next", "state", "next_attempt_at"),)

    kind: Mapped[str] = mapped_column(String(10))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pact_connection.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[str] = mapped_column(Text)  # JSON: the event, or what to fetch
    url: Mapped[str] = mapped_column(String(500), default="")  # where an event goes
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("pact_request.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=JobState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class InboundEvent(Base):
    """A CloudEvent a partner sent to ``/3/events`` or ``/2/events``: the audit trail, and
    the key (source, id) that makes a repeated delivery harmless."""

    __tablename__ = "pact_inbound_event"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SupplierUpdate(UUIDPk, Timestamps, Base):
    """A study whose model uses a supplier footprint that a newer one has replaced."""

    __tablename__ = "pact_supplier_update"
    __table_args__ = (UniqueConstraint("study_id", "old_footprint_id", "new_footprint_id"),)

    study_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("study.id", ondelete="CASCADE"), index=True
    )
    old_footprint_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    new_footprint_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str] = mapped_column(String(20), default="")  # applied, dismissed
    resolved_by: Mapped[str] = mapped_column(String(120), default="")
    new_version: Mapped[int | None] = mapped_column(Integer)
