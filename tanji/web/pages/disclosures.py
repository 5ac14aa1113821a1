"""Public disclosure pages (信息披露): the footprints enterprises disclose publicly, a page
per product with its history (withdrawals included), and a machine-readable feed.

Nothing here needs a login, and nothing shows more than the public summary: no model, no
inputs, no suppliers, no internal ids of studies or calculations.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from tanji.core.errors import NotFound
from tanji.core.i18n import _, in_language
from tanji.db.base import as_utc
from tanji.exchange.pact import disclosure
from tanji.labels.registry import status_name
from tanji.web.api.factors import NO_NUL
from tanji.web.deps import SessionDep
from tanji.web.pages.exchange import EVENT_NAMES, LEVEL_NAMES
from tanji.web.pages.registry import BOUNDARY_NAMES, label
from tanji.web.rendering import page
from tanji.web.templating import rule_names

router = APIRouter(tags=["disclosures"], include_in_schema=False)

MAX_AGE = 300  # seconds a reader may cache: a withdrawal shows within five minutes
OrgSlug = Annotated[str, Path(max_length=80, pattern=NO_NUL)]
ProductCode = Annotated[str, Path(max_length=80, pattern=NO_NUL)]


def _helpers() -> dict[str, Any]:
    return {
        "active": "disclosures",
        "local": in_language,
        "label": label,
        "certificate_status": status_name,
        "BOUNDARY_NAMES": BOUNDARY_NAMES,
        "rule_names": rule_names(),
        "event_name": lambda v: label(EVENT_NAMES, v),
        "level_name": lambda v: label(LEVEL_NAMES, v),
    }


@router.get("/disclosures", response_class=HTMLResponse)
def index(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
) -> Response:
    """Every product footprint disclosed publicly, the current one per product."""
    return page(
        request,
        "disclosures/index.html",
        items=disclosure.public_list(session, text=q),
        q=q,
        **_helpers(),
    )


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/disclosures/feed.json")
def feed(request: Request, session: SessionDep) -> Response:
    """The public disclosure events as a JSON Feed 1.1: publications, level changes and
    withdrawals, newest first; a withdrawal's item says the figure no longer stands."""
    base = _base(request)
    items = []
    for event, summary in disclosure.feed_items(session):
        url = f"{base}/disclosures/{summary.organisation_slug}/{summary.product_code}"
        items.append(
            {
                "id": f"{base}/disclosures/events/{event.id}",
                "url": url,
                "title": f"{summary.product_zh or summary.product_en} · {event.action}",
                "content_text": (
                    f"{summary.organisation_zh or summary.organisation_en}: {summary.value:.6g} "
                    f"kg CO2e / {summary.declared_unit} ({event.action}"
                    + (f": {event.reason}" if event.reason else "")
                    + ")"
                ),
                "date_published": as_utc(event.at).isoformat(),
                "_tanji": {
                    "action": event.action,
                    "before": event.before,
                    "after": event.after,
                    "reason": event.reason,
                    "disclosure": summary.to_json(),
                },
            }
        )
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Tanji public carbon footprint disclosures"),
        "home_page_url": f"{base}/disclosures",
        "feed_url": f"{base}/disclosures/feed.json",
        "language": "zh-CN",
        "items": items,
    }
    return JSONResponse(
        body,
        media_type="application/feed+json",
        headers={"cache-control": f"public, max-age={MAX_AGE}"},
    )


@router.get("/disclosures/{org_slug}/{product_code}.json")
def product_json(session: SessionDep, org_slug: OrgSlug, product_code: ProductCode) -> Response:
    """A product's public disclosure, machine-readable."""
    try:
        found = disclosure.product_page(session, org_slug=org_slug, product_code=product_code)
    except NotFound as error:
        body = {"detail": [{"loc": list(error.loc), "msg": error.message, "type": "NotFound"}]}
        return JSONResponse(body, status_code=404)
    return JSONResponse(
        {
            "current": found.current.to_json() if found.current else None,
            "earlier": [s.to_json() for s in found.earlier],
            "history": [
                {
                    "disclosure": str(e.footprint_id),
                    "action": e.action,
                    "before": e.before,
                    "after": e.after,
                    "reason": e.reason,
                    "at": as_utc(e.at).isoformat(),
                }
                for e in found.events
            ],
        },
        headers={"cache-control": f"public, max-age={MAX_AGE}"},
    )


@router.get("/disclosures/{org_slug}/{product_code}", response_class=HTMLResponse)
def product_page(
    request: Request, session: SessionDep, org_slug: OrgSlug, product_code: ProductCode
) -> Response:
    """A product's public disclosure page: the current figure, earlier ones, the history."""
    found = disclosure.product_page(session, org_slug=org_slug, product_code=product_code)
    return page(
        request,
        "disclosures/product.html",
        found=found,
        org_slug=org_slug,
        product_code=product_code,
        **_helpers(),
    )
