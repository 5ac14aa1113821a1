"""Disclosure levels (披露级别) of published footprints, their history, and the public view.

An owner chooses per footprint who may read it: ``private`` (itself only), ``partners``
(the organisations it is shared with get the PACT document: totals, separated figures,
data quality), ``public`` (everyone gets the public summary — value, unit, boundary, rule,
grade, verification status — and any API client the PACT document); and, at any level, a
certification body that may read the full study behind it. The bill of materials and the
supplier identities are in no view unless the owner discloses the full study.

Every change is a :class:`~tanji.exchange.pact.models.DisclosureEvent`; those of public
footprints are public, withdrawal included, so that a withdrawn disclosure leaves a trace.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import Conflict, InvalidInput, NotFound
from tanji.core.i18n import _
from tanji.db.base import as_utc, utcnow
from tanji.exchange.pact.models import (
    DisclosureAction,
    DisclosureEvent,
    FootprintShare,
    FootprintStatus,
    PublishedFootprint,
    Visibility,
)
from tanji.exchange.pact.service import partners_named, record, verifier_named
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.labels.models import Certificate
from tanji.labels.registry import effective_status

MAX_REASON = 2000
FEED_SIZE = 100


def _own(session: Session, actor: Actor, footprint_id: uuid.UUID) -> PublishedFootprint:
    found = session.get(PublishedFootprint, footprint_id)
    if found is None or found.organisation_id != actor.organisation_id:
        raise NotFound(_("No disclosure {id}.").format(id=footprint_id), loc=("disclosure_id",))
    return found


def _reason(reason: str, *, required: bool) -> str:
    text = reason.strip()
    if required and not text:
        raise InvalidInput(_("Give a reason."), loc=("reason",))
    if len(text) > MAX_REASON:
        raise InvalidInput(
            _("The reason is longer than {n} characters.").format(n=MAX_REASON), loc=("reason",)
        )
    return text


def list_own(session: Session, *, actor: Actor) -> list[PublishedFootprint]:
    """The actor's organisation's published footprints, newest first."""
    ensure(actor, Right.STUDY_READ)
    return list(
        session.scalars(
            select(PublishedFootprint)
            .where(PublishedFootprint.organisation_id == actor.organisation_id)
            .order_by(PublishedFootprint.created_at.desc(), PublishedFootprint.id)
        )
    )


def get_own(session: Session, *, actor: Actor, footprint_id: uuid.UUID) -> PublishedFootprint:
    found = _own(session, actor, footprint_id)
    ensure(actor, Right.STUDY_READ)
    return found


def partners_of(session: Session, footprint: PublishedFootprint) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .join(FootprintShare, FootprintShare.organisation_id == Organisation.id)
            .where(FootprintShare.footprint_id == footprint.id)
            .order_by(Organisation.slug)
        )
    )


def history(session: Session, footprint: PublishedFootprint) -> list[DisclosureEvent]:
    return list(
        session.scalars(
            select(DisclosureEvent)
            .where(DisclosureEvent.footprint_id == footprint.id)
            .order_by(DisclosureEvent.at, DisclosureEvent.id)
        )
    )


def change(
    session: Session,
    *,
    actor: Actor,
    footprint_id: uuid.UUID,
    visibility: str | None = None,
    partner_slugs: Sequence[str] | None = None,
    verifier_slug: str | None = None,
    reason: str = "",
) -> PublishedFootprint:
    """Set a footprint's level, its partners (the full list) and its verifier ("" for
    none); what is None stays as it is. Each change is recorded."""
    footprint = _own(session, actor, footprint_id)
    ensure(actor, Right.DISCLOSE)
    reason = _reason(reason, required=False)
    if footprint.withdrawn_at is not None and visibility not in (None, Visibility.PRIVATE):
        raise Conflict(
            _("This disclosure was withdrawn; publish the calculation again to disclose it."),
            loc=("visibility",),
        )
    if visibility is not None and visibility not in Visibility.ALL:
        raise InvalidInput(
            _("Visibility must be one of: {choices}.").format(choices=", ".join(Visibility.ALL)),
            loc=("visibility",),
        )
    if partner_slugs is not None:
        wanted = {
            p.id: p for p in partners_named(session, partner_slugs, footprint.organisation_id)
        }
        current = {p.id: p for p in partners_of(session, footprint)}
        added = [wanted[i] for i in wanted if i not in current]
        removed = [current[i] for i in current if i not in wanted]
        for partner in added:
            session.add(FootprintShare(footprint_id=footprint.id, organisation_id=partner.id))
        for partner in removed:
            share = session.get_one(FootprintShare, (footprint.id, partner.id))
            session.delete(share)
        if added:
            record(
                session, footprint, action=DisclosureAction.SHARED, actor=actor,
                after=", ".join(p.slug for p in added), reason=reason, public=False,
            )  # fmt: skip
        if removed:
            record(
                session, footprint, action=DisclosureAction.UNSHARED, actor=actor,
                after=", ".join(p.slug for p in removed), reason=reason, public=False,
            )  # fmt: skip
    if verifier_slug is not None:
        verifier = verifier_named(session, verifier_slug)
        new_id = verifier.id if verifier else None
        if new_id != footprint.verifier_id:
            old = (
                session.get(Organisation, footprint.verifier_id) if footprint.verifier_id else None
            )
            footprint.verifier_id = new_id
            record(
                session, footprint, action=DisclosureAction.VERIFIER, actor=actor,
                before=old.slug if old else "", after=verifier.slug if verifier else "",
                reason=reason, public=False,
            )  # fmt: skip
    if visibility is not None and visibility != footprint.visibility:
        before = footprint.visibility
        footprint.visibility = visibility
        record(
            session, footprint, action=DisclosureAction.LEVEL, actor=actor,
            before=before, after=visibility, reason=reason,
        )  # fmt: skip
    session.flush()
    return footprint


def withdraw(
    session: Session, *, actor: Actor, footprint_id: uuid.UUID, reason: str
) -> PublishedFootprint:
    """Take a disclosure back: nobody but the owner reads it any more, the verifier's
    access ends, and the withdrawal — with its reason — stays on the public record when
    the footprint was public."""
    footprint = _own(session, actor, footprint_id)
    ensure(actor, Right.DISCLOSE)
    reason = _reason(reason, required=True)
    if footprint.withdrawn_at is not None:
        raise Conflict(_("This disclosure is already withdrawn."), loc=("disclosure_id",))
    before = footprint.visibility
    footprint.visibility = Visibility.PRIVATE
    footprint.withdrawn_at = utcnow()
    footprint.withdrawn_reason = reason
    record(
        session, footprint, action=DisclosureAction.WITHDRAWN, actor=actor,
        before=before, after=Visibility.PRIVATE, reason=reason,
    )  # fmt: skip
    session.flush()
    return footprint


# --- the public view ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicSummary:
    """What a public disclosure shows: nothing of the model behind it."""

    footprint_id: uuid.UUID
    organisation_slug: str
    organisation_zh: str
    organisation_en: str
    product_code: str
    product_zh: str
    product_en: str
    value: float  # kg CO2e per declared unit
    declared_unit: str  # "1 t"
    boundary: str
    rule_id: str
    rule_version: str
    grade: str | None
    status: str  # PACT status: Active or Deprecated
    reference_start: str
    reference_end: str
    geography: str
    published_at: dt.datetime
    certificate_number: str | None
    certificate_status: str | None  # live: valid, suspended, withdrawn, expired
    withdrawn_at: dt.datetime | None
    withdrawn_reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.footprint_id),
            "company": {
                "slug": self.organisation_slug,
                "name": {"zh": self.organisation_zh, "en": self.organisation_en},
            },
            "product": {
                "code": self.product_code,
                "name": {"zh": self.product_zh, "en": self.product_en},
            },
            "pcf": {"value": self.value, "unit": "kg CO2e", "declaredUnit": self.declared_unit},
            "boundary": self.boundary,
            "rule": {"id": self.rule_id, "version": self.rule_version},
            "grade": self.grade,
            "status": self.status,
            "referencePeriod": {"start": self.reference_start, "end": self.reference_end},
            "geography": self.geography,
            "published": self.published_at.isoformat(),
            "verification": (
                {"certificate": self.certificate_number, "status": self.certificate_status}
                if self.certificate_number
                else None
            ),
            "withdrawn": (
                {"at": self.withdrawn_at.isoformat(), "reason": self.withdrawn_reason}
                if self.withdrawn_at
                else None
            ),
        }


def _boundary(version: StudyVersion) -> str:
    product = studies.model_of(version).get("product") or {}
    return str(product.get("boundary") or "cradle-to-gate")


def summary_of(session: Session, footprint: PublishedFootprint) -> PublicSummary:
    """The public summary of a footprint, read from its calculation and certificate now
    (so a certificate suspended since shows as suspended)."""
    calculation = session.get_one(Calculation, footprint.calculation_id)
    study = session.get_one(Study, footprint.study_id)
    product = session.get_one(Product, study.product_id)
    organisation = session.get_one(Organisation, footprint.organisation_id)
    version = session.get_one(StudyVersion, calculation.version_id)
    doc = json.loads(footprint.document)
    pcf = doc.get("pcf", {})
    certificate = session.scalar(
        select(Certificate)
        .where(Certificate.calculation_id == calculation.id)
        .order_by(Certificate.issued_on.desc())
        .limit(1)
    )
    return PublicSummary(
        footprint_id=footprint.id,
        organisation_slug=organisation.slug,
        organisation_zh=organisation.name_zh,
        organisation_en=organisation.name_en,
        product_code=product.code,
        product_zh=product.name_zh,
        product_en=product.name_en,
        value=calculation.total,
        declared_unit=calculation.unit,
        boundary=_boundary(version),
        rule_id=calculation.rule_id,
        rule_version=calculation.rule_version,
        grade=calculation.grade,
        status=footprint.status,
        reference_start=str(pcf.get("referencePeriodStart", ""))[:10],
        reference_end=str(pcf.get("referencePeriodEnd", ""))[:10],
        geography=str(
            pcf.get("geographyCountrySubdivision")
            or pcf.get("geographyCountry")
            or pcf.get("geographyRegionOrSubregion")
            or ""
        ),
        published_at=as_utc(footprint.created_at),
        certificate_number=certificate.number if certificate else None,
        certificate_status=effective_status(certificate) if certificate else None,
        withdrawn_at=as_utc(footprint.withdrawn_at) if footprint.withdrawn_at else None,
        withdrawn_reason=footprint.withdrawn_reason,
    )


def _ever_public() -> Select[tuple[uuid.UUID]]:
    """Footprints that are or were public: a public event exists for them."""
    return select(DisclosureEvent.footprint_id).where(DisclosureEvent.public.is_(True))


def public_list(session: Session, *, text: str = "") -> list[PublicSummary]:
    """The public disclosures, the current one per product first (newest first)."""
    rows = session.scalars(
        select(PublishedFootprint)
        .where(PublishedFootprint.visibility == Visibility.PUBLIC)
        .where(PublishedFootprint.status == FootprintStatus.ACTIVE)
        .order_by(PublishedFootprint.created_at.desc())
    ).all()
    found = [summary_of(session, row) for row in rows]
    wanted = text.strip().casefold()
    if wanted:
        found = [
            s
            for s in found
            if any(
                wanted in v.casefold()
                for v in (s.product_zh, s.product_en, s.organisation_zh, s.organisation_en)
            )
        ]
    return found


@dataclass(frozen=True)
class ProductDisclosure:
    """A product's public page: its current public footprint (if any), the earlier ones,
    and the public history of all of them."""

    current: PublicSummary | None
    earlier: list[PublicSummary]
    events: list[DisclosureEvent]


def product_page(session: Session, *, org_slug: str, product_code: str) -> ProductDisclosure:
    """A product's public disclosures; NotFound when it has never been publicly disclosed
    (so a private product's existence does not show)."""
    organisation = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    product = (
        session.scalar(
            select(Product).where(
                Product.organisation_id == organisation.id, Product.code == product_code
            )
        )
        if organisation
        else None
    )
    footprints = (
        session.scalars(
            select(PublishedFootprint)
            .join(Study, Study.id == PublishedFootprint.study_id)
            .where(Study.product_id == product.id)
            .where(PublishedFootprint.id.in_(_ever_public()))
            .order_by(PublishedFootprint.created_at.desc())
        ).all()
        if product
        else []
    )
    if not footprints:
        raise NotFound(
            _("No public disclosure for product '{code}' of '{org}'.").format(
                code=product_code, org=org_slug
            ),
            loc=("product_code",),
        )
    summaries = [summary_of(session, row) for row in footprints]
    current = next(
        (
            s
            for s, row in zip(summaries, footprints, strict=True)
            if row.visibility == Visibility.PUBLIC and row.status == FootprintStatus.ACTIVE
        ),
        None,
    )
    events = session.scalars(
        select(DisclosureEvent)
        .where(DisclosureEvent.footprint_id.in_([row.id for row in footprints]))
        .where(DisclosureEvent.public.is_(True))
        .order_by(DisclosureEvent.at.desc(), DisclosureEvent.id.desc())
    ).all()
    return ProductDisclosure(
        current=current,
        earlier=[s for s in summaries if s is not current],
        events=list(events),
    )


def feed_items(
    session: Session, *, limit: int = FEED_SIZE
) -> list[tuple[DisclosureEvent, PublicSummary]]:
    """The newest public disclosure events with the summary they concern (a withdrawal is
    an item too: a feed reader learns that the figure no longer stands)."""
    events = session.scalars(
        select(DisclosureEvent)
        .where(DisclosureEvent.public.is_(True))
        .order_by(DisclosureEvent.at.desc(), DisclosureEvent.id.desc())
        .limit(limit)
    ).all()
    cache: dict[uuid.UUID, PublicSummary] = {}
    items = []
    for event in events:
        if event.footprint_id not in cache:
            cache[event.footprint_id] = summary_of(
                session, session.get_one(PublishedFootprint, event.footprint_id)
            )
        items.append((event, cache[event.footprint_id]))
    return items
