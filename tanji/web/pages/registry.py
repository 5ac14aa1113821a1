"""The public registry pages: search, a certificate, its JSON, and the embeddable badge.

Nothing here needs a login, and nothing here shows more than a certificate discloses.
The badge lives under /badge/, the one path the middleware lets other sites frame.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from tanji.core.errors import NotFound
from tanji.core.i18n import N_, current_language, gettext, in_language
from tanji.labels import registry
from tanji.labels.registry import CERTIFICATE_STATUS_NAMES
from tanji.rules.catalogue import list_rules
from tanji.web.api.factors import NO_NUL
from tanji.web.api.registry import CertificateNumber, CertificatePublicRead
from tanji.web.deps import SessionDep
from tanji.web.rendering import page
from tanji.web.templating import rule_names, templates

router = APIRouter(tags=["registry"], include_in_schema=False)

PAGE_SIZE = 20
BADGE_MAX_AGE = 300  # seconds a shop's page may cache the badge: the status stays live

STATUS_TONES = {"valid": "ok", "suspended": "warn", "withdrawn": "bad", "expired": "bad"}
ACTION_NAMES = {
    "issue": N_("Certificate issued"),
    "suspend": N_("Certificate suspended"),
    "reinstate": N_("Certificate reinstated"),
    "withdraw": N_("Certificate withdrawn"),
    "expire": N_("Certificate expired"),
}
BOUNDARY_NAMES = {
    "cradle-to-gate": N_("cradle-to-gate"),
    "cradle-to-grave": N_("cradle-to-grave"),
    "gate-to-gate": N_("gate-to-gate"),
}
LABEL_KIND_NAMES = {
    "footprint-value": N_("Carbon footprint value label"),
    "low-carbon": N_("Low-carbon label"),
    "carbon-neutral": N_("Carbon-neutral label"),
}


local = in_language  # the templates call it `local`


def label(names: dict[str, str], value: str | None) -> str:
    if value is None:
        return ""
    return gettext(names[value]) if value in names else value


def helpers() -> dict[str, Any]:
    """Functions and tables the registry templates use."""
    return {
        "active": "registry",
        "local": local,
        "label": label,
        "rule_names": rule_names(),
        "STATUS_NAMES": CERTIFICATE_STATUS_NAMES,
        "STATUS_TONES": STATUS_TONES,
        "ACTION_NAMES": ACTION_NAMES,
        "BOUNDARY_NAMES": BOUNDARY_NAMES,
        "LABEL_KIND_NAMES": LABEL_KIND_NAMES,
    }


class SearchForm(BaseModel):
    """The registry's search form; blank fields are no filter."""

    q: str = Field(default="", max_length=200, pattern=NO_NUL)
    category: str = Field(default="", max_length=60, pattern=NO_NUL)
    grade: str = Field(default="", max_length=40, pattern=NO_NUL)
    status: Literal["", "valid", "suspended", "withdrawn", "expired"] = ""
    city: str = Field(default="", max_length=40, pattern=NO_NUL)
    certifier: str = Field(default="", max_length=80, pattern=NO_NUL)
    page: int = Field(default=1, ge=1, le=100_000)

    def params(self, **changes: Any) -> str:
        values = {**self.model_dump(), **changes}
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


@router.get("/registry", response_class=HTMLResponse)
def search_page(
    request: Request, session: SessionDep, form: Annotated[SearchForm, Query()]
) -> HTMLResponse:
    """Search the public registry of certificates."""
    items, total = registry.search_certificates(
        session,
        text=form.q,
        category=form.category or None,
        grade=form.grade or None,
        status=form.status or None,
        city=form.city or None,
        certifier=form.certifier or None,
        limit=PAGE_SIZE,
        offset=(form.page - 1) * PAGE_SIZE,
    )
    count = max(1, math.ceil(total / PAGE_SIZE))
    return page(
        request,
        "registry/search.html",
        form=form,
        items=items,
        total=total,
        facets=registry.facets(session),
        rules=list_rules(),
        pagination={
            "current": form.page,
            "count": count,
            "numbers": sorted(
                {1, count, *range(max(1, form.page - 2), min(count, form.page + 2) + 1)}
            ),
            "url": lambda n: "/registry?" + form.params(page=n),
        },
        **helpers(),
    )


# The .json route comes before the page: "{number}" alone would swallow "N.json".
@router.get("/registry/{certificate_number}.json")
def certificate_json(session: SessionDep, certificate_number: CertificateNumber) -> Response:
    """A certificate's public record, machine-readable."""
    try:
        view = registry.public_view(session, number=certificate_number)
    except NotFound as error:
        body = {"detail": [{"loc": list(error.loc), "msg": error.message, "type": "NotFound"}]}
        return JSONResponse(body, status_code=404)
    return JSONResponse(
        CertificatePublicRead.model_validate(view).model_dump(mode="json"),
        headers={"cache-control": f"public, max-age={BADGE_MAX_AGE}"},
    )


@router.get("/registry/{certificate_number}", response_class=HTMLResponse)
def certificate_page(
    request: Request, session: SessionDep, certificate_number: CertificateNumber
) -> HTMLResponse:
    """A certificate's public page: status, disclosed figures, history, badge."""
    view = registry.public_view(session, number=certificate_number)
    base = str(request.base_url).rstrip("/")
    return page(request, "registry/certificate.html", cert=view, base_url=base, **helpers())


def _badge_text(value: str, limit: int) -> str:
    """A product name short enough for the badge (CJK characters count double)."""
    width, kept = 0, []
    for char in value:
        width += 2 if ord(char) > 0x2E80 else 1
        if width > limit:
            return "".join(kept).rstrip() + "…"
        kept.append(char)
    return value


@router.get("/badge/{certificate_number}.svg")
def badge_svg(
    request: Request, session: SessionDep, certificate_number: CertificateNumber
) -> Response:
    """The embeddable badge: the label's figures and the certificate's live status."""
    try:
        view: registry.CertificatePublic | None = registry.public_view(
            session, number=certificate_number
        )
    except NotFound:
        view = None  # an image tag still gets an image: "not in the registry", in red
    context = {
        "cert": view,
        "number": certificate_number,
        "product": _badge_text(local(view.product_name_zh, view.product_name_en), 26)
        if view
        else "",
        **helpers(),
    }
    return templates().TemplateResponse(
        request,
        "registry/badge.svg",
        context,
        status_code=200 if view else 404,
        media_type="image/svg+xml",
        headers={"cache-control": f"public, max-age={BADGE_MAX_AGE}"},
    )


@router.get("/badge/{certificate_number}", response_class=HTMLResponse)
def badge_page(
    request: Request, session: SessionDep, certificate_number: CertificateNumber
) -> HTMLResponse:
    """A tiny page with the badge, for an <iframe> on a shop's page."""
    view = registry.public_view(session, number=certificate_number)
    return templates().TemplateResponse(
        request,
        "registry/badge_frame.html",
        {"cert": view, "lang": current_language(), **helpers()},
        headers={"cache-control": f"public, max-age={BADGE_MAX_AGE}"},
    )
