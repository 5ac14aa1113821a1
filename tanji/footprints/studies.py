"""Products and product studies on the platform: create, edit, version, calculate, diff.

INTERFACE STUB — being implemented. Signatures are the contract for the web pages,
the API and the reports; keep them (add keyword arguments with defaults if needed).

Every function takes the session first, then keyword-only arguments, checks the
actor's right with ``tanji.accounts.policy.ensure`` and visibility through
``tanji.footprints.queries``; none commits (the face does).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor
from tanji.footprints.models import Calculation, Product, Study, StudyVersion


@dataclass(frozen=True)
class Template:
    """A product rule's study template: the model skeleton a new study starts from."""

    rule_id: str
    rule_version: str
    name_zh: str
    name_en: str
    model: str  # tanji-model/1 YAML with the rule's required processes and inputs


@dataclass(frozen=True)
class InputChange:
    key: str  # "process-id/input-id"
    kind: str  # "added", "removed", "changed"
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: tuple[str, ...] = ()  # which fields changed (amount, unit, factor, …)


@dataclass(frozen=True)
class VersionDiff:
    """The difference between two versions of a study, in inputs and in result."""

    study_id: uuid.UUID
    old: int
    new: int
    processes_added: tuple[str, ...]
    processes_removed: tuple[str, ...]
    inputs: tuple[InputChange, ...]
    old_total: float | None  # kg CO2e per declared unit, latest calculation of that version
    new_total: float | None
    by_stage: tuple[tuple[str, float | None, float | None], ...] = field(default=())


def list_templates() -> list[Template]:
    """One template per product rule (general rule included)."""
    raise NotImplementedError


def get_template(rule_id: str) -> Template:
    raise NotImplementedError


def list_products(session: Session, *, actor: Actor) -> list[Product]:
    raise NotImplementedError


def create_product(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name_zh: str,
    name_en: str = "",
    category: str,
    description: str = "",
) -> Product:
    raise NotImplementedError


def list_studies(
    session: Session, *, actor: Actor, product_id: uuid.UUID | None = None
) -> list[Study]:
    raise NotImplementedError


def get_study(session: Session, *, actor: Actor, study_id: uuid.UUID) -> Study:
    """The study if visible to the actor, else NotFound."""
    raise NotImplementedError


def create_study_from_template(
    session: Session, *, actor: Actor, product_id: uuid.UUID, rule_id: str, title: str = ""
) -> Study:
    """A new study whose version 1 is the rule's template, filled with the product's names."""
    raise NotImplementedError


def create_study_from_upload(
    session: Session,
    *,
    actor: Actor,
    product_id: uuid.UUID,
    filename: str,
    content: bytes,
    title: str = "",
) -> Study:
    """A new study from an uploaded YAML, JSON or XLSX model (validated, InvalidInput with loc)."""
    raise NotImplementedError


def save_version(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    model: dict[str, Any] | str,
    origin: str = "form",
    note: str = "",
) -> StudyVersion:
    """Validate and store a new version (model as a dict or YAML/JSON text)."""
    raise NotImplementedError


def upload_version(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    filename: str,
    content: bytes,
    note: str = "",
) -> StudyVersion:
    raise NotImplementedError


def list_versions(session: Session, *, actor: Actor, study_id: uuid.UUID) -> list[StudyVersion]:
    raise NotImplementedError


def get_version(
    session: Session, *, actor: Actor, study_id: uuid.UUID, number: int | None = None
) -> StudyVersion:
    """The numbered version, or the latest."""
    raise NotImplementedError


def model_of(version: StudyVersion) -> dict[str, Any]:
    """The version's model as a plain dict (the tanji-model/1 structure)."""
    raise NotImplementedError


def diff_versions(
    session: Session, *, actor: Actor, study_id: uuid.UUID, old: int, new: int
) -> VersionDiff:
    raise NotImplementedError


def calculate(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    number: int | None = None,
    release: str | None = None,
    iterations: int = 1000,
    seed: int = 42,
) -> Calculation:
    """Calculate a version against a factor release (latest if None), check its rule, store it."""
    raise NotImplementedError


def list_calculations(session: Session, *, actor: Actor, study_id: uuid.UUID) -> list[Calculation]:
    raise NotImplementedError


def get_calculation(session: Session, *, actor: Actor, calculation_id: uuid.UUID) -> Calculation:
    raise NotImplementedError


def result_of(calculation: Calculation) -> dict[str, Any]:
    """The stored result as a dict: Result.to_dict() plus "rule_check" (the rule report dict,
    same shape as `tanji calc --json`: rule, rule_version, standard, submittable, findings, grade)."""
    raise NotImplementedError


def xlsx_template(rule_id: str) -> bytes:
    """An XLSX workbook to fill in offline (product, processes, inputs, emissions sheets)."""
    raise NotImplementedError
