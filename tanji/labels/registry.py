"""The public registry of certificates: search and status, open to everyone.

Only what a certificate discloses is public — the figures on the label (value, unit,
boundary, rule), who holds it and who certified it, its dates and its status history.
The inventory behind it (models, suppliers, study ids) never leaves the enterprise.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from tanji.accounts.models import Organisation
from tanji.core.errors import InvalidInput, NotFound
from tanji.core.i18n import N_, _, gettext
from tanji.labels.models import (
    ApplicationEvent,
    ApplicationStatus,
    Certificate,
    CertificateStatus,
)

ZONE = ZoneInfo("Asia/Shanghai")  # certificates are dated in Beijing time
MAX_LIMIT = 200

# ApplicationEvent actions the public may see, as the CERT workflow records them.
PUBLIC_ACTIONS = ("issue", "suspend", "reinstate", "withdraw", "expire")
REASONED_ACTIONS = ("suspend", "withdraw")  # their reasons are part of the public record


def beijing_today() -> dt.date:
    """The date in Beijing, when a certificate's validity is judged."""
    return dt.datetime.now(ZONE).date()


# A certificate's status as the registry, the label, the badge and the scan page name it.
CERTIFICATE_STATUS_NAMES = {
    CertificateStatus.VALID: N_("valid"),
    CertificateStatus.SUSPENDED: N_("suspended"),
    CertificateStatus.WITHDRAWN: N_("withdrawn"),
    CertificateStatus.EXPIRED: N_("expired"),
}


def status_name(status: str | None) -> str:
    """A certificate status in the current language ("—" when there is none)."""
    if not status:
        return "—"
    known = CERTIFICATE_STATUS_NAMES.get(status)
    return gettext(known) if known else status


def effective_status(certificate: Certificate, today: dt.date | None = None) -> str:
    """valid, suspended, withdrawn or expired (a valid certificate past expires_on).

    A withdrawal stands for ever; past its expiry date a suspended certificate is
    expired too (it can no longer be reinstated into validity).
    """
    day = today or beijing_today()
    if certificate.status == CertificateStatus.WITHDRAWN:
        return CertificateStatus.WITHDRAWN
    if certificate.status == CertificateStatus.EXPIRED or certificate.expires_on < day:
        return CertificateStatus.EXPIRED
    return certificate.status


def status_condition(status: str, day: dt.date) -> ColumnElement[bool]:
    """The SQL form of ``effective_status(c) == status`` (for searches and counts)."""
    stored = Certificate.status
    live = and_(stored != CertificateStatus.EXPIRED, Certificate.expires_on >= day)
    if status == CertificateStatus.WITHDRAWN:
        return stored == CertificateStatus.WITHDRAWN
    if status == CertificateStatus.EXPIRED:
        return and_(
            stored != CertificateStatus.WITHDRAWN,
            or_(stored == CertificateStatus.EXPIRED, Certificate.expires_on < day),
        )
    if status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        return and_(stored == status, live)
    raise InvalidInput(
        _("No certificate status '{status}': use valid, suspended, withdrawn or expired.").format(
            status=status
        ),
        loc=("status",),
    )


def find_certificate(session: Session, *, number: str) -> Certificate:
    """The certificate with this number, else NotFound (public: no actor needed)."""
    found = session.scalar(select(Certificate).where(Certificate.number == number.strip()))
    if found is None:
        raise NotFound(
            _("No certificate numbered '{number}' is in the registry.").format(number=number),
            loc=("number",),
        )
    return found


# --- what the public sees ---------------------------------------------------------------


@dataclass(frozen=True)
class CertificateSummary:
    """One row of a registry search: the certificate's public facts."""

    number: str
    product_name_zh: str
    product_name_en: str
    company_zh: str
    company_en: str
    city: str
    category: str  # product rule id
    value: float  # kg CO2e per declared unit (声明单位), as certified
    unit: str
    boundary: str
    rule_id: str
    rule_version: str
    grade: str | None
    label_kind: str
    certifier_zh: str
    certifier_en: str
    issued_on: dt.date
    expires_on: dt.date
    status: str  # effective: valid, suspended, withdrawn, expired


@dataclass(frozen=True)
class PublicEvent:
    """A step of a certificate's public history: issued, suspended, reinstated …"""

    action: str  # issue, suspend, reinstate, withdraw, expire
    on: dt.date
    reason: str  # given for suspensions and withdrawals, else ""


@dataclass(frozen=True)
class CertificatePublic(CertificateSummary):
    """The certificate page: the disclosed figures, verification and status history."""

    status_reason: str  # why it is suspended or withdrawn; "" when valid or expired
    verified_on: dt.date | None  # the third-party footprint verification (产品碳足迹核查)
    last_surveillance_on: dt.date | None
    history: tuple[PublicEvent, ...]

    @property
    def valid(self) -> bool:
        return self.status == CertificateStatus.VALID


def _summary_fields(
    certificate: Certificate, company: Organisation, body: Organisation, day: dt.date
) -> dict:
    return {
        "number": certificate.number,
        "product_name_zh": certificate.product_name_zh,
        "product_name_en": certificate.product_name_en,
        "company_zh": company.name_zh,
        "company_en": company.name_en,
        "city": company.city,
        "category": certificate.category,
        "value": certificate.value,
        "unit": certificate.unit,
        "boundary": certificate.boundary,
        "rule_id": certificate.rule_id,
        "rule_version": certificate.rule_version,
        "grade": certificate.grade,
        "label_kind": certificate.label_kind,
        "certifier_zh": body.name_zh,
        "certifier_en": body.name_en,
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
        "status": effective_status(certificate, day),
    }


def _with_parties() -> tuple[Select, Any, Any]:
    company = aliased(Organisation, name="company")
    body = aliased(Organisation, name="body")
    statement = (
        select(Certificate, company, body)
        .join(company, company.id == Certificate.organisation_id)
        .join(body, body.id == Certificate.certifier_id)
    )
    return statement, company, body


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; the user's % and _ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _party(organisation: Any, value: str) -> ColumnElement[bool]:
    """An organisation named by its slug or by part of its name."""
    return or_(
        organisation.slug == value,
        _contains(organisation.name_zh, value),
        _contains(organisation.name_en, value),
    )


def search_certificates(
    session: Session,
    *,
    text: str = "",
    category: str | None = None,
    grade: str | None = None,
    status: str | None = None,
    company: str | None = None,
    city: str | None = None,
    certifier: str | None = None,
    limit: int = 20,
    offset: int = 0,
    today: dt.date | None = None,
) -> tuple[list[CertificateSummary], int]:
    """Certificates matching every filter given, newest first, and how many match.

    ``text`` matches the number, the product names and the company names; ``company``
    and ``certifier`` take a slug or part of a name; ``status`` is the effective status.
    """
    day = today or beijing_today()
    statement, holder, body = _with_parties()
    words = text.strip()
    if words:
        statement = statement.where(
            or_(
                _contains(Certificate.number, words),
                _contains(Certificate.product_name_zh, words),
                _contains(Certificate.product_name_en, words),
                _contains(holder.name_zh, words),
                _contains(holder.name_en, words),
            )
        )
    if category:
        statement = statement.where(Certificate.category == category)
    if grade:
        statement = statement.where(Certificate.grade == grade)
    if status:
        statement = statement.where(status_condition(status, day))
    if company and company.strip():
        statement = statement.where(_party(holder, company.strip()))
    if city and city.strip():
        statement = statement.where(holder.city == city.strip())
    if certifier and certifier.strip():
        statement = statement.where(_party(body, certifier.strip()))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(Certificate.issued_on.desc(), Certificate.number)
        .limit(max(1, min(limit, MAX_LIMIT)))
        .offset(max(0, offset))
    ).all()
    items = [
        CertificateSummary(**_summary_fields(cert, company_row, body_row, day))
        for cert, company_row, body_row in rows
    ]
    return items, total


def public_history(
    session: Session, *, certificate: Certificate, today: dt.date | None = None
) -> tuple[PublicEvent, ...]:
    """The status history the public may see, oldest first.

    Read from the events of the certificate's application; an expiry nobody recorded
    yet is added on its date, so the history always explains the current status.
    """
    day = today or beijing_today()
    events = session.scalars(
        select(ApplicationEvent)
        .where(
            ApplicationEvent.application_id == certificate.application_id,
            ApplicationEvent.action.in_(PUBLIC_ACTIONS),
        )
        .order_by(ApplicationEvent.created_at, ApplicationEvent.id)
    ).all()
    history = [
        PublicEvent(
            action=event.action,
            on=_local_date(event.created_at),
            reason=event.reason if event.action in REASONED_ACTIONS else "",
        )
        for event in events
    ]
    if not any(event.action == "issue" for event in history):
        history.insert(0, PublicEvent("issue", certificate.issued_on, ""))
    status = effective_status(certificate, day)
    if status == CertificateStatus.EXPIRED and not any(e.action == "expire" for e in history):
        history.append(PublicEvent("expire", certificate.expires_on, ""))
    return tuple(history)


def _local_date(moment: dt.datetime) -> dt.date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZONE).date()


def _verified_on(session: Session, application_id: uuid.UUID) -> dt.date | None:
    moment = session.scalar(
        select(func.max(ApplicationEvent.created_at)).where(
            ApplicationEvent.application_id == application_id,
            ApplicationEvent.to_status == ApplicationStatus.VERIFIED,
        )
    )
    return _local_date(moment) if moment is not None else None


def public_view(
    session: Session, *, number: str, today: dt.date | None = None
) -> CertificatePublic:
    """What anyone may see of the certificate with this number (NotFound if none)."""
    day = today or beijing_today()
    certificate = find_certificate(session, number=number)
    company = session.get(Organisation, certificate.organisation_id)
    body = session.get(Organisation, certificate.certifier_id)
    if company is None or body is None:  # foreign keys forbid it; say so if it happens
        raise NotFound(_("The certificate's holder or certification body is missing."))
    fields = _summary_fields(certificate, company, body, day)
    shows_reason = fields["status"] in (CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN)
    return CertificatePublic(
        **fields,
        status_reason=certificate.status_reason if shows_reason else "",
        verified_on=_verified_on(session, certificate.application_id),
        last_surveillance_on=certificate.last_surveillance_on,
        history=public_history(session, certificate=certificate, today=day),
    )


@dataclass(frozen=True)
class Facets:
    """The values the registry's search form offers."""

    grades: tuple[str, ...]
    cities: tuple[str, ...]
    certifiers: tuple[tuple[str, str, str], ...]  # (slug, name_zh, name_en)


def facets(session: Session) -> Facets:
    """Grades, holders' cities and certification bodies that occur in the registry."""
    grades = session.scalars(
        select(Certificate.grade)
        .where(Certificate.grade.is_not(None), Certificate.grade != "")
        .distinct()
        .order_by(Certificate.grade)
    ).all()
    cities = session.scalars(
        select(Organisation.city)
        .where(
            Organisation.id.in_(select(Certificate.organisation_id)),
            Organisation.city != "",
        )
        .distinct()
        .order_by(Organisation.city)
    ).all()
    bodies = session.execute(
        select(Organisation.slug, Organisation.name_zh, Organisation.name_en)
        .where(Organisation.id.in_(select(Certificate.certifier_id)))
        .order_by(Organisation.slug)
    ).all()
    return Facets(
        grades=tuple(g for g in grades if g),
        cities=tuple(cities),
        certifiers=tuple((row.slug, row.name_zh, row.name_en) for row in bodies),
    )
