"""Accounts operations: organisations, users, password login, sessions and API tokens.

Passwords and client secrets are hashed with argon2 (argon2-cffi's defaults, RFC 9106's
second recommended profile); login is throttled per username and per address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tanji.accounts.models import (
    AccessToken,
    ApiClient,
    LoginAttempt,
    Organisation,
    OrganisationKind,
    SupplierLink,
    User,
    WebSession,
)
from tanji.accounts.policy import Actor, Right, ensure, roles_for
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TanjiError
from tanji.core.i18n import _
from tanji.db.base import utcnow

SESSION_LIFETIME = dt.timedelta(hours=12)
TOKEN_LIFETIME = dt.timedelta(hours=1)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()


class TooManyAttempts(TanjiError):
    """Login refused for a while after repeated failures (HTTP 429)."""


class AuthenticationFailed(TanjiError):
    """Wrong username, password, client secret or token (HTTP 401)."""


def digest(token: str) -> str:
    """How a session or bearer token is stored: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --- organisations and users -------------------------------------------------------


def create_organisation(
    session: Session,
    *,
    slug: str,
    kind: str,
    name_zh: str,
    name_en: str = "",
    city: str = "",
    credit_code: str = "",
) -> Organisation:
    if kind not in OrganisationKind.ALL:
        raise InvalidInput(
            _("Unknown organisation kind '{kind}'; use one of: {kinds}.").format(
                kind=kind, kinds=", ".join(OrganisationKind.ALL)
            ),
            loc=("kind",),
        )
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise Conflict(_("An organisation '{slug}' exists already.").format(slug=slug))
    organisation = Organisation(
        slug=slug, kind=kind, name_zh=name_zh, name_en=name_en, city=city, credit_code=credit_code
    )
    session.add(organisation)
    session.flush()
    return organisation


def get_organisation(session: Session, *, slug: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if found is None:
        raise NotFound(_("No organisation '{slug}'.").format(slug=slug))
    return found


def link_supplier(session: Session, *, customer: Organisation, supplier: Organisation) -> None:
    """Record that ``supplier`` supplies ``customer`` (both enterprises)."""
    for org in (customer, supplier):
        if org.kind != OrganisationKind.ENTERPRISE:
            raise InvalidInput(_("Only enterprises have suppliers."), loc=("supplier",))
    if session.get(SupplierLink, (customer.id, supplier.id)) is None:
        session.add(SupplierLink(customer_id=customer.id, supplier_id=supplier.id))
        session.flush()


def suppliers_of(session: Session, organisation: Organisation) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .join(SupplierLink, SupplierLink.supplier_id == Organisation.id)
            .where(SupplierLink.customer_id == organisation.id)
            .order_by(Organisation.slug)
        )
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH),
            loc=("password",),
        )


def create_user(
    session: Session,
    *,
    organisation: Organisation,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    language: str = "zh_CN",
) -> User:
    username = username.strip().lower()
    if not username:
        raise InvalidInput(_("A username is required."), loc=("username",))
    if role not in roles_for(organisation.kind):
        raise InvalidInput(
            _("An organisation of kind '{kind}' has no role '{role}'; use one of: {roles}.").format(
                kind=organisation.kind,
                role=role,
                roles=", ".join(roles_for(organisation.kind)),
            ),
            loc=("role",),
        )
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(_("The username '{username}' is taken.").format(username=username))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_secret(password),
        organisation_id=organisation.id,
        role=role,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def add_member(
    session: Session,
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
) -> User:
    """An organisation's administrator adds a person to their own organisation."""
    ensure(actor, Right.ORG_MANAGE)
    organisation = session.get_one(Organisation, actor.organisation_id)
    return create_user(
        session,
        organisation=organisation,
        username=username,
        password=password,
        role=role,
        display_name=display_name,
    )


def members(session: Session, *, actor: Actor) -> list[User]:
    ensure(actor, Right.ORG_MANAGE)
    return list(
        session.scalars(
            select(User)
            .where(User.organisation_id == actor.organisation_id)
            .order_by(User.username)
        )
    )


def actor_for_user(session: Session, user: User) -> Actor:
    organisation = session.get_one(Organisation, user.organisation_id)
    return Actor(
        organisation_id=organisation.id,
        organisation_kind=organisation.kind,
        role=user.role,
        name=user.username,
        user_id=user.id,
    )


# --- password login and browser sessions --------------------------------------------


def _recent_failures(session: Session, column, value: str, now: dt.datetime) -> int:
    return session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.succeeded.is_(False))
        .where(LoginAttempt.at > now - THROTTLE_WINDOW)
    )


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    address: str = "",
    now: dt.datetime | None = None,
) -> User:
    """The user with these credentials; every attempt is recorded, failures throttle.

    After five failures for one username (or twenty from one address) within fifteen
    minutes, further attempts are refused before the password is even checked.
    """
    now = now or utcnow()
    username = username.strip().lower()
    if _recent_failures(session, LoginAttempt.username, username, now) >= MAX_FAILURES_PER_USER or (
        address
        and _recent_failures(session, LoginAttempt.address, address, now)
        >= MAX_FAILURES_PER_ADDRESS
    ):
        raise TooManyAttempts(
            _("Too many failed logins. Wait {minutes} minutes, then try again.").format(
                minutes=int(THROTTLE_WINDOW.total_seconds() // 60)
            )
        )
    user = session.scalar(select(User).where(User.username == username))
    ok = (
        user is not None
        and user.active
        and verify_secret(user.password_hash, password)
        and session.get_one(Organisation, user.organisation_id).active
    )
    session.add(LoginAttempt(username=username, address=address, at=now, succeeded=bool(ok)))
    session.flush()
    if not ok:
        raise AuthenticationFailed(_("Wrong username or password."))
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    user.last_login_at = now
    return user


def open_session(session: Session, *, user: User) -> tuple[str, WebSession]:
    """Start a browser session; returns the token for the cookie and the stored row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    return token, row


def session_user(session: Session, token: str) -> tuple[WebSession, User] | None:
    """The live session and its user for a cookie token, or None (expired or unknown)."""
    row = session.get(WebSession, digest(token))
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def close_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    if not verify_secret(user.password_hash, current):
        raise InvalidInput(_("The current password is wrong."), loc=("current",))
    _check_password(new)
    user.password_hash = hash_secret(new)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


# --- API clients (OAuth2 client credentials) -----------------------------------------


def create_api_client(
    session: Session, *, actor: Actor, name: str, role: str | None = None
) -> tuple[ApiClient, str]:
    """Register an API client for the actor's organisation; the secret is shown once."""
    ensure(actor, Right.ORG_MANAGE)
    role = role or actor.role
    if role not in roles_for(actor.organisation_kind):
        raise InvalidInput(_("Unknown role '{role}'.").format(role=role), loc=("role",))
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"tanji-{secrets.token_hex(8)}",
        secret_hash=hash_secret(secret),
        name=name or _("API client"),
        organisation_id=actor.organisation_id,
        role=role,
    )
    session.add(client)
    session.flush()
    return client, secret


def create_api_client_for(
    session: Session,
    *,
    organisation: Organisation,
    name: str,
    role: str,
    client_id: str,
    secret: str,
) -> ApiClient:
    """Register a client with a known id and secret (demo data and tests)."""
    client = ApiClient(
        client_id=client_id,
        secret_hash=hash_secret(secret),
        name=name,
        organisation_id=organisation.id,
        role=role,
    )
    session.add(client)
    session.flush()
    return client


def issue_token(session: Session, *, client_id: str, secret: str) -> tuple[str, int]:
    """A bearer token for valid client credentials, and its lifetime in seconds."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None or not client.active or not verify_secret(client.secret_hash, secret):
        raise AuthenticationFailed(_("Unknown client or wrong secret."))
    token = secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            token_hash=digest(token), client_id=client.id, expires_at=utcnow() + TOKEN_LIFETIME
        )
    )
    session.flush()
    return token, int(TOKEN_LIFETIME.total_seconds())


def actor_for_token(session: Session, token: str) -> Actor:
    """The acting API client for a bearer token."""
    row = session.scalar(select(AccessToken).where(AccessToken.token_hash == digest(token)))
    if row is None or _aware(row.expires_at) <= utcnow():
        raise AuthenticationFailed(_("The access token is unknown or has expired."))
    client = session.get_one(ApiClient, row.client_id)
    organisation = session.get_one(Organisation, client.organisation_id)
    if not client.active or not organisation.active:
        raise Forbidden(_("This API client is disabled."))
    return Actor(
        organisation_id=organisation.id,
        organisation_kind=organisation.kind,
        role=client.role,
        name=f"client:{client.client_id}",
        client_id=client.id,
    )


def organisation_of(session: Session, actor: Actor) -> Organisation:
    return session.get_one(Organisation, actor.organisation_id)
