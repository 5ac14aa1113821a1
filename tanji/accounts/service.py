"""Accounts operations: organisations, users, password login, sessions and API tokens.

Passwords and client secrets are hashed with argon2 (argon2-cffi's defaults, RFC 9106's
second recommended profile); login is throttled per username and per address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from functools import cache

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
from tanji.accounts.policy import Actor, Right, Role, ensure, roles_for
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TanjiError
from tanji.core.i18n import _
from tanji.db.base import as_utc, utcnow

SESSION_LIFETIME = dt.timedelta(hours=12)
TOKEN_LIFETIME = dt.timedelta(hours=1)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200  # the login form accepts no more, so no longer password could log in
LANGUAGES = ("zh_CN", "en")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username or client is unknown, so a miss costs as much
    time as a wrong password and response times do not reveal which accounts exist."""
    return _hasher.hash(secrets.token_urlsafe(16))


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


def _utc(moment: dt.datetime) -> dt.datetime:
    """A time to store or compare: SQLite keeps the wall-clock digits and drops the zone,
    so every time must be in UTC before it reaches the database."""
    return as_utc(moment).astimezone(dt.UTC)


def _printable(value: str) -> str:
    """``value`` safe to query and store: PostgreSQL text cannot hold NUL characters, so
    they become U+FFFD (which matches no stored name) instead of a database error."""
    return value.replace("\x00", "\ufffd")


def _check_length(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = value.strip()
    if "\x00" in value:
        raise InvalidInput(_("This field contains a NUL character."), loc=(field,))
    if required and not value:
        raise InvalidInput(_("This field is required."), loc=(field,))
    if len(value) > limit:
        raise InvalidInput(
            _("At most {n} characters are allowed here ({length} given).").format(
                n=limit, length=len(value)
            ),
            loc=(field,),
        )
    return value


_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
# 统一社会信用代码 (GB 32100-2015): 18 characters from 31 symbols, the last a check character.
_CREDIT_SYMBOLS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return _("A unified social credit code has 18 characters ({n} given).").format(n=len(code))
    wrong = [c for c in code if c not in _CREDIT_SYMBOLS]
    if wrong:
        return _(
            "A unified social credit code uses digits and capital letters except I, O, S, V "
            "and Z; '{c}' is not allowed."
        ).format(c=wrong[0])
    total = sum(_CREDIT_SYMBOLS.index(c) * w for c, w in zip(code, _CREDIT_WEIGHTS, strict=False))
    expected = _CREDIT_SYMBOLS[(31 - total % 31) % 31]
    if code[17] != expected:
        return _(
            "The check character of this unified social credit code is wrong "
            "(expected '{expected}'); check the code for a typing error."
        ).format(expected=expected)
    return None


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
    slug = slug.strip()
    if not _SLUG.fullmatch(slug):
        raise InvalidInput(
            _(
                "The short name '{slug}' must be 1 to 80 lower-case letters, digits or "
                "hyphens, starting and ending with a letter or digit."
            ).format(slug=slug),
            loc=("slug",),
        )
    name_zh = _check_length(name_zh, field="name_zh", limit=200, required=True)
    name_en = _check_length(name_en, field="name_en", limit=200)
    city = _check_length(city, field="city", limit=40)
    credit_code = credit_code.strip().upper()
    if credit_code and (problem := credit_code_problem(credit_code)):
        raise InvalidInput(problem, loc=("credit_code",))
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
    if customer.id == supplier.id:
        raise InvalidInput(_("An enterprise cannot be its own supplier."), loc=("supplier",))
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


def customers_of(session: Session, organisation: Organisation) -> list[Organisation]:
    """The enterprises that name ``organisation`` as their supplier."""
    return list(
        session.scalars(
            select(Organisation)
            .join(SupplierLink, SupplierLink.customer_id == Organisation.id)
            .where(SupplierLink.supplier_id == organisation.id)
            .order_by(Organisation.slug)
        )
    )


def supply_chain(
    session: Session, *, actor: Actor
) -> tuple[list[Organisation], list[Organisation]]:
    """The actor's organisation's suppliers and customers on the platform."""
    ensure(actor, Right.ORG_MANAGE)
    organisation = organisation_of(session, actor)
    return suppliers_of(session, organisation), customers_of(session, organisation)


def _check_password(password: str, loc: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH),
            loc=(loc,),
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password may have at most {n} characters.").format(n=MAX_PASSWORD_LENGTH),
            loc=(loc,),
        )


def _check_role(kind: str, role: str) -> None:
    if role not in roles_for(kind):
        raise InvalidInput(
            _("An organisation of kind '{kind}' has no role '{role}'; use one of: {roles}.").format(
                kind=kind, role=role, roles=", ".join(roles_for(kind))
            ),
            loc=("role",),
        )


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            _("Unknown language '{language}'; use one of: {languages}.").format(
                language=language, languages=", ".join(LANGUAGES)
            ),
            loc=("language",),
        )
    return language


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
    username = _check_length(username, field="username", limit=120)
    display_name = _check_length(display_name, field="display_name", limit=120)
    _check_language(language)
    _check_role(organisation.kind, role)
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


def _member(session: Session, *, actor: Actor, user_id: uuid.UUID) -> User:
    """A person of the actor's own organisation; another organisation's people do not exist."""
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.organisation_id:
        raise NotFound(_("No such member in your organisation."))
    return user


def set_member_active(session: Session, *, actor: Actor, user_id: uuid.UUID, active: bool) -> User:
    """Deactivate (or reactivate) a person of the administrator's organisation.

    A deactivated person cannot log in and their open sessions end at once; their name
    stays in the audit trail. Administrators cannot lock themselves out.
    """
    ensure(actor, Right.ORG_MANAGE)
    user = _member(session, actor=actor, user_id=user_id)
    if not active and user.id == actor.user_id:
        raise InvalidInput(
            _("You cannot deactivate your own account; ask another administrator."),
            loc=("user_id",),
        )
    user.active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def user_of(session: Session, *, actor: Actor) -> User:
    """The person acting; API clients have no personal profile."""
    if actor.user_id is None:
        raise Forbidden(_("Only a person who logged in has a profile; API clients have none."))
    return session.get_one(User, actor.user_id)


def change_own_password(session: Session, *, actor: Actor, current: str, new: str) -> str:
    """The acting person changes their password; every session of theirs ends.

    Returns the token of a fresh session for the browser that asked, so the person stays
    logged in there while every other device is logged out.
    """
    user = user_of(session, actor=actor)
    change_password(session, user=user, current=current, new=new)
    token, _row = open_session(session, user=user)
    return token


def set_own_language(session: Session, *, actor: Actor, language: str) -> User:
    """The acting person's preferred interface language (zh_CN or en)."""
    user = user_of(session, actor=actor)
    user.language = _check_language(language)
    session.flush()
    return user


def list_organisations(session: Session, *, actor: Actor) -> list[Organisation]:
    """Every organisation on the platform, by kind then short name (platform operators)."""
    ensure(actor, Right.PLATFORM_ADMIN)
    return list(
        session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.slug))
    )


def member_counts(session: Session, *, actor: Actor) -> dict[uuid.UUID, int]:
    """How many active people each organisation has (platform operators)."""
    ensure(actor, Right.PLATFORM_ADMIN)
    rows = session.execute(
        select(User.organisation_id, func.count())
        .where(User.active.is_(True))
        .group_by(User.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows}


def create_organisation_with_admin(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    slug: str,
    name_zh: str,
    name_en: str = "",
    city: str = "",
    credit_code: str = "",
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "",
) -> tuple[Organisation, User]:
    """A platform operator registers an organisation together with its first administrator."""
    ensure(actor, Right.PLATFORM_ADMIN)
    organisation = create_organisation(
        session,
        slug=slug,
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        city=city,
        credit_code=credit_code,
    )
    try:
        admin = create_user(
            session,
            organisation=organisation,
            username=admin_username,
            password=admin_password,
            role=Role.ADMIN,
            display_name=admin_display_name,
        )
    except InvalidInput as error:
        # the form names the administrator's fields admin_*
        raise InvalidInput(
            error.message, loc=tuple(f"admin_{part}" for part in error.loc)
        ) from None
    return organisation, admin


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
    now = _utc(now or utcnow())
    username = _printable(username.strip().lower())[:120]  # the length of the stored column
    address = _printable(address)[:64]
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
    password_ok = verify_secret(user.password_hash if user else _dummy_hash(), password)
    ok = (
        user is not None
        and password_ok
        and user.active
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
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if not session.get_one(Organisation, user.organisation_id).active:
        return None
    return row, user


def close_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    if not verify_secret(user.password_hash, current):
        raise InvalidInput(_("The current password is wrong."), loc=("current",))
    _check_password(new, loc="new")
    user.password_hash = hash_secret(new)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


# --- API clients (OAuth2 client credentials) -----------------------------------------


def create_api_client(
    session: Session, *, actor: Actor, name: str, role: str | None = None
) -> tuple[ApiClient, str]:
    """Register an API client for the actor's organisation; the secret is shown once."""
    ensure(actor, Right.ORG_MANAGE)
    role = role or actor.role
    _check_role(actor.organisation_kind, role)
    name = _check_length(name, field="name", limit=120)
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
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == _printable(client_id)))
    secret_ok = verify_secret(client.secret_hash if client else _dummy_hash(), secret)
    if (
        client is None
        or not secret_ok
        or not client.active
        or not session.get_one(Organisation, client.organisation_id).active
    ):
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
    if row is None or as_utc(row.expires_at) <= utcnow():
        raise AuthenticationFailed(_("The access token is unknown or has expired."))
    client = session.get_one(ApiClient, row.client_id)
    organisation = session.get_one(Organisation, client.organisation_id)
    if not client.active or not organisation.active:
        # a disabled client's tokens are void, as if never issued (RFC 6750 invalid_token)
        raise AuthenticationFailed(_("This API client is disabled; ask for a new one."))
    return Actor(
        organisation_id=organisation.id,
        organisation_kind=organisation.kind,
        role=client.role,
        name=f"client:{client.client_id}",
        client_id=client.id,
    )


def list_api_clients(session: Session, *, actor: Actor) -> list[ApiClient]:
    """The API clients of the administrator's organisation, active ones first."""
    ensure(actor, Right.ORG_MANAGE)
    return list(
        session.scalars(
            select(ApiClient)
            .where(ApiClient.organisation_id == actor.organisation_id)
            .order_by(ApiClient.active.desc(), ApiClient.name, ApiClient.client_id)
        )
    )


def disable_api_client(session: Session, *, actor: Actor, client_id: str) -> ApiClient:
    """Disable a client of the administrator's organisation; its tokens stop working now."""
    ensure(actor, Right.ORG_MANAGE)
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == _printable(client_id)))
    if client is None or client.organisation_id != actor.organisation_id:
        raise NotFound(
            _("No API client '{client_id}' in your organisation.").format(client_id=client_id)
        )
    client.active = False
    session.execute(delete(AccessToken).where(AccessToken.client_id == client.id))
    session.flush()
    return client


def organisation_of(session: Session, actor: Actor) -> Organisation:
    return session.get_one(Organisation, actor.organisation_id)
