"""What an actor may see of products, studies and calculations: one query per kind.

This is the one place where "an enterprise's models and results are private to it" is
enforced. Every list and every get in :mod:`tanji.footprints.studies` starts from these
statements, so a row outside them does not exist for the caller (NotFound, never
Forbidden: existence does not leak).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute

from tanji.accounts.policy import Actor
from tanji.footprints.models import Calculation, Product, Study, StudyVersion


def readable(organisation_id: InstrumentedAttribute, actor: Actor) -> ColumnElement[bool]:
    """The condition under which rows owned by an organisation are visible to ``actor``.

    Today: the actor's own organisation only. Later grants are OR-ed in here and nowhere
    else — a study the enterprise discloses (a published footprint), or one a certifier's
    verifier is assigned to — so every query below follows them at once.
    """
    return organisation_id == actor.organisation_id


def visible_products(actor: Actor) -> Select[tuple[Product]]:
    return select(Product).where(readable(Product.organisation_id, actor))


def visible_studies(actor: Actor) -> Select[tuple[Study]]:
    return select(Study).where(readable(Study.organisation_id, actor))


def visible_versions(actor: Actor) -> Select[tuple[StudyVersion]]:
    """Versions of the studies the actor can see."""
    return (
        select(StudyVersion)
        .join(Study, Study.id == StudyVersion.study_id)
        .where(readable(Study.organisation_id, actor))
    )


def visible_calculations(actor: Actor) -> Select[tuple[Calculation]]:
    """Calculations of the studies the actor can see."""
    return (
        select(Calculation)
        .join(Study, Study.id == Calculation.study_id)
        .where(readable(Study.organisation_id, actor))
    )
