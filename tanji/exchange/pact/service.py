"""Publishing PACT footprints and reading them as a PACT host (ListFootprints, GetFootprint).

Visibility: an actor sees the footprints of its own organisation, those shared with its
organisation, and public ones — nothing else. A footprint the actor may not see is
answered exactly like an unknown one (NotFound, HTTP 404), so that the existence of
another organisation's unshared footprint does not leak (PACT would allow 403 there).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation, OrganisationKind
from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import InvalidInput, Loc, NotFound
from tanji.core.i18n import _
from tanji.db.base import utcnow
from tanji.exchange.pact import library
from tanji.exchange.pact.mapping import PactSource, source_from_calculation, to_pact_v2, to_pact_v3
from tanji.exchange.pact.models import (
    DisclosureAction,
    DisclosureEvent,
    FootprintShare,
    FootprintStatus,
    PublishedFootprint,
    Visibility,
)
from tanji.exchange.pact.validation import check_v3, parse_datetime, parse_instant
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.labels.models import Certificate, CertificateStatus

FILTER_NAMES = (
    "productId",
    "companyId",
    "geography",
    "classification",
    "validOn",
    "validAfter",
    "validBefore",
    "status",
)


@dataclass(frozen=True)
class Filters:
    """PACT v3 ListFootprints criteria: OR within one name, AND across names."""

    values: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def matches(self, doc: Mapping[str, Any]) -> bool:
        return all(
            any(_matches(name, value, doc) for value in values)
            for name, values in self.values.items()
            if values
        )


# UN CPC 2.1 classes of the products the platform's rules cover, for productClassifications
# (and v2's mandatory productCategoryCpc); a rule missing here publishes no classification.
CPC_BY_RULE = {
    "cement": "3744",  # Portland cement, aluminous cement, slag cement and similar
    "electrolytic-aluminium": "4153",  # unwrought aluminium
}


def cpc_urn(code: str) -> str:
    return f"urn:pact:productclassification:un-cpc:{code}"


def company_urn(slug: str) -> str:
    return f"urn:pact:company:customcode:vendor-assigned:{slug}"


def product_urn(code: str) -> str:
    return f"urn:pact:tanji:product-id:{code}"


def _model(session: Session, calculation: Calculation) -> dict[str, Any]:
    return studies.model_of(session.get_one(StudyVersion, calculation.version_id))


def _source(
    session: Session,
    calculation: Calculation,
    *,
    organisation: Organisation,
    company_ids: Sequence[str],
    product_ids: Sequence[str],
    footprint_id: uuid.UUID,
    created: dt.datetime,
    status: str,
    preceding_ids: Iterable[str],
) -> PactSource:
    study = session.get_one(Study, calculation.study_id)
    product = session.get_one(Product, study.product_id)
    cpc = CPC_BY_RULE.get(calculation.rule_id)
    return source_from_calculation(
        studies.result_of(calculation),
        model=_model(session, calculation),
        company_name=organisation.name_en or organisation.name_zh,
        company_ids=company_ids,
        product_ids=product_ids,
        product_name=product.name_en or product.name_zh,
        product_description=product.description,
        classifications=[cpc_urn(cpc)] if cpc else (),
        rule_id=calculation.rule_id,
        rule_version=calculation.rule_version,
        created=created,
        footprint_id=footprint_id,
        preceding_ids=preceding_ids,
        status=status,
        verification=_verification(session, calculation),
    )


def _verification(session: Session, calculation: Calculation) -> dict[str, Any] | None:
    """The valid certificate of ``calculation``, if any, as PACT's verification."""
    certificate = session.scalar(
        select(Certificate)
        .where(
            Certificate.calculation_id == calculation.id,
            Certificate.status == CertificateStatus.VALID,
        )
        .order_by(Certificate.issued_on.desc())
        .limit(1)
    )
    if certificate is None:
        return None
    certifier = session.get_one(Organisation, certificate.certifier_id)
    return {
        "provider_name": certifier.name_en or certifier.name_zh,
        "issued_on": certificate.issued_on,
        "number": certificate.number,
        "standard_name": certificate.rule_id,
    }


def _organisation(session: Session, slug: str, loc: Loc) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if found is None:
        raise InvalidInput(_("No organisation '{slug}'.").format(slug=slug), loc=loc)
    return found


def verifier_named(session: Session, slug: str | None) -> Organisation | None:
    """The certification body ``slug`` names (None for none)."""
    if not slug:
        return None
    verifier = _organisation(session, slug, ("verifier_slug",))
    if verifier.kind != OrganisationKind.CERTIFIER:
        raise InvalidInput(
            _("'{slug}' is not a certification body.").format(slug=slug), loc=("verifier_slug",)
        )
    return verifier


def partners_named(
    session: Session, slugs: Sequence[str], owner_id: uuid.UUID
) -> list[Organisation]:
    partners = []
    for slug in dict.fromkeys(s.strip() for s in slugs if s.strip()):
        partner = _organisation(session, slug, ("partner_slugs",))
        if partner.id != owner_id:
            partners.append(partner)
    return partners


def record(
    session: Session,
    footprint: PublishedFootprint,
    *,
    action: str,
    actor: Actor | str,
    before: str = "",
    after: str = "",
    reason: str = "",
    public: bool | None = None,
) -> DisclosureEvent:
    """Add one step to a footprint's disclosure history. A step is public when the
    footprint is (or was, before the step) publicly disclosed: withdrawal shows publicly."""
    shown = footprint.visibility == Visibility.PUBLIC or before == Visibility.PUBLIC
    event = DisclosureEvent(
        footprint_id=footprint.id,
        organisation_id=footprint.organisation_id,
        action=action,
        before=before,
        after=after,
        reason=reason,
        public=shown if public is None else public,
        actor=actor if isinstance(actor, str) else actor.label,
        at=utcnow(),
    )
    session.add(event)
    return event


def publish(
    session: Session,
    *,
    actor: Actor,
    calculation_id: uuid.UUID,
    visibility: str | None = None,
    partner_slugs: Sequence[str] | None = None,
    verifier_slug: str | None = None,
    product_ids: Sequence[str] | None = None,
    company_ids: Sequence[str] | None = None,
) -> PublishedFootprint:
    """Publish one of the actor's calculations as a PACT footprint; supersedes the
    Active footprint of the same study and product, if any.

    What is left as None carries over from the footprint superseded (its level, partners
    and verifier), so that an update reaches the same audience; a first publication is
    shared with the partners named (``partners`` level), or private when none are.
    """
    ensure(actor, Right.DISCLOSE)
    calculation = studies.get_calculation(session, actor=actor, calculation_id=calculation_id)
    study = session.get_one(Study, calculation.study_id)
    if study.organisation_id != actor.organisation_id:
        raise NotFound(_("No calculation {id}.").format(id=calculation_id), loc=("calculation_id",))
    if visibility is not None and visibility not in Visibility.ALL:
        raise InvalidInput(
            _("Visibility must be one of: {choices}.").format(choices=", ".join(Visibility.ALL)),
            loc=("visibility",),
        )
    organisation = session.get_one(Organisation, actor.organisation_id)
    partners = partners_named(session, partner_slugs or (), organisation.id)
    verifier = verifier_named(session, verifier_slug)
    product = session.get_one(Product, study.product_id)
    product_ids = list(product_ids or [product_urn(product.code)])
    company_ids = list(company_ids or [company_urn(organisation.slug)])
    previous = session.scalars(
        select(PublishedFootprint)
        .where(
            PublishedFootprint.study_id == study.id,
            PublishedFootprint.product_id == product_ids[0],
            PublishedFootprint.status == FootprintStatus.ACTIVE,
        )
        .order_by(PublishedFootprint.created_at)
    ).all()
    latest = previous[-1] if previous else None
    if visibility is None:
        if latest is not None:
            visibility = latest.visibility
        else:
            visibility = Visibility.PARTNERS if partners else Visibility.PRIVATE
    if partner_slugs is None and latest is not None:
        partners = [
            session.get_one(Organisation, share.organisation_id)
            for share in session.scalars(
                select(FootprintShare).where(FootprintShare.footprint_id == latest.id)
            )
        ]
    if verifier_slug is None and latest is not None and latest.verifier_id is not None:
        verifier = session.get(Organisation, latest.verifier_id)
    footprint_id = uuid.uuid4()
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    preceding = [str(row.id) for row in previous]
    source = _source(
        session,
        calculation,
        organisation=organisation,
        company_ids=company_ids,
        product_ids=product_ids,
        footprint_id=footprint_id,
        created=created,
        status=FootprintStatus.ACTIVE,
        preceding_ids=preceding,
    )
    document = to_pact_v3(source)
    check_v3(document)
    footprint = PublishedFootprint(
        id=footprint_id,
        organisation_id=organisation.id,
        calculation_id=calculation.id,
        study_id=study.id,
        document=json.dumps(document, ensure_ascii=False),
        status=FootprintStatus.ACTIVE,
        preceding_ids=json.dumps(preceding),
        product_id=product_ids[0],
        visibility=visibility,
        verifier_id=verifier.id if verifier else None,
        created_at=created,
    )
    session.add(footprint)
    session.flush()
    for partner in partners:
        session.add(FootprintShare(footprint_id=footprint.id, organisation_id=partner.id))
    record(session, footprint, action=DisclosureAction.PUBLISHED, actor=actor, after=visibility)
    if partners:  # who the partners are is never part of the public record
        record(
            session,
            footprint,
            action=DisclosureAction.SHARED,
            actor=actor,
            after=", ".join(p.slug for p in partners),
            public=False,
        )
    for row in previous:
        row.status = FootprintStatus.DEPRECATED
        record(
            session,
            row,
            action=DisclosureAction.SUPERSEDED,
            actor=actor,
            after=str(footprint.id),
            public=row.visibility == Visibility.PUBLIC,
        )
        library.flag_studies(session, organisation_ids=None, old_id=row.id, new_id=footprint.id)
    session.flush()
    return footprint


def _visible(actor: Actor) -> Select[tuple[PublishedFootprint]]:
    """Where every list and get starts: own, shared with the actor's organisation (while
    not private), public."""
    return library.visible_to(actor.organisation_id)


document_of = library.published_document


def v2_document_of(session: Session, footprint: PublishedFootprint) -> dict[str, Any]:
    """The same footprint as a PACT v2.3.3 document (made again from its calculation)."""
    doc = json.loads(footprint.document)
    source = _source(
        session,
        session.get_one(Calculation, footprint.calculation_id),
        organisation=session.get_one(Organisation, footprint.organisation_id),
        company_ids=doc["companyIds"],
        product_ids=doc["productIds"],
        footprint_id=footprint.id,
        created=dt.datetime.fromisoformat(doc["created"].replace("Z", "+00:00")),
        status=footprint.status,
        preceding_ids=doc.get("precedingPfIds", ()),
    )
    return to_pact_v2(source)


def list_for(
    session: Session,
    *,
    actor: Actor,
    filters: Filters | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[PublishedFootprint], bool]:
    """The footprints visible to ``actor`` that match ``filters``, one page of them, and
    whether more remain after this page."""
    ensure(actor, Right.FACTOR_READ)
    rows = session.scalars(
        _visible(actor).order_by(PublishedFootprint.created_at, PublishedFootprint.id)
    ).all()
    if filters is not None:
        rows = [row for row in rows if filters.matches(document_of(row))]
    page = rows[offset : offset + limit]
    return list(page), offset + limit < len(rows)


def get_for(session: Session, *, actor: Actor, footprint_id: uuid.UUID) -> PublishedFootprint:
    """One footprint visible to ``actor``; NotFound for unknown and invisible ones alike."""
    found = session.scalars(_visible(actor).where(PublishedFootprint.id == footprint_id)).first()
    if found is None:
        raise NotFound(_("No footprint {id}.").format(id=footprint_id), loc=("id",))
    ensure(actor, Right.FACTOR_READ)
    return found


# --- filters ------------------------------------------------------------------------------


def _same(value: str, candidates: Iterable[object]) -> bool:
    wanted = value.strip().casefold()
    return any(isinstance(c, str) and c.casefold() == wanted for c in candidates)


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _validity(doc: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime] | None:
    start = parse_datetime(doc.get("validityPeriodStart"))
    end = parse_datetime(doc.get("validityPeriodEnd"))
    if start is not None and end is not None:
        return start, end
    reference_end = parse_datetime(doc.get("pcf", {}).get("referencePeriodEnd"))
    if reference_end is None:
        return None
    return reference_end, _add_years(reference_end, 3)


def _matches(name: str, value: str, doc: Mapping[str, Any]) -> bool:
    pcf = doc.get("pcf", {})
    if name == "productId":
        return _same(value, doc.get("productIds", ()))
    if name == "companyId":
        return _same(value, doc.get("companyIds", ()))
    if name == "classification":
        return _same(value, doc.get("productClassifications", ()))
    if name == "status":
        return _same(value, [doc.get("status")])
    if name == "geography":
        return _same(
            value,
            [
                pcf.get("geographyRegionOrSubregion"),
                pcf.get("geographyCountry"),
                pcf.get("geographyCountrySubdivision"),
            ],
        )
    moment = parse_instant(value.strip())
    period = _validity(doc)
    if moment is None or period is None:
        return False
    start, end = period
    if name == "validOn":
        return start <= moment <= end
    if name == "validAfter":
        return start > moment
    if name == "validBefore":
        return end < moment
    return False
