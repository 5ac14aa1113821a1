"""Public REST API of the certificate registry: search, and one certificate. No login.

Only the figures a certificate discloses are answered; the inventory behind it never is.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tanji.labels import registry
from tanji.web.api.factors import NO_NUL, ErrorRead
from tanji.web.deps import SessionDep

StatusName = Literal["valid", "suspended", "withdrawn", "expired"]
CertificateNumber = Annotated[
    str, Path(min_length=1, max_length=40, pattern=NO_NUL, description="Certificate number.")
]
Words = Annotated[
    str,
    Query(max_length=200, pattern=NO_NUL, description="Words in the number, product or company."),
]
Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]


class PublicEventRead(BaseModel):
    """A step of the public history: issue, suspend, reinstate, withdraw, expire."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    on: dt.date
    reason: str = Field(description="Given for suspensions and withdrawals.")


class CertificateSummaryRead(BaseModel):
    """A certificate's public facts; ``value`` is kg CO2e per declared unit (``unit``)."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    product_name_zh: str
    product_name_en: str
    company_zh: str
    company_en: str
    city: str
    category: str = Field(description="Product rule id, e.g. cement.")
    value: float = Field(description="kg CO2e per declared unit, as certified.")
    unit: str = Field(description="The declared unit, e.g. '1 t'.")
    boundary: str
    rule_id: str
    rule_version: str
    grade: str | None
    label_kind: str
    certifier_zh: str
    certifier_en: str
    issued_on: dt.date
    expires_on: dt.date
    status: StatusName = Field(description="The status today (an expired one says so).")


class CertificatePublicRead(CertificateSummaryRead):
    """One certificate as the registry page shows it, with its public history."""

    status_reason: str
    verified_on: dt.date | None
    last_surveillance_on: dt.date | None
    history: list[PublicEventRead]


class RegistryPageRead(BaseModel):
    items: list[CertificateSummaryRead]
    total: int
    limit: int
    offset: int


NOT_FOUND = {404: {"model": ErrorRead, "description": "No such certificate"}}
INVALID = {422: {"model": ErrorRead, "description": "Invalid input"}}

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])


@router.get("/certificates", response_model=RegistryPageRead, responses=INVALID)
def search(
    session: SessionDep,
    q: Words = "",
    category: Filter = None,
    grade: Filter = None,
    status: StatusName | None = None,
    company: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="Slug or part of a name.")
    ] = None,
    city: Filter = None,
    certifier: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="Slug or part of a name.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=registry.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RegistryPageRead:
    """Search the public registry of certificates (no login)."""
    items, total = registry.search_certificates(
        session,
        text=q,
        category=category or None,
        grade=grade or None,
        status=status,
        company=company,
        city=city,
        certifier=certifier,
        limit=limit,
        offset=offset,
    )
    return RegistryPageRead(
        items=[CertificateSummaryRead.model_validate(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/certificates/{certificate_number}",
    response_model=CertificatePublicRead,
    responses={**NOT_FOUND, **INVALID},
)
def certificate(
    session: SessionDep, certificate_number: CertificateNumber
) -> CertificatePublicRead:
    """One certificate: its disclosed figures, status today and public history."""
    view = registry.public_view(session, number=certificate_number)
    return CertificatePublicRead.model_validate(view)
