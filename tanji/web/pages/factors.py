"""Factor database pages: search, a factor's dossier, contribute, import, review, releases."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tanji.accounts.policy import Actor, Right
from tanji.core.errors import Conflict, InvalidInput
from tanji.core.i18n import N_, _, current_language, gettext
from tanji.factors import service
from tanji.factors.fileio import dump_rows, read_upload
from tanji.factors.models import FactorRecord, FactorStatus
from tanji.factors.rows import BOUNDARIES, CATEGORIES, COLUMNS, PEDIGREE, to_row
from tanji.web.api.factors import (
    NO_NUL,
    ReleaseName,
    Slug,
    StatusFilter,
    Version,
    status_filter,
)
from tanji.web.deps import CsrfChecked, SessionDep, require
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)

CanRead = Annotated[Actor, Depends(require(Right.FACTOR_READ))]
CanSubmit = Annotated[Actor, Depends(require(Right.FACTOR_SUBMIT))]
CanReview = Annotated[Actor, Depends(require(Right.FACTOR_REVIEW))]
CanRelease = Annotated[Actor, Depends(require(Right.FACTOR_RELEASE))]

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000  # rows per export; a whole release is exported from its page
UPLOAD_LIMIT = 20 * 1024 * 1024

# Values stored in the factor table → English labels, translated when shown.
STATUS_NAMES = {
    "draft": N_("draft"),
    "in-review": N_("in review"),
    "published": N_("published"),
    "superseded": N_("superseded"),
    "withdrawn": N_("withdrawn"),
    "rejected": N_("rejected"),
}
CATEGORY_NAMES = {
    "fuels": N_("Fuels"),
    "electricity": N_("Electricity"),
    "heat-steam": N_("Heat and steam"),
    "transport": N_("Transport"),
    "raw-materials": N_("Raw materials"),
    "chemicals": N_("Chemicals"),
    "metals": N_("Metals"),
    "building-materials": N_("Building materials"),
    "products": N_("Products"),
    "waste-treatment": N_("Waste treatment"),
    "process-emissions": N_("Process emissions"),
}
BOUNDARY_NAMES = {
    "life-cycle": N_("life cycle"),
    "cradle-to-gate": N_("cradle-to-gate"),
    "gate-to-gate": N_("gate-to-gate"),
    "combustion": N_("combustion only"),
    "process": N_("process emissions"),
}
ORIGIN_NAMES = {
    "fossil": N_("fossil"),
    "biogenic": N_("biogenic"),
    "dluc": N_("direct land-use change"),
}
DIMENSION_NAMES = {
    "mass": N_("mass"),
    "energy": N_("energy"),
    "volume": N_("volume"),
    "normal volume": N_("normal volume"),
    "area": N_("area"),
    "length": N_("length"),
    "freight transport": N_("freight transport"),
    "pieces": N_("pieces"),
    "peak power": N_("peak power"),
}
PEDIGREE_NAMES = {
    "reliability": N_("Reliability"),
    "completeness": N_("Completeness"),
    "temporal": N_("Temporal correlation"),
    "geographical": N_("Geographical correlation"),
    "technological": N_("Technological correlation"),
}
EVENT_NAMES = {
    "imported": N_("imported as draft"),
    "imported-published": N_("imported and published by a curator"),
    "submitted": N_("submitted for review"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}
DONE = {
    "submitted": N_("The factor was sent to review."),
    "imported": N_("The file was imported; its factors are waiting for review."),
    "approved": N_("The factor was approved and published."),
    "rejected": N_("The factor was rejected; the contributor sees the reason."),
    "withdrawn": N_("The factor was withdrawn; releases that hold it keep it."),
    "released": N_("The release was created."),
    "unchanged": N_("Every factor in the file is already stored unchanged; nothing was sent."),
}
GAS_ROWS = 6  # composition rows on the form; "other" gases go into the extra rows


def label(names: dict[str, str], value: str | None) -> str:
    """A stored value in the page language; unknown values stay as they are."""
    if value is None:
        return ""
    return gettext(names[value]) if value in names else value


def factor_name(record: Any) -> str:
    """The factor's name in the page language, else in the other one, else its slug."""
    first, second = (
        (record.name_zh, record.name_en)
        if current_language() == "zh_CN"
        else (record.name_en, record.name_zh)
    )
    return first or second or record.slug


def flashes(done: str | None) -> list[dict[str, str]]:
    if done in DONE:
        return [{"kind": "ok", "text": gettext(DONE[done])}]
    return []


def helpers() -> dict[str, Any]:
    """Functions and tables every factor template uses."""
    return {
        "active": "factors",
        "factor_name": factor_name,
        "label": label,
        "STATUS_NAMES": STATUS_NAMES,
        "CATEGORY_NAMES": CATEGORY_NAMES,
        "BOUNDARY_NAMES": BOUNDARY_NAMES,
        "ORIGIN_NAMES": ORIGIN_NAMES,
        "DIMENSION_NAMES": DIMENSION_NAMES,
        "PEDIGREE_NAMES": PEDIGREE_NAMES,
        "EVENT_NAMES": EVENT_NAMES,
        "CATEGORIES": CATEGORIES,
        "BOUNDARIES": BOUNDARIES,
    }


def pages(total: int, current: int, url: Any) -> dict[str, Any]:
    """Page links around ``current`` (1-based): first, last and two either side."""
    count = max(1, math.ceil(total / PAGE_SIZE))
    shown = sorted({1, count, *range(max(1, current - 2), min(count, current + 2) + 1)})
    return {"current": current, "count": count, "numbers": shown, "url": url}


def _error_map(error: InvalidInput) -> dict[str, str]:
    """An error keyed by the field it concerns (the last name in its ``loc``)."""
    names = [part for part in error.loc if isinstance(part, str)]
    return {names[-1] if names else "": error.message}


# -- search and export ------------------------------------------------------------------


class SearchForm(BaseModel):
    """The search form's fields; blank fields are no filter (a browser sends them empty)."""

    q: str = Field(default="", max_length=200, pattern=NO_NUL)
    category: str = Field(default="", max_length=40, pattern=NO_NUL)
    geography: str = Field(default="", max_length=20, pattern=NO_NUL)
    dimension: str = Field(default="", max_length=80, pattern=NO_NUL)
    unit: str = Field(default="", max_length=40, pattern=NO_NUL)
    year: str = Field(default="", pattern=r"^(\d{4})?$")
    release: str = Field(default="", max_length=40, pattern=NO_NUL)
    status: StatusFilter = "published"
    page: int = Field(default=1, ge=1, le=100_000)

    def query(self, actor: Actor, *, limit: int, offset: int) -> service.SearchQuery:
        return service.SearchQuery(
            text=self.q,
            category=self.category or None,
            geography=self.geography.strip() or None,
            dimension=self.dimension or None,
            unit=self.unit.strip() or None,
            year=int(self.year) if self.year else None,
            release=self.release or None,
            status=status_filter(actor, self.status),
            limit=limit,
            offset=offset,
        )

    def params(self, **changes: Any) -> str:
        """The query string of this search, changed as given, without blank fields."""
        values = {**self.model_dump(), **changes}
        kept = {k: v for k, v in values.items() if v not in ("", None, 1) or k == "status"}
        if kept.get("status") == "published":
            kept.pop("status")
        return urlencode(kept)


@router.get("/factors", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    form: Annotated[SearchForm, Query()],
    done: str | None = None,
) -> HTMLResponse:
    """Search the factor database."""
    query = form.query(actor, limit=PAGE_SIZE, offset=(form.page - 1) * PAGE_SIZE)
    errors: dict[str, str] = {}
    try:
        found: service.SearchPage | None = service.search_page(session, query)
    except InvalidInput as error:
        found, errors = None, _error_map(error)
    total = found.total if found else 0
    return page(
        request,
        "factors/search.html",
        status_code=422 if errors else 200,
        form=form,
        found=found,
        errors=errors,
        releases=service.list_releases(session),
        may_filter_status=actor.can(Right.FACTOR_REVIEW) or actor.can(Right.FACTOR_SUBMIT),
        pagination=pages(total, form.page, lambda n: "/factors?" + form.params(page=n)),
        export_query=form.params(page=1),
        flashes=flashes(done),
        **helpers(),
    )


MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/factors/export")
def export(
    session: SessionDep,
    actor: CanRead,
    form: Annotated[SearchForm, Query()],
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """The current search as a CSV or XLSX file in the import template's columns."""
    records = service.search(session, form.query(actor, limit=EXPORT_LIMIT, offset=0))
    content = dump_rows([to_row(r) for r in records], format, meta={"search": form.params()})
    return Response(
        content,
        media_type=MEDIA[format],
        headers={"content-disposition": f'attachment; filename="tanji-factors.{format}"'},
    )


@router.get("/factors/template.{format}")
def template_file(
    actor: CanRead, format: Annotated[str, PathParam(pattern="^(csv|xlsx)$")]
) -> Response:
    """The empty import template."""
    example = {
        "slug": "example-steel-bof-2024",
        "flow": "steel-bof",
        "name_zh": "转炉钢（示例）",
        "name_en": "BOF steel (example)",
        "category": "metals",
        "unit": "t",
        "composition": "CO2=1.9;CH4=0.0001",
        "origin": "fossil",
        "boundary": "cradle-to-gate",
        "geography": "CN",
        "year": "2024",
        "document": "Source document, publisher, year",
        "table": "Table 2",
        "url": "https://example.org/",
        "license": "CC BY 4.0",
    }
    content = dump_rows([example], format, meta={"columns": ", ".join(COLUMNS)})
    return Response(
        content,
        media_type=MEDIA[format],
        headers={"content-disposition": f'attachment; filename="tanji-factor-template.{format}"'},
    )


# -- contribute -------------------------------------------------------------------------


class FactorForm(BaseModel):
    """The contribute form: template columns as text, the composition as gas/amount rows."""

    model_config = ConfigDict(extra="ignore")

    slug: str = Field(default="", max_length=120)
    flow: str = Field(default="", max_length=120)
    name_zh: str = Field(default="", max_length=300)
    name_en: str = Field(default="", max_length=300)
    synonyms: str = Field(default="", max_length=1000)
    category: str = Field(default="", max_length=40)
    unit: str = Field(default="", max_length=40)
    gas: list[str] = Field(default_factory=list, max_length=40)
    amount: list[str] = Field(default_factory=list, max_length=40)
    origin: str = Field(default="fossil", max_length=10)
    boundary: str = Field(default="cradle-to-gate", max_length=30)
    geography: str = Field(default="CN", max_length=20)
    year: str = Field(default="", max_length=10)
    valid_from: str = Field(default="", max_length=10)
    valid_to: str = Field(default="", max_length=10)
    technology: str = Field(default="", max_length=200)
    document: str = Field(default="", max_length=2000)
    table: str = Field(default="", max_length=1000)
    url: str = Field(default="", max_length=1000)
    license: str = Field(default="", max_length=200)
    reliability: str = Field(default="", max_length=1)
    completeness: str = Field(default="", max_length=1)
    temporal: str = Field(default="", max_length=1)
    geographical: str = Field(default="", max_length=1)
    technological: str = Field(default="", max_length=1)
    uncertainty: str = Field(default="", max_length=80)
    notes: str = Field(default="", max_length=5000)

    def to_row(self) -> dict[str, Any]:
        row = self.model_dump(exclude={"gas", "amount"})
        pairs = [
            f"{gas.strip()}={amount.strip()}"
            for gas, amount in zip(self.gas, self.amount, strict=False)
            if amount.strip()
        ]
        row["composition"] = ";".join(pairs)
        return row

    @classmethod
    def of(cls, record: FactorRecord) -> FactorForm:
        """A form pre-filled from a stored version (for its next version)."""
        row = {key: str(value) for key, value in to_row(record).items()}
        gases = record.gases
        return cls(
            **{k: v for k, v in row.items() if k in cls.model_fields},
            gas=[g.gas for g in gases],
            amount=[f"{g.amount:.10g}" for g in gases],
        )

    def gas_rows(self) -> list[tuple[str, str]]:
        """The composition rows to show: the given ones, then blanks up to GAS_ROWS."""
        given = [(gas, amount) for gas, amount in zip(self.gas, self.amount, strict=False) if gas]
        if not given:
            given = [("CO2", ""), ("CH4", ""), ("N2O", "")]
        return given + [("", "")] * max(1, GAS_ROWS - len(given))


def _contribute_page(
    request: Request,
    form: FactorForm,
    *,
    existing: FactorRecord | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "factors/form.html",
        status_code=status_code,
        form=form,
        existing=existing,
        errors=errors or {},
        PEDIGREE=PEDIGREE,
        **helpers(),
    )


@router.get("/factors/new", response_class=HTMLResponse)
def new_factor(request: Request, actor: CanSubmit) -> HTMLResponse:
    """The form to propose a factor."""
    return _contribute_page(request, FactorForm())


@router.post("/factors/new", dependencies=[CsrfChecked])
def propose(
    request: Request,
    session: SessionDep,
    actor: CanSubmit,
    form: Annotated[FactorForm, Form()],
) -> Response:
    """Send a factor, or a new version of one, to review."""
    try:
        record = service.propose(session, row=form.to_row(), actor=actor.label)
    except (InvalidInput, Conflict) as error:
        session.rollback()
        invalid = isinstance(error, InvalidInput)
        errors = _error_map(error) if invalid else {"": error.message}
        return _contribute_page(request, form, errors=errors, status_code=422 if invalid else 409)
    session.commit()
    return RedirectResponse(f"/factors/{record.slug}?done=submitted", status_code=303)


@router.get("/factors/import", response_class=HTMLResponse)
def import_form(request: Request, actor: CanSubmit, done: str | None = None) -> HTMLResponse:
    """The form to upload a factor table."""
    return page(
        request,
        "factors/import.html",
        problems=[],
        error=None,
        flashes=flashes(done),
        **helpers(),
    )


@router.post("/factors/import", dependencies=[CsrfChecked])
def import_file(
    request: Request,
    session: SessionDep,
    actor: CanSubmit,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Import a CSV, XLSX or JSON table: every row or none; the new factors go to review."""
    content = file.file.read(UPLOAD_LIMIT + 1)
    try:
        if len(content) > UPLOAD_LIMIT:
            raise InvalidInput(
                _("The file is larger than 20 MB; split it into smaller files."), loc=("file",)
            )
        rows = read_upload(file.filename or "", content)
        report = service.import_for_review(session, rows=rows, actor=actor.label)
    except service.ImportRejected as rejected:
        session.rollback()
        problems = [
            {"row": loc[0], "column": loc[1] if len(loc) > 1 else "", "message": message}
            for loc, message in rejected.problems
        ]
        return page(
            request,
            "factors/import.html",
            status_code=422,
            problems=problems,
            error=None,
            **helpers(),
        )
    except InvalidInput as error:
        session.rollback()
        return page(
            request,
            "factors/import.html",
            status_code=422,
            problems=[],
            error=error,
            **helpers(),
        )
    session.commit()
    if not report.written:
        return RedirectResponse("/factors/import?done=unchanged", status_code=303)
    return RedirectResponse("/factors?status=in-review&done=imported", status_code=303)


# -- review -----------------------------------------------------------------------------


def _review_page(
    request: Request,
    session: Any,
    *,
    errors: dict[tuple[str, int], str] | None = None,
    reasons: dict[tuple[str, int], str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    query = service.SearchQuery(status=FactorStatus.IN_REVIEW, limit=500)
    return page(
        request,
        "factors/review.html",
        status_code=status_code,
        found=service.search_page(session, query),
        errors=errors or {},
        reasons=reasons or {},
        flashes=flashes(done),
        **helpers(),
    )


@router.get("/factors/review", response_class=HTMLResponse)
def review_queue(
    request: Request, session: SessionDep, actor: CanReview, done: str | None = None
) -> HTMLResponse:
    """The factors waiting for review."""
    return _review_page(request, session, done=done)


@router.post("/factors/{slug}/versions/{version}/review", dependencies=[CsrfChecked])
def decide(
    request: Request,
    session: SessionDep,
    actor: CanReview,
    slug: Slug,
    version: Version,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve or reject the version in review."""
    try:
        service.review(
            session,
            slug=slug,
            version=version,
            actor=actor.label,
            approve=decision == "approve",
            reason=reason,
        )
    except InvalidInput as error:
        session.rollback()
        return _review_page(
            request,
            session,
            errors={(slug, version): error.message},
            reasons={(slug, version): reason},
            status_code=422,
        )
    session.commit()
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/factors/review?done={done}", status_code=303)


@router.post("/factors/{slug}/withdraw", dependencies=[CsrfChecked])
def withdraw(
    request: Request,
    session: SessionDep,
    actor: CanReview,
    slug: Slug,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Withdraw the published version of a factor (releases keep it)."""
    try:
        service.withdraw(session, slug=slug, actor=actor.label, reason=reason)
    except InvalidInput as error:
        session.rollback()
        return _dossier_page(
            request, session, slug=slug, errors={"reason": error.message}, status_code=422
        )
    session.commit()
    return RedirectResponse(f"/factors/{slug}?done=withdrawn", status_code=303)


# -- releases ---------------------------------------------------------------------------


def _releases_page(
    request: Request,
    session: Any,
    *,
    errors: dict[str, str] | None = None,
    name: str = "",
    notes: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    releases = service.list_releases(session)
    return page(
        request,
        "factors/releases.html",
        status_code=status_code,
        releases=list(reversed(releases)),
        old_default=releases[-2].name if len(releases) > 1 else "",
        new_default=releases[-1].name if releases else "",
        errors=errors or {},
        name=name,
        notes=notes,
        **helpers(),
    )


@router.get("/factors/releases", response_class=HTMLResponse)
def releases(request: Request, session: SessionDep, actor: CanRead) -> HTMLResponse:
    """Every release, and the forms to compare or create them."""
    return _releases_page(request, session)


@router.post("/factors/releases", dependencies=[CsrfChecked])
def create_release(
    request: Request,
    session: SessionDep,
    actor: CanRelease,
    name: Annotated[str, Form(max_length=100)] = "",
    notes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Freeze every published factor into a new release."""
    try:
        made = service.create_release(session, name=name, actor=actor.label, notes=notes)
    except (InvalidInput, Conflict) as error:
        session.rollback()
        errors = _error_map(error) if isinstance(error, InvalidInput) else {"": error.message}
        status = 422 if isinstance(error, InvalidInput) else 409
        return _releases_page(
            request, session, errors=errors, name=name, notes=notes, status_code=status
        )
    session.commit()
    return RedirectResponse(f"/factors/releases/{made.name}?done=released", status_code=303)


@router.get("/factors/releases/diff", response_class=HTMLResponse)
def diff(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    old: Annotated[str, Query(min_length=1, max_length=40, pattern=NO_NUL)],
    new: Annotated[str, Query(min_length=1, max_length=40, pattern=NO_NUL)],
) -> HTMLResponse:
    """What changed from one release to another."""
    result = service.diff_releases(session, old=old, new=new)
    return page(request, "factors/diff.html", diff=result, old=old, new=new, **helpers())


@router.get("/factors/releases/{name}", response_class=HTMLResponse)
def release(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    name: ReleaseName,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    done: str | None = None,
) -> HTMLResponse:
    """The factor versions a release holds."""
    found = service.release_page(
        session, name=name, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
    )
    base = f"/factors/releases/{name}?"
    return page(
        request,
        "factors/release.html",
        found=found,
        pagination=pages(found.total, page_number, lambda n: base + urlencode({"page": n})),
        export_query=urlencode({"release": name}),
        flashes=flashes(done),
        **helpers(),
    )


# -- one factor -------------------------------------------------------------------------


def _dossier_page(
    request: Request,
    session: Any,
    *,
    slug: str,
    version: int | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = service.dossier(session, slug=slug, version=version)
    return page(
        request,
        "factors/detail.html",
        status_code=status_code,
        dossier=found,
        record=found.record,
        errors=errors or {},
        flashes=flashes(done),
        **helpers(),
    )


@router.get("/factors/{slug}", response_class=HTMLResponse)
def factor(
    request: Request, session: SessionDep, actor: CanRead, slug: Slug, done: str | None = None
) -> HTMLResponse:
    """A factor's current version with its source, quality, versions and history."""
    return _dossier_page(request, session, slug=slug, done=done)


@router.get("/factors/{slug}/versions/{version}", response_class=HTMLResponse)
def factor_version(
    request: Request, session: SessionDep, actor: CanRead, slug: Slug, version: Version
) -> HTMLResponse:
    """One version of a factor."""
    return _dossier_page(request, session, slug=slug, version=version)


@router.get("/factors/{slug}/new-version", response_class=HTMLResponse)
def new_version(
    request: Request, session: SessionDep, actor: CanSubmit, slug: Slug
) -> HTMLResponse:
    """The contribute form pre-filled from the factor's current version."""
    current = service.dossier(session, slug=slug).record
    return _contribute_page(request, FactorForm.of(current), existing=current)
