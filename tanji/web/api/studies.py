"""REST API for products, studies, versions, calculations and study templates (/api/v1).

Thin: each route parses, declares its right, calls one service of
:mod:`tanji.footprints.studies`, commits and returns the Read schema.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from tanji.accounts.policy import Actor, Right
from tanji.footprints import studies
from tanji.footprints.schemas import (
    CalculationCreate,
    CalculationRead,
    ProductCreate,
    ProductRead,
    StudyCreate,
    StudyRead,
    TemplateRead,
    VersionCreate,
    VersionDiffRead,
    VersionRead,
)
from tanji.web.deps import CsrfChecked, SessionDep, require

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_NUMBER = 2**31 - 1


class Problem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorRead(BaseModel):
    """The error body of every API error: what, where (``loc``) and its kind."""

    detail: list[Problem]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "Not authenticated",
        403: "The role lacks the right, or the CSRF token is missing",
        404: "Not found, or not visible to the caller",
        409: "Conflict with the current state",
        422: "Invalid input; loc names the field, row or line",
    }
    return {code: {"model": ErrorRead, "description": described[code]} for code in codes}


READ_ERRORS = _errors(401, 403, 404, 422)
WRITE_ERRORS = _errors(401, 403, 404, 409, 422)

CanRead = Annotated[Actor, Depends(require(Right.STUDY_READ))]
CanEdit = Annotated[Actor, Depends(require(Right.STUDY_EDIT))]
CanCalculate = Annotated[Actor, Depends(require(Right.STUDY_CALCULATE))]
StudyId = Annotated[uuid.UUID, Path(description="The study's id")]
Number = Annotated[int, Path(ge=1, le=MAX_NUMBER, description="Version number, from 1")]

router = APIRouter(prefix="/api/v1", tags=["studies"])


@router.get("/products", response_model=list[ProductRead], responses=READ_ERRORS)
def list_products(session: SessionDep, actor: CanRead) -> Any:
    """List the products of the caller's organisation."""
    return studies.list_products(session, actor=actor)


@router.post(
    "/products",
    response_model=ProductRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def create_product(body: ProductCreate, session: SessionDep, actor: CanEdit) -> Any:
    """Create a product of the caller's organisation."""
    product = studies.create_product(session, actor=actor, **body.model_dump())
    session.commit()
    return product


@router.get("/studies", response_model=list[StudyRead], responses=READ_ERRORS)
def list_studies(
    session: SessionDep,
    actor: CanRead,
    product_id: Annotated[uuid.UUID | None, Query(description="Only this product's")] = None,
) -> Any:
    """List the studies of the caller's organisation, most recently changed first."""
    return studies.list_studies(session, actor=actor, product_id=product_id)


@router.post(
    "/studies",
    response_model=StudyRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def create_study(body: StudyCreate, session: SessionDep, actor: CanEdit) -> Any:
    """Start a study of a product from its rule's template (version 1)."""
    study = studies.create_study_from_template(
        session, actor=actor, product_id=body.product_id, rule_id=body.rule_id, title=body.title
    )
    session.commit()
    return study


@router.get("/studies/{study_id}", response_model=StudyRead, responses=READ_ERRORS)
def get_study(study_id: StudyId, session: SessionDep, actor: CanRead) -> Any:
    """Show a study."""
    return studies.get_study(session, actor=actor, study_id=study_id)


@router.get("/studies/{study_id}/versions", response_model=list[VersionRead], responses=READ_ERRORS)
def list_versions(study_id: StudyId, session: SessionDep, actor: CanRead) -> Any:
    """List a study's versions with their models, oldest first."""
    versions = studies.list_versions(session, actor=actor, study_id=study_id)
    return [VersionRead.of(version) for version in versions]


@router.post(
    "/studies/{study_id}/versions",
    response_model=VersionRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def save_version(
    study_id: StudyId, body: VersionCreate, session: SessionDep, actor: CanEdit
) -> Any:
    """Save a new version of a study's model (validated and bound to the factor database)."""
    version = studies.save_version(
        session, actor=actor, study_id=study_id, model=body.model, origin="json", note=body.note
    )
    session.commit()
    return VersionRead.of(version)


@router.post(
    "/studies/{study_id}/versions/upload",
    response_model=VersionRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def upload_version(
    study_id: StudyId,
    session: SessionDep,
    actor: CanEdit,
    file: Annotated[UploadFile, File(description="A .yaml, .yml, .json or .xlsx model")],
    note: Annotated[str, Form(max_length=studies.MAX_NOTE)] = "",
) -> Any:
    """Upload a model file (YAML, JSON or the XLSX workbook) as a new version."""
    content = file.file.read(studies.MAX_UPLOAD_BYTES + 1)
    version = studies.upload_version(
        session,
        actor=actor,
        study_id=study_id,
        filename=file.filename or "",
        content=content,
        note=note,
    )
    session.commit()
    return VersionRead.of(version)


@router.get(
    "/studies/{study_id}/versions/{number}", response_model=VersionRead, responses=READ_ERRORS
)
def get_version(study_id: StudyId, number: Number, session: SessionDep, actor: CanRead) -> Any:
    """Show one version of a study with its model."""
    version = studies.get_version(session, actor=actor, study_id=study_id, number=number)
    return VersionRead.of(version)


@router.get("/studies/{study_id}/diff", response_model=VersionDiffRead, responses=READ_ERRORS)
def diff_versions(
    study_id: StudyId,
    session: SessionDep,
    actor: CanRead,
    old: Annotated[int, Query(ge=1, le=MAX_NUMBER, description="The earlier version")],
    new: Annotated[int, Query(ge=1, le=MAX_NUMBER, description="The later version")],
) -> Any:
    """Compare two versions: processes, inputs, emissions and calculated totals."""
    diff = studies.diff_versions(session, actor=actor, study_id=study_id, old=old, new=new)
    return VersionDiffRead.model_validate(diff)


@router.get(
    "/studies/{study_id}/calculations",
    response_model=list[CalculationRead],
    responses=READ_ERRORS,
)
def list_calculations(study_id: StudyId, session: SessionDep, actor: CanRead) -> Any:
    """List a study's calculations with their results, newest first."""
    calculations = studies.list_calculations(session, actor=actor, study_id=study_id)
    return [CalculationRead.of(calculation) for calculation in calculations]


@router.post(
    "/studies/{study_id}/calculations",
    response_model=CalculationRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def calculate(
    study_id: StudyId, body: CalculationCreate, session: SessionDep, actor: CanCalculate
) -> Any:
    """Calculate a version against a factor release, check its rule and store the result."""
    calculation = studies.calculate(
        session,
        actor=actor,
        study_id=study_id,
        number=body.number,
        release=body.release,
        iterations=body.iterations,
        seed=body.seed,
    )
    session.commit()
    return CalculationRead.of(calculation)


@router.get("/calculations/{calculation_id}", response_model=CalculationRead, responses=READ_ERRORS)
def get_calculation(
    calculation_id: Annotated[uuid.UUID, Path(description="The calculation's id")],
    session: SessionDep,
    actor: CanRead,
) -> Any:
    """Show a stored calculation and its result."""
    calculation = studies.get_calculation(session, actor=actor, calculation_id=calculation_id)
    return CalculationRead.of(calculation)


@router.get("/templates", response_model=list[TemplateRead], responses=_errors(401, 403))
def list_templates(actor: CanRead) -> Any:
    """List the study templates, one per product rule."""
    return [TemplateRead.of(template) for template in studies.list_templates()]


@router.get(
    "/templates/{rule_id}.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "The study workbook"},
        **READ_ERRORS,
    },
)
def template_workbook(
    rule_id: Annotated[
        str, Path(max_length=60, pattern=r"^[a-z0-9][a-z0-9\-]*$", description="Rule id")
    ],
    actor: CanRead,
) -> Response:
    """Download a rule's study template as an XLSX workbook to fill in offline."""
    content = studies.xlsx_template(rule_id)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="tanji-{rule_id}.xlsx"'},
    )
