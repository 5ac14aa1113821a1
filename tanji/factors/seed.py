"""Load the shipped, cited factor table and freeze it as the first release.

Idempotent: rows already stored unchanged are skipped, and the release named in
``tanji/data/factors/RELEASE`` is created once.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.core.errors import Conflict
from tanji.core.i18n import _
from tanji.factors import service
from tanji.factors.fileio import read_rows
from tanji.factors.models import FactorRelease

SEED_ACTOR = "tanji-seed"


def seed_path() -> Path:
    return Path(str(files("tanji") / "data" / "factors" / "factors.csv"))


def seed_release_name() -> str:
    return (files("tanji") / "data" / "factors" / "RELEASE").read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class SeedReport:
    imported: service.ImportReport
    release: str
    release_created: bool


def seed_factors(
    session: Session, *, path: Path | None = None, release: str | None = None
) -> SeedReport:
    """Import the seed table as published factors and create its release if missing."""
    name = release or seed_release_name()
    report = service.import_factors(
        session, rows=read_rows(path or seed_path()), actor=SEED_ACTOR, publish=True
    )
    exists = session.scalars(select(FactorRelease.id).where(FactorRelease.name == name)).first()
    if exists and report.written:
        raise Conflict(
            _(
                "The seed table changed but release {name} exists already: raise the name in "
                "tanji/data/factors/RELEASE."
            ).format(name=name)
        )
    if not exists:
        service.create_release(
            session, name=name, actor=SEED_ACTOR, notes=_("Seed factors shipped with Tanji.")
        )
    return SeedReport(imported=report, release=name, release_created=not exists)
