"""Persistence of certification applications, certificates, labels and signing keys.

An application moves through the CNCA general rules' steps (trial, 2025); every step
is an event with its actor, reason and attachments, so the history is complete. A
certificate is issued at the decision; its label tokens are signed with Ed25519 keys
whose public halves stay published after rotation, so old labels keep verifying.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanji.db.base import Base, Timestamps, UUIDPk


class ApplicationStatus:
    """The steps of certification (认证委托 → … → 评价与批准)."""

    APPLIED = "applied"  # 认证委托
    ACCEPTED = "accepted"  # 受理
    PLANNED = "planned"  # 认证策划
    DOCUMENTS_REVIEWED = "documents-reviewed"  # 文件评审
    INSPECTED = "inspected"  # 现场检查
    VERIFIED = "verified"  # 产品碳足迹核查
    CERTIFIED = "certified"  # 评价与批准: certificate issued
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the applicant withdrew the application
    ALL = (
        APPLIED,
        ACCEPTED,
        PLANNED,
        DOCUMENTS_REVIEWED,
        INSPECTED,
        VERIFIED,
        CERTIFIED,
        REJECTED,
        WITHDRAWN,
    )


class CertificateStatus:
    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # derived from expires_on; stored when noticed
    ALL = (VALID, SUSPENDED, WITHDRAWN, EXPIRED)


class Application(UUIDPk, Timestamps, Base):
    """An enterprise asks a certification body to certify one calculated study."""

    __tablename__ = "cert_application"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    certifier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    study_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("study.id", ondelete="RESTRICT"), index=True
    )
    calculation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("calculation.id", ondelete="RESTRICT")
    )
    label_kind: Mapped[str] = mapped_column(String(30), default="footprint-value")
    status: Mapped[str] = mapped_column(String(30), default=ApplicationStatus.APPLIED)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApplicationEvent(UUIDPk, Timestamps, Base):
    """One step of an application (or of its certificate): who, what, why."""

    __tablename__ = "cert_event"

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("cert_application.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))  # accept, plan, review, inspect, …
    from_status: Mapped[str] = mapped_column(String(30), default="")
    to_status: Mapped[str] = mapped_column(String(30), default="")
    actor: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: plan, findings, samples


class Attachment(UUIDPk, Timestamps, Base):
    """A document attached to an application or one of its steps (stored in the database)."""

    __tablename__ = "cert_attachment"

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("cert_application.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("cert_event.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(120))


class Certificate(UUIDPk, Timestamps, Base):
    """A product carbon footprint certificate (产品碳足迹证书) and its label's facts."""

    __tablename__ = "certificate"

    number: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("cert_application.id", ondelete="RESTRICT"), unique=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    certifier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    calculation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("calculation.id", ondelete="RESTRICT")
    )
    product_code: Mapped[str] = mapped_column(String(80))
    product_name_zh: Mapped[str] = mapped_column(String(200))
    product_name_en: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(60), index=True)  # product rule id
    value: Mapped[float] = mapped_column(Float)  # kg CO2e per declared unit, as certified
    unit: Mapped[str] = mapped_column(String(60))  # the declared unit, e.g. "1 t"
    boundary: Mapped[str] = mapped_column(String(30))
    rule_id: Mapped[str] = mapped_column(String(60))
    rule_version: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str | None] = mapped_column(String(40))
    label_kind: Mapped[str] = mapped_column(String(30), default="footprint-value")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=CertificateStatus.VALID, index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    label_token_id: Mapped[str] = mapped_column(String(40))  # jti of the current label token
    last_surveillance_on: Mapped[dt.date | None] = mapped_column(Date)


class SigningKey(Timestamps, Base):
    """An Ed25519 key pair for label tokens; retired keys stay published for verification."""

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32 bytes
    private_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # raw 32 bytes; None if external
    active: Mapped[bool] = mapped_column(default=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LabelCheck(UUIDPk, Timestamps, Base):
    """A verification of a label token, kept for supervision (misuse, replay, mismatch)."""

    __tablename__ = "label_check"

    certificate_number: Mapped[str] = mapped_column(String(40), default="", index=True)
    token_id: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[str] = mapped_column(String(30))  # valid, or the reason it was refused
    presented_for: Mapped[str] = mapped_column(String(200), default="")  # product claimed
    channel: Mapped[str] = mapped_column(String(20), default="web")  # web, api, badge
