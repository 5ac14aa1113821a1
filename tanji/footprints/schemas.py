"""The REST API's shapes for products, studies, versions, calculations and templates.

Create schemas say what a client sends, Read schemas what it gets back (read from the
ORM objects with ``from_attributes``). Kept apart from the persistence models.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tanji.footprints import studies
from tanji.footprints.models import Calculation, StudyVersion


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=80, description="The enterprise's product code")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    category: str = Field(
        min_length=1, max_length=60, description="Product-rule id, e.g. cement", examples=["cement"]
    )
    description: str = Field("", max_length=5000)


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name_zh: str
    name_en: str
    category: str
    description: str
    created_at: dt.datetime


class StudyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    rule_id: str = Field(
        min_length=1,
        max_length=60,
        pattern=r"^[a-z0-9][a-z0-9\-]*$",
        description="The product rule whose template becomes version 1",
        examples=["cement"],
    )
    title: str = Field("", max_length=200)


class StudyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    product_id: uuid.UUID
    title: str
    rule_id: str
    rule_version: str | None = Field(description="None: the current version of the rule")
    status: str
    latest_version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: dict[str, Any] = Field(description="The tanji-model/1 model (docs/model-format.md)")
    note: str = Field("", max_length=studies.MAX_NOTE)


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    study_id: uuid.UUID
    number: int
    origin: str = Field(description="template, form, yaml, json or xlsx")
    note: str
    created_by: str
    created_at: dt.datetime
    model: dict[str, Any]

    @classmethod
    def of(cls, version: StudyVersion) -> VersionRead:
        return cls(
            id=version.id,
            study_id=version.study_id,
            number=version.number,
            origin=version.origin,
            note=version.note,
            created_by=version.created_by,
            created_at=version.created_at,
            model=studies.model_of(version),
        )


class CalculationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int | None = Field(
        None, ge=1, le=studies.MAX_SEED, description="Version to calculate (default: the latest)"
    )
    release: str | None = Field(
        None, max_length=40, description="Factor release (default: the latest)"
    )
    iterations: int = Field(1000, ge=0, le=studies.MAX_ITERATIONS, description="Monte Carlo runs")
    seed: int = Field(42, ge=0, le=studies.MAX_SEED)


class CalculationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    study_id: uuid.UUID
    version_id: uuid.UUID
    version_number: int
    release: str
    rule_id: str
    rule_version: str
    engine_version: str
    gwp_set: str
    input_hash: str
    iterations: int
    seed: int
    total: float = Field(description="kg CO2e per declared unit")
    unit: str = Field(description="The declared unit, e.g. '1 t'")
    grade: str | None
    submittable: bool
    created_by: str
    created_at: dt.datetime
    result: dict[str, Any] = Field(
        description="The result (as `tanji calc --json`), with the rule check in the "
        "request's language under 'rule_check'"
    )

    @classmethod
    def of(cls, calculation: Calculation) -> CalculationRead:
        fields = {name: getattr(calculation, name) for name in cls.model_fields if name != "result"}
        return cls(**fields, result=studies.result_of(calculation))


class InputChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="process-id/input-id (or process-id/gas for emissions)")
    kind: str = Field(description="added, removed or changed")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[str]


class StageChangeRead(BaseModel):
    stage: str
    old: float | None
    new: float | None


class VersionDiffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    study_id: uuid.UUID
    old: int
    new: int
    processes_added: list[str]
    processes_removed: list[str]
    inputs: list[InputChangeRead]
    emissions: list[InputChangeRead]
    old_total: float | None = Field(description="Latest calculation of the old version")
    new_total: float | None
    by_stage: list[StageChangeRead]

    @field_validator("by_stage", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        return [
            {"stage": item[0], "old": item[1], "new": item[2]}
            if isinstance(item, tuple | list)
            else item
            for item in value
        ]


class TemplateRead(BaseModel):
    rule_id: str
    rule_version: str
    name_zh: str
    name_en: str
    model: dict[str, Any]
    yaml: str = Field(description="The template as model-file text")

    @classmethod
    def of(cls, template: studies.Template) -> TemplateRead:
        return cls(
            rule_id=template.rule_id,
            rule_version=template.rule_version,
            name_zh=template.name_zh,
            name_en=template.name_en,
            model=studies.template_model(template.rule_id),
            yaml=template.model,
        )
