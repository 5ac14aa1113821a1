"""The REST API's shapes for certification: applications, their steps and certificates.

Create and step schemas say what a client sends (attachments travel base64-encoded in
JSON, at most 10 MB each once decoded); Read schemas what it gets back, read from the
ORM objects with ``from_attributes``. Kept apart from the persistence models.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.labels.models import ApplicationEvent
from tanji.labels.service import MAX_ATTACHMENT_BYTES, Upload

LabelKind = Literal["footprint-value", "low-carbon", "carbon-neutral"]
MAX_BASE64 = (MAX_ATTACHMENT_BYTES // 3 + 1) * 4


class AttachmentUpload(BaseModel):
    """A document sent with a step: PDF, PNG, JPEG, XLSX, DOCX, CSV or TXT."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200, examples=["energy-bills-2024.pdf"])
    content_type: str = Field(max_length=100, examples=["application/pdf"])
    content_base64: str = Field(max_length=MAX_BASE64, description="The file, base64-encoded")


def uploads(items: list[AttachmentUpload], loc: str = "attachments") -> list[Upload]:
    """The decoded attachments, as the service takes them (InvalidInput if not base64)."""
    decoded = []
    for index, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                _("The attachment is not valid base64."), loc=(loc, index, "content_base64")
            ) from None
        decoded.append((item.filename, item.content_type, content))
    return decoded


class StepBody(BaseModel):
    """What every step may carry: a reason and attachments."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000)
    attachments: list[AttachmentUpload] = Field(default_factory=list, max_length=20)


class ReasonBody(StepBody):
    """A step that needs a reason (reject, withdraw, suspend, reinstate)."""

    reason: str = Field(min_length=1, max_length=2000)


class ApplicationCreate(StepBody):
    """Apply for certification of a calculated study whose rule check passed."""

    study_id: uuid.UUID
    calculation_id: uuid.UUID
    certifier: str = Field(
        min_length=1,
        max_length=80,
        description="The certification body's slug or id",
        examples=["demo-certifier"],
    )
    label_kind: LabelKind = "footprint-value"
    documents: list[AttachmentUpload] = Field(default_factory=list, max_length=20)


class PlanBody(StepBody):
    plan: str = Field(min_length=1, max_length=10000, description="The certification plan")
    verifier: str = Field(
        min_length=1, max_length=120, description="Username of the verifier assigned"
    )
    review_on: dt.date | None = Field(None, description="Planned document review")
    inspection_on: dt.date = Field(description="Planned on-site inspection")


class ReviewBody(StepBody):
    findings: list[str] = Field(default_factory=list, max_length=100)


class InspectionBody(StepBody):
    inspected_on: dt.date
    record: str = Field(min_length=1, max_length=10000, description="The inspection record")
    findings: list[str] = Field(default_factory=list, max_length=100)


class SampleCheck(BaseModel):
    """One input checked against its evidence."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(
        min_length=1, max_length=300, description="process/input", examples=["kiln/coal"]
    )
    verdict: Literal["ok", "discrepancy"]
    note: str = Field("", max_length=2000)


class VerifyBody(StepBody):
    samples: list[SampleCheck] = Field(default_factory=list, max_length=500)
    findings: list[str] = Field(default_factory=list, max_length=100)


class DecideBody(StepBody):
    decision: Literal["approve", "reject"]


class SurveilBody(StepBody):
    result: Literal["ok", "nonconformity"]
    surveyed_on: dt.date | None = Field(None, description="Today when not given")
    findings: list[str] = Field(default_factory=list, max_length=100)


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID = Field(description="The applicant")
    certifier_id: uuid.UUID
    study_id: uuid.UUID
    calculation_id: uuid.UUID
    label_kind: str
    status: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime | None


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID | None
    filename: str
    content_type: str
    size: int = Field(description="Bytes")
    sha256: str
    uploaded_by: str
    created_at: dt.datetime


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    action: str
    from_status: str
    to_status: str
    actor: str
    organisation_id: uuid.UUID
    reason: str
    details: dict[str, Any]
    created_at: dt.datetime

    @field_validator("details", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value or "{}")
            except json.JSONDecodeError:
                return {}
        return value

    @classmethod
    def of(cls, event: ApplicationEvent) -> EventRead:
        return cls.model_validate(event)


class RerunRead(BaseModel):
    stored_total: float
    rerun_total: float | None
    stored_hash: str
    rerun_hash: str
    release: str
    relative_difference: float | None
    match: bool
    error: str = ""


class CertificateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    application_id: uuid.UUID
    organisation_id: uuid.UUID
    certifier_id: uuid.UUID
    calculation_id: uuid.UUID
    product_code: str
    product_name_zh: str
    product_name_en: str
    category: str
    value: float = Field(description="kg CO2e per declared unit, as certified")
    unit: str
    boundary: str
    rule_id: str
    rule_version: str
    grade: str | None
    label_kind: str
    issued_on: dt.date
    expires_on: dt.date
    status: str = Field(description="As stored; an unmarked expiry shows in effective_status")
    effective_status: str = Field("", description="valid, suspended, withdrawn or expired")
    status_reason: str
    label_token_id: str
    last_surveillance_on: dt.date | None


class ApplicationDetailRead(ApplicationRead):
    """An application with its history, attachments (without content) and certificate."""

    events: list[EventRead]
    attachments: list[AttachmentRead]
    certificate: CertificateRead | None
    next_steps: list[str] = Field(description="The steps the caller may take now")
