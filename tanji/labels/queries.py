"""What an actor may see of certification: applications, their events and certificates.

An application is visible to the two organisations it concerns — the applicant and the
certification body it is addressed to — and to nobody else (NotFound, never Forbidden).
The public sees certificates only through :mod:`tanji.labels.registry`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select

from tanji.accounts.policy import Actor
from tanji.labels.models import Application, ApplicationStatus, Certificate


def visible_applications(actor: Actor) -> Select[tuple[Application]]:
    """Applications the actor's organisation made, or that are addressed to it."""
    return select(Application).where(
        or_(
            Application.organisation_id == actor.organisation_id,
            Application.certifier_id == actor.organisation_id,
        )
    )


def visible_certificates(actor: Actor) -> Select[tuple[Certificate]]:
    """Certificates the actor's organisation holds, or issued."""
    return select(Certificate).where(
        or_(
            Certificate.organisation_id == actor.organisation_id,
            Certificate.certifier_id == actor.organisation_id,
        )
    )


def studies_under_certification(certifier_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Ids of the studies a certification body may read: those of the applications
    addressed to it that are open or decided (a withdrawn application grants nothing)."""
    return select(Application.study_id).where(
        Application.certifier_id == certifier_id,
        Application.status != ApplicationStatus.WITHDRAWN,
    )
