"""Supplier updates: a study uses a supplier footprint that a newer one has replaced.

The owner sees the flag on the study and either applies it — a new version of the model
with the footprint id replaced, calculated at once so the change in the total shows — or
dismisses it (the study keeps the old figure, and says so in the flag's record).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import Conflict, NotFound
from tanji.core.i18n import _
from tanji.db.base import utcnow
from tanji.exchange.pact.library import PACT_PREFIX
from tanji.exchange.pact.models import ReceivedFootprint, SupplierUpdate
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Study, StudyVersion


@dataclass(frozen=True)
class Applied:
    flag: SupplierUpdate
    version: StudyVersion
    calculation: Calculation
    previous_total: float | None  # the latest calculation of the version before, if any


def open_flags(session: Session, *, actor: Actor, study_id: uuid.UUID) -> list[SupplierUpdate]:
    """The unresolved supplier updates of a study the actor may read."""
    studies.get_study(session, actor=actor, study_id=study_id)
    return list(
        session.scalars(
            select(SupplierUpdate)
            .where(SupplierUpdate.study_id == study_id, SupplierUpdate.resolved_at.is_(None))
            .order_by(SupplierUpdate.created_at)
        )
    )


def open_flags_of_organisation(session: Session, *, actor: Actor) -> list[SupplierUpdate]:
    ensure(actor, Right.STUDY_READ)
    return list(
        session.scalars(
            select(SupplierUpdate)
            .join(Study, Study.id == SupplierUpdate.study_id)
            .where(Study.organisation_id == actor.organisation_id)
            .where(SupplierUpdate.resolved_at.is_(None))
            .order_by(SupplierUpdate.created_at)
        )
    )


def _flag(
    session: Session, actor: Actor, flag_id: uuid.UUID, study_id: uuid.UUID | None
) -> tuple[SupplierUpdate, Study]:
    flag = session.get(SupplierUpdate, flag_id)
    if flag is None or (study_id is not None and flag.study_id != study_id):
        raise NotFound(_("No supplier update {id}.").format(id=flag_id), loc=("flag_id",))
    try:
        study = studies.get_study(session, actor=actor, study_id=flag.study_id)
    except NotFound:
        raise NotFound(_("No supplier update {id}.").format(id=flag_id), loc=("flag_id",)) from None
    if study.organisation_id != actor.organisation_id:
        raise NotFound(_("No supplier update {id}.").format(id=flag_id), loc=("flag_id",))
    if flag.resolved_at is not None:
        raise Conflict(_("This supplier update was already dealt with."), loc=("flag_id",))
    return flag, study


def _product_name(session: Session, study: Study, footprint_id: uuid.UUID) -> str:
    row = session.scalar(
        select(ReceivedFootprint).where(
            ReceivedFootprint.organisation_id == study.organisation_id,
            ReceivedFootprint.footprint_id == footprint_id,
        )
    )
    return row.product_name if row else str(footprint_id)


def apply(
    session: Session, *, actor: Actor, flag_id: uuid.UUID, study_id: uuid.UUID | None = None
) -> Applied:
    """Replace the old footprint by the new one in a new version, and calculate it."""
    flag, study = _flag(session, actor, flag_id, study_id)
    ensure(actor, Right.STUDY_EDIT)
    ensure(actor, Right.STUDY_CALCULATE)
    latest = studies.get_version(session, actor=actor, study_id=study.id, number=None)
    previous = session.scalar(
        select(Calculation)
        .where(Calculation.version_id == latest.id)
        .order_by(Calculation.created_at.desc())
        .limit(1)
    )
    old, new = f"{PACT_PREFIX}{flag.old_footprint_id}", f"{PACT_PREFIX}{flag.new_footprint_id}"
    model = latest.model.replace(old, new).replace(old.upper(), new)
    version = studies.save_version(
        session,
        actor=actor,
        study_id=study.id,
        model=model,
        origin="yaml",
        note=_("Supplier footprint {old} replaced by its update {new} ({product}).").format(
            old=flag.old_footprint_id,
            new=flag.new_footprint_id,
            product=_product_name(session, study, flag.new_footprint_id),
        ),
    )
    calculation = studies.calculate(
        session,
        actor=actor,
        study_id=study.id,
        number=version.number,
        iterations=previous.iterations if previous else 1000,
        seed=previous.seed if previous else 42,
    )
    flag.resolved_at = utcnow()
    flag.resolution = "applied"
    flag.resolved_by = actor.label
    flag.new_version = version.number
    # The same replacement settles the study's other flags for the old footprint.
    for other in session.scalars(
        select(SupplierUpdate).where(
            SupplierUpdate.study_id == study.id,
            SupplierUpdate.old_footprint_id == flag.old_footprint_id,
            SupplierUpdate.resolved_at.is_(None),
            SupplierUpdate.id != flag.id,
        )
    ):
        other.resolved_at, other.resolution, other.resolved_by = utcnow(), "dismissed", actor.label
    session.flush()
    return Applied(flag, version, calculation, previous.total if previous else None)


def dismiss(
    session: Session, *, actor: Actor, flag_id: uuid.UUID, study_id: uuid.UUID | None = None
) -> SupplierUpdate:
    flag, _study = _flag(session, actor, flag_id, study_id)
    ensure(actor, Right.STUDY_EDIT)
    flag.resolved_at = utcnow()
    flag.resolution = "dismissed"
    flag.resolved_by = actor.label
    session.flush()
    return flag
