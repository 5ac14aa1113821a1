"""Partner connections (the PACT systems the platform talks to), kept by the platform
operator, and a view of the outbox's calls to them.

A connection belongs to an organisation registered on the platform whose PACT system runs
elsewhere: the platform calls that system with the credentials it issued, and the
organisation calls the platform with an API client of its own. The secret is stored so
the worker can authenticate, and is never shown again after it is entered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation, OrganisationKind
from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import Conflict, InvalidInput, NotFound
from tanji.core.i18n import _
from tanji.exchange.pact.client import PartnerError, check_url
from tanji.exchange.pact.models import JobState, OutboxJob, PartnerConnection
from tanji.exchange.pact.outbox import retry_now

MAX_JOBS = 100


def _url(value: str, field: str, *, required: bool) -> str:
    text = value.strip().rstrip("/")
    if not text:
        if required:
            raise InvalidInput(_("This field is required."), loc=(field,))
        return ""
    try:
        check_url(text)
    except PartnerError as error:
        raise InvalidInput(error.message, loc=(field,)) from None
    if len(text) > 300:
        raise InvalidInput(_("At most {n} characters.").format(n=300), loc=(field,))
    return text


def create(
    session: Session,
    *,
    actor: Actor,
    organisation_slug: str,
    base_url: str,
    client_id: str,
    client_secret: str,
    token_url: str = "",
    spec_version: str = "3",
) -> PartnerConnection:
    """Register how to reach an enterprise's own PACT system."""
    ensure(actor, Right.PLATFORM_ADMIN)
    organisation = session.scalar(
        select(Organisation).where(Organisation.slug == organisation_slug.strip())
    )
    if organisation is None or organisation.kind != OrganisationKind.ENTERPRISE:
        raise InvalidInput(
            _("No enterprise '{slug}' on the platform.").format(slug=organisation_slug),
            loc=("organisation_slug",),
        )
    if session.scalar(
        select(PartnerConnection.id).where(PartnerConnection.organisation_id == organisation.id)
    ):
        raise Conflict(
            _("'{slug}' has a connection already.").format(slug=organisation.slug),
            loc=("organisation_slug",),
        )
    if spec_version not in ("3", "2"):
        raise InvalidInput(_("The PACT version is 3 or 2."), loc=("spec_version",))
    for value, field in ((client_id, "client_id"), (client_secret, "client_secret")):
        if not value.strip() or len(value) > 200:
            raise InvalidInput(_("Give 1 to 200 characters."), loc=(field,))
    connection = PartnerConnection(
        organisation_id=organisation.id,
        base_url=_url(base_url, "base_url", required=True),
        token_url=_url(token_url, "token_url", required=False),
        client_id=client_id.strip(),
        client_secret=client_secret,
        spec_version=spec_version,
        created_by=actor.label,
    )
    session.add(connection)
    session.flush()
    return connection


def set_active(
    session: Session, *, actor: Actor, connection_id: uuid.UUID, active: bool
) -> PartnerConnection:
    ensure(actor, Right.PLATFORM_ADMIN)
    connection = session.get(PartnerConnection, connection_id)
    if connection is None:
        raise NotFound(_("No connection {id}.").format(id=connection_id), loc=("connection_id",))
    connection.active = active
    session.flush()
    return connection


@dataclass(frozen=True)
class ConnectionRow:
    connection: PartnerConnection
    organisation: Organisation
    pending: int
    abandoned: int


def list_connections(session: Session, *, actor: Actor) -> list[ConnectionRow]:
    ensure(actor, Right.PLATFORM_ADMIN)
    rows = []
    for connection, organisation in session.execute(
        select(PartnerConnection, Organisation)
        .join(Organisation, Organisation.id == PartnerConnection.organisation_id)
        .order_by(Organisation.slug)
    ):
        jobs = session.scalars(
            select(OutboxJob.state).where(OutboxJob.connection_id == connection.id)
        ).all()
        rows.append(
            ConnectionRow(
                connection,
                organisation,
                sum(1 for s in jobs if s == JobState.PENDING),
                sum(1 for s in jobs if s == JobState.ABANDONED),
            )
        )
    return rows


def recent_jobs(session: Session, *, actor: Actor) -> list[OutboxJob]:
    """The newest calls to partner systems, open ones first."""
    ensure(actor, Right.PLATFORM_ADMIN)
    jobs = session.scalars(
        select(OutboxJob).order_by(OutboxJob.created_at.desc()).limit(MAX_JOBS)
    ).all()
    return sorted(jobs, key=lambda j: j.state == JobState.DONE)


def retry(session: Session, *, actor: Actor, job_id: uuid.UUID) -> OutboxJob:
    ensure(actor, Right.PLATFORM_ADMIN)
    if session.get(OutboxJob, job_id) is None:
        raise NotFound(_("No job {id}.").format(id=job_id), loc=("job_id",))
    return retry_now(session, job_id=job_id)
