"""REST API of the factor database: search, a factor's history, releases, submit, review."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from tanji.accounts.policy import Actor, Right
from tanji.core.errors import Forbidden
from tanji.core.i18n import _
from tanji.factors import service
from tanji.factors.models import FactorStatus
from tanji.factors.schemas import (
    FactorCreate,
    FactorDetailRead,
    FactorPage,
    FactorRead,
    FactorSummary,
    ReleaseDetailRead,
    ReleaseDiffRead,
    ReleaseRead,
    ReviewCreate,
)
from tanji.web.deps import CsrfChecked, SessionDep, require

CanRead = Annotated[Actor, Depends(require(Right.FACTOR_READ))]
CanSubmit = Annotated[Actor, Depends(require(Right.FACTOR_SUBMIT))]
CanReview = Annotated[Actor, Depends(require(Right.FACTOR_REVIEW))]

NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text; nothing legitimate carries one
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,119}$"
StatusFilter = Literal[
    "published", "all", "draft", "in-review", "superseded", "withdrawn", "rejected"
]

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=120, description="Factor id.")]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="Version number, from 1.")]
ReleaseName = Annotated[str, Path(min_length=1, max_length=40, pattern=NO_NUL)]
Text = Annotated[str, Query(max_length=200, pattern=NO_NUL, description="Words to match.")]
Category = Annotated[str | None, Query(max_length=40, pattern=NO_NUL)]
Geography = Annotated[
    str | None, Query(max_length=20, pattern=NO_NUL, description="Region, e.g. CN, CN-SX.")
]
Dimension = Annotated[
    str | None, Query(max_length=80, pattern=NO_NUL, description="mass, energy, volume …")
]
Unit = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=NO_NUL,
        description="Only factors whose unit converts to this one (kWh, t, t*km …).",
    ),
]
Year = Annotated[int | None, Query(ge=1900, le=2100)]
Release = Annotated[
    str | None, Query(max_length=40, pattern=NO_NUL, description="Search one release.")
]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


class ProblemRead(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorRead(BaseModel):
    """Every error has this shape: what went wrong, and where (pydantic's ``loc`` form)."""

    detail: list[ProblemRead]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "The body cannot be parsed (not JSON)",
        401: "Not authenticated",
        403: "The role lacks the right",
        404: "No such factor, version or release",
        409: "Conflicts with the factor's state",
        422: "Invalid input",
    }
    return {status: {"model": ErrorRead, "description": text[status]} for status in statuses}


router = APIRouter(prefix="/api/v1", tags=["factors"])


def status_filter(actor: Actor, status: str) -> str | None:
    """The status to search; unpublished factors are for contributors and reviewers."""
    if status == FactorStatus.PUBLISHED:
        return status
    if not (actor.can(Right.FACTOR_REVIEW) or actor.can(Right.FACTOR_SUBMIT)):
        raise Forbidden(
            _("Only contributors and reviewers can search unpublished factors."),
            loc=("status",),
        )
    return None if status == "all" else status


@router.get("/factors", response_model=FactorPage, responses=_errors(401, 403, 404, 422))
def list_factors(
    session: SessionDep,
    actor: CanRead,
    q: Text = "",
    category: Category = None,
    geography: Geography = None,
    dimension: Dimension = None,
    unit: Unit = None,
    year: Year = None,
    release: Release = None,
    status: StatusFilter = "published",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> FactorPage:
    """Search factors by words, category, region, dimension or unit, year, release."""
    query = service.SearchQuery(
        text=q,
        category=category,
        geography=geography,
        dimension=dimension,
        unit=unit,
        year=year,
        release=release,
        status=status_filter(actor, status),
        limit=limit,
        offset=offset,
    )
    found = service.search_page(session, query)
    return FactorPage(
        total=found.total,
        limit=limit,
        offset=offset,
        items=[FactorRead.model_validate(r) for r in found.items],
    )


@router.get(
    "/factors/search", response_model=list[FactorSummary], responses=_errors(401, 403, 404, 422)
)
def pick_factors(
    session: SessionDep,
    actor: CanRead,
    q: Text = "",
    dimension: Dimension = None,
    unit: Unit = None,
    release: Release = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[Any]:
    """Published factors for a picker; with ``unit``, only those that convert to it."""
    query = service.SearchQuery(
        text=q, dimension=dimension, unit=unit, release=release, limit=limit
    )
    return service.search(session, query)


@router.get(
    "/factors/{slug}", response_model=FactorDetailRead, responses=_errors(401, 403, 404, 422)
)
def get_factor(session: SessionDep, actor: CanRead, slug: Slug) -> FactorDetailRead:
    """A factor's current version (published, else newest) with every version's history."""
    return FactorDetailRead.of(service.dossier(session, slug=slug))


@router.get(
    "/factors/{slug}/versions/{version}",
    response_model=FactorDetailRead,
    responses=_errors(401, 403, 404, 422),
)
def get_factor_version(
    session: SessionDep, actor: CanRead, slug: Slug, version: Version
) -> FactorDetailRead:
    """One version of a factor, with every version's history."""
    return FactorDetailRead.of(service.dossier(session, slug=slug, version=version))


@router.post(
    "/factors",
    status_code=201,
    response_model=FactorRead,
    dependencies=[CsrfChecked],
    responses=_errors(400, 401, 403, 409, 422),
)
def submit_factor(session: SessionDep, actor: CanSubmit, body: FactorCreate) -> Any:
    """Propose a factor, or a new version of an existing slug; it goes to review."""
    record = service.propose(session, row=body.to_row(), actor=actor.label)
    session.commit()
    return record


@router.post(
    "/factors/{slug}/versions/{version}/review",
    response_model=FactorRead,
    dependencies=[CsrfChecked],
    responses=_errors(400, 401, 403, 404, 409, 422),
)
def review_factor(
    session: SessionDep, actor: CanReview, slug: Slug, version: Version, body: ReviewCreate
) -> Any:
    """Approve (publish) or reject the version in review; a rejection needs a reason."""
    record = service.review(
        session,
        slug=slug,
        version=version,
        actor=actor.label,
        approve=body.decision == "approve",
        reason=body.reason,
    )
    session.commit()
    return record


@router.get("/factor-releases", response_model=list[ReleaseRead], responses=_errors(401, 403))
def list_releases(session: SessionDep, actor: CanRead) -> list[Any]:
    """Every factor release, oldest first."""
    return service.list_releases(session)


@router.get(
    "/factor-releases/diff", response_model=ReleaseDiffRead, responses=_errors(401, 403, 404, 422)
)
def diff_releases(
    session: SessionDep,
    actor: CanRead,
    old: Annotated[str, Query(min_length=1, max_length=40, pattern=NO_NUL)],
    new: Annotated[str, Query(min_length=1, max_length=40, pattern=NO_NUL)],
) -> ReleaseDiffRead:
    """Factors added, changed (with the relative change) and withdrawn between releases."""
    return ReleaseDiffRead.of(service.diff_releases(session, old=old, new=new), old=old, new=new)


@router.get(
    "/factor-releases/{name}",
    response_model=ReleaseDetailRead,
    responses=_errors(401, 403, 404, 422),
)
def get_release(
    session: SessionDep,
    actor: CanRead,
    name: ReleaseName,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ReleaseDetailRead:
    """A release and one page of the factor versions it holds."""
    found = service.release_page(session, name=name, limit=limit, offset=offset)
    return ReleaseDetailRead(
        release=ReleaseRead.model_validate(found.release),
        total=found.total,
        limit=limit,
        offset=offset,
        items=[FactorRead.model_validate(r) for r in found.items],
    )
