"""What an actor may see of products, studies and calculations: one query per kind.

This is the one place where "an enterprise's models and results are private to it" is
enforced. Every list and every get in :mod:`tanji.footprints.studies` starts from these
statements, so a row outside them does not exist for the caller (NotFound, never
Forbidden: existence does not leak).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from tanji.accounts.models import OrganisationKind
from tanji.accounts.policy import Actor
from tanji.exchange.pact.models import PublishedFootprint
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.labels.queries import studies_under_certification


def readable(
    organisation_id: InstrumentedAttribute,
    actor: Actor,
    *,
    study_id: InstrumentedAttribute | None = None,
    product_id: InstrumentedAttribute | None = None,
) -> ColumnElement[bool]:
    """The condition under which rows owned by an organisation are visible to ``actor``.

    The actor's own organisation, and — for rows of a study (``study_id`` given) or a
    product (``product_id``) — a certification body with an open or decided application
    for that study, so its verifier can read the study, its product, versions and
    calculations (never edit them: the body holds no ``study:edit``); and a certification
    body an enterprise named as the verifier of one of the study's published footprints
    (the "full study for its verifier" disclosure level). Further grants are OR-ed in here
    and nowhere else, so every query below follows them at once.
    """
    own = organisation_id == actor.organisation_id
    if actor.organisation_kind != OrganisationKind.CERTIFIER:
        return own
    under = studies_under_certification(actor.organisation_id).union(
        studies_disclosed_to_verifier(actor.organisation_id)
    )
    if study_id is not None:
        return or_(own, study_id.in_(under))
    if product_id is not None:
        return or_(own, product_id.in_(select(Study.product_id).where(Study.id.in_(under))))
    return own


def studies_disclosed_to_verifier(organisation_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Studies with a published, not withdrawn footprint naming the body as its verifier."""
    return select(PublishedFootprint.study_id).where(
        PublishedFootprint.verifier_id == organisation_id,
        PublishedFootprint.withdrawn_at.is_(None),
    )


def visible_products(actor: Actor) -> Select[tuple[Product]]:
    return select(Product).where(readable(Product.organisation_id, actor, product_id=Product.id))


def visible_studies(actor: Actor) -> Select[tuple[Study]]:
    return select(Study).where(readable(Study.organisation_id, actor, study_id=Study.id))


def visible_versions(actor: Actor) -> Select[tuple[StudyVersion]]:
    """Versions of the studies the actor can see."""
    return (
        select(StudyVersion)
        .join(Study, Study.id == StudyVersion.study_id)
        .where(readable(Study.organisation_id, actor, study_id=Study.id))
    )


def visible_calculations(actor: Actor) -> Select[tuple[Calculation]]:
    """Calculations of the studies the actor can see."""
    return (
        select(Calculation)
        .join(Study, Study.id == Calculation.study_id)
        .where(readable(Study.organisation_id, actor, study_id=Study.id))
    )
