"""Persistence of organisations, users, browser sessions, login attempts and API clients.

Secrets are never stored: passwords and client secrets as argon2 hashes, session and
bearer tokens as SHA-256 digests (a leaked table cannot be replayed).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tanji.db.base import Base, Timestamps, UUIDPk


class OrganisationKind:
    ENTERPRISE = "enterprise"
    CERTIFIER = "certifier"
    REGULATOR = "regulator"
    BANK = "bank"
    PLATFORM = "platform"
    ALL = (ENTERPRISE, CERTIFIER, REGULATOR, BANK, PLATFORM)


class Organisation(UUIDPk, Timestamps, Base):
    """An enterprise, certification body, regulator, bank or the platform operator."""

    __tablename__ = "organisation"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")  # 统一社会信用代码
    city: Mapped[str] = mapped_column(String(40), default="")  # for supervision by city
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SupplierLink(Timestamps, Base):
    """An enterprise names another as its supplier (supply-chain data requests)."""

    __tablename__ = "supplier_link"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    supplier_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )


class User(UUIDPk, Timestamps, Base):
    """A person who logs in; one organisation and one role inside it."""

    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Timestamps, Base):
    """A server-side login session; the browser holds only a random token."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One password attempt, kept for throttling and for the audit trail."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class ApiClient(UUIDPk, Timestamps, Base):
    """An OAuth2 client (client credentials grant) acting for one organisation."""

    __tablename__ = "api_client"

    client_id: Mapped[str] = mapped_column(String(80), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AccessToken(Timestamps, Base):
    """A bearer token issued to an API client; only its digest is stored."""

    __tablename__ = "access_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("api_client.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
